"""Tests for the offline object validator (tests/support/schemas.py)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .schemas import assert_valid, validate

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "schema_samples"
VALID = [d for d in yaml.safe_load_all((SAMPLES / "valid.yaml").read_text()) if d]
Edit = Callable[[dict[str, Any]], None]


def sample(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(o for o in VALID if o["kind"] == kind))


DROP = object()


def put(path: str | tuple[Any, ...], value: Any) -> Edit:
    """Set a field by dotted path (digits index lists) or key tuple; value DROP deletes it."""
    if isinstance(path, str):
        path = tuple(int(k) if k.isdigit() else k for k in path.split("."))
    *parents, last = path

    def edit(obj: dict[str, Any]) -> None:
        node: Any = obj
        for p in parents:
            node = node[p]
        if value is DROP:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)

    return edit


def test_samples_cover_every_emitted_kind() -> None:
    assert {o["kind"] for o in VALID} == {
        "Deployment", "Service", "ServiceAccount", "ConfigMap", "Secret", "Role", "RoleBinding",
        "ClusterRole", "ClusterRoleBinding", "InferencePool", "HTTPRoute", "DestinationRule",
        "ServiceMonitor", "PodMonitor",
    }  # fmt: skip


@pytest.mark.parametrize("obj", VALID, ids=lambda o: f"{o['kind']}-{o['apiVersion']}")
def test_valid_sample_passes(obj: dict[str, Any]) -> None:
    assert validate(obj) == []


def test_validate_does_not_mutate_input() -> None:
    route = sample("HTTPRoute")
    before = copy.deepcopy(route)
    assert validate(route) == []
    assert route == before  # CRD defaults are applied to a copy


DEPLOY_C0 = "spec.template.spec.containers.0"
INVALID: list[tuple[str, str, Edit, str]] = [
    # (id, kind, edit, expected substring)
    ("unknown-field", "Deployment", put("spec.replica", 1),
     "spec: Additional properties are not allowed ('replica' was unexpected)"),
    ("unknown-field-crd", "InferencePool", put("spec.bogus", 1),
     "spec: Additional properties are not allowed ('bogus' was unexpected)"),
    ("unknown-field-metadata-crd", "PodMonitor", put("metadata.lables", {}),
     "metadata: Additional properties are not allowed ('lables' was unexpected)"),
    ("wrong-type", "Deployment", put("spec.replicas", "two"),
     "spec.replicas: 'two' is not of type 'integer'"),
    ("wrong-type-crd", "DestinationRule", put("spec.trafficPolicy.connectionPool.tcp", {"maxConnections": "many"}),
     "spec.trafficPolicy.connectionPool.tcp.maxConnections: 'many' is not of type 'integer'"),
    ("httproute-service-without-port", "HTTPRoute", put("spec.rules.0.backendRefs", [{"name": "svc"}]),
     "spec.rules.0.backendRefs.0: Must have port for Service reference"),
    ("httproute-bad-path", "HTTPRoute", put("spec.rules.0.matches.0.path.value", "v1"),
     "spec.rules.0.matches.0.path: value must be an absolute path and start with '/'"),
    ("httproute-duplicate-map-key", "HTTPRoute",
     put("spec.rules.0.filters", [{"type": "RequestHeaderModifier", "requestHeaderModifier": {
         "set": [{"name": "x-a", "value": "1"}, {"name": "x-a", "value": "2"}]}}]),
     "spec.rules.0.filters.0.requestHeaderModifier.set.1: duplicate entry for map keys ['name']"),
    ("httproute-same-parent-twice", "HTTPRoute",
     put("spec.parentRefs", [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "a"}]),
     "spec.parentRefs: sectionName must be unique"),
    ("inferencepool-duplicate-ports", "InferencePool", put("spec.targetPorts", [{"number": 8000}, {"number": 8000}]),
     "spec.targetPorts: port number must be unique"),
    ("inferencepool-epp-without-port", "InferencePool", put("spec.endpointPickerRef.port", DROP),
     "spec.endpointPickerRef: port is required when kind is 'Service'"),
    ("destinationrule-short-timeout", "DestinationRule",
     put("spec.trafficPolicy.connectionPool.http.idleTimeout", "0s"),
     "spec.trafficPolicy.connectionPool.http.idleTimeout: must be a valid duration greater than 1ms"),
    ("servicemonitor-bad-interval", "ServiceMonitor", put("spec.endpoints.0.interval", "30 seconds"),
     "spec.endpoints.0.interval: '30 seconds' does not match"),
    ("crd-unserved-version", "DestinationRule", put("apiVersion", "networking.istio.io/v2"),
     "apiVersion: DestinationRule: no version 'v2' in CRD"),
    ("service-name-with-dot", "Service", put("metadata.name", "qwen3.epp"),
     "metadata.name: 'qwen3.epp' must be a DNS-1035 label"),
    ("service-port-range", "Service", put("spec.ports.0.port", 70000),
     "spec.ports.0.port: 70000 must be between 1 and 65535"),
    ("service-protocol", "Service", put("spec.ports.0.protocol", "SCTPX"), "spec.ports.0.protocol: Unsupported value"),
    ("configmap-bad-name", "ConfigMap", put("metadata.name", "Bad_Name"),
     "metadata.name: 'Bad_Name' must be a DNS-1123 subdomain"),
    ("rbac-name-with-slash", "ClusterRole", put("metadata.name", "a/b"), "metadata.name: 'a/b' may not be"),
    ("bad-namespace", "Role", put("metadata.namespace", "ML"), "metadata.namespace: 'ML' must be a DNS-1123 label"),
    ("label-value-64-chars", "ServiceAccount", put("metadata.labels", {"app": "x" * 64}),
     "metadata.labels.app: '" + "x" * 64 + "' must be a valid label value"),
    ("label-key", "ServiceAccount", put("metadata.labels", {"-bad": "x"}),
     "metadata.labels: '-bad' is not a valid qualified name"),
    ("sa-token-secret-without-annotation", "Secret", put("metadata.annotations", {}),
     "metadata.annotations: Required value: kubernetes.io/service-account.name"),
    ("volume-mount-missing-volume", "Deployment", put(f"{DEPLOY_C0}.volumeMounts.0.name", "weights"),
     f"{DEPLOY_C0}.volumeMounts.0.name: Not found: 'weights'"),
    ("selector-not-matching", "Deployment", put("spec.selector.matchLabels.llm-d/role", "prefill"),
     "spec.template.metadata.labels: selector does not match template labels"),
    ("bad-quantity", "Deployment", put(f"{DEPLOY_C0}.resources.requests.memory", "lots"),
     f"{DEPLOY_C0}.resources.requests.memory: 'lots' must be a quantity"),
    ("image-not-a-string", "Deployment", put(f"{DEPLOY_C0}.image", 3), f"{DEPLOY_C0}.image: must be a string"),
    ("duplicate-container-names", "Deployment", put("spec.template.spec.initContainers.0.name", "vllm"),
     f"{DEPLOY_C0}.name: Duplicate value: 'vllm'"),
    ("init-restart-policy", "Deployment", put("spec.template.spec.initContainers.0.restartPolicy", "Never"),
     "spec.template.spec.initContainers.0.restartPolicy: Unsupported value 'Never'"),
    ("image-volume-pull-policy", "Deployment", put("spec.template.spec.volumes.0.image.pullPolicy", "Sometimes"),
     "spec.template.spec.volumes.0.image.pullPolicy: Unsupported value 'Sometimes'"),
    ("image-volume-unknown-field", "Deployment", put("spec.template.spec.volumes.0.image.ref", "x"),
     "spec.template.spec.volumes.0.image: Additional properties are not allowed ('ref' was unexpected)"),
    ("container-port-name", "Deployment", put(f"{DEPLOY_C0}.ports.0.name", "http--metrics"),
     f"{DEPLOY_C0}.ports.0.name: 'http--metrics' must be an IANA service name"),
    ("container-port-duplicate-name", "Deployment",
     put(f"{DEPLOY_C0}.ports", [{"name": "http", "containerPort": 1}, {"name": "http", "containerPort": 2}]),
     f"{DEPLOY_C0}.ports.1.name: Duplicate value: 'http'"),
    ("image-pull-policy", "Deployment", put(f"{DEPLOY_C0}.imagePullPolicy", "Sometimes"),
     f"{DEPLOY_C0}.imagePullPolicy: Unsupported value 'Sometimes'"),
    ("httproute-null-port-is-pruned", "HTTPRoute", put("spec.rules.0.backendRefs", [{"name": "svc", "port": None}]),
     "spec.rules.0.backendRefs.0: Must have port for Service reference"),
    ("unknown-kind", "ConfigMap", put("kind", "Widget"), "apiVersion/kind: unknown kind 'Widget' in 'v1'"),
    ("unknown-group", "ConfigMap", put("apiVersion", "example.com/v1"), "apiVersion/kind: unknown kind 'ConfigMap'"),
    ("missing-kind", "ConfigMap", put("kind", DROP), "apiVersion/kind: Required value"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "edit", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_object_is_reported(kind: str, edit: Edit, expected: str) -> None:
    obj = sample(kind)
    edit(obj)
    errors = validate(obj)
    assert any(expected in e for e in errors), errors


VALID_VARIANTS: list[tuple[str, str, Edit]] = [
    # CEL sees `namespace` as `__namespace__`: different namespaces are different parents
    ("cel-escaped-namespace", "HTTPRoute",
     put("spec.parentRefs", [{"name": "gw", "namespace": "a"}, {"name": "gw", "namespace": "b"}])),
    ("cel-integers", "InferencePool", put("spec.targetPorts", [{"number": 8000}, {"number": 8001}])),
    ("nullable-field", "DestinationRule", put("spec.trafficPolicy.tls.insecureSkipVerify", None)),
    ("int-or-string", "ServiceMonitor", put("spec.endpoints.0.targetPort", 9090)),
    ("selector-expressions", "Deployment", put("spec.selector", {"matchExpressions": [
        {"key": "llm-d.ai/role", "operator": "In", "values": ["decode"]},
        {"key": "llm-d.ai/other", "operator": "DoesNotExist"}]})),
    ("quantities", "Deployment", put(f"{DEPLOY_C0}.resources.limits", {"cpu": "1.5", "memory": "1e9"})),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "edit"), [c[1:] for c in VALID_VARIANTS], ids=[c[0] for c in VALID_VARIANTS]
)
def test_valid_variant_passes(kind: str, edit: Edit) -> None:
    obj = sample(kind)
    edit(obj)
    assert validate(obj) == []


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path to a field or list item below `node`."""
    if isinstance(node, list):
        node = dict(enumerate(node))
    for key, child in node.items() if isinstance(node, dict) else ():
        yield (*path, key)
        yield from _paths(child, (*path, key))


