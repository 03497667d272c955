"""Typed pydantic models built from data a schema has already validated, and that schema.

A ModelService is validated once, by its CRD schema (``crd.validate``), and an EPPConfig by the
structural schema derived here from its pydantic model: the same validator, the same messages.
``construct`` then builds the typed model without a second validation, so that no pydantic
core schema is generated on the default path (model classes use ``defer_build``); the tests
hold the derived schema and pydantic's own validation to the same verdicts.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
Schema = dict[str, Any]


def _nested(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``annotation`` (``Tracing``, ``Spec | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _nested(arg)
            if found is not None:
                return found
    return None


@cache
def _model_fields(cls: type[BaseModel]) -> tuple[tuple[str, type[BaseModel] | None], ...]:
    return tuple((name, _nested(info.annotation)) for name, info in cls.model_fields.items())


def construct(cls: type[M], data: dict[str, Any]) -> M:
    """``cls`` from validated ``data``, nested models included; keys ``cls`` lacks are ignored."""
    values: dict[str, Any] = {}
    for name, nested in _model_fields(cls):
        if name not in data:
            continue
        value = data[name]
        values[name] = construct(nested, value) if nested is not None and isinstance(value, dict) else value
    return cls.model_construct(**values)


def _scalar_schema(annotation: Any) -> Schema:
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is str:
        return {"type": "string"}
    if annotation is int:
        return {"type": "integer"}
    if typing.get_origin(annotation) is typing.Literal:
        return {"type": "string", "enum": list(typing.get_args(annotation))}
    if typing.get_origin(annotation) is dict:
        key, value = typing.get_args(annotation)
        if key is str:
            return {"type": "object", "additionalProperties": _scalar_schema(value)}
    raise TypeError(f"no structural schema for {annotation!r}")


@cache
def structural_schema(cls: type[BaseModel]) -> Schema:
    """The schema ``crd.validate`` checks a strict, extra-forbidding model's input against.

    ``None`` (an absent value) is dropped before validation, so ``X | None`` is ``X``.
    """
    properties: Schema = {}
    for name, info in cls.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
        nested = _nested(annotation)
        properties[name] = structural_schema(nested) if nested is not None else _scalar_schema(annotation)
    return {"type": "object", "properties": properties}
