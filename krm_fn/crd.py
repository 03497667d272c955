"""Structural defaulting and validation from a CRD's openAPIV3Schema, as the API server does.

Defaulting prunes nulls of non-nullable fields, then fills ``default`` values wherever the
parent object exists. Validation reports every violation with its field path
(``spec.engine.env[0].name``, ``spec.decode.nodeSelector[disk]``).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from typing import Any

from . import data_text
from .spelling import did_you_mean
from .yamlio import MAX_INT_DIGITS, LargeInt

Schema = dict[str, Any]
Problem = tuple[str, str, Any]  # (field path, message, current value)

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


@cache
def modelservice_schema(api: str = "v0.9.0-beta.1") -> Schema:
    """The ModelService CRD schema of one otterscale/api version (only the one asked for is read)."""
    text = data_text(f"modelservice.{api}.schema.json")
    schema: Schema = json.loads(text)
    return schema


def has_field(schema: Schema, path: str) -> bool:
    """Whether a field path such as ``spec.decode.annotations`` (or ``env[0].name``) is in ``schema``."""
    node: Schema | None = schema
    for part in path.split("."):
        name, _, rest = part.partition("[")
        node = (node or {}).get("properties", {}).get(name)
        for _ in range(rest.count("[") + 1 if rest else 0):
            node = (node or {}).get("items") or (node or {}).get("additionalProperties")
        if not isinstance(node, dict):
            return False
    return True


def apply_defaults(value: Any, schema: Schema) -> Any:
    """A defaulted copy of ``value`` (the input is not modified)."""
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is not None:
            out: dict[Any, Any] = {}
            for k, v in value.items():
                sub = props.get(k)
                if v is None and not (sub or {}).get("nullable", False):
                    continue
                out[k] = apply_defaults(v, sub) if sub else copy.deepcopy(v)
            for k, sub in props.items():
                if k not in out and "default" in sub:
                    out[k] = apply_defaults(copy.deepcopy(sub["default"]), sub)
            return out
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return {k: apply_defaults(v, extra) for k, v in value.items()}
        return copy.deepcopy(value)
    if isinstance(value, list):
        items = schema.get("items")
        return [apply_defaults(v, items) if items else copy.deepcopy(v) for v in value]
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def type_name(v: Any) -> str:
    if isinstance(v, LargeInt):
        return "integer"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _type_ok(v: Any, schema: Schema) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))
    t = schema.get("type")
    if t is None:
        return True
    if v is None:
        return bool(schema.get("nullable"))
    actual = type_name(v)
    return actual == t or (t == "number" and actual == "integer")


@lru_cache(maxsize=256)
def _pattern(p: str) -> re.Pattern[str]:
    return re.compile(p)


def validate(value: Any, schema: Schema, path: str = "") -> list[Problem]:
    problems: list[Problem] = []
    _validate(value, schema, path, problems)
    return problems


def _validate(v: Any, s: Schema, path: str, out: list[Problem]) -> None:
    if isinstance(v, LargeInt):
        out.append((path, f"is an integer with more than {MAX_INT_DIGITS} digits", None))
        return
    if not _type_ok(v, s):
        want = "integer or string" if s.get("x-kubernetes-int-or-string") else s.get("type")
        out.append((path, f"must be of type {want}, not {type_name(v)}", v))
        return
    if isinstance(v, str):
        _validate_string(v, s, path, out)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        _validate_number(v, s, path, out)
    elif isinstance(v, list):
        _validate_list(v, s, path, out)
    elif isinstance(v, dict):
        _validate_object(v, s, path, out)
    if "enum" in s and v not in s["enum"]:
        allowed = ", ".join(json.dumps(e) for e in s["enum"])
        out.append((path, f"unsupported value {json.dumps(v)}: must be one of {allowed}", v))


def _validate_string(v: str, s: Schema, path: str, out: list[Problem]) -> None:
    if "minLength" in s and len(v) < s["minLength"]:
        msg = "must not be empty" if s["minLength"] == 1 else f"must be at least {s['minLength']} characters"
        out.append((path, msg, v))
    if "maxLength" in s and len(v) > s["maxLength"]:
        out.append((path, f"must be no more than {s['maxLength']} characters", v))
    if "pattern" in s and not _pattern(s["pattern"]).search(v):
        out.append((path, f"{json.dumps(v)} does not match the pattern {s['pattern']}", v))


def _validate_number(v: float, s: Schema, path: str, out: list[Problem]) -> None:
    if "minimum" in s and v < s["minimum"]:
        out.append((path, f"must be greater than or equal to {s['minimum']}", v))
    if "maximum" in s and v > s["maximum"]:
        out.append((path, f"must be less than or equal to {s['maximum']}", v))
    bounds = {"int32": _INT32, "int64": _INT64}.get(s.get("format", ""))
    if bounds and not bounds[0] <= v <= bounds[1]:
        out.append((path, f"is out of range for {s['format']}", v))


def _validate_list(v: list[Any], s: Schema, path: str, out: list[Problem]) -> None:
    items = s.get("items")
    if items:
        for i, x in enumerate(v):
            _validate(x, items, f"{path}[{i}]", out)
    kind = s.get("x-kubernetes-list-type")
    if kind == "map":
        keys = s.get("x-kubernetes-list-map-keys", [])
        seen: set[tuple[Any, ...]] = set()
        for i, x in enumerate(v):
            if isinstance(x, dict):
                k = tuple(json.dumps(x.get(key), default=str) for key in keys)
                if k in seen:
                    out.append((f"{path}[{i}]", f"duplicate entry for key {', '.join(keys)}", None))
                seen.add(k)
    elif kind == "set":
        seen_items: list[Any] = []
        for i, x in enumerate(v):
            if x in seen_items:
                out.append((f"{path}[{i}]", "duplicate entry", x))
            seen_items.append(x)


def _validate_object(v: dict[Any, Any], s: Schema, path: str, out: list[Problem]) -> None:
    props = s.get("properties")
    for key in s.get("required", []):
        if key not in v:
            out.append((_join(path, key), "required field is missing" + _empty_hint(key, (props or {}).get(key)),
                        None))
    extra = s.get("additionalProperties")
    for k, x in v.items():
        if not isinstance(k, str):
            out.append((path, f"keys must be strings, not {type_name(k)} {k!r:.40}", None))
            continue
        if props is not None and k in props:
            _validate(x, props[k], _join(path, k), out)
        elif isinstance(extra, dict):
            _validate(x, extra, f"{path}[{k}]", out)
        elif props is not None and not s.get("x-kubernetes-preserve-unknown-fields"):
            out.append((_join(path, k), f"unknown field {json.dumps(k)}{did_you_mean(k, props)}", None))


def _empty_hint(key: str, sub: Schema | None) -> str:
    """How to write a required object whose fields all have defaults or are optional."""
    if sub and sub.get("type") == "object" and sub.get("properties") and not sub.get("required"):
        return f" (write {key}: {{}} to take the defaults)"
    return ""
