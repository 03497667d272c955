"""krm_fn.yaml11: passthrough values that kubectl, Argo CD and Helm would not read as strings."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn import yaml11, yamlio
from krm_fn.assemble import Item
from krm_fn.yaml11 import misread_as, warnings


@pytest.mark.parametrize(("plain", "what"), [
    ("on", "boolean"), ("yes", "boolean"), ("No", "boolean"), ("true", "boolean"), ("0755", "number"),
    ("1e3", "number"), ("1_000", "number"), ("12", "number"), (".5", "number"), ("2024-05-01", "date"),
    ("~", "null"), ("null", "null"), ("hello", ""), ("y", "boolean"), ("N", "boolean"), ("1:30", ""), ("v1", ""),
])
def test_misread_as(plain: str, what: str) -> None:
    assert misread_as(plain) == what


def found(text: str) -> list[tuple[str, str]]:
    items = [Item(d.value, d.span, text) for d in yamlio.read_documents(text)]
    return [(r.field, r.message.split(" is read")[0]) for r in warnings(items)]


def test_only_plain_scalars_in_string_maps_of_applied_objects() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  labels: {x: "on", y: on}
  annotations:
    t: !!str yes
data:
  plain: on
  single: 'on'
  double: "0755"
  block: |
    on
  text: hello
  number: 0755
---
apiVersion: v1
kind: Secret
metadata:
  name: s
stringData:
  enabled: yes
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replicas: 1
  template:
    metadata:
      labels:
        canary: true
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: trap # never applied
  annotations:
    config.kubernetes.io/local-config: "true"
data:
  plain: on
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ours
  annotations:
    fn.model.otterscale.io/owner: ModelService/ml/x
data:
  plain: on
"""
    assert found(text) == [
        ("data[plain]", "the plain value on"), ("data[number]", "the plain value 0755"),
        ("metadata.labels[y]", "the plain value on"), ("stringData[enabled]", "the plain value yes"),
        ("spec.template.metadata.labels[canary]", "the plain value true"),
    ]


def test_the_message_says_how_to_fix_it() -> None:
    items = [Item(d.value, d.span, t) for t in [("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
                                                 "  annotations:\n    config.kubernetes.io/path: cm.yaml\n"
                                                 "data:\n  rollout: 2024-05-01\n")] for d in yamlio.read_documents(t)]
    (w,) = warnings(items)
    assert (w.severity, w.field, w.file) == ("warning", "data[rollout]", "cm.yaml")
    assert w.message == ('the plain value 2024-05-01 is read as a date by YAML 1.1 readers (kubectl, Argo CD, '
                         'Helm): the object is rejected or the value changes. Quote it ("2024-05-01"), or mark the '
                         'object config.kubernetes.io/local-config if it is not applied')


def test_values_without_text_are_checked_by_type() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"n": 5, "s": "on"}}
    (w,) = warnings([Item(obj)])
    assert w.field == "data[n]" and w.message.startswith("the plain value 5 is read as a number")


@pytest.mark.parametrize(("plain", "what"), [
    ("Y", "boolean"), ("n", "boolean"), ("1.5", "number"), ("1:30.5", ""), ("0x1F", "number"), ("", "null"),
    ("2024-05-01T10:00:00Z", "date"), ("<<", "non-string"), ("=", "non-string"),
])
def test_misread_as_more(plain: str, what: str) -> None:
    assert misread_as(plain) == what


def test_every_string_map_is_checked_and_the_warning_names_the_object() -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: ns\n  annotations: {a: on}\n"
            "spec:\n  template:\n    metadata:\n      labels: {l: yes}\n      annotations: {t: 0755}\n")
    items = [Item(d.value, d.span, text) for d in yamlio.read_documents(text)]
    result = warnings(items)
    assert [(r.field, r.message.split(" is read as a ")[1].split(" ")[0]) for r in result] == [
        ("metadata.annotations[a]", "boolean"), ("spec.template.metadata.labels[l]", "boolean"),
        ("spec.template.metadata.annotations[t]", "number")]
    assert {str(r.resource) for r in result} == {"Deployment ns/d"}
    assert result[0].resource is not None and result[0].resource.as_dict() == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "namespace": "ns"}


