"""The Endpoint Picker (EPP) stack: ServiceAccount, RBAC, token Secret, ConfigMap, Deployment, Service."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from . import naming
from .model import EndpointPicker, ModelService
from .profile import Profile
from .serving import RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY

DEFAULT_EPP_PORT = 9002
HEALTH_PORT = naming.EPP_HEALTH_PORT
METRICS_PORT = naming.EPP_METRICS_PORT
CONFIG_VOLUME = "epp-config"
CONFIG_MOUNT_PATH = "/config"
DEFAULT_RESOURCES = {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}}

DEFAULT_PLUGINS_FILE = "default-plugins.yaml"
PD_PLUGINS_FILE = "pd-config.yaml"
POOL_GROUP = "inference.networking.k8s.io"

def picker(ms: ModelService, p: Profile) -> EndpointPicker:
    """spec.inferencePool.endpointPicker, or the operator's stand-in when the EPP runs without one."""
    if ms.spec.inferencePool is not None:
        return ms.spec.inferencePool.endpointPicker
    return EndpointPicker(image=p.epp_image, replicas=1, port=DEFAULT_EPP_PORT)


def epp_port(ms: ModelService) -> int:
    port = ms.spec.inferencePool.endpointPicker.port if ms.spec.inferencePool is not None else 0
    return port if port > 0 else DEFAULT_EPP_PORT


def epp_replicas(ms: ModelService) -> int:
    replicas = ms.spec.inferencePool.endpointPicker.replicas if ms.spec.inferencePool is not None else None
    return replicas if replicas is not None else 1


def plugins_config_file(ms: ModelService) -> str:
    return PD_PLUGINS_FILE if ms.spec.prefill is not None else DEFAULT_PLUGINS_FILE


def epp_config_map_data(ms: ModelService, p: Profile) -> dict[str, str]:
    if ms.spec.prefill is not None:
        return {PD_PLUGINS_FILE: p.pd_plugins}
    return {DEFAULT_PLUGINS_FILE: p.default_plugins}


def config_map_hash(data: dict[str, str]) -> str:
    """SHA-256 over each key immediately followed by its value, keys sorted."""
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(key.encode())
        h.update(data[key].encode())
    return h.hexdigest()


def _meta(name: str, ms: ModelService, p: Profile, namespaced: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespaced:
        meta["namespace"] = ms.namespace
    meta["labels"] = naming.epp_labels(p.epp_label_name(ms.name), p.version)
    return meta


def _epp_subject(ms: ModelService, p: Profile) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": p.epp_name(ms.name), "namespace": ms.namespace}


def build_epp_service_account(ms: ModelService, p: Profile) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(p.epp_name(ms.name), ms, p)}


def build_epp_config_map(ms: ModelService, p: Profile) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(naming.epp_config_map_name(p.epp_name(ms.name)), ms, p),
        "data": epp_config_map_data(ms, p),
    }


def epp_args(ms: ModelService, p: Profile) -> list[str]:
    args = [f"--pool-name={naming.inference_pool_name(ms.name)}", f"--pool-namespace={ms.namespace}"]
    if p.epp_pool_group_arg:
        args.append(f"--pool-group={POOL_GROUP}")
    args += [f"--config-file={CONFIG_MOUNT_PATH}/{plugins_config_file(ms)}", f"--grpc-port={epp_port(ms)}"]
    if p.release.epp_metrics_port_arg:
        args.append(f"--metrics-port={METRICS_PORT}")
    args.append("--zap-encoder=json")
    if epp_replicas(ms) > 1:
        args.append("--ha-enable-leader-election")
    args.append(f"--tracing={'true' if p.tracing.enabled else 'false'}")
    if not p.metrics_auth:
        args.append("--metrics-endpoint-auth=false")
    args += [f"--{k}={p.flags[k]}" for k in sorted(p.flags)]
    return args


def epp_env(p: Profile) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    t = p.tracing
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


def epp_resources(spec: EndpointPicker) -> dict[str, Any]:
    res = spec.resources
    if res is not None and ("requests" in res or "limits" in res):
        return copy.deepcopy(res)
    return copy.deepcopy(DEFAULT_RESOURCES)


