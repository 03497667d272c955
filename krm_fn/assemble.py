"""From input items to output items: ownership, upsert in place, pruning and file placement."""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from . import identity, naming
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
ID_KEYS = ("internal.config.kubernetes.io/id", "config.k8s.io/id")
# kpt numbers every resource of the package with it before its selectors or exclusions pick some
SELECTION_ID = "internal.config.k8s.io/kpt-resource-id"
ORCHESTRATOR_PREFIXES = ("internal.config.kubernetes.io/", "config.kubernetes.io/", "config.k8s.io/",
                         "kustomize.config.k8s.io/")
CLUSTER_SCOPED = frozenset({"ClusterRole", "ClusterRoleBinding"})


@dataclass
class Item:
    """One input item: its value, and the span of ``source`` text it can be copied from."""

    value: Any
    span: Span | None = None
    source: str | None = None

    @property
    def text(self) -> str:
        """The item's own source text, or "" when unknown."""
        if self.span is None or self.source is None:
            return ""
        return self.source[self.span.start:self.span.end]


@dataclass
class Generated:
    """An output object of ours; ``reuse`` is the equal input item whose text is kept.

    ``header`` is a comment for the head of the new file the object starts.
    """

    value: dict[str, Any]
    reuse: Item | None = None
    header: str = ""
    new: bool = False  # placed in a file by this run
    previous: Item | None = None  # the copy of an earlier run it replaces


Entry = Item | Generated


@dataclass
class Outcome:
    entries: list[Entry]
    results: list[Result] = field(default_factory=list)
    model_services: int = 0  # how many valid ModelServices the input held
    removed: list[Item] = field(default_factory=list)  # pruned objects and dropped copies

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
    return path, int(index) if index is not None and index.isascii() and index.isdigit() and len(index) < 19 else None


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


def generate(items: list[Item], cfg: EPPConfig, function_config: Any = None,
             checks: list[Result] | None = None) -> Outcome:
    """Every input item plus the children of each ModelService, or the input and the errors.

    ``function_config`` (the object ``cfg`` was read from, if any) is what its warnings name;
    ``checks`` are results of the caller's own checks of the items (strict mode applies).
    """
    results: list[Result] = list(checks or [])
    services: dict[int, ModelService] = {}
    seen: dict[tuple[str, str], int] = {}
    owned: dict[tuple[str, tuple[str, str, str, str]], Item] = {}
    copies: list[tuple[Item, Item]] = []  # (kept, dropped) copies of one generated object
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
            okey = (owner, object_key(obj))
            if okey in owned:
                kept_copy, dropped = _better_copy(owned[okey], item)
                owned[okey] = kept_copy
                copies.append((kept_copy, dropped))
            else:
                owned[okey] = item
            continue
        foreign[object_key(obj)] = item
        typo = identity.problem(obj)
        if typo is not None:
            results.append(_problem(obj, *typo))
            continue
        if not is_model_service(obj):
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
    existing_files = set(used_indexes)
    kept: set[int] = set()
    notes: list[Result] = []
    claimed: dict[tuple[str, str, str, str], int] = {}  # identity of each generated object -> its ModelService
    summaries: set[int] = set()  # the "generated N objects" results: only a run that succeeds has them
    unseen: dict[int, list[str]] = {}  # per ModelService, the objects to generate that the input lacks

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
            first = claimed.setdefault(key, i)
            if first != i:  # e.g. a-b/c and a/b-c share the cluster-scoped a-b-c-epp
                other = services[first]
                file, _ = file_of(items[first].value)
                results.append(_problem(ms_obj, "metadata.name", f"would generate {key[1]} {key[3]}, which ModelService "
                                        f"{other.namespace}/{other.name}{f' (in {file})' if file else ''} generates "
                                        "too: rename one of them"))
                continue
            previous = owned.get((owner, key))
            if previous is not None:
                kept.add(id(previous))
            else:
                unseen.setdefault(i, []).append(f"{key[1]} {key[3]}")
            generated = _own(obj, ms, owner, previous, ms_obj, used_indexes, existing_files)
            if previous is not None and previous.value != generated.value:
                notes.append(_problem(generated.value, "", (
                    f"updated: it differed from what {ms.namespace}/{ms.name} generates (edits to a generated "
                    "object are overwritten: change the ModelService or the EPPConfig instead)"), severity=INFO))
            if previous is not None and generated.reuse is None and _strip_ids_for_order(previous, generated):
                if _has_header(previous):  # kpt no longer copies it back: write it again
                    generated.header = file_header(ms)
                notes.append(_problem(generated.value, "", (
                    "rewritten in full: fields were added inside it, which kpt would otherwise move to the end "
                    "of their maps; comments inside this object are not kept"), severity=INFO))
            out.append(generated)
        children[i] = out
        names = ", ".join(f"{g.value['kind']}/{g.value['metadata']['name']}" for g in out)
        summary = _problem(ms_obj, "", f"generated {len(out)} objects: {names}", severity=INFO)
        summaries.add(id(summary))
        results.append(summary)
    _renumber_grown_files(children, items, existing_files)
    if unseen and _selection_left_out(items):
        for i, hidden in unseen.items():
            more = f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""
            results.append(_problem(items[i].value, "", (
                f"kpt sent this function only the resources its selectors or exclusions match (--match-*, "
                f"--exclude-*, or selectors:/exclude: in the Kptfile), without {hidden[0]}{more} generated for this "
                "ModelService: each would be written a second time if the package holds it. Run the function on the "
                "whole package, without selectors")))

    pruned = [item for item in owned.values() if id(item) not in kept]
    for kept_copy, dropped in copies:
        if id(kept_copy) in kept:
            results.append(_copies_warning(kept_copy, dropped))
        else:
            pruned.append(dropped)
    removed = pruned + [dropped for kept_copy, dropped in copies if id(kept_copy) in kept]
    if cfg.strict:
        results = [_strict(r) for r in results]
    failed = any(r.severity == ERROR for r in results)
    for item in pruned:
        owner = annotations_of(item.value)[OWNER_ANNOTATION]
        k = object_key(item.value)
        verb = "would prune" if failed else "pruned"
        results.append(Result(f"{verb} {k[1]} {k[3]}: no longer generated for {owner}", INFO,
                              _ref(item.value), "", None, *file_of(item.value)))

    if failed:  # nothing was generated: the input goes back unchanged
        return Outcome(list(items), [r for r in results if id(r) not in summaries], len(services))
    entries: list[Entry] = []
    for i, item in enumerate(items):
        obj = item.value
        if isinstance(obj, dict) and isinstance(annotations_of(obj).get(OWNER_ANNOTATION), str):
            continue
        entries.append(item)
        entries += children.get(i, [])
    return Outcome(entries, results + notes, len(services), removed)


