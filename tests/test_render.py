"""`modelservice-fn render`: files and directories to the stream of manifests to apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn import cli, render
from krm_fn.yamlio import read_documents

ROOT = Path(__file__).resolve().parent.parent
KPT = ROOT / "examples" / "kpt"
OWNER = "fn.model.otterscale.io/owner"

MODELSERVICE = """\
apiVersion: model.otterscale.io/v1alpha1
kind: ModelService
metadata:
  name: {name}
  namespace: ml
spec:
  model:
    name: org/model
    image: registry.example.com/model:v1
  engine: {{}}
  accelerator:
    type: nvidia
  decode:
    replicas: 1
  inferencePool:
    endpointPicker: {{}}
"""
CHILDREN_OF_ONE = 12  # decode Deployment, EPP stack (9 objects), InferencePool, DestinationRule
DEFAULTS_NOTE = ("modelservice-fn: note: no EPPConfig among the inputs: using the default settings (provider istio, "
                 "metricsEndpointAuth true, no tracing); add an EPPConfig or pass --config FILE\n")


def main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = render.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def docs(stdout: str) -> list[dict[str, Any]]:
    """The output read back with YAML 1.2 rules, as the function reads."""
    return [d.value for d in read_documents(stdout)]


def kinds(objs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in objs]


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return Path(shutil.copytree(KPT, tmp_path / "pkg"))


@pytest.fixture
def app(tmp_path: Path) -> Path:
    d = tmp_path / "app"
    d.mkdir()
    (d / "ms.yaml").write_text(MODELSERVICE.format(name="llm"))
    return d


def test_renders_the_kpt_example(capsys: pytest.CaptureFixture[str], pkg: Path) -> None:
    code, out, err = main(capsys, str(pkg))
    assert (code, err) == (0, "")
    objs = docs(out)
    names = kinds(objs)
    assert names[:2] == [("ConfigMap", "feature-flags"), ("ModelService", "qwen3-32b")]
    assert len(names) == 2 + 17 and all(OWNER in o["metadata"]["annotations"] for o in objs[2:])
    assert not {"Kptfile", "EPPConfig"} & {k for k, _ in names}
    # objects the function does not own come out as written, comments and plain `on` included
    assert "  name: feature-flags # owned by the platform team\n" in out
    assert '  streaming: "on" # a string, not a boolean\n  umask: "0755"\n' in out
    assert objs[0]["data"] == {"streaming": "on", "umask": "0755", "rollout": "2024-05-01"}


def test_output_is_the_same_with_the_generated_files_present(
        capsys: pytest.CaptureFixture[str], pkg: Path) -> None:
    _, first, _ = main(capsys, str(pkg))
    children = first.split("---\n")[2:]
    (pkg / "models" / "qwen3-32b.generated.yaml").write_text("---\n".join(children))
    code, second, _ = main(capsys, str(pkg))
    assert code == 0 and second == first


def test_stale_generated_objects_are_pruned(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "old.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm-prefill\n  namespace: ml\n"
        "  annotations:\n    fn.model.otterscale.io/owner: ModelService/ml/llm\nspec: {}\n")
    code, out, _ = main(capsys, str(app))
    assert code == 0
    assert ("Deployment", "llm-prefill") not in kinds(docs(out))
    assert len(docs(out)) == 1 + CHILDREN_OF_ONE


def test_drops_what_is_not_applied(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "kustomization.yaml").write_text("resources:\n- ms.yaml\n")
    (app / "kustomize-component.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\n")
    (app / "kptfile.yaml").write_text("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: app\n")
    (app / "local.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  annotations:\n"
        "    config.kubernetes.io/local-config: \"true\"\n---\n# only a comment\n---\n- a list\n---\nplain text\n")
    (app / "epp.yml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                 "metadata:\n  name: c\nprovider: none\n")
    code, out, _ = main(capsys, str(app))
    assert code == 0
    names = kinds(docs(out))
    assert names[0] == ("ModelService", "llm") and len(names) == 1 + CHILDREN_OF_ONE - 1
    assert ("DestinationRule", "llm-epp") not in names, "the EPPConfig found was used: provider none"


def test_local_config_modelservice_is_processed_but_not_emitted(
        capsys: pytest.CaptureFixture[str], app: Path) -> None:
    text = MODELSERVICE.format(name="llm").replace(
        "  namespace: ml\n", "  namespace: ml\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n")
    (app / "ms.yaml").write_text(text)
    code, out, _ = main(capsys, str(app))
    assert code == 0
    assert [k for k, _ in kinds(docs(out))].count("ModelService") == 0
    assert len(docs(out)) == CHILDREN_OF_ONE


def test_orchestrator_annotations_are_stripped(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "x.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n"
        "    internal.config.kubernetes.io/path: x.yaml\n    config.kubernetes.io/path: x.yaml\n"
        "    config.kubernetes.io/index: '0'\n    config.k8s.io/id: '1'\n    kustomize.config.k8s.io/id: |\n"
        "      kind: ConfigMap\n    team: ml # kept\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n"
        "    internal.config.kubernetes.io/index: '1'\ndata:\n  k: 'on'\n")
    code, out, _ = main(capsys, str(app))
    assert code == 0
    by_name = {o["metadata"]["name"]: o for o in docs(out)}
    assert by_name["a"]["metadata"]["annotations"] == {"team": "ml"}
    assert by_name["b"]["metadata"] == {"name": "b"}
    assert by_name["b"]["data"] == {"k": "on"}
    assert "internal.config" not in out and "config.kubernetes.io/path" not in out


def test_files_are_read_recursively_in_sorted_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
    for rel in ("b.yaml", "a/z.yml", "a.yaml", "c/d/e.json", ".hidden/h.yaml", "notes.txt", "a/.x.yaml"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        name = rel.replace("/", "-").replace(".", "-")
        path.write_text(json.dumps(yaml.safe_load(cm.format(name))) if rel.endswith(".json") else cm.format(name))
    code, out, _ = main(capsys, "--allow-empty", str(tmp_path))
    assert code == 0
    # by path components, as filepath.Walk (kubectl apply -R) goes: a/z.yml before a.yaml
    assert [n for _, n in kinds(docs(out))] == ["a-z-yml", "a-yaml", "b-yaml", "c-d-e-json"]
    assert "{" not in out, "JSON input comes out as block YAML"


def test_namespaces_come_first(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "zz-namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n")
    _, out, _ = main(capsys, str(app))
    assert kinds(docs(out))[:2] == [("Namespace", "ml"), ("ModelService", "llm")]


def test_a_file_given_twice_is_read_once(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    code, out, err = main(capsys, str(app), str(app / "ms.yaml"), str(app / ".." / "app" / "ms.yaml"))
    assert (code, err) == (0, DEFAULTS_NOTE)
    assert len(docs(out)) == 1 + CHILDREN_OF_ONE


def test_config_file_wins_and_is_not_emitted(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "epp.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                  "metadata:\n  name: c\nprovider: gke\n")
    (app / "fn-config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: function-input\n"
                                        "data:\n  provider: none\n  metricsEndpointAuth: \"false\"\n")
    for flag in (["--config", str(app / "fn-config.yaml")], [f"--config={app / 'fn-config.yaml'}"]):
        code, out, _ = main(capsys, *flag, str(app))
        names = kinds(docs(out))
        assert code == 0 and ("ConfigMap", "function-input") not in names
        assert not {"DestinationRule", "Secret", "ClusterRole"} & {k for k, _ in names}


def test_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    text = MODELSERVICE.format(name="llm").replace(
        "  inferencePool:\n    endpointPicker: {}\n", "  httpRoute:\n    gatewayRef:\n      name: gw\n")
    (app / "ms.yaml").write_text(text)
    code, out, err = main(capsys, str(app))
    assert code == 0 and kinds(docs(out))[1] == ("Deployment", "llm-decode")
    note, warning = err.splitlines(keepends=True)
    assert note == DEFAULTS_NOTE
    assert warning.startswith("modelservice-fn: warning: ModelService ml/llm spec.httpRoute: ")


@pytest.mark.parametrize(("setup", "needle"), [
    (lambda d: (d / "ms.yaml").write_text(MODELSERVICE.format(name="llm").replace("replicas: 1", "replicas: x")),
     "spec.decode.replicas: must be of type integer, not string ({d}/ms.yaml)"),
    (lambda d: (d / "ms.yaml").write_text(MODELSERVICE.format(name="llm").replace("  namespace: ml\n", "")),
     "metadata.namespace: is required"),
    (lambda d: (d / "two.yaml").write_text(MODELSERVICE.format(name="llm")),
     "duplicate ModelService ml/llm (also in {d}/ms.yaml)"),
    (lambda d: (d / "bad.yaml").write_text("a: [1, 2\n"), "{d}/bad.yaml: invalid YAML: line "),
    (lambda d: (d / "bin.yaml").write_bytes(b"a: \xff\n"), "{d}/bin.yaml: not UTF-8 text"),
    (lambda d: [(d / f"e{i}.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n")
                for i in (1, 2)], "found 2 EPPConfig objects ({d}/e1.yaml, {d}/e2.yaml)"),
    (lambda d: (d / "e.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                         "metadata:\n  name: c\nprovider: nginx\n"),
     'EPPConfig c provider: unsupported value "nginx": must be one of "istio", "gke", "none" ({d}/e.yaml)'),
    (lambda d: (d / "e.yaml").write_text("apiVersion: fn.model.otterscale.io/v1beta9\nkind: EPPConfig\n"),
     "must be fn.model.otterscale.io/v1alpha1 EPPConfig or a v1 ConfigMap, not apiVersion fn.model.otterscale.io/v1beta9"),
])
def test_errors_are_one_line_with_nothing_on_stdout(
        capsys: pytest.CaptureFixture[str], app: Path, setup: Any, needle: str) -> None:
    setup(app)
    code, out, err = main(capsys, str(app))
    assert (code, out) == (1, "")
    assert err.startswith("modelservice-fn: ") and err.count("\n") == 1
    assert needle.format(d=app.as_posix()) in err


def test_a_line_break_in_a_file_name_stays_escaped(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "bad\nname.yaml").write_text(MODELSERVICE.format(name="other").replace("replicas: 1", "replicas: x"))
    code, _, err = main(capsys, str(app))
    assert code == 1 and err.count("\n") == 1 and "bad\\nname.yaml" in err


def test_error_names_the_file_as_the_user_gave_it(
        capsys: pytest.CaptureFixture[str], app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (app / "sub").mkdir()
    (app / "sub" / "ms.yaml").write_text(MODELSERVICE.format(name="Bad_Name"))
    monkeypatch.chdir(app)
    code, _, err = main(capsys, ".")
    assert code == 1 and "metadata.name: must be a lowercase DNS-1123 subdomain (sub/ms.yaml)" in err


@pytest.mark.parametrize(("argv", "needle"), [
    (["nope"], "nope: no such file or directory"),
    (["--config", "nope.yaml", "."], "--config nope.yaml: no such file"),
])
def test_missing_paths(capsys: pytest.CaptureFixture[str], app: Path, monkeypatch: pytest.MonkeyPatch,
                       argv: list[str], needle: str) -> None:
    monkeypatch.chdir(app)
    code, out, err = main(capsys, *argv)
    assert (code, out) == (1, "") and needle in err


def test_config_file_with_several_documents(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app.parent / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\n")
    code, _, err = main(capsys, "--config", str(app.parent / "c.yaml"), str(app))
    assert code == 1 and "found 2 documents" in err


def test_an_empty_directory_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("no manifests\n")
    code, out, err = main(capsys, str(tmp_path))
    assert (code, out) == (1, "") and "no .yaml, .yml or .json files" in err


@pytest.mark.parametrize(("argv", "needle"), [
    ([], "no PATH given"), (["--verbose", "."], "unknown option --verbose"), (["--config"], "--config needs a FILE"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = main(capsys, *argv)
    assert (code, out) == (2, "") and needle in err and err.count("\n") == 1


def test_help_and_the_cli_dispatch(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    code, out, _ = main(capsys, "--help")
    assert code == 0 and out.startswith("usage: modelservice-fn render [--config FILE] [--strict] [--allow-empty]\n")
    assert cli.main(["render", "--", str(app)]) == 0
    assert len(docs(capsys.readouterr().out)) == 1 + CHILDREN_OF_ONE


def test_strip_annotations_keeps_the_object_when_there_is_nothing_to_strip() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "annotations": {"x": "y"}}}
    assert render.strip_annotations(obj) is obj
    marked = {**obj, "metadata": {"name": "a", "annotations": {"config.k8s.io/id": "1"}}}
    assert render.strip_annotations(marked) == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    assert marked["metadata"]["annotations"] == {"config.k8s.io/id": "1"}, "the input is not changed"


# --------------------------------------------------------------------------- usability


def test_a_resource_list_file_is_expanded_with_its_function_config(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, str(ROOT / "examples" / "resourcelist.yaml"))
    assert (code, err) == (0, ""), "the ResourceList's functionConfig is the EPPConfig: no defaults note"
    names = kinds(docs(out))
    assert names[:2] == [("ModelService", "qwen3-32b"), ("Deployment", "qwen3-32b-decode")]
    assert ("ConfigMap", "feature-flags") in names and len(names) == 2 + 17
    assert "kind: ResourceList" not in out and "internal.config" not in out


def test_list_files_are_expanded(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    """`kubectl get -o yaml` output: a v1 List, and typed lists whose items lack apiVersion/kind."""
    (app / "ms.yaml").write_text("apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "- " + line if i == 0 else "  " + line
        for i, line in enumerate(MODELSERVICE.format(name="llm").splitlines(keepends=True))))
    (app / "cms.yaml").write_text("apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata:\n    name: a\n"
                                  "  data:\n    k: v # kept\n- apiVersion: v1\n  kind: ConfigMap\n"
                                  "  metadata:\n    name: b # text reused\n")
    code, out, _ = main(capsys, str(app))
    assert code == 0
    assert kinds(docs(out))[:3] == [("ConfigMap", "a"), ("ConfigMap", "b"), ("ModelService", "llm")]
    assert "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b # text reused\n" in out
    assert len(docs(out)) == 3 + CHILDREN_OF_ONE


def test_an_object_emitted_twice_is_a_warning(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n"
    (app / "namespace.yaml").write_text(ns)
    (app / "namespace-patch.yaml").write_text(ns + "  labels:\n    team: a\n")
    code, out, err = main(capsys, str(app))
    assert code == 0 and [k for k, _ in kinds(docs(out))].count("Namespace") == 2
    assert err.splitlines()[1] == (
        f"modelservice-fn: warning: Namespace ml is emitted twice ({app.as_posix()}/namespace-patch.yaml, "
        f"{app.as_posix()}/namespace.yaml): kubectl apply keeps the last one. If one of them is a kustomize patch or "
        'not meant to be applied, mark it config.kubernetes.io/local-config: "true" or leave its file out of the '
        "PATHs")
    code, out, err = main(capsys, "--strict", str(app))
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert "Namespace ml is emitted twice" in err and "(strict: warnings are errors)" in err


def test_defaults_note(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    _, _, err = main(capsys, str(app))
    assert err == DEFAULTS_NOTE
    (app / "epp.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                  "metadata:\n  name: c\n")
    assert main(capsys, str(app))[2] == ""


def test_no_modelservice_is_an_error_unless_allowed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    code, out, err = main(capsys, str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (f"modelservice-fn: no ModelService found in {tmp_path}: nothing to render "
                   "(pass --allow-empty if that is expected)\n")
    assert main(capsys, "--allow-empty", str(tmp_path))[:2] == (0, ("apiVersion: v1\nkind: ConfigMap\n"
                                                                  "metadata:\n  name: a\n"))
    (tmp_path / "epp.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                       "metadata:\n  name: c\nallowEmpty: true\n")
    assert main(capsys, str(tmp_path))[0] == 0


def test_strict_turns_warnings_into_errors(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "ms.yaml").write_text(MODELSERVICE.format(name="llm").replace("  decode:\n", "  prefill: {}\n  decode:\n"))
    code, out, err = main(capsys, "--strict", str(app))
    assert (code, out) == (1, "")
    assert err == (
        "modelservice-fn: 1 error: ModelService ml/llm spec.prefill: prefill/decode disaggregation without "
        "spec.routingProxy: decode pods get no routing sidecar, so requests never reach the prefill pods: add "
        "spec.routingProxy: {} (the defaults) or remove spec.prefill (strict: warnings are errors) "
        f"({app.as_posix()}/ms.yaml)\n")
    (app / "epp.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\n"
                                  "metadata:\n  name: c\nstrict: true\n")
    assert main(capsys, str(app))[0] == 1
    assert main(capsys, "--allow-empty", str(app))[0] == 1


@pytest.mark.parametrize(("text", "needle"), [
    (MODELSERVICE.format(name="llm").replace("kind: ModelService", "kind: Modelservice"),
     "Modelservice ml/llm kind: unknown kind Modelservice in model.otterscale.io: did you mean kind: ModelService?"),
    (MODELSERVICE.format(name="llm").replace("model.otterscale.io/", "models.otterscale.io/"),
     ("ModelService ml/llm apiVersion: models.otterscale.io/v1alpha1 ModelService is not read by this function: "
     "did you mean apiVersion: model.otterscale.io/v1alpha1?")),
    (MODELSERVICE.format(name="llm") + "---\napiVersion: fn.model.otterscale.io/v1alpha1\nkind: EppConfig\n"
     "metadata:\n  name: c\n  annotations:\n    config.kubernetes.io/local-config: 'true'\n",
     "EppConfig c kind: unknown kind EppConfig in fn.model.otterscale.io: did you mean kind: EPPConfig?"),
    (MODELSERVICE.format(name="llm").replace("    replicas: 1", "    replcias: 1"),
     'spec.decode.replcias: unknown field "replcias" (did you mean replicas?)'),
    (MODELSERVICE.format(name="llm").replace("  engine: {}\n", ""),
     "spec.engine: required field is missing (write engine: {} to take the defaults)"),
])
def test_typos_are_errors_that_say_what_was_meant(
        capsys: pytest.CaptureFixture[str], app: Path, text: str, needle: str) -> None:
    (app / "ms.yaml").write_text(text)
    code, out, err = main(capsys, str(app))
    assert (code, out) == (1, "")
    assert needle in err and f"({app.as_posix()}/ms.yaml)" in err


def test_a_misspelled_config_file(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app.parent / "c.yaml").write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EppConfig\n")
    code, _, err = main(capsys, "--config", str(app.parent / "c.yaml"), str(app))
    assert code == 1 and err.endswith("not apiVersion fn.model.otterscale.io/v1alpha1, kind EppConfig "
                                      f"(did you mean kind: EPPConfig?) ({app.parent.as_posix()}/c.yaml)\n")


def test_yaml_1_1_lookalikes_in_applied_objects_are_warnings(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  labels:\n    quoted: 'on'\n"
        "data:\n  enabled: on\n  mode: 0755\n  text: hello\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trap\n  annotations:\n"
        "    config.kubernetes.io/local-config: 'true'\ndata:\n  enabled: on\n")
    code, out, err = main(capsys, str(app))
    assert code == 0 and "  enabled: on\n  mode: 0755\n" in out, "never changed"
    warnings = err.splitlines()[1:]
    assert warnings == [
        f"modelservice-fn: warning: ConfigMap flags data[{key}]: the plain value {raw} is read as a {what} by "
        f"YAML 1.1 readers (kubectl, Argo CD, Helm): the object is rejected or the value changes. Quote it "
        f'("{raw}"), or mark the object config.kubernetes.io/local-config if it is not applied '
        f"({app.as_posix()}/cm.yaml)" for key, raw, what in (("enabled", "on", "boolean"), ("mode", "0755", "number"))]


def test_summary(capsys: pytest.CaptureFixture[str], pkg: Path) -> None:
    code, out, err = main(capsys, "--summary", str(pkg))
    assert (code, err) == (0, "")
    assert out == f"""\
