"""`make demo`: the runtime only, a short summary, and the next command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent


def demo(verbose: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "V": "1" if verbose else "0"}
    return subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), str(VENV)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_demo_is_short_and_ends_with_what_to_run_next() -> None:
    done = demo(verbose=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) <= 40
    assert "$ modelservice-fn render --summary examples/kpt" in lines
    assert "19 objects to apply: 17 generated, 2 from the inputs" in lines
    tail = "\n".join(lines[-5:])
    assert tail.startswith(f"Next: the function is in {VENV}/bin, so activate the venv first")
    assert f"  source {VENV}/bin/activate" in tail and "make demo V=1" in tail
    for command in re.findall(r"^  (modelservice-fn [^#]*?)\s+#", tail, re.MULTILINE):
        run = subprocess.run([str(VENV / "bin" / command.split()[0]), *command.split()[1:]], cwd=ROOT,
                             capture_output=True, timeout=60, check=False)
        assert run.returncode == 0, command


def test_v1_shows_every_step_in_full() -> None:
    done = demo(verbose=True)
    assert done.returncode == 0, done.stderr
    assert "kind: ResourceList" in done.stdout and len(done.stdout.splitlines()) > 200


def test_make_demo_installs_the_runtime_only() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: \$\(RUNTIME\)$", makefile, re.MULTILINE)
    recipe = makefile.split("$(RUNTIME): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert "pip install" in recipe and "-e . " in recipe and "[" not in recipe.split("pip install", 1)[1]
