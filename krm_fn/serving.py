"""The serving Deployments: decode, and prefill under prefill/decode disaggregation."""

from __future__ import annotations

import copy
import re
from typing import Any

from . import naming
from .config import Tracing
from .model import ModelService, RoleSpec
from .profile import Profile

DEFAULT_ENGINE_PORT = 8000
DEFAULT_TARGET_PORT = 8200
DEFAULT_MOUNT_PATH = "/models"
MODEL_VOLUME_NAME = "model"
# model-unpack (internal/modelservice/deployment.go@v0.9.0-alpha.2)
MODEL_TMP_VOLUME_NAME = "model-tmp"
MODEL_TMP_MOUNT_PATH = "/tmp/model-oci"
DOCKER_CONFIG_VOLUME_NAME = "docker-config"
DOCKER_CONFIG_MOUNT_PATH = "/.docker"
MODEL_UNPACK_SCRIPT = """\
set -euo pipefail
export KITOPS_HOME="${KITOPS_HOME:-/tmp/model-oci}"
mkdir -p "$KITOPS_HOME"
kit unpack "$OCI_MODEL_IMAGE" --plain-http -o -d "$MODEL_MOUNT_PATH"
"""
NIXL_SIDE_CHANNEL_ENV = "VLLM_NIXL_SIDE_CHANNEL_PORT"

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


def routing_proxy_args(ms: ModelService, p: Profile) -> list[str]:
    """The routing sidecar's args: the operator's order, in the selected llm-d generation's flags."""
    rp, gen = ms.spec.routingProxy, p.llmd
    assert rp is not None
    args = ["--port", str(engine_port(ms)), gen.sidecar_port_flag, str(target_port(ms))]
    if rp.connector or not gen.sidecar_omit_empty_connector:
        args += [gen.sidecar_connector_flag, rp.connector]
    if rp.zapEncoder:
        args += ["--zap-encoder", rp.zapEncoder]
    if rp.zapLogLevel:
        args += ["--zap-log-level", rp.zapLogLevel]
    if p.release.secure_proxy_always:
        args.append(f"--secure-proxy={'true' if rp.secureProxy else 'false'}")
    elif rp.secureProxy is not None:
        args.append(f"--secure-proxy={str(rp.secureProxy).lower()}")
    if rp.prefillerUseTLS is not None and not gen.sidecar_enable_tls:
        args.append(f"--prefiller-use-tls={str(rp.prefillerUseTLS).lower()}")
    elif rp.prefillerUseTLS:
        args.append("--enable-tls=prefiller")  # false is the default: nothing to say
    if rp.certPath:
        args += ["--cert-path", rp.certPath]
    if gen.sidecar_tracing_flag and p.tracing.enabled:
        args.append("--tracing=true")
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


def build_routing_proxy(ms: ModelService, p: Profile) -> dict[str, Any]:
    rp = ms.spec.routingProxy
    assert rp is not None
    container: dict[str, Any] = {"name": "routing-proxy"}
    if rp.image:  # Go's omitempty: an empty image is left out
        container["image"] = rp.image
    container["args"] = routing_proxy_args(ms, p)
    env = routing_proxy_env(p.tracing)
    if env:
        container["env"] = env
    container["ports"] = [{"name": "proxy", "containerPort": engine_port(ms), "protocol": "TCP"}]
    container["restartPolicy"] = "Always"
    container["securityContext"] = copy.deepcopy(RESTRICTED_CONTAINER_SECURITY)
    return container


def nixl_side_port(ms: ModelService) -> int:
    """The port of the first VLLM_NIXL_SIDE_CHANNEL_PORT env entry, as Go's ParseInt reads it; 0 if none."""
    for env in ms.spec.engine.env:
        if env.get("name") == NIXL_SIDE_CHANNEL_ENV:
            value = env.get("value")
            if not isinstance(value, str) or not _GO_INT.fullmatch(value):
                return 0
            digits = value.lstrip("+-").lstrip("0")  # leading zeros are fine for ParseInt
            return int(value) if len(digits) <= 5 and 0 < int(value) <= 65535 else 0
    return 0


_GO_INT = re.compile(r"[+-]?[0-9]+")


