"""`modelservice-fn install-kustomize-plugin`: the legacy exec plugin kubectl kustomize runs."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from krm_fn import cli, plugin

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = Path("fn.model.otterscale.io/v1alpha1/eppconfig/EPPConfig")
MODELSERVICE = (ROOT / "examples" / "kustomize" / "modelservice.yaml").read_text()
CONFIG = "apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\nprovider: none\n"


def install(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = plugin.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_installs_an_executable_script_that_runs_this_interpreter(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = install(capsys, str(tmp_path / "plugins"))
    assert (code, err) == (0, "")
    target = tmp_path / "plugins" / LAYOUT
    assert target.stat().st_mode & 0o777 == 0o755
    lines = target.read_text().splitlines()
    assert lines[0] == "#!/bin/sh"
    assert shlex.split(lines[1]) == ["exec", os.path.abspath(sys.executable), *plugin.SAFE_PATH, "-m", "krm_fn",
                                     "$@"]
    assert out.splitlines() == [
        f"installed {target}", "build with:",
        f"  KUSTOMIZE_PLUGIN_HOME={tmp_path / 'plugins'} kubectl kustomize --enable-alpha-plugins DIR"]
    assert [p.name for p in target.parent.iterdir()] == ["EPPConfig"], "no temporary file left"


def test_the_plugin_speaks_the_legacy_protocol(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    install(capsys, str(tmp_path))
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    work = tmp_path / "kustomization-dir"
    work.mkdir()
    if plugin.SAFE_PATH:  # python -P: a package of the same name in the working directory is not run
        (work / "krm_fn").mkdir()
        (work / "krm_fn" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    done = subprocess.run([str(tmp_path / LAYOUT), str(config)], input=MODELSERVICE, capture_output=True,
                          text=True, cwd=work, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "kind: ModelService\n" in done.stdout and "name: llama-8b-decode\n" in done.stdout
    assert "kind: DestinationRule" not in done.stdout, "the config file given as argument was used"
    done = subprocess.run([str(tmp_path / LAYOUT), str(config)], input=MODELSERVICE.replace("type: nvidia", "x: 1"),
                          capture_output=True, text=True, cwd=work, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (1, "") and "spec.accelerator" in done.stderr


def test_reinstall_replaces_the_script(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / LAYOUT
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    assert install(capsys, str(tmp_path))[0] == 0
    assert target.read_text().startswith("#!/bin/sh\n") and os.access(target, os.X_OK)


@pytest.mark.parametrize(("env", "expected"), [
    ({"KUSTOMIZE_PLUGIN_HOME": "{t}/home", "XDG_CONFIG_HOME": "{t}/xdg"}, "{t}/home"),
    ({"XDG_CONFIG_HOME": "{t}/xdg"}, "{t}/xdg/kustomize/plugin"),
    ({}, "{t}/user/.config/kustomize/plugin"),
])
def test_default_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           env: dict[str, str], expected: str) -> None:
    for key in ("KUSTOMIZE_PLUGIN_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(t=tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    code, out, _ = install(capsys)
    assert code == 0
    home = Path(expected.format(t=tmp_path))
    assert (home / LAYOUT).is_file()
    assert f"KUSTOMIZE_PLUGIN_HOME={home} " in out


def test_relative_dir_is_made_absolute(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = install(capsys, "my plugins")
    assert code == 0 and (tmp_path / "my plugins" / LAYOUT).is_file()
    assert f"KUSTOMIZE_PLUGIN_HOME='{tmp_path}/my plugins' kubectl" in out


def test_script_quotes_the_interpreter() -> None:
    text = plugin.script("/opt/my python's/bin/python3")
    assert shlex.split(text.splitlines()[1])[1] == "/opt/my python's/bin/python3"


def test_cannot_write(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, out, err = install(capsys, str(tmp_path / "file"))
    assert (code, out) == (1, "") and err.startswith("modelservice-fn: cannot install ") and err.count("\n") == 1


def test_an_interpreter_that_cannot_import_the_package_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(fake))
    code, _, err = install(capsys, str(tmp_path / "plugins"))
    assert code == 1 and "cannot import krm_fn" in err and "pip install" in err
    assert not (tmp_path / "plugins").exists()


def test_an_interpreter_that_cannot_run_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gone" / "python3"))
    code, _, err = install(capsys, str(tmp_path / "plugins"))
    assert code == 1 and err.startswith(f"modelservice-fn: cannot run {tmp_path}/gone/python3: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("argv", [["a", "b"], ["--force"]])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = install(capsys, *argv)
    assert (code, out) == (2, "") and "unexpected arguments" in err


def test_help_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["install-kustomize-plugin", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: modelservice-fn install-kustomize-plugin [DIR]")


def test_the_script_runs_python_with_a_safe_path_from_3_11_on() -> None:
    words = shlex.split(plugin.script("/usr/bin/python3").splitlines()[1])
    expected = ["exec", "/usr/bin/python3", "-m", "krm_fn", "$@"]
    if sys.version_info >= (3, 11):
        expected.insert(2, "-P")
    assert words == expected


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_wins_over_other_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str) -> None:
    code, out, err = install(capsys, str(tmp_path / "plugins"), flag)
    assert (code, err) == (0, "")
    assert out == plugin.USAGE and out.startswith("usage: modelservice-fn install-kustomize-plugin [DIR]\n")
    assert not (tmp_path / "plugins").exists()


@pytest.mark.parametrize("argv", [["a", "b"], ["--force"], ["-"]])
def test_usage_errors_exactly(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = install(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == (f"modelservice-fn install-kustomize-plugin: unexpected arguments {' '.join(argv)!r} "
                   "(see --help)\n")
    assert list(tmp_path.iterdir()) == []


def test_cannot_write_exactly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, out, err = install(capsys, str(tmp_path / "file"))
    assert (code, out) == (1, "")
    assert err == f"modelservice-fn: cannot install {tmp_path / 'file' / LAYOUT}: Not a directory\n"


def test_a_failed_install_is_reported_and_leaves_no_temporary_file(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    target = tmp_path / LAYOUT
    target.mkdir(parents=True)  # the plugin's own path is a directory: the final rename fails
    code, out, err = install(capsys, str(tmp_path))
    assert (code, out) == (1, "")
    assert err == f"modelservice-fn: cannot install {target}: Is a directory\n"
    assert [p.name for p in target.parent.iterdir()] == ["EPPConfig"]
    assert target.is_dir() and list(target.iterdir()) == []


def test_an_interrupted_write_removes_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def chmod(path: str, mode: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "chmod", chmod)
    target = tmp_path / LAYOUT
    with pytest.raises(KeyboardInterrupt):
        plugin.main([str(tmp_path)])
    assert list(target.parent.iterdir()) == []


def test_an_interpreter_that_cannot_import_the_package_is_refused_exactly(
        capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\necho noise on stdout\necho noise on stderr >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    code = plugin.main([str(tmp_path / "plugins")])
    out, err = capfd.readouterr()
    assert (code, out) == (1, "")
    assert err == (f"modelservice-fn: {fake} cannot import krm_fn outside the source tree; install the project "
                   "first (pip install .)\n")


def test_the_import_check_runs_outside_the_working_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A krm_fn package in the working directory must not make a broken installation look fine."""
    fake = tmp_path / "python3"
    fake.write_text(f'#!/bin/sh\n[ "$(pwd)" = "{tempfile.gettempdir()}" ] || exit 0\n'
                    'case "$*" in *-c*"import krm_fn"*) exit 1;; esac\nexit 0\n')
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    monkeypatch.chdir(tmp_path)
    code, _, err = install(capsys, str(tmp_path / "plugins"))
    assert code == 1 and "cannot import krm_fn outside the source tree" in err
