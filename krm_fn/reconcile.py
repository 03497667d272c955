"""Which objects one ModelService yields, in the operator's reconcile order (5d4d2df)."""

from __future__ import annotations

from typing import Any

from . import epp, gateway, monitoring, naming, serving
from .config import EPPConfig
from .model import ModelService

Warning = tuple[str, str]  # (field path, message)


def reconcile_resources(ms: ModelService, cfg: EPPConfig) -> tuple[list[dict[str, Any]], list[Warning]]:
    """The desired children of ``ms`` in the order the operator ensures them, and warnings."""
    v = cfg.version
    spec = ms.spec
    pool = spec.inferencePool is not None
    out: list[dict[str, Any]] = [serving.build_decode_deployment(ms, v, cfg.tracing)]
    if spec.prefill is not None:
        out.append(serving.build_prefill_deployment(ms, v, cfg.tracing))
    if pool:
        config_map = epp.build_epp_config_map(ms, v)
        out += [
            epp.build_epp_service_account(ms, v),
            config_map,
            epp.build_epp_deployment(ms, cfg, epp.config_map_hash(config_map["data"])),
            epp.build_epp_service(ms, v),
        ]
        if cfg.metricsEndpointAuth and cfg.provider != "gke":
            out.append(epp.build_epp_secret(ms, v))
        out += [epp.build_epp_role(ms, v), epp.build_epp_role_binding(ms, v)]
        if cfg.metricsEndpointAuth:
            out += [epp.build_epp_cluster_role(ms, v), epp.build_epp_cluster_role_binding(ms, v)]
        out.append(gateway.build_inference_pool(ms, v))
        if spec.httpRoute is not None:
            out.append(gateway.build_http_route(ms, v))
        if cfg.provider == "istio":
            out.append(gateway.build_destination_rule(ms, v))
    if ms.pod_monitors_enabled:
        out.append(monitoring.build_pod_monitor(ms, naming.ROLE_DECODE, naming.COMPONENT_DECODE, v))
        if spec.prefill is not None:
            out.append(monitoring.build_pod_monitor(ms, naming.ROLE_PREFILL, naming.COMPONENT_PREFILL, v))
        if pool:
            out.append(monitoring.build_epp_service_monitor(ms, v, cfg.metricsEndpointAuth))
    return out, warnings(ms, cfg)


def warnings(ms: ModelService, cfg: EPPConfig) -> list[Warning]:
    spec = ms.spec
    out: list[Warning] = []
    if spec.httpRoute is not None and spec.inferencePool is None:
        out.append(("spec.httpRoute", "no HTTPRoute is generated without spec.inferencePool (as the operator)"))
    if spec.prefill is not None and spec.routingProxy is None:
        out.append(("spec.prefill", ("prefill/decode disaggregation without spec.routingProxy: decode pods get "
                    "no routing sidecar, so requests never reach the prefill pods")))
    if spec.routingProxy is not None and serving.target_port(ms) == serving.engine_port(ms):
        out.append(("spec.routingProxy.targetPort", ("equals spec.engine.port: the routing proxy and vLLM "
                    "would listen on the same port in decode pods")))
    if spec.inferencePool is not None and cfg.provider == "gke" and cfg.metricsEndpointAuth:
        monitor = "; the ServiceMonitor references the missing Secret" if ms.pod_monitors_enabled else ""
        out.append(("spec.inferencePool", (
            "provider gke with metricsEndpointAuth: no metrics token Secret is generated (as the operator), "
            f"but the ClusterRole and ClusterRoleBinding still are{monitor}")))
    return out
