"""krm_fn.config: the EPPConfig, typed and as a ConfigMap."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from krm_fn import __version__
from krm_fn.config import DefaultImages, EPPConfig, Tracing, config_map_keys, parse_function_config

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
    ({"provider": "Istio"}, "provider", 'unsupported value "Istio" (did you mean istio?): must be one of "istio", "gke", "none"'),
    ({"metricsEndpointAuth": "true"}, "metricsEndpointAuth", "must be of type boolean, not string"),
    ({"tracing": {"enabled": "yes"}}, "tracing.enabled", "must be of type boolean, not string"),
    ({"tracing": {"sampleRate": "1"}}, "tracing.sampleRate",
     'unknown field "sampleRate" (did you mean samplerArg?): expected one of enabled, otelExporterEndpoint, sampler, samplerArg'),
    ({"unknown": 1}, "unknown", 'unknown field "unknown": expected one of provider, metricsEndpointAuth, flags, '),
    ({"provder": "gke"}, "provder", 'unknown field "provder" (did you mean provider?): expected one of provider, '),
    ({"flags": {"v": 3}}, "flags[v]", "must be of type string, not integer"),
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
    ({"provider": "Istio"}, "data.provider", 'unsupported value "Istio" (did you mean istio?): must be one of "istio", "gke", "none"'),
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


def test_strict_and_allow_empty() -> None:
    assert (EPPConfig().strict, EPPConfig().allowEmpty) == (False, False)
    cfg, problems = parse_function_config({**TYPED, "strict": True, "allowEmpty": True})
    assert problems == [] and cfg is not None and cfg.strict and cfg.allowEmpty
    cfg, problems = parse_function_config(cm(strict="true", allowEmpty="false"))
    assert problems == [] and cfg is not None and cfg.strict and not cfg.allowEmpty
    assert parse_function_config(cm(strict="yes"))[1] == [("data.strict", 'must be "true" or "false"', "yes")]


def test_an_unknown_configmap_key_lists_the_valid_keys_and_the_closest() -> None:
    keys = ("provider, metricsEndpointAuth, flags.NAME, tracing.enabled, tracing.otelExporterEndpoint, "
            "tracing.sampler, tracing.samplerArg, version, operatorVersion, llmd, defaultGatewayName, "
            "defaultImages.engine, defaultImages.epp, defaultImages.routingProxy, kitImage, strict, allowEmpty")
    assert config_map_keys() == keys.split(", ")
    assert parse_function_config(cm(provder="none"))[1] == [
        ("data.provder", f"unknown key (did you mean provider?): expected one of {keys}", None)]
    assert parse_function_config(cm(colour="red"))[1] == [("data.colour", f"unknown key: expected one of {keys}",
                                                            None)]


def test_every_field_is_a_configmap_key() -> None:
    """New EPPConfig fields show up in the list without anyone editing a message, and are accepted."""
    for name in EPPConfig.model_fields:
        assert any(k == name or k.startswith(f"{name}.") for k in config_map_keys()), name
    for key in config_map_keys():
        _, problems = parse_function_config(cm(**{key.replace(".NAME", ".v"): "true"}))
        assert not [m for _, m, _ in problems if m.startswith("unknown key")], key


@pytest.mark.parametrize(("obj", "hint"), [
    ({"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EppConfig"}, " (did you mean kind: EPPConfig?)"),
    ({"apiVersion": "fn.model.otterscale.io/v1", "kind": "EPPConfig"},
     " (did you mean apiVersion: fn.model.otterscale.io/v1alpha1?)"),
    ({"apiVersion": "v1", "kind": "Secret"}, ""),
])
def test_a_misspelled_function_config_says_what_was_meant(obj: dict[str, Any], hint: str) -> None:
    cfg, problems = parse_function_config(obj)
    assert cfg is None and problems[0][1].endswith(f"kind {obj['kind']}{hint}")



def test_the_config_cannot_change_once_read() -> None:
    cfg, _ = parse_function_config({**TYPED, "operatorVersion": "v0.9.0", "defaultImages": {"epp": "e"}})
    assert cfg is not None and cfg.defaultImages is not None
    for obj, field in ((cfg, "provider"), (cfg.tracing, "enabled"), (cfg.defaultImages, "epp")):
        with pytest.raises(ValidationError, match="Instance is frozen"):
            setattr(obj, field, "x")


@pytest.mark.parametrize("obj", [[1], "x", 5])
def test_a_function_config_that_is_not_an_object(obj: Any) -> None:
    assert parse_function_config(obj) == (None, [("", "functionConfig must be an object", None)])


HINT = " (did you mean apiVersion: fn.model.otterscale.io/v1alpha1?)"


@pytest.mark.parametrize(("obj", "given"), [
    ({"kind": "EPPConfig"}, "apiVersion (none), kind EPPConfig" + HINT),
    ({"apiVersion": "fn.model.otterscale.io/v1alpha1"}, "apiVersion fn.model.otterscale.io/v1alpha1, kind (none)"),
    ({"apiVersion": "fn.model.otterscale.io/v1beta1", "kind": "EPPConfig"},
     "apiVersion fn.model.otterscale.io/v1beta1, kind EPPConfig" + HINT),
    ({"apiVersion": "v2", "kind": "ConfigMap"}, "apiVersion v2, kind ConfigMap"),
    ({"apiVersion": "", "kind": ""}, "apiVersion (none), kind (none)"),
])
def test_the_kind_and_version_must_both_match(obj: dict[str, Any], given: str) -> None:
    assert parse_function_config(obj) == (None, [
        ("", f"must be fn.model.otterscale.io/v1alpha1 EPPConfig or a v1 ConfigMap, not {given}", None)])


def test_the_operator_flags_from_v0_9_0_alpha_2() -> None:
    cfg, problems = parse_function_config({**TYPED, "operatorVersion": "v0.9.0-alpha.2", "defaultGatewayName": "gw",
                                           "kitImage": "kit:1", "defaultImages": {"engine": None, "epp": "e:1"}})
    assert problems == [] and cfg is not None
    assert (cfg.defaultGatewayName, cfg.kitImage, cfg.defaultImages) == ("gw", "kit:1", DefaultImages(epp="e:1"))
    _, problems = parse_function_config({**TYPED, "kitImage": "kit:1", "defaultGatewayName": "gw"})
    message = ("is an operator flag from v0.9.0-alpha.2 on: set operatorVersion to v0.9.0-alpha.2 or later "
               "(it is v0.9.0-alpha.1), or remove it")
    assert problems == [(name, message, None) for name in ("defaultGatewayName", "kitImage")]


@pytest.mark.parametrize(("length", "ok"), [(253, True), (254, False)])
def test_the_default_gateway_name_limit(length: int, ok: bool) -> None:
    _, problems = parse_function_config({**TYPED, "operatorVersion": "v1.0.0", "defaultGatewayName": "g" * length})
    assert problems == ([] if ok else [("defaultGatewayName", "must be no more than 253 characters (a Gateway name)",
                                        None)])
    _, problems = parse_function_config(cm(operatorVersion="v1.0.0", defaultGatewayName="g" * length))
    assert [p for p, _, _ in problems] == ([] if ok else ["data.defaultGatewayName"])


def test_every_config_map_key() -> None:
    cfg, problems = parse_function_config(cm(**{
        "operatorVersion": "v1.0.1", "llmd": "v0.10", "defaultGatewayName": "gw", "defaultImages.engine": "v:1",
        "defaultImages.epp": "e:1", "defaultImages.routingProxy": "r:1", "kitImage": "k:1", "flags.x": "1"}))
    assert problems == [] and cfg is not None
    assert (cfg.operatorVersion, cfg.llmd, cfg.defaultGatewayName, cfg.kitImage, cfg.flags) == (
        "v1.0.1", "v0.10", "gw", "k:1", {"x": "1"})
    assert cfg.defaultImages == DefaultImages(engine="v:1", epp="e:1", routingProxy="r:1")


def test_config_map_data_must_be_a_map() -> None:
    assert parse_function_config({**cm(), "data": ["a"]}) == (None, [("data", "must be a map of strings", None)])
    assert parse_function_config({**cm(), "data": None}) == (EPPConfig(), [])
    _, problems = parse_function_config(cm(**{"flags.": "1"}))
    assert [p for p, _, _ in problems] == ["data.flags."]


def test_default_images_refuse_unknown_fields() -> None:
    cfg, problems = parse_function_config({**TYPED, "operatorVersion": "v1.0.0", "defaultImages": {"vllm": "x"}})
    assert cfg is None and problems == [("defaultImages.vllm", 'unknown field "vllm": expected one of engine, epp, routingProxy', "x")]
