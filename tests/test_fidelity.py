"""Fidelity: every item that is not generated comes out as it went in, byte for byte.

Each file in ``tests/fidelity/`` mixes unrelated items written to trip a YAML 1.1 reader or a
reformatting writer (``on``/``yes``/``y``, ``0755``, ``1e3``, ``.inf``, ``~``, timestamps, big and
underscored integers, hex, ``: `` and ``#`` in strings, every block scalar header, flow
collections, unicode, comments everywhere, ``<<`` and ``=`` keys, List kinds, the orchestrators'
annotations, deeper indentation) with ModelServices. Every file also runs with CRLF line endings.

For each: the exact text of each block-style item without anchors or aliases appears verbatim
in the output (items with them are written out again, so that the output holds none); the output
parses back, with the same values; YAML 1.2 values are what the core schema says (a hand-written
table, not the function's reader); generated objects are block style with no anchors or aliases
and read the same under YAML 1.1 and 1.2; and a second run changes nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn import fn

from .test_hostile import is_ours, item_texts, parse

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fidelity"
FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file())
YAML_FILES = [n for n in FILES if n.endswith(".yaml")]
VARIANTS = [(n, "lf") for n in FILES] + [(n, "crlf") for n in YAML_FILES]


def source(name: str, variant: str) -> str:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return text.replace("\n", "\r\n") if variant == "crlf" else text


def canonical(value: Any) -> Any:
    """A comparable form: NaN equals NaN, int and float stay apart (1 is not 1.0)."""
    if isinstance(value, dict):
        return {repr(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    return value


_RUNS: dict[tuple[str, str], tuple[str, fn.Run]] = {}


def run_case(name: str, variant: str) -> tuple[str, fn.Run]:
    key = (name, variant)
    if key not in _RUNS:
        text = source(name, variant)
        _RUNS[key] = (text, fn.process_resource_list(text))
    return _RUNS[key]


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_the_run_succeeds_and_the_output_parses_back(name: str, variant: str) -> None:
    text, run = run_case(name, variant)
    assert (run.exit_code, run.stderr) == (0, ""), run.stderr
    out = parse(run.stdout)
    assert out["apiVersion"] == "config.kubernetes.io/v1" and out["kind"] == "ResourceList"
    assert all(r["severity"] != "error" for r in out.get("results") or [])
    assert any(is_ours(i) for i in out["items"]) == ("ModelService" in text)


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_passthrough_items_keep_their_values_and_order(name: str, variant: str) -> None:
    text, run = run_case(name, variant)
    before = [canonical(i) for i in parse(text)["items"]]
    after = [canonical(i) for i in parse(run.stdout)["items"] if not is_ours(i)]
    assert after == before


@pytest.mark.parametrize(("name", "variant"), [v for v in VARIANTS if v[0] != "json-input.json"])
def test_passthrough_items_are_copied_verbatim(name: str, variant: str) -> None:
    text, run = run_case(name, variant)
    chunks = item_texts(text)
    assert chunks
    for chunk in chunks:
        assert chunk in run.stdout, f"not verbatim:\n{chunk}"


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_a_second_run_changes_nothing(name: str, variant: str) -> None:
    _, run = run_case(name, variant)
    again = fn.process_resource_list(run.stdout)
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout == run.stdout


# --------------------------------------------------------------------------- generated objects


def _item_events(text: str) -> list[list[yaml.Event]]:
    """The parser events of each element of the root ``items`` sequence (PyYAML's C parser)."""
    events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    items: list[list[yaml.Event]] = []
    depth = 0
    in_items = False
    key_expected = True
    current: list[yaml.Event] | None = None
    for ev in events:
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth == 2 and in_items:
                current = [ev]
                items.append(current)
            elif current is not None:
                current.append(ev)
            depth += 1
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            if current is not None:
                current.append(ev)
            if depth == 2 and in_items:
                current = None
            if depth == 1:
                in_items = False
                key_expected = True
        elif isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent)):
            if depth == 1:
                if key_expected and isinstance(ev, yaml.ScalarEvent) and ev.value == "items":
                    in_items = True
                elif not key_expected:
                    in_items = False
                key_expected = not key_expected
            elif depth == 2 and in_items:
                items.append([ev])
            elif current is not None:
                current.append(ev)
    return items


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_generated_objects_are_block_style_without_anchors(name: str, variant: str) -> None:
    _, run = run_case(name, variant)
    values = parse(run.stdout)["items"]
    events = _item_events(run.stdout)
    assert len(events) == len(values)
    for value, evs in zip(values, events):
        if not is_ours(value):
            continue
        for i, ev in enumerate(evs):
            assert getattr(ev, "anchor", None) is None and not isinstance(ev, yaml.AliasEvent)
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)) and ev.flow_style:
                end = evs[i + 1]  # flow style only for an empty {} or []
                assert isinstance(end, (yaml.MappingEndEvent, yaml.SequenceEndEvent)), value["metadata"]


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_the_output_holds_no_anchor_or_alias(name: str, variant: str) -> None:
    """Items that use them are written out again from their values (contract rule 1)."""
    _, run = run_case(name, variant)
    for ev in yaml.parse(run.stdout, Loader=yaml.CSafeLoader):
        assert not isinstance(ev, yaml.AliasEvent) and not getattr(ev, "anchor", None), ev


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_generated_objects_read_the_same_under_yaml_1_1(name: str, variant: str) -> None:
    """What we write is never a YAML 1.1 trap: PyYAML (1.1) and the 1.2 reader agree on it."""
    _, run = run_case(name, variant)
    ours_12 = [canonical(i) for i in parse(run.stdout)["items"] if is_ours(i)]
    old = yaml.load(run.stdout, Loader=yaml.CSafeLoader)
    ours_11 = [canonical(i) for i in old["items"] if is_ours(i)]
    assert ours_11 == ours_12


