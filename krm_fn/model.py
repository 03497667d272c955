"""The ModelService: defaulted and validated as the API server would with the CRD of the selected
release's otterscale/api version (v0.9.0-beta.1 by default), the operator's image defaults
applied, then typed.

Nested Kubernetes core types (env, resources, tolerations, pull secrets) stay plain dicts:
the builders copy them verbatim, and the CRD schema has already validated them.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from . import crd, naming, releases

if TYPE_CHECKING:
    from .profile import Profile

Problem = crd.Problem


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Parallelism(_Model):
    tensor: int = 1
    data: int = 1
    dataLocal: int = 1


class RoleSpec(_Model):
    replicas: int | None = None
    parallelism: Parallelism | None = None
    resources: dict[str, Any] | None = None
    nodeSelector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    annotations: dict[str, str] | None = None  # api v1.0.0


class ModelSource(_Model):
    name: str
    image: str
    mountPath: str = ""
    imagePullSecrets: list[dict[str, Any]] | None = None


class Engine(_Model):
    image: str = ""
    imagePullPolicy: str = ""
    args: list[str] = []
    env: list[dict[str, Any]] = []
    port: int = 0


class Accelerator(_Model):
    type: str


class RoutingProxy(_Model):
    image: str = ""
    connector: str = ""
    targetPort: int = 0
    zapEncoder: str = ""
    zapLogLevel: str = ""
    secureProxy: bool | None = None
    prefillerUseTLS: bool | None = None
    certPath: str = ""


class EndpointPicker(_Model):
    image: str = ""
    replicas: int | None = None
    resources: dict[str, Any] | None = None
    port: int = 0
    failureMode: str = ""


class InferencePool(_Model):
    endpointPicker: EndpointPicker


class GatewayRef(_Model):
    name: str
    namespace: str = ""


class HTTPRoute(_Model):
    gatewayRef: GatewayRef
    hostnames: list[str] = []


class PodMonitor(_Model):
    enabled: bool = False
    portName: str = ""
    path: str = ""
    interval: str = ""


class Monitoring(_Model):
    podMonitor: PodMonitor | None = None


class Spec(_Model):
    model: ModelSource
    engine: Engine
    accelerator: Accelerator
    decode: RoleSpec
    prefill: RoleSpec | None = None
    routingProxy: RoutingProxy | None = None
    inferencePool: InferencePool | None = None
    httpRoute: HTTPRoute | None = None
    monitoring: Monitoring | None = None


class ModelService(_Model):
    name: str
    namespace: str
    uid: str = ""
    spec: Spec


_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_HOSTNAME = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DURATION = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")


def parse_model_service(obj: dict[str, Any], p: Profile) -> tuple[ModelService | None, list[Problem]]:
    """Default, validate and type one ModelService object (a dict read from YAML)."""
    schema = crd.modelservice_schema(p.release.api)
    problems = _metadata_problems(obj.get("metadata"))
    defaulted = crd.apply_defaults(obj, schema)
    problems += [_newer_field_hint(problem, p) for problem in crd.validate(defaulted, schema)]
    if problems:
        return None, problems
    meta, spec = defaulted["metadata"], defaulted["spec"]
    apply_image_defaults(obj["spec"], spec, p)
    problems = _generated_object_problems(meta["name"], meta["namespace"], spec, p)
    if problems:
        return None, problems
    ms = ModelService.model_validate(
        {"name": meta["name"], "namespace": meta["namespace"], "uid": meta.get("uid") or "", "spec": spec}
    )
    return ms, []


def _metadata_problems(meta: Any) -> list[Problem]:
    if not isinstance(meta, dict):
        return [("metadata", "required object is missing", None)]
    out: list[Problem] = []
    name, ns = meta.get("name"), meta.get("namespace")
    if not isinstance(name, str) or not name:
        out.append(("metadata.name", "required string is missing", name))
    elif not naming.is_dns1123_subdomain(name):
        out.append(("metadata.name", "must be a lowercase DNS-1123 subdomain", name))
    if ns is None or ns == "":
        out.append((
            "metadata.namespace",
            "is required: set it in the file, or with kustomize's namespace or kpt's set-namespace before this function",
            None,
        ))
    elif not isinstance(ns, str) or not naming.is_dns1123_label(ns):
        out.append(("metadata.namespace", "must be a lowercase DNS-1123 label", ns))
    uid = meta.get("uid")
    if uid is not None and not isinstance(uid, str):
        out.append(("metadata.uid", "must be a string", uid))
    return out


def _newer_field_hint(problem: Problem, p: Profile) -> Problem:
    """An unknown field that a later release's API has: say which operatorVersion reads it."""
    path, message, value = problem
    if not message.startswith("unknown field"):
        return problem
    later = releases.TAGS[releases.TAGS.index(p.release.tag) + 1:]
    since = next((t for t in later if crd.has_field(crd.modelservice_schema(releases.release(t).api), path)), None)
    if since is None:
        return problem
    return (path, (f"{message}: it is a field of the ModelService API from operatorVersion {since} on "
                   f"(this package renders {p.release.tag}): set operatorVersion to {since} or later, or remove it"),
            value)


