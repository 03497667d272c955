"""Hostile input: the function never breaks a pipeline and never loses a byte.

Every file in ``tests/hostile/`` is one input, with its expectation in ``EXPECTED`` below. Each
case must give exit code 1 (0 where the input is valid), exactly one line on stderr, error
results naming the field, the resource and the file, and the input items back unchanged. No
Python traceback, ever. The cases the CRD forbids are derived from the v0.9.0-beta.1 CRD itself
(``CRD_CASES``), so every type, range, enum, required field and pattern is covered. Alias bombs
and deep nesting are refused in well under a second; a 20 MB input is handled.

Most cases run in-process (``process_resource_list``); the ``cli`` ones, and the files that are
not UTF-8 text, run the real ``python -m krm_fn`` as a subprocess.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn import fn, yamlio
from krm_fn.assemble import OWNER_ANNOTATION

from .support.schemas import assert_valid

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "hostile"
CRD = ROOT / "tests" / "data" / "crds" / "modelservices.model.otterscale.io.v0.9.0-beta.1.yaml"
PATH_ANNOTATION = "config.kubernetes.io/path"
MS_API = "model.otterscale.io/v1alpha1"


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Err:
    """An error result that must be present.

    ``field=None`` is an input-level error (no resource); otherwise ``field`` is the exact
    ``field.path``, and the result must name the resource and, where the item has a path
    annotation, its file.
    """

    field: str | None
    name: str = ""
    kind: str = "ModelService"
    namespace: str | None = "ml"
    file: str | None = None  # default for a ModelService: models/<name>.yaml
    message: str = ""  # regex searched in the result's message


@dataclass(frozen=True)
class Expect:
    exit: int
    stderr: str = ""  # regex searched in the single stderr line
    errors: tuple[Err, ...] = ()
    cli: bool = False  # also run the real program in a subprocess


INPUT = Err(None)  # "some input-level error result"


def ms_err(name: str, *fields: str, **kw: Any) -> tuple[Err, ...]:
    return tuple(Err(f, name, **kw) for f in fields)


def cfg_err(kind: str, *fields: str) -> tuple[Err, ...]:
    return tuple(Err(f, "modelservice-fn", kind=kind, namespace=None, file="") for f in fields)


EXPECTED: dict[str, Expect] = {
    # not a ResourceList at all
    "empty.yaml": Expect(1, "input is empty", (INPUT,), cli=True),
    "comments-only.yaml": Expect(1, "input is empty", (INPUT,)),
    "top-level-null.yaml": Expect(1, "input is empty", (INPUT,)),
    "malformed-unclosed-flow.yaml": Expect(1, r"not valid YAML: line 4 column 1", (INPUT,), cli=True),
    "malformed-indentation.yaml": Expect(1, r"not valid YAML: line 6 column 2", (INPUT,)),
    "malformed-tab.yaml": Expect(1, r"not valid YAML: line 4", (INPUT,)),
    "malformed.json": Expect(1, r"not valid YAML: line 2", (INPUT,), cli=True),
    "not-utf8.bin": Expect(1, r"not UTF-8 text \(invalid byte at offset 122\)", (INPUT,), cli=True),
    "utf16.bin": Expect(1, r"not UTF-8 text", (INPUT,), cli=True),
    "binary-garbage.bin": Expect(1, r"not UTF-8 text", (INPUT,), cli=True),
    "nul-byte.bin": Expect(1, r"not valid YAML: .*control characters are not allowed", (INPUT,), cli=True),
    "utf8-bom.bin": Expect(0, cli=True),
    "two-byte-order-marks.bin": Expect(0, cli=True),  # every leading one dropped: spans stay right
    "top-level-list.yaml": Expect(1, "not a ResourceList", (INPUT,), cli=True),
    "top-level-scalar.yaml": Expect(1, "not a ResourceList", (INPUT,)),
    "wrong-kind.yaml": Expect(1, "not a ResourceList", (INPUT,)),
    "wrong-apiversion.yaml": Expect(1, r"unsupported ResourceList apiVersion 'config.kubernetes.io/v2'", (INPUT,)),
    "several-documents.yaml": Expect(1, "several YAML documents", (INPUT,)),
    "no-items.yaml": Expect(1, "no items list", (INPUT,)),
    "items-null.yaml": Expect(1, "no items list", (INPUT,)),
    "items-mapping.yaml": Expect(1, "no items list", (INPUT,)),
    "items-empty.yaml": Expect(0),
    "no-final-newline.yaml": Expect(0, cli=True),  # the spaces at the very end are kept too
    "scalar-items.yaml": Expect(1, r"4 errors: items\[0\] must be an object", (INPUT,)),
    "duplicate-root-key.yaml": Expect(1, r"line 8 column 1: duplicate key 'items'", (INPUT,), cli=True),
    "duplicate-key-in-flow-item.yaml": Expect(1, r"duplicate key 'data.a'|duplicate key 'a'", (INPUT,)),
    "duplicate-key-in-block-item.yaml": Expect(0),  # not ours: copied verbatim, nothing lost
    "unknown-alias.yaml": Expect(1, r"unknown alias \*nowhere", (INPUT,)),
    "bad-explicit-tag.yaml": Expect(1, r"'not-a-number' is not a valid tag:yaml.org,2002:int", (INPUT,)),
    "alias-bomb.yaml": Expect(1, r"alias bomb", (INPUT,), cli=True),
    "alias-bomb-small.yaml": Expect(1, r"alias bomb", (INPUT,)),
    "aliases-honest.yaml": Expect(0),  # written out again from its value, without the anchor
    "duplicate-anchor-in-item.yaml": Expect(0),
    "huge-integer-passthrough.yaml": Expect(0),
    "huge-integer.json": Expect(0),
    "index-annotation-odd-digits.yaml": Expect(0),
    "valid.json": Expect(0, cli=True),
    # ModelServices the CRD or the contract forbid
    "ms-missing-namespace.yaml": Expect(1, "metadata.namespace: is required",
                                        ms_err("no-ns", "metadata.namespace", namespace=None), cli=True),
    "ms-empty-namespace.yaml": Expect(1, "metadata.namespace: is required",
                                      ms_err("empty-ns", "metadata.namespace", namespace=None)),
    "ms-bad-namespace.yaml": Expect(1, "DNS-1123 label", ms_err("bad-ns", "metadata.namespace", namespace="Team_A")),
    "ms-duplicate.yaml": Expect(1, r"duplicate ModelService ml/twin \(also in a/twin.yaml\)",
                                ms_err("twin", "metadata.name", file="b/twin.yaml"), cli=True),
    "ms-name-too-long.yaml": Expect(1, "must be no more than 63 characters", ms_err("m" * 64, "metadata.name")),
    "ms-name-60-with-pool.yaml": Expect(1, "not a DNS-1035 label", ms_err("m" * 60, "metadata.name")),
    "ms-name-dots-with-pool.yaml": Expect(1, "'qwen3.0-6b-epp', which is not a DNS-1035 label",
                                          ms_err("qwen3.0-6b", "metadata.name")),
    "ms-name-digit-first-with-pool.yaml": Expect(1, "not a DNS-1035 label", ms_err("7b-model", "metadata.name")),
    "ms-name-uppercase.yaml": Expect(1, "DNS-1123 subdomain", ms_err("Qwen3", "metadata.name")),
    "ms-name-not-a-string.yaml": Expect(1, "metadata.name", (Err("metadata.name", "", file="models/1234.yaml"),)),
    "ms-missing-spec.yaml": Expect(1, "spec: required field is missing", ms_err("no-spec", "spec")),
    "ms-spec-scalar.yaml": Expect(1, "spec: must be of type object", ms_err("scalar-spec", "spec")),
    "ms-spec-empty.yaml": Expect(1, "4 errors", ms_err("empty-spec", "spec.model", "spec.engine",
                                                        "spec.accelerator", "spec.decode")),
    "ms-metadata-scalar.yaml": Expect(1, "metadata", (Err("metadata", "", namespace=None, file=""),)),
    "ms-duplicate-key.yaml": Expect(1, r"spec.decode: duplicate key",
                                    (Err("spec.decode", "twice", message="duplicate key: its second value"),)),
    "ms-wrong-version.yaml": Expect(1, "unsupported version", ms_err("v2", "apiVersion",
                                                                    kind="ModelService")),
    "ms-yaml11-boolean.yaml": Expect(1, "secureProxy: must be of type boolean, not string",
                                     ms_err("yes-proxy", "spec.routingProxy.secureProxy"), cli=True),
    "ms-quoted-integer.yaml": Expect(1, "must be of type integer, not string",
                                     ms_err("quoted", "spec.inferencePool.endpointPicker.port")),
    "ms-float-port.yaml": Expect(1, "must be of type integer", ms_err("float-port", "spec.engine.port")),
    "ms-out-of-range.yaml": Expect(1, "4 errors", ms_err("ranges", "spec.engine.port", "spec.decode.replicas",
                                                          "spec.decode.parallelism.tensor",
                                                          "spec.decode.parallelism.data")),
    "ms-bad-enums.yaml": Expect(1, "2 errors", ms_err("enums", "spec.accelerator.type",
                                                       "spec.inferencePool.endpointPicker.failureMode")),
    "ms-bad-names-inside.yaml": Expect(1, "6 errors", ms_err(
        "inner", "spec.engine.imagePullPolicy", "spec.engine.env[0].name",
        "spec.decode.nodeSelector[bad key!]", "spec.httpRoute.gatewayRef.namespace",
        "spec.httpRoute.hostnames[1]", "spec.monitoring.podMonitor.interval")),
    "ms-clashes-with-foreign-object.yaml": Expect(1, "would generate Deployment clash-decode",
                                                  ms_err("clash", "metadata.name")),
    "ms-flow-style.yaml": Expect(1, "spec.engine.port", ms_err("flow", "spec.engine.port")),
    "ms-env-references.yaml": Expect(1, "4 errors", ms_err(
        "refs", "spec.engine.env[0].valueFrom.configMapKeyRef.name", "spec.engine.env[1].valueFrom.secretKeyRef.name",
        "spec.engine.env[2].valueFrom.fileKeyRef.volumeName", "spec.engine.env[3].valueFrom.fileKeyRef.volumeName")),
    "ms-empty-pull-policy.yaml": Expect(0),
    "ms-cluster-rbac-collision.yaml": Expect(1, (r"2 errors: ModelService a/b-c metadata.name: would generate ClusterRole "
                                                 r"a-b-c-epp, which ModelService a-b/c \(in models/c.yaml\) generates too"),
                                             ms_err("b-c", "metadata.name", namespace="a"), cli=True),
    "huge-integer-in-modelservice.yaml": Expect(1, "2 errors: .*is an integer with more than 4300 digits",
                                                ms_err("big", "spec.engine.port", "spec.decode.replicas"), cli=True),
    # bad functionConfigs
    "eppconfig-unknown-field.yaml": Expect(1, "providers: .*unknown field", cfg_err("EPPConfig", "providers"),
                                           cli=True),
    "eppconfig-provider-case.yaml": Expect(1, 'provider: unsupported value .*must be one of "istio", "gke", "none"',
                                           cfg_err("EPPConfig", "provider")),
    "eppconfig-string-boolean.yaml": Expect(1, "2 errors", cfg_err("EPPConfig", "metricsEndpointAuth",
                                                                    "tracing.enabled")),
    "eppconfig-bad-flags.yaml": Expect(1, "without leading dashes", cfg_err("EPPConfig", "flags.--v")),
    "eppconfig-flags-not-strings.yaml": Expect(1, "flags.v", cfg_err("EPPConfig", "flags[v]")),
    "eppconfig-bad-version.yaml": Expect(1, "label value", cfg_err("EPPConfig", "version")),
    "configmap-yes.yaml": Expect(1, 'must be "true" or "false"',
                                 cfg_err("ConfigMap", "data.metricsEndpointAuth", "data.tracing.enabled"), cli=True),
    "configmap-unknown-key.yaml": Expect(1, "unknown key", cfg_err("ConfigMap", "data.tracing.enable")),
    "configmap-provider-case.yaml": Expect(1, "data.provider", cfg_err("ConfigMap", "data.provider")),
    "huge-integer-in-functionconfig.yaml": Expect(1, "version: is an integer with more than 4300 digits",
                                                  cfg_err("EPPConfig", "version"), cli=True),
    "configmap-integer-key.yaml": Expect(1, "data: keys must be strings, not integer 3", cfg_err("ConfigMap", "data")),
    "functionconfig-wrong-kind.yaml": Expect(1, "not apiVersion v1, kind Secret", (INPUT,)),
    "functionconfig-scalar.yaml": Expect(1, "functionConfig must be an object", (INPUT,)),
    "functionconfig-no-kind.yaml": Expect(1, "functionConfig: must be", (INPUT,)),
}


# --------------------------------------------------------------------------- running


def run_cli(data: bytes, *args: str) -> tuple[int, str, str]:
    """The real program, as kpt / kustomize / Argo CD start it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "krm_fn", *args], check=False, input=data, capture_output=True,
                          cwd=ROOT, env=env, timeout=120)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def item_texts(text: str) -> list[str]:
    """The text of each block-style item of a ResourceList, from its first key on.

    Independent of the function's reader: items are the entries of the root ``items:`` block
    sequence, cut at the lines that start an entry at the sequence's indentation. Flow-style
    and scalar items are left out (they are compared by value only); trailing comment and
    blank lines are dropped (they are kept, but belong to no item in particular).
    """
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"items:\s*(#.*)?$", line))
    except StopIteration:
        return []
    body: list[str] = []
    for line in lines[start + 1:]:
        if line.strip() and not line.startswith((" ", "-", "#")):
            break  # the next root key
        body.append(line)
    entries = [line for line in body if re.match(r" *-( |\r?$)", line)]
    if not entries:
        return []
    indent = len(entries[0]) - len(entries[0].lstrip(" "))
    chunks: list[list[str]] = []
    for line in body:
        if re.match(" " * indent + r"-( |\r?$)", line):
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
    out = []
    for chunk in chunks:
        while chunk and (not chunk[-1].strip() or chunk[-1].lstrip().startswith("#")):
            chunk.pop()
        first = chunk[0][indent + 1:].lstrip(" ")
        if not first.strip() or first.startswith(("{", "[", "'", '"', "&", "*", "!")) or (
                ":" not in first and not first.startswith("#")):
            continue  # flow, scalar, anchored or empty-first-line entries: compared by value
        if not _anchors_or_aliases("".join(chunk)):  # those are written out again, without them
            out.append(first + "".join(chunk[1:]))
    return out


