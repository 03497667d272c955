"""Prometheus Operator objects: PodMonitors for serving pods, the EPP ServiceMonitor."""

from __future__ import annotations

from typing import Any

from . import naming
from .model import ModelService
from .profile import Profile

METRICS_PORT_NAME = "http-metrics"


def pod_monitor_explicitly_enabled(ms: ModelService) -> bool:
    m = ms.spec.monitoring
    return m is not None and m.podMonitor is not None and m.podMonitor.enabled


def pod_monitors_enabled(ms: ModelService, p: Profile) -> bool:
    """Explicitly enabled; from v0.9.1 also when spec.monitoring.podMonitor is absent."""
    m = ms.spec.monitoring
    if p.release.pod_monitors_default_on and (m is None or m.podMonitor is None):
        return True
    return pod_monitor_explicitly_enabled(ms)


def build_pod_monitor(ms: ModelService, role_name: str, component: str, p: Profile) -> dict[str, Any]:
    pm = ms.spec.monitoring.podMonitor if ms.spec.monitoring else None
    rel = p.release
    labels = (naming.labels_for_role(ms.name, component, p.version) if rel.pod_monitor_inference_serving_label
              else naming.standard(ms.name, component, p.version))
    endpoint: dict[str, Any] = {
        "port": (pm.portName if pm else "") or "http",
        "path": (pm.path if pm else "") or "/metrics",
        "interval": (pm.interval if pm else "") or "30s",
    }
    if rel.pod_monitor_relabeling:
        endpoint["relabelings"] = [{"action": "replace",
                                    "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                                    "targetLabel": "model_service"}]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": naming.pod_monitor_name(ms.name, role_name), "namespace": ms.namespace,
                     "labels": labels},
        "spec": {
            "selector": {"matchLabels": naming.serving_selector(ms.name, component, role_name,
                                                                rel.llmd_serving_labels)},
            "podMetricsEndpoints": [endpoint],
        },
    }


def build_epp_service_monitor(ms: ModelService, p: Profile) -> dict[str, Any]:
    epp = p.epp_name(ms.name)
    endpoint: dict[str, Any] = {"port": METRICS_PORT_NAME, "interval": "30s"}
    if p.metrics_auth:
        endpoint["authorization"] = {"credentials": {"name": naming.epp_secret_name(epp), "key": "token"}}
    label_name = p.epp_label_name(ms.name)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": naming.epp_service_monitor_name(epp), "namespace": ms.namespace,
                     "labels": naming.epp_labels(label_name, p.version)},
        "spec": {"selector": {"matchLabels": naming.epp_selector_labels(label_name)}, "endpoints": [endpoint]},
    }
