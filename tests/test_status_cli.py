"""`modelservice-fn status` on files and stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn.status_cli import flatten, main

DATA = Path(__file__).parent / "data" / "status"
NOW = "2026-03-21T10:30:00Z"

TABLE = """\
NAMESPACE   NAME      PHASE     READY   DECODE   PREFILL   MESSAGE
llm         llama3    Running   False   1/3      -         1/3 replicas ready
llm         mistral   Pending   False   0/0      -         Decode Deployment has not been created yet
llm         qwen3     Ready     True    3/2      1/1       All 4 replicas are ready
team-b      gemma     Ready     True    0/0      0/0       All 0 replicas are ready
team-b      phi       Running   False   0/1      -         Waiting for serving pods to become ready
"""

SMALL = """\
apiVersion: model.otterscale.io/v1alpha1
kind: ModelService
metadata:
  name: qwen3
  namespace: llm
  generation: 2
spec:
  decode: {replicas: 2}
  prefill: {replicas: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: qwen3-decode, namespace: llm}
spec: {replicas: 2}
status: {readyReplicas: 2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: qwen3-prefill, namespace: llm}
spec: {replicas: 1}
status: {replicas: 1}
"""

SMALL_YAML = """\
apiVersion: v1
kind: List
items:
- apiVersion: model.otterscale.io/v1alpha1
  kind: ModelService
  metadata:
    name: qwen3
    namespace: llm
    generation: 2
  spec:
    decode:
      replicas: 2
    prefill:
      replicas: 1
  status:
    observedGeneration: 2
    phase: Running
    decodeReady: 2
    decodeReplicas: 2
    prefillReplicas: 1
    conditions:
    - type: Ready
      status: "False"
      observedGeneration: 2
      lastTransitionTime: "2026-03-21T10:30:00Z"
      reason: PartiallyReady
      message: 2/3 replicas ready
"""

SMALL_JSON = """\
{
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        {
            "apiVersion": "model.otterscale.io/v1alpha1",
            "kind": "ModelService",
            "metadata": {
                "name": "qwen3",
                "namespace": "llm",
                "generation": 2
            },
            "spec": {
                "decode": {
                    "replicas": 2
                },
                "prefill": {
                    "replicas": 1
                }
            },
            "status": {
                "observedGeneration": 2,
                "phase": "Running",
                "decodeReady": 2,
                "decodeReplicas": 2,
                "prefillReplicas": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "observedGeneration": 2,
                        "lastTransitionTime": "2026-03-21T10:30:00Z",
                        "reason": "PartiallyReady",
                        "message": "2/3 replicas ready"
                    }
                ]
            }
        }
    ]
}
"""


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str | bytes | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(argv, now=NOW)
    out, err = capsys.readouterr()
    return code, out, err


def fixture_items() -> list[dict[str, Any]]:
    doc = yaml.safe_load((DATA / "kubectl-get.yaml").read_text())
    items: list[dict[str, Any]] = doc["items"]
    return items


def assert_one_line_error(code: int, out: str, err: str, *parts: str) -> None:
    assert code == 1
    assert out == ""
    assert err.startswith("modelservice-fn status: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    for part in parts:
        assert part in err


# ---------------------------------------------------------------- table


def test_table_from_list_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(DATA / "kubectl-get.yaml")], capsys, monkeypatch) == (0, TABLE, "")


def test_table_from_json_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(DATA / "kubectl-get.json")], capsys, monkeypatch) == (0, TABLE, "")


def test_several_files_and_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each object once, whichever file holds it: files, directories and stdin combine."""
    items = fixture_items()
    services = [i for i in items if i["kind"] == "ModelService"]
    deployments = [i for i in items if i["kind"] == "Deployment"]
    (tmp_path / "ms").mkdir()
    (tmp_path / "ms" / ".hidden.yaml").write_text("not: [yaml\n")  # hidden: skipped
    (tmp_path / "ms" / "notes.txt").write_text("skipped\n")
    for i, ms in enumerate(services):
        (tmp_path / "ms" / f"{i}.yaml").write_text(yaml.safe_dump(ms))
    deps = tmp_path / "deployments.json"
    deps.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": deployments[1:]}))
    stdin = yaml.safe_dump(deployments[0])
    argv = [str(tmp_path / "ms"), str(deps), "-"]
    assert run(argv, capsys, monkeypatch, stdin) == (0, TABLE, "")


def test_a_directory_without_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_one_line_error(
        *run([str(tmp_path)], capsys, monkeypatch),
        f"{tmp_path}: no .yaml, .yml or .json files in this directory",
    )