def _anchors_or_aliases(text: str) -> bool:
    """Whether ``text`` holds an anchor or an alias (by PyYAML's parser, not the function's)."""
    try:
        return any(isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None)
                   for ev in yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return False


def parse(text: str) -> Any:
    (doc,) = [d for d in yamlio.read_documents(text) if d.value is not None]
    return doc.value


def is_ours(item: Any) -> bool:
    meta = item.get("metadata") if isinstance(item, dict) else None
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    return isinstance(ann, dict) and OWNER_ANNOTATION in ann


def input_items(text: str) -> list[Any] | None:
    try:
        root = parse(text)
    except (yamlio.YAMLInputError, ValueError):
        return None
    if not isinstance(root, dict) or root.get("kind") != "ResourceList" or root.get("apiVersion") not in (
            "config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"):
        return None  # not a ResourceList at all: nothing to hand back
    items = root.get("items")
    return items if isinstance(items, list) else None


def check_run(text: str | None, code: int, stdout: str, stderr: str, expect: Expect) -> list[dict[str, Any]]:
    """Every promise of the contract for one run; returns the error results."""
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert code == expect.exit, f"exit {code}, stderr: {stderr}"
    if code == 1:
        assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not one line: {stderr!r}"
        assert stderr.startswith("modelservice-fn: ")
        assert re.search(expect.stderr, stderr), f"{expect.stderr!r} not in {stderr!r}"
    else:
        assert stderr == ""
    out = parse(stdout)  # the output is always a ResourceList that parses back
    assert out["kind"] == "ResourceList" and isinstance(out["items"], list)
    results = out.get("results") or []
    errors = [r for r in results if r["severity"] == "error"]
    assert bool(errors) == (code == 1)
    for r in results:
        assert isinstance(r["message"], str) and r["message"]
        assert r["severity"] in ("error", "warning", "info")
    for want in expect.errors:
        assert any(_matches(r, want) for r in errors), f"no error result like {want}: {errors}"
    if text is not None:
        _check_items(text, stdout, out["items"], code)
    return errors


