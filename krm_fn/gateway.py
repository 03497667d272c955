"""Gateway API Inference Extension and Istio objects: InferencePool, HTTPRoute, DestinationRule."""

from __future__ import annotations

from typing import Any

from . import naming
from .epp import DEFAULT_EPP_PORT, epp_port
from .model import ModelService
from .profile import Profile
from .serving import engine_port

DEFAULT_FAILURE_MODE = "FailOpen"  # the CRD default, applied before the builder's own fallback
DEFAULT_ROUTE_FAILURE_MODE = "FailClose"  # BuildDefaultInferencePool (no spec.inferencePool)
GATEWAY_GROUP = "gateway.networking.k8s.io"
DEFAULT_GATEWAY_NAMESPACE = "llm-d"  # internal/modelservice/httproute.go@v0.9.0-alpha.2
MODEL_NAME_HEADER = "OtterScale-Model-Name"


def _labels(ms: ModelService, p: Profile) -> dict[str, str]:
    return naming.gateway_labels(ms.name, p.version, p.release.llmd_serving_labels)


def build_inference_pool(ms: ModelService, p: Profile) -> dict[str, Any]:
    """The InferencePool of spec.inferencePool, or (from v0.9.0-alpha.2) the default one."""
    ref: dict[str, Any] = {}
    if p.release.pool_ref_group_kind:
        ref.update({"group": "", "kind": "Service"})
    ref["name"] = p.epp_name(ms.name)
    if ms.spec.inferencePool is not None:
        ref["port"] = {"number": epp_port(ms)}
        ref["failureMode"] = ms.spec.inferencePool.endpointPicker.failureMode or DEFAULT_FAILURE_MODE
    else:
        ref["port"] = {"number": DEFAULT_EPP_PORT}
        ref["failureMode"] = DEFAULT_ROUTE_FAILURE_MODE
    return {
        "apiVersion": "inference.networking.k8s.io/v1",
        "kind": "InferencePool",
        "metadata": {"name": naming.inference_pool_name(ms.name), "namespace": ms.namespace,
                     "labels": _labels(ms, p)},
        "spec": {
            "targetPorts": [{"number": engine_port(ms)}],
            "selector": {"matchLabels": naming.inference_pool_selector_labels(
                ms.name, p.release.llmd_serving_labels)},
            "endpointPickerRef": ref,
        },
    }


def _rule(ms: ModelService, p: Profile) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if p.release.route_model_match:
        rule["matches"] = [{"headers": [{"type": "Exact", "name": MODEL_NAME_HEADER, "value": ms.name}],
                            "path": {"type": "PathPrefix", "value": "/"}}]
    rule["backendRefs"] = [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                            "name": naming.inference_pool_name(ms.name)}]
    return rule


def _route(ms: ModelService, p: Profile, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": naming.http_route_name(ms.name), "namespace": ms.namespace, "labels": _labels(ms, p)},
        "spec": spec,
    }


def build_http_route(ms: ModelService, p: Profile) -> dict[str, Any]:
    route = ms.spec.httpRoute
    assert route is not None
    parent: dict[str, Any] = {"name": route.gatewayRef.name}
    if route.gatewayRef.namespace and route.gatewayRef.namespace != ms.namespace:
        parent["namespace"] = route.gatewayRef.namespace
    spec: dict[str, Any] = {"parentRefs": [parent]}
    if route.hostnames:
        spec["hostnames"] = list(route.hostnames)
    spec["rules"] = [_rule(ms, p)]
    return _route(ms, p, spec)


def build_default_http_route(ms: ModelService, p: Profile) -> dict[str, Any]:
    """The route to the default gateway when spec.httpRoute is absent (from v0.9.0-alpha.2)."""
    parent = {"group": GATEWAY_GROUP, "kind": "Gateway", "name": p.default_gateway_name,
              "namespace": DEFAULT_GATEWAY_NAMESPACE}
    return _route(ms, p, {"parentRefs": [parent], "rules": [_rule(ms, p)]})


def build_destination_rule(ms: ModelService, p: Profile) -> dict[str, Any]:
    epp = p.epp_name(ms.name)
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "DestinationRule",
        "metadata": {"name": epp, "namespace": ms.namespace,
                     "labels": naming.epp_labels(p.epp_label_name(ms.name), p.version)},
        "spec": {
            "host": f"{epp}.{ms.namespace}.svc.cluster.local",
            "trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": True}},
        },
    }