# --------------------------------------------------------------------------- known answers


WIDGET_12 = {  # the YAML 1.2 core schema, by hand
    "plainOn": "on", "plainOff": "off", "plainYes": "yes", "plainNo": "no", "plainY": "y", "plainN": "n",
    "upperYES": "YES", "quotedOn": "on", "singleYes": "yes", "octal11": 755, "octal12": 0o755,
    "leadingZero": 8, "exponent": 1000.0, "dotExponent": 0.0015, "infinity": math.inf,
    "negInfinity": -math.inf, "notANumber": math.nan, "tilde": None, "nullWord": None, "empty": None,
    "emptyQuoted": "", "timestamp": "2001-12-14t21:59:43.10-05:00", "date": "2024-02-29",
    "sexagesimal": "1:30:00", "big": 123456789012345678901234567890, "underscored": "1_000_000",
    "hex": 31, "binary": "0b1010", "plusSign": 12, "trueWord": True, "trueTitle": True,
    "colonSpace": "a: b", "hashSpace": "a #b", "plainHash": "a#b", "url": "http://example.com:8080/#frag",
    "version": 1.1, "versionString": "1.10",
}


@pytest.mark.parametrize("variant", ["lf", "crlf"])
def test_yaml_1_1_surprises_do_not_leak_in(variant: str) -> None:
    _, run = run_case("yaml11-scalars.yaml", variant)
    items = parse(run.stdout)["items"]
    (widget,) = [i for i in items if i["kind"] == "Widget"]
    assert canonical(widget["spec"]) == canonical(WIDGET_12)
    # and in what we generate from a ModelService whose strings look like other types
    (decode,) = [i for i in items if i["kind"] == "Deployment" and i["metadata"]["name"] == "qwen3-decode"]
    vllm = decode["spec"]["template"]["spec"]["containers"][0]
    assert vllm["args"][3:5] == ["--served-model-name", "on"]
    assert vllm["args"][5:] == ["--max-model-len=8192", "yes", "0755", "1e3", "~", "null", "0o17", "y"]
    assert {"name": "NO", "value": "no"} in vllm["env"] and {"name": "OCTAL", "value": "0755"} in vllm["env"]
    volume = decode["spec"]["template"]["spec"]["volumes"][0]
    assert volume["image"]["reference"] == "registry.example.com/models/qwen3:0755"
    for text in ('- "on"\n', '- "yes"\n', '- "0755"\n', '- "1e3"\n', '- "~"\n', '- "null"\n', '- "0o17"\n',
                 '- "y"\n', 'value: "no"', 'value: "0755"'):
        assert text in run.stdout.replace("\r\n", "\n"), text


