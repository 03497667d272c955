"""Views of a render for people: a tree per ModelService, and a diff against the inputs."""

from __future__ import annotations

import difflib
from typing import Any

from . import yamlio
from .assemble import (
    OWNER_ANNOTATION,
    Entry,
    Generated,
    Item,
    Outcome,
    annotations_of,
    file_of,
    object_key,
)


def summary(entries: list[Entry], applied: list[Any]) -> str:
    """For each ModelService, the objects it generates as a tree; then a count of the rest."""
    out: list[str] = []
    owner: tuple[Any, list[dict[str, Any]]] | None = None
    groups: list[tuple[Any, list[dict[str, Any]]]] = []
    for entry in entries:
        if isinstance(entry, Generated):
            if owner is not None:
                owner[1].append(entry.value)
        elif _is_model_service(entry.value):
            owner = (entry.value, [])
            groups.append(owner)
    for ms, children in groups:
        meta = ms.get("metadata") or {}
        file, _ = file_of(ms)
        where = f" ({file})" if file else ""
        out.append(f"ModelService {meta.get('namespace')}/{meta.get('name')}{where}: {len(children)} objects\n")
        width = max((len(c["kind"]) for c in children), default=0) + 2
        for i, child in enumerate(children):
            branch = "└──" if i == len(children) - 1 else "├──"
            out.append(f"{branch} {child['kind'].ljust(width)}{child['metadata']['name']}\n")
    generated = sum(1 for v in applied if OWNER_ANNOTATION in annotations_of(v))
    out.append(f"{len(applied)} objects to apply: {generated} generated, {len(applied) - generated} from the inputs\n")
    return "".join(out)


def _is_model_service(value: Any) -> bool:
    return isinstance(value, dict) and value.get("kind") == "ModelService" and OWNER_ANNOTATION not in (
        annotations_of(value))


def diff(outcome: Outcome) -> str:
    """A unified diff from the generated objects in the inputs to those a render makes, or ""."""
    from .render import strip_annotations  # the same view of an object as the manifests

    def text(item: Item | Generated | None) -> list[str]:
        return [] if item is None else yamlio.dump(strip_annotations(item.value)).splitlines(keepends=True)

    parts: list[str] = []
    changes: list[tuple[Item | None, Item | Generated | None]] = [
        (g.previous, g) for g in outcome.entries if isinstance(g, Generated)]
    changes += [(item, None) for item in outcome.removed]
    for old, new in changes:
        before, after = text(old), text(new)
        if before == after:
            continue
        anchor = new if new is not None else old
        assert anchor is not None
        key = object_key(anchor.value)
        label = f"{key[1]} {'/'.join(p for p in key[2:] if p)}"
        path = file_of(anchor.value)[0] or "(no file)"
        parts += difflib.unified_diff(before, after, f"{path} {label}" if old else "/dev/null",
                                      f"{path} {label}" if new else "/dev/null")
    return "".join(parts)
