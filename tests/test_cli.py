"""The program as users and orchestrators run it: modes, exit codes, stdout and stderr."""

from __future__ import annotations

import gc
import io
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from krm_fn import __version__, cli
from krm_fn.config import EPPConfig
from tests.conftest import ROOT, results

EXAMPLE = (ROOT / "examples" / "resourcelist.yaml").read_text()


def fn(*args: str, stdin: str | bytes = "") -> subprocess.CompletedProcess[str]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    p = subprocess.run([sys.executable, "-m", "krm_fn", *args], input=data, capture_output=True, cwd=ROOT,
                       check=False)
    return subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode(), p.stderr.decode())


def test_help_and_version() -> None:
    assert fn("--help").stdout.startswith("usage: modelservice-fn")
    assert fn("--version").stdout == f"modelservice-fn {__version__}\n"


def test_help_is_the_catalog_readme() -> None:
    """`kpt fn doc` shows --help: the usage lines, then the function README's sections."""
    readme = (ROOT / "function-config" / "README.md").read_text()
    assert (ROOT / "krm_fn" / "data" / "README.md").read_text() == readme, "copy function-config/README.md"
    out = fn("--help").stdout
    usage, doc = out.split("\n\n", 1)
    assert usage.startswith("usage: modelservice-fn ") and "modelservice-fn defaults" in usage
    assert doc == readme.split("\n\n", 1)[1]
    for section in ("## Overview", "## Usage", "## FunctionConfig", "## Examples"):
        assert f"\n{section}\n" in f"\n{doc}"
    table = doc.split("## FunctionConfig", 1)[1].split("\n## ", 1)[0]
    for field in EPPConfig.model_fields:  # every field, new ones included
        assert re.search(rf"^\| `{field}[`.]", table, re.MULTILINE), field


def test_on_a_terminal_without_input_it_says_what_it_wants() -> None:
    primary, secondary = pty.openpty()
    try:
        for args in ([], ["config.yaml"]):
            p = subprocess.run([sys.executable, "-m", "krm_fn", *args], stdin=secondary, capture_output=True,
                               cwd=ROOT, timeout=30, check=False)
            assert (p.returncode, p.stdout) == (1, b"")
            assert p.stderr.decode() == (
                "modelservice-fn: waiting for a ResourceList on stdin, but stdin is a terminal: pipe one in "
                "(modelservice-fn < examples/resourcelist.yaml), or render files (modelservice-fn render PATH); "
                "see --help\n")
    finally:
        os.close(primary)
        os.close(secondary)


def test_example_runs_and_is_stable() -> None:
    first = fn(stdin=EXAMPLE)
    assert first.returncode == 0 and first.stderr == ""
    assert fn(stdin=first.stdout).stdout == first.stdout


def test_errors_exit_1_with_one_stderr_line_and_items_unchanged() -> None:
    bad = EXAMPLE.replace("replicas: 2\n      parallelism", "replicas: -2\n      parallelism")
    r = fn(stdin=bad)
    assert r.returncode == 1
    assert r.stderr == ("modelservice-fn: 1 error: ModelService ml-serving/qwen3-32b spec.decode.replicas: "
                        "must be greater than or equal to 0 (modelservice.yaml)\n")
    items_text = bad.split("items:\n", 1)[1]
    assert r.stdout.split("items:\n", 1)[1].startswith(items_text)
    assert [x["severity"] for x in results(r.stdout)] == ["error"]


def test_not_a_resource_list() -> None:
    for stdin, message in [("", "input is empty"), ("[1, 2]", "input is not a ResourceList"),
                           ("a: [", "input is not valid YAML: line 2 column 1: did not find expected node content"),
                           ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n", "no items list"),
                           (b"\xff\xfe\x00garbage", "input is not UTF-8 text")]:
        r = fn(stdin=stdin)
        assert r.returncode == 1, stdin
        assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_legacy_kustomize_plugin_mode(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: x\n"
                      "provider: none\n")
    stream = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\ndata:\n  a: on\n---\n"
              "apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata:\n  name: llama\n"
              "  namespace: ml\nspec:\n  model: {name: m, image: 'reg/m:1'}\n  engine: {}\n"
              "  accelerator: {type: cpu}\n  decode: {}\n  inferencePool: {endpointPicker: {}}\n")
    r = fn(str(config), stdin=stream)
    assert r.returncode == 0, r.stderr
    docs = r.stdout.split("---\n")
    assert docs[0] == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\ndata:\n  a: on\n"
    assert "kind: DestinationRule" not in r.stdout and "kind: InferencePool" in r.stdout
    assert len(docs) == 2 + 11
    bad = fn(str(config), stdin=stream.replace("type: cpu", "type: tpu"))
    assert bad.returncode == 1 and bad.stdout == "" and "spec.accelerator.type" in bad.stderr
    missing = fn(str(tmp_path / "nope.yaml"), stdin=stream)
    assert missing.returncode == 1 and "cannot read config file" in missing.stderr