def test_data_is_checked_only_in_v1_config_maps_and_secrets() -> None:
    for api, kind, checked in (("v1", "Secret", True), ("v1", "ConfigMap", True), ("v2", "ConfigMap", False),
                               ("v1", "Thing", False)):
        obj = {"apiVersion": api, "kind": kind, "metadata": {"name": "a"}, "stringData": {"k": True}}
        assert [w.field for w in warnings([Item(obj)])] == (["stringData[k]"] if checked else [])


def test_objects_of_ours_local_config_and_non_objects_are_skipped() -> None:
    base = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": True}}
    for ann, warned in (({}, True), ({"fn.model.otterscale.io/owner": "x"}, False),
                                ({"config.kubernetes.io/local-config": "true"}, False),
                                ({"config.kubernetes.io/local-config": True}, False),
                                ({"config.kubernetes.io/local-config": "false"}, True)):
        obj = {**base, "metadata": {"name": "a", "annotations": ann}}
        assert bool(warnings([Item(obj)])) is warned, ann
    assert warnings([Item(5), Item(["x"])]) == []
    (w,) = warnings([Item({**base, "metadata": "x"})])
    assert w.resource is not None and w.resource.as_dict() == {"apiVersion": "v1", "kind": "ConfigMap", "name": ""}


def test_a_value_that_is_null_is_read_as_null() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": None}}
    (w,) = warnings([Item(obj)])
    assert w.message.startswith("the plain value null is read as a null by YAML 1.1 readers")


@pytest.mark.parametrize(("data", "expected"), [
    ("  mode: 0755\n", [("data[mode]", "the plain value 0755")]),
    ("  mode: '0755'\n", []),
    ('  mode: "0755"  # quoted\n', []),
    ("  mode:\n    0755\n", [("data[mode]", "the plain value 0755")]),  # the value on a line of its own
    ('  "mode": 0755\n', [("data[mode]", "the plain value 0755")]),
    ("  mode : on # a comment\n", [("data[mode]", "the plain value on")]),
    ("  other: 0755\n  mode: '0755'\n", [("data[other]", "the plain value 0755")]),
    ("  mode: '0755'\n  note: 'mode: 0755'\n", []),  # the text of another value is not the value
])
def test_the_quick_look_at_the_text_agrees_with_composing(data: str, expected: list[tuple[str, str]]) -> None:
    """The text check decides only whether to compose an item: it must never hide a plain value."""
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n{data}"
    assert found(text) == expected


def test_flow_maps_and_orchestrator_annotations() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {config.kubernetes.io/index: '0', "
            "internal.config.kubernetes.io/id: '3', team: on}\ndata: {mode: 0755, ok: 'on'}\n")
    assert found(text) == [("data[mode]", "the plain value 0755"), ("metadata.annotations[team]", "the plain value on")]


_KEYS = st.sampled_from(["mode", "on", "a.b/c", "x-y", "mode2", "0755"])
_VALUES = st.sampled_from(["0755", "on", "yes", "1e3", "true", "null", "hello", "12", "2024-05-01", "y"])
_STYLES = st.sampled_from(["plain", "single", "double", "next line", "comment"])


def _entry(key: str, value: str, style: str) -> str:
    return {"plain": f"  {key}: {value}\n", "single": f"  {key}: '{value}'\n", "double": f'  "{key}": "{value}"\n',
            "next line": f"  {key}:\n    {value}\n", "comment": f"  {key}: {value} # note\n"}[style]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(_KEYS, _VALUES, _STYLES), min_size=1, max_size=5, unique_by=lambda t: t[0]),
       st.booleans())
def test_the_quick_look_never_hides_a_plain_value(entries: list[tuple[str, str, str]], flow: bool) -> None:
    if flow:
        body = "data: {" + ", ".join(f"{k}: " + (repr(v) if s in ("single", "double") else v)
                                     for k, v, s in entries) + "}\n"
    else:
        body = "data:\n" + "".join(_entry(*e) for e in entries)
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n{body}"
    quick = found(text)
    with patch.object(yaml11, "_may_be_plain", lambda item, pairs: True):
        assert quick == found(text)


def test_an_item_written_anew_is_checked_as_written_and_long_values_are_cut() -> None:
    big = "1" * 5000  # more digits than an int converts: kept as text (yamlio.LargeInt)
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n a\ndata:\n  n: *n\n  big: {big}\n  e:\n"
    (big_warning, empty) = found(text)  # the anchor makes the item written anew, by value
    assert big_warning == ("data[big]", f"the plain value {big[:64]}... (5000 characters)")
    assert empty == ("data[e]", "the plain value null")  # as written out: e: null
