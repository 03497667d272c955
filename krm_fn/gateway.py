"""Gateway API Inference Extension and Istio objects: InferencePool, HTTPRoute, DestinationRule."""

from __future__ import annotations

from typing import Any

from . import naming
from .epp import epp_port, picker
from .model import ModelService
from .serving import engine_port

DEFAULT_FAILURE_MODE = "FailOpen"


def _route_labels(ms: ModelService, version: str) -> dict[str, str]:
    return naming.labels_for_role(ms.name, naming.COMPONENT_DECODE, version)


def build_inference_pool(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "inference.networking.k8s.io/v1",
        "kind": "InferencePool",
        "metadata": {"name": naming.inference_pool_name(ms.name), "namespace": ms.namespace,
                     "labels": _route_labels(ms, version)},
        "spec": {
            "targetPorts": [{"number": engine_port(ms)}],
            "selector": {"matchLabels": naming.inference_pool_selector_labels(ms.name)},
            "endpointPickerRef": {
                "name": naming.epp_name(ms.name),
                "port": {"number": epp_port(ms)},
                "failureMode": picker(ms).failureMode or DEFAULT_FAILURE_MODE,
            },
        },
    }


def build_http_route(ms: ModelService, version: str) -> dict[str, Any]:
    route = ms.spec.httpRoute
    assert route is not None
    parent: dict[str, Any] = {"name": route.gatewayRef.name}
    if route.gatewayRef.namespace and route.gatewayRef.namespace != ms.namespace:
        parent["namespace"] = route.gatewayRef.namespace
    spec: dict[str, Any] = {"parentRefs": [parent]}
    if route.hostnames:
        spec["hostnames"] = list(route.hostnames)
    spec["rules"] = [{"backendRefs": [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                                        "name": naming.inference_pool_name(ms.name)}]}]
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": naming.http_route_name(ms.name), "namespace": ms.namespace,
                     "labels": _route_labels(ms, version)},
        "spec": spec,
    }


def build_destination_rule(ms: ModelService, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "DestinationRule",
        "metadata": {"name": naming.epp_name(ms.name), "namespace": ms.namespace,
                     "labels": naming.epp_labels(ms.name, version)},
        "spec": {
            "host": f"{naming.epp_name(ms.name)}.{ms.namespace}.svc.cluster.local",
            "trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": True}},
        },
    }