def _matches(result: dict[str, Any], want: Err) -> bool:
    if want.field is None:
        return True
    if want.message and not re.search(want.message, result["message"]):
        return False
    if result.get("field", {}).get("path", "") != want.field:
        return False
    ref = result.get("resourceRef")
    if ref is None or ref["kind"] != want.kind or ref["name"] != want.name:
        return False
    if ref.get("namespace") != want.namespace:
        return False
    file = want.file if want.file is not None else (f"models/{want.name}.yaml" if want.kind == "ModelService" else "")
    return result.get("file", {}).get("path", "") == file


def _check_items(text: str, stdout: str, out_items: list[Any], code: int) -> None:
    items = input_items(text)
    if items is None:
        assert out_items == [], "no items can come out of an input that has none"
        return
    if code == 1:  # the input items unchanged, nothing generated
        assert out_items == items
    else:  # the input items in order, ours interleaved
        assert [i for i in out_items if not is_ours(i)] == [i for i in items if not is_ours(i)]
    for chunk in item_texts(text):
        assert chunk in stdout, f"item not copied verbatim:\n{chunk}"


# --------------------------------------------------------------------------- the corpus


def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.is_file()}
    assert files == set(EXPECTED), f"missing: {files - set(EXPECTED)}, stale: {set(EXPECTED) - files}"


