"""krm_fn.epp, gateway and monitoring against spec/epp.md §3 and the worked example of §9."""

from __future__ import annotations

import hashlib

import pytest

from krm_fn import epp, gateway, monitoring
from krm_fn.config import Tracing
from krm_fn.llmd import PD_PLUGINS_V06
from krm_fn.model import InferencePool
from krm_fn.reconcile import reconcile_resources
from krm_fn.releases import DEFAULT_PLUGINS_WITH_METRICS_SOURCE
from tests.conftest import profile
from tests.test_serving import make

BASE = {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "nvidia"}, "decode": {}}
WORKED = {**BASE, "inferencePool": {"endpointPicker": {"image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0"}},
          "httpRoute": {"gatewayRef": {"name": "gw"}}, "monitoring": {"podMonitor": {"enabled": True}}}
CFG = profile(version="devel")
EPP_LABELS = {"app.kubernetes.io/name": "qwen3", "app.kubernetes.io/component": "epp",
              "app.kubernetes.io/part-of": "otterscale-system", "app.kubernetes.io/managed-by": "model-operator"}


def worked(**spec: object):  # type: ignore[no-untyped-def]
    return make({**WORKED, **spec}, name="qwen3", ns="ml-serving")


def test_worked_example_order_of_objects() -> None:
    objs, warnings = reconcile_resources(worked(), CFG)
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Deployment", "qwen3-decode"), ("ServiceAccount", "qwen3-epp"), ("ConfigMap", "qwen3-epp-config"),
        ("Deployment", "qwen3-epp"), ("Service", "qwen3-epp"), ("Secret", "qwen3-epp-sa-metrics-reader-secret"),
        ("Role", "qwen3-epp"), ("RoleBinding", "qwen3-epp"), ("ClusterRole", "ml-serving-qwen3-epp"),
        ("ClusterRoleBinding", "ml-serving-qwen3-epp"), ("InferencePool", "qwen3"), ("HTTPRoute", "qwen3"),
        ("DestinationRule", "qwen3-epp"), ("PodMonitor", "qwen3-decode"), ("ServiceMonitor", "qwen3-epp"),
    ]
    assert warnings == []


