"""Operator releases as data: what each model-operator tag changes in the generated objects.

Each release is written once, as its difference from the one before (``_CHANGES``); a
``Release`` is the baseline with every difference up to its tag applied. Builders never test a
tag: they read the named features of the resolved profile (``krm_fn.profile``).

Sources: github.com/otterscale/model-operator at each tag (``path@tag`` below) and the
ModelService CRD of the otterscale/api version each tag depends on (spec/releases.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar

T = TypeVar("T")

TAGS = ("v0.9.0-alpha.1", "v0.9.0-alpha.2", "v0.9.0", "v0.9.1", "v0.9.2", "v1.0.0", "v1.0.1")
DEFAULT_TAG = TAGS[0]

# internal/modelservice/epp_configmap.go@v0.9.0-alpha.1
DEFAULT_PLUGINS_WITH_METRICS_SOURCE = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
- type: metrics-data-source
  parameters:
    scheme: "http"
    path: "/metrics"
    insecureSkipVerify: true
- type: core-metrics-extractor
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
"""

# internal/modelservice/epp_configmap.go@v0.9.0-alpha.2 (unchanged up to v1.0.1)
DEFAULT_PLUGINS_SCORERS_ONLY = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
"""

# cmd/main.go@<tag>: the operator's flag defaults (none of them is set by its shipped manifests)
KIT_IMAGE = "ghcr.io/kitops-ml/kitops:v1.11.0"
ENGINE_IMAGE = "ghcr.io/llm-d/llm-d-cuda:v0.5.1"


@dataclass(frozen=True)
class Release:
    """The behaviour of one operator release, as named features."""

    tag: str
    api: str  # the otterscale/api version whose ModelService CRD defaults and validates input

    # Operator flags handed to the ModelService reconciler (EPPConfig fields of the same name).
    operator_flags: bool = False  # defaultGatewayName, defaultImages.*, kitImage exist
    default_gateway_name: str = ""
    kit_image: str = ""

    # Serving Deployments
    kit_unpack: bool = False  # model-unpack init container + emptyDirs instead of an image volume
    llmd_serving_labels: bool = False  # llm-d.ai/inferenceServing + llm-d.ai/model, 7-key selectors
    secure_proxy_always: bool = False  # --secure-proxy=<bool> even when secureProxy is unset
    nixl_side_port: bool = False  # VLLM_NIXL_SIDE_CHANNEL_PORT exposed as container port nixl-side
    role_annotations: bool = False  # spec.{decode,prefill}.annotations on the pod templates

    # EPP stack
    sanitized_epp_names: bool = False  # sanitise(<ms>)-epp, and EPP labels named after it
    epp_always: bool = False  # EPP stack, InferencePool (a default one) without spec.inferencePool
    epp_pool_group_arg: bool = False  # --pool-group=inference.networking.k8s.io
    epp_metrics_port_arg: bool = True  # --metrics-port=9090
    epp_inferencepool_label: bool = False  # inferencepool: <epp name> on EPP pods and selector
    epp_service_target_ports: bool = False
    default_plugins: str = DEFAULT_PLUGINS_WITH_METRICS_SOURCE

    # Gateway objects
    pool_ref_group_kind: bool = False  # endpointPickerRef.group "" and kind Service
    route_model_match: bool = False  # OtterScale-Model-Name header + PathPrefix / match per rule
    route_needs_pool: bool = True  # spec.httpRoute only yields a route with spec.inferencePool
    destination_rule_needs_pool: bool = True

    # Monitoring
    pod_monitors_default_on: bool = False  # on unless spec.monitoring.podMonitor.enabled is false
    pod_monitor_inference_serving_label: bool = True  # llm-d.ai/inference-serving on PodMonitors
    pod_monitor_relabeling: bool = False  # model_service relabeling from the pod's name label


# Each release's difference from the previous one, in release order.
_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    # 5d4d2df: the baseline (spec/serving.md, spec/epp.md)
    ("v0.9.0-alpha.1", {"api": "v0.9.0-beta.1"}),
    # b750589 (d7c0ff0 "Available to run simple arch"): cmd/main.go, internal/modelservice/
    # {defaults,deployment,helpers,epp_deployment,epp_service,epp_configmap,inferencepool,
    # httproute,reconcile}.go@v0.9.0-alpha.2
    ("v0.9.0-alpha.2", {
        "api": "v0.9.0-beta.2",
        "operator_flags": True, "default_gateway_name": "llm-d-infra-inference-gateway", "kit_image": KIT_IMAGE,
        "kit_unpack": True, "llmd_serving_labels": True,
        "sanitized_epp_names": True, "epp_always": True, "epp_pool_group_arg": True,
        "epp_metrics_port_arg": False, "epp_inferencepool_label": True, "epp_service_target_ports": True,
        "default_plugins": DEFAULT_PLUGINS_SCORERS_ONLY,
        "pool_ref_group_kind": True, "route_model_match": True, "route_needs_pool": False,
        "destination_rule_needs_pool": False,
    }),
    # dc5ca60 (f867295): internal/modelservice/deployment.go@v0.9.0
    ("v0.9.0", {"api": "v0.9.0", "secure_proxy_always": True, "nixl_side_port": True}),
    # f3a2e31: internal/modelservice/{reconcile,podmonitor}.go@v0.9.1
    ("v0.9.1", {"api": "v0.9.1", "pod_monitors_default_on": True, "pod_monitor_inference_serving_label": False}),
    # 9abf5eb: internal/modelservice/podmonitor.go@v0.9.2
    ("v0.9.2", {"pod_monitor_relabeling": True}),
    # 00fe354: internal/modelservice/deployment.go@v1.0.0, api v1.0.0 (RoleSpec.Annotations)
    ("v1.0.0", {"api": "v1.0.0", "role_annotations": True}),
    # ca17623: cmd/main.go@v1.0.1
    ("v1.0.1", {"default_gateway_name": "otterscale-llm-d-infra-inference-gateway"}),
)


def apply_changes(cls: type[T], changes: tuple[tuple[str, dict[str, Any]], ...], name: str) -> T:
    """The first entry of ``changes`` with every later difference up to ``name`` applied."""
    names = [n for n, _ in changes]
    if name not in names:
        raise KeyError(name)
    key = next(iter(cls.__dataclass_fields__))  # type: ignore[attr-defined]  # tag or name
    first, fields = changes[0]
    current = cls(**{key: first}, **fields)
    for n, fields in changes[1:names.index(name) + 1]:
        current = replace(current, **{key: n}, **fields)  # type: ignore[type-var]
    return current


def release(tag: str) -> Release:
    """The release named ``tag`` (one of ``TAGS``): the baseline plus every change up to it."""
    return apply_changes(Release, _CHANGES, tag)
