"""krm_fn.reconcile: the warnings a ModelService gets, each exactly, and only when it applies."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn.model import parse_model_service
from krm_fn.profile import Profile
from krm_fn.reconcile import reconcile_resources, warnings
from tests.conftest import BASELINE, profile

BASE = {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "cpu"}, "decode": {}}
NO_SIDECAR = ("spec.prefill", ("prefill/decode disaggregation without spec.routingProxy: decode pods get no routing "
              "sidecar, so requests never reach the prefill pods: add spec.routingProxy: {} (the defaults) or remove "
              "spec.prefill"))
SAME_PORT = ("spec.routingProxy.targetPort", ("equals spec.engine.port: the routing proxy and vLLM would listen on the "
             "same port in decode pods: change one of the two ports"))


def _warnings(spec: dict[str, Any], p: Profile = BASELINE) -> list[tuple[str, str]]:
    ms, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                        "metadata": {"name": "m", "namespace": "ns"}, "spec": {**BASE, **spec}}, p)
    assert ms is not None, problems
    found = warnings(ms, p)
    assert reconcile_resources(ms, p)[1] == found
    return found


def test_a_plain_model_service_has_no_warning() -> None:
    assert _warnings({}) == []
    assert _warnings({"prefill": {}, "routingProxy": {}}) == []


def test_prefill_without_a_routing_proxy() -> None:
    assert _warnings({"prefill": {}}) == [NO_SIDECAR]


@pytest.mark.parametrize(("engine", "proxy", "warned"), [
    (8000, 8000, True), (8000, 8200, False), (9000, 9000, True), (8201, 8200, False)])
def test_a_routing_proxy_on_the_engine_s_port(engine: int, proxy: int, warned: bool) -> None:
    found = _warnings({"engine": {"port": engine}, "routingProxy": {"targetPort": proxy}})
    assert found == ([SAME_PORT] if warned else [])
    assert _warnings({"engine": {"port": engine}}) == []


@pytest.mark.parametrize(("path", "spec"), [
    ("spec.inferencePool.endpointPicker.image",
     {"inferencePool": {"endpointPicker": {"image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.8.0"}}}),
    ("spec.routingProxy.image", {"routingProxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.8.0"}}),
])
def test_an_image_of_another_llm_d_generation(path: str, spec: dict[str, Any]) -> None:
    image = "ghcr.io/llm-d/llm-d-inference-scheduler:v0.8.0" if "Pool" in path else (
        "ghcr.io/llm-d/llm-d-routing-sidecar:v0.8.0")
    assert _warnings(spec) == [(path, (f"{image} is an llm-d v0.8 image, but the output uses the flags and plugin "
                                      "files of llm-d v0.6: set llmd to v0.8, or leave the image out to get the "
                                      "v0.6 one"))]
    assert _warnings(spec, profile(llmd="v0.8")) == []


@pytest.mark.parametrize("image", ["ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0", "mine/epp:v0.8.0",
                                   "ghcr.io/llm-d/llm-d-inference-scheduler:v9.9.0"])
def test_images_of_this_generation_or_not_of_llm_d_are_fine(image: str) -> None:
    assert _warnings({"inferencePool": {"endpointPicker": {"image": image}}}) == []


def test_no_image_warning_without_a_pool_or_a_proxy() -> None:
    assert _warnings({}, profile(llmd="v0.8")) == []


@pytest.mark.parametrize(("monitoring", "suffix"), [
    ({}, ""), ({"monitoring": {"podMonitor": {"enabled": True}}}, "; the ServiceMonitor references the missing Secret")])
def test_gke_with_metrics_auth(monitoring: dict[str, Any], suffix: str) -> None:
    spec = {"inferencePool": {"endpointPicker": {}}, **monitoring}
    assert _warnings(spec, profile(provider="gke")) == [("spec.inferencePool", (
        "provider gke with metricsEndpointAuth: no metrics token Secret is generated (as the operator), but the "
        f"ClusterRole and ClusterRoleBinding still are{suffix}: set metricsEndpointAuth: false in the EPPConfig, "
        "or create the service-account-token Secret m-epp-sa-metrics-reader-secret yourself"))]
    assert _warnings(spec, profile(provider="gke", metricsEndpointAuth=False)) == []
    assert _warnings(spec, profile(provider="none")) == []
