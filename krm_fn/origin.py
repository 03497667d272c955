"""Where an item came from when the orchestrator does not say: the legacy kustomize plugin.

kustomize sends its resources without path annotations, so an error could not name the
file to fix. The plugin runs in the kustomization's directory: its ``resources:`` (and
``transformers:``, ``generators:``, ``components:``) are read, files and nested
kustomizations alike, and an item is found by kind and by its name before kustomize
renamed it. Anything unexpected (a remote base, an unreadable or huge file) is skipped: the
answer is only a better message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from . import inputs, yamlio

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
LISTS = ("resources", "components", "transformers", "generators")
MAX_FILE_BYTES = 4 << 20
MAX_DEPTH = 8
PREVIOUS_NAMES = "internal.config.kubernetes.io/previousNames"


def _kustomization(directory: str) -> dict[str, Any] | None:
    for name in KUSTOMIZATION_FILES:
        docs = _documents(os.path.join(directory, name))
        if docs and isinstance(docs[0], dict):
            return docs[0]
    return None


def _documents(path: str) -> list[Any]:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_FILE_BYTES:
            return []
        text = inputs.decode(inputs.read_file(path))
        return [d.value for d in yamlio.read_documents(text)]
    except (OSError, inputs.InputError, yamlio.YAMLInputError):
        return []


def _files(directory: str, depth: int = 0) -> Iterator[str]:
    """Every local file a kustomization refers to, nested kustomizations included."""
    k = _kustomization(directory)
    if k is None or depth > MAX_DEPTH:
        return
    for key in LISTS:
        entries = k.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, str) or "://" in entry or entry.startswith(("git@", "github.com/")):
                continue
            path = os.path.normpath(os.path.join(directory, entry))
            if os.path.isdir(path):
                yield from _files(path, depth + 1)
            elif os.path.isfile(path):
                yield path


def _names(obj: dict[str, Any]) -> set[str]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    names = {str(meta.get("name", ""))}
    ann = meta.get("annotations")
    ann = ann if isinstance(ann, dict) else {}
    previous = ann.get(PREVIOUS_NAMES)
    if isinstance(previous, str):
        names.update(previous.split(","))
    return names


def index(kustomization_dir: str) -> dict[tuple[str, str], str]:
    """(kind, name) -> file, for every object the kustomization's local files hold."""
    found: dict[tuple[str, str], str] = {}
    for path in _files(kustomization_dir):
        for doc in _documents(path):
            if isinstance(doc, dict) and isinstance(doc.get("kind"), str):
                for name in _names(doc):
                    found.setdefault((doc["kind"], name), path)
    return found


def locate(found: dict[tuple[str, str], str], obj: Any) -> str:
    """The file of ``obj`` (by kind and any of its names) in an :func:`index`, or ""."""
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        return ""
    return next((found[(obj["kind"], n)] for n in sorted(_names(obj)) if (obj["kind"], n) in found), "")