_IMAGE_FIELDS = (("engine", None, "engine_image"), ("routingProxy", None, "routing_proxy_image"),
                 ("inferencePool", "endpointPicker", "epp_image"))


def apply_image_defaults(given: Any, spec: dict[str, Any], p: Profile) -> None:
    """Fill the images the ModelService leaves out, as the CRD (v0.9.0-alpha.1) or the operator would.

    Up to v0.9.0-alpha.1 the CRD defaults an absent image and keeps an explicit ""; from
    v0.9.0-alpha.2 the operator's ApplyImageDefaults replaces "" (absent is "" there). The
    default is the selected llm-d generation's image unless defaultImages says otherwise.
    """
    for key, inner, attr in _IMAGE_FIELDS:
        target = spec.get(key)
        source = given.get(key) if isinstance(given, dict) else None
        if inner is not None:
            target = target.get(inner) if isinstance(target, dict) else None
            source = source.get(inner) if isinstance(source, dict) else None
        if not isinstance(target, dict):
            continue
        absent = not isinstance(source, dict) or source.get("image") is None
        if absent or (p.release.operator_flags and target.get("image") == ""):
            target["image"] = getattr(p, attr)


def _generated_object_problems(name: str, ns: str, spec: dict[str, Any], p: Profile) -> list[Problem]:
    """Values the API server would reject once they land in the generated objects."""
    out: list[Problem] = []
    if len(name) > 63:
        out.append(("metadata.name", ("must be no more than 63 characters: it is the value of the "
                    "app.kubernetes.io/name label of every generated object"), name))
    epp = p.epp_name(name)
    if p.release.sanitized_epp_names:
        if len(epp) > 63:
            out.append(("metadata.name", (f"gives the EPP name {epp!r}, which is longer than the 63 characters "
                        "of a DNS-1035 label (the EPP Service name)"), name))
    elif "inferencePool" in spec and not naming.is_dns1035_label(epp):
        out.append(("metadata.name", (f"gives the EPP Service name {epp!r}, which is not "
                    "a DNS-1035 label (a letter first, no dots, at most 59 characters before '-epp')"), name))
    engine = spec["engine"]
    if "imagePullPolicy" in engine and engine["imagePullPolicy"] not in _PULL_POLICIES:
        out.append(("spec.engine.imagePullPolicy", "must be one of Always, IfNotPresent, Never",
                    engine["imagePullPolicy"]))
    for i, env in enumerate(engine.get("env", [])):
        if not env.get("name") or "=" in env["name"]:
            out.append((f"spec.engine.env[{i}].name", "must be a non-empty name without '='", env.get("name")))
    picker = spec.get("inferencePool", {}).get("endpointPicker")
    if picker is not None and picker.get("port") in (naming.EPP_HEALTH_PORT, naming.EPP_METRICS_PORT):
        out.append(("spec.inferencePool.endpointPicker.port", (f"must differ from the EPP's fixed health "
                    f"({naming.EPP_HEALTH_PORT}) and metrics ({naming.EPP_METRICS_PORT}) ports"), picker["port"]))
    gpu = _ACCELERATOR_RESOURCES.get(spec["accelerator"]["type"], "")
    for role in ("decode", "prefill"):
        role_spec = spec.get(role) or {}
        for key, value in role_spec.get("nodeSelector", {}).items():
            if not naming.is_label_key(key) or not naming.is_label_value(value):
                out.append((f"spec.{role}.nodeSelector[{key}]", "must be a valid label key and value", value))
        out += _annotation_problems(f"spec.{role}.annotations", role_spec.get("annotations") or {})
        for i, toleration in enumerate(role_spec.get("tolerations", [])):
            out += _toleration_problems(f"spec.{role}.tolerations[{i}]", toleration)
        out += _resource_problems(f"spec.{role}.resources", role_spec.get("resources") or {}, skip=gpu)
    if picker is not None:
        out += _resource_problems("spec.inferencePool.endpointPicker.resources", picker.get("resources") or {})
    route = spec.get("httpRoute")
    if route is not None:
        gw_ns = route["gatewayRef"].get("namespace", "")
        if gw_ns and not naming.is_dns1123_label(gw_ns):
            out.append(("spec.httpRoute.gatewayRef.namespace", "must be a DNS-1123 label", gw_ns))
        if len(route["gatewayRef"]["name"]) > 253:
            out.append(("spec.httpRoute.gatewayRef.name", "must be no more than 253 characters", None))
        hostnames = route.get("hostnames", [])
        if len(hostnames) > 16:
            out.append(("spec.httpRoute.hostnames", "must have at most 16 entries", None))
        for i, h in enumerate(hostnames):
            if len(h) > 253 or not _HOSTNAME.match(h):
                out.append((f"spec.httpRoute.hostnames[{i}]", ("must be a DNS hostname, optionally with a "
                            "leading '*.'"), h))
    pm = (spec.get("monitoring") or {}).get("podMonitor")
    if pm is not None and pm.get("enabled") and pm.get("interval") and not _DURATION.match(pm["interval"]):
        out.append(("spec.monitoring.podMonitor.interval", "must be a Prometheus duration such as 30s or 1m",
                    pm["interval"]))
    return out


