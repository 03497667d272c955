"""Operator releases: the release table, and the operator's own Go unit tests of each tag, ported.

The Go facts are from internal/modelservice/*_test.go at v0.9.0-alpha.2 ... v1.0.1
(spec/releases.md §10); each holds for every release from the one that introduced it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from krm_fn import crd, epp, gateway, naming, releases, serving
from krm_fn.config import parse_function_config
from krm_fn.model import ModelService, parse_model_service
from krm_fn.monitoring import pod_monitors_enabled
from krm_fn.profile import Profile
from krm_fn.reconcile import reconcile_resources
from tests.conftest import profile

LATER = releases.TAGS[1:]  # every release after the baseline
BASE = {"model": {"name": "qwen3", "image": "registry.example.com/qwen3:v1"}, "engine": {},
        "accelerator": {"type": "nvidia"}, "decode": {}}


def since(tag: str) -> list[str]:
    return list(releases.TAGS[releases.TAGS.index(tag):])


def before(tag: str) -> list[str]:
    return list(releases.TAGS[:releases.TAGS.index(tag)])


def make(p: Profile, name: str = "qwen3", ns: str = "default", **spec: Any) -> ModelService:
    ms, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                        "metadata": {"name": name, "namespace": ns}, "spec": {**BASE, **spec}}, p)
    assert problems == [] and ms is not None
    return ms


def pod(d: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = d["spec"]["template"]["spec"]
    return spec


# --------------------------------------------------------------------------- the release table


def test_tags_are_the_operator_releases_in_order() -> None:
    assert releases.TAGS == ("v0.9.0-alpha.1", "v0.9.0-alpha.2", "v0.9.0", "v0.9.1", "v0.9.2", "v1.0.0", "v1.0.1")
    assert [releases.release(t).tag for t in releases.TAGS] == list(releases.TAGS)
    with pytest.raises(KeyError):
        releases.release("v1.0")


@pytest.mark.parametrize(("tag", "api"), [
    ("v0.9.0-alpha.1", "v0.9.0-beta.1"), ("v0.9.0-alpha.2", "v0.9.0-beta.2"), ("v0.9.0", "v0.9.0"),
    ("v0.9.1", "v0.9.1"), ("v0.9.2", "v0.9.1"), ("v1.0.0", "v1.0.0"), ("v1.0.1", "v1.0.0")])
def test_each_release_reads_its_api_version(tag: str, api: str) -> None:
    assert releases.release(tag).api == api


def test_each_release_changes_exactly_what_its_entry_says() -> None:
    changed = {}
    previous = None
    for tag in releases.TAGS:
        r = releases.release(tag)
        if previous is not None:
            changed[tag] = {k for k in vars(r) if k != "tag" and getattr(r, k) != getattr(previous, k)}
        previous = r
    assert changed == {
        "v0.9.0-alpha.2": {"api", "operator_flags", "default_gateway_name", "kit_image", "kit_unpack",
                           "llmd_serving_labels", "sanitized_epp_names", "epp_always", "epp_pool_group_arg",
                           "epp_metrics_port_arg", "epp_inferencepool_label", "epp_service_target_ports",
                           "default_plugins", "pool_ref_group_kind", "route_model_match", "route_needs_pool",
                           "destination_rule_needs_pool"},
        "v0.9.0": {"api", "secure_proxy_always", "nixl_side_port"},
        "v0.9.1": {"api", "pod_monitors_default_on", "pod_monitor_inference_serving_label"},
        "v0.9.2": {"pod_monitor_relabeling"},
        "v1.0.0": {"api", "role_annotations"},
        "v1.0.1": {"default_gateway_name"},
    }


def test_operator_flag_defaults() -> None:
    # cmd/main.go@<tag>
    assert releases.release("v0.9.0-alpha.2").default_gateway_name == "llm-d-infra-inference-gateway"
    assert releases.release("v1.0.0").default_gateway_name == "llm-d-infra-inference-gateway"
    assert releases.release("v1.0.1").default_gateway_name == "otterscale-llm-d-infra-inference-gateway"
    p = profile(operatorVersion="v1.0.1")
    assert (p.engine_image, p.epp_image, p.routing_proxy_image, p.kit_image) == (
        "ghcr.io/llm-d/llm-d-cuda:v0.5.1", "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0",
        "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0", "ghcr.io/kitops-ml/kitops:v1.11.0")


# --------------------------------------------------------------------------- EPPConfig


TYPED = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "x"}}


@pytest.mark.parametrize("tag", releases.TAGS)
def test_every_tag_is_accepted_as_written(tag: str) -> None:
    cfg, problems = parse_function_config({**TYPED, "operatorVersion": tag})
    assert problems == [] and cfg is not None and cfg.operatorVersion == tag
    cfg, problems = parse_function_config({"apiVersion": "v1", "kind": "ConfigMap", "data": {"operatorVersion": tag}})
    assert problems == [] and cfg is not None and cfg.operatorVersion == tag


ACCEPTED = 'must be one of "v0.9.0-alpha.1", "v0.9.0-alpha.2", "v0.9.0", "v0.9.1", "v0.9.2", "v1.0.0", "v1.0.1"'


@pytest.mark.parametrize("value", ["v1.0", "1.0.1", "V1.0.1", "v1.0.1 ", "", 1.0, 0, True])
def test_anything_else_is_an_error_naming_operator_version(value: Any) -> None:
    cfg, problems = parse_function_config({**TYPED, "operatorVersion": value})
    assert cfg is None
    ((path, message, _),) = problems
    assert path == "operatorVersion" and ACCEPTED in message
    assert message.startswith(f"unsupported {'value' if isinstance(value, str) else crd.type_name(value)} "
                              f"{json.dumps(value)}")


def test_config_map_operator_version_error_names_the_data_key() -> None:
    cfg, problems = parse_function_config({"apiVersion": "v1", "kind": "ConfigMap",
                                           "data": {"operatorVersion": "latest"}})
    assert cfg is None and [(p, ACCEPTED in m) for p, m, _ in problems] == [("data.operatorVersion", True)]


@pytest.mark.parametrize(("fields", "path"), [
    ({"defaultGatewayName": "gw"}, "defaultGatewayName"), ({"defaultGatewayName": ""}, "defaultGatewayName"),
    ({"kitImage": "k"}, "kitImage"), ({"defaultImages": {"engine": "e"}}, "defaultImages"),
    ({"defaultImages": {}}, "defaultImages")])
def test_operator_flags_are_errors_before_alpha2(fields: dict[str, Any], path: str) -> None:
    cfg, problems = parse_function_config({**TYPED, **fields})
    assert cfg is None
    ((found, message, _),) = problems
    assert found == path
    assert message == ("is an operator flag from v0.9.0-alpha.2 on: set operatorVersion to v0.9.0-alpha.2 or "
                       "later (it is v0.9.0-alpha.1), or remove it")
    cfg, problems = parse_function_config({**TYPED, "operatorVersion": "v0.9.0-alpha.2", **fields})
    assert problems == [] and cfg is not None


def test_operator_flags_in_a_config_map() -> None:
    cfg, problems = parse_function_config({"apiVersion": "v1", "kind": "ConfigMap", "data": {
        "operatorVersion": "v1.0.1", "defaultGatewayName": "", "kitImage": "k", "defaultImages.engine": "e",
        "defaultImages.epp": "p", "defaultImages.routingProxy": "r"}})
    assert problems == [] and cfg is not None
    p = profile(**cfg.model_dump())
    assert (p.default_gateway_name, p.kit_image, p.engine_image, p.epp_image, p.routing_proxy_image) == (
        "", "k", "e", "p", "r")


def test_gateway_name_at_the_gateway_api_limit() -> None:
    ok = {**TYPED, "operatorVersion": "v1.0.1", "defaultGatewayName": "g" * 253}
    assert parse_function_config(ok)[1] == []
    cfg, problems = parse_function_config({**ok, "defaultGatewayName": "g" * 254})
    assert cfg is None and [p for p, _, _ in problems] == ["defaultGatewayName"]


# --------------------------------------------------------------------------- ModelService schema


@pytest.mark.parametrize("tag", releases.TAGS)
def test_role_annotations_exist_from_api_v1_0_0(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ms, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                        "metadata": {"name": "a", "namespace": "n"},
                                        "spec": {**BASE, "decode": {"annotations": {"a": "b"}}}}, p)
    if tag in since("v1.0.0"):
        assert problems == [] and ms is not None and ms.spec.decode.annotations == {"a": "b"}
    else:
        ((path, message, _),) = problems
        assert path == "spec.decode.annotations"
        assert message == (f'unknown field "annotations": it is a field of the ModelService API from operatorVersion '
                           f"v1.0.0 on (this package renders {tag}): set operatorVersion to v1.0.0 or later, or "
                           "remove it")


@pytest.mark.parametrize(("key", "ok"), [("a", True), ("Example.COM/Owner", True), ("x" * 63, True),
                                         ("x" * 64, False), ("bad key", False), ("/x", False)])
def test_role_annotation_keys_are_qualified_names(key: str, ok: bool) -> None:
    p = profile(operatorVersion="v1.0.0")
    _, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                       "metadata": {"name": "a", "namespace": "n"},
                                       "spec": {**BASE, "prefill": {"annotations": {key: "v"}}}}, p)
    assert [path for path, _, _ in problems] == ([] if ok else [f"spec.prefill.annotations[{key}]"])


def test_role_annotations_total_size_limit() -> None:
    p = profile(operatorVersion="v1.0.0")

    def problems(size: int) -> list[str]:
        ann = {"k": "v" * (size - 1)}
        return [path for path, _, _ in parse_model_service({
            "apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
            "metadata": {"name": "a", "namespace": "n"}, "spec": {**BASE, "decode": {"annotations": ann}}}, p)[1]]

    assert problems(256 * 1024) == []
    assert problems(256 * 1024 + 1) == ["spec.decode.annotations"]


@pytest.mark.parametrize("tag", releases.TAGS)
def test_secure_proxy_default_follows_the_api_version(tag: str) -> None:
    ms = make(profile(operatorVersion=tag), routingProxy={})
    assert ms.spec.routingProxy is not None
    assert ms.spec.routingProxy.secureProxy is (False if releases.release(tag).api in ("v0.9.0", "v0.9.1") else None)


@pytest.mark.parametrize("tag", releases.TAGS)
def test_absent_images_get_the_same_defaults_at_every_release(tag: str) -> None:
    ms = make(profile(operatorVersion=tag), routingProxy={}, inferencePool={"endpointPicker": {}})
    assert ms.spec.routingProxy is not None and ms.spec.inferencePool is not None
    assert (ms.spec.engine.image, ms.spec.routingProxy.image, ms.spec.inferencePool.endpointPicker.image) == (
        "ghcr.io/llm-d/llm-d-cuda:v0.5.1", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0",
        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0")


@pytest.mark.parametrize("tag", releases.TAGS)
def test_empty_images_are_kept_then_replaced_from_alpha2(tag: str) -> None:
    ms = make(profile(operatorVersion=tag), engine={"image": ""}, routingProxy={"image": ""},
              inferencePool={"endpointPicker": {"image": ""}})
    assert ms.spec.routingProxy is not None and ms.spec.inferencePool is not None
    images = (ms.spec.engine.image, ms.spec.routingProxy.image, ms.spec.inferencePool.endpointPicker.image)
    if tag == "v0.9.0-alpha.1":
        assert images == ("", "", "")
    else:
        assert images == ("ghcr.io/llm-d/llm-d-cuda:v0.5.1", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0",
                          "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0")


def test_default_images_flags_replace_absent_and_empty_images() -> None:
    p = profile(operatorVersion="v0.9.1", defaultImages={"engine": "e:1", "epp": "p:1", "routingProxy": "r:1"})
    ms = make(p, engine={"image": ""}, routingProxy={}, inferencePool={"endpointPicker": {}})
    assert ms.spec.routingProxy is not None and ms.spec.inferencePool is not None
    assert (ms.spec.engine.image, ms.spec.routingProxy.image, ms.spec.inferencePool.endpointPicker.image) == (
        "e:1", "r:1", "p:1")
    explicit = make(p, engine={"image": "mine:2"})
    assert explicit.spec.engine.image == "mine:2"
    # the EPP the operator runs without spec.inferencePool uses the default EPP image too
    (container,) = pod(epp.build_epp_deployment(make(p), p, "h"))["containers"]
    assert container["image"] == "p:1"


def test_a_long_name_gives_a_too_long_sanitised_epp_name() -> None:
    p = profile(operatorVersion="v0.9.0-alpha.2")
    ok, too_long = "a" * 59, "a" * 60

    def problems(name: str) -> list[tuple[str, str]]:
        return [(f, m) for f, m, _ in parse_model_service({
            "apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
            "metadata": {"name": name, "namespace": "n"}, "spec": BASE}, p)[1]]

    assert problems(ok) == []
    assert problems(too_long) == [("metadata.name", (f"gives the EPP name {too_long + '-epp'!r}, which is longer than "
                                   "the 63 characters of a DNS-1035 label (the EPP Service name)"))]
    # '0.6b' sanitises to 'm-0-6b': two characters more
    assert problems("0" * 58)[0][0] == "metadata.name" and problems("0" * 57) == []


def test_a_dotted_name_is_valid_from_alpha2() -> None:
    # At v0.9.0-alpha.1 the EPP Service name "qwen3-0.6b-epp" is not a DNS-1035 label.
    spec = {**BASE, "inferencePool": {"endpointPicker": {}}}
    obj = {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
           "metadata": {"name": "qwen3-0.6b", "namespace": "n"}, "spec": spec}
    assert [f for f, _, _ in parse_model_service(obj, profile())[1]] == ["metadata.name"]
    assert parse_model_service(obj, profile(operatorVersion="v0.9.0-alpha.2"))[1] == []


# --------------------------------------------------------------------------- helpers_test.go


@pytest.mark.parametrize(("name", "expected"), [
    ("qwen3-0.6b-fp8-dynamic", "qwen3-0-6b-fp8-dynamic"), ("MyModel_1.0", "mymodel-1-0"), ("0.6b", "m-0-6b"),
    ("a--b", "a-b"), ("9", "m-9"), ("1-2.x", "m-1-2-x"), ("", "modelservice"), ("---", "modelservice"),
    ("é-ü", "modelservice"), ("a_.-b", "a-b"), ("-a-", "a"), ("Ab9", "ab9"), ("a b", "ab")])
def test_sanitize_dns1035_label(name: str, expected: str) -> None:
    assert naming.sanitize_dns1035_label(name) == expected


@pytest.mark.parametrize("tag", LATER)
def test_epp_names(tag: str) -> None:
    p = profile(operatorVersion=tag)
    assert p.epp_name("qwen3") == "qwen3-epp"
    assert p.epp_name("qwen3-0.6b-fp8-dynamic") == "qwen3-0-6b-fp8-dynamic-epp"
    assert naming.epp_config_map_name(p.epp_name("qwen3")) == "qwen3-epp-config"


@pytest.mark.parametrize("tag", LATER)
def test_pool_and_route_labels(tag: str) -> None:
    p = profile(operatorVersion=tag, version="devel")
    ms = make(p, inferencePool={"endpointPicker": {}}, httpRoute={"gatewayRef": {"name": "gw"}})
    pool = gateway.build_inference_pool(ms, p)
    route = gateway.build_http_route(ms, p)
    for obj in (pool, route):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == "epp" and labels["app.kubernetes.io/name"] == "qwen3"
    assert pool["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "qwen3", "app.kubernetes.io/part-of": "otterscale-system",
        "app.kubernetes.io/managed-by": "model-operator", "llm-d.ai/inferenceServing": "true",
        "llm-d.ai/model": "qwen3"}


# --------------------------------------------------------------------------- deployment_test.go


@pytest.mark.parametrize("tag", LATER)
def test_model_unpack_and_routing_proxy_init_containers(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, prefill={}, routingProxy={})
    decode, prefill = serving.build_decode_deployment(ms, p), serving.build_prefill_deployment(ms, p)
    assert [c["name"] for c in pod(decode)["initContainers"]] == ["model-unpack", "routing-proxy"]
    assert [c["name"] for c in pod(prefill)["initContainers"]] == ["model-unpack"]
    for d in (decode, prefill):
        spec = pod(d)
        assert spec["volumes"] == [{"name": "model", "emptyDir": {}}, {"name": "model-tmp", "emptyDir": {}}]
        unpack = spec["initContainers"][0]
        assert unpack["image"] == "ghcr.io/kitops-ml/kitops:v1.11.0" and "kit unpack" in unpack["args"][0]
        assert unpack["args"] == [serving.MODEL_UNPACK_SCRIPT] and unpack["command"] == ["/bin/sh", "-c"]
        assert "imagePullPolicy" not in unpack and "resources" not in unpack and "restartPolicy" not in unpack
        (vllm,) = spec["containers"]
        assert vllm["volumeMounts"] == [{"name": "model", "mountPath": "/models", "readOnly": True}]


def test_model_unpack_script_is_four_lines() -> None:
    assert serving.MODEL_UNPACK_SCRIPT.count("\n") == 4 and serving.MODEL_UNPACK_SCRIPT.endswith("\n")


@pytest.mark.parametrize("tag", LATER)
def test_image_pull_secrets_reach_model_unpack(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, model={**BASE["model"], "mountPath": "/mnt/m",
                        "imagePullSecrets": [{"name": "my-registry-secret"}, {"name": "other"}]})
    spec = pod(serving.build_decode_deployment(ms, p))
    assert spec["volumes"][2] == {"name": "docker-config", "secret": {
        "secretName": "my-registry-secret", "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}}
    unpack = spec["initContainers"][0]
    assert unpack["env"] == [{"name": "OCI_MODEL_IMAGE", "value": "registry.example.com/qwen3:v1"},
                             {"name": "MODEL_MOUNT_PATH", "value": "/mnt/m"},
                             {"name": "KITOPS_HOME", "value": "/tmp/model-oci"},
                             {"name": "DOCKER_CONFIG", "value": "/.docker"}]
    assert unpack["volumeMounts"] == [{"name": "model-tmp", "mountPath": "/tmp/model-oci"},
                                      {"name": "model", "mountPath": "/mnt/m"},
                                      {"name": "docker-config", "mountPath": "/.docker", "readOnly": True}]
    assert spec["imagePullSecrets"] == [{"name": "my-registry-secret"}, {"name": "other"}]


def test_no_kit_image_means_no_model_unpack_and_a_warning() -> None:
    p = profile(operatorVersion="v1.0.1", kitImage="")
    ms = make(p)
    objs, warnings = reconcile_resources(ms, p)
    assert "initContainers" not in pod(objs[0])
    assert pod(objs[0])["volumes"] == [{"name": "model", "emptyDir": {}}, {"name": "model-tmp", "emptyDir": {}}]
    assert [f for f, _ in warnings] == ["spec.model.image"]


def env(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


@pytest.mark.parametrize(("entries", "port"), [
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "6123")], 6123),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "1")], 1),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "65535")], 65535),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "65536")], 0),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "0")], 0),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "-5")], 0),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "+6123")], 6123),  # ParseInt takes a sign
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "0000000000006123")], 6123),  # and leading zeros
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "6_123")], 0),  # but no underscores in base 10
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", " 6123")], 0),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "9" * 5000)], 0),
    ([env("VLLM_NIXL_SIDE_CHANNEL_PORT", "x"), env("VLLM_NIXL_SIDE_CHANNEL_PORT", "6123")], 0),  # first only
    ([env("OTHER", "1"), env("VLLM_NIXL_SIDE_CHANNEL_PORT", "7000")], 7000),
    ([{"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}], 0),
])
def test_nixl_side_channel_port_is_parsed_as_go_does(entries: list[dict[str, Any]], port: int) -> None:
    p = profile(operatorVersion="v0.9.0")
    assert serving.nixl_side_port(make(p, engine={"env": entries})) == port


@pytest.mark.parametrize("tag", releases.TAGS)
def test_nixl_side_channel_port_from_v0_9_0(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, prefill={}, engine={"env": [env("VLLM_NIXL_SIDE_CHANNEL_PORT", "6123")]})
    for d in (serving.build_decode_deployment(ms, p), serving.build_prefill_deployment(ms, p)):
        ports = pod(d)["containers"][0]["ports"]
        expected = [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
        if tag in since("v0.9.0"):
            expected.append({"name": "nixl-side", "containerPort": 6123, "protocol": "TCP"})
        assert ports == expected


def test_nixl_side_channel_port_equal_to_http_is_not_repeated() -> None:
    p = profile(operatorVersion="v1.0.1")
    ms = make(p, engine={"env": [env("VLLM_NIXL_SIDE_CHANNEL_PORT", "8000")]})
    assert [x["name"] for x in pod(serving.build_decode_deployment(ms, p))["containers"][0]["ports"]] == ["http"]


@pytest.mark.parametrize("tag", releases.TAGS)
@pytest.mark.parametrize("secure", [None, True, False])
def test_secure_proxy_flag(tag: str, secure: bool | None) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, routingProxy={} if secure is None else {"secureProxy": secure})
    args = serving.routing_proxy_args(ms, p)
    if secure is None and tag in before("v0.9.0"):
        assert not any(a.startswith("--secure-proxy") for a in args)
    else:
        assert args[6:] == [f"--secure-proxy={'true' if secure else 'false'}"]


@pytest.mark.parametrize("tag", releases.TAGS)
def test_role_annotations_on_pod_templates_only(tag: str) -> None:
    p = profile(operatorVersion=tag)
    if tag not in since("v1.0.0"):
        return  # an unknown field before v1.0.0 (test_role_annotations_exist_from_api_v1_0_0)
    ms = make(p, decode={"annotations": {"sidecar.istio.io/inject": "false"}}, prefill={"annotations": {}})
    decode, prefill = serving.build_decode_deployment(ms, p), serving.build_prefill_deployment(ms, p)
    assert decode["spec"]["template"]["metadata"]["annotations"] == {"sidecar.istio.io/inject": "false"}
    assert "annotations" not in decode["metadata"]
    assert "annotations" not in prefill["spec"]["template"]["metadata"]


# --------------------------------------------------------------------------- epp_*_test.go


@pytest.mark.parametrize("tag", LATER)
def test_default_plugins_text(tag: str) -> None:
    text = profile(operatorVersion=tag).default_plugins
    for plugin in ("queue-scorer", "kv-cache-utilization-scorer", "prefix-cache-scorer", "schedulingProfiles"):
        assert plugin in text
    assert "metrics-data-source" not in text and "core-metrics-extractor" not in text
    assert len(text) == 367


@pytest.mark.parametrize("tag", LATER)
def test_epp_args_and_service_ports(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, inferencePool={"endpointPicker": {"port": 9100, "replicas": 2}})
    assert epp.epp_args(ms, p) == [
        "--pool-name=qwen3", "--pool-namespace=default", "--pool-group=inference.networking.k8s.io",
        "--config-file=/config/default-plugins.yaml", "--grpc-port=9100", "--zap-encoder=json",
        "--ha-enable-leader-election", "--tracing=false"]
    svc = epp.build_epp_service(ms, p)
    assert svc["spec"]["ports"] == [
        {"name": "grpc-ext-proc", "port": 9100, "targetPort": 9100, "protocol": "TCP"},
        {"name": "http-metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]
    assert "inferencepool" not in svc["spec"]["selector"]


# --------------------------------------------------------------------------- inferencepool/httproute_test.go


@pytest.mark.parametrize("tag", LATER)
def test_default_inference_pool(tag: str) -> None:
    p = profile(operatorVersion=tag)
    pool = gateway.build_inference_pool(make(p, name="qwen3-0.6b-fp8-dynamic"), p)
    assert pool["metadata"]["name"] == "qwen3-0.6b-fp8-dynamic"
    assert pool["spec"]["targetPorts"] == [{"number": 8000}]
    assert pool["spec"]["endpointPickerRef"] == {"group": "", "kind": "Service", "name": "qwen3-0-6b-fp8-dynamic-epp",
                                                 "port": {"number": 9002}, "failureMode": "FailClose"}


@pytest.mark.parametrize("tag", LATER)
def test_explicit_pool_keeps_the_crd_default_failure_mode(tag: str) -> None:
    p = profile(operatorVersion=tag)
    ref = gateway.build_inference_pool(make(p, inferencePool={"endpointPicker": {}}), p)["spec"]["endpointPickerRef"]
    assert ref == {"group": "", "kind": "Service", "name": "qwen3-epp", "port": {"number": 9002},
                   "failureMode": "FailOpen"}


@pytest.mark.parametrize("tag", LATER)
def test_default_route(tag: str) -> None:
    p = profile(operatorVersion=tag)
    objs, _ = reconcile_resources(make(p, name="qwen3-32b"), p)
    (route,) = [o for o in objs if o["kind"] == "HTTPRoute"]
    assert route["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                           "name": p.release.default_gateway_name, "namespace": "llm-d"}]
    (rule,) = route["spec"]["rules"]
    assert rule["matches"] == [{"headers": [{"type": "Exact", "name": "OtterScale-Model-Name", "value": "qwen3-32b"}],
                                "path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"] == [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                                    "name": "qwen3-32b"}]
    assert "hostnames" not in route["spec"]


def test_an_empty_default_gateway_name_disables_the_default_route() -> None:
    p = profile(operatorVersion="v1.0.1", defaultGatewayName="")
    objs, _ = reconcile_resources(make(p), p)
    assert "HTTPRoute" not in {o["kind"] for o in objs}
    with_route = make(p, httpRoute={"gatewayRef": {"name": "gw"}})
    assert "HTTPRoute" in {o["kind"] for o in reconcile_resources(with_route, p)[0]}


def test_a_custom_default_gateway_name() -> None:
    p = profile(operatorVersion="v0.9.0", defaultGatewayName="my-gw")
    (route,) = [o for o in reconcile_resources(make(p), p)[0] if o["kind"] == "HTTPRoute"]
    assert route["spec"]["parentRefs"][0]["name"] == "my-gw"


# --------------------------------------------------------------------------- reconcile gating


def kinds(tag: str, **kw: Any) -> list[str]:
    cfg = {k: kw.pop(k) for k in ("provider", "metricsEndpointAuth") if k in kw}
    p = profile(operatorVersion=tag, **cfg)
    return [f"{o['kind']}/{o['metadata']['name']}" for o in reconcile_resources(make(p, **kw), p)[0]]


@pytest.mark.parametrize("tag", LATER)
def test_without_an_inference_pool_the_epp_stack_still_runs(tag: str) -> None:
    assert kinds(tag) == [
        "Deployment/qwen3-decode", "ServiceAccount/qwen3-epp", "ConfigMap/qwen3-epp-config", "Deployment/qwen3-epp",
        "Service/qwen3-epp", "Role/qwen3-epp", "RoleBinding/qwen3-epp", "InferencePool/qwen3", "HTTPRoute/qwen3",
        "DestinationRule/qwen3-epp"] + (["PodMonitor/qwen3-decode"] if tag in since("v0.9.1") else [])


@pytest.mark.parametrize("tag", LATER)
def test_with_an_inference_pool_every_object_in_reconcile_order(tag: str) -> None:
    assert kinds(tag, prefill={}, inferencePool={"endpointPicker": {}},
                 monitoring={"podMonitor": {"enabled": True}}) == [
        "Deployment/qwen3-decode", "Deployment/qwen3-prefill", "ServiceAccount/qwen3-epp",
        "ConfigMap/qwen3-epp-config", "Deployment/qwen3-epp", "Service/qwen3-epp",
        "Secret/qwen3-epp-sa-metrics-reader-secret", "Role/qwen3-epp", "RoleBinding/qwen3-epp",
        "ClusterRole/default-qwen3-epp", "ClusterRoleBinding/default-qwen3-epp", "InferencePool/qwen3",
        "HTTPRoute/qwen3", "DestinationRule/qwen3-epp", "PodMonitor/qwen3-decode", "PodMonitor/qwen3-prefill",
        "ServiceMonitor/qwen3-epp"]


@pytest.mark.parametrize("tag", LATER)
def test_no_destination_rule_without_istio(tag: str) -> None:
    assert not any(k.startswith("DestinationRule/") for k in kinds(tag, provider="none"))
    assert not any(k.startswith("DestinationRule/") for k in kinds(tag, provider="gke"))


@pytest.mark.parametrize("tag", releases.TAGS)
@pytest.mark.parametrize(("monitoring", "from_v091", "before_v091"), [
    (None, True, False), ({}, True, False), ({"podMonitor": {}}, False, False),
    ({"podMonitor": {"enabled": False}}, False, False), ({"podMonitor": {"enabled": True}}, True, True)])
def test_pod_monitor_gate(tag: str, monitoring: dict[str, Any] | None, from_v091: bool, before_v091: bool) -> None:
    p = profile(operatorVersion=tag)
    ms = make(p, **({} if monitoring is None else {"monitoring": monitoring}))
    assert pod_monitors_enabled(ms, p) is (from_v091 if tag in since("v0.9.1") else before_v091)


@pytest.mark.parametrize("tag", releases.TAGS)
def test_pod_monitor_labels_and_relabeling(tag: str) -> None:
    p = profile(operatorVersion=tag, version="devel")
    objs, _ = reconcile_resources(make(p, monitoring={"podMonitor": {"enabled": True}}), p)
    (monitor,) = [o for o in objs if o["kind"] == "PodMonitor"]
    assert ("llm-d.ai/inference-serving" in monitor["metadata"]["labels"]) is (tag in before("v0.9.1"))
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert len(selector) == (4 if tag == "v0.9.0-alpha.1" else 7)
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert ("relabelings" in endpoint) is (tag in since("v0.9.2"))
    if "relabelings" in endpoint:
        assert list(endpoint) == ["port", "path", "interval", "relabelings"]
