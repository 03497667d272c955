"""krm_fn.model: CRD defaulting as the API server does it, validation with field paths."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from krm_fn import crd, naming
from krm_fn.model import parse_model_service
from krm_fn.profile import Profile
from tests.conftest import BASELINE, profile

SPEC = {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "nvidia"}, "decode": {}}


def obj(spec: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
            "metadata": {"name": "llama", "namespace": "ml", **meta}, "spec": {**SPEC, **(spec or {})}}


def problems(o: dict[str, Any]) -> list[tuple[str, str]]:
    ms, found = parse_model_service(o, BASELINE)
    assert (ms is None) == bool(found)
    return [(p, m) for p, m, _ in found]


def test_structural_defaults_apply_only_where_the_parent_exists() -> None:
    schema = crd.modelservice_schema()
    d = crd.apply_defaults(obj({"routingProxy": {}, "inferencePool": {"endpointPicker": {}},
                                "monitoring": {"podMonitor": {}}, "decode": {"parallelism": {}}}), schema)
    s = d["spec"]
    assert s["engine"] == {"image": "ghcr.io/llm-d/llm-d-cuda:v0.5.1", "port": 8000}
    assert s["model"]["mountPath"] == "/models"
    assert s["decode"] == {"replicas": 1, "parallelism": {"tensor": 1, "data": 1, "dataLocal": 1}}
    assert s["routingProxy"] == {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0", "connector": "nixlv2",
                                 "targetPort": 8200}
    assert s["inferencePool"]["endpointPicker"] == {
        "image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0", "replicas": 1, "port": 9002,
        "failureMode": "FailOpen"}
    assert s["monitoring"]["podMonitor"] == {"enabled": False, "portName": "http", "path": "/metrics",
                                             "interval": "30s"}
    bare = crd.apply_defaults(obj(), schema)["spec"]
    assert "routingProxy" not in bare and "monitoring" not in bare and "parallelism" not in bare["decode"]


def test_nulls_are_pruned_then_defaulted() -> None:
    d = crd.apply_defaults(obj({"engine": {"port": None, "image": None}}), crd.modelservice_schema())
    assert d["spec"]["engine"] == {"image": "ghcr.io/llm-d/llm-d-cuda:v0.5.1", "port": 8000}


def test_explicit_values_are_kept() -> None:
    ms, found = parse_model_service(obj({"decode": {"replicas": 0}, "engine": {"image": "e", "port": 9000}}), BASELINE)
    assert found == [] and ms is not None
    assert ms.spec.decode.replicas == 0 and ms.spec.engine.port == 9000 and ms.spec.engine.image == "e"


@pytest.mark.parametrize(("spec", "expected"), [
    ({"decode": {"replicas": "two"}}, ("spec.decode.replicas", "must be of type integer, not string")),
    ({"decode": {"replicas": -1}}, ("spec.decode.replicas", "must be greater than or equal to 0")),
    ({"decode": {"parallelism": {"tensor": 0}}}, ("spec.decode.parallelism.tensor", "must be greater than or equal to 1")),
    ({"engine": {"port": 70000}}, ("spec.engine.port", "must be less than or equal to 65535")),
    ({"accelerator": {"type": "tpu"}}, ("spec.accelerator.type",
                                        'unsupported value "tpu": must be one of "nvidia", "amd", "intel-gaudi", "google", "cpu"')),
    ({"accelerator": {}}, ("spec.accelerator.type", "required field is missing")),
    ({"model": {"name": "", "image": "i"}}, ("spec.model.name", "must not be empty")),
    ({"decode": {"replica": 2}}, ("spec.decode.replica", 'unknown field "replica"')),
    ({"decode": {"resources": {"limits": {"memory": "lots"}}}},
     ("spec.decode.resources.limits[memory]", '"lots" does not match the pattern')),
    ({"engine": {"env": [{"value": "x"}]}}, ("spec.engine.env[0].name", "required field is missing")),
    ({"inferencePool": {}}, ("spec.inferencePool.endpointPicker", "required field is missing")),
    ({"inferencePool": {"endpointPicker": {"failureMode": "Open"}}},
     ("spec.inferencePool.endpointPicker.failureMode", 'unsupported value "Open"')),
    ({"httpRoute": {"gatewayRef": {"name": ""}}}, ("spec.httpRoute.gatewayRef.name", "must not be empty")),
    ({"engine": {"imagePullPolicy": "Sometimes"}}, ("spec.engine.imagePullPolicy", "must be one of Always")),
    ({"httpRoute": {"gatewayRef": {"name": "gw"}, "hostnames": ["Bad_Host"]}},
     ("spec.httpRoute.hostnames[0]", "must be a DNS hostname")),
    ({"monitoring": {"podMonitor": {"enabled": True, "interval": "30 seconds"}}},
     ("spec.monitoring.podMonitor.interval", "must be a Prometheus duration")),
    ({"decode": {"nodeSelector": {"bad key!": "x"}}}, ("spec.decode.nodeSelector[bad key!]", "must be a valid label")),
])
def test_each_violation_names_its_field(spec: dict[str, Any], expected: tuple[str, str]) -> None:
    (found,) = problems(obj(spec))
    assert found[0] == expected[0]
    assert found[1].startswith(expected[1]), found[1]


@pytest.mark.parametrize(("meta", "path", "message"), [
    ({"namespace": None}, "metadata.namespace", "is required"),
    ({"namespace": "Bad_NS"}, "metadata.namespace", "must be a lowercase DNS-1123 label"),
    ({"name": "Llama"}, "metadata.name", "must be a lowercase DNS-1123 subdomain"),
    ({"name": "a" * 64}, "metadata.name", "must be no more than 63 characters"),
])
def test_metadata_rules(meta: dict[str, Any], path: str, message: str) -> None:
    o = obj()
    o["metadata"].update(meta)
    if o["metadata"]["namespace"] is None:
        del o["metadata"]["namespace"]
    (found,) = problems(o)
    assert found[0] == path and found[1].startswith(message)


@pytest.mark.parametrize("name", ["v1.2", "9lives", "a" * 60])
def test_epp_service_name_must_be_dns1035_when_there_is_a_pool(name: str) -> None:
    o = obj({"inferencePool": {"endpointPicker": {}}}, name=name)
    (found,) = problems(o)
    assert found[0] == "metadata.name" and "DNS-1035" in found[1]
    assert problems(obj(name=name)) == []  # no EPP Service without a pool


@pytest.mark.parametrize("port", [9003, 9090])
def test_epp_port_must_not_collide_with_the_fixed_ports(port: int) -> None:
    (found,) = problems(obj({"inferencePool": {"endpointPicker": {"port": port}}}))
    assert found == ("spec.inferencePool.endpointPicker.port",
                     "must differ from the EPP's fixed health (9003) and metrics (9090) ports")


@pytest.mark.parametrize(("toleration", "expected"), [
    ({"key": "k", "operator": "Sometimes"}, ("spec.decode.tolerations[0].operator", "must be Equal or Exists")),
    ({"key": "k", "operator": "Exists", "value": "v"}, ("spec.decode.tolerations[0].value", "must be empty")),
    ({"operator": "Equal", "value": "v"}, ("spec.decode.tolerations[0].operator", "must be Exists when key")),
    ({"key": "k", "effect": "NoRun"}, ("spec.decode.tolerations[0].effect", "must be NoSchedule")),
    ({"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5},
     ("spec.decode.tolerations[0].tolerationSeconds", "is only allowed with effect NoExecute")),
])
def test_tolerations_follow_the_pod_rules(toleration: dict[str, Any], expected: tuple[str, str]) -> None:
    (found,) = problems(obj({"decode": {"tolerations": [toleration]}}))
    assert found[0] == expected[0] and found[1].startswith(expected[1])


def test_valid_tolerations_pass() -> None:
    tols = [{"operator": "Exists"}, {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30},
            {"key": "k", "value": "v", "effect": "PreferNoSchedule"}]
    assert problems(obj({"decode": {"tolerations": tols}})) == []


@pytest.mark.parametrize(("resources", "expected"), [
    ({"requests": {"cpu": "1500m"}, "limits": {"cpu": 1}}, ("spec.decode.resources.requests[cpu]",
                                                            "must be less than or equal to the limit 1")),
    ({"requests": {"memory": "2Gi"}, "limits": {"memory": "2000Mi"}}, ("spec.decode.resources.requests[memory]",
                                                                       "must be less than or equal to the limit 2000Mi")),
    ({"claims": [{"name": "gpu"}]}, ("spec.decode.resources.claims", "is not supported")),
])
def test_requests_above_limits_and_claims_are_refused(resources: dict[str, Any], expected: tuple[str, str]) -> None:
    (found,) = problems(obj({"decode": {"resources": resources}}))
    assert found[0] == expected[0] and found[1].startswith(expected[1])


def test_accelerator_resource_values_are_overwritten_so_not_compared() -> None:
    res = {"requests": {"nvidia.com/gpu": "8", "cpu": "1000m"}, "limits": {"nvidia.com/gpu": "1", "cpu": "1"}}
    assert problems(obj({"decode": {"resources": res}})) == []
    (found,) = problems(obj({"inferencePool": {"endpointPicker": {"resources": {
        "requests": {"memory": "1Gi"}, "limits": {"memory": "1M"}}}}}))
    assert found[0] == "spec.inferencePool.endpointPicker.resources.requests[memory]"


@pytest.mark.parametrize("spec", [{"engine": {"image": ""}}, {"routingProxy": {"image": ""}},
                                  {"inferencePool": {"endpointPicker": {"image": ""}}}])
def test_an_explicit_empty_image_is_kept_at_the_baseline(spec: dict[str, Any]) -> None:
    # The CRD defaults only absent fields; the operator passes "" on and Go's omitempty drops it.
    ms, found = parse_model_service(obj(spec), BASELINE)
    assert found == [] and ms is not None
    s = ms.spec
    assert "" in (s.engine.image, s.routingProxy and s.routingProxy.image,
                  s.inferencePool and s.inferencePool.endpointPicker.image)


# --- limits at the limit itself, and what each release reads -------------------------------------

def _problems_with(p: Profile, spec: dict[str, Any] | None = None, **meta: Any) -> list[tuple[str, str]]:
    ms, found = parse_model_service(obj(spec, **meta), p)
    assert (ms is None) == bool(found)
    return [(path, m) for path, m, _ in found]


@pytest.mark.parametrize(("meta", "expected"), [
    ({"name": "a" * 63}, []),
    ({"name": "a" * 64}, [("metadata.name", ("must be no more than 63 characters: it is the value of the "
                           "app.kubernetes.io/name label of every generated object"))]),
    ({"name": ""}, [("metadata.name", "required string is missing")]),
    ({"name": 5}, [("metadata.name", "required string is missing")]),
    ({"namespace": "a" * 63}, []),
    ({"namespace": "a" * 64}, [("metadata.namespace", "must be a lowercase DNS-1123 label")]),
    ({"namespace": ""}, [("metadata.namespace", ("is required: set it in the file, or with kustomize's namespace or "
                          "kpt's set-namespace before this function"))]),
    ({"namespace": 5}, [("metadata.namespace", "must be a lowercase DNS-1123 label")]),
    ({"uid": "u-1"}, []),
    ({"uid": 5}, [("metadata.uid", "must be a string")]),
])
def test_metadata_at_its_limits(meta: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert problems(obj(**meta)) == expected


def test_metadata_that_is_not_a_map() -> None:
    o = obj()
    o["metadata"] = "llama"
    assert problems(o)[0] == ("metadata", "required object is missing")


@pytest.mark.parametrize(("length", "ok"), [(59, True), (60, False)])
def test_the_epp_service_name_limit_before_sanitised_names(length: int, ok: bool) -> None:
    found = _problems_with(BASELINE, {"inferencePool": {"endpointPicker": {}}}, name="a" * length)
    assert found == ([] if ok else [("metadata.name", (f"gives the EPP Service name {'a' * length + '-epp'!r}, which "
                                     "is not a DNS-1035 label (a letter first, no dots, at most 59 characters before "
                                     "'-epp')"))])


@pytest.mark.parametrize(("name", "ok"), [("a" * 59, True), ("a" * 60, False), ("Ab.c_" + "a" * 54, True),
                                          ("9" * 57, True), ("9" * 58, False)])
def test_the_epp_name_limit_with_sanitised_names(name: str, ok: bool) -> None:
    p = profile(operatorVersion="v0.9.0-alpha.2")
    epp = p.epp_name(name)
    assert epp.endswith("-epp") and len(epp) == len(naming.sanitize_dns1035_label(name)) + 4
    o = obj(name="ok")
    o["metadata"]["name"] = name
    _ms, found = parse_model_service(o, p)
    messages = [(path, m) for path, m, _ in found if "EPP name" in m]
    assert messages == ([] if ok else [("metadata.name", (f"gives the EPP name {epp!r}, which is longer than the 63 "
                                        "characters of a DNS-1035 label (the EPP Service name)"))])


@pytest.mark.parametrize(("route", "expected"), [
    ({"gatewayRef": {"name": "g" * 253, "namespace": "n" * 63}, "hostnames": ["h" * 63 + ".example.com"] * 16}, []),
    ({"gatewayRef": {"name": "g" * 254}}, [("spec.httpRoute.gatewayRef.name", "must be no more than 253 characters")]),
    ({"gatewayRef": {"name": "g", "namespace": "n" * 64}}, [("spec.httpRoute.gatewayRef.namespace",
                                                             "must be a DNS-1123 label")]),
    ({"gatewayRef": {"name": "g", "namespace": "Gw"}}, [("spec.httpRoute.gatewayRef.namespace",
                                                         "must be a DNS-1123 label")]),
    ({"gatewayRef": {"name": "g"}, "hostnames": ["a.example.com"] * 17},
     [("spec.httpRoute.hostnames", "must have at most 16 entries")]),
    ({"gatewayRef": {"name": "g"}, "hostnames": ["*.example.com", ("a" * 63 + ".") * 3 + "a" * 61]}, []),
    ({"gatewayRef": {"name": "g"}, "hostnames": ["ok.example.com", ("a" * 63 + ".") * 3 + "a" * 62, "a.*.com"]},
     [("spec.httpRoute.hostnames[1]", "must be a DNS hostname, optionally with a leading '*.'"),
      ("spec.httpRoute.hostnames[2]", "must be a DNS hostname, optionally with a leading '*.'")]),
])
def test_http_route_limits(route: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert problems(obj({"httpRoute": route})) == expected


@pytest.mark.parametrize(("pod_monitor", "ok"), [
    ({"enabled": True, "interval": "30s"}, True), ({"enabled": True, "interval": "1h30m5s100ms"}, True),
    ({"enabled": True, "interval": "0"}, True), ({"enabled": True, "interval": "1m1h"}, False),
    ({"enabled": True, "interval": "30 s"}, False), ({"enabled": False, "interval": "30 s"}, True),
])
def test_pod_monitor_intervals(pod_monitor: dict[str, Any], ok: bool) -> None:
    assert problems(obj({"monitoring": {"podMonitor": pod_monitor}})) == (
        [] if ok else [("spec.monitoring.podMonitor.interval", "must be a Prometheus duration such as 30s or 1m")])


def test_a_field_of_a_later_api_names_the_release_that_reads_it() -> None:
    spec = {"decode": {"annotations": {"a": "b"}}}
    assert problems(obj(spec)) == [("spec.decode.annotations", ('unknown field "annotations": it is a field of the '
                                    "ModelService API from operatorVersion v1.0.0 on (this package renders "
                                    "v0.9.0-alpha.1): set operatorVersion to v1.0.0 or later, or remove it"))]
    assert _problems_with(profile(operatorVersion="v1.0.0"), spec) == []
    assert problems(obj({"decode": {"bogus": 1}})) == [("spec.decode.bogus", 'unknown field "bogus"')]


@pytest.mark.parametrize(("version", "given", "image"), [
    ("v0.9.0-alpha.1", {}, "ghcr.io/llm-d/llm-d-cuda:v0.5.1"),
    ("v0.9.0-alpha.1", {"image": ""}, ""),
    ("v0.9.0-alpha.1", {"image": "mine:1"}, "mine:1"),
    ("v0.9.0-alpha.2", {"image": ""}, "ghcr.io/llm-d/llm-d-cuda:v0.5.1"),
    ("v0.9.0-alpha.2", {}, "ghcr.io/llm-d/llm-d-cuda:v0.5.1"),
    ("v0.9.0-alpha.2", {"image": "mine:1"}, "mine:1"),
])
def test_engine_image_defaults_by_release(version: str, given: dict[str, Any], image: str) -> None:
    ms, found = parse_model_service(obj({"engine": given}), profile(operatorVersion=version))
    assert found == [] and ms is not None and ms.spec.engine.image == image


def test_default_images_of_the_function_config_fill_absent_and_empty_images() -> None:
    p = profile(operatorVersion="v1.0.0", defaultImages={"engine": "e:1", "epp": "p:1", "routingProxy": "r:1"})
    spec = {"engine": {"image": ""}, "routingProxy": {}, "inferencePool": {"endpointPicker": {"image": ""}},
            "prefill": {}}
    ms, found = parse_model_service(obj(spec), p)
    assert found == [] and ms is not None
    assert ms.spec.engine.image == "e:1" and ms.spec.routingProxy is not None
    assert ms.spec.routingProxy.image == "r:1"
    assert ms.spec.inferencePool is not None and ms.spec.inferencePool.endpointPicker.image == "p:1"
    ms, _ = parse_model_service(obj({"engine": {"image": "own:2"}}), p)
    assert ms is not None and ms.spec.engine.image == "own:2"


def test_a_model_service_cannot_change_once_read() -> None:
    ms, _ = parse_model_service(obj(), BASELINE)
    assert ms is not None
    with pytest.raises(ValidationError, match="Instance is frozen"):
        ms.spec.engine.port = 1  # type: ignore[misc]


def test_a_gateway_without_a_namespace_stays_without_one() -> None:
    ms, _ = parse_model_service(obj({"httpRoute": {"gatewayRef": {"name": "gw"}}}), BASELINE)
    assert ms is not None and ms.spec.httpRoute is not None
    assert (ms.spec.httpRoute.gatewayRef.name, ms.spec.httpRoute.gatewayRef.namespace) == ("gw", "")


@pytest.mark.parametrize("policy", ["Always", "IfNotPresent", "Never"])
def test_every_pull_policy_is_accepted(policy: str) -> None:
    assert problems(obj({"engine": {"imagePullPolicy": policy}})) == []


@pytest.mark.parametrize(("name", "ok"), [("A_B", True), ("a.b-c", True), ("A=B", False), ("", False)])
def test_env_names(name: str, ok: bool) -> None:
    found = problems(obj({"engine": {"env": [{"name": "FIRST", "value": "1"}, {"name": name, "value": "x"}]}}))
    assert [p for p, _ in found] == ([] if ok else ["spec.engine.env[1].name"])


@pytest.mark.parametrize(("accelerator", "resource"), [
    ("nvidia", "nvidia.com/gpu"), ("amd", "amd.com/gpu"), ("intel-gaudi", "habana.ai/gaudi"),
    ("google", "google.com/tpu")])
def test_the_accelerator_s_own_resource_is_not_compared(accelerator: str, resource: str) -> None:
    res = {"requests": {resource: "8"}, "limits": {resource: "1"}}
    spec = {"accelerator": {"type": accelerator}, "decode": {"resources": res}, "prefill": {"resources": res}}
    assert problems(obj(spec)) == []
    other = "amd.com/gpu" if resource != "amd.com/gpu" else "nvidia.com/gpu"
    spec["prefill"] = {"resources": {"requests": {other: "8"}, "limits": {other: "1"}}}
    assert [p for p, _ in problems(obj(spec))] == [f"spec.prefill.resources.requests[{other}]"]


@pytest.mark.parametrize(("request_", "limit", "ok"), [
    ("1024Ki", "1Mi", True), ("1025Ki", "1Mi", False), ("1024Gi", "1Ti", True), ("1025Gi", "1Ti", False),
    ("1Pi", "1024Ti", True), ("1Ei", "1024Pi", True), ("1000m", "1", True), ("1001m", "1", False),
    ("1e3", "1k", True), ("1001", "1k", False), ("1M", "1000k", True), ("1G", "999M", False),
    ("1T", "1000G", True), ("1P", "1000T", True), ("1E", "1000P", True), ("1000000u", "1", True),
    ("1000000001n", "1", False), ("0.5", "500m", True), (".5", "499m", False), ("1", "1", True),
])
def test_requests_against_limits_at_the_limit_itself(request_: str, limit: str, ok: bool) -> None:
    res = {"requests": {"memory": request_}, "limits": {"memory": limit}}
    found = problems(obj({"decode": {"resources": res}}))
    assert [p for p, _ in found] == ([] if ok else ["spec.decode.resources.requests[memory]"])


@pytest.mark.parametrize(("toleration", "ok"), [
    ({"key": "k", "value": "v"}, True), ({"key": "k", "operator": "", "value": "v"}, True),
    ({"operator": "Exists"}, True), ({"value": "v"}, False),
])
def test_a_toleration_without_an_operator_is_equal(toleration: dict[str, Any], ok: bool) -> None:
    found = problems(obj({"decode": {"tolerations": [toleration]}}))
    assert [p for p, _ in found] == ([] if ok else ["spec.decode.tolerations[0].operator"])


V1 = profile(operatorVersion="v1.0.0")


@pytest.mark.parametrize(("annotations", "paths"), [
    ({"a": "b", "example.com/k": "v", "A.B": "c"}, []),
    ({"bad key": "x", "ok": "y"}, ["spec.decode.annotations[bad key]"]),
    ({"k": "v" * (262144 - 1)}, []),
    ({"k": "v" * 262144}, ["spec.decode.annotations"]),
    ({"k1": "v" * (131072 - 2), "k2": "v" * (131072 - 2)}, []),
    ({"k1": "v" * (131072 - 2), "k2": "v" * (131072 - 1)}, ["spec.decode.annotations"]),
])
def test_pod_annotations_as_the_api_server_checks_them(annotations: dict[str, str], paths: list[str]) -> None:
    found = _problems_with(V1, {"decode": {"annotations": annotations}, "prefill": {"annotations": {"a": "b"}}})
    assert [p for p, _ in found] == paths
    found = _problems_with(V1, {"prefill": {"annotations": annotations}})
    assert [p for p, _ in found] == [p.replace("decode", "prefill") for p in paths]
