"""What the generated pods take from a ModelService, checked as the API server checks it.

The rules are those of k8s.io/kubernetes pkg/apis/core/validation for a pod template
(ValidatePodSpec and what it calls: validateContainerCommon, ValidateEnv, validateEnvVarValueFrom
and its selectors, validateFileKeyRefVolumes, validatePullPolicy, ValidateResourceRequirements,
ValidateTolerations, the nodeSelector labels), Kubernetes 1.35 with its default feature gates
(relaxed env var names and EnvFiles on; toleration operators Lt/Gt off). Each applies only
where the operator copies the value into a pod, and only as far as the server goes: what it
rejects is an error naming the ModelService field, what it accepts passes. Ports, replicas and
the image volume's reference are bounded by the CRD already; ``imagePullSecrets`` names are not
checked by the server at all. Server-side defaults count: an empty ``imagePullPolicy`` is
omitted and defaulted, a ``fieldRef`` without ``apiVersion`` gets ``v1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import naming, quantity

if TYPE_CHECKING:
    from .profile import Profile

Problem = tuple[str, str, Any]

# What the serving pods hold besides the ModelService's values (serving.build_deployment).
MODEL_TMP_MOUNT_PATH, DOCKER_CONFIG_MOUNT_PATH = "/tmp/model-oci", "/.docker"
_ANNOTATIONS_SIZE_LIMIT = 256 * 1024  # TotalAnnotationSizeLimitB in apimachinery's ValidateAnnotations
_SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"
_APPARMOR_CONTAINER = "container.apparmor.security.beta.kubernetes.io/"
_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_MIRROR = "kubernetes.io/config.mirror"
_DIGITS = re.compile(r"[0-9]+\Z")


def serving_volumes(kit_unpack: bool, pull_secrets: bool) -> dict[str, str]:
    """The volumes of the serving pods, name -> source (serving.model_volumes)."""
    if not kit_unpack:
        return {"model": "image"}
    volumes = {"model": "emptyDir", "model-tmp": "emptyDir"}
    if pull_secrets:
        volumes["docker-config"] = "secret"
    return volumes

PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_SOURCES = ("configMapKeyRef", "fieldRef", "fileKeyRef", "resourceFieldRef", "secretKeyRef")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*\Z")
_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
                "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
_FIELD_PATH_ALIASES = {"spec.host": "spec.nodeName"}  # kept for old v1 clients
_RESOURCE_FIELDS = ("limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
                    "requests.ephemeral-storage")
_CPU_DIVISORS = ("1m", "1")
_BYTE_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei")
_EFFECTS = ("", "NoSchedule", "PreferNoSchedule", "NoExecute")
_HUGEPAGES = "hugepages-"
_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def problems(spec: dict[str, Any], p: Profile, accelerator_resource: str = "",
             volumes: Mapping[str, str] | None = None) -> list[Problem]:
    """Every value of a defaulted, schema-valid ``spec`` that would make the server reject a pod.

    ``accelerator_resource`` is overwritten by the operator in both requests and limits, so the
    values given for it are never compared. ``volumes`` are those of the serving pods of the
    selected release (``serving_volumes``); a fileKeyRef must name an emptyDir among them.
    """
    out: list[Problem] = []
    secrets = spec["model"].get("imagePullSecrets") or []
    kit = p.release.kit_unpack
    if volumes is None:
        volumes = serving_volumes(kit, bool(secrets))
    if kit and secrets and not secrets[0].get("name"):  # the docker-config Secret volume
        out.append(("spec.model.imagePullSecrets[0].name", ("must not be empty: it names the Secret of the "
                    "docker-config volume"), secrets[0].get("name")))
    mount = spec["model"].get("mountPath") or "/models"
    if kit and p.kit_image:  # the model-unpack init container's mounts must differ
        taken = [MODEL_TMP_MOUNT_PATH] + ([DOCKER_CONFIG_MOUNT_PATH] if secrets else [])
        if mount in taken:
            out.append(("spec.model.mountPath", (f"must differ from {' and '.join(taken)}, where the model-unpack "
                        "init container mounts its other volumes"), mount))
    engine = spec["engine"]
    policy = engine.get("imagePullPolicy", "")
    if policy and policy not in PULL_POLICIES:  # "" is omitted, and the server defaults it
        out.append(("spec.engine.imagePullPolicy", "must be one of Always, IfNotPresent, Never", policy))
    for i, env in enumerate(engine.get("env", [])):
        out += _env_problems(f"spec.engine.env[{i}]", env, volumes)
    for role in ("decode", "prefill"):
        role_spec = spec.get(role) or {}
        for key, value in role_spec.get("nodeSelector", {}).items():
            if not naming.is_label_key(key) or not naming.is_label_value(value):
                out.append((f"spec.{role}.nodeSelector[{key}]", "must be a valid label key and value", value))
        if p.release.role_annotations:
            containers = ["vllm", *(["model-unpack"] if kit and p.kit_image else []),
                          *(["routing-proxy"] if role == "decode" and "routingProxy" in spec else [])]
            out += _annotation_problems(f"spec.{role}.annotations", role_spec.get("annotations") or {}, containers)
        for i, toleration in enumerate(role_spec.get("tolerations", [])):
            out += _toleration_problems(f"spec.{role}.tolerations[{i}]", toleration)
        out += _resource_problems(f"spec.{role}.resources", role_spec.get("resources") or {}, skip=accelerator_resource)
    picker = spec.get("inferencePool", {}).get("endpointPicker")
    res = (picker or {}).get("resources") or {}
    if "requests" in res or "limits" in res:  # otherwise the EPP gets the operator's defaults
        out += _resource_problems("spec.inferencePool.endpointPicker.resources", res)
    return out


def _annotation_problems(path: str, annotations: dict[str, str], containers: list[str]) -> list[Problem]:
    """ValidateAnnotations, and the rules of a pod template's own annotations.

    Keys are qualified names once lower-cased; keys and values total at most 256 KiB (bytes);
    a seccomp profile annotation names a valid profile and, for the pod, the RuntimeDefault
    profile the pods set; an AppArmor one names a container of the pod and a valid profile;
    the deletion cost is an int32; the mirror-pod annotation needs a node name, which a
    template never has.
    """
    message = ("must be a qualified name (an optional DNS subdomain prefix and '/', then at most 63 "
               "characters: letters, digits, '-', '_', '.')")
    out: list[Problem] = [(f"{path}[{key}]", message, key) for key in annotations
                          if not naming.is_label_key(key.lower())]
    if sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items()) > _ANNOTATIONS_SIZE_LIMIT:
        out.append((path, "must have at most 262144 bytes in all (keys and values)", None))
    for key, value in annotations.items():
        where = f"{path}[{key}]"
        if key == _MIRROR:
            out.append((where, "is not allowed: a mirror pod needs a node name, and a pod template has none", value))
        elif key == _DELETION_COST and not _deletion_cost(value):
            out.append((where, "must be a 32-bit integer (no sign, no leading zero)", value))
        elif key == _SECCOMP_POD and value not in ("runtime/default", "docker/default"):
            out.append((where, "must be runtime/default (or docker/default), the seccomp profile the pods set",
                        value))
        elif key.startswith(_SECCOMP_CONTAINER) and not _seccomp_profile(value):
            out.append((where, "must be runtime/default, docker/default, unconfined or localhost/PATH", value))
        elif key.startswith(_APPARMOR_CONTAINER):
            if key[len(_APPARMOR_CONTAINER):] not in containers:
                out.append((where, f"must name a container of the pod: {', '.join(containers)}", value))
            elif value not in ("", "runtime/default", "unconfined") and not value.startswith("localhost/"):
                out.append((where, "must be runtime/default, unconfined or localhost/PROFILE", value))
    return out


def _deletion_cost(value: str) -> bool:
    """GetDeletionCostFromPodAnnotations: no '+', no leading zero, then ParseInt(value, 10, 32)."""
    if not value or not (value[0] == "-" or value == "0" or value[0] in "123456789"):
        return False
    digits = value.removeprefix("-").lstrip("0")
    return bool(_DIGITS.match(value.removeprefix("-"))) and len(digits) <= 10 and -2**31 <= int(value) < 2**31


def _seccomp_profile(value: str) -> bool:
    if value in ("runtime/default", "docker/default", "unconfined"):
        return True
    local = value.removeprefix("localhost/")
    return local != value and not local.startswith("/") and ".." not in local.split("/")


# --- env -----------------------------------------------------------------------------------

def _env_problems(path: str, env: dict[str, Any], volumes: Mapping[str, str]) -> list[Problem]:
    out: list[Problem] = []
    name = env["name"]
    if not name or "=" in name:
        out.append((f"{path}.name", "must be a non-empty name without '='", name))
    elif not _PRINTABLE_ASCII.match(name):
        out.append((f"{path}.name", "must consist only of printable ASCII characters", name))
    value_from = env.get("valueFrom")
    if value_from is None:
        return out
    vf = f"{path}.valueFrom"
    given = [s for s in _SOURCES if s in value_from]
    checks = {"configMapKeyRef": lambda p, r: _key_ref(p, r, "ConfigMap"), "secretKeyRef": lambda p, r: _key_ref(
        p, r, "Secret"), "fileKeyRef": lambda p, r: _file_key_ref(p, r, volumes), "fieldRef": _field_ref,
        "resourceFieldRef": _resource_field_ref}
    for source in given:
        out += checks[source](f"{vf}.{source}", value_from[source])
    if not given:
        out.append((vf, "must set one of configMapKeyRef, fieldRef, fileKeyRef, resourceFieldRef or secretKeyRef",
                    None))
    elif env.get("value"):
        out.append((vf, "must not be set when value is not empty", None))
    elif len(given) > 1:
        out.append((vf, f"must set only one source, not {' and '.join(given)}", None))
    return out


def _key_ref(path: str, ref: dict[str, Any], kind: str) -> list[Problem]:
    out: list[Problem] = []
    name, key = ref.get("name", ""), ref["key"]
    if not naming.is_dns1123_subdomain(name):
        out.append((f"{path}.name", f"must be the name of a {kind}: a lowercase DNS-1123 subdomain", name))
    if not key:
        out.append((f"{path}.key", "must not be empty", key))
    elif not is_config_key(key):
        out.append((f"{path}.key", (f"must be a {kind} key: at most 253 letters, digits, '-', '_' or '.', "
                    "and not '.', '..' or starting with '..'"), key))
    return out


def is_config_key(key: str) -> bool:
    """A valid ConfigMap or Secret key (IsConfigMapKey)."""
    return len(key) <= 253 and bool(_CONFIG_KEY.match(key)) and key not in (".", "..") and not key.startswith("..")


def _file_key_ref(path: str, ref: dict[str, Any], volumes: Mapping[str, str]) -> list[Problem]:
    out: list[Problem] = []
    key, volume, file = ref["key"], ref["volumeName"], ref["path"]
    if not key:
        out.append((f"{path}.key", "must not be empty", key))
    elif "=" in key or not _PRINTABLE_ASCII.match(key):
        out.append((f"{path}.key", "must consist only of printable ASCII characters other than '='", key))
    if not volume:
        out.append((f"{path}.volumeName", "must not be empty", volume))
    elif not naming.is_dns1123_label(volume):
        out.append((f"{path}.volumeName", "must be a lowercase DNS-1123 label", volume))
    elif volumes.get(volume) != "emptyDir":
        empty_dirs = [n for n, kind in volumes.items() if kind == "emptyDir"]
        which = f"one of {', '.join(empty_dirs)}" if empty_dirs else "and they have none"
        out.append((f"{path}.volumeName", f"must name an emptyDir volume of the generated pods, {which}", volume))
    if not file:
        out.append((f"{path}.path", "must not be empty", file))
    elif ".." in file.split("/"):  # filepath.ToSlash changes nothing on the server's Linux
        out.append((f"{path}.path", "must not contain '..'", file))
    return out


def _field_ref(path: str, ref: dict[str, Any]) -> list[Problem]:
    version, field_path = ref.get("apiVersion") or "v1", ref["fieldPath"]
    if version != "v1":
        return [(f"{path}.apiVersion", "must be v1", version)]
    if not field_path:
        return [(f"{path}.fieldPath", "must not be empty", field_path)]
    head, key = _subscript(field_path)
    if key is not None and head in ("metadata.labels", "metadata.annotations"):
        if naming.is_label_key(key.lower() if head == "metadata.annotations" else key):
            return []
        return [(f"{path}.fieldPath", f"must name a valid key in {head}['...']", field_path)]
    if key is None and _FIELD_PATH_ALIASES.get(field_path, field_path) in _FIELD_PATHS:
        return []
    return [(f"{path}.fieldPath", (f"must be one of {', '.join(_FIELD_PATHS)}, metadata.labels['KEY'] or "
             "metadata.annotations['KEY']"), field_path)]


def _subscript(field_path: str) -> tuple[str, str | None]:
    """``metadata.labels['app']`` -> (``metadata.labels``, ``app``); no subscript -> (path, None)."""
    if field_path.endswith("']"):
        head, sep, key = field_path[:-2].partition("['")
        if sep and head:
            return head, key
    return field_path, None


def _resource_field_ref(path: str, ref: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    resource = ref["resource"]
    hugepages = resource.startswith(("requests." + _HUGEPAGES, "limits." + _HUGEPAGES))
    if not resource:
        out.append((f"{path}.resource", "must not be empty", resource))
    elif resource not in _RESOURCE_FIELDS and not hugepages:
        out.append((f"{path}.resource", (f"must be one of {', '.join(_RESOURCE_FIELDS)}, limits.hugepages-SIZE "
                    "or requests.hugepages-SIZE"), resource))
    divisor = ref.get("divisor")
    if divisor is None:
        return out
    q = quantity.parse(divisor)
    if q is None:
        return [*out, (f"{path}.divisor", "must be a quantity", divisor)]
    if q.value == 0:  # the unset divisor
        return out
    allowed = _CPU_DIVISORS if resource in ("limits.cpu", "requests.cpu") else _BYTE_DIVISORS if hugepages or (
        resource in _RESOURCE_FIELDS) else ()
    if allowed and quantity.canonical(q) not in allowed:
        out.append((f"{path}.divisor", f"must be {', '.join(allowed[:-1])} or {allowed[-1]} for {resource}", divisor))
    return out


# --- tolerations, resources ----------------------------------------------------------------

def _toleration_problems(path: str, t: dict[str, Any]) -> list[Problem]:
    """The Pod validation rules for one toleration."""
    out: list[Problem] = []
    if t.get("key") and not naming.is_label_key(t["key"]):
        out.append((f"{path}.key", "must be a valid label key", t["key"]))
    operator = t.get("operator", "Equal") or "Equal"
    if operator not in ("Equal", "Exists"):
        out.append((f"{path}.operator", "must be Equal or Exists", operator))
    elif operator == "Exists" and t.get("value"):
        out.append((f"{path}.value", "must be empty when operator is Exists", t["value"]))
    elif operator == "Equal" and not naming.is_label_value(t.get("value", "")):
        out.append((f"{path}.value", ("must be a valid label value (at most 63 characters: letters, digits, "
                    "'-', '_', '.')"), t["value"]))
    if not t.get("key") and operator != "Exists":
        out.append((f"{path}.operator", "must be Exists when key is empty", operator))
    if t.get("effect", "") not in _EFFECTS:
        out.append((f"{path}.effect", "must be NoSchedule, PreferNoSchedule or NoExecute", t["effect"]))
    if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
        out.append((f"{path}.tolerationSeconds", "is only allowed with effect NoExecute", t["tolerationSeconds"]))
    return out


def _resource_problems(path: str, res: dict[str, Any], skip: str = "") -> list[Problem]:
    """Resource names and quantities, requests against limits; no resource claims."""
    out: list[Problem] = []
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    parsed: dict[str, dict[str, quantity.Quantity]] = {"limits": {}, "requests": {}}
    for part, values in (("limits", limits), ("requests", requests)):
        for key, value in values.items():
            if key == skip:
                continue
            where = f"{path}.{part}[{key}]"
            problem = _resource_name_problem(key)
            if problem:
                out.append((where, problem, None))
                continue
            q = quantity.parse(value)
            if q is None:
                out.append((where, "must be a quantity", value))
            elif q.value < 0:
                out.append((where, "must not be negative", value))
            elif _is_extended(key) and not quantity.milli_ceil_is_whole(q):
                out.append((where, "must be a whole number: extended resources are counted in units", value))
            elif key.startswith(_HUGEPAGES) and not _page_multiple(key, q):
                out.append((where, f"must be a multiple of the page size {key[len(_HUGEPAGES):]}", value))
            else:
                parsed[part][key] = q
    for key, request in parsed["requests"].items():
        overcommit = _overcommit_allowed(key)
        if key in parsed["limits"]:
            limit = parsed["limits"][key]
            if not overcommit and request.value != limit.value:
                out.append((f"{path}.requests[{key}]", (f"must equal the limit {limits[key]}: {key} cannot be "
                            "overcommitted"), requests[key]))
            elif request.value > limit.value:
                out.append((f"{path}.requests[{key}]", f"must be less than or equal to the limit {limits[key]}",
                            requests[key]))
        elif not overcommit and key not in limits:
            out.append((f"{path}.limits[{key}]", f"must be set, equal to the request: {key} cannot be overcommitted",
                        None))
    names = [k for k in (*limits, *requests) if k != skip]
    if any(k.startswith(_HUGEPAGES) for k in names) and not any(k in ("cpu", "memory") for k in names):
        out.append((path, "must request or limit cpu or memory as well as hugepages", None))
    if res.get("claims"):
        out.append((f"{path}.claims", "is not supported: the generated pods declare no resourceClaims", None))
    return out


def _native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    return not _native(name) and not name.startswith("requests.") and naming.is_label_key("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    return _native(name) and not name.startswith(_HUGEPAGES)


def _resource_name_problem(name: str) -> str:
    """Why ``name`` is no container resource name (validateContainerResourceName), or ""."""
    standard = "must be cpu, memory, ephemeral-storage, hugepages-SIZE or an extended resource such as example.com/gpu"
    if not naming.is_label_key(name):
        return standard
    if "/" not in name:  # a standard resource, and one a container can have
        if name not in _CONTAINER_RESOURCES and not name.startswith(_HUGEPAGES):
            return standard
    elif not _native(name) and not _is_extended(name):
        return standard
    return ""


def _page_multiple(name: str, q: quantity.Quantity) -> bool:
    """IsHugePageResourceValueDivisible: a positive whole page size that divides the value."""
    page = quantity.parse(name[len(_HUGEPAGES):])
    if page is None or page.value <= 0 or not quantity.milli_ceil_is_whole(page):
        return False
    size = quantity.ceil_mod(page, 2**63)  # Value(): a whole number of bytes
    return size > 0 and quantity.ceil_mod(q, size) == 0
