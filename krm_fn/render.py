"""``modelservice-fn render``: files and directories in, the manifests to apply out.

Reads every ``.yaml``/``.yml``/``.json`` file (directories recursively, sorted, hidden
entries skipped), runs the function over all objects, and prints a bare YAML stream
without what a cluster must not receive: local-config objects, the Kptfile, the
EPPConfig, kustomize configs, non-KRM documents, and orchestrator annotations.
"""

from __future__ import annotations

import os
import posixpath
import sys
from dataclasses import dataclass
from typing import Any

from . import yamlio
from .assemble import INDEX_KEYS, PATH_KEYS, Entry, Generated, Item, annotations_of, generate
from .config import EPPConfig
from .fn import load_function_config
from .results import WARNING, Result, one_line, summary_line

USAGE = """\
usage: modelservice-fn render [--config FILE] PATH...

Render ModelServices in files or directories (.yaml, .yml, .json; directories are read
recursively in sorted order, hidden entries skipped) and print the manifests to apply
as one YAML stream. The functionConfig is --config FILE, else the single EPPConfig
found among the inputs, else the defaults.
"""
EXTENSIONS = (".yaml", ".yml", ".json")
LOCAL_CONFIG = "config.kubernetes.io/local-config"
STRIPPED_PREFIX = "internal.config.kubernetes.io/"
STRIPPED_KEYS = frozenset({"config.kubernetes.io/path", "config.kubernetes.io/index",
                           "config.k8s.io/id", "kustomize.config.k8s.io/id"})
CONFIG_GROUP = "fn.model.otterscale.io"
# apiVersion groups and kinds that configure tools and are never applied
TOOL_KINDS = frozenset({("kpt.dev", "Kptfile"), (CONFIG_GROUP, "EPPConfig"),
                        ("kustomize.config.k8s.io", "Kustomization"), ("kustomize.config.k8s.io", "Component")})

# kinds that other objects of the stream may need to exist first under `kubectl apply -f -`
APPLY_FIRST = {"Namespace": 0, "CustomResourceDefinition": 1}


class RenderError(Exception):
    """A failure reported as one line on stderr."""


@dataclass
class Source:
    """One non-empty document of an input file."""

    file: str  # as the user named it, slash-separated
    real: str
    text: str
    doc: yamlio.Document
    index: int


def main(argv: list[str]) -> int:
    try:
        args = _parse_args(argv)
    except RenderError as e:
        sys.stderr.write(f"modelservice-fn render: {e} (see modelservice-fn render --help)\n")
        return 2
    if args.help:
        sys.stdout.write(USAGE)
        return 0
    try:
        out, warnings = render(args.paths, args.config)
    except RenderError as e:
        sys.stderr.write(f"modelservice-fn: {one_line(str(e))}\n")
        return 1
    sys.stdout.write(out)
    for w in warnings:
        sys.stderr.write(f"modelservice-fn: warning: {one_line(w.line())}\n")
    return 0


@dataclass
class Args:
    paths: list[str]
    config: str | None = None
    help: bool = False


def _parse_args(argv: list[str]) -> Args:
    args = Args([])
    rest = iter(argv)
    for arg in rest:
        if arg == "--":
            args.paths += list(rest)
        elif arg in ("-h", "--help"):
            return Args([], help=True)
        elif arg == "--config" or arg.startswith("--config="):
            args.config = arg.partition("=")[2] if "=" in arg else next(rest, None)
            if not args.config:
                raise RenderError("--config needs a FILE")
        elif arg.startswith("-"):
            raise RenderError(f"unknown option {arg}")
        else:
            args.paths.append(arg)
    if not args.paths:
        raise RenderError("no PATH given")
    return args


def render(paths: list[str], config_file: str | None) -> tuple[str, list[Result]]:
    """The YAML stream to apply and the warnings, or a RenderError."""
    sources = [s for name, real in _files(paths) for s in _read(name, real)]
    if config_file is not None:
        cfg = _config_from_file(config_file)
        real = os.path.realpath(config_file)
        sources = [s for s in sources if s.real != real]
    else:
        cfg = _config_from_inputs(sources)
    by_item: dict[int, Source] = {}  # id of each Item given to generate -> its document
    items: list[Item] = []
    for s in sources:
        if _is_krm(s.doc.value):
            item = Item(_with_file(s.doc.value, s.file, s.index), s.doc.span)
            by_item[id(item)] = s
            items.append(item)
    outcome = generate(items, cfg)
    if outcome.failed:
        raise RenderError(summary_line(outcome.results).removeprefix("modelservice-fn: "))
    return _stream(outcome.entries, by_item), [r for r in outcome.results if r.severity == WARNING]