TEXT_CASES = sorted(n for n in EXPECTED if not n.endswith(".bin"))
CLI_CASES = sorted(n for n, e in EXPECTED.items() if e.cli or n.endswith(".bin"))


@pytest.mark.parametrize("name", TEXT_CASES)
def test_corpus_in_process(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    run = fn.process_resource_list(text)
    errors = check_run(text, run.exit_code, run.stdout, run.stderr, EXPECTED[name])
    _check_resource_errors(text, errors)


@pytest.mark.parametrize("name", CLI_CASES)
def test_corpus_through_the_real_program(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    try:
        text: str | None = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        text = None
    code, stdout, stderr = run_cli(data)
    check_run(text, code, stdout, stderr, EXPECTED[name])


def _check_resource_errors(text: str, errors: list[dict[str, Any]]) -> None:
    """Every error about a ModelService names a field and, if the item has one, its file."""
    items = input_items(text) or []
    files: dict[tuple[str, str], set[str]] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("metadata"), dict):
            meta = item["metadata"]
            ann = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
            key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
            if isinstance(ann.get(PATH_ANNOTATION), str):
                files.setdefault(key, set()).add(ann[PATH_ANNOTATION])
    for r in errors:
        ref = r.get("resourceRef")
        if ref is None or ref["kind"] != "ModelService":
            continue
        if not r["message"].startswith("duplicate key"):  # known bug: test_duplicate_key_result_names_the_field
            assert r.get("field", {}).get("path"), f"no field path: {r}"
        paths = files.get((ref.get("namespace", ""), ref["name"]))
        if paths:
            assert r.get("file", {}).get("path") in paths, f"no file: {r}"


def test_error_output_is_the_input_byte_for_byte_where_it_can_be() -> None:
    """With an error, the items part of the output is the input's items text itself."""
    text = (CORPUS / "ms-bad-names-inside.yaml").read_text()
    run = fn.process_resource_list(text)
    assert run.exit_code == 1
    items_text = text[text.index("items:\n"):]
    assert run.stdout.startswith("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + items_text)


# --------------------------------------------------------------------------- derived from the CRD


def _load_crd_schema() -> dict[str, Any]:
    (crd,) = [d for d in yaml.safe_load_all(CRD.read_text()) if d]
    (version,) = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


RESOURCES = {"claims": [{"name": "gpu", "request": "shared"}], "limits": {"cpu": "2"}, "requests": {"cpu": "1"}}
ROLE = {"replicas": 1, "parallelism": {"tensor": 1, "data": 1, "dataLocal": 1}, "resources": RESOURCES,
        "nodeSelector": {"disk": "ssd"},
        "tolerations": [{"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoExecute",
                         "tolerationSeconds": 30}]}
# every optional field of the CRD present once, so that every constraint has a place to break
FULL: dict[str, Any] = {
    "apiVersion": MS_API, "kind": "ModelService",
    "metadata": {"name": "full", "namespace": "ml",
                 "annotations": {PATH_ANNOTATION: "models/full.yaml",
                                 "internal.config.kubernetes.io/path": "models/full.yaml"}},
    "spec": {
        "model": {"name": "org/model", "image": "registry.example.com/model:1", "mountPath": "/models",
                  "imagePullSecrets": [{"name": "regcred"}]},
        "engine": {"image": "vllm/vllm-openai:v0.8.0", "imagePullPolicy": "IfNotPresent", "args": ["--x=1"],
                   "port": 8000, "env": [
                       {"name": "A", "value": "1"},
                       {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k", "optional": True}}},
                       {"name": "C", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
                       {"name": "D", "valueFrom": {"fileKeyRef": {"key": "k", "path": "env.txt", "volumeName": "model",
                                                                  "optional": False}}},
                       {"name": "E", "valueFrom": {"resourceFieldRef": {"containerName": "vllm",
                                                                        "resource": "limits.cpu", "divisor": "1"}}},
                       {"name": "F", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}}}]},
        "accelerator": {"type": "nvidia"},
        "decode": copy.deepcopy(ROLE), "prefill": copy.deepcopy(ROLE),
        "routingProxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0", "connector": "nixlv2",
                         "targetPort": 8200, "zapEncoder": "json", "zapLogLevel": "info", "secureProxy": True,
                         "prefillerUseTLS": False, "certPath": "/certs"},
        "inferencePool": {"endpointPicker": {"image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0",
                                             "replicas": 2, "resources": copy.deepcopy(RESOURCES),
                                             "port": 9002,
                                             "failureMode": "FailClose"}},
        "httpRoute": {"gatewayRef": {"name": "gw", "namespace": "gateway-system"}, "hostnames": ["a.example.com"]},
        "monitoring": {"podMonitor": {"enabled": True, "portName": "http", "path": "/metrics", "interval": "30s"}},
    },
}
# The CRD cases break the schema of every field, `resources.claims` and `fileKeyRef` included;
# the valid FULL leaves both out, since the generated pods declare no resourceClaims to name
# and no emptyDir volume for a fileKeyRef (the API server would refuse either).
SCHEMA_BASE: dict[str, Any] = copy.deepcopy(FULL)
for _role in ("decode", "prefill"):
    FULL["spec"][_role]["resources"].pop("claims")
FULL["spec"]["inferencePool"]["endpointPicker"]["resources"].pop("claims")
FULL["spec"]["engine"]["env"] = [e for e in FULL["spec"]["engine"]["env"] if "fileKeyRef" not in e.get("valueFrom", {})]
BYSTANDER = "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: bystander\n  data:\n    on: yes  # 1.2\n"


def resource_list(ms: dict[str, Any]) -> str:
    """A block-style ModelService item whose spec is JSON (unambiguous under YAML 1.2)."""
    meta = json.dumps(ms.get("metadata")) if "metadata" in ms else None
    lines = [f"- apiVersion: {ms['apiVersion']}", f"  kind: {ms['kind']}"]
    if meta is not None:
        lines.append(f"  metadata: {meta}")
    if "spec" in ms:
        lines.append(f"  spec: {json.dumps(ms['spec'])}")
    return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "\n".join(lines) + "\n" + BYSTANDER


def _wrong_type(schema: dict[str, Any]) -> Any:
    if schema.get("x-kubernetes-int-or-string"):
        return True
    return {"string": 8000, "integer": "8000", "boolean": "yes", "object": "x", "array": {"a": "b"},
            "number": "1.5"}[schema["type"]]


def _fmt(path: tuple[Any, ...]) -> str:
    """The function's field path notation: spec.env[0].name, spec.decode.nodeSelector[disk]."""
    out = ""
    for kind, key in path:
        if kind in ("item", "entry"):  # list index, map key
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out


def _walk(schema: dict[str, Any], value: Any, path: tuple[Any, ...]):  # type: ignore[no-untyped-def]
    """(path, schema, value-or-MISSING, parent) for every field the CRD describes under ``value``."""
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            yield (*path, ("field", key)), sub, value.get(key, MISSING), value, key
            if key in value:
                yield from _walk(sub, value[key], (*path, ("field", key)))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                yield (*path, ("entry", key)), extra, value[key], value, key
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(value):
            yield (*path, ("item", i)), schema["items"], v, value, i
            yield from _walk(schema["items"], v, (*path, ("item", i)))


MISSING = object()


def _crd_cases() -> list[Any]:
    """One ModelService per CRD constraint, each breaking exactly that constraint."""
    schema = _load_crd_schema()["properties"]["spec"]
    cases = []

    def add(label: str, path: tuple[Any, ...], edit: Any) -> None:
        ms = copy.deepcopy(SCHEMA_BASE)
        target = ms["spec"]
        for _, key in path[:-1]:
            target = target[key]
        edit(target, path[-1][1])
        field = "spec" + ("" if path[0][0] != "field" else ".") + _fmt(path)
        cases.append(pytest.param(ms, field, id=f"{field}:{label}"))

    def setter(v: Any) -> Any:
        return lambda parent, key: parent.__setitem__(key, copy.deepcopy(v))

    root = _load_crd_schema()["properties"]["spec"]
    for req in root["required"]:
        add(f"missing-{req}", (("field", req),), lambda parent, key: parent.pop(key))
    add("unknown-field", (("field", "bogusField"),), setter("x"))
    seen: set[tuple[str, str]] = set()
    for path, sub, value, _, _ in _walk(schema, SCHEMA_BASE["spec"], ()):
        generic = re.sub(r"\[\d+\]", "[]", _fmt(path))
        if path[-1][0] == "entry":
            generic = re.sub(r"\[[^\]]*\]$", "{}", generic)

        def once(label: str, generic: str = generic) -> bool:
            key = (generic, label)
            if key in seen:
                return False
            seen.add(key)
            return True

        if ("type" in sub or sub.get("x-kubernetes-int-or-string")) and once("type"):
            add("wrong-type", path, setter(_wrong_type(sub)))
        if "minimum" in sub and once("min"):
            add("below-minimum", path, setter(sub["minimum"] - 1))
        if "maximum" in sub and once("max"):
            add("above-maximum", path, setter(sub["maximum"] + 1))
        if sub.get("format") == "int32" and "maximum" not in sub and once("int32"):
            add("int32-overflow", path, setter(2**31))
        if "enum" in sub and once("enum"):
            add("bad-enum", path, setter("Bogus"))
        if sub.get("minLength", 0) >= 1 and once("minLength"):
            add("too-short", path, setter(""))
        if "maxLength" in sub and once("maxLength"):
            add("too-long", path, setter("a" * (sub["maxLength"] + 1)))
        if "pattern" in sub and once("pattern"):
            add("pattern", path, setter("lots"))
        if sub.get("x-kubernetes-list-type") == "map" and value is not MISSING and value and once("listmap"):
            add("duplicate-map-key", (*path, ("item", len(value))), lambda parent, i: parent.append(parent[0]))
        if sub.get("type") == "object" and "properties" in sub and value is not MISSING and once("unknown"):
            add("unknown-field", (*path, ("field", "bogusField")), setter("x"))
        if value is not MISSING and isinstance(value, dict):
            for req in sub.get("required", []):
                if once(f"required-{req}"):
                    add(f"missing-{req}", (*path, ("field", req)), lambda parent, key: parent.pop(key))
    return cases


CRD_CASES = _crd_cases()


def test_the_full_modelservice_is_valid() -> None:
    """The base of the CRD cases sets every optional field and is itself accepted."""
    run = fn.process_resource_list(resource_list(FULL))
    assert run.exit_code == 0, run.stderr
    out = parse(run.stdout)
    ours = [i for i in out["items"] if is_ours(i)]
    assert len(ours) == 17
    assert_valid(ours)


def test_the_crd_cases_cover_every_constraint() -> None:
    ids = " ".join(p.id for p in CRD_CASES)
    for needle in ("spec.engine.port:above-maximum", "spec.decode.replicas:below-minimum",
                   "spec.decode.replicas:int32-overflow", "spec.accelerator.type:bad-enum",
                   "spec.model.name:too-long", "spec.model.image:too-short",
                   "spec.httpRoute.gatewayRef.name:too-short", "spec.decode.resources.limits[cpu]:pattern",
                   "spec.prefill.resources.claims[1]:duplicate-map-key",
                   "spec.routingProxy.secureProxy:wrong-type", "spec.engine.env[0].name:wrong-type",
                   "spec.engine.env[2].valueFrom.fieldRef.fieldPath:missing-fieldPath",
                   "spec.inferencePool.endpointPicker:missing-endpointPicker",
                   "spec.monitoring.podMonitor.enabled:wrong-type", "spec.decode.nodeSelector[disk]:wrong-type",
                   "spec.decode.tolerations[0].tolerationSeconds:wrong-type", "spec.bogusField:unknown-field",
                   "spec.model:missing-model", "spec.inferencePool.endpointPicker.failureMode:bad-enum"):
        assert needle in ids, needle
    assert len(CRD_CASES) > 120


@pytest.mark.parametrize(("ms", "field"), CRD_CASES)
def test_every_crd_constraint_is_an_error_result(ms: dict[str, Any], field: str) -> None:
    text = resource_list(ms)
    run = fn.process_resource_list(text)
    check_run(text, run.exit_code, run.stdout, run.stderr,
              Expect(1, re.escape(f"ModelService ml/full {field}: "), ms_err("full", field)))


# --------------------------------------------------------------------------- bounds


BOMB = (CORPUS / "alias-bomb.yaml").read_text()


def _refused_quickly(text: str, message: str) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        run = fn.process_resource_list(text)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    check_run(None, run.exit_code, run.stdout, run.stderr, Expect(1, message, (INPUT,)))
    assert elapsed < 1.0, f"refusal took {elapsed:.2f} s"
    assert peak < 64 * 2**20 + 20 * len(text), f"refusal allocated {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("where", ["item", "functionConfig", "between-items"])
def test_alias_bombs_are_refused_quickly(where: str) -> None:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 12)]
    head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    if where == "item":
        text = head + "items:\n- kind: X\n  data:\n" + "".join(f"    {line}\n" for line in lines)
    elif where == "functionConfig":
        text = head + "items: []\nfunctionConfig:\n" + "".join(f"  {line}\n" for line in lines)
    else:  # the anchors in one item, the expansion in the next (which would be re-emitted)
        text = head + "items:\n- kind: X\n  data:\n" + "".join(f"    {line}\n" for line in lines[:-1])
        text += "- *l10\n"
    _refused_quickly(text, "alias bomb")


