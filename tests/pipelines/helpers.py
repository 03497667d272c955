"""Helpers of the pipeline tests: the real kpt and kubectl, running the installed modelservice-fn."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def tool(name: str) -> str:
    """The path of a command-line tool, or skip the test."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: this test runs the real {name}")
    return path


def copy_example(name: str, dest: Path) -> Path:
    shutil.copytree(EXAMPLES / name, dest)
    return dest


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def kind_names(objs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in objs]


def annotations(obj: dict[str, Any]) -> dict[str, str]:
    ann: dict[str, str] = obj.get("metadata", {}).get("annotations") or {}
    return ann


def assert_applyable(objs: list[dict[str, Any]]) -> None:
    """No local-config object and no orchestrator annotation in a manifest stream."""
    for o in objs:
        ann = annotations(o)
        assert "config.kubernetes.io/local-config" not in ann, o["metadata"]["name"]
        leaked = [k for k in ann if k.startswith("internal.config.kubernetes.io/") or k in (
            "config.kubernetes.io/path", "config.kubernetes.io/index", "config.k8s.io/id",
            "kustomize.config.k8s.io/id")]
        assert not leaked, (o["kind"], o["metadata"]["name"], leaked)
        assert "annotations" not in o["metadata"] or ann, "emptied annotations map left behind"
