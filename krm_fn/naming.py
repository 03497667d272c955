"""Names, labels and constants of the operator (5d4d2df and later releases), plus the API server's name rules."""

from __future__ import annotations

import re

# label keys and values
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
VERSION = "app.kubernetes.io/version"
SYSTEM = "otterscale-system"
OPERATOR = "model-operator"
LABEL_ROLE = "llm-d.ai/role"
LABEL_INFERENCE_SERVING = "llm-d.ai/inference-serving"
LABEL_INFERENCE_SERVING_V2 = "llm-d.ai/inferenceServing"  # from v0.9.0-alpha.2
LABEL_MODEL = "llm-d.ai/model"
LABEL_INFERENCE_POOL = "inferencepool"

COMPONENT_DECODE = "model-decode"
COMPONENT_PREFILL = "model-prefill"
COMPONENT_EPP = "epp"
ROLE_DECODE = "decode"
ROLE_PREFILL = "prefill"

EPP_HEALTH_PORT = 9003
EPP_METRICS_PORT = 9090

MODELSERVICE_API_VERSION = "model.otterscale.io/v1alpha1"
MODELSERVICE_KIND = "ModelService"


def decode_name(n: str) -> str:
    return f"{n}-decode"


def prefill_name(n: str) -> str:
    return f"{n}-prefill"


def pod_monitor_name(n: str, role: str) -> str:
    return f"{n}-{role}"


def inference_pool_name(n: str) -> str:
    return n


def http_route_name(n: str) -> str:
    return n


def epp_name(base: str) -> str:
    """The EPP's name from its base: the ModelService name, sanitised from v0.9.0-alpha.2."""
    return f"{base}-epp"


def epp_config_map_name(epp: str) -> str:
    return f"{epp}-config"


def epp_secret_name(epp: str) -> str:
    return f"{epp}-sa-metrics-reader-secret"


def epp_service_monitor_name(epp: str) -> str:
    return epp


def epp_cluster_rbac_name(ns: str, epp: str) -> str:
    return f"{ns}-{epp}"


def sanitize_dns1035_label(s: str) -> str:
    """SanitizeDNS1035Label (internal/modelservice/helpers.go@v0.9.0-alpha.2), step by step."""
    out = "".join(c if c in _LOWER_ALNUM else c.lower() if "A" <= c <= "Z" else "-" if c in "._-" else ""
                  for c in s).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    if not out:
        return "modelservice"
    if out[0].isdigit():
        out = "m-" + out
    return out.removesuffix("-")


_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def selector(name: str, component: str) -> dict[str, str]:
    return {NAME: name, COMPONENT: component, PART_OF: SYSTEM, MANAGED_BY: OPERATOR}


def standard(name: str, component: str, version: str) -> dict[str, str]:
    labels = selector(name, component)
    if version:
        labels[VERSION] = version
    return labels


def labels_for_role(n: str, component: str, version: str) -> dict[str, str]:
    labels = standard(n, component, version)
    labels[LABEL_INFERENCE_SERVING] = "true"
    return labels


# Serving labels: the v0.9.0-alpha.1 scheme, or the llm-d scheme (``llmd``) from v0.9.0-alpha.2.

def serving_metadata_labels(n: str, component: str, version: str, llmd: bool) -> dict[str, str]:
    return standard(n, component, version) if llmd else labels_for_role(n, component, version)


def serving_selector(n: str, component: str, role: str, llmd: bool) -> dict[str, str]:
    labels = selector(n, component)
    if llmd:
        labels.update({LABEL_INFERENCE_SERVING_V2: "true", LABEL_MODEL: n, LABEL_ROLE: role})
    return labels


def serving_pod_labels(n: str, component: str, version: str, role: str, llmd: bool) -> dict[str, str]:
    if not llmd:
        labels = labels_for_role(n, component, version)
        labels[LABEL_ROLE] = role
        return labels
    labels = standard(n, component, version)
    labels.update({LABEL_INFERENCE_SERVING_V2: "true", LABEL_ROLE: role, LABEL_MODEL: n})
    return labels


def inference_pool_selector_labels(n: str, llmd: bool) -> dict[str, str]:
    labels = selector(n, COMPONENT_DECODE)
    del labels[COMPONENT]
    if llmd:
        labels.update({LABEL_INFERENCE_SERVING_V2: "true", LABEL_MODEL: n})
    else:
        labels[LABEL_INFERENCE_SERVING] = "true"
    return labels


def gateway_labels(n: str, version: str, llmd: bool) -> dict[str, str]:
    """InferencePool and HTTPRoute metadata: decode's role labels, component epp from alpha.2."""
    return standard(n, COMPONENT_EPP, version) if llmd else labels_for_role(n, COMPONENT_DECODE, version)


def epp_selector_labels(label_name: str) -> dict[str, str]:
    return selector(label_name, COMPONENT_EPP)


def epp_labels(label_name: str, version: str) -> dict[str, str]:
    return standard(label_name, COMPONENT_EPP, version)


# --- what the API server accepts ---------------------------------------------------------

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")


def is_dns1123_label(s: str) -> bool:
    return len(s) <= 63 and bool(_DNS1123_LABEL.match(s))


def is_dns1035_label(s: str) -> bool:
    return len(s) <= 63 and bool(_DNS1035_LABEL.match(s))


def is_dns1123_subdomain(s: str) -> bool:
    return len(s) <= 253 and bool(_DNS1123_SUBDOMAIN.match(s))


def is_label_value(s: str) -> bool:
    return len(s) <= 63 and bool(_LABEL_VALUE.match(s))


def is_label_key(s: str) -> bool:
    prefix, _, name = s.rpartition("/")
    if "/" in s and not is_dns1123_subdomain(prefix):
        return False
    return 0 < len(name) <= 63 and bool(_LABEL_NAME.match(name))