def _stream(entries: list[Entry], by_item: dict[int, Source]) -> str:
    """The applied objects as YAML documents; the text of unchanged input objects is reused."""
    docs: list[tuple[int, str]] = []
    for entry in entries:
        source = by_item.get(id(entry.reuse if isinstance(entry, Generated) else entry))
        value = source.doc.value if source is not None else entry.value
        if not _applied(value):
            continue
        clean = strip_annotations(value)
        if source is not None and clean is value and source.doc.span.copyable:
            text = yamlio.document_text(source.text, source.doc.span)
        else:
            text = yamlio.dump(clean)
        docs.append((APPLY_FIRST.get(value["kind"], len(APPLY_FIRST)), text))
    docs.sort(key=lambda d: d[0])  # stable: input order otherwise
    return "---\n".join(text for _, text in docs)


def _files(paths: list[str]) -> list[tuple[str, str]]:
    """(name, real path) of every input file, in order, each file once."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            found = sorted(_walk(path), key=lambda rel: rel.split("/"))
            if not found:
                raise RenderError(f"{path}: no .yaml, .yml or .json files in this directory")
            names = [_slashed(os.path.join(path, rel)) for rel in found]
        elif os.path.exists(path):
            names = [_slashed(path)]
        else:
            raise RenderError(f"{path}: no such file or directory")
        for name in names:
            real = os.path.realpath(name)
            if real not in seen:
                seen.add(real)
                out.append((name, real))
    return out


def _walk(top: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_root = os.path.relpath(root, top)
        for f in files:
            if not f.startswith(".") and f.endswith(EXTENSIONS):
                found.append(_slashed(os.path.join(rel_root, f)))
    return found


def _slashed(path: str) -> str:
    return posixpath.normpath(path.replace(os.sep, "/"))


def _read_text(name: str) -> str:
    try:
        with open(name, "rb") as f:
            return f.read().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RenderError(f"{name}: not UTF-8 text (invalid byte at offset {e.start})") from None
    except OSError as e:
        raise RenderError(f"{name}: cannot read: {e.strerror}") from None


def _read(name: str, real: str) -> list[Source]:
    text = _read_text(name)
    try:
        docs = yamlio.read_documents(text)
    except yamlio.YAMLInputError as e:
        raise RenderError(f"{name}: invalid YAML: {e}") from None
    present = [d for d in docs if d.value is not None]
    return [Source(name, real, text, d, i) for i, d in enumerate(present)]


def _is_krm(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("apiVersion"), str) and bool(value["apiVersion"])
            and isinstance(value.get("kind"), str) and bool(value["kind"]))


def _group(value: dict[str, Any]) -> str:
    return str(value["apiVersion"]).rpartition("/")[0]


def _applied(value: Any) -> bool:
    """Whether ``value`` belongs in the output for ``kubectl apply``."""
    if not _is_krm(value):
        return False
    if (_group(value), value["kind"]) in TOOL_KINDS:
        return False
    return annotations_of(value).get(LOCAL_CONFIG) not in ("true", True)


def _with_file(value: dict[str, Any], file: str, index: int) -> dict[str, Any]:
    """A copy of ``value`` whose path/index annotations name its file, so results do too."""
    meta = value.get("metadata")
    if not isinstance(meta, dict):
        return value
    ann = meta.get("annotations")
    if ann is not None and not isinstance(ann, dict):
        return value
    placed = {**(ann or {}), **{k: file for k in PATH_KEYS}, **{k: str(index) for k in INDEX_KEYS}}
    return {**value, "metadata": {**meta, "annotations": placed}}


def strip_annotations(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` without orchestrator annotations (the same object when it has none)."""
    ann = annotations_of(value)
    kept = {k: v for k, v in ann.items()
            if not (isinstance(k, str) and (k.startswith(STRIPPED_PREFIX) or k in STRIPPED_KEYS))}
    if len(kept) == len(ann):
        return value
    meta = {k: v for k, v in value["metadata"].items() if k != "annotations"}
    if kept:
        meta["annotations"] = kept
    return {**value, "metadata": meta}


def _config_from_file(path: str) -> EPPConfig:
    name = _slashed(path)
    if not os.path.isfile(path):
        raise RenderError(f"--config {path}: no such file")
    objects = [s.doc.value for s in _read(name, os.path.realpath(path))]
    if len(objects) != 1:
        raise RenderError(f"--config {name}: expected one EPPConfig or ConfigMap, found {len(objects)} documents")
    return _parse_config(objects[0], name)


def _config_from_inputs(sources: list[Source]) -> EPPConfig:
    found = [s for s in sources if _is_krm(s.doc.value) and s.doc.value["kind"] == "EPPConfig"
             and _group(s.doc.value) == CONFIG_GROUP]
    if len(found) > 1:
        where = ", ".join(s.file for s in found)
        raise RenderError(f"found {len(found)} EPPConfig objects ({where}): keep one, or choose with --config FILE")
    if not found:
        return EPPConfig()
    return _parse_config(found[0].doc.value, found[0].file)


def _parse_config(obj: Any, file: str) -> EPPConfig:
    cfg, results = load_function_config(obj, file)
    if cfg is not None:
        return cfg
    raise RenderError(summary_line(results).removeprefix("modelservice-fn: "))
