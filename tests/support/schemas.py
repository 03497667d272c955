"""Offline validation of the Kubernetes objects the function emits.

Built-in kinds: kubernetes-validate's Kubernetes 1.35 strict JSON schemas. Custom kinds: the CRDs in
``tests/data/crds`` (defaults applied first, list types enforced, CEL rules evaluated). On top, the
checks the apiserver does in Go code (names, labels, ports, enums, references, quantities).

    validate(obj)       # -> ["spec.replicas: 'two' is not of type 'integer', 'null'", ...]
    assert_valid(objs)  # AssertionError naming every invalid object
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cel
import jsonschema
import yaml
from referencing import Registry, Resource

__all__ = ["assert_valid", "validate"]

Json = Any
FieldPath = Sequence[str | int]

K8S_SCHEMAS = "v1.35.0-local-strict"
DEFS_URI = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = {"$ref": f"{DEFS_URI}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
CRD_DIR = Path(__file__).resolve().parent.parent / "data" / "crds"
CRD_FILES = (  # ModelService: the v0.9.0-beta.1 CRD named by the contract, not the api-* copy
    "httproutes.gateway.networking.k8s.io.yaml",
    "inferencepools.inference.networking.k8s.io.yaml",
    "destinationrules.networking.istio.io.yaml",
    "servicemonitors.monitoring.coreos.com.yaml",
    "podmonitors.monitoring.coreos.com.yaml",
    "modelservices.model.otterscale.io.v0.9.0-beta.1.yaml",
)


def _at(path: FieldPath, msg: str) -> str:
    return f"{'.'.join(map(str, path)) or '(root)'}: {msg}"


def _errors(validator: jsonschema.Draft202012Validator, obj: Json) -> list[str]:
    return [_at(e.absolute_path, e.message) for e in validator.iter_errors(obj)]


# ------------------------------------------------------------------------------ built-in kinds


def _schema_dir() -> Any:
    return importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / K8S_SCHEMAS


@functools.cache
def _registry() -> Registry:
    defs = json.loads((_schema_dir() / "_definitions.json").read_text())
    return Resource.from_contents(defs) @ Registry()


def _validator(schema: dict[str, Json]) -> jsonschema.Draft202012Validator:
    registry = Resource.from_contents(schema) @ _registry()
    return jsonschema.Draft202012Validator(schema, registry=registry)


@functools.cache
def _builtin(group: str, version: str, kind: str) -> jsonschema.Draft202012Validator | None:
    # rbac.authorization.k8s.io/v1 -> rbac-v1; the file's GVK list tells groups apart
    gv = f"{group.split('.')[0]}-{version}" if group else version
    file = _schema_dir() / f"{kind.lower()}-{gv}.json"
    if not file.is_file():
        return None
    schema = json.loads(file.read_text())
    gvk = {"group": group, "version": version, "kind": kind}
    return _validator(schema) if gvk in schema.get("x-kubernetes-group-version-kind", []) else None


# ------------------------------------------------------------------------------ CRDs


def _convert(node: dict[str, Json], structural: bool = True) -> dict[str, Json]:
    """CRD OpenAPI v3 -> strict JSON Schema. Inside allOf/anyOf/oneOf/not nothing is structural."""
    out: dict[str, Json] = {}
    for key, val in node.items():
        if key == "properties":
            out[key] = {k: _convert(v, structural) for k, v in val.items()}
        elif key in ("items", "additionalProperties") and isinstance(val, dict):
            out[key] = _convert(val, structural)
        elif key == "not":
            out[key] = _convert(val, False)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_convert(v, False) for v in val]
        elif key not in ("format", "nullable", "default", "description") and key[:2] != "x-":
            out[key] = val
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if structural and "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    return out


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 5x faster on big CRDs


@functools.cache
def _crd_versions() -> dict[tuple[str, str], dict[str, dict[str, Json]]]:
    """(group, kind) -> {version: openAPIV3Schema}."""
    out: dict[tuple[str, str], dict[str, dict[str, Json]]] = {}
    for name in CRD_FILES:
        for doc in yaml.load_all((CRD_DIR / name).read_text(), Loader=_YAML_LOADER):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                spec = doc["spec"]
                out[(spec["group"], spec["names"]["kind"])] = {
                    v["name"]: v["schema"]["openAPIV3Schema"] for v in spec["versions"]
                }
    return out


@functools.cache
def _crd_validator(group: str, version: str, kind: str) -> jsonschema.Draft202012Validator:
    schema = _convert(_crd_versions()[(group, kind)][version])
    schema["properties"] = {
        **schema.get("properties", {}),
        "apiVersion": {"const": f"{group}/{version}"},
        "kind": {"const": kind},
        "metadata": OBJECT_META,
    }
    schema["$id"] = f"urn:crd:{group}:{version}:{kind}"
    return _validator({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema})


def _crd_errors(group: str, version: str, kind: str, obj: dict[str, Json]) -> list[str]:
    obj = copy.deepcopy(obj)  # like the apiserver: prune nulls, default, then validate
    errors = list(_walk(_crd_versions()[(group, kind)][version], obj, ()))
    return _errors(_crd_validator(group, version, kind), obj) + errors


# Kubernetes CEL escapes property names that are CEL keywords or contain '.', '-', '/', '__'.
_CEL_KEYWORDS = {
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function",
    "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
}  # fmt: skip
_CEL_ESCAPES = (("__", "__underscores__"), (".", "__dot__"), ("-", "__dash__"), ("/", "__slash__"))


def _cel_name(name: str) -> str:
    if name in _CEL_KEYWORDS:
        return f"__{name}__"
    for raw, escaped in _CEL_ESCAPES:
        name = name.replace(raw, escaped)
    return name


def _cel_value(schema: dict[str, Json], value: Json) -> Json:
    """The value CEL sees as `self` (plain JSON; ints stay ints, object properties escaped)."""
    if isinstance(value, dict):
        if "properties" in schema:
            props = schema["properties"]
            return {_cel_name(k): _cel_value(props.get(k, {}), v) for k, v in value.items()}
        sub = schema.get("additionalProperties")
        return {k: _cel_value(sub if isinstance(sub, dict) else {}, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cel_value(schema.get("items", {}), v) for v in value]
    return value


@functools.cache
def _cel_program(rule: str) -> Any:
    return cel.compile(rule)


def _walk(schema: dict[str, Json], value: Json, path: FieldPath) -> Iterator[str]:
    """Prune nulls and apply defaults top-down; check list types and CEL rules bottom-up."""
    if isinstance(value, dict):
        props: dict[str, Json] = schema.get("properties", {})
        for key, sub in props.items():
            if key in value and value[key] is None and not sub.get("nullable"):
                del value[key]
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, item in value.items():
            sub = props[key] if key in props else schema.get("additionalProperties")
            if isinstance(sub, dict):
                yield from _walk(sub, item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(schema.get("items", {}), item, (*path, i))
        yield from _list_type(schema, value, path)
    if value is None:
        return
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue  # transition rules need the stored object
        message = rule.get("message") or f"failed rule: {rule['rule']}"
        try:
            ok = _cel_program(rule["rule"]).execute({"self": _cel_value(schema, value)})
        except (RuntimeError, LookupError, TypeError, ValueError, ArithmeticError) as exc:
            ok, message = False, f"{message} (rule error: {exc!r})"
        if ok is not True:
            yield _at(path, message)


def _list_type(schema: dict[str, Json], value: list[Json], path: FieldPath) -> Iterator[str]:
    list_type, keys = schema.get("x-kubernetes-list-type"), schema.get("x-kubernetes-list-map-keys")
    if list_type not in ("map", "set"):
        return
    seen: set[str] = set()
    for i, item in enumerate(value):
        is_map = list_type == "map" and isinstance(item, dict)
        key = [item.get(k) for k in keys or []] if is_map else item
        dumped = json.dumps(key, sort_keys=True)
        if dumped in seen:
            what = f"map keys {keys}" if list_type == "map" else "set"
            yield _at((*path, i), f"duplicate entry for {what}: {dumped}")
        seen.add(dumped)


# ------------------------------------------------------------------------------ apiserver Go checks

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
IANA_SVC_NAME = re.compile(r"(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?")
QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?")
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
PROTOCOLS = ("TCP", "UDP", "SCTP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
WORKLOADS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
_DNS_LABEL = (DNS1123_LABEL, 63, "a DNS-1123 label")


def _d(x: Json) -> dict[str, Json]:
    return x if isinstance(x, dict) else {}


def _ld(x: Json) -> list[dict[str, Json]]:
    return [_d(i) for i in x] if isinstance(x, list) else []


def _is(regex: re.Pattern[str], s: Json, max_len: int) -> bool:
    return isinstance(s, str) and len(s) <= max_len and regex.fullmatch(s) is not None


def _name_problem(kind: str, name: Json) -> str | None:
    if not isinstance(name, str) or not name:
        return "Required value"
    if kind in RBAC_KINDS:  # path segment names
        bad = name in (".", "..") or "/" in name or "%" in name
        return f"{name!r} may not be '.' or '..' and may not contain '/' or '%'" if bad else None
    if kind == "Service":
        return None if _is(DNS1035_LABEL, name, 63) else f"{name!r} must be a DNS-1035 label"
    return None if _is(DNS1123_SUBDOMAIN, name, 253) else f"{name!r} must be a DNS-1123 subdomain"


def _labels(path: FieldPath, labels: Json, check_values: bool = True) -> Iterator[str]:
    for key, val in _d(labels).items():
        prefix, _, name = str(key).rpartition("/")
        if prefix and not _is(DNS1123_SUBDOMAIN, prefix, 253):
            yield _at(path, f"prefix of {key!r} must be a DNS-1123 subdomain")
        if not _is(QUALIFIED_NAME, name, 63):
            yield _at(path, f"{key!r} is not a valid qualified name")
        if check_values and val != "" and not _is(QUALIFIED_NAME, val, 63):
            yield _at(
                (*path, key), f"{val!r} must be a valid label value (<=63, alphanumeric ends)"
            )


def _port(path: FieldPath, port: Json) -> Iterator[str]:
    if not (isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535):
        yield _at(path, f"{port!r} must be between 1 and 65535")


def _name(path: FieldPath, name: Json, seen: set[str], iana: bool = False) -> Iterator[str]:
    """A DNS-1123 label (or IANA service name), unique within `seen`."""
    regex, max_len, what = (IANA_SVC_NAME, 15, "an IANA service name") if iana else _DNS_LABEL
    if name is None:
        yield _at(path, "Required value")
    elif not _is(regex, name, max_len):
        yield _at(path, f"{name!r} must be {what}")
    elif name in seen:
        yield _at(path, f"Duplicate value: {name!r}")
    else:
        seen.add(name)


def _enum(path: FieldPath, obj: dict[str, Json], key: str, allowed: Sequence[str]) -> Iterator[str]:
    if key in obj and obj[key] not in allowed:
        yield _at(
            (*path, key), f"Unsupported value {obj[key]!r}: supported values are {list(allowed)}"
        )


def _quantities(path: FieldPath, values: dict[str, Json]) -> Iterator[str]:
    for key, val in values.items():
        if isinstance(val, str) and not QUANTITY.fullmatch(val):
            yield _at((*path, key), f"{val!r} must be a quantity (e.g. '500m', '2Gi', '1.5')")


def _container(path: FieldPath, c: dict[str, Json], init: bool, volumes: set[str]) -> Iterator[str]:
    # A pod template may leave image out or empty (validateContainersOnlyForPod checks it for pods only).
    if "image" in c and not isinstance(c["image"], str):
        yield _at((*path, "image"), "must be a string")
    yield from _enum(path, c, "imagePullPolicy", PULL_POLICIES)
    if init:  # native sidecars; other values are rejected
        yield from _enum(path, c, "restartPolicy", ("Always",))
    names: set[str] = set()
    for i, port in enumerate(_ld(c.get("ports"))):
        pp = (*path, "ports", i)
        yield from _port((*pp, "containerPort"), port.get("containerPort"))
        if "hostPort" in port:
            yield from _port((*pp, "hostPort"), port["hostPort"])
        if "name" in port:
            yield from _name((*pp, "name"), port["name"], names, iana=True)
        yield from _enum(pp, port, "protocol", PROTOCOLS)
    for key in ("limits", "requests"):
        yield from _quantities((*path, "resources", key), _d(_d(c.get("resources")).get(key)))
    for i, mount in enumerate(_ld(c.get("volumeMounts"))):
        if not isinstance(name := mount.get("name"), str) or name not in volumes:
            yield _at((*path, "volumeMounts", i, "name"), f"Not found: {name!r} (no such volume)")


def _pod_spec(path: FieldPath, spec: dict[str, Json]) -> Iterator[str]:
    volumes: set[str] = set()
    for i, vol in enumerate(_ld(spec.get("volumes"))):
        vp = (*path, "volumes", i)
        yield from _name((*vp, "name"), vol.get("name"), volumes)
        yield from _enum((*vp, "image"), _d(vol.get("image")), "pullPolicy", PULL_POLICIES)
        size_limit = {"sizeLimit": _d(vol.get("emptyDir")).get("sizeLimit")}
        yield from _quantities((*vp, "emptyDir"), size_limit)
    names: set[str] = set()  # unique across init and regular containers
    for field in ("initContainers", "containers"):
        for i, c in enumerate(_ld(spec.get(field))):
            yield from _name((*path, field, i, "name"), c.get("name"), names)
            yield from _container((*path, field, i), c, field == "initContainers", volumes)


def _selects(selector: dict[str, Json], labels: dict[str, Json]) -> bool:
    if any(labels.get(k) != v for k, v in _d(selector.get("matchLabels")).items()):
        return False
    for expr in _ld(selector.get("matchExpressions")):
        op, value = expr.get("operator"), labels.get(str(expr.get("key")))
        values: list[Json] = v if isinstance(v := expr.get("values"), list) else []
        if op in ("In", "NotIn") and (value is not None and value in values) != (op == "In"):
            return False
        if op in ("Exists", "DoesNotExist") and (value is not None) != (op == "Exists"):
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def _service(spec: dict[str, Json]) -> Iterator[str]:
    ports, names = _ld(spec.get("ports")), set[str]()
    for i, port in enumerate(ports):
        pp = ("spec", "ports", i)
        yield from _port((*pp, "port"), port.get("port"))
        target = port.get("targetPort")
        if isinstance(target, str):
            yield from _name((*pp, "targetPort"), target, set(), iana=True)
        elif target is not None:
            yield from _port((*pp, "targetPort"), target)
        if "name" in port or len(ports) > 1:  # names are required once there are several ports
            yield from _name((*pp, "name"), port.get("name"), names)
        yield from _enum(pp, port, "protocol", PROTOCOLS)
    yield from _labels(("spec", "selector"), spec.get("selector"))


def _workload(kind: str, spec: dict[str, Json]) -> Iterator[str]:
    template = _d(spec.get("template"))
    labels = _d(_d(template.get("metadata")).get("labels"))
    yield from _labels(("spec", "template", "metadata", "labels"), labels)
    yield from _pod_spec(("spec", "template", "spec"), _d(template.get("spec")))
    if kind == "Job" or "selector" not in spec:
        return  # Job selectors are generated; a missing selector is a schema error
    selector = _d(spec["selector"])
    yield from _labels(("spec", "selector", "matchLabels"), selector.get("matchLabels"))
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        yield _at(("spec", "selector"), "empty selector is invalid for a workload")
    elif not _selects(selector, labels):
        msg = "selector does not match template labels"
        yield _at(("spec", "template", "metadata", "labels"), msg)


def _go_checks(obj: dict[str, Json]) -> Iterator[str]:
    kind, meta, spec = obj["kind"], _d(obj.get("metadata")), _d(obj.get("spec"))
    if problem := _name_problem(kind, meta.get("name")):
        yield _at(("metadata", "name"), problem)
    if "namespace" in meta and not _is(DNS1123_LABEL, meta["namespace"], 63):
        yield _at(("metadata", "namespace"), f"{meta['namespace']!r} must be a DNS-1123 label")
    yield from _labels(("metadata", "labels"), meta.get("labels"))
    yield from _labels(("metadata", "annotations"), meta.get("annotations"), check_values=False)
    if kind == "Service":
        yield from _service(spec)
    elif kind in WORKLOADS:
        yield from _workload(kind, spec)
    elif kind == "Pod":
        yield from _pod_spec(("spec",), spec)
    elif kind in ("ConfigMap", "Secret"):
        for field in ("data", "stringData", "binaryData"):
            for key in _d(obj.get(field)):
                if not _is(CONFIG_KEY, key, 253):
                    yield _at((field,), f"{key!r} is not a valid config key")
        is_token = obj.get("type") == "kubernetes.io/service-account-token"
        if is_token and not _d(meta.get("annotations")).get(SA_NAME_ANNOTATION):
            yield _at(("metadata", "annotations"), f"Required value: {SA_NAME_ANNOTATION}")


# ------------------------------------------------------------------------------ public API


def validate(obj: dict[str, Json]) -> list[str]:
    """Every problem of one object as "<field.path>: <message>"; [] when it is valid."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not (isinstance(api_version, str) and isinstance(kind, str) and api_version and kind):
        return [_at(("apiVersion/kind",), f"Required value (got {api_version!r}, {kind!r})")]
    group, _, version = api_version.rpartition("/")
    crd_versions = _crd_versions().get((group, kind))
    if crd_versions is not None:
        if version not in crd_versions:
            msg = f"{kind}: no version {version!r} in CRD (has {list(crd_versions)})"
            return [_at(("apiVersion",), msg)]
        errors = _crd_errors(group, version, kind, obj)
    elif (validator := _builtin(group, version, kind)) is not None:
        errors = _errors(validator, obj)
    else:
        msg = f"unknown kind {kind!r} in {api_version!r}: no 1.35 built-in schema, no CRD"
        return [_at(("apiVersion/kind",), msg)]
    return errors + list(_go_checks(obj))


def assert_valid(objs: Iterable[dict[str, Json]]) -> None:
    """Raise AssertionError naming every invalid object (kind/namespace/name) with its errors."""
    report = []
    for obj in objs:
        if errors := validate(obj):
            meta = _d(obj.get("metadata"))
            parts = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
            ref = "/".join(str(p) for p in parts if p)
            report.append(f"{ref}:\n" + "".join(f"  {e}\n" for e in errors))
    if report:
        raise AssertionError(f"{len(report)} invalid object(s):\n" + "".join(report))
