"""krm_fn.config: the EPPConfig, typed and as a ConfigMap."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn import __version__
from krm_fn.config import EPPConfig, Tracing, parse_function_config

TYPED = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "x"}}


def cm(**data: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data}


def test_defaults_without_config() -> None:
    for obj in (None, {}):
        cfg, problems = parse_function_config(obj)
        assert problems == []
        assert cfg == EPPConfig(provider="istio", metricsEndpointAuth=True, flags={}, version=__version__,
                                tracing=Tracing(enabled=False, otelExporterEndpoint="",
                                                sampler="parentbased_traceidratio", samplerArg="0.01"))


def test_typed_form_with_every_field() -> None:
    cfg, problems = parse_function_config({**TYPED, "provider": "gke", "metricsEndpointAuth": False,
                                           "flags": {"v": "3"}, "version": "",
                                           "tracing": {"enabled": True, "otelExporterEndpoint": "http://c:4317",
                                                       "sampler": "always_on", "samplerArg": ""}})
    assert problems == []
    assert cfg is not None and cfg.provider == "gke" and not cfg.metricsEndpointAuth
    assert cfg.flags == {"v": "3"} and cfg.version == ""
    assert cfg.tracing == Tracing(enabled=True, otelExporterEndpoint="http://c:4317", sampler="always_on",
                                  samplerArg="")


def test_null_fields_take_their_defaults() -> None:
    cfg, problems = parse_function_config({**TYPED, "flags": None, "tracing": {"enabled": None}})
    assert problems == [] and cfg == EPPConfig()


@pytest.mark.parametrize(("fields", "path", "message"), [
    ({"provider": "Istio"}, "provider", "Input should be 'istio', 'gke' or 'none'"),
    ({"metricsEndpointAuth": "true"}, "metricsEndpointAuth", "Input should be a valid boolean"),
    ({"tracing": {"enabled": "yes"}}, "tracing.enabled", "Input should be a valid boolean"),
    ({"tracing": {"sampleRate": "1"}}, "tracing.sampleRate", "unknown field"),
    ({"unknown": 1}, "unknown", "unknown field"),
    ({"flags": {"v": 3}}, "flags.v", "Input should be a valid string"),
    ({"flags": {"--v": "3"}}, "flags.--v", "must be a flag name without leading dashes"),
    ({"version": "not a label!"}, "version", "must be a valid label value"),
])
def test_typed_form_errors_name_the_field(fields: dict[str, Any], path: str, message: str) -> None:
    cfg, problems = parse_function_config({**TYPED, **fields})
    assert cfg is None
    assert [(p, m.startswith(message)) for p, m, _ in problems] == [(path, True)]


def test_config_map_form() -> None:
    cfg, problems = parse_function_config(cm(**{
        "provider": "none", "metricsEndpointAuth": "false", "tracing.enabled": "true",
        "tracing.otelExporterEndpoint": "e", "tracing.sampler": "", "tracing.samplerArg": "0.5",
        "flags.v": "2", "flags.kv-cache": "x", "version": "v1"}))
    assert problems == []
    assert cfg == EPPConfig(provider="none", metricsEndpointAuth=False, flags={"v": "2", "kv-cache": "x"},
                            version="v1", tracing=Tracing(enabled=True, otelExporterEndpoint="e", sampler="",
                                                          samplerArg="0.5"))


def test_empty_config_map_means_defaults() -> None:
    assert parse_function_config(cm()) == (EPPConfig(), [])


@pytest.mark.parametrize(("data", "path", "message"), [
    ({"metricsEndpointAuth": "True"}, "data.metricsEndpointAuth", 'must be "true" or "false"'),
    ({"tracing.enabled": "yes"}, "data.tracing.enabled", 'must be "true" or "false"'),
    ({"provider": "Istio"}, "data.provider", "Input should be 'istio', 'gke' or 'none'"),
    ({"tracing": "on"}, "data.tracing", "unknown key"),
    ({"replicas": "3"}, "data.replicas", "unknown key"),
    ({"provider": 1}, "data.provider", "must be a string"),
])
def test_config_map_errors(data: dict[str, Any], path: str, message: str) -> None:
    cfg, problems = parse_function_config(cm(**data))
    assert cfg is None
    assert [(p, m.startswith(message)) for p, m, _ in problems] == [(path, True)]


def test_other_kinds_are_refused() -> None:
    cfg, problems = parse_function_config({"apiVersion": "v1", "kind": "Secret"})
    assert cfg is None and problems[0][1] == "must be fn.model.otterscale.io/v1alpha1 EPPConfig or a v1 ConfigMap, not apiVersion v1, kind Secret"