def test_a_bad_file_among_several_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    assert_one_line_error(
        *run([str(DATA / "kubectl-get.yaml"), str(tmp_path / "bad.yaml")], capsys, monkeypatch),
        f"{tmp_path / 'bad.yaml'}: cannot parse input: line 2 column 1",
    )


@pytest.mark.parametrize("argv", [[], ["-"]])
def test_table_from_stdin(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = (DATA / "kubectl-get.yaml").read_text()
    assert run(argv, capsys, monkeypatch, stdin) == (0, TABLE, "")


def test_table_from_multi_document_stream(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # one object per document, in reverse order, with other kinds and empty documents
    docs: list[Any] = list(reversed(fixture_items()))
    docs[3:3] = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, None]
    docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "qwen3-epp"}})
    stdin = yaml.safe_dump_all(docs)
    assert run([], capsys, monkeypatch, stdin) == (0, TABLE, "")


def test_table_from_two_lists(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `kubectl get modelservices -A -o yaml; echo ---; kubectl get deployments -A -o yaml`
    items = fixture_items()
    lists = [
        {"apiVersion": "v1", "kind": "List", "items": [i for i in items if i["kind"] == kind]}
        for kind in ("ModelService", "Deployment")
    ]
    assert run([], capsys, monkeypatch, yaml.safe_dump_all(lists)) == (0, TABLE, "")


def test_typed_list_items_without_kind(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # API list responses (DeploymentList items carry no apiVersion/kind) as a stream
    # of JSON documents
    stream = "---\n".join(
        (DATA / "api" / f"{n}-all.json").read_text() for n in ("modelservices", "deployments")
    )
    assert run([], capsys, monkeypatch, stream) == (0, TABLE, "")


def test_namespaces_must_match(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL.replace(
        "name: qwen3-decode, namespace: llm", "name: qwen3-decode, namespace: other"
    )
    code, out, _ = run([], capsys, monkeypatch, stdin)
    assert code == 0
    assert out.splitlines()[1].split()[:5] == ["llm", "qwen3", "Pending", "False", "0/0"]


def test_unquoted_timestamps_stay_strings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL.replace(
        "generation: 2", "generation: 2\n  creationTimestamp: 2026-03-20T08:41:19Z"
    )
    code, out, _ = run(["-o", "json"], capsys, monkeypatch, stdin)
    assert code == 0
    assert json.loads(out)["items"][0]["metadata"]["creationTimestamp"] == "2026-03-20T08:41:19Z"


def test_no_modelservices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = 'apiVersion: v1\nkind: List\nitems: []\nmetadata:\n  resourceVersion: ""\n'
    assert run([], capsys, monkeypatch, stdin) == (0, "", "No ModelServices found.\n")
    # a CI gate that found nothing to check must not pass
    assert run(["--check"], capsys, monkeypatch, stdin) == (1, "", "No ModelServices found.\n")
    assert run(["--check", "-o", "json"], capsys, monkeypatch, stdin)[::2] == (1, "No ModelServices found.\n")
    expected = '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "items": []\n}\n'
    assert run(["-o", "json"], capsys, monkeypatch, stdin) == (0, expected, "")


# ---------------------------------------------------------------- yaml / json


def test_yaml_output_exact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["-o", "yaml"], capsys, monkeypatch, SMALL) == (0, SMALL_YAML, "")


def test_json_output_exact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["-o", "json"], capsys, monkeypatch, SMALL) == (0, SMALL_JSON, "")


def test_json_input_gives_same_yaml(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = json.dumps(
        {"kind": "List", "apiVersion": "v1", "items": list(yaml.safe_load_all(SMALL))}
    )
    assert run(["-o", "yaml"], capsys, monkeypatch, stdin) == (0, SMALL_YAML, "")


EXPECTED_STATUSES: dict[str, dict[str, Any]] = {
    "llm/llama3": {
        "observedGeneration": 1,
        "phase": "Running",
        "decodeReady": 1,
        "decodeReplicas": 3,
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "observedGeneration": 1,
                "lastTransitionTime": NOW,  # flipped from True
                "reason": "PartiallyReady",
                "message": "1/3 replicas ready",
            }
        ],
    },
    "llm/mistral": {
        "observedGeneration": 1,
        "phase": "Pending",
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "observedGeneration": 1,
                "lastTransitionTime": NOW,  # new
                "reason": "DeploymentNotFound",
                "message": "Decode Deployment has not been created yet",
            }
        ],
    },
    "llm/qwen3": {
        "observedGeneration": 3,
        "phase": "Ready",
        "decodeReady": 3,
        "decodeReplicas": 2,
        "prefillReady": 1,
        "prefillReplicas": 1,
        "conditions": [
            {
                "lastTransitionTime": "2026-03-20T08:41:20Z",
                "message": "Routes accepted by gateway otterscale-llm-d-infra-inference-gateway",
                "observedGeneration": 3,
                "reason": "Accepted",
                "status": "True",
                "type": "GatewayAccepted",
            },
            {
                "type": "Ready",
                "status": "True",
                "observedGeneration": 3,
                "lastTransitionTime": NOW,  # flipped from False
                "reason": "AllReplicasReady",
                "message": "All 4 replicas are ready",
            },
        ],
    },
    "team-b/gemma": {
        "observedGeneration": 2,
        "phase": "Ready",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "observedGeneration": 2,
                "lastTransitionTime": "2026-03-19T08:30:00Z",  # unchanged
                "reason": "AllReplicasReady",
                "message": "All 0 replicas are ready",
            }
        ],
    },
    "team-b/phi": {
        "observedGeneration": 4,
        "phase": "Running",
        "decodeReplicas": 1,
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "observedGeneration": 4,
                "lastTransitionTime": "2026-03-21T07:00:00Z",  # unchanged
                "reason": "PodsStarting",
                "message": "Waiting for serving pods to become ready",
            }
        ],
    },
}


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_fixture_statuses(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run([str(DATA / "kubectl-get.yaml"), "-o", fmt], capsys, monkeypatch)
    assert (code, err) == (0, "")
    doc = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert (doc["apiVersion"], doc["kind"]) == ("v1", "List")
    got = {
        f"{i['metadata']['namespace']}/{i['metadata']['name']}": i["status"] for i in doc["items"]
    }
    assert list(got) == list(EXPECTED_STATUSES)  # sorted by namespace, then name
    assert got == EXPECTED_STATUSES
    # everything but the status is passed through
    originals = {
        f"{i['metadata']['namespace']}/{i['metadata']['name']}": i
        for i in fixture_items()
        if i["kind"] == "ModelService"
    }
    for item in doc["items"]:
        original = originals[f"{item['metadata']['namespace']}/{item['metadata']['name']}"]
        assert {k: v for k, v in item.items() if k != "status"} == {
            k: v for k, v in original.items() if k != "status"
        }


# ---------------------------------------------------------------- --check


def test_check_not_ready_exits_3_after_printing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(DATA / "kubectl-get.yaml"), "--check"], capsys, monkeypatch) == (3, TABLE, "")


