"""Which objects one ModelService yields, in the operator's reconcile order, per release."""

from __future__ import annotations

from typing import Any

from . import epp, gateway, llmd, monitoring, naming, serving
from .model import ModelService
from .profile import Profile

Warning = tuple[str, str]  # (field path, message)


def reconcile_resources(ms: ModelService, p: Profile) -> tuple[list[dict[str, Any]], list[Warning]]:
    """The desired children of ``ms`` in the order the operator ensures them, and warnings."""
    spec, rel = ms.spec, p.release
    pool = spec.inferencePool is not None
    out: list[dict[str, Any]] = [serving.build_decode_deployment(ms, p)]
    if spec.prefill is not None:
        out.append(serving.build_prefill_deployment(ms, p))
    if pool or rel.epp_always:
        config_map = epp.build_epp_config_map(ms, p)
        out += [
            epp.build_epp_service_account(ms, p),
            config_map,
            epp.build_epp_deployment(ms, p, epp.config_map_hash(config_map["data"])),
            epp.build_epp_service(ms, p),
        ]
        if pool and p.metrics_auth and p.provider != "gke":
            out.append(epp.build_epp_secret(ms, p))
        out += [epp.build_epp_role(ms, p), epp.build_epp_role_binding(ms, p)]
        if pool and p.metrics_auth:
            out += [epp.build_epp_cluster_role(ms, p), epp.build_epp_cluster_role_binding(ms, p)]
        out.append(gateway.build_inference_pool(ms, p))
    if spec.httpRoute is not None and (pool or not rel.route_needs_pool):
        out.append(gateway.build_http_route(ms, p))
    elif spec.httpRoute is None and not rel.route_needs_pool and p.default_gateway_name:
        out.append(gateway.build_default_http_route(ms, p))
    if p.provider == "istio" and (pool or not rel.destination_rule_needs_pool):
        out.append(gateway.build_destination_rule(ms, p))
    if monitoring.pod_monitors_enabled(ms, p):
        out.append(monitoring.build_pod_monitor(ms, naming.ROLE_DECODE, naming.COMPONENT_DECODE, p))
        if spec.prefill is not None:
            out.append(monitoring.build_pod_monitor(ms, naming.ROLE_PREFILL, naming.COMPONENT_PREFILL, p))
    if pool and monitoring.pod_monitor_explicitly_enabled(ms):
        out.append(monitoring.build_epp_service_monitor(ms, p))
    return out, warnings(ms, p)


def warnings(ms: ModelService, p: Profile) -> list[Warning]:
    spec = ms.spec
    out: list[Warning] = []
    if spec.httpRoute is not None and spec.inferencePool is None and p.release.route_needs_pool:
        out.append(("spec.httpRoute", ("no HTTPRoute is generated without spec.inferencePool (as the operator): "
                    "add spec.inferencePool (endpointPicker: {} takes the defaults) or remove spec.httpRoute")))
    if spec.prefill is not None and spec.routingProxy is None:
        out.append(("spec.prefill", ("prefill/decode disaggregation without spec.routingProxy: decode pods get "
                    "no routing sidecar, so requests never reach the prefill pods: add spec.routingProxy: {} "
                    "(the defaults) or remove spec.prefill")))
    if spec.routingProxy is not None and serving.target_port(ms) == serving.engine_port(ms):
        out.append(("spec.routingProxy.targetPort", ("equals spec.engine.port: the routing proxy and vLLM "
                    "would listen on the same port in decode pods: change one of the two ports")))
    if spec.inferencePool is not None and p.provider == "gke" and p.metrics_auth:
        monitor = "; the ServiceMonitor references the missing Secret" if monitoring.pod_monitor_explicitly_enabled(
            ms) else ""
        out.append(("spec.inferencePool", (
            "provider gke with metricsEndpointAuth: no metrics token Secret is generated (as the operator), "
            f"but the ClusterRole and ClusterRoleBinding still are{monitor}: set metricsEndpointAuth: false in the "
            "EPPConfig, or create the service-account-token Secret "
            f"{naming.epp_secret_name(p.epp_name(ms.name))} yourself")))
    images = [("spec.inferencePool.endpointPicker.image", spec.inferencePool and spec.inferencePool.endpointPicker.image),
              ("spec.routingProxy.image", spec.routingProxy and spec.routingProxy.image)]
    for path, image in images:
        other = llmd.image_generation(image or "")
        if other and other != p.llmd.name:
            out.append((path, (f"{image} is an llm-d {other} image, but the output uses the flags and plugin files "
                        f"of llm-d {p.llmd.name}: set llmd to {other}, or leave the image out to get the "
                        f"{p.llmd.name} one")))
    if p.release.kit_unpack and not p.kit_image:
        out.append(("spec.model.image", ("kitImage is \"\": no model-unpack init container, so the model volume "
                    "stays empty and vLLM finds no model (set kitImage, or leave it unset for the release default)")))
    return out
