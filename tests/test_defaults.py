"""`modelservice-fn defaults`: each ModelService as the API server would store it."""

from __future__ import annotations

from pathlib import Path

import pytest

from krm_fn import cli, defaults
from krm_fn.yamlio import read_documents

MS = """\
apiVersion: model.otterscale.io/v1alpha1
kind: ModelService
metadata:
  name: llm
  namespace: ml  # comments are not kept: the object is written again
spec:
  model:
    name: org/model
    image: registry.example.com/model:v1
  engine: {}
  accelerator:
    type: nvidia
  decode:
    replicas: 2
  inferencePool:
    endpointPicker: {}
"""
EXPECTED = """\
apiVersion: model.otterscale.io/v1alpha1
kind: ModelService
metadata:
  name: llm
  namespace: ml
spec:
  model:
    name: org/model
    image: registry.example.com/model:v1
    mountPath: /models
  engine:
    image: ghcr.io/llm-d/llm-d-cuda:v0.5.1
    port: 8000
  accelerator:
    type: nvidia
  decode:
    replicas: 2
  inferencePool:
    endpointPicker:
      failureMode: FailOpen
      image: ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0
      port: 9002
      replicas: 1
"""


def main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["defaults", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fills_in_every_crd_default_and_nothing_else(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text(MS)
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")
    assert main(capsys, str(tmp_path)) == (0, EXPECTED, "")


def test_the_output_is_what_the_function_reads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Defaulting is idempotent: the defaulted object gives itself back."""
    (tmp_path / "ms.yaml").write_text(EXPECTED)
    assert main(capsys, str(tmp_path / "ms.yaml"))[1] == EXPECTED
    (doc,) = read_documents(EXPECTED)
    assert defaults.defaulted(doc.value, defaults.schema_for(defaults.EPPConfig()))[0] == doc.value


def test_several_modelservices_and_a_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MS + "---\n" + MS.replace("name: llm", "name: two"))
    code, out, _ = main(capsys, str(tmp_path / "a.yaml"))
    assert code == 0 and out == EXPECTED + "---\n" + EXPECTED.replace("name: llm", "name: two")


@pytest.mark.parametrize(("text", "needle"), [
    (MS.replace("replicas: 2", "replicas: -2"),
     "ModelService ml/llm spec.decode.replicas: must be greater than or equal to 0 ({d}/ms.yaml)"),
    (MS.replace("kind: ModelService", "kind: ModelServce"),
     ("ModelServce llm kind: unknown kind ModelServce in model.otterscale.io: did you mean kind: ModelService? "
     "({d}/ms.yaml)")),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", "no ModelService found in {d}"),
])
def test_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "ms.yaml").write_text(text)
    code, out, err = main(capsys, str(tmp_path))
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert needle.format(d=tmp_path.as_posix()) in err


def test_the_config_is_read_and_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text(MS)
    (tmp_path.parent / "c.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                            "metadata:\n  name: c\nprovider: bogus\n")
    code, _, err = main(capsys, "--config", str(tmp_path.parent / "c.yaml"), str(tmp_path))
    assert code == 1 and "EPPConfig c provider:" in err


@pytest.mark.parametrize(("argv", "needle"), [([], "no PATH given"), (["--nope", "."], "unknown option --nope"),
                                              (["--config"], "--config needs a FILE")])
def test_usage(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = main(capsys, *argv)
    assert (code, out) == (2, "") and needle in err
    assert main(capsys, "--help")[1].startswith("usage: modelservice-fn defaults [--config FILE] PATH...\n")


def test_the_release_chooses_the_crd(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """v1.0.0's CRD has RoleSpec.annotations; the default release's (v0.9.0-beta.1 API) does not."""
    (tmp_path / "ms.yaml").write_text(MS.replace("    replicas: 2\n", "    replicas: 2\n    annotations: {a: b}\n"))
    code, _, err = main(capsys, str(tmp_path))
    assert code == 1 and 'spec.decode.annotations: unknown field "annotations"' in err
    (tmp_path.parent / "c.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                            "metadata:\n  name: c\noperatorVersion: v1.0.0\n")
    code, out, _ = main(capsys, "--config", str(tmp_path.parent / "c.yaml"), str(tmp_path))
    assert code == 0 and "    annotations:\n      a: b\n" in out


# --- exact lines ----------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["-h"], ["--help"], ["x", "-h"]])
def test_help_exactly(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(capsys, *argv) == (0, defaults.USAGE, "")
    assert defaults.USAGE.startswith("usage: modelservice-fn defaults [--config FILE] PATH...\n")


@pytest.mark.parametrize(("argv", "line"), [
    ([], "no PATH given"), (["--config"], "--config needs a FILE"), (["--config=", "x"], "--config needs a FILE"),
    (["-v", "x"], "unknown option -v"),
])
def test_usage_errors_exactly(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    assert main(capsys, *argv) == (2, "", f"modelservice-fn defaults: {line} (see modelservice-fn defaults --help)\n")


def test_config_given_with_an_equals_sign(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text(MS)
    config = tmp_path.parent / f"{tmp_path.name}-c.yaml"
    config.write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\n")
    assert main(capsys, f"--config={config}", str(tmp_path)) == main(capsys, "--config", str(config), str(tmp_path))
    assert main(capsys, f"--config={config}", str(tmp_path))[1] == EXPECTED


def test_no_model_service_names_every_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n- a list\n")
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
    assert main(capsys, str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")) == (
        1, "", f"modelservice-fn: no ModelService found in {tmp_path}/a.yaml, {tmp_path}/b.yaml\n")


def test_errors_name_the_model_service_and_its_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\n"
                                      + MS.replace("replicas: 2", "replicas: -2"))
    assert main(capsys, str(tmp_path)) == (
        1, "", ("modelservice-fn: 1 error: ModelService ml/llm spec.decode.replicas: must be greater than or equal to 0 "
               f"({tmp_path}/ms.yaml)\n"))
    (tmp_path / "ms.yaml").write_text(MS.replace("replicas: 2", "replicas: -2").replace(
        "metadata:\n  name: llm\n  namespace: ml  # comments are not kept: the object is written again\n", "metadata: x\n"))
    code, out, err = main(capsys, str(tmp_path))
    assert (code, out) == (1, "")
    assert err.startswith("modelservice-fn: ") and "ModelService spec.decode.replicas: must be greater" in err