def test_json_items_keep_their_values_when_written_as_block_yaml() -> None:
    """Flow-style items (JSON) cannot be copied as text; they are re-emitted with the same values."""
    _, run = run_case("json-input.json", "lf")
    (cm,) = [i for i in parse(run.stdout)["items"] if i["kind"] == "ConfigMap" and not is_ours(i)]
    assert cm["data"] == {"on": "on", "octal": "0755", "exp": "1e3", "empty": "", "tilde": "~", "y": "y",
                          "multi": "line one\nline two\n", "unicode": "\u00e9\u2028x"}
    old = yaml.load(run.stdout, Loader=yaml.CSafeLoader)
    (cm11,) = [i for i in old["items"] if i["kind"] == "ConfigMap" and not is_ours(i)]
    assert cm11 == cm  # quoted wherever a YAML 1.1 reader would misread


def test_block_scalar_headers_survive() -> None:
    _, run = run_case("block-scalars.yaml", "lf")
    data = parse(run.stdout)["items"][0]["data"]
    assert data["literalClip"] == "line one\nline two\n"
    assert data["literalStrip"] == "stripped"
    assert data["literalKeep"] == "kept\n\n\n"
    assert data["foldedClip"] == "folded into one line\nnew paragraph\n"
    assert data["foldedStrip"] == "folded stripped"
    assert data["foldedKeep"] == "folded kept\n\n"
    assert data["indentIndicator"] == "  starts with two extra spaces\nthen none\n"
    assert data["indentAndChomp"] == data["chompAndIndent"].replace("stripped and indented",
                                                                    "indented and stripped")
    assert data["multiQuoted"] == "first second" and data["singleMulti"] == "it's folded"
    assert parse(run.stdout)["items"][1]["data"]["last"] == "keep to the end\n\n"


def test_orchestrator_annotations_are_kept() -> None:
    _, run = run_case("lists-and-annotations.yaml", "lf")
    (cm,) = [i for i in parse(run.stdout)["items"] if i.get("metadata", {}).get("name") == "orchestrated"]
    ann = cm["metadata"]["annotations"]
    for key in ("config.kubernetes.io/path", "internal.config.kubernetes.io/path", "config.kubernetes.io/index",
                "internal.config.kubernetes.io/index", "internal.config.kubernetes.io/id", "config.k8s.io/id",
                "kustomize.config.k8s.io/id", "kustomize.config.k8s.io/behavior",
                "config.kubernetes.io/local-config", "config.kubernetes.io/function",
                "argocd.argoproj.io/sync-wave", "internal.config.kubernetes.io/annotations-migration-resource-id"):
        assert key in ann
    assert "      config.k8s.io/id: '1'\n" in run.stdout and "      internal.config.kubernetes.io/index: \"3\"\n" in run.stdout


def test_items_at_a_deeper_indentation_are_copied_and_generated_objects_follow() -> None:
    _, run = run_case("deep-indentation.yaml", "lf")
    assert "        data:\n            on: yes\n            text: |\n                indented block\n" in run.stdout
    kinds = [i["kind"] for i in parse(run.stdout)["items"]]
    assert kinds == ["ConfigMap", "ModelService", "Deployment"]
    assert parse(run.stdout)["functionConfig"]["provider"] == "none"


def test_comments_are_kept_where_they_were() -> None:
    _, run = run_case("comments-everywhere.yaml", "lf")
    for comment in ("# comment right after the dash", "# after a value", "# own-line comment inside",
                    "# comment in a map", "# label", "# comment before a key", "# item comment",
                    "# between items", "# indented comment at the end of the item",
                    "# comment at column 0 between items", "# flow map, then a comment", "# flow list"):
        assert comment in run.stdout, comment
    assert parse(run.stdout)["items"][0]["data"]["hash"] == "value # not a comment"
