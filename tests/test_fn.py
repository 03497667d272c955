"""krm_fn.fn: the legacy kustomize plugin mode (bare streams) and its messages."""

from __future__ import annotations

from pathlib import Path

from krm_fn import fn

CONFIG = "apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: modelservice-fn\n"
MS = """\
apiVersion: model.otterscale.io/v1alpha1
kind: ModelService
metadata:
  name: llama
  namespace: ml
spec:
  model: {name: m, image: 'reg/m:1'}
  engine: {}
  accelerator: {type: nvidia}
  decode: {}
"""
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"


def test_no_modelservice_is_an_error_that_says_where_to_list_the_config(tmp_path: Path) -> None:
    empty = fn.process_stream("", CONFIG, str(tmp_path))
    assert (empty.exit_code, empty.stdout) == (1, "")
    assert empty.stderr == (
        f"modelservice-fn: 1 error: no ModelService found: no resources were sent by the kustomization in {tmp_path} "
        "(an EPPConfig listed under generators: sees none; list it under transformers:)\n")
    other = fn.process_stream(CM, CONFIG)
    assert other.exit_code == 1 and other.stderr == (
        "modelservice-fn: 1 error: no ModelService found among the 1 resources sent (set allowEmpty: true in the "
        "EPPConfig if that is expected)\n")
    allowed = fn.process_stream(CM, CONFIG + "allowEmpty: true\n")
    assert (allowed.exit_code, allowed.stdout, allowed.stderr) == (0, CM, "")


def test_warnings_go_to_stderr_and_strict_fails() -> None:
    with_prefill = MS + "  prefill: {}\n"
    r = fn.process_stream(with_prefill, CONFIG)
    assert r.exit_code == 0 and r.stdout.startswith(with_prefill)
    assert r.stderr.startswith("modelservice-fn: warning: ModelService ml/llama spec.prefill: prefill/decode ")
    strict = fn.process_stream(with_prefill, CONFIG + "strict: true\n")
    assert (strict.exit_code, strict.stdout) == (1, "")
    assert "(strict: warnings are errors)" in strict.stderr and strict.stderr.count("\n") == 1


def test_errors_name_the_file_in_the_kustomization(tmp_path: Path) -> None:
    """kustomize sends no paths: the file is found by kind and original name, through nested bases."""
    base = tmp_path / "base"
    (base / "models").mkdir(parents=True)
    (base / "models" / "llama.yaml").write_text(MS)
    (base / "kustomization.yaml").write_text("resources:\n- models/llama.yaml\n- https://example.com/x.yaml\n")
    (tmp_path / "kustomization.yaml").write_text("resources:\n- base\ntransformers:\n- epp.yaml\n")
    renamed = MS.replace("  name: llama\n", "  name: dev-llama\n  annotations:\n"
                         "    internal.config.kubernetes.io/previousNames: llama\n")
    r = fn.process_stream(renamed.replace("decode: {}", "decode: {replicas: -1}"), CONFIG, str(tmp_path))
    assert r.exit_code == 1 and r.stderr == (
        "modelservice-fn: 1 error: ModelService ml/dev-llama spec.decode.replicas: must be greater than or equal "
        f"to 0 ({base}/models/llama.yaml)\n")
    elsewhere = fn.process_stream(MS.replace("decode: {}", "decode: {replicas: -1}"), CONFIG, str(tmp_path / "x"))
    assert elsewhere.exit_code == 1 and elsewhere.stderr.endswith("must be greater than or equal to 0\n")


def test_a_misspelled_config_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n- ms.yaml\ntransformers:\n- epp.yaml\n")
    (tmp_path / "ms.yaml").write_text(MS)
    (tmp_path / "epp.yaml").write_text(CONFIG + "provder: none\n")
    r = fn.process_stream(MS, CONFIG + "provder: none\n", str(tmp_path))
    assert r.exit_code == 1 and r.stderr.startswith("modelservice-fn: 1 error: EPPConfig modelservice-fn provder: ")
    assert r.stderr.endswith(f"({tmp_path}/epp.yaml)\n")
