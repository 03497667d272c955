"""``modelservice-fn install-kustomize-plugin``: the legacy exec plugin for ``kubectl kustomize``.

kustomize finds a legacy exec plugin at ``$KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lowercase
kind>/<Kind>`` and runs it with the path of the config file as its only argument. The file
written here is a shell script that runs this installation of the function.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import API_VERSION, KIND

USAGE = """\
usage: modelservice-fn install-kustomize-plugin [DIR]

Install the legacy kustomize exec plugin for EPPConfig transformers under DIR
(default: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin, else
~/.config/kustomize/plugin), for `kubectl kustomize --enable-alpha-plugins`.
"""


def default_dir() -> Path:
    """Where kustomize looks first when no DIR is given."""
    home = os.environ.get("KUSTOMIZE_PLUGIN_HOME")
    if home:
        return Path(home)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "kustomize" / "plugin"
    return Path.home() / ".config" / "kustomize" / "plugin"


def plugin_path(plugin_home: Path) -> Path:
    group, _, version = API_VERSION.partition("/")
    return plugin_home / group / version / KIND.lower() / KIND


# -P (3.11+): keep the kustomization directory, the working directory, off sys.path
SAFE_PATH = ["-P"] if sys.version_info >= (3, 11) else []


def script(interpreter: str) -> str:
    """The plugin: run ``interpreter -m krm_fn`` with kustomize's arguments."""
    command = shlex.join([interpreter, *SAFE_PATH, "-m", "krm_fn"])
    return f'#!/bin/sh\nexec {command} "$@"\n'


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(USAGE)
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        sys.stderr.write(f"modelservice-fn install-kustomize-plugin: unexpected arguments {' '.join(argv)!r} "
                         "(see --help)\n")
        return 2
    home = Path(os.path.abspath(argv[0] if argv else default_dir()))
    interpreter = os.path.abspath(sys.executable)  # not resolved: a venv's python must stay the venv's
    problem = _import_problem(interpreter)
    if problem:
        sys.stderr.write(f"modelservice-fn: {problem}\n")
        return 1
    target = plugin_path(home)
    try:
        _write_executable(target, script(interpreter))
    except OSError as e:
        sys.stderr.write(f"modelservice-fn: cannot install {target}: {e.strerror or e}\n")
        return 1
    sys.stdout.write(f"installed {target}\nbuild with:\n  KUSTOMIZE_PLUGIN_HOME={shlex.quote(str(home))} "
                     "kubectl kustomize --enable-alpha-plugins DIR\n")
    return 0


def _import_problem(interpreter: str) -> str:
    """Why ``interpreter`` cannot import krm_fn outside this directory, or ""."""
    try:
        check = subprocess.run([interpreter, *SAFE_PATH, "-c", "import krm_fn"], cwd=tempfile.gettempdir(),
                               capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {interpreter}: {e}"
    if check.returncode == 0:
        return ""
    return (f"{interpreter} cannot import krm_fn outside the source tree; "
            "install the project first (pip install .)")


def _write_executable(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