def test_worked_example_epp_deployment() -> None:
    d = epp.build_epp_deployment(worked(), CFG, epp.config_map_hash(epp.epp_config_map_data(worked(), CFG)))
    assert d["metadata"] == {"name": "qwen3-epp", "namespace": "ml-serving",
                             "labels": {**EPP_LABELS, "app.kubernetes.io/version": "devel"}}
    assert d["spec"]["replicas"] == 1
    assert d["spec"]["strategy"] == {"type": "Recreate"}
    assert d["spec"]["selector"] == {"matchLabels": EPP_LABELS}
    tmpl = d["spec"]["template"]
    assert tmpl["metadata"] == {
        "labels": {**EPP_LABELS, "app.kubernetes.io/version": "devel"},
        "annotations": {"checksum/config": "fe3d8f7ea140f7afaccf0f9a5398b20ae40a559d5955b44309363a78434814d2"},
    }
    pod = tmpl["spec"]
    assert pod["serviceAccountName"] == "qwen3-epp"
    assert pod["terminationGracePeriodSeconds"] == 130
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["volumes"] == [{"name": "epp-config", "configMap": {"name": "qwen3-epp-config", "optional": True}}]
    (c,) = pod["containers"]
    assert c == {
        "name": "epp",
        "image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0",
        "imagePullPolicy": "IfNotPresent",
        "args": ["--pool-name=qwen3", "--pool-namespace=ml-serving", "--config-file=/config/default-plugins.yaml",
                 "--grpc-port=9002", "--metrics-port=9090", "--zap-encoder=json", "--tracing=false"],
        "env": [{"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}},
        "ports": [{"name": "grpc-ext-proc", "containerPort": 9002, "protocol": "TCP"},
                  {"name": "grpc-health", "containerPort": 9003, "protocol": "TCP"},
                  {"name": "http-metrics", "containerPort": 9090, "protocol": "TCP"}],
        "volumeMounts": [{"name": "epp-config", "mountPath": "/config", "readOnly": True}],
        "readinessProbe": {"grpc": {"port": 9003, "service": "inference-extension"}, "periodSeconds": 2},
        "livenessProbe": {"grpc": {"port": 9003, "service": "inference-extension"}, "initialDelaySeconds": 5,
                          "periodSeconds": 10},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def test_config_map_hashes_match_the_spec() -> None:
    assert epp.config_map_hash({"default-plugins.yaml": DEFAULT_PLUGINS_WITH_METRICS_SOURCE}) == (
        "fe3d8f7ea140f7afaccf0f9a5398b20ae40a559d5955b44309363a78434814d2")
    assert epp.config_map_hash({"pd-config.yaml": PD_PLUGINS_V06}) == (
        "da2206ceec8c17d0eef3714ea7387e412c7b565661113eef5c0d0fd2b083eb23")
    assert len(DEFAULT_PLUGINS_WITH_METRICS_SOURCE) == 509 and len(PD_PLUGINS_V06) == 905
    data = {"b": "2", "a": "1"}
    assert epp.config_map_hash(data) == hashlib.sha256(b"a1b2").hexdigest()


def test_config_map_key_follows_prefill() -> None:
    assert epp.build_epp_config_map(worked(), CFG)["data"] == {
        "default-plugins.yaml": DEFAULT_PLUGINS_WITH_METRICS_SOURCE}
    pd = worked(prefill={})
    assert epp.build_epp_config_map(pd, CFG)["data"] == {"pd-config.yaml": PD_PLUGINS_V06}
    assert "--config-file=/config/pd-config.yaml" in epp.epp_args(pd, CFG)


def test_args_with_replicas_tracing_auth_off_and_sorted_flags() -> None:
    ms = worked(inferencePool={"endpointPicker": {"replicas": 3, "port": 9100}})
    cfg = profile(metricsEndpointAuth=False, tracing=Tracing(enabled=True), flags={"z": "1", "a": "", "tracing": "x"})
    assert epp.epp_args(ms, cfg) == [
        "--pool-name=qwen3", "--pool-namespace=ml-serving", "--config-file=/config/default-plugins.yaml",
        "--grpc-port=9100", "--metrics-port=9090", "--zap-encoder=json", "--ha-enable-leader-election",
        "--tracing=true", "--metrics-endpoint-auth=false", "--a=", "--tracing=x", "--z=1"]
    d = epp.build_epp_deployment(ms, cfg, "h")
    (c,) = d["spec"]["template"]["spec"]["containers"]
    assert c["readinessProbe"]["grpc"]["service"] == "readiness"
    assert c["livenessProbe"]["grpc"]["service"] == "liveness"
    assert [e["name"] for e in c["env"]] == [
        "NAMESPACE", "POD_NAME", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_EXPORTER",
        "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME", "OTEL_RESOURCE_ATTRIBUTES_POD_NAME", "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"]
    assert c["env"][3] == {"name": "OTEL_EXPORTER_OTLP_ENDPOINT"}
    assert c["env"][5]["valueFrom"] == {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}


@pytest.mark.parametrize(("resources", "expected"), [
    ({"requests": {"cpu": "1"}}, {"requests": {"cpu": "1"}}),
    ({"limits": {}}, {"limits": {}}),
    ({}, {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}}),
])
def test_resources_replace_the_default_only_when_requests_or_limits_are_present(resources, expected) -> None:  # type: ignore[no-untyped-def]
    ms = worked(inferencePool={"endpointPicker": {"resources": resources}})
    assert epp.epp_resources(epp.picker(ms, CFG)) == expected


@pytest.mark.parametrize(("replicas", "rules"), [(0, 3), (1, 3), (2, 5), (3, 5)])
def test_role_rules_and_leader_election(replicas: int, rules: int) -> None:
    ms = worked(inferencePool={"endpointPicker": {"replicas": replicas}})
    role = epp.build_epp_role(ms, profile(version="v"))
    assert len(role["rules"]) == rules
    assert role["rules"][0] == {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]}
    assert epp.build_epp_deployment(ms, CFG, "h")["spec"]["replicas"] == replicas
    assert ("--ha-enable-leader-election" in epp.epp_args(ms, CFG)) == (replicas > 1)


def test_bindings_secret_and_cluster_rbac() -> None:
    ms = worked()
    subject = [{"kind": "ServiceAccount", "name": "qwen3-epp", "namespace": "ml-serving"}]
    rb = epp.build_epp_role_binding(ms, profile(version="v"))
    assert rb["subjects"] == subject
    assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "qwen3-epp"}
    crb = epp.build_epp_cluster_role_binding(ms, profile(version="v"))
    assert "namespace" not in crb["metadata"] and crb["metadata"]["name"] == "ml-serving-qwen3-epp"
    assert crb["subjects"] == subject
    assert crb["roleRef"]["kind"] == "ClusterRole"
    cr = epp.build_epp_cluster_role(ms, profile(version="v"))
    assert cr["rules"][2] == {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}
    secret = epp.build_epp_secret(ms, profile(version="v"))
    assert secret["type"] == "kubernetes.io/service-account-token"
    assert secret["metadata"]["annotations"] == {"kubernetes.io/service-account.name": "qwen3-epp"}
    assert "data" not in secret


