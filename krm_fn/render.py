"""``modelservice-fn render``: files and directories in, the manifests to apply out.

Reads every ``.yaml``/``.yml``/``.json`` file (directories recursively, sorted, hidden
entries skipped), runs the function over all objects, and prints a bare YAML stream
without what a cluster must not receive: local-config objects, the Kptfile, the
EPPConfig, kustomize configs, non-KRM documents, and orchestrator annotations.
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
import sys
from dataclasses import dataclass
from typing import Any

from . import inputs, views, yaml11, yamlio
from .assemble import (
    INDEX_KEYS,
    PATH_KEYS,
    Entry,
    Generated,
    Item,
    Outcome,
    annotations_of,
    generate,
    object_key,
)
from .config import DEFAULTS, EPPConfig
from .fn import RESOURCE_LIST_VERSIONS, load_function_config
from .results import ERROR, WARNING, Result, one_line, summary_line
from .spelling import did_you_mean

USAGE = """\
usage: modelservice-fn render [--config FILE] [--strict] [--allow-empty]
                              [-o yaml|json | --summary | --diff] PATH...

Render ModelServices in files or directories (.yaml, .yml, .json; directories are read
recursively in sorted order, hidden entries skipped; ResourceList and List files are
expanded) and print the manifests to apply as one YAML stream. The functionConfig is
--config FILE, else the single EPPConfig found among the inputs, else the defaults.

  -o yaml|json   the manifests as a YAML stream (default) or as one JSON v1 List
  --summary      a tree per ModelService of the objects it generates, instead of manifests
  --diff         a unified diff of what would change against the generated objects already
                 in the inputs (a rendered kpt package); exit 1 when something would change
  --strict       every warning is an error (as EPPConfig strict: true)
  --allow-empty  no ModelService among the inputs is not an error
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
    """One object of an input file: a document, or an item of a ResourceList or List."""

    file: str  # as the user named it, slash-separated
    real: str
    text: str
    value: Any
    span: yamlio.Span | None  # where its text can be copied from, if anywhere
    index: int  # the document's position in the file
    config: bool = False  # a ResourceList's functionConfig: a config candidate, not an object

    @property
    def is_object(self) -> bool:
        """A KRM object of the inputs (not a functionConfig, not a non-KRM document)."""
        return not self.config and _is_krm(self.value)


def load_inputs(paths: list[str], config_file: str | None) -> tuple[list[Source], EPPConfig, bool]:
    """Every object of the files, the functionConfig, and whether that is the default."""
    sources = [s for name, real in _files(paths) for s in _read(name, real)]
    if config_file is None:
        cfg, defaulted = _config_from_inputs(sources)
        return sources, cfg, defaulted
    real = os.path.realpath(config_file)
    return [s for s in sources if s.real != real], _config_from_file(config_file), False


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
        rendered = render(args.paths, args.config, strict=args.strict, allow_empty=args.allow_empty)
        out = _view(rendered, args)
    except RenderError as e:
        sys.stderr.write(f"modelservice-fn: {one_line(str(e))}\n")
        return 1
    for note in rendered.notes:
        sys.stderr.write(f"modelservice-fn: note: {one_line(note)}\n")
    sys.stdout.write(out)
    for w in rendered.warnings:
        sys.stderr.write(f"modelservice-fn: warning: {one_line(w.line())}\n")
    return 1 if args.diff and out else 0


