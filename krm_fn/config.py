"""The functionConfig: a typed ``EPPConfig`` or a ConfigMap of flat string keys."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import __version__, crd, naming, releases
from .crd import type_name
from .spelling import did_you_mean
from .typed import construct, structural_schema

API_VERSION = "fn.model.otterscale.io/v1alpha1"
KIND = "EPPConfig"

Problem = tuple[str, str, Any]


class Tracing(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    enabled: bool = False
    otelExporterEndpoint: str = ""
    sampler: str = "parentbased_traceidratio"
    samplerArg: str = "0.01"


class DefaultImages(BaseModel):
    """The operator's --default-*-image flags (from v0.9.0-alpha.2); unset takes the release's."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    engine: str | None = None
    epp: str | None = None
    routingProxy: str | None = None


OperatorVersion = Literal["v0.9.0-alpha.1", "v0.9.0-alpha.2", "v0.9.0", "v0.9.1", "v0.9.2", "v1.0.0", "v1.0.1"]
LlmdGeneration = Literal["v0.6", "v0.7", "v0.8", "v0.9", "v0.10"]


class EPPConfig(BaseModel):
    """Cluster-wide settings of the operator, shared by every ModelService."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    provider: Literal["istio", "gke", "none"] = "istio"
    metricsEndpointAuth: bool = True
    flags: dict[str, str] = Field(default_factory=dict)
    tracing: Tracing = Tracing.model_construct()  # the defaults, without building a validator
    version: str = __version__
    operatorVersion: OperatorVersion = "v0.9.0-alpha.1"
    llmd: LlmdGeneration = "v0.6"
    # operator flags from v0.9.0-alpha.2; None takes the selected release's default
    defaultGatewayName: str | None = None
    defaultImages: DefaultImages | None = None
    kitImage: str | None = None
    strict: bool = False  # every warning is an error
    allowEmpty: bool = False  # no ModelService in render / the kustomize plugin is not an error


DEFAULTS = EPPConfig.model_construct()  # no functionConfig: every default

OPERATOR_FLAG_FIELDS = ("defaultGatewayName", "defaultImages", "kitImage")


_FLAG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_CONFIGMAP_BOOLS = {"metricsEndpointAuth", "tracing.enabled", "strict", "allowEmpty"}
_CONFIGMAP_STRINGS = {"provider", "version", "tracing.otelExporterEndpoint", "tracing.sampler", "tracing.samplerArg",
                      "operatorVersion", "llmd", "defaultGatewayName", "defaultImages.engine", "defaultImages.epp",
                      "defaultImages.routingProxy", "kitImage"}


def parse_function_config(obj: Any) -> tuple[EPPConfig | None, list[Problem]]:
    """The EPPConfig a functionConfig object stands for, or the problems that prevent it."""
    if obj is None or obj == {}:
        return DEFAULTS, []
    if not isinstance(obj, dict):
        return None, [("", "functionConfig must be an object", None)]
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if kind == "ConfigMap" and api_version == "v1":
        return _from_config_map(obj)
    if kind == KIND and api_version == API_VERSION:
        fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata") and v is not None}
        for nested in ("tracing", "defaultImages"):
            if isinstance(fields.get(nested), dict):
                fields[nested] = {k: v for k, v in fields[nested].items() if v is not None}
        return _validated(fields, "")
    given = f"apiVersion {api_version or '(none)'}, kind {kind or '(none)'}"
    hint = ""
    if isinstance(kind, str) and kind != "ConfigMap" and did_you_mean(kind, [KIND]):
        hint = f" (did you mean kind: {KIND}?)"
    elif kind == KIND:
        hint = f" (did you mean apiVersion: {API_VERSION}?)"
    return None, [("", f"must be {API_VERSION} {KIND} or a v1 ConfigMap, not {given}{hint}", None)]


def _from_config_map(obj: dict[str, Any]) -> tuple[EPPConfig | None, list[Problem]]:
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        return None, [("data", "must be a map of strings", None)]
    fields: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        path = f"data.{key}"
        if not isinstance(key, str):
            problems.append(("data", f"keys must be strings, not {type_name(key)} {key!r:.40}", None))
        elif not isinstance(value, str):
            problems.append((path, "must be a string", value))
        elif key in _CONFIGMAP_BOOLS:
            if value not in ("true", "false"):
                problems.append((path, 'must be "true" or "false"', value))
            else:
                _set(fields, key, value == "true")
        elif key in _CONFIGMAP_STRINGS:
            _set(fields, key, value)
        elif key.startswith("flags.") and len(key) > len("flags."):
            fields.setdefault("flags", {})[key[len("flags."):]] = value
        else:
            keys = config_map_keys()
            problems.append((path, f"unknown key{did_you_mean(key, keys)}: expected one of {', '.join(keys)}",
                             None))
    if problems:
        return None, problems
    return _validated(fields, "data.")


def config_map_keys() -> list[str]:
    """The data keys of the ConfigMap form, in field order: nested fields dotted, maps as NAME."""
    keys: list[str] = []
    for name, info in EPPConfig.model_fields.items():
        ann = info.annotation
        models = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type) and issubclass(a, BaseModel)]
        ann = models[0] if models else ann  # DefaultImages | None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += [f"{name}.{inner}" for inner in ann.model_fields]
        elif getattr(ann, "__origin__", None) is dict:
            keys.append(f"{name}.NAME")
        else:
            keys.append(name)
    return keys


def _set(fields: dict[str, Any], dotted: str, value: Any) -> None:
    head, _, tail = dotted.partition(".")
    if tail:
        fields.setdefault(head, {})[tail] = value
    else:
        fields[head] = value


def _validated(fields: dict[str, Any], prefix: str) -> tuple[EPPConfig | None, list[Problem]]:
    problems = [_explained(path, message, value, fields, prefix)
                for path, message, value in crd.validate(fields, structural_schema(EPPConfig))]
    if problems:
        return None, problems
    cfg = construct(EPPConfig, fields)
    problems = []
    if not naming.is_label_value(cfg.version):
        problems.append((f"{prefix}version", ("must be a valid label value (at most 63 characters: "
                         "letters, digits, '-', '_', '.')"), cfg.version))
    if not releases.release(cfg.operatorVersion).operator_flags:
        for name in OPERATOR_FLAG_FIELDS:
            if getattr(cfg, name) is not None:
                problems.append((f"{prefix}{name}", (f"is an operator flag from v0.9.0-alpha.2 on: set operatorVersion "
                                 f"to v0.9.0-alpha.2 or later (it is {cfg.operatorVersion}), or remove it"), None))
    if cfg.defaultGatewayName is not None and len(cfg.defaultGatewayName) > 253:
        problems.append((f"{prefix}defaultGatewayName", "must be no more than 253 characters (a Gateway name)", None))
    for name in cfg.flags:
        if not _FLAG_NAME.match(name):
            problems.append((f"{prefix}flags.{name}",
                             "must be a flag name without leading dashes (letters, digits, '.', '_', '-')", name))
    return (None, problems) if problems else (cfg, [])


def _explained(path: str, message: str, value: Any, fields: dict[str, Any], prefix: str) -> Problem:
    """A schema problem with what a config author needs: the closest value, the valid keys."""
    node, given = structural_schema(EPPConfig), fields
    for part in path.split(".")[:-1]:
        node = node.get("properties", {}).get(part, {})
        given = given.get(part, {}) if isinstance(given, dict) else {}
    if message.startswith("unknown field"):
        keys = list(node.get("properties", {}))
        message = f"{message}: expected one of {', '.join(keys)}"
        value = given.get(path.split(".")[-1]) if isinstance(given, dict) else None
    else:
        allowed = node.get("properties", {}).get(path.split(".")[-1], {}).get("enum", [])
        if allowed and message.startswith("unsupported value") and isinstance(value, str):
            hint = did_you_mean(value, allowed)
            message = message.replace(":", f"{hint}:", 1) if hint else message
        elif allowed and message.startswith("must be of type"):  # 1.0 or true for a string enum
            message = (f"unsupported {type_name(value)} {json.dumps(value)}: must be one of "
                       f"{', '.join(json.dumps(a) for a in allowed)} (a string)")
    return (f"{prefix}{path}", message, value)
