"""The serving Deployments: decode, and prefill under prefill/decode disaggregation."""

from __future__ import annotations

import copy
from typing import Any

from . import naming
from .config import Tracing
from .model import ModelService, RoleSpec

DEFAULT_ENGINE_PORT = 8000
DEFAULT_TARGET_PORT = 8200
DEFAULT_MOUNT_PATH = "/models"
MODEL_VOLUME_NAME = "model"

ACCELERATOR_RESOURCES = {
    "nvidia": "nvidia.com/gpu",
    "amd": "amd.com/gpu",
    "intel-gaudi": "habana.ai/gaudi",
    "google": "google.com/tpu",
    "cpu": "",
}

RESTRICTED_CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
RESTRICTED_POD_SECURITY = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def engine_port(ms: ModelService) -> int:
    return ms.spec.engine.port if ms.spec.engine.port > 0 else DEFAULT_ENGINE_PORT


def target_port(ms: ModelService) -> int:
    rp = ms.spec.routingProxy
    return rp.targetPort if rp is not None and rp.targetPort > 0 else DEFAULT_TARGET_PORT


def gpu_count(role: RoleSpec) -> int:
    tp, _, dpl = parallelism(role)
    return tp * dpl  # data parallelism does not count, as in the operator


def inject_gpu_resources(resources: dict[str, Any], accelerator: str, gpus: int) -> dict[str, Any]:
    """Set the accelerator's extended resource to ``gpus`` in both limits and requests."""
    resource = ACCELERATOR_RESOURCES.get(accelerator, "")
    if not resource or gpus <= 0:
        return resources
    out = {"limits": dict(resources.get("limits") or {}), "requests": dict(resources.get("requests") or {})}
    out["limits"][resource] = str(gpus)
    out["requests"][resource] = str(gpus)
    out.update({k: v for k, v in resources.items() if k not in ("limits", "requests")})
    return out


def parallelism(role: RoleSpec) -> tuple[int, int, int]:
    """Tensor, data and data-local parallelism, each at least 1."""
    p = role.parallelism
    return (max(p.tensor, 1), max(p.data, 1), max(p.dataLocal, 1)) if p else (1, 1, 1)


def vllm_args(ms: ModelService, role: RoleSpec, port: int) -> list[str]:
    tp, dp, dpl = parallelism(role)
    args = [ms.spec.model.mountPath or DEFAULT_MOUNT_PATH, "--port", str(port),
            "--served-model-name", ms.spec.model.name]
    if tp > 1:
        args += ["--tensor-parallel-size", str(tp)]
    if dp > 1:
        args += ["--data-parallel-size", str(dp)]
    if dpl > 1:
        args += ["--data-parallel-size-local", str(dpl)]
    return args + list(ms.spec.engine.args)


def vllm_env(ms: ModelService, role: RoleSpec) -> list[dict[str, Any]]:
    tp, dp, dpl = parallelism(role)
    env: list[dict[str, Any]] = [
        {"name": "TP_SIZE", "value": str(tp)},
        {"name": "DP_SIZE", "value": str(dp)},
        {"name": "DP_SIZE_LOCAL", "value": str(dpl)},
    ]
    return env + copy.deepcopy(ms.spec.engine.env)


def routing_proxy_args(ms: ModelService) -> list[str]:
    rp = ms.spec.routingProxy
    assert rp is not None
    args = ["--port", str(engine_port(ms)), "--vllm-port", str(target_port(ms)), "--connector", rp.connector]
    if rp.zapEncoder:
        args += ["--zap-encoder", rp.zapEncoder]
    if rp.zapLogLevel:
        args += ["--zap-log-level", rp.zapLogLevel]
    if rp.secureProxy is not None:
        args.append(f"--secure-proxy={str(rp.secureProxy).lower()}")
    if rp.prefillerUseTLS is not None:
        args.append(f"--prefiller-use-tls={str(rp.prefillerUseTLS).lower()}")
    if rp.certPath:
        args += ["--cert-path", rp.certPath]
    return args


def routing_proxy_env(tracing: Tracing) -> list[dict[str, str]]:
    if not tracing.enabled:
        return []
    endpoint = {"name": "OTEL_EXPORTER_OTLP_ENDPOINT"}
    if tracing.otelExporterEndpoint:  # Go omits an empty value
        endpoint["value"] = tracing.otelExporterEndpoint
    env = [
        {"name": "OTEL_SERVICE_NAME", "value": "llm-d-routing-sidecar"},
        endpoint,
        {"name": "OTEL_TRACES_EXPORTER", "value": "otlp"},
    ]
    if tracing.sampler:
        env.append({"name": "OTEL_TRACES_SAMPLER", "value": tracing.sampler})
    if tracing.samplerArg:
        env.append({"name": "OTEL_TRACES_SAMPLER_ARG", "value": tracing.samplerArg})
    return env


