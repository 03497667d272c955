"""krm_fn.fn: the legacy kustomize plugin mode (bare streams) and its messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn import fn
from tests.conftest import ROOT

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

# --- ResourceList mode and the legacy stream, exactly ------------------------------------------

RL = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
MS_CPU = ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata: {name: m, namespace: ns}\n"
      "spec:\n  model: {name: m, image: 'reg/m:1'}\n  engine: {}\n  accelerator: {type: cpu}\n  decode: {}\n")
CONFIG_NONE = ("apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata: {name: c}\nprovider: none\n"
               "metricsEndpointAuth: false\n")
ALLOW_EMPTY = CONFIG_NONE + "allowEmpty: true\n"


def nothing_to_generate(items: int) -> str:
    return (f"results:\n- message: 'no ModelService found among the {items} items: nothing to generate'\n"
            "  severity: info\n")


def fatal(message: str) -> fn.Run:
    quoted = yaml.safe_dump({"message": message}, width=1 << 30, allow_unicode=True).removesuffix("\n")
    return fn.Run(f"{RL}items: []\nresults:\n- {quoted}\n  severity: error\n", 1,
                  f"modelservice-fn: 1 error: {message}\n")


def items_block(*items: str) -> str:
    """A block sequence of items, each given as the text of a mapping."""
    return "".join("- " + "\n  ".join(item.rstrip("\n").split("\n")) + "\n" for item in items)


# --- ResourceList mode ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("", "input is empty: expected a ResourceList on stdin"),
    ("---\n...\n---\n", "input is empty: expected a ResourceList on stdin"),
    ("# only a comment\n", "input is empty: expected a ResourceList on stdin"),
    ("a: [\n", "input is not valid YAML: line 2 column 1: did not find expected node content"),
    (f"{RL}items: []\n---\na: 1\n", ("input holds several YAML documents: expected one ResourceList (to render "
                                    "files, use `modelservice-fn render PATH`)")),
    ("[1, 2]\n", "input is not a ResourceList (kind: ResourceList, apiVersion: config.kubernetes.io/v1)"),
    ("kind: List\nitems: []\n", ("input is not a ResourceList (kind: ResourceList, apiVersion: "
                                "config.kubernetes.io/v1)")),
    ("apiVersion: config.kubernetes.io/v2\nkind: ResourceList\nitems: []\n",
     "unsupported ResourceList apiVersion 'config.kubernetes.io/v2': expected config.kubernetes.io/v1"),
    (f"{RL}items: {{}}\n", "the ResourceList has no items list"),
    (f"{RL}", "the ResourceList has no items list"),
])
def test_input_that_is_not_a_resource_list(text: str, message: str) -> None:
    assert fn.process_resource_list(text) == fatal(message)


def test_fatal_is_a_resource_list_with_one_result() -> None:
    run = fn.fatal("x: y")
    assert run == fatal("x: y")
    assert yaml.safe_load(run.stdout) == {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                                          "items": [], "results": [{"message": "x: y", "severity": "error"}]}


@pytest.mark.parametrize("version", ["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"])
def test_both_resource_list_versions_are_read_and_kept(version: str) -> None:
    text = f"apiVersion: {version}\nkind: ResourceList\nitems:\n- a: on  # kept\n"
    assert fn.process_resource_list(text) == fn.Run(text + nothing_to_generate(1), 0)


def test_empty_documents_around_the_resource_list_are_ignored() -> None:
    assert fn.process_resource_list(f"---\n---\n{RL}items: []\n---\n") == fn.Run(
        f"{RL}items: []\n" + nothing_to_generate(0), 0)


def test_items_that_are_not_objects_are_errors_and_everything_comes_back() -> None:
    text = f"{RL}items:\n- a: 1\n- 5\n- [x]\n"
    assert fn.process_resource_list(text) == fn.Run(
        f"{RL}items:\n- a: 1\n- 5\n- - x\nresults:\n"
        "- message: items[1] must be an object, not integer\n  severity: error\n"
        "- message: items[2] must be an object, not array\n  severity: error\n", 1,
        "modelservice-fn: 2 errors: items[1] must be an object, not integer; items[2] must be an object, "
        "not array\n")


def test_no_model_service_no_function_config_is_the_identity() -> None:
    text = f"{RL}items:\n- a: 1\n-   b: 0755  # odd indent\n- {{flow: [1]}}\n"
    assert fn.process_resource_list(text) == fn.Run(f"{RL}items:\n- a: 1\n-   b: 0755  # odd indent\n- flow:\n"
                                                    "  - 1\n" + nothing_to_generate(3), 0)


def test_the_function_config_is_echoed_even_when_empty() -> None:
    assert fn.process_resource_list(f"{RL}items: []\nfunctionConfig: {{}}\n") == fn.Run(
        f"{RL}items: []\nfunctionConfig: {{}}\n" + nothing_to_generate(0), 0)


def test_function_config_errors_name_the_object_and_its_file() -> None:
    text = (f"{RL}items:\n- a: 1\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n"
            "    annotations: {config.kubernetes.io/path: fc.yaml, config.kubernetes.io/index: '2'}\n"
            "  data: {provider: aws}\n")
    run = fn.process_resource_list(text)
    assert (run.exit_code, run.stderr) == (1, ("modelservice-fn: 1 error: ConfigMap c data.provider: unsupported "
                                              'value "aws": must be one of "istio", "gke", "none" (fc.yaml)\n'))
    assert run.stdout.startswith(f"{RL}items:\n- a: 1\nfunctionConfig:\n  apiVersion: v1\n")
    assert yaml.safe_load(run.stdout)["results"] == [{
        'message': 'unsupported value "aws": must be one of "istio", "gke", "none"', "severity": "error",
        "resourceRef": {"apiVersion": "v1", "kind": "ConfigMap", "name": "c"},
        "field": {"path": "data.provider", "currentValue": "aws"}, "file": {"path": "fc.yaml", "index": 2}}]


def test_a_function_config_without_a_kind_is_named_as_such() -> None:
    run = fn.process_resource_list(f"{RL}items: []\nfunctionConfig: {{provider: x}}\n")
    assert run.stderr == ("modelservice-fn: 1 error: functionConfig: must be fn.model.otterscale.io/v1alpha1 "
                          "EPPConfig or a v1 ConfigMap, not apiVersion (none), kind (none)\n")
    assert yaml.safe_load(run.stdout)["results"] == [{
        "message": "functionConfig: must be fn.model.otterscale.io/v1alpha1 EPPConfig or a v1 ConfigMap, not "
                   "apiVersion (none), kind (none)", "severity": "error"}]


def test_load_function_config() -> None:
    cfg, results = fn.load_function_config(None)
    assert cfg is not None and cfg.provider == "istio" and results == []
    obj: dict[str, Any] = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig",
                           "metadata": {"name": "x", "annotations": {"config.kubernetes.io/path": "in.yaml"}},
                           "provider": "aws"}
    cfg, results = fn.load_function_config(obj, "given.yaml")
    assert cfg is None
    assert [r.line() for r in results] == [
        'EPPConfig x provider: unsupported value "aws": must be one of "istio", "gke", "none" (given.yaml)']
    cfg, results = fn.load_function_config(obj)
    assert [(r.file, r.index) for r in results] == [("in.yaml", None)]
    obj["metadata"] = "not a map"
    assert [r.line() for r in fn.load_function_config(obj)[1]] == [
        'EPPConfig provider: unsupported value "aws": must be one of "istio", "gke", "none"']
    assert [r.line() for r in fn.load_function_config([1], "f.yaml")[1]] == [
        "functionConfig: functionConfig must be an object (f.yaml)"]


def test_a_generating_run_keeps_the_items_and_adds_its_objects() -> None:
    text = f"{RL}items:\n{items_block(MS_CPU)}functionConfig:\n" + "".join(f"  {line}\n" for line in
                                                                       CONFIG_NONE.splitlines())
    run = fn.process_resource_list(text)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout.startswith(f"{RL}items:\n{items_block(MS_CPU)}- apiVersion: apps/v1\n  kind: Deployment\n")
    out = yaml.safe_load(run.stdout)
    assert [i["kind"] for i in out["items"]] == ["ModelService", "Deployment"]
    assert out["functionConfig"]["provider"] == "none"
    assert out["results"] == [{"message": "generated 1 objects: Deployment/m-decode", "severity": "info",
                               "resourceRef": {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                               "name": "m", "namespace": "ns"}}]
    assert fn.process_resource_list(run.stdout) == run


def test_the_rerun_of_a_golden_output_keeps_every_byte() -> None:
    expected = (ROOT / "tests" / "cases" / "monitoring-on" / "expected.yaml").read_text()
    assert fn.process_resource_list(expected) == fn.Run(expected, 0)


# --- the legacy stream (kustomize exec plugin) -------------------------------------------------

def test_legacy_stream_output_is_the_resource_list_output_as_documents() -> None:
    stream = f"a: x  # kept\n---\n{MS_CPU}---\n   z: 1\n"
    run = fn.process_stream(stream, CONFIG_NONE)
    assert (run.exit_code, run.stderr) == (0, "")
    docs = run.stdout.split("---\n")
    assert docs[:2] == ["a: x  # kept\n", MS_CPU] and docs[-1] == "   z: 1\n"
    items = "".join(f"- {line}\n" if i == 0 else f"  {line}\n" for doc in (MS_CPU,)
                    for i, line in enumerate(doc.splitlines()))
    rl = fn.process_resource_list(f"{RL}items:\n- a: x\n{items}- z: 1\nfunctionConfig:\n"
                                  + "".join(f"  {line}\n" for line in CONFIG_NONE.splitlines()))
    assert list(yaml.safe_load_all(run.stdout)) == yaml.safe_load(rl.stdout)["items"]
    assert fn.process_stream(run.stdout, CONFIG_NONE) == run


def test_legacy_stream_re_emits_flow_documents() -> None:
    assert fn.process_stream("x: 1\n--- {y: 2}\n", ALLOW_EMPTY) == fn.Run('x: 1\n---\n"y": 2\n', 0)


def test_legacy_stream_skips_empty_documents_in_both_files() -> None:
    assert fn.process_stream("---\n---\na: 1\n", f"---\n{ALLOW_EMPTY}") == fn.Run("a: 1\n", 0)
    defaults = fn.process_stream(MS_CPU + "  inferencePool: {endpointPicker: {}}\n", "")  # no config: the defaults
    assert defaults.exit_code == 0 and "kind: DestinationRule" in defaults.stdout
    assert fn.process_stream("", ALLOW_EMPTY) == fn.Run("", 0)


def test_legacy_stream_uses_the_first_config_document() -> None:
    run = fn.process_stream(MS_CPU, f"{CONFIG_NONE}---\nprovider: bogus\n")
    assert run.exit_code == 0 and "kind: Deployment" in run.stdout


@pytest.mark.parametrize(("stream", "config", "stderr"), [
    ("a: [\n", CONFIG_NONE, "modelservice-fn: input is not valid YAML: line 2 column 1: did not find expected node content\n"),
    ("a: 1\n", "a: [\n", ("modelservice-fn: input is not valid YAML: line 2 column 1: did not find expected node "
                         "content\n")),
    ("a: 1\n---\n- x\n---\n5\n", CONFIG_NONE, ("modelservice-fn: 2 errors: document 2 must be an object; document 3 must "
                                         "be an object\n")),
    ("a: 1\n", "provider: x\n", ("modelservice-fn: 1 error: functionConfig: must be fn.model.otterscale.io/v1alpha1 "
                                "EPPConfig or a v1 ConfigMap, not apiVersion (none), kind (none)\n")),
    (MS_CPU.replace("cpu", "tpu"), CONFIG_NONE, ('modelservice-fn: 1 error: ModelService ns/m spec.accelerator.type: '
                                       'unsupported value "tpu": must be one of "nvidia", "amd", "intel-gaudi", '
                                       '"google", "cpu"\n')),
])
def test_legacy_stream_errors_print_nothing_on_stdout(stream: str, config: str, stderr: str) -> None:
    assert fn.process_stream(stream, config) == fn.Run("", 1, stderr)


def test_legacy_stream_writes_the_header_of_a_new_file_as_a_comment_line() -> None:
    ms = MS_CPU.replace("metadata: {name: m, namespace: ns}", "metadata:\n  name: m\n  namespace: ns\n  annotations:\n"
                        "    config.kubernetes.io/path: apps/m.yaml\n    config.k8s.io/id: '1'")
    run = fn.process_stream(ms, ALLOW_EMPTY)
    assert run.exit_code == 0
    docs = run.stdout.split("---\n")
    assert docs[1].startswith("# Generated by modelservice-fn from ModelService ns/m: edit the ModelService, not this "
                              "file (edits here are overwritten).\napiVersion: apps/v1\nkind: Deployment\n")


def test_a_resource_list_without_api_version_says_so() -> None:
    run = fn.process_resource_list("kind: ResourceList\nitems: []\n")
    assert run.exit_code == 1
    assert run.stderr == "modelservice-fn: 1 error: the ResourceList has no apiVersion: expected config.kubernetes.io/v1\n"


def test_yaml_1_1_lookalikes_in_passthrough_items_warn_in_krm_mode_and_fail_under_strict() -> None:
    item = ("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: flags\n    annotations: "
            "{config.kubernetes.io/path: flags.yaml, config.kubernetes.io/index: '0'}\n  data:\n    enabled: on\n"
            "    mode: '0755'\n")
    run = fn.process_resource_list(f"{RL}items:\n{item}")
    assert run.exit_code == 0 and f"items:\n{item}" in run.stdout  # kept as written
    (warning,) = [r for r in yaml.safe_load(run.stdout)["results"] if r["severity"] == "warning"]
    assert warning["field"] == {"path": "data[enabled]"} and warning["file"] == {"path": "flags.yaml"}  # index 0: omitted
    assert warning["message"].startswith('the plain value on is read as a boolean by YAML 1.1 readers')
    assert 'Quote it ("on")' in warning["message"]
    strict = fn.process_resource_list(f"{RL}items:\n{item}functionConfig:\n  apiVersion: fn.model.otterscale.io/v1alpha1\n"
                                      "  kind: EPPConfig\n  strict: true\n")
    assert strict.exit_code == 1 and "(strict: warnings are errors)" in strict.stderr
