"""From input items to output items: ownership, upsert in place, pruning and file placement."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from . import naming
from .config import EPPConfig
from .llmd import flag_warnings
from .model import ModelService, parse_model_service
from .profile import resolve
from .reconcile import reconcile_resources
from .results import ERROR, INFO, WARNING, ResourceRef, Result
from .yamlio import Span

OWNER_ANNOTATION = "fn.model.otterscale.io/owner"
PATH_KEYS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_KEYS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
CLUSTER_SCOPED = frozenset({"ClusterRole", "ClusterRoleBinding"})


@dataclass
class Item:
    """One input item: its value, and the span of source text it can be copied from."""

    value: Any
    span: Span | None = None


@dataclass
class Generated:
    """An output object of ours; ``reuse`` is the equal input item whose text is kept."""

    value: dict[str, Any]
    reuse: Item | None = None


Entry = Item | Generated


@dataclass
class Outcome:
    entries: list[Entry]
    results: list[Result] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.severity == ERROR for r in self.results)


def annotations_of(obj: Any) -> dict[str, Any]:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    return ann if isinstance(ann, dict) else {}


def _meta_str(obj: dict[str, Any], key: str) -> str:
    meta = obj.get("metadata")
    v = meta.get(key) if isinstance(meta, dict) else None
    return v if isinstance(v, str) else ""


def object_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return (group, str(obj.get("kind", "")), _meta_str(obj, "namespace"), _meta_str(obj, "name"))


def file_of(obj: Any) -> tuple[str, int | None]:
    ann = annotations_of(obj)
    path = next((ann[k] for k in PATH_KEYS if isinstance(ann.get(k), str)), "")
    index = next((ann[k] for k in INDEX_KEYS if isinstance(ann.get(k), str)), None)
    return path, int(index) if index is not None and index.isdigit() else None


def owner_value(ms_namespace: str, ms_name: str) -> str:
    return f"{naming.MODELSERVICE_KIND}/{ms_namespace}/{ms_name}"


def is_model_service(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == naming.MODELSERVICE_KIND and str(
        obj.get("apiVersion", "")).startswith("model.otterscale.io/")


def _ref(obj: dict[str, Any]) -> ResourceRef:
    return ResourceRef(str(obj.get("apiVersion", "")), str(obj.get("kind", "")),
                       _meta_str(obj, "name"), _meta_str(obj, "namespace"))


def _problem(obj: dict[str, Any], path: str, message: str, value: Any = None,
             severity: str = ERROR) -> Result:
    file, index = file_of(obj)
    return Result(message, severity, _ref(obj), path, value, file, index)


def generate(items: list[Item], cfg: EPPConfig, function_config: Any = None) -> Outcome:
    """Every input item plus the children of each ModelService, or the input and the errors.

    ``function_config`` (the object ``cfg`` was read from, if any) is what its warnings name.
    """
    results: list[Result] = []
    services: dict[int, ModelService] = {}
    seen: dict[tuple[str, str], int] = {}
    owned: dict[tuple[str, tuple[str, str, str, str]], Item] = {}
    foreign: dict[tuple[str, str, str, str], Item] = {}
    profile = resolve(cfg)
    for path, message in flag_warnings(profile.llmd, profile.flags):
        results.append(_problem(function_config, path, message, severity=WARNING) if isinstance(function_config, dict)
                       else Result(message, WARNING, None, path))

    for i, item in enumerate(items):
        obj = item.value
        if not isinstance(obj, dict):
            continue
        owner = annotations_of(obj).get(OWNER_ANNOTATION)
        if isinstance(owner, str):
            owned[(owner, object_key(obj))] = item
            continue
        foreign[object_key(obj)] = item
        if not is_model_service(obj):
            continue
        if obj.get("apiVersion") != naming.MODELSERVICE_API_VERSION:
            results.append(_problem(obj, "apiVersion", f"unsupported version: this function reads "
                                    f"{naming.MODELSERVICE_API_VERSION}", obj.get("apiVersion")))
            continue
        if item.span is not None and item.span.duplicate_key is not None:
            path = item.span.duplicate_key
            results.append(_problem(obj, path, "duplicate key: its second value would silently "
                                    "replace the first"))
            continue
        ms, problems = parse_model_service(obj, profile)
        results += [_problem(obj, p, m, v) for p, m, v in problems]
        if ms is None:
            continue
        ms_key = (ms.namespace, ms.name)
        if ms_key in seen:
            first_file, _ = file_of(items[seen[ms_key]].value)
            where = f" (also in {first_file})" if first_file else ""
            results.append(_problem(obj, "metadata.name", f"duplicate ModelService {ms.namespace}/{ms.name}{where}"))
            continue
        seen[ms_key] = i
        services[i] = ms

    children: dict[int, list[Generated]] = {}
    used_indexes: dict[str, set[int]] = {}
    for item in items:
        path, index = file_of(item.value)
        if path and index is not None:
            used_indexes.setdefault(path, set()).add(index)
    kept: set[int] = set()

    for i, ms in services.items():
        ms_obj = items[i].value
        desired, warnings = reconcile_resources(ms, profile)
        results += [_problem(ms_obj, p, m, severity=WARNING) for p, m in warnings]
        owner = owner_value(ms.namespace, ms.name)
        out: list[Generated] = []
        for obj in desired:
            key = object_key(obj)
            clash = foreign.get(key)
            if clash is not None:
                file, _ = file_of(clash.value)
                results.append(_problem(ms_obj, "metadata.name", f"would generate {key[1]} {key[3]}, which the "
                                        f"input already holds{f' in {file}' if file else ''} without the "
                                        f"{OWNER_ANNOTATION} annotation: remove or rename it"))
                continue
            previous = owned.get((owner, key))
            if previous is not None:
                kept.add(id(previous))
            out.append(_own(obj, ms, owner, previous, ms_obj, used_indexes))
        children[i] = out
        names = ", ".join(f"{g.value['kind']}/{g.value['metadata']['name']}" for g in out)
        results.append(_problem(ms_obj, "", f"generated {len(out)} objects: {names}", severity=INFO))

    pruned = [item for item in owned.values() if id(item) not in kept]
    for item in pruned:
        owner = annotations_of(item.value)[OWNER_ANNOTATION]
        k = object_key(item.value)
        results.append(Result(f"pruned {k[1]} {k[3]}: no longer generated for {owner}", INFO,
                              _ref(item.value), "", None, *file_of(item.value)))

    if any(r.severity == ERROR for r in results):
        return Outcome(list(items), results)
    entries: list[Entry] = []
    for i, item in enumerate(items):
        obj = item.value
        if isinstance(obj, dict) and isinstance(annotations_of(obj).get(OWNER_ANNOTATION), str):
            continue
        entries.append(item)
        entries += children.get(i, [])
    return Outcome(entries, results)


def _own(obj: dict[str, Any], ms: ModelService, owner: str, previous: Item | None,
         ms_obj: dict[str, Any], used_indexes: dict[str, set[int]]) -> Generated:
    """Mark ``obj`` as ours, keep what the previous copy carried, or give it a file."""
    meta = obj["metadata"]
    annotations: dict[str, Any] = {OWNER_ANNOTATION: owner}
    annotations.update(meta.get("annotations", {}))
    if previous is not None:
        for k, v in annotations_of(previous.value).items():
            annotations.setdefault(k, v)
    else:
        annotations.update(_placement(ms, ms_obj, used_indexes))
    meta["annotations"] = annotations
    if ms.uid and obj["kind"] not in CLUSTER_SCOPED:
        meta["ownerReferences"] = [{
            "apiVersion": naming.MODELSERVICE_API_VERSION, "kind": naming.MODELSERVICE_KIND,
            "name": ms.name, "uid": ms.uid, "controller": True, "blockOwnerDeletion": True,
        }]
    if previous is not None and previous.value == obj and previous.span is not None and previous.span.copyable:
        return Generated(obj, previous)
    return Generated(obj)


def _placement(ms: ModelService, ms_obj: dict[str, Any], used_indexes: dict[str, set[int]]) -> dict[str, str]:
    """Path and index annotations for a new object: a file next to its ModelService's file."""
    ms_path, _ = file_of(ms_obj)
    if not ms_path:
        return {}
    directory = posixpath.dirname(posixpath.normpath(ms_path))
    if directory.startswith(("..", "/")):
        return {}
    path = posixpath.join(directory, f"{ms.name}.generated.yaml")
    used = used_indexes.setdefault(path, set())
    index = max(used, default=-1) + 1
    used.add(index)
    return {PATH_KEYS[0]: path, INDEX_KEYS[0]: str(index), PATH_KEYS[1]: path, INDEX_KEYS[1]: str(index)}
