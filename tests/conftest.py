"""Shared helpers for the test suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from krm_fn import fn
from krm_fn.assemble import OWNER_ANNOTATION
from krm_fn.config import EPPConfig
from krm_fn.profile import Profile, resolve
from krm_fn.yamlio import read_documents

ROOT = Path(__file__).resolve().parent.parent


def run(text: str) -> fn.Run:
    """The function in-process, on ResourceList text."""
    return fn.process_resource_list(text)


def profile(**fields: Any) -> Profile:
    """The resolved profile of an EPPConfig with these fields (all defaults otherwise)."""
    return resolve(EPPConfig(**fields))


BASELINE = profile()


def output_items(stdout: str) -> list[dict[str, Any]]:
    (doc,) = read_documents(stdout)
    items: list[dict[str, Any]] = doc.value["items"]
    return items


def generated(stdout: str) -> list[dict[str, Any]]:
    """The objects of ours in an output ResourceList."""
    return [i for i in output_items(stdout) if OWNER_ANNOTATION in (i["metadata"].get("annotations") or {})]


def results(stdout: str) -> list[dict[str, Any]]:
    (doc,) = read_documents(stdout)
    return list(doc.value.get("results") or [])


@pytest.fixture
def root() -> Path:
    return ROOT
