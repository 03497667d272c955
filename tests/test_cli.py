"""The program as users and orchestrators run it: modes, exit codes, stdout and stderr."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from krm_fn import __version__
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