def test_the_corpus_alias_bomb_is_refused_quickly() -> None:
    _refused_quickly(BOMB, "alias bomb")


@pytest.mark.parametrize("shape", ["flow-sequences", "flow-mappings", "block-sequences", "block-mappings",
                                   "inside-an-item", "inside-a-modelservice"])
def test_thousands_of_nesting_levels_are_refused_quickly(shape: str) -> None:
    n = 5000
    head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    text = {
        "flow-sequences": head + "items: " + "[" * n + "]" * n + "\n",
        "flow-mappings": head + "items: []\nfunctionConfig: " + "{a: " * n + "1" + "}" * n + "\n",
        "block-sequences": head + "items:\n- " + "- " * n + "x\n",
        "block-mappings": head + "items: []\nfunctionConfig:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(n)),
        "inside-an-item": head + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  data: " + "[" * n + "]" * n + "\n",
        "inside-a-modelservice": head + "items:\n- apiVersion: model.otterscale.io/v1alpha1\n  kind: ModelService\n"
        "  metadata: {name: m, namespace: ml}\n  spec:\n    engine:\n      args: " + "[" * n + "]" * n + "\n",
    }[shape]
    _refused_quickly(text, f"nested deeper than {yamlio.MAX_DEPTH} levels")


@pytest.mark.parametrize("where", ["flow-item", "modelservice", "function-config"])
def test_the_deepest_accepted_document_goes_through_every_stage(where: str) -> None:
    """Just under the bound no stage (composer, defaulting, validation, emitter) overflows the stack."""
    head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    depth = yamlio.MAX_DEPTH - 4  # the root mapping, a sequence or mapping in it, an item, a field
    deep = "[" * depth + "]" * depth
    text, message = {  # a flow item is written out again from its value: the deepest emitter path
        "flow-item": (head + f"items:\n- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: deep}}, "
                      f"data: {{k: {deep}}}}}\n- 1\n", r"items\[1\] must be an object"),
        "modelservice": (head + "items:\n- apiVersion: model.otterscale.io/v1alpha1\n  kind: ModelService\n"
                         f"  metadata: {{name: m, namespace: ml}}\n  spec:\n    bogus: {deep}\n",
                         r"spec.bogus: unknown field"),
        "function-config": (head + "items: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n"
                            f"  data:\n    k: {deep}\n", r"data.k: .*must be a string"),
    }[where]
    run = fn.process_resource_list(text)
    check_run(text, run.exit_code, run.stdout, run.stderr, Expect(1, message))