def build_model_unpack(ms: ModelService, p: Profile, mount_path: str) -> dict[str, Any] | None:
    """The model-unpack init container: kit pulls spec.model.image into the model emptyDir."""
    if not p.kit_image or not ms.spec.model.image:
        return None
    env = [
        {"name": "OCI_MODEL_IMAGE", "value": ms.spec.model.image},
        {"name": "MODEL_MOUNT_PATH", "value": mount_path},
        {"name": "KITOPS_HOME", "value": MODEL_TMP_MOUNT_PATH},
    ]
    mounts: list[dict[str, Any]] = [
        {"name": MODEL_TMP_VOLUME_NAME, "mountPath": MODEL_TMP_MOUNT_PATH},
        {"name": MODEL_VOLUME_NAME, "mountPath": mount_path},
    ]
    if ms.spec.model.imagePullSecrets:
        mounts.append({"name": DOCKER_CONFIG_VOLUME_NAME, "mountPath": DOCKER_CONFIG_MOUNT_PATH, "readOnly": True})
        env.append({"name": "DOCKER_CONFIG", "value": DOCKER_CONFIG_MOUNT_PATH})
    return {
        "name": "model-unpack",
        "image": p.kit_image,
        "command": ["/bin/sh", "-c"],
        "args": [MODEL_UNPACK_SCRIPT],
        "env": env,
        "volumeMounts": mounts,
        "securityContext": copy.deepcopy(RESTRICTED_CONTAINER_SECURITY),
    }


def model_volumes(ms: ModelService, p: Profile) -> list[dict[str, Any]]:
    """The image volume (v0.9.0-alpha.1), or the emptyDirs model-unpack fills (and its credentials)."""
    if not p.release.kit_unpack:
        return [{"name": MODEL_VOLUME_NAME, "image": {"reference": ms.spec.model.image, "pullPolicy": "IfNotPresent"}}]
    volumes: list[dict[str, Any]] = [{"name": MODEL_VOLUME_NAME, "emptyDir": {}},
                                     {"name": MODEL_TMP_VOLUME_NAME, "emptyDir": {}}]
    secrets = ms.spec.model.imagePullSecrets
    if secrets:
        volumes.append({"name": DOCKER_CONFIG_VOLUME_NAME, "secret": {
            "secretName": secrets[0].get("name", ""), "items": [{"key": ".dockerconfigjson", "path": "config.json"}]}})
    return volumes


def build_deployment(
    ms: ModelService,
    role: RoleSpec,
    role_name: str,
    deploy_name: str,
    pod_labels: dict[str, str],
    metadata_labels: dict[str, str],
    selector_labels: dict[str, str],
    p: Profile,
) -> dict[str, Any]:
    """A serving Deployment for one role, as the operator's BuildDeployment makes it."""
    spec = ms.spec
    with_proxy = role_name == naming.ROLE_DECODE and spec.routingProxy is not None
    port = target_port(ms) if with_proxy else engine_port(ms)
    mount_path = spec.model.mountPath or DEFAULT_MOUNT_PATH

    vllm: dict[str, Any] = {"name": "vllm"}
    if spec.engine.image:
        vllm["image"] = spec.engine.image
    if spec.engine.imagePullPolicy:
        vllm["imagePullPolicy"] = spec.engine.imagePullPolicy
    vllm["command"] = ["vllm", "serve"]
    vllm["args"] = vllm_args(ms, role, port)
    vllm["env"] = vllm_env(ms, role)
    vllm["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    nixl = nixl_side_port(ms) if p.release.nixl_side_port else 0
    if nixl and nixl != port:
        vllm["ports"].append({"name": "nixl-side", "containerPort": nixl, "protocol": "TCP"})
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
    unpack = build_model_unpack(ms, p, mount_path) if p.release.kit_unpack else None
    inits = ([unpack] if unpack else []) + ([build_routing_proxy(ms, p)] if with_proxy else [])
    if inits:
        pod["initContainers"] = inits
    pod["containers"] = [vllm]
    pod["volumes"] = model_volumes(ms, p)

    template_meta: dict[str, Any] = {"labels": pod_labels}
    if p.release.role_annotations and role.annotations:
        template_meta["annotations"] = dict(role.annotations)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": deploy_name, "namespace": ms.namespace, "labels": metadata_labels},
        "spec": {
            "replicas": role.replicas if role.replicas is not None else 1,
            "selector": {"matchLabels": selector_labels},
            "template": {"metadata": template_meta, "spec": pod},
        },
    }


def _build_role_deployment(ms: ModelService, p: Profile, role: RoleSpec, role_name: str, component: str,
                           deploy_name: str) -> dict[str, Any]:
    llmd = p.release.llmd_serving_labels
    return build_deployment(
        ms, role, role_name, deploy_name,
        naming.serving_pod_labels(ms.name, component, p.version, role_name, llmd),
        naming.serving_metadata_labels(ms.name, component, p.version, llmd),
        naming.serving_selector(ms.name, component, role_name, llmd), p,
    )


def build_decode_deployment(ms: ModelService, p: Profile) -> dict[str, Any]:
    return _build_role_deployment(ms, p, ms.spec.decode, naming.ROLE_DECODE, naming.COMPONENT_DECODE,
                                  naming.decode_name(ms.name))


def build_prefill_deployment(ms: ModelService, p: Profile) -> dict[str, Any]:
    assert ms.spec.prefill is not None
    return _build_role_deployment(ms, p, ms.spec.prefill, naming.ROLE_PREFILL, naming.COMPONENT_PREFILL,
                                  naming.prefill_name(ms.name))