def test_check_all_ready_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL.replace("status: {replicas: 1}", "status: {readyReplicas: 1}")
    code, out, err = run(["--check", "-o", "json"], capsys, monkeypatch, stdin)
    assert (code, err) == (0, "")
    assert json.loads(out)["items"][0]["status"]["phase"] == "Ready"


def test_check_with_yaml_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["--check", "-o", "yaml"], capsys, monkeypatch, SMALL) == (3, SMALL_YAML, "")


# ---------------------------------------------------------------- errors


MALFORMED = {
    "yaml-unclosed": (
        "kind: List\nitems: [\n",
        "cannot parse input: line 3 column 1: did not find expected node content",
    ),
    "yaml-indent": (
        "a: b\n c: d\n",
        "cannot parse input: line 2 column 3: mapping values are not allowed in this context",
    ),
    "json": (
        '{"kind": "List", "items": [}',
        "cannot parse input: line 1 column 28: did not find expected node content",
    ),
    "empty": ("", "empty input"),
    "blank": ("\n  \n", "empty input"),
    "top-level-list": ("- a\n- b\n", "document 1: expected an object, got list"),
    "scalar-document": (
        "kind: List\n---\njust a string\n",
        "document 2: expected an object, got str",
    ),
    "scalar-item": ("kind: List\nitems: [1]\n", "document 1: items[0] is not an object"),
    # read by the function's own reader: depth and alias expansion are bounded
    "deep-flow": ("a: " + "[" * 30000 + "]" * 30000, "cannot parse input: "),
    "deep-block": ("- " * 30000 + "x\n", "cannot parse input: "),
    "depth-201": ("a: " + "[" * 200 + "]" * 200, "nested deeper than 200 levels"),
    "deep-json": ("[" * 100000 + "]" * 100000, "nested deeper than 200 levels"),
}