JUNK: list[Any] = [None, 70000, "x y", [{}]]  # a list of dicts: unhashable, wrong shape


@pytest.mark.parametrize("obj", VALID, ids=lambda o: str(o["kind"]))
def test_malformed_objects_give_errors_not_exceptions(obj: dict[str, Any]) -> None:
    for path in _paths(obj):
        for junk in JUNK:
            broken = copy.deepcopy(obj)
            put(path, junk)(broken)
            errors = validate(broken)
            assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)


def test_assert_valid_lists_every_invalid_object() -> None:
    bad_svc, bad_cm = sample("Service"), sample("ConfigMap")
    bad_svc["metadata"]["name"] = "a.b"
    bad_cm["kind"] = "Widget"
    with pytest.raises(AssertionError) as info:
        assert_valid([*VALID, bad_svc, bad_cm])
    text = str(info.value)
    assert "2 invalid object(s)" in text
    assert "Service/ml-serving/a.b:\n  metadata.name:" in text
    assert "Widget/ml-serving/qwen3-32b-epp-config:\n  apiVersion/kind: unknown kind" in text
    assert_valid(VALID)


def test_validating_1000_objects_is_fast() -> None:
    objs = [copy.deepcopy(VALID[i % len(VALID)]) for i in range(1000)]
    assert_valid(VALID)  # warm the caches
    start = time.perf_counter()
    assert_valid(objs)
    assert time.perf_counter() - start < 2.0