_ANNOTATIONS_SIZE_LIMIT = 256 * 1024  # TotalAnnotationSizeLimitB in apimachinery's ValidateAnnotations


def _annotation_problems(path: str, annotations: dict[str, str]) -> list[Problem]:
    """ValidateAnnotations: lower-cased keys are qualified names; keys and values total <= 256 KiB."""
    message = ("must be a qualified name (an optional DNS subdomain prefix and '/', then at most 63 "
               "characters: letters, digits, '-', '_', '.')")
    out: list[Problem] = [(f"{path}[{key}]", message, key) for key in annotations
                          if not naming.is_label_key(key.lower())]
    if sum(len(k) + len(v) for k, v in annotations.items()) > _ANNOTATIONS_SIZE_LIMIT:
        out.append((path, "must have at most 262144 bytes in all (keys and values)", None))
    return out


_ACCELERATOR_RESOURCES = {"nvidia": "nvidia.com/gpu", "amd": "amd.com/gpu", "intel-gaudi": "habana.ai/gaudi",
                          "google": "google.com/tpu"}
_EFFECTS = ("", "NoSchedule", "PreferNoSchedule", "NoExecute")


def _toleration_problems(path: str, t: dict[str, Any]) -> list[Problem]:
    """The Pod validation rules for one toleration."""
    out: list[Problem] = []
    operator = t.get("operator", "Equal") or "Equal"
    if operator not in ("Equal", "Exists"):
        out.append((f"{path}.operator", "must be Equal or Exists", operator))
    elif operator == "Exists" and t.get("value"):
        out.append((f"{path}.value", "must be empty when operator is Exists", t["value"]))
    if not t.get("key") and operator != "Exists":
        out.append((f"{path}.operator", "must be Exists when key is empty", operator))
    if t.get("effect", "") not in _EFFECTS:
        out.append((f"{path}.effect", "must be NoSchedule, PreferNoSchedule or NoExecute", t["effect"]))
    if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
        out.append((f"{path}.tolerationSeconds", "is only allowed with effect NoExecute", t["tolerationSeconds"]))
    return out


def _resource_problems(path: str, res: dict[str, Any], skip: str = "") -> list[Problem]:
    """Requests must not exceed limits; the generated pods declare no resource claims."""
    out: list[Problem] = []
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    for key, request in requests.items():
        if key != skip and key in limits and quantity(request) > quantity(limits[key]):
            out.append((f"{path}.requests[{key}]", f"must be less than or equal to the limit {limits[key]}", request))
    if res.get("claims"):
        out.append((f"{path}.claims", "is not supported: the generated pods declare no resourceClaims", None))
    return out


_SUFFIXES: dict[str, int | Fraction] = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
             "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": 1,
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|([KMGTPE]i|[numkMGTPE])?)\Z")


def quantity(value: int | str) -> Fraction:
    """The value of a Kubernetes quantity (already checked against the CRD's pattern)."""
    m = _QUANTITY.match(str(value))
    if m is None:
        raise ValueError(f"not a quantity: {value!r}")
    number, exponent, suffix = m.groups()
    scale = Fraction(10) ** int(exponent[1:]) if exponent else Fraction(_SUFFIXES[suffix or ""])
    return Fraction(number) * scale