def _view(rendered: Rendered, args: Args) -> str:
    if args.summary:
        return views.summary(rendered.outcome.entries, rendered.applied)
    if args.diff:
        return views.diff(rendered.outcome)
    if args.output == "json":
        try:
            return json.dumps({"apiVersion": "v1", "kind": "List", "items": rendered.applied},
                              indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        except ValueError:
            raise RenderError("-o json: a value (.inf or .nan) has no JSON form; use -o yaml") from None
    return rendered.stream


@dataclass
class Args:
    paths: list[str]
    config: str | None = None
    help: bool = False
    strict: bool = False
    allow_empty: bool = False
    output: str = "yaml"
    summary: bool = False
    diff: bool = False


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
        elif arg in ("-o", "--output") or arg.startswith(("-o=", "--output=")):
            value = arg.partition("=")[2] if "=" in arg else next(rest, None)
            if value not in ("yaml", "json"):
                raise RenderError(f"{arg.partition('=')[0]} must be yaml or json, not {value or '(nothing)'}")
            args.output = value
        elif arg in _FLAGS:
            setattr(args, _FLAGS[arg], True)
        elif arg.startswith("-"):
            raise RenderError(f"unknown option {arg}{did_you_mean(arg, [*_FLAGS, '--config', '--output'])}")
        else:
            args.paths.append(arg)
    if not args.paths:
        raise RenderError("no PATH given")
    if args.summary + args.diff + (args.output != "yaml") > 1:
        raise RenderError("choose one of -o json, --summary and --diff")
    return args


_FLAGS = {"--strict": "strict", "--allow-empty": "allow_empty", "--summary": "summary", "--diff": "diff"}


@dataclass
class Rendered:
    """What a render produced: the objects to apply, as a stream and as values."""

    outcome: Outcome
    stream: str
    applied: list[Any]
    warnings: list[Result]
    notes: list[str]


def render(paths: list[str], config_file: str | None, *, strict: bool = False,
           allow_empty: bool = False) -> Rendered:
    """What to apply, the warnings and notes, or a RenderError."""
    sources, cfg, defaulted = load_inputs(paths, config_file)
    notes: list[str] = []
    if defaulted:
        notes.append("no EPPConfig among the inputs: using the default settings (provider istio, "
                     "metricsEndpointAuth true, no tracing); add an EPPConfig or pass --config FILE")
    if strict and not cfg.strict:
        cfg = cfg.model_copy(update={"strict": True})
    by_item: dict[int, Source] = {}  # id of each Item given to generate -> its object
    items: list[Item] = []
    for s in sources:
        if s.is_object:
            item = Item(_with_file(s.value, s.file, s.index), s.span, s.text)
            by_item[id(item)] = s
            items.append(item)
    outcome = generate(items, cfg, checks=yaml11.warnings(items))
    if outcome.failed:
        raise RenderError(summary_line(outcome.results).removeprefix("modelservice-fn: "))
    if not outcome.model_services and not (allow_empty or cfg.allowEmpty):
        raise RenderError(f"no ModelService found in {', '.join(paths)}: nothing to render "
                          "(pass --allow-empty if that is expected)")
    stream, applied, twice = _stream(outcome.entries, by_item)
    warnings = [r for r in outcome.results if r.severity == WARNING] + twice
    if cfg.strict and twice:
        errors = [dataclasses.replace(r, severity=ERROR, message=f"{r.message} (strict: warnings are errors)")
                  for r in twice]
        raise RenderError(summary_line(errors).removeprefix("modelservice-fn: "))
    return Rendered(outcome, stream, applied, warnings, notes)


def _stream(entries: list[Entry], by_item: dict[int, Source]) -> tuple[str, list[Any], list[Result]]:
    """The applied objects as YAML documents and as values, and a warning per object emitted twice.

    The text of unchanged input objects is reused.
    """
    docs: list[tuple[int, str, Any]] = []
    first: dict[tuple[str, str, str, str], str] = {}
    twice: list[Result] = []
    for entry in entries:
        source = by_item.get(id(entry.reuse if isinstance(entry, Generated) else entry))
        value = source.value if source is not None else entry.value
        if not _applied(value):
            continue
        clean = strip_annotations(value)
        text = None
        if source is not None and clean is value and source.span is not None and source.span.copyable:
            text = _dedent(yamlio.document_text(source.text, source.span), source.span.column)
        docs.append((APPLY_FIRST.get(value["kind"], len(APPLY_FIRST)), text or yamlio.dump(clean), clean))
        key, where = object_key(value), source.file if source is not None else "generated"
        if key in first:
            twice.append(Result(
                f"{key[1]} {'/'.join(p for p in key[2:] if p)} is emitted twice ({first[key]}, {where}): kubectl "
                "apply keeps the last one. If one of them is a kustomize patch or not meant to be applied, mark it "
                'config.kubernetes.io/local-config: "true" or leave its file out of the PATHs', WARNING))
        else:
            first[key] = where
    docs.sort(key=lambda d: d[0])  # stable: input order otherwise
    return "---\n".join(text for _, text, _ in docs), [v for _, _, v in docs], twice


def _dedent(text: str, column: int) -> str:
    """A list item's text moved to column 0, when every line is indented that far."""
    if not column:
        return text
    pad = " " * column
    lines = text.splitlines(keepends=True)
    if all(line.startswith(pad) or not line.strip() for line in lines):
        return "".join(line[column:] if line.startswith(pad) else line for line in lines)
    return text


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
        return inputs.decode(inputs.read_file(name))
    except inputs.InputError as e:
        raise RenderError(f"{name}: cannot read: {e}" if e.os_error else f"{name}: {e}") from None


def _read(name: str, real: str) -> list[Source]:
    text = _read_text(name)
    try:
        docs = yamlio.read_documents(text)
    except yamlio.YAMLInputError as e:
        raise RenderError(f"{name}: invalid YAML: {e}") from None
    present = [d for d in docs if d.value is not None]
    out: list[Source] = []
    for i, d in enumerate(present):
        listed = _list_items(d)
        if listed is None:
            out.append(Source(name, real, text, d.value, d.span, i))
            continue
        out += [Source(name, real, text, value, span, i) for value, span in listed]
        config = d.value.get("functionConfig") if d.value.get("kind") == "ResourceList" else None
        if config is not None:
            out.append(Source(name, real, text, config, None, i, config=True))
    return out


def _list_items(doc: yamlio.Document) -> list[tuple[Any, yamlio.Span | None]] | None:
    """The items of a ResourceList or a List (``kind: List`` or ``kind: <Kind>List``), else None.

    Items of a typed list that lack apiVersion or kind take them from the list, as in API
    list responses (their text is then not reused).
    """
    value = doc.value
    if not isinstance(value, dict) or not isinstance(value.get("items"), list):
        return None
    kind, api_version = value.get("kind"), value.get("apiVersion")
    if not isinstance(kind, str) or not kind.endswith("List"):
        return None
    if kind == "ResourceList" and api_version not in RESOURCE_LIST_VERSIONS:
        return None
    spans = doc.item_spans.get("items", [])
    out: list[tuple[Any, yamlio.Span | None]] = []
    for i, item in enumerate(value["items"]):
        span = spans[i] if i < len(spans) else None
        if kind not in ("List", "ResourceList") and isinstance(item, dict) and not (
                "apiVersion" in item and "kind" in item):
            item, span = {"apiVersion": api_version, "kind": kind[:-len("List")], **item}, None
        out.append((item, span))
    return out


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
    if not os.path.lexists(path):
        raise RenderError(f"--config {path}: no such file")
    objects = [s.value for s in _read(name, os.path.realpath(path))]
    if len(objects) != 1:
        raise RenderError(f"--config {name}: expected one EPPConfig or ConfigMap, found {len(objects)} documents")
    return _parse_config(objects[0], name)


def _config_from_inputs(sources: list[Source]) -> tuple[EPPConfig, bool]:
    """The EPPConfig among the inputs (or a ResourceList's functionConfig), and whether it is the default."""
    found = [s for s in sources if s.config or (
        _is_krm(s.value) and s.value["kind"] == "EPPConfig" and _group(s.value) == CONFIG_GROUP)]
    if len(found) > 1:
        where = ", ".join(s.file for s in found)
        raise RenderError(f"found {len(found)} EPPConfig objects ({where}): keep one, or choose with --config FILE")
    if not found:
        return DEFAULTS, True
    return _parse_config(found[0].value, found[0].file), False


def _parse_config(obj: Any, file: str) -> EPPConfig:
    cfg, results = load_function_config(obj, file)
    if cfg is not None:
        return cfg
    raise RenderError(summary_line(results).removeprefix("modelservice-fn: "))
