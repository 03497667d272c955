"""Warnings for passthrough values that YAML 1.1 readers do not read as strings.

The function reads YAML 1.2 and copies other objects byte for byte, so ``enabled: on`` in a
ConfigMap stays exactly as written. But kubectl, Argo CD and Helm read YAML 1.1: a plain
``on``, ``yes``, ``0755``, ``1e3`` or ``2024-05-01`` becomes a boolean, a number or a date:
the API server rejects the object (ConfigMap and Secret data, labels and annotations must
be strings), or a date arrives as another text (``2024-05-01T00:00:00Z``). The function never changes such a value; it says where to quote it.
Objects marked local-config are never applied and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import yaml

from . import yamlio
from .assemble import OWNER_ANNOTATION, Item, annotations_of, file_of
from .results import WARNING, ResourceRef, Result

LOCAL_CONFIG = "config.kubernetes.io/local-config"
_ORCHESTRATOR_PREFIXES = ("config.kubernetes.io/index", "config.kubernetes.io/path", "internal.config.kubernetes.io/",
                          "config.k8s.io/id")
_STR = "tag:yaml.org,2002:str"
_TYPES = {"tag:yaml.org,2002:bool": "boolean", "tag:yaml.org,2002:int": "number",
          "tag:yaml.org,2002:float": "number", "tag:yaml.org,2002:null": "null",
          "tag:yaml.org,2002:timestamp": "date"}
_RESOLVER = yaml.resolver.Resolver()


@lru_cache(maxsize=4096)
def misread_as(plain: str) -> str:
    """What a YAML 1.1 (or 1.2) reader takes the plain scalar ``plain`` for, or "" for a string.

    YAML 1.1 as the Go readers of kubectl, Argo CD and Helm apply it: ``y``/``n`` are booleans
    there, base-60 numbers (``1:30``) are not.
    """
    if plain in ("y", "Y", "n", "N"):
        return "boolean"
    tag = _RESOLVER.resolve(yaml.ScalarNode, plain, (True, False))  # type: ignore[no-untyped-call]
    if tag != _STR and not (":" in plain and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")):
        return _TYPES.get(tag, "non-string")
    value = yamlio.resolve_plain(plain)
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else ""


def _string_fields(obj: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path of keys, shown path) of each map whose values the API server wants as strings."""
    if obj.get("apiVersion") == "v1" and obj.get("kind") in ("ConfigMap", "Secret"):
        for key in ("data", "stringData"):
            yield (key,), key
    yield ("metadata", "labels"), "metadata.labels"
    yield ("metadata", "annotations"), "metadata.annotations"
    yield ("spec", "template", "metadata", "labels"), "spec.template.metadata.labels"
    yield ("spec", "template", "metadata", "annotations"), "spec.template.metadata.annotations"


def _get(value: Any, keys: tuple[str, ...]) -> Any:
    for k in keys:
        value = value.get(k) if isinstance(value, dict) else None
    return value


def _node(node: Any, keys: tuple[str, ...]) -> Any:
    for k in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for key, v in node.value if isinstance(key, yaml.ScalarNode) and key.value == k), None)
    return node


def warnings(items: list[Item]) -> list[Result]:
    """A warning per misread value of each applied passthrough item."""
    out: list[Result] = []
    for item in items:
        obj = item.value
        if not isinstance(obj, dict):
            continue
        ann = annotations_of(obj)
        if OWNER_ANNOTATION in ann or ann.get(LOCAL_CONFIG) in ("true", True):
            continue
        suspicious: list[tuple[str, str]] = []
        not_strings = False
        for keys, _ in _string_fields(obj):
            values = _get(obj, keys)
            if isinstance(values, dict):
                for k, x in values.items():
                    if isinstance(k, str) and k.startswith(_ORCHESTRATOR_PREFIXES):
                        continue  # written (quoted) by kpt or kustomize, never applied
                    if isinstance(x, str) and isinstance(k, str):
                        if misread_as(x):
                            suspicious.append((k, x))
                    elif not isinstance(x, str) or misread_as(x):
                        not_strings = True  # a non-string, or no key to look for: compose the item
        if not_strings or (suspicious and _may_be_plain(item, suspicious)):
            out += _item_warnings(item)
    return out


def _may_be_plain(item: Item, pairs: list[tuple[str, str]]) -> bool:
    """Whether a ``key: value`` of ``pairs`` may stand unquoted in the item's text.

    A cheap look before composing the item again to see each scalar's style: ``key: '0755'``
    never gets that far. The pattern starts with the key's text, so the search is quick; a
    key written otherwise (escaped, in a complex key) only costs the composing.
    """
    if item.source is None or item.span is None:
        return True
    text = item.source[item.span.start:item.span.end]
    for k, v in pairs:
        if not k.isprintable():
            return True
        at = text.find(k)
        while at >= 0:
            sep = _AFTER_KEY.match(text, at + len(k))
            if sep and text.startswith(v, sep.end()) and _VALUE_END.match(text, sep.end() + len(v)):
                return True
            at = text.find(k, at + 1)
    return False


_AFTER_KEY = re.compile(r"""["']?\s*:\s+""")
_VALUE_END = re.compile(r"[ \t]*(?:$|#|,|\})", re.MULTILINE)


def _item_warnings(item: Item) -> list[Result]:
    """The warnings of one item with a suspicious value, read again for the scalars' styles."""
    obj = item.value
    root = None
    if item.source is not None and item.span is not None and item.span.copyable:  # else written anew: by value
        try:
            root = yaml.compose(yamlio.document_text(item.source, item.span), Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            root = None
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    ref = ResourceRef(str(obj.get("apiVersion", "")), str(obj.get("kind", "")), str(meta.get("name", "")),
                      str(meta.get("namespace") or ""))
    file, index = file_of(obj)
    out: list[Result] = []
    for keys, shown in _string_fields(obj):
        values, nodes = _get(obj, keys), _node(root, keys)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            node = _node(nodes, (key,)) if isinstance(key, str) else None
            if isinstance(node, yaml.ScalarNode):
                if node.style or (node.tag == _STR and isinstance(value, str)):
                    continue  # quoted, a block scalar, tagged !!str, or a string for every reader
                raw = node.value
            elif isinstance(value, (str, dict, list)):
                continue  # no text to check (its value is a string), or not a scalar at all
            else:
                raw = yamlio.dump(value).splitlines()[0]  # as the function writes the item anew
            what = misread_as(raw) or "non-string"
            value_text = f"plain value {raw}" if len(raw) <= 64 else f"plain value {raw[:64]}... ({len(raw)} characters)"
            quoted = f" ({yamlio.dump(raw).strip()})" if len(raw) <= 64 else ""
            out.append(Result(
                f"the {value_text if raw else 'empty value'} is read as a {what} by YAML 1.1 readers (kubectl, Argo CD, "
                f"Helm): the object is rejected or the value changes. Quote it{quoted}, or mark the object "
                "config.kubernetes.io/local-config if it is not applied",
                WARNING, ref, f"{shown}[{key}]", None, file, index))
    return out