def test_legacy_mode_writes_documents_with_anchors_without_them(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: x\n"
                      "allowEmpty: true\n")
    stream = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchored\ndata:\n  a: &x one\n  b: &x two\n"
              "  c: *x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain  # kept\n")
    r = fn(str(config), stdin=stream)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchored\ndata:\n  a: one\n  b: two\n"
                        "  c: two\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain  # kept\n")


# --- in-process: krm_fn.cli.main with argv, stdin bytes and captured streams -----------------

CASES = ROOT / "tests" / "cases"
STREAM = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\ndata:\n  a: x\n---\n"
          "apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata:\n  name: llama\n"
          "  namespace: ml\nspec:\n  model: {name: m, image: 'reg/m:1'}\n  engine: {}\n"
          "  accelerator: {type: cpu}\n  decode: {}\n  inferencePool: {endpointPicker: {}}\n")
LEGACY_CONFIG = ("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: x\n"
                 "provider: none\n")
STATUS_INPUT = ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata:\n  name: qwen3\n"
                "  namespace: llm\n  generation: 2\nspec:\n  decode: {replicas: 2}\n---\n"
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: qwen3-decode, namespace: llm}\n"
                "spec: {replicas: 2}\nstatus: {readyReplicas: 2}\n")
STATUS_TABLE = ("NAMESPACE   NAME    PHASE   READY   DECODE   PREFILL   MESSAGE\n"
                "llm         qwen3   Ready   True    2/2      -         All 2 replicas are ready\n")


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
         tmp_path: Path) -> Callable[..., Outcome]:
    """``cli.main(argv)`` in this process, with ``stdin`` bytes; the exit code, stdout and stderr.

    It runs in ``tmp_path`` with a plugin home there, so that no mistake can write elsewhere.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUSTOMIZE_PLUGIN_HOME", str(tmp_path / "plugin-home"))

    def call(*argv: str, stdin: str | bytes = b"") -> Outcome:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return call


def _fatal(message: str) -> str:
    return ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n"
            f"- message: {message}\n  severity: error\n")


@pytest.mark.parametrize("flag", ["-h", "--help", "help"])
def test_help_in_process(main: Callable[..., Outcome], flag: str) -> None:
    readme = (ROOT / "function-config" / "README.md").read_text()
    r = main(flag, "ignored")
    assert (r.code, r.err) == (0, "")
    usage, doc = r.out.split("\n\n", 1)
    assert usage.startswith("usage: modelservice-fn                      run as a KRM function")
    assert usage.endswith("\n       modelservice-fn --help | --version")
    assert doc == readme.split("\n", 1)[1].lstrip("\n")


def test_a_terminal_on_stdin_gets_a_hint_instead_of_a_wait(capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(io.BytesIO(b"")))
    assert cli.main([]) == 1
    assert capsys.readouterr() == ("", (
        "modelservice-fn: waiting for a ResourceList on stdin, but stdin is a terminal: pipe one in "
        "(modelservice-fn < examples/resourcelist.yaml), or render files (modelservice-fn render PATH); "
        "see --help\n"))


def test_version_in_process(main: Callable[..., Outcome]) -> None:
    assert main("--version") == Outcome(0, f"modelservice-fn {__version__}\n", "")
    assert main("--version", "ignored") == Outcome(0, f"modelservice-fn {__version__}\n", "")


def test_argv_defaults_to_the_process_arguments(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["modelservice-fn", "--version"])
    assert cli.main() == 0
    assert capsys.readouterr().out == f"modelservice-fn {__version__}\n"


@pytest.mark.parametrize("case", ["minimal", "provider-istio", "error-invalid-modelservice", "error-bad-eppconfig"])
def test_stdin_mode_prints_exactly_the_golden_output(main: Callable[..., Outcome], case: str) -> None:
    r = main(stdin=(CASES / case / "input.yaml").read_bytes())
    stderr = CASES / case / "stderr.txt"
    assert r.out == (CASES / case / "expected.yaml").read_text()
    assert r.err == (stderr.read_text() if stderr.exists() else "")
    assert r.code == (1 if case.startswith("error-") else 0)


def test_input_without_a_final_newline_gives_the_same_output(main: Callable[..., Outcome]) -> None:
    text = (CASES / "minimal" / "input.yaml").read_text()
    assert text.endswith("\n")
    assert main(stdin=text.rstrip("\n")) == Outcome(0, (CASES / "minimal" / "expected.yaml").read_text(), "")


def test_a_byte_order_mark_is_not_part_of_the_input(main: Callable[..., Outcome]) -> None:
    text = (CASES / "minimal" / "input.yaml").read_bytes()
    assert main(stdin=b"\xef\xbb\xbf" + text) == Outcome(0, (CASES / "minimal" / "expected.yaml").read_text(), "")


@pytest.mark.parametrize(("stdin", "offset"), [(b"\xff", 0), (b"a: 1\n\xfe", 5)])
def test_bytes_that_are_not_utf8_are_an_error_result(main: Callable[..., Outcome], stdin: bytes,
                                                     offset: int) -> None:
    message = f"input is not UTF-8 text (invalid byte at offset {offset})"
    assert main(stdin=stdin) == Outcome(1, _fatal(message), f"modelservice-fn: 1 error: {message}\n")


@pytest.mark.parametrize(("stdin", "message"), [
    ("", "'input is empty: expected a ResourceList on stdin'"),
    ("[1, 2]\n", "'input is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)'"),
])
def test_unusable_stdin_is_a_fatal_result(main: Callable[..., Outcome], stdin: str, message: str) -> None:
    text = message.strip("'")
    assert main(stdin=stdin) == Outcome(1, _fatal(message), f"modelservice-fn: 1 error: {text}\n")


@pytest.mark.parametrize("argv", [["a", "b"], ["--force"], ["-"]])
def test_unexpected_arguments_exit_2_with_usage(main: Callable[..., Outcome], argv: list[str]) -> None:
    r = main(*argv, stdin=STREAM)
    assert (r.code, r.out) == (2, "")
    assert r.err == f"modelservice-fn: unexpected arguments {' '.join(argv)!r}\n{cli.USAGE}"
    assert cli.USAGE.startswith("usage: modelservice-fn ")


def test_legacy_mode_in_process(main: Callable[..., Outcome], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(LEGACY_CONFIG)
    r = main(str(config), stdin=STREAM)
    assert (r.code, r.err) == (0, "")
    docs = r.out.split("---\n")
    assert docs[0] == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\ndata:\n  a: x\n"
    assert docs[1] == STREAM.split("---\n")[1]
    assert len(docs) == 2 + 11
    assert [d["kind"] for d in yaml.safe_load_all(r.out)][2:] == [
        "Deployment", "ServiceAccount", "ConfigMap", "Deployment", "Service", "Secret", "Role", "RoleBinding",
        "ClusterRole", "ClusterRoleBinding", "InferencePool"]


def test_legacy_mode_reads_the_config_file_given(main: Callable[..., Outcome], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("\ufeff" + LEGACY_CONFIG.replace("provider: none", "provider: istio"))
    r = main(str(config), stdin=STREAM)
    assert (r.code, r.err) == (0, "")
    assert [d["kind"] for d in yaml.safe_load_all(r.out)][-1] == "DestinationRule"


def test_legacy_mode_errors_exit_1_with_nothing_on_stdout(main: Callable[..., Outcome], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(LEGACY_CONFIG)
    r = main(str(config), stdin=STREAM.replace("type: cpu", "type: tpu"))
    assert r == Outcome(1, "", 'modelservice-fn: 1 error: ModelService ml/llama spec.accelerator.type: '
                               'unsupported value "tpu": must be one of "nvidia", "amd", "intel-gaudi", '
                               '"google", "cpu"\n')


def test_legacy_mode_config_that_cannot_be_read(main: Callable[..., Outcome], tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    r = main(str(path), stdin=STREAM)
    assert r == Outcome(1, "", f"modelservice-fn: cannot read config file {path}: No such file or directory\n")


def test_legacy_mode_stdin_that_is_not_utf8(main: Callable[..., Outcome], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(LEGACY_CONFIG)
    r = main(str(config), stdin=b"a: \xff\n")
    assert r == Outcome(1, "", "modelservice-fn: 1 error: input is not UTF-8 text (invalid byte at offset 3)\n")


def test_status_is_dispatched_with_its_arguments(main: Callable[..., Outcome], tmp_path: Path) -> None:
    path = tmp_path / "get.yaml"
    path.write_text(STATUS_INPUT)
    assert main("status", str(path)) == Outcome(0, STATUS_TABLE, "")
    assert main("status", "-", stdin=STATUS_INPUT) == Outcome(0, STATUS_TABLE, "")
    not_ready = STATUS_INPUT.replace("readyReplicas: 2", "readyReplicas: 1")
    assert main("status", "--check", stdin=not_ready).code == 3


def test_render_is_dispatched_with_its_arguments(main: Callable[..., Outcome], tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text(STREAM.split("---\n")[1])
    r = main("render", "--config", str(tmp_path / "none.yaml"), str(tmp_path))
    assert r.code == 1 and r.out == "" and "none.yaml" in r.err
    r = main("render", str(tmp_path))
    assert (r.code, r.err) == (0, ("modelservice-fn: note: no EPPConfig among the inputs: using the default settings "
                                  "(provider istio, metricsEndpointAuth true, no tracing); add an EPPConfig or pass "
                                  "--config FILE\n"))
    assert [d["kind"] for d in yaml.safe_load_all(r.out)][:2] == ["ModelService", "Deployment"]
    assert main("render").code == 2


def test_defaults_is_dispatched_with_its_arguments(main: Callable[..., Outcome], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from krm_fn import defaults

    (tmp_path / "ms.yaml").write_text(STREAM.split("---\n")[1])
    expected = defaults.main([str(tmp_path)]), *capsys.readouterr()
    r = main("defaults", str(tmp_path))
    assert (r.code, r.out, r.err) == expected and r.code == 0
    assert "    mountPath: /models\n" in r.out
    assert main("defaults").code == 2


def test_legacy_mode_finds_files_through_the_kustomization_root(main: Callable[..., Outcome], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """kustomize names the kustomization directory in KUSTOMIZE_PLUGIN_CONFIG_ROOT."""
    ms = STREAM.split("---\n")[1]
    (tmp_path / "llama.yaml").write_text(ms)
    (tmp_path / "epp.yaml").write_text(LEGACY_CONFIG)
    (tmp_path / "kustomization.yaml").write_text("resources:\n- llama.yaml\ntransformers:\n- epp.yaml\n")
    monkeypatch.setenv("KUSTOMIZE_PLUGIN_CONFIG_ROOT", str(tmp_path))
    r = main(str(tmp_path / "epp.yaml"), stdin=ms.replace("type: cpu", "type: tpu"))
    assert (r.code, r.out) == (1, "")
    assert r.err.endswith(f' must be one of "nvidia", "amd", "intel-gaudi", "google", "cpu" ({tmp_path}/llama.yaml)\n')


def test_install_kustomize_plugin_is_dispatched_with_its_arguments(main: Callable[..., Outcome],
                                                                    tmp_path: Path) -> None:
    r = main("install-kustomize-plugin", str(tmp_path))
    assert (r.code, r.err) == (0, "")
    assert r.out.startswith(f"installed {tmp_path}/fn.model.otterscale.io/v1alpha1/eppconfig/EPPConfig\n")


class _Recorder(io.StringIO):
    """A stream that logs its writes and flushes into a shared list."""

    def __init__(self, name: str, log: list[str], fail_flush: bool = False) -> None:
        super().__init__()
        self.name, self.log, self.fail_flush = name, log, fail_flush

    def write(self, s: str) -> int:
        self.log.append(f"{self.name}.write")
        return super().write(s)

    def flush(self) -> None:
        self.log.append(f"{self.name}.flush")
        if self.fail_flush:
            raise BrokenPipeError(32, "Broken pipe")


def test_stdout_is_flushed_before_stderr_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[str] = []
    out, err = _Recorder("out", log), _Recorder("err", log)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"[]")))
    assert cli.main([]) == 1
    assert log[-3:] == ["out.write", "out.flush", "err.write"]
    assert out.getvalue().startswith("apiVersion: config.kubernetes.io/v1\n")
    assert err.getvalue().startswith("modelservice-fn: 1 error: input is not a ResourceList")


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _entry(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdout: io.StringIO,
           stderr: io.StringIO) -> int:
    def exit_(code: int) -> None:
        raise _Exit(code)

    monkeypatch.setattr(sys, "argv", ["modelservice-fn", *argv])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    try:
        cli.entry()
    except _Exit as e:
        return e.code
    finally:
        gc.enable()
    raise AssertionError("entry() returned instead of ending the process")


def test_entry_exits_with_main_s_code_and_disables_pydantic_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert _entry(monkeypatch, ["--version"], out, io.StringIO()) == 0
    assert out.getvalue() == f"modelservice-fn {__version__}\n"
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert _entry(monkeypatch, ["a", "b"], io.StringIO(), io.StringIO()) == 2


@pytest.mark.parametrize(("argv", "code"), [(["--version"], 1), (["a", "b"], 2)])
def test_a_reader_that_went_away_is_an_exit_code_not_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                                                 argv: list[str], code: int) -> None:
    log: list[str] = []
    err = _Recorder("err", log)
    assert _entry(monkeypatch, argv, _Recorder("out", log, fail_flush=True), err) == code
    assert log[-2:] == ["out.flush", "err.flush"], "stderr is flushed even when stdout fails"