def test_service_pool_route_rule_and_monitors() -> None:
    ms = worked()
    svc = epp.build_epp_service(ms, profile(version="devel"))
    assert svc["spec"] == {"selector": EPP_LABELS, "ports": [
        {"name": "grpc-ext-proc", "port": 9002, "protocol": "TCP"},
        {"name": "http-metrics", "port": 9090, "protocol": "TCP"}]}
    pool = gateway.build_inference_pool(ms, profile(version="devel"))
    assert pool["metadata"]["labels"] == {
        "app.kubernetes.io/name": "qwen3", "app.kubernetes.io/component": "model-decode",
        "app.kubernetes.io/part-of": "otterscale-system", "app.kubernetes.io/managed-by": "model-operator",
        "app.kubernetes.io/version": "devel", "llm-d.ai/inference-serving": "true"}
    assert pool["spec"] == {
        "targetPorts": [{"number": 8000}],
        "selector": {"matchLabels": {"app.kubernetes.io/name": "qwen3", "app.kubernetes.io/part-of": "otterscale-system",
                                     "app.kubernetes.io/managed-by": "model-operator",
                                     "llm-d.ai/inference-serving": "true"}},
        "endpointPickerRef": {"name": "qwen3-epp", "port": {"number": 9002}, "failureMode": "FailOpen"}}
    route = gateway.build_http_route(ms, profile(version="devel"))
    assert route["spec"] == {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "qwen3"}]}]}
    dr = gateway.build_destination_rule(ms, profile(version="devel"))
    assert dr["spec"] == {"host": "qwen3-epp.ml-serving.svc.cluster.local",
                          "trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": True}}}
    sm = monitoring.build_epp_service_monitor(ms, profile(version="devel"))
    assert sm["spec"] == {"selector": {"matchLabels": EPP_LABELS}, "endpoints": [
        {"port": "http-metrics", "interval": "30s",
         "authorization": {"credentials": {"name": "qwen3-epp-sa-metrics-reader-secret", "key": "token"}}}]}
    assert "authorization" not in monitoring.build_epp_service_monitor(ms, profile(version="devel", metricsEndpointAuth=False))["spec"]["endpoints"][0]
    pm = monitoring.build_pod_monitor(ms, "decode", "model-decode", profile(version="devel"))
    assert pm["spec"] == {"selector": {"matchLabels": {**EPP_LABELS, "app.kubernetes.io/component": "model-decode"}},
                          "podMetricsEndpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}]}


@pytest.mark.parametrize(("gw_ns", "expected"), [
    ("", [{"name": "gw"}]), ("ml-serving", [{"name": "gw"}]), ("infra", [{"name": "gw", "namespace": "infra"}]),
])
def test_http_route_parent_namespace_only_when_different(gw_ns: str, expected: list[dict[str, str]]) -> None:
    ms = worked(httpRoute={"gatewayRef": {"name": "gw", "namespace": gw_ns}, "hostnames": ["a.example.com"]})
    route = gateway.build_http_route(ms, profile(version=""))
    assert route["spec"]["parentRefs"] == expected
    assert route["spec"]["hostnames"] == ["a.example.com"]


@pytest.mark.parametrize(("provider", "auth", "kinds_absent"), [
    ("istio", True, set()),
    ("gke", True, {"Secret", "DestinationRule"}),
    ("none", True, {"DestinationRule"}),
    ("istio", False, {"Secret", "ClusterRole", "ClusterRoleBinding"}),
])
def test_provider_and_auth_gating(provider: str, auth: bool, kinds_absent: set[str]) -> None:
    objs, warnings = reconcile_resources(worked(), profile(provider=provider, metricsEndpointAuth=auth))
    kinds = {o["kind"] for o in objs}
    all_kinds = {"Deployment", "ServiceAccount", "ConfigMap", "Service", "Secret", "Role", "RoleBinding",
                 "ClusterRole", "ClusterRoleBinding", "InferencePool", "HTTPRoute", "DestinationRule",
                 "PodMonitor", "ServiceMonitor"}
    assert kinds == all_kinds - kinds_absent
    assert [w[0] for w in warnings] == (["spec.inferencePool"] if provider == "gke" else [])


def test_without_inference_pool_only_serving_objects_and_a_warning_for_the_route() -> None:
    ms = make({**BASE, "prefill": {}, "httpRoute": {"gatewayRef": {"name": "gw"}},
               "monitoring": {"podMonitor": {"enabled": True}}})
    objs, warnings = reconcile_resources(ms, CFG)
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Deployment", "qwen3-32b-decode"), ("Deployment", "qwen3-32b-prefill"),
        ("PodMonitor", "qwen3-32b-decode"), ("PodMonitor", "qwen3-32b-prefill")]
    assert [w[0] for w in warnings] == ["spec.httpRoute", "spec.prefill"]


def test_claims_alone_do_not_replace_the_default_resources() -> None:
    # claims are refused by validation (no pod resourceClaims); the builder still follows the operator
    base = worked()
    spec = base.spec.model_copy(update={"inferencePool": InferencePool.model_validate(
        {"endpointPicker": {"image": "i", "resources": {"claims": [{"name": "x"}]}}})})
    ms = base.model_copy(update={"spec": spec})
    assert epp.epp_resources(epp.picker(ms, CFG)) == {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}}
