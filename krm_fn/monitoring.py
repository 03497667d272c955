"""Prometheus Operator objects: PodMonitors for serving pods, the EPP ServiceMonitor."""

from __future__ import annotations

from typing import Any

from . import naming
from .model import ModelService

METRICS_PORT_NAME = "http-metrics"


def build_pod_monitor(ms: ModelService, role_name: str, component: str, version: str) -> dict[str, Any]:
    pm = ms.spec.monitoring.podMonitor if ms.spec.monitoring else None
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": naming.pod_monitor_name(ms.name, role_name), "namespace": ms.namespace,
                     "labels": naming.labels_for_role(ms.name, component, version)},
        "spec": {
            "selector": {"matchLabels": naming.selector(ms.name, component)},
            "podMetricsEndpoints": [{
                "port": (pm.portName if pm else "") or "http",
                "path": (pm.path if pm else "") or "/metrics",
                "interval": (pm.interval if pm else "") or "30s",
            }],
        },
    }


def build_epp_service_monitor(ms: ModelService, version: str, metrics_auth: bool) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"port": METRICS_PORT_NAME, "interval": "30s"}
    if metrics_auth:
        endpoint["authorization"] = {"credentials": {"name": naming.epp_secret_name(ms.name), "key": "token"}}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": naming.epp_service_monitor_name(ms.name), "namespace": ms.namespace,
                     "labels": naming.epp_labels(ms.name, version)},
        "spec": {"selector": {"matchLabels": naming.epp_selector_labels(ms.name)}, "endpoints": [endpoint]},
    }
