"""The ModelService: defaulted and validated as the API server would with the CRD of the selected
release's otterscale/api version (v0.9.0-beta.1 by default), the operator's image defaults
applied, then typed.

Nested Kubernetes core types (env, resources, tolerations, pull secrets) stay plain dicts:
the builders copy them verbatim; the CRD schema has validated them, and ``podvalidation`` holds
them to the API server's Pod rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from . import crd, naming, podvalidation, releases
from .typed import construct

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


_HOSTNAME = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DURATION = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")


def parse_model_service(obj: dict[str, Any], p: Profile) -> tuple[ModelService | None, list[Problem]]:
    """Default, validate and type one ModelService object (a dict read from YAML).

    The CRD schema is the one validation; the typed model is constructed from what it passed.
    """
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
    ms = construct(ModelService, {"name": meta["name"], "namespace": meta["namespace"], "uid": meta.get("uid") or "",
                                  "spec": spec})
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
    out += podvalidation.problems(spec, p, _ACCELERATOR_RESOURCES.get(spec["accelerator"]["type"], ""))
    picker = spec.get("inferencePool", {}).get("endpointPicker")
    if picker is not None and picker.get("port") in (naming.EPP_HEALTH_PORT, naming.EPP_METRICS_PORT):
        out.append(("spec.inferencePool.endpointPicker.port", (f"must differ from the EPP's fixed health "
                    f"({naming.EPP_HEALTH_PORT}) and metrics ({naming.EPP_METRICS_PORT}) ports"), picker["port"]))
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


_ACCELERATOR_RESOURCES = {"nvidia": "nvidia.com/gpu", "amd": "amd.com/gpu", "intel-gaudi": "habana.ai/gaudi",
                          "google": "google.com/tpu"}
