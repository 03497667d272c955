"""The Endpoint Picker (EPP) stack: ServiceAccount, RBAC, token Secret, ConfigMap, Deployment, Service."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from . import naming
from .config import EPPConfig
from .model import EndpointPicker, ModelService
from .serving import RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY

DEFAULT_EPP_PORT = 9002
HEALTH_PORT = naming.EPP_HEALTH_PORT
METRICS_PORT = naming.EPP_METRICS_PORT
CONFIG_VOLUME = "epp-config"
CONFIG_MOUNT_PATH = "/config"
DEFAULT_RESOURCES = {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}}

DEFAULT_PLUGINS_FILE = "default-plugins.yaml"
PD_PLUGINS_FILE = "pd-config.yaml"

DEFAULT_PLUGINS = """\
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

PD_PLUGINS = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates:
- prepareDataPlugins
plugins:
- type: prefill-header-handler
- type: prefix-cache-scorer
  parameters:
    maxPrefixBlocksToMatch: 256
    lruCapacityPerServer: 31250
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
- type: pd-profile-handler
  parameters:
    primaryPort: 0
    deciderPluginName: prefix-based-pd-decider
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
"""


def picker(ms: ModelService) -> EndpointPicker:
    assert ms.spec.inferencePool is not None
    return ms.spec.inferencePool.endpointPicker


def epp_port(ms: ModelService) -> int:
    port = picker(ms).port if ms.spec.inferencePool is not None else 0
    return port if port > 0 else DEFAULT_EPP_PORT


def epp_replicas(ms: ModelService) -> int:
    replicas = picker(ms).replicas if ms.spec.inferencePool is not None else None
    return replicas if replicas is not None else 1


def plugins_config_file(ms: ModelService) -> str:
    return PD_PLUGINS_FILE if ms.spec.prefill is not None else DEFAULT_PLUGINS_FILE


def epp_config_map_data(ms: ModelService) -> dict[str, str]:
    if ms.spec.prefill is not None:
        return {PD_PLUGINS_FILE: PD_PLUGINS}
    return {DEFAULT_PLUGINS_FILE: DEFAULT_PLUGINS}


def config_map_hash(data: dict[str, str]) -> str:
    """SHA-256 over each key immediately followed by its value, keys sorted."""
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(key.encode())
        h.update(data[key].encode())
    return h.hexdigest()


def _meta(name: str, ms: ModelService, version: str, namespaced: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespaced:
        meta["namespace"] = ms.namespace
    meta["labels"] = naming.epp_labels(ms.name, version)
    return meta


def _epp_subject(ms: ModelService) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": naming.epp_name(ms.name), "namespace": ms.namespace}


def build_epp_service_account(ms: ModelService, version: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(naming.epp_name(ms.name), ms, version)}


def build_epp_config_map(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(naming.epp_config_map_name(ms.name), ms, version),
        "data": epp_config_map_data(ms),
    }


def epp_args(ms: ModelService, cfg: EPPConfig) -> list[str]:
    args = [
        f"--pool-name={naming.inference_pool_name(ms.name)}",
        f"--pool-namespace={ms.namespace}",
        f"--config-file={CONFIG_MOUNT_PATH}/{plugins_config_file(ms)}",
        f"--grpc-port={epp_port(ms)}",
        f"--metrics-port={METRICS_PORT}",
        "--zap-encoder=json",
    ]
    if epp_replicas(ms) > 1:
        args.append("--ha-enable-leader-election")
    args.append(f"--tracing={'true' if cfg.tracing.enabled else 'false'}")
    if not cfg.metricsEndpointAuth:
        args.append("--metrics-endpoint-auth=false")
    args += [f"--{k}={cfg.flags[k]}" for k in sorted(cfg.flags)]
    return args


def epp_env(cfg: EPPConfig) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    t = cfg.tracing
    if not t.enabled:
        return env
    endpoint: dict[str, Any] = {"name": "OTEL_EXPORTER_OTLP_ENDPOINT"}
    if t.otelExporterEndpoint:
        endpoint["value"] = t.otelExporterEndpoint
    env += [
        {"name": "OTEL_SERVICE_NAME", "value": "gateway-api-inference-extension"},
        endpoint,
        {"name": "OTEL_TRACES_EXPORTER", "value": "otlp"},
        {"name": "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME",
         "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
        {"name": "OTEL_RESOURCE_ATTRIBUTES_POD_NAME",
         "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "OTEL_RESOURCE_ATTRIBUTES",
         "value": "k8s.namespace.name=$(NAMESPACE),k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME),"
                  "k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME)"},
    ]
    if t.sampler:
        env.append({"name": "OTEL_TRACES_SAMPLER", "value": t.sampler})
    if t.samplerArg:
        env.append({"name": "OTEL_TRACES_SAMPLER_ARG", "value": t.samplerArg})
    return env


def epp_resources(ms: ModelService) -> dict[str, Any]:
    res = picker(ms).resources
    if res is not None and ("requests" in res or "limits" in res):
        return copy.deepcopy(res)
    return copy.deepcopy(DEFAULT_RESOURCES)


def build_epp_deployment(ms: ModelService, cfg: EPPConfig, config_hash: str) -> dict[str, Any]:
    replicas = epp_replicas(ms)
    port = epp_port(ms)
    ready, live = ("readiness", "liveness") if replicas > 1 else ("inference-extension", "inference-extension")
    container: dict[str, Any] = {
        "name": "epp",
        "image": picker(ms).image,
        "imagePullPolicy": "IfNotPresent",
        "args": epp_args(ms, cfg),
        "env": epp_env(cfg),
        "resources": epp_resources(ms),
        "ports": [
            {"name": "grpc-ext-proc", "containerPort": port, "protocol": "TCP"},
            {"name": "grpc-health", "containerPort": HEALTH_PORT, "protocol": "TCP"},
            {"name": "http-metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
        ],
        "volumeMounts": [{"name": CONFIG_VOLUME, "mountPath": CONFIG_MOUNT_PATH, "readOnly": True}],
        "readinessProbe": {"grpc": {"port": HEALTH_PORT, "service": ready}, "periodSeconds": 2},
        "livenessProbe": {"grpc": {"port": HEALTH_PORT, "service": live}, "initialDelaySeconds": 5,
                          "periodSeconds": 10},
        "securityContext": copy.deepcopy(RESTRICTED_CONTAINER_SECURITY),
    }
    template_meta: dict[str, Any] = {
        "labels": {**naming.epp_selector_labels(ms.name), **naming.epp_labels(ms.name, cfg.version)}
    }
    if config_hash:
        template_meta["annotations"] = {"checksum/config": config_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(naming.epp_name(ms.name), ms, cfg.version),
        "spec": {
            "replicas": replicas,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": naming.epp_selector_labels(ms.name)},
            "template": {
                "metadata": template_meta,
                "spec": {
                    "serviceAccountName": naming.epp_name(ms.name),
                    "terminationGracePeriodSeconds": 130,
                    "securityContext": copy.deepcopy(RESTRICTED_POD_SECURITY),
                    "containers": [container],
                    "volumes": [{"name": CONFIG_VOLUME,
                                 "configMap": {"name": naming.epp_config_map_name(ms.name), "optional": True}}],
                },
            },
        },
    }


def build_epp_service(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(naming.epp_name(ms.name), ms, version),
        "spec": {
            "selector": naming.epp_selector_labels(ms.name),
            "ports": [
                {"name": "grpc-ext-proc", "port": epp_port(ms), "protocol": "TCP"},
                {"name": "http-metrics", "port": METRICS_PORT, "protocol": "TCP"},
            ],
        },
    }


def build_epp_secret(ms: ModelService, version: str) -> dict[str, Any]:
    meta = _meta(naming.epp_secret_name(ms.name), ms, version)
    meta["annotations"] = {"kubernetes.io/service-account.name": naming.epp_name(ms.name)}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "kubernetes.io/service-account-token"}


def build_epp_role(ms: ModelService, version: str) -> dict[str, Any]:
    read = ["get", "watch", "list"]
    rules: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["pods"], "verbs": list(read)},
        {"apiGroups": ["inference.networking.x-k8s.io"],
         "resources": ["inferenceobjectives", "inferencemodelrewrites"], "verbs": list(read)},
        {"apiGroups": ["inference.networking.k8s.io"], "resources": ["inferencepools"], "verbs": list(read)},
    ]
    if epp_replicas(ms) > 1:
        rules += [
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
             "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        ]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": _meta(naming.epp_name(ms.name), ms, version), "rules": rules}


def build_epp_role_binding(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta(naming.epp_name(ms.name), ms, version),
        "subjects": [_epp_subject(ms)],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": naming.epp_name(ms.name)},
    }


def build_epp_cluster_role(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(naming.epp_cluster_rbac_name(ms.namespace, ms.name), ms, version, namespaced=False),
        "rules": [
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
            {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
        ],
    }


def build_epp_cluster_role_binding(ms: ModelService, version: str) -> dict[str, Any]:
    name = naming.epp_cluster_rbac_name(ms.namespace, ms.name)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _meta(name, ms, version, namespaced=False),
        "subjects": [_epp_subject(ms)],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
    }