ModelService ml-serving/qwen3-32b ({pkg.as_posix()}/models/qwen3-32b.yaml): 17 objects
├── Deployment          qwen3-32b-decode
├── Deployment          qwen3-32b-prefill
├── ServiceAccount      qwen3-32b-epp
├── ConfigMap           qwen3-32b-epp-config
├── Deployment          qwen3-32b-epp
├── Service             qwen3-32b-epp
├── Secret              qwen3-32b-epp-sa-metrics-reader-secret
├── Role                qwen3-32b-epp
├── RoleBinding         qwen3-32b-epp
├── ClusterRole         ml-serving-qwen3-32b-epp
├── ClusterRoleBinding  ml-serving-qwen3-32b-epp
├── InferencePool       qwen3-32b
├── HTTPRoute           qwen3-32b
├── DestinationRule     qwen3-32b-epp
├── PodMonitor          qwen3-32b-decode
├── PodMonitor          qwen3-32b-prefill
└── ServiceMonitor      qwen3-32b-epp
19 objects to apply: 17 generated, 2 from the inputs
"""


def test_diff_is_a_ci_gate(capsys: pytest.CaptureFixture[str], pkg: Path) -> None:
    _, first, _ = main(capsys, str(pkg))
    gen = pkg / "models" / "qwen3-32b.generated.yaml"
    gen.write_text("---\n".join(first.split("---\n")[2:]))
    assert main(capsys, "--diff", str(pkg)) == (0, "", "")
    ms = pkg / "models" / "qwen3-32b.yaml"
    ms.write_text(ms.read_text().replace("    connector: nixlv2\n", "    connector: lmcache\n"))
    code, out, _ = main(capsys, "--diff", str(pkg))
    where = f"{pkg.as_posix()}/models/qwen3-32b.generated.yaml Deployment ml-serving/qwen3-32b-decode"
    assert code == 1 and out.startswith(f"--- {where}\n+++ {where}\n@@ ")
    assert "\n-        - nixlv2\n+        - lmcache\n" in out and out.count("\n--- ") == 0
    ms.write_text(remove_block(ms.read_text(), "httpRoute"))
    code, out, _ = main(capsys, "--diff", str(pkg))
    route = f"{pkg.as_posix()}/models/qwen3-32b.generated.yaml HTTPRoute ml-serving/qwen3-32b"
    assert code == 1 and f"--- {route}\n+++ /dev/null\n@@ -1,25 +0,0 @@\n-apiVersion: gateway.networking.k8s.io/v1\n" in out
    gen.unlink()
    code, out, _ = main(capsys, "--diff", str(pkg))
    assert code == 1 and out.count("--- /dev/null\n") == 16


def test_json_output(capsys: pytest.CaptureFixture[str], pkg: Path) -> None:
    _, as_yaml, _ = main(capsys, str(pkg))
    code, out, _ = main(capsys, "-o", "json", str(pkg))
    listed = json.loads(out)
    assert code == 0 and (listed["apiVersion"], listed["kind"]) == ("v1", "List")
    assert listed["items"] == docs(as_yaml)
    assert main(capsys, "--output=yaml", str(pkg))[1] == as_yaml


@pytest.mark.parametrize(("argv", "needle"), [
    (["-o", "xml", "."], "-o must be yaml or json, not xml"),
    (["--summary", "--diff", "."], "choose one of -o json, --summary and --diff"),
    (["--strct", "."], "unknown option --strct (did you mean --strict?)"),
])
def test_more_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = main(capsys, *argv)
    assert (code, out) == (2, "") and needle in err


def remove_block(text: str, key: str) -> str:
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {key}:\n")
    end = start + 1
    while end < len(lines) and (lines[end].startswith("   ") or not lines[end].strip()):
        end += 1
    return "".join(lines[:start] + lines[end:])


def test_documents_with_anchors_are_written_without_them(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n"
                                      "  x: &v one\n  y: *v\n")
    code, out, _ = main(capsys, "--allow-empty", str(tmp_path))
    assert code == 0
    assert out == 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: one\n  "y": one\n'


# --- exact lines and the edges of what is applied ------------------------------------------------

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
NOTE = ("modelservice-fn: note: no EPPConfig among the inputs: using the default settings (provider istio, "
        "metricsEndpointAuth true, no tracing); add an EPPConfig or pass --config FILE\n")


def test_tool_configs_are_dropped_but_not_their_namesakes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux\n---\n"
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\n---\n"
        "apiVersion: other.example.com/v1\nkind: Kptfile\nmetadata:\n  name: not-kpt\n---\n"
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n---\n"
        "apiVersion: v1\nkind: Component\nmetadata:\n  name: core\n")
    code, out, err = main(capsys, "--allow-empty", str(tmp_path))
    assert (code, err) == (0, NOTE)
    assert kinds(docs(out)) == [("Kustomization", "flux"), ("Kptfile", "not-kpt"), ("Component", "core")]


@pytest.mark.parametrize(("value", "kept"), [('"true"', False), ("true", False), ('"false"', True), ("yes", True)])
def test_local_config_means_true(capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, kept: bool) -> None:
    (tmp_path / "a.yaml").write_text(CM.format(name="c") + f"  annotations:\n    config.kubernetes.io/local-config: "
                                                           f"{value}\n")
    code, out, _ = main(capsys, "--allow-empty", str(tmp_path))
    assert code == 0 and (out != "") is kept


def test_namespaces_then_crds_then_the_input_order(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {name}\n"
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"
    (tmp_path / "a.yaml").write_text("---\n".join([CM.format(name="c1"), crd.format(name="d1"), ns.format(name="n1"),
                                                   CM.format(name="c2"), ns.format(name="n2"), crd.format(name="d2")]))
    code, out, _ = main(capsys, "--allow-empty", str(tmp_path))
    assert code == 0
    assert kinds(docs(out)) == [("Namespace", "n1"), ("Namespace", "n2"), ("CustomResourceDefinition", "d1"),
                                ("CustomResourceDefinition", "d2"), ("ConfigMap", "c1"), ("ConfigMap", "c2")]


def test_objects_whose_annotations_cannot_be_placed_pass_through(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    odd = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  annotations: [not, a, map]\n"
    (tmp_path / "a.yaml").write_text(odd + "---\napiVersion: v1\nkind: Secret\nmetadata: plain\n")
    assert main(capsys, "--allow-empty", str(tmp_path)) == (
        0, odd + "---\napiVersion: v1\nkind: Secret\nmetadata: plain\n", NOTE)


@pytest.mark.parametrize(("argv", "line"), [
    ([], "no PATH given"), (["--config"], "--config needs a FILE"), (["--config=", "."], "--config needs a FILE"),
    (["-v", "."], "unknown option -v"),
])
def test_usage_errors_exactly(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    assert main(capsys, *argv) == (2, "", f"modelservice-fn render: {line} (see modelservice-fn render --help)\n")


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_exactly(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    assert main(capsys, "x", flag) == (0, render.USAGE, "")


def test_paths_after_a_double_dash_are_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.yaml").write_text(CM.format(name="dash"))
    assert main(capsys, "--allow-empty", "--", "-x.yaml") == (0, CM.format(name="dash"), NOTE)
    assert main(capsys, "--", "-missing") == (1, "", "modelservice-fn: -missing: no such file or directory\n")


def test_errors_exactly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(capsys, str(empty)) == (
        1, "", f"modelservice-fn: {empty}: no .yaml, .yml or .json files in this directory\n")
    (tmp_path / "bad.yaml").write_bytes(b"a: 1\n\xff")
    assert main(capsys, str(tmp_path / "bad.yaml")) == (
        1, "", f"modelservice-fn: {tmp_path}/bad.yaml: not UTF-8 text (invalid byte at offset 5)\n")
    (tmp_path / "ms.yaml").write_text(MODELSERVICE.format(name="llm").replace("type: nvidia", "type: tpu"))
    assert main(capsys, str(tmp_path / "ms.yaml")) == (
        1, "", (f'modelservice-fn: 1 error: ModelService ml/llm spec.accelerator.type: unsupported value "tpu": '
               f'must be one of "nvidia", "amd", "intel-gaudi", "google", "cpu" ({tmp_path}/ms.yaml)\n'))


def test_config_errors_exactly(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    two = app.parent / "two.yaml"
    two.write_text(CM.format(name="a") + "---\n" + CM.format(name="b"))
    assert main(capsys, "--config", str(two), str(app)) == (
        1, "", f"modelservice-fn: --config {two}: expected one EPPConfig or ConfigMap, found 2 documents\n")
    bad = app.parent / "bad.yaml"
    bad.write_text("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\n"
                   "provider: aws\n")
    assert main(capsys, "--config", str(bad), str(app)) == (
        1, "", f'modelservice-fn: 1 error: EPPConfig c provider: unsupported value "aws": must be one of "istio", "gke", "none" ({bad})\n')
    (app / "c1.yaml").write_text(bad.read_text().replace("aws", "none"))
    (app / "c2.yaml").write_text(bad.read_text())
    assert main(capsys, str(app)) == (
        1, "", (f"modelservice-fn: found 2 EPPConfig objects ({app}/c1.yaml, {app}/c2.yaml): keep one, or choose "
               "with --config FILE\n"))
    (app / "c1.yaml").unlink()
    assert main(capsys, str(app)) == (
        1, "", (f'modelservice-fn: 1 error: EPPConfig c provider: unsupported value "aws": must be one of "istio", "gke", "none" '
               f"({app}/c2.yaml)\n"))


def test_a_warning_is_one_exact_line(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "ms.yaml").write_text(MODELSERVICE.format(name="llm").replace("  decode:\n", "  prefill: {}\n  decode:\n"))
    code, out, err = main(capsys, str(app))
    assert code == 0 and out
    assert err == NOTE + (f"modelservice-fn: warning: ModelService ml/llm spec.prefill: prefill/decode "
                          f"disaggregation without spec.routingProxy: decode pods get no routing sidecar, so requests "
                          f"never reach the prefill pods: add spec.routingProxy: {{}} (the defaults) or remove "
                          f"spec.prefill ({app}/ms.yaml)\n")
