"""Fixtures of the pipeline tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


@pytest.fixture
def fn_env() -> dict[str, str]:
    """The environment with the project's modelservice-fn console script first on PATH."""
    script = Path(sys.executable).parent / "modelservice-fn"
    if not script.is_file():
        pytest.skip(f"no modelservice-fn console script next to {sys.executable}: pip install the project")
    env = dict(os.environ)
    env["PATH"] = f"{script.parent}{os.pathsep}{env.get('PATH', '')}"
    return env
