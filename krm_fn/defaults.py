"""``modelservice-fn defaults``: each ModelService as the API server would store it.

Like ``helm show values``: the CRD's defaults filled in, so users see what the function
assumes. Nothing else changes: no objects are generated, and other inputs are ignored.
"""

from __future__ import annotations

import sys
from typing import Any

from . import crd, identity, yamlio
from .assemble import is_model_service
from .config import EPPConfig
from .profile import resolve
from .render import RenderError, load_inputs
from .results import ERROR, ResourceRef, Result, one_line, summary_line

USAGE = """\
usage: modelservice-fn defaults [--config FILE] PATH...

Print every ModelService in the files or directories (as `render` reads them) with the
defaults of the ModelService CRD filled in, as the API server would store it. The
EPPConfig (--config FILE, else the one among the inputs) chooses the operator release.
"""


def schema_for(cfg: EPPConfig) -> crd.Schema:
    """The ModelService CRD schema of the operator release ``cfg`` selects (operatorVersion)."""
    return crd.modelservice_schema(resolve(cfg).release.api)


def defaulted(obj: dict[str, Any], schema: crd.Schema) -> tuple[dict[str, Any], list[Result]]:
    """``obj`` with the schema's defaults, and the schema violations of the result."""
    value: dict[str, Any] = crd.apply_defaults(obj, schema)
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    ref = ResourceRef(str(obj.get("apiVersion", "")), str(obj.get("kind", "")), str(meta.get("name", "")),
                      str(meta.get("namespace") or ""))
    return value, [Result(m, ERROR, ref, p, v) for p, m, v in crd.validate(value, schema)]


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(USAGE)
        return 0
    config: str | None = None
    paths: list[str] = []
    rest = iter(argv)
    for arg in rest:
        if arg == "--config" or arg.startswith("--config="):
            config = arg.partition("=")[2] if "=" in arg else next(rest, None)
            if not config:
                return _usage("--config needs a FILE")
        elif arg.startswith("-"):
            return _usage(f"unknown option {arg}")
        else:
            paths.append(arg)
    if not paths:
        return _usage("no PATH given")
    try:
        out = run(paths, config)
    except RenderError as e:
        sys.stderr.write(f"modelservice-fn: {one_line(str(e))}\n")
        return 1
    sys.stdout.write(out)
    return 0


def run(paths: list[str], config: str | None) -> str:
    """The defaulted ModelServices as a YAML stream, or a RenderError."""
    sources, cfg, _ = load_inputs(paths, config)
    schema = schema_for(cfg)
    docs: list[str] = []
    problems: list[Result] = []
    for source in sources:
        if not source.is_object:
            continue
        obj, file, index = source.value, source.file, source.index
        typo = identity.problem(obj)
        if typo is not None:
            meta = obj.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            ref = ResourceRef(str(obj["apiVersion"]), str(obj["kind"]), str(meta.get("name", "")))
            problems.append(Result(typo[1], ERROR, ref, typo[0], typo[2], file, index))
        elif is_model_service(obj):
            value, found = defaulted(obj, schema)
            problems += [Result(r.message, r.severity, r.resource, r.field, r.current_value, file, index)
                         for r in found]
            docs.append(yamlio.dump(value))
    if problems:
        raise RenderError(summary_line(problems).removeprefix("modelservice-fn: "))
    if not docs:
        raise RenderError(f"no ModelService found in {', '.join(paths)}")
    return "---\n".join(docs)


def _usage(message: str) -> int:
    sys.stderr.write(f"modelservice-fn defaults: {message} (see modelservice-fn defaults --help)\n")
    return 2
