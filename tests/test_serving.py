"""krm_fn.serving against the worked example and rules of spec/serving.md §3."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn import serving
from krm_fn.config import Tracing
from krm_fn.model import ModelService, parse_model_service
from tests.conftest import BASELINE, profile

SPEC_3_11 = {
    "model": {"name": "qwen/Qwen3-32B", "image": "registry.example.com/models/qwen3-32b:v1",
              "mountPath": "/models", "imagePullSecrets": [{"name": "registry-creds"}]},
    "engine": {"image": "vllm/vllm-openai:v0.8.0", "port": 8000, "args": ["--max-model-len=8192"],
               "env": [{"name": "FOO", "value": "bar"}]},
    "accelerator": {"type": "nvidia"},
    "decode": {"replicas": 2, "parallelism": {"tensor": 4, "data": 1, "dataLocal": 1},
               "resources": {"requests": {"cpu": "8", "memory": "64Gi"}}},
    "prefill": {"replicas": 1, "parallelism": {"tensor": 2, "data": 2, "dataLocal": 2}},
    "routingProxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0", "connector": "nixlv2", "targetPort": 8200},
    "monitoring": {"podMonitor": {"enabled": True, "portName": "http", "path": "/metrics", "interval": "30s"}},
}
TRACING = Tracing(enabled=True, otelExporterEndpoint="http://otel-collector:4317")
HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def make(spec: dict[str, Any], name: str = "qwen3-32b", ns: str = "ml-serving") -> ModelService:
    ms, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                        "metadata": {"name": name, "namespace": ns}, "spec": spec}, BASELINE)
    assert ms is not None, problems
    return ms


def test_decode_deployment_is_the_worked_example() -> None:
    d = serving.build_decode_deployment(make(SPEC_3_11), profile(version="v0.9.0-alpha.1", tracing=TRACING))
    labels = {
        "app.kubernetes.io/name": "qwen3-32b", "app.kubernetes.io/component": "model-decode",
        "app.kubernetes.io/part-of": "otterscale-system", "app.kubernetes.io/managed-by": "model-operator",
    }
    assert d == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "qwen3-32b-decode", "namespace": "ml-serving",
                     "labels": {**labels, "app.kubernetes.io/version": "v0.9.0-alpha.1",
                                "llm-d.ai/inference-serving": "true"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": {**labels, "app.kubernetes.io/version": "v0.9.0-alpha.1",
                                        "llm-d.ai/inference-serving": "true", "llm-d.ai/role": "decode"}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "imagePullSecrets": [{"name": "registry-creds"}],
                    "initContainers": [{
                        "name": "routing-proxy",
                        "image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0",
                        "args": ["--port", "8000", "--vllm-port", "8200", "--connector", "nixlv2"],
                        "env": [
                            {"name": "OTEL_SERVICE_NAME", "value": "llm-d-routing-sidecar"},
                            {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector:4317"},
                            {"name": "OTEL_TRACES_EXPORTER", "value": "otlp"},
                            {"name": "OTEL_TRACES_SAMPLER", "value": "parentbased_traceidratio"},
                            {"name": "OTEL_TRACES_SAMPLER_ARG", "value": "0.01"},
                        ],
                        "ports": [{"name": "proxy", "containerPort": 8000, "protocol": "TCP"}],
                        "restartPolicy": "Always",
                        "securityContext": HARDENED,
                    }],
                    "containers": [{
                        "name": "vllm",
                        "image": "vllm/vllm-openai:v0.8.0",
                        "command": ["vllm", "serve"],
                        "args": ["/models", "--port", "8200", "--served-model-name", "qwen/Qwen3-32B",
                                 "--tensor-parallel-size", "4", "--max-model-len=8192"],
                        "env": [{"name": "TP_SIZE", "value": "4"}, {"name": "DP_SIZE", "value": "1"},
                                {"name": "DP_SIZE_LOCAL", "value": "1"}, {"name": "FOO", "value": "bar"}],
                        "ports": [{"name": "http", "containerPort": 8200, "protocol": "TCP"}],
                        "volumeMounts": [{"name": "model", "mountPath": "/models", "readOnly": True}],
                        "resources": {"limits": {"nvidia.com/gpu": "4"},
                                      "requests": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "4"}},
                        "securityContext": HARDENED,
                    }],
                    "volumes": [{"name": "model", "image": {"reference": "registry.example.com/models/qwen3-32b:v1",
                                                            "pullPolicy": "IfNotPresent"}}],
                },
            },
        },
    }


def test_prefill_deployment_differs_as_the_spec_says() -> None:
    d = serving.build_prefill_deployment(make(SPEC_3_11), profile(version="v0.9.0-alpha.1", tracing=TRACING))
    assert d["metadata"]["name"] == "qwen3-32b-prefill"
    assert d["metadata"]["labels"]["app.kubernetes.io/component"] == "model-prefill"
    assert d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "model-prefill"
    assert d["spec"]["template"]["metadata"]["labels"]["llm-d.ai/role"] == "prefill"
    assert d["spec"]["replicas"] == 1
    pod = d["spec"]["template"]["spec"]
    assert "initContainers" not in pod
    (vllm,) = pod["containers"]
    assert vllm["args"] == ["/models", "--port", "8000", "--served-model-name", "qwen/Qwen3-32B",
                            "--tensor-parallel-size", "2", "--data-parallel-size", "2",
                            "--data-parallel-size-local", "2", "--max-model-len=8192"]
    assert vllm["env"][:3] == [{"name": "TP_SIZE", "value": "2"}, {"name": "DP_SIZE", "value": "2"},
                               {"name": "DP_SIZE_LOCAL", "value": "2"}]
    assert vllm["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert vllm["resources"] == {"limits": {"nvidia.com/gpu": "4"}, "requests": {"nvidia.com/gpu": "4"}}


@pytest.mark.parametrize(("accelerator", "resource"), [
    ("nvidia", "nvidia.com/gpu"), ("amd", "amd.com/gpu"), ("intel-gaudi", "habana.ai/gaudi"),
    ("google", "google.com/tpu"),
])
def test_gpu_resource_per_accelerator_is_tensor_times_data_local(accelerator: str, resource: str) -> None:
    spec = {**SPEC_3_11, "accelerator": {"type": accelerator},
            "decode": {"parallelism": {"tensor": 2, "data": 8, "dataLocal": 3},
                       "resources": {"limits": {resource: "99", "memory": "1Gi"}}}}
    (vllm,) = serving.build_decode_deployment(make(spec), profile(version=""))["spec"]["template"]["spec"]["containers"]
    assert vllm["resources"] == {"limits": {resource: "6", "memory": "1Gi"}, "requests": {resource: "6"}}


def test_cpu_accelerator_keeps_the_users_resources_only() -> None:
    spec = {**SPEC_3_11, "accelerator": {"type": "cpu"}, "decode": {"resources": {"limits": {"cpu": "2"}}}}
    (vllm,) = serving.build_decode_deployment(make(spec), profile(version=""))["spec"]["template"]["spec"]["containers"]
    assert vllm["resources"] == {"limits": {"cpu": "2"}}
    assert vllm["env"][0] == {"name": "TP_SIZE", "value": "1"}


def test_no_parallelism_flags_and_default_image_replicas_and_mount_path() -> None:
    ms = make({"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "nvidia"},
               "decode": {}})
    d = serving.build_decode_deployment(ms, profile(version=""))
    assert d["spec"]["replicas"] == 1
    assert "app.kubernetes.io/version" not in d["metadata"]["labels"]
    pod = d["spec"]["template"]["spec"]
    (vllm,) = pod["containers"]
    assert vllm["image"] == "ghcr.io/llm-d/llm-d-cuda:v0.5.1"
    assert vllm["args"] == ["/models", "--port", "8000", "--served-model-name", "m"]
    assert "imagePullPolicy" not in vllm
    assert "imagePullSecrets" not in pod and "nodeSelector" not in pod and "tolerations" not in pod


def test_replicas_zero_is_kept() -> None:
    ms = make({**SPEC_3_11, "decode": {"replicas": 0}})
    assert serving.build_decode_deployment(ms, profile(version=""))["spec"]["replicas"] == 0


def test_routing_proxy_args_in_order_with_every_option() -> None:
    rp = {"image": "p:1", "connector": "", "targetPort": 9000, "zapEncoder": "console", "zapLogLevel": "info",
          "secureProxy": True, "prefillerUseTLS": False, "certPath": "/tls"}
    ms = make({**SPEC_3_11, "engine": {"image": "e", "port": 7000}, "routingProxy": rp})
    assert serving.routing_proxy_args(ms, BASELINE) == [
        "--port", "7000", "--vllm-port", "9000", "--connector", "", "--zap-encoder", "console",
        "--zap-log-level", "info", "--secure-proxy=true", "--prefiller-use-tls=false", "--cert-path", "/tls"]


def test_routing_proxy_defaults_from_the_crd() -> None:
    ms = make({**SPEC_3_11, "routingProxy": {}})
    proxy = serving.build_routing_proxy(ms, BASELINE)
    assert proxy["image"] == "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"
    assert proxy["args"] == ["--port", "8000", "--vllm-port", "8200", "--connector", "nixlv2"]
    assert "env" not in proxy


def test_tracing_env_with_empty_strings() -> None:
    env = serving.routing_proxy_env(Tracing(enabled=True, sampler="", samplerArg=""))
    assert env == [{"name": "OTEL_SERVICE_NAME", "value": "llm-d-routing-sidecar"},
                   {"name": "OTEL_EXPORTER_OTLP_ENDPOINT"},
                   {"name": "OTEL_TRACES_EXPORTER", "value": "otlp"}]


def test_node_selector_tolerations_and_pull_policy_are_copied() -> None:
    tol = [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    ms = make({**SPEC_3_11, "engine": {"image": "e", "imagePullPolicy": "Always"},
               "decode": {"nodeSelector": {"gpu": "h100"}, "tolerations": tol}})
    pod = serving.build_decode_deployment(ms, profile(version=""))["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"gpu": "h100"}
    assert pod["tolerations"] == tol
    assert pod["containers"][0]["imagePullPolicy"] == "Always"


# --- the NIXL side channel port, the docker config secret, parallelism defaults --------------------

V090 = profile(operatorVersion="v0.9.0")
MINIMAL = {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "cpu"}, "decode": {}}


def _ports(env: list[dict[str, Any]], p: Any = V090, **spec: Any) -> list[tuple[str, int]]:
    ms = make({**MINIMAL, "engine": {"env": env}, **spec})
    d = serving.build_decode_deployment(ms, p)
    (vllm,) = d["spec"]["template"]["spec"]["containers"]
    return [(port["name"], port["containerPort"]) for port in vllm["ports"]]


@pytest.mark.parametrize(("value", "port"), [
    ("5600", 5600), ("+5600", 5600), ("0005600", 5600), ("1", 1), ("65535", 65535), ("00065535", 65535),
    ("0", 0), ("65536", 0), ("-1", 0), ("100000", 0), ("5600 ", 0), ("56a", 0), ("", 0), ("0x10", 0),
])
def test_the_nixl_side_channel_port_is_read_as_go_reads_it(value: str, port: int) -> None:
    env = [{"name": "OTHER", "value": "7000"}, {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "value": value},
           {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "value": "7001"}]
    assert _ports(env) == [("http", 8000)] + ([("nixl-side", port)] if port else [])


def test_the_nixl_side_channel_port_needs_a_plain_value_a_release_and_its_own_port() -> None:
    ref = {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
    assert _ports([ref]) == [("http", 8000)]
    plain = {"name": "VLLM_NIXL_SIDE_CHANNEL_PORT", "value": "5600"}
    assert _ports([plain], BASELINE) == [("http", 8000)]
    assert _ports([{**plain, "value": "8000"}]) == [("http", 8000)]
    assert _ports([plain], V090, routingProxy={}) == [("http", 8200), ("nixl-side", 5600)]


@pytest.mark.parametrize(("secrets", "volume"), [
    ([{"name": "creds"}, {"name": "other"}], "creds"), ([{}], ""),
])
def test_model_unpack_reads_the_first_pull_secret(secrets: list[dict[str, str]], volume: str) -> None:
    ms = make({**MINIMAL, "model": {**MINIMAL["model"], "imagePullSecrets": secrets}})
    pod = serving.build_decode_deployment(ms, V090)["spec"]["template"]["spec"]
    assert pod["volumes"][-1] == {"name": "docker-config", "secret": {
        "secretName": volume, "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}}


def test_parallelism_of_one_adds_no_flags_and_one_gpu() -> None:
    for decode in ({}, {"parallelism": {"tensor": 1, "data": 1, "dataLocal": 1}}):
        ms = make({**MINIMAL, "accelerator": {"type": "nvidia"}, "decode": decode})
        (vllm,) = serving.build_decode_deployment(ms, BASELINE)["spec"]["template"]["spec"]["containers"]
        assert vllm["args"] == ["/models", "--port", "8000", "--served-model-name", "m"]
        assert vllm["resources"] == {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}


def test_an_empty_mount_path_is_the_default_one() -> None:
    ms = make({**MINIMAL, "model": {**MINIMAL["model"], "mountPath": ""}})
    pod = serving.build_decode_deployment(ms, BASELINE)["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"][0] == "/models"
    assert pod["containers"][0]["volumeMounts"] == [{"name": "model", "mountPath": "/models", "readOnly": True}]