def build_epp_deployment(ms: ModelService, p: Profile, config_hash: str) -> dict[str, Any]:
    spec = picker(ms, p)
    epp = p.epp_name(ms.name)
    replicas = epp_replicas(ms)
    port = epp_port(ms)
    ready, live = ("readiness", "liveness") if replicas > 1 else ("inference-extension", "inference-extension")
    container: dict[str, Any] = {"name": "epp"}
    if spec.image:  # Go's omitempty
        container["image"] = spec.image
    container.update({
        "imagePullPolicy": "IfNotPresent",
        "args": epp_args(ms, p),
        "env": epp_env(p),
        "resources": epp_resources(spec),
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
    })
    label_name = p.epp_label_name(ms.name)
    selector = naming.epp_selector_labels(label_name)
    pool_label = {naming.LABEL_INFERENCE_POOL: epp} if p.release.epp_inferencepool_label else {}
    template_meta: dict[str, Any] = {
        "labels": {**selector, **naming.epp_labels(label_name, p.version), **pool_label}
    }
    if config_hash:
        template_meta["annotations"] = {"checksum/config": config_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(epp, ms, p),
        "spec": {
            "replicas": replicas,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {**selector, **pool_label}},
            "template": {
                "metadata": template_meta,
                "spec": {
                    "serviceAccountName": epp,
                    "terminationGracePeriodSeconds": 130,
                    "securityContext": copy.deepcopy(RESTRICTED_POD_SECURITY),
                    "containers": [container],
                    "volumes": [{"name": CONFIG_VOLUME,
                                 "configMap": {"name": naming.epp_config_map_name(epp), "optional": True}}],
                },
            },
        },
    }


def _service_port(name: str, port: int, p: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "port": port}
    if p.release.epp_service_target_ports:
        out["targetPort"] = port
    out["protocol"] = "TCP"
    return out


def build_epp_service(ms: ModelService, p: Profile) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(p.epp_name(ms.name), ms, p),
        "spec": {
            "selector": naming.epp_selector_labels(p.epp_label_name(ms.name)),
            "ports": [_service_port("grpc-ext-proc", epp_port(ms), p), _service_port("http-metrics", METRICS_PORT, p)],
        },
    }


def build_epp_secret(ms: ModelService, p: Profile) -> dict[str, Any]:
    epp = p.epp_name(ms.name)
    meta = _meta(naming.epp_secret_name(epp), ms, p)
    meta["annotations"] = {"kubernetes.io/service-account.name": epp}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "kubernetes.io/service-account-token"}


def build_epp_role(ms: ModelService, p: Profile) -> dict[str, Any]:
    read = ["get", "watch", "list"]
    rules: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["pods"], "verbs": list(read)},
        {"apiGroups": ["inference.networking.x-k8s.io"],
         "resources": ["inferenceobjectives", "inferencemodelrewrites"], "verbs": list(read)},
    ]
    if p.llmd.role_llmd_rule:
        rules.append({"apiGroups": ["llm-d.ai"], "resources": ["inferenceobjectives", "inferencemodelrewrites"],
                      "verbs": list(read)})
    rules.append({"apiGroups": ["inference.networking.k8s.io"], "resources": ["inferencepools"],
                  "verbs": list(read)})
    if epp_replicas(ms) > 1:
        rules += [
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
             "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        ]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": _meta(p.epp_name(ms.name), ms, p), "rules": rules}


def build_epp_role_binding(ms: ModelService, p: Profile) -> dict[str, Any]:
    epp = p.epp_name(ms.name)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta(epp, ms, p),
        "subjects": [_epp_subject(ms, p)],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": epp},
    }


def build_epp_cluster_role(ms: ModelService, p: Profile) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(naming.epp_cluster_rbac_name(ms.namespace, p.epp_name(ms.name)), ms, p, namespaced=False),
        "rules": [
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
            {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
        ],
    }


def build_epp_cluster_role_binding(ms: ModelService, p: Profile) -> dict[str, Any]:
    name = naming.epp_cluster_rbac_name(ms.namespace, p.epp_name(ms.name))
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _meta(name, ms, p, namespaced=False),
        "subjects": [_epp_subject(ms, p)],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
    }