def _strict(r: Result) -> Result:
    if r.severity != WARNING:
        return r
    return dataclasses.replace(r, severity=ERROR, message=f"{r.message} (strict: warnings are errors)")


def _own(obj: dict[str, Any], ms: ModelService, owner: str, previous: Item | None,
         ms_obj: dict[str, Any], used_indexes: dict[str, set[int]], existing_files: set[str]) -> Generated:
    """Mark ``obj`` as ours, keep what the previous copy carried, or give it a file."""
    meta = obj["metadata"]
    annotations: dict[str, Any] = {OWNER_ANNOTATION: owner}
    annotations.update(meta.get("annotations", {}))
    header = ""
    if previous is not None:
        for k, v in annotations_of(previous.value).items():
            annotations.setdefault(k, v)
    else:
        placed = _placement(ms, ms_obj, used_indexes)
        annotations.update(placed)
        if placed and placed[PATH_KEYS[0]] not in existing_files and placed[INDEX_KEYS[0]] == "0" and any(
                k in annotations_of(ms_obj) for k in ID_KEYS):
            # a new file, written by an orchestrator that tracks items (kpt gives each an id)
            header = file_header(ms)
    meta["annotations"] = annotations
    if ms.uid and obj["kind"] not in CLUSTER_SCOPED:
        meta["ownerReferences"] = [{
            "apiVersion": naming.MODELSERVICE_API_VERSION, "kind": naming.MODELSERVICE_KIND,
            "name": ms.name, "uid": ms.uid, "controller": True, "blockOwnerDeletion": True,
        }]
    if previous is not None and previous.value == obj and previous.span is not None and previous.span.copyable:
        return Generated(obj, previous, previous=previous)
    return Generated(obj, header=header, new=previous is None, previous=previous)


HEADER = "# Generated by modelservice-fn from ModelService"


def file_header(ms: ModelService) -> str:
    return f"{HEADER} {ms.namespace}/{ms.name}: edit the ModelService, not this file (edits here are overwritten)."