@pytest.mark.parametrize(("stdin", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input(
    stdin: str, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_one_line_error(*run([], capsys, monkeypatch, stdin), message)


def test_billion_laughs_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    assert_one_line_error(*run([], capsys, monkeypatch, "\n".join(lines)), "aliases")


def test_duplicate_modelservice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL + "---\n" + SMALL.split("---")[0]
    assert_one_line_error(
        *run([], capsys, monkeypatch, stdin), "ModelService llm/qwen3 appears twice"
    )


def test_duplicate_deployment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL + "---\n" + SMALL.split("---")[1]
    assert_one_line_error(
        *run([], capsys, monkeypatch, stdin), "Deployment llm/qwen3-decode appears twice"
    )


def test_modelservice_without_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = "apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata: {}\n"
    assert_one_line_error(
        *run([], capsys, monkeypatch, stdin), "a ModelService has no metadata.name"
    )


def test_bad_field_type(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = SMALL.replace("spec: {replicas: 2}", 'spec: {replicas: "2"}')
    assert_one_line_error(
        *run([], capsys, monkeypatch, stdin),
        "ModelService llm/qwen3: Deployment qwen3-decode spec.replicas: expected an integer, got '2'",
    )


def test_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nope.yaml"
    assert_one_line_error(
        *run([str(path)], capsys, monkeypatch), f"cannot read {path}: No such file"
    )


def test_not_utf8(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert_one_line_error(*run([], capsys, monkeypatch, b"kind: \xff\xfe\n"), "not UTF-8")


def test_kubernetes_package_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("kubernetes", "kubernetes.client", "kubernetes.config"):
        monkeypatch.setitem(sys.modules, name, None)
    assert_one_line_error(
        *run(["--cluster"], capsys, monkeypatch),
        "needs the kubernetes package: pip install kubernetes (in a checkout of modelservice-fn: "
        "pip install '.[cluster]')",
    )


# ---------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--namespace", "llm"], "need --cluster"),
        (["-A"], "need --cluster"),
        (["--kubeconfig", "k"], "need --cluster"),
        (["--context", "c"], "need --cluster"),
        (["--cluster", "file.yaml"], "PATH and --cluster cannot be combined"),
        (["--cluster", "-A", "--namespace", "x"], "not allowed with argument"),
        (["-o", "wide"], "invalid choice: 'wide'"),
    ],
)
def test_usage_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run(argv, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.startswith("usage: modelservice-fn status ")
    assert message in err


def test_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["--help"], capsys, monkeypatch)
    assert code == 0
    assert out.startswith("usage: modelservice-fn status ")
    for option in (
        "--check",
        "--cluster",
        "--namespace",
        "--all-namespaces",
        "--kubeconfig",
        "--context",
    ):
        assert option in out


def test_import_does_not_load_kubernetes() -> None:
    code = "import sys, krm_fn.status_cli; print(sorted(m for m in sys.modules if m.startswith(('kubernetes', 'urllib3'))))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    assert out == "[]\n"


def test_yaml_1_1_lookalikes_stay_strings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read with YAML 1.2 rules like the function: a label `on` is not turned into `true`."""
    stdin = SMALL.replace("namespace: llm\n", "namespace: llm\n  labels: {switch: on}\n", 1)
    code, out, _ = run(["-o", "yaml"], capsys, monkeypatch, stdin)
    assert code == 0
    assert '    labels:\n      switch: "on"\n' in out


# ---------------------------------------------------------------- exact messages and edges


HELP = (
    "usage: modelservice-fn status [-h] [-o {table,yaml,json}] [--check] [--cluster] [-n NAMESPACE | -A] "
    "[--kubeconfig FILE] [--context NAME] [PATH ...] Show the status the model-operator would write for each "
    "ModelService, derived from its decode and prefill Deployments. positional arguments: PATH files or "
    "directories holding `kubectl get modelservices,deployments -A -o yaml` output or manifests (YAML or JSON; "
    "directories: their .yaml/.yml/.json files; '-' or none: stdin) options: -h, --help show this help message "
    "and exit -o {table,yaml,json}, --output {table,yaml,json} --check exit 3 when any ModelService is not Ready, "
    "1 when there is none live cluster (needs modelservice-fn[cluster]): --cluster read from the cluster -n "
    "NAMESPACE, --namespace NAMESPACE namespace (default: the context's namespace, or default) -A, "
    "--all-namespaces all namespaces --kubeconfig FILE kubeconfig file --context NAME kubeconfig context"
)


def test_help_exactly(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside hyphenated words
    code, out, err = run(["--help"], capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert " ".join(out.replace("optional arguments:", "options:").split()) == HELP


@pytest.mark.parametrize(("argv", "line"), [
    (["--cluster", "file.yaml"], "PATH and --cluster cannot be combined"),
    (["-n", "x"], "--namespace, -A, --kubeconfig and --context need --cluster"),
])
def test_usage_errors_exactly(argv: list[str], line: str, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(argv, capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == f"modelservice-fn status: error: {line}"


@pytest.mark.parametrize(("stdin", "line"), [
    ("", "empty input: expected `kubectl get modelservices,deployments -o yaml`"),
    ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata: x\n",
     "a ModelService has no metadata.name"),
])
def test_errors_exactly(stdin: str, line: str, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run([], capsys, monkeypatch, stdin) == (1, "", f"modelservice-fn status: error: {line}\n")


def test_kubernetes_package_missing_exactly(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes.client", None)
    code, out, err = run(["--cluster"], capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err == ("modelservice-fn status: error: --cluster needs the kubernetes package: pip install kubernetes "
                   "(in a checkout of modelservice-fn: pip install '.[cluster]')\n")


MS_NO_NS = "apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata: {name: solo}\nspec: {}\n"


def test_typed_lists_lend_their_kind_and_a_plain_list_does_not(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    typed = ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelServiceList\nitems:\n"
             "- metadata: {name: a, namespace: n}\n  spec: {}\n")
    code, out, _ = run([], capsys, monkeypatch, typed)
    assert code == 0 and out.splitlines()[1].split()[:2] == ["n", "a"]
    plain = typed.replace("kind: ModelServiceList", "kind: List")
    assert run([], capsys, monkeypatch, plain) == (0, "", "No ModelServices found.\n")


def test_only_the_model_service_group_and_apps_deployments_count(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    other = MS_NO_NS.replace("model.otterscale.io/v1alpha1", "other.example.com/v1alpha1")
    assert run([], capsys, monkeypatch, other) == (0, "", "No ModelServices found.\n")
    ms = MS_NO_NS.replace("spec: {}", "spec: {decode: {replicas: 1}}")
    deployment = ("apiVersion: {group}/v1\nkind: Deployment\nmetadata: {{name: solo-decode}}\n"
                  "spec: {{replicas: 1}}\nstatus: {{readyReplicas: 1}}\n")
    ready = run([], capsys, monkeypatch, ms + "---\n" + deployment.format(group="apps"))
    assert ready[0] == 0 and ready[1].splitlines()[1].split()[:4] == ["solo", "Ready", "True", "1/1"]
    ignored = run([], capsys, monkeypatch, ms + "---\n" + deployment.format(group="extensions"))
    assert ignored[1].splitlines()[1].split()[:4] == ["solo", "Pending", "False", "0/0"]


def test_a_model_service_without_a_namespace_has_an_empty_column(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run([], capsys, monkeypatch, MS_NO_NS)
    assert code == 0
    assert out.splitlines()[1].startswith("            solo   ")


def test_flatten_skips_null_documents_and_expands_lists() -> None:
    assert flatten([None, {"kind": "DeploymentList", "apiVersion": "apps/v1", "items": [{"metadata": {}}]},
                    {"kind": "List", "items": [{"kind": "X"}]}, {"kind": "Y"}]) == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {}}, {"kind": "X"}, {"kind": "Y"}]


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_not_utf8_names_what_it_read(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "get.yaml"
    path.write_bytes(b"kind: \xff\n")
    code, out, err = run([str(path)] if where == "file" else [], capsys, monkeypatch,
                         None if where == "file" else b"kind: \xff\n")
    assert (code, out) == (1, "")
    name = path if where == "file" else "stdin"
    assert err.startswith(f"modelservice-fn status: error: cannot read {name}: not UTF-8 text")


def test_json_output_keeps_unicode(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = MS_NO_NS.replace("metadata: {name: solo}", "metadata: {name: solo, labels: {team: équipe}}")
    code, out, _ = run(["-o", "json"], capsys, monkeypatch, stdin)
    assert code == 0 and '"team": "équipe"' in out


def test_a_second_ready_condition_shows_as_it_is(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """As meta.SetStatusCondition: only the first Ready is replaced; the table shows the first Ready."""
    stdin = MS_NO_NS.replace("spec: {}", "spec: {}\nstatus:\n  conditions:\n  - {type: Ready, status: 'True'}\n"
                                         "  - {type: Ready}\n")
    code, out, _ = run([], capsys, monkeypatch, stdin)
    assert code == 0
    assert out.splitlines()[1].split() == ["solo", "Pending", "0/0", "-"]
