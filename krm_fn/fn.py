"""The KRM function: ResourceList text in, ResourceList text out (and the legacy bare-stream form)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import yaml11, yamlio
from .assemble import Entry, Generated, Item, file_of, generate
from .config import EPPConfig, parse_function_config
from .crd import type_name
from .results import ERROR, INFO, WARNING, ResourceRef, Result, one_line, summary_line

RESOURCE_LIST_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1beta1")


@dataclass
class Run:
    """What one invocation prints and returns."""

    stdout: str
    exit_code: int
    stderr: str = ""


def _fail(results: list[Result]) -> str:
    return summary_line(results) + "\n"


def load_function_config(obj: Any, file: str | None = None) -> tuple[EPPConfig | None, list[Result]]:
    """The EPPConfig of a functionConfig object, or error results naming it and its file."""
    cfg, problems = parse_function_config(obj)
    if not problems:
        return cfg, []
    ref, index = None, None
    if isinstance(obj, dict):
        found, index = file_of(obj)
        file = file or found
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        if obj.get("kind"):
            ref = ResourceRef(str(obj.get("apiVersion", "")), str(obj["kind"]), str(meta.get("name", "")))
    prefix = "" if ref is not None else "functionConfig: "  # without a kind, say what the object is
    return None, [Result(f"{prefix}{m}", ERROR, ref, p, v, file or "", index) for p, m, v in problems]


def process_resource_list(text: str) -> Run:
    """Run the function on a ResourceList given as YAML or JSON text."""
    try:
        docs = yamlio.read_documents(text)
    except yamlio.YAMLInputError as e:
        return fatal(f"input is not valid YAML: {e}")
    docs = [d for d in docs if d.value is not None]
    if not docs:
        return fatal("input is empty: expected a ResourceList on stdin")
    if len(docs) > 1:
        return fatal("input holds several YAML documents: expected one ResourceList "
                      "(to render files, use `modelservice-fn render PATH`)")
    doc = docs[0]
    root = doc.value
    if not isinstance(root, dict) or root.get("kind") != "ResourceList":
        return fatal("input is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)")
    api_version = root.get("apiVersion")
    if api_version not in RESOURCE_LIST_VERSIONS:
        if api_version is None:
            return fatal("the ResourceList has no apiVersion: expected config.kubernetes.io/v1")
        return fatal(f"unsupported ResourceList apiVersion {api_version!r}: expected config.kubernetes.io/v1")
    raw_items = root.get("items")
    if not isinstance(raw_items, list):
        return fatal("the ResourceList has no items list")
    spans = doc.item_spans.get("items", [])
    items = [Item(v, spans[i] if i < len(spans) else None, text) for i, v in enumerate(raw_items)]

    results = [Result(f"items[{i}] must be an object, not {type_name(v)}") for i, v in enumerate(raw_items)
               if not isinstance(v, dict)]
    cfg, config_results = load_function_config(root.get("functionConfig"))
    results += config_results
    function_config = root.get("functionConfig")
    if cfg is None or results:
        return _finish(text, str(api_version), items, results, function_config)
    outcome = generate(items, cfg, function_config, checks=yaml11.warnings(items))
    if not outcome.model_services and not outcome.failed:  # other functions may run on such packages
        outcome.results.append(Result(f"no ModelService found among the {len(items)} items: nothing to generate",
                                      INFO))
    return _finish(text, str(api_version), outcome.entries, outcome.results, function_config)


def fatal(message: str) -> Run:
    """A run that could not read its input at all."""
    result = Result(message)
    body = yamlio.dump({"apiVersion": RESOURCE_LIST_VERSIONS[0], "kind": "ResourceList", "items": [],
                        "results": [result.as_dict()]})
    return Run(body, 1, _fail([result]))


def _finish(text: str, api_version: str, entries: Sequence[Entry], results: list[Result],
            function_config: Any = None) -> Run:
    out = [f"apiVersion: {api_version}\nkind: ResourceList\n"]
    out.append(_entries_text(text, entries, sequence=True) if entries else "items: []\n")
    if function_config is not None:  # echoed, so that the output can be fed to the function again
        out.append(yamlio.dump({"functionConfig": function_config}))
    if results:
        out.append(yamlio.dump({"results": [r.as_dict() for r in results]}))
    failed = any(r.severity == ERROR for r in results)
    return Run("".join(out), 1 if failed else 0, _fail(results) if failed else "")


def _entries_text(text: str, entries: Sequence[Entry], sequence: bool) -> str:
    """Items as a block sequence (``items:``) or as a bare stream of documents."""
    parts: list[str] = ["items:\n"] if sequence else []
    pending: list[Any] = []

    def flush() -> None:
        if pending:
            parts.append(yamlio.dump(pending) if sequence else yamlio.dump_all(pending))
            pending.clear()

    for entry in entries:
        item = entry.reuse if isinstance(entry, Generated) else entry
        if item is not None and item.span is not None and item.span.copyable:
            flush()
            if sequence:
                parts.append(yamlio.sequence_entry(text, item.span))
            else:
                parts.append(yamlio.document_text(text, item.span))
        elif isinstance(entry, Generated) and entry.header:
            flush()
            parts.append(_with_header(entry.header, entry.value, sequence))
        else:
            pending.append(entry.value)
    flush()
    if sequence:
        return "".join(parts)
    return "---\n".join(p for p in parts if p) if parts else ""


def _with_header(header: str, value: Any, sequence: bool) -> str:
    """``value`` with a comment line before it (a sequence entry: ``- # ...``, as kpt sends it)."""
    if not sequence:
        return f"{header}\n{yamlio.dump(value)}"
    body = yamlio.dump([value])
    return f"- {header}\n  {body[2:]}"


def process_stream(text: str, config_text: str, kustomization: str | None = None) -> Run:
    """The legacy kustomize exec plugin: a bare document stream in and out, config from a file.

    ``kustomization`` is the directory kustomize runs the plugin for: errors name the files
    there, since kustomize sends no path annotations.
    """
    try:
        config_docs = [d for d in yamlio.read_documents(config_text) if d.value is not None]
        docs = [d for d in yamlio.read_documents(text) if d.value is not None]
    except yamlio.YAMLInputError as e:
        return Run("", 1, f"modelservice-fn: input is not valid YAML: {e}\n")
    config_obj = config_docs[0].value if config_docs else None
    cfg, results = load_function_config(config_obj)
    items = [Item(d.value, d.span, text) for d in docs]
    results += [Result(f"document {i + 1} must be an object") for i, it in enumerate(items)
                if not isinstance(it.value, dict)]
    if cfg is None or results:
        return Run("", 1, _fail(_placed(results, [config_obj], kustomization)))
    outcome = generate(items, cfg, config_obj, checks=yaml11.warnings(items))
    if outcome.failed:
        return Run("", 1, _fail(_placed(outcome.results, [i.value for i in items], kustomization)))
    if not outcome.model_services and not cfg.allowEmpty:
        where = f" by the kustomization in {kustomization}" if kustomization else ""
        if items:
            message = (f"no ModelService found among the {len(items)} resources sent{where} "
                       "(set allowEmpty: true in the EPPConfig if that is expected)")
        else:
            message = (f"no ModelService found: no resources were sent{where} (an EPPConfig listed under "
                       "generators: sees none; list it under transformers:)")
        return Run("", 1, _fail([Result(message)]))
    warnings = _placed([r for r in outcome.results if r.severity == WARNING], [i.value for i in items],
                       kustomization)
    stderr = "".join(f"modelservice-fn: warning: {one_line(w.line())}\n" for w in warnings)
    return Run(_entries_text(text, outcome.entries, sequence=False), 0, stderr)


def _placed(results: list[Result], objects: list[Any], kustomization: str | None) -> list[Result]:
    """``results`` with the file of each resource found in the kustomization, where known."""
    if not kustomization or not any(r.resource is not None and not r.file for r in results):
        return results
    from . import origin

    found = origin.index(kustomization)
    by_ref = {}
    for obj in objects:
        if isinstance(obj, dict):
            meta = obj.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            by_ref[(str(obj.get("kind", "")), str(meta.get("name", "")))] = obj
    out = []
    for r in results:
        obj = by_ref.get((r.resource.kind, r.resource.name)) if r.resource is not None and not r.file else None
        file = origin.locate(found, obj) if obj is not None else ""
        out.append(dataclasses.replace(r, file=file) if file else r)
    return out