def _has_header(item: Item) -> bool:
    """Whether the comment kpt sends before an item (``- # ...``) is our file header."""
    if item.source is None or item.span is None:
        return False
    lead = item.source[max(0, item.span.start - 1000):item.span.start].rsplit("\n-", 1)[-1]
    return HEADER in lead


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


def _renumber_grown_files(children: dict[int, list[Generated]], items: list[Item],
                          existing_files: set[str]) -> None:
    """Keep reconcile order in files that gained objects: kpt writes a file's objects by index.

    A new object would otherwise land after every existing one (a DestinationRule that a
    config round trip brought back would move to the end). Only files holding nothing but
    objects of ours are renumbered; the others keep their indexes and get new objects last.
    """
    generated = [g for out in children.values() for g in out]
    grown = {file_of(g.value)[0] for g in generated if g.new} & existing_files
    for item in items:
        path, _ = file_of(item.value)
        if path in grown and not isinstance(annotations_of(item.value).get(OWNER_ANNOTATION), str):
            grown.discard(path)  # an object that is not ours: its index stays as it is
    for path in sorted(grown):
        in_file = [g for g in generated if file_of(g.value)[0] == path]
        for index, g in enumerate(in_file):
            if file_of(g.value)[1] != index:
                ann = g.value["metadata"]["annotations"]
                for k in INDEX_KEYS:
                    ann[k] = str(index)
                g.reuse = None


def _user_annotations(item: Item) -> int:
    """How many annotations a user (not this function, not an orchestrator) put on a copy."""
    return sum(1 for k in annotations_of(item.value)
               if k != OWNER_ANNOTATION and not str(k).startswith(ORCHESTRATOR_PREFIXES))


_COMMENT = re.compile(r"(?:^|\s)#", re.MULTILINE)


def _comments(item: Item) -> int:
    """How many comments a copy's text holds (kpt sends them along); equal copies count the same."""
    return len(_COMMENT.findall(item.text))


def _better_copy(first: Item, second: Item) -> tuple[Item, Item]:
    """(kept, dropped): the copy with the user's annotations, then comments; else the first."""
    def score(item: Item) -> tuple[int, int]:
        return _user_annotations(item), _comments(item)
    return (second, first) if score(second) > score(first) else (first, second)


def _where(item: Item) -> str:
    path, index = file_of(item.value)
    if not path:
        return "the input"
    return f"{path} (document {index + 1})" if index is not None else path


def _selection_left_out(items: list[Item]) -> bool:
    """Whether kpt left resources of the package out (its selection ids have gaps)."""
    ids = sorted(int(v) for item in items for v in [annotations_of(item.value).get(SELECTION_ID)]
                 if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 19)
    return bool(ids) and ids != list(range(len(ids)))


def _copies_warning(kept: Item, dropped: Item) -> Result:
    k = object_key(kept.value)
    owner = annotations_of(kept.value)[OWNER_ANNOTATION]
    return Result(f"two copies of {k[1]} {k[3]} generated for {owner}: kept the one in {_where(kept)}, "
                  f"dropped the one in {_where(dropped)}. A kpt selector (--match-*, selectors:) or a copied "
                  "file leaves such copies: run the function without selectors", WARNING, _ref(kept.value), "",
                  None, *file_of(kept.value))


def _order_survives(old: Any, new: Any) -> bool:
    """Whether kyaml's field-order sync (old's key order, new keys last) leaves ``new`` as it is."""
    if isinstance(old, dict) and isinstance(new, dict):
        if old and new and [k for k in old if k in new] + [k for k in new if k not in old] != list(new):
            return False
        return all(_order_survives(old[k], new[k]) for k in old if k in new)
    if isinstance(old, list) and isinstance(new, list):
        return all(_order_survives(a, b) for a, b in zip(old, new))
    return True


def _strip_ids_for_order(previous: Item, generated: Generated) -> bool:
    """Drop the orchestrator ids of a changed object whose new fields kpt would move to the end.

    kpt matches output to input objects by id to copy comments back and to restore the
    input's field order, moving fields the input lacks to the end of their maps. Without
    the id the object is written as generated, so a config round trip gives back the same
    bytes (its comments are lost). True when the ids were dropped.
    """
    ann = generated.value["metadata"]["annotations"]
    if not any(k in ann for k in ID_KEYS) or _order_survives(previous.value, generated.value):
        return False
    for k in ID_KEYS:
        ann.pop(k, None)
    return True