def test_a_20_mb_input_is_handled(tmp_path: Path) -> None:
    """20 MB of items through the real program: exit 0, every item back verbatim, bounded memory."""
    head = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            "- apiVersion: model.otterscale.io/v1alpha1\n  kind: ModelService\n  metadata:\n"
            "    name: big\n    namespace: ml\n  spec:\n    model: {name: m, image: r/m:1}\n"
            "    engine: {}\n    accelerator: {type: cpu}\n    decode: {}\n")
    item = ("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    namespace: ml\n"
            "    annotations:\n      config.kubernetes.io/path: cms/cm-{i}.yaml  # comment {i}\n"
            "  data:\n    flag: on\n    mode: 0755\n    blob: \"{pad}\"\n")
    pad = "x" * 400
    parts, size, count = [head], len(head), 0
    while size < 20 * 2**20:
        part = item.format(i=count, pad=pad)
        parts.append(part)
        size += len(part)
        count += 1
    (tmp_path / "in.yaml").write_text("".join(parts))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    with (tmp_path / "in.yaml").open("rb") as stdin, (tmp_path / "out.yaml").open("wb") as stdout, \
            (tmp_path / "err.txt").open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "krm_fn"], stdin=stdin, stdout=stdout, stderr=stderr,
                                cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory, not the session's
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    out = (tmp_path / "out.yaml").read_text()
    assert (proc.returncode, (tmp_path / "err.txt").read_text()) == (0, "")
    assert out.startswith("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
    assert out.count("\n- apiVersion: v1\n  kind: ConfigMap\n") == count
    for i in (0, count // 2, count - 1):
        assert item.format(i=i, pad=pad)[2:] in out
    assert "Deployment\n  metadata:\n    name: big-decode\n" in out
    assert elapsed < 120, f"{elapsed:.0f} s for 20 MB"
    peak_mib = usage.ru_maxrss / 1024
    assert peak_mib < 1024, f"{peak_mib:.0f} MiB resident for 20 MB of input"


# --------------------------------------------------------------------------- bugs this suite found
# (fixed, and kept as regression tests, unless marked xfail)


@pytest.mark.parametrize("where", ["name", "key", "file"])
def test_stderr_stays_one_line_whatever_the_names(where: str) -> None:
    ms = copy.deepcopy(FULL)
    if where == "name":
        ms["metadata"]["name"] = "a\nb"
    elif where == "key":
        ms["spec"]["bad\nkey"] = 1
    else:
        for key in ms["metadata"]["annotations"]:
            ms["metadata"]["annotations"][key] = "models/a\nb.yaml"
        ms["spec"]["engine"]["port"] = 0
    run = fn.process_resource_list(resource_list(ms))
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1, run.stderr


def test_duplicate_key_result_names_the_field() -> None:
    run = fn.process_resource_list((CORPUS / "ms-duplicate-key.yaml").read_text())
    (error,) = [r for r in parse(run.stdout)["results"] if r["severity"] == "error"]
    assert error["field"]["path"] == "spec.decode"


def test_function_config_errors_name_their_file() -> None:
    text = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n"
            "  apiVersion: fn.model.otterscale.io/v1alpha1\n  kind: EPPConfig\n  metadata:\n    name: c\n"
            "    annotations:\n      config.kubernetes.io/path: fn-config.yaml\n"
            "      internal.config.kubernetes.io/path: fn-config.yaml\n  provider: Istio\n")
    run = fn.process_resource_list(text)
    (error,) = parse(run.stdout)["results"]
    assert error["file"]["path"] == "fn-config.yaml"


@pytest.mark.parametrize("name", ["functionconfig-no-kind.yaml", "scalar-items.yaml"])
def test_messages_speak_yaml_not_python(name: str) -> None:
    run = fn.process_resource_list((CORPUS / name).read_text())
    assert run.exit_code == 1
    assert not re.search(r"\bNone\b|NoneType|\bint\b|\bstr\b|\bdict\b|\blist\b", run.stderr), run.stderr
    assert " : " not in run.stderr and "  " not in run.stderr, run.stderr