def build_routing_proxy(ms: ModelService, tracing: Tracing) -> dict[str, Any]:
    rp = ms.spec.routingProxy
    assert rp is not None
    container: dict[str, Any] = {"name": "routing-proxy", "image": rp.image, "args": routing_proxy_args(ms)}
    env = routing_proxy_env(tracing)
    if env:
        container["env"] = env
    container["ports"] = [{"name": "proxy", "containerPort": engine_port(ms), "protocol": "TCP"}]
    container["restartPolicy"] = "Always"
    container["securityContext"] = copy.deepcopy(RESTRICTED_CONTAINER_SECURITY)
    return container


def build_deployment(
    ms: ModelService,
    role: RoleSpec,
    role_name: str,
    deploy_name: str,
    pod_labels: dict[str, str],
    metadata_labels: dict[str, str],
    selector_labels: dict[str, str],
    tracing: Tracing,
) -> dict[str, Any]:
    """A serving Deployment for one role, as the operator's BuildDeployment makes it."""
    spec = ms.spec
    with_proxy = role_name == naming.ROLE_DECODE and spec.routingProxy is not None
    port = target_port(ms) if with_proxy else engine_port(ms)
    mount_path = spec.model.mountPath or DEFAULT_MOUNT_PATH

    vllm: dict[str, Any] = {"name": "vllm", "image": spec.engine.image}
    if spec.engine.imagePullPolicy:
        vllm["imagePullPolicy"] = spec.engine.imagePullPolicy
    vllm["command"] = ["vllm", "serve"]
    vllm["args"] = vllm_args(ms, role, port)
    vllm["env"] = vllm_env(ms, role)
    vllm["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    vllm["volumeMounts"] = [{"name": MODEL_VOLUME_NAME, "mountPath": mount_path, "readOnly": True}]
    resources = inject_gpu_resources(copy.deepcopy(role.resources or {}), spec.accelerator.type, gpu_count(role))
    if resources:
        vllm["resources"] = resources
    vllm["securityContext"] = copy.deepcopy(RESTRICTED_CONTAINER_SECURITY)

    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": copy.deepcopy(RESTRICTED_POD_SECURITY),
    }
    if spec.model.imagePullSecrets:
        pod["imagePullSecrets"] = copy.deepcopy(spec.model.imagePullSecrets)
    if role.nodeSelector:
        pod["nodeSelector"] = dict(role.nodeSelector)
    if role.tolerations:
        pod["tolerations"] = copy.deepcopy(role.tolerations)
    if with_proxy:
        pod["initContainers"] = [build_routing_proxy(ms, tracing)]
    pod["containers"] = [vllm]
    pod["volumes"] = [
        {"name": MODEL_VOLUME_NAME, "image": {"reference": spec.model.image, "pullPolicy": "IfNotPresent"}}
    ]

    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": deploy_name, "namespace": ms.namespace, "labels": metadata_labels},
        "spec": {
            "replicas": role.replicas if role.replicas is not None else 1,
            "selector": {"matchLabels": selector_labels},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod},
        },
    }


def build_decode_deployment(ms: ModelService, version: str, tracing: Tracing) -> dict[str, Any]:
    c = naming.COMPONENT_DECODE
    return build_deployment(
        ms, ms.spec.decode, naming.ROLE_DECODE, naming.decode_name(ms.name),
        naming.pod_labels_for_role(ms.name, c, version, naming.ROLE_DECODE),
        naming.labels_for_role(ms.name, c, version), naming.selector(ms.name, c), tracing,
    )


def build_prefill_deployment(ms: ModelService, version: str, tracing: Tracing) -> dict[str, Any]:
    assert ms.spec.prefill is not None
    c = naming.COMPONENT_PREFILL
    return build_deployment(
        ms, ms.spec.prefill, naming.ROLE_PREFILL, naming.prefill_name(ms.name),
        naming.pod_labels_for_role(ms.name, c, version, naming.ROLE_PREFILL),
        naming.labels_for_role(ms.name, c, version), naming.selector(ms.name, c), tracing,
    )
