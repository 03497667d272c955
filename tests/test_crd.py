"""The shipped ModelService schemas are the CRDs' (one per otterscale/api version), and drive validation."""

from __future__ import annotations

import copy
import json
import runpy
from typing import Any

import pytest

from krm_fn import crd, fn, releases, yamlio
from tests.conftest import ROOT

CRD = ROOT / "tests" / "data" / "crds" / "modelservices.model.otterscale.io.v0.9.0-beta.1.yaml"


SCRIPT = runpy.run_path(str(ROOT / "scripts" / "extract_schema.py"))


@pytest.mark.parametrize("api", SCRIPT["API_VERSIONS"])
def test_shipped_schema_is_extracted_from_the_crd(api: str) -> None:
    assert json.loads(SCRIPT["extract"](str(SCRIPT["crd_path"](api)))) == crd.modelservice_schema(api)


def test_the_default_schema_is_the_baseline_crd() -> None:
    assert json.loads(SCRIPT["extract"](str(CRD))) == crd.modelservice_schema()


def test_every_release_has_a_shipped_schema() -> None:
    assert {releases.release(t).api for t in releases.TAGS} == set(SCRIPT["API_VERSIONS"])


def test_list_map_keys_must_be_unique() -> None:
    schema = {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
              "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
    assert crd.validate([{"name": "a"}, {"name": "a"}], schema, "claims") == [
        ("claims[1]", "duplicate entry for key name", None)]


def test_int_or_string_and_int32_bounds() -> None:
    s = {"x-kubernetes-int-or-string": True, "pattern": "^[0-9]+m?$"}
    assert crd.validate(5, s) == [] and crd.validate("5m", s) == []
    assert crd.validate(True, s)[0][1] == "must be of type integer or string, not boolean"
    assert crd.validate(2**31, {"type": "integer", "format": "int32"})[0][1] == "is out of range for int32"


def test_unknown_fields_name_the_closest_known_one() -> None:
    schema = {"type": "object", "properties": {"replicas": {"type": "integer"}, "resources": {"type": "object"}}}
    assert crd.validate({"replcias": 1, "zzz": 2}, schema, "spec.decode") == [
        ("spec.decode.replcias", 'unknown field "replcias" (did you mean replicas?)', None),
        ("spec.decode.zzz", 'unknown field "zzz"', None)]


def test_a_missing_object_of_defaults_says_to_write_it_empty() -> None:
    problems = crd.validate({"metadata": {}, "spec": {}}, crd.modelservice_schema())
    assert ("spec.engine", "required field is missing (write engine: {} to take the defaults)", None) in problems
    assert ("spec.decode", "required field is missing (write decode: {} to take the defaults)", None) in problems
    assert ("spec.model", "required field is missing", None) in problems  # model.name and image are required


# --- defaulting ---------------------------------------------------------------------------

OBJ = {"type": "object", "properties": {
    "plain": {"type": "string"},
    "maybe": {"type": "string", "nullable": True},
    "child": {"type": "object", "properties": {"n": {"type": "integer", "default": 5},
                                               "tags": {"type": "array", "default": ["a"]}}},
    "absent": {"type": "object", "properties": {"n": {"type": "integer", "default": 1}}},
    "made": {"type": "object", "default": {}, "properties": {"inner": {"type": "string", "default": "x"}}},
    "map": {"type": "object", "additionalProperties": {"type": "object",
                                                       "properties": {"p": {"type": "integer", "default": 1}}}},
    "list": {"type": "array", "items": {"type": "object", "properties": {"q": {"type": "string", "default": "d"}}}},
    "free": {"type": "object"},
}}


def test_defaults_fill_existing_parents_and_prune_nulls() -> None:
    value = {"plain": None, "maybe": None, "unknown": None, "child": {}, "map": {"a": {}, "b": {"p": 7}},
             "list": [{}, {"q": "set"}], "free": {"k": None}}
    assert crd.apply_defaults(value, OBJ) == {
        "maybe": None, "child": {"n": 5, "tags": ["a"]}, "map": {"a": {"p": 1}, "b": {"p": 7}},
        "list": [{"q": "d"}, {"q": "set"}], "free": {"k": None}, "made": {"inner": "x"}}


def test_defaulting_copies_and_leaves_input_and_schema_alone() -> None:
    value = {"child": {}, "list": [{}], "free": {"deep": {"k": [1]}}}
    schema = copy.deepcopy(OBJ)
    out = crd.apply_defaults(value, schema)
    out["child"]["tags"].append("b")
    out["free"]["deep"]["k"].append(2)
    out["list"][0]["q"] = "changed"
    assert value == {"child": {}, "list": [{}], "free": {"deep": {"k": [1]}}}
    assert schema == OBJ


def test_defaulting_passes_scalars_and_lists_without_schemas_through() -> None:
    assert crd.apply_defaults(3, {"type": "integer"}) == 3
    assert crd.apply_defaults([{"a": None}], {"type": "array"}) == [{"a": None}]
    assert crd.apply_defaults({"a": [1]}, {"type": "object", "additionalProperties": True}) == {"a": [1]}


# --- types --------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "name"), [
    (None, "null"), (True, "boolean"), (False, "boolean"), (0, "integer"), (1.5, "number"), ("", "string"),
    ([], "array"), ({}, "object"), ({1}, "set"),
])
def test_type_names_speak_json(value: object, name: str) -> None:
    assert crd.type_name(value) == name


@pytest.mark.parametrize(("value", "schema", "problems"), [
    (5, {"type": "number"}, []),
    (5.5, {"type": "integer"}, [("f", "must be of type integer, not number", 5.5)]),
    (True, {"type": "integer"}, [("f", "must be of type integer, not boolean", True)]),
    ("5", {"type": "integer"}, [("f", "must be of type integer, not string", "5")]),
    (None, {"type": "string"}, [("f", "must be of type string, not null", None)]),
    (None, {"type": "string", "nullable": True}, []),
    ({"a": [1, "x"]}, {}, []),
    (None, {}, []),
    (5, {"x-kubernetes-int-or-string": True}, []),
    ("5m", {"x-kubernetes-int-or-string": True}, []),
    (1.5, {"x-kubernetes-int-or-string": True}, [("f", "must be of type integer or string, not number", 1.5)]),
    (None, {"x-kubernetes-int-or-string": True}, [("f", "must be of type integer or string, not null", None)]),
    (False, {"x-kubernetes-int-or-string": True}, [("f", "must be of type integer or string, not boolean",
                                                     False)]),
    ([1], {"type": "object"}, [("f", "must be of type object, not array", [1])]),
])
def test_types(value: object, schema: dict[str, object], problems: list[object]) -> None:
    assert crd.validate(value, schema, "f") == problems


def test_a_wrong_type_is_the_only_problem_of_its_field() -> None:
    schema = {"type": "string", "minLength": 1, "enum": ["a"]}
    assert crd.validate(5, schema, "f") == [("f", "must be of type string, not integer", 5)]


# --- strings, numbers, enums ----------------------------------------------------------------

@pytest.mark.parametrize(("value", "schema", "message"), [
    ("a", {"type": "string", "minLength": 1}, None),
    ("", {"type": "string", "minLength": 1}, "must not be empty"),
    ("abc", {"type": "string", "minLength": 3}, None),
    ("ab", {"type": "string", "minLength": 3}, "must be at least 3 characters"),
    ("a" * 63, {"type": "string", "maxLength": 63}, None),
    ("a" * 64, {"type": "string", "maxLength": 63}, "must be no more than 63 characters"),
    ("xab", {"type": "string", "pattern": "ab"}, None),
    ("a-b", {"type": "string", "pattern": "^a"}, None),
    ("ba", {"type": "string", "pattern": "^a"}, '"ba" does not match the pattern ^a'),
    (0, {"type": "integer", "minimum": 0}, None),
    (-1, {"type": "integer", "minimum": 0}, "must be greater than or equal to 0"),
    (0.5, {"type": "number", "minimum": 1}, "must be greater than or equal to 1"),
    (65535, {"type": "integer", "maximum": 65535}, None),
    (65536, {"type": "integer", "maximum": 65535}, "must be less than or equal to 65535"),
    (1.5, {"type": "number", "maximum": 1}, "must be less than or equal to 1"),
    (2**31 - 1, {"type": "integer", "format": "int32"}, None),
    (2**31, {"type": "integer", "format": "int32"}, "is out of range for int32"),
    (-(2**31), {"type": "integer", "format": "int32"}, None),
    (-(2**31) - 1, {"type": "integer", "format": "int32"}, "is out of range for int32"),
    (2**63 - 1, {"type": "integer", "format": "int64"}, None),
    (2**63, {"type": "integer", "format": "int64"}, "is out of range for int64"),
    (-(2**63), {"type": "integer", "format": "int64"}, None),
    (-(2**63) - 1, {"type": "integer", "format": "int64"}, "is out of range for int64"),
    (2**70, {"type": "integer"}, None),
    (2**70, {"type": "number", "format": "double"}, None),
    ("b", {"type": "string", "enum": ["b", "c"]}, None),
    ("a", {"type": "string", "enum": ["b", "c"]}, 'unsupported value "a": must be one of "b", "c"'),
    (3, {"type": "integer", "enum": [1, 2]}, "unsupported value 3: must be one of 1, 2"),
])
def test_limits_at_the_boundary_itself(value: object, schema: dict[str, object], message: str | None) -> None:
    assert crd.validate(value, schema, "spec.f") == ([] if message is None else [("spec.f", message, value)])


def test_a_value_can_break_several_rules_at_once() -> None:
    schema = {"type": "string", "maxLength": 2, "pattern": "^[a-z]+$", "enum": ["ab"]}
    assert [m for _, m, _ in crd.validate("ABC", schema)] == [
        "must be no more than 2 characters", '"ABC" does not match the pattern ^[a-z]+$',
        'unsupported value "ABC": must be one of "ab"']


# --- lists and objects ------------------------------------------------------------------------

def test_list_items_are_validated_with_their_index() -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    assert crd.validate(["a", 1, "b", None], schema, "spec.args") == [
        ("spec.args[1]", "must be of type string, not integer", 1),
        ("spec.args[3]", "must be of type string, not null", None)]
    assert crd.validate([1, 2], {"type": "array"}, "x") == []


def test_list_map_keys_may_be_several() -> None:
    schema = {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"]}
    ok = [{"port": 80, "protocol": "TCP"}, {"port": 80, "protocol": "UDP"}, {"port": 81}, {"protocol": "TCP"}, 7]
    assert crd.validate(ok, schema, "ports") == []
    assert crd.validate([*ok, {"port": 80, "protocol": "UDP"}], schema, "ports") == [
        ("ports[5]", "duplicate entry for key port, protocol", None)]


def test_list_sets_refuse_repeated_values() -> None:
    schema = {"type": "array", "x-kubernetes-list-type": "set"}
    assert crd.validate(["a", "b", "c"], schema, "s") == []
    assert crd.validate(["a", "b", "a", {"k": 1}, {"k": 1}], schema, "s") == [
        ("s[2]", "duplicate entry", "a"), ("s[4]", "duplicate entry", {"k": 1})]
    assert crd.validate(["a", "a"], {"type": "array", "x-kubernetes-list-type": "atomic"}, "s") == []


def test_required_fields() -> None:
    schema = {"type": "object", "required": ["name", "image"], "properties": {"name": {"type": "string"},
                                                                            "image": {"type": "string"}}}
    assert crd.validate({"image": "i"}, schema) == [("name", "required field is missing", None)]
    assert crd.validate({}, schema, "spec.model") == [("spec.model.name", "required field is missing", None),
                                                      ("spec.model.image", "required field is missing", None)]


def test_unknown_fields_and_preserved_ones() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    assert crd.validate({"name": "x", "zzz": 1}, schema, "spec") == [("spec.zzz", 'unknown field "zzz"', None)]
    preserved = {**schema, "x-kubernetes-preserve-unknown-fields": True}
    assert crd.validate({"name": "x", "zzz": 1}, preserved, "spec") == []
    assert crd.validate({"zzz": 1}, {"type": "object"}, "spec") == []


def test_keys_must_be_strings() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert crd.validate({1: "x", "a": 2}, schema, "spec") == [
        ("spec", "keys must be strings, not integer 1", None), ("spec.a", "must be of type string, not integer", 2)]
    assert crd.validate({True: "x"}, {"type": "object", "additionalProperties": {"type": "string"}}, "m") == [
        ("m", "keys must be strings, not boolean True", None)]


def test_map_values_are_validated_with_their_key() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "string", "maxLength": 3}}
    assert crd.validate({"disk": "ssd", "zone": "abcd", "n": 1}, schema, "spec.nodeSelector") == [
        ("spec.nodeSelector[zone]", "must be no more than 3 characters", "abcd"),
        ("spec.nodeSelector[n]", "must be of type string, not integer", 1)]


def test_paths_start_without_a_dot() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"x": {"type": "integer"}}}}}
    assert crd.validate({"spec": {"x": "1"}}, schema) == [("spec.x", "must be of type integer, not string", "1")]


# --- every numeric and length limit of the shipped ModelService schema, at the limit itself ---

ROLE = {"replicas": 1, "parallelism": {"tensor": 1, "data": 1, "dataLocal": 1},
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}]}
BASE: dict[str, Any] = {
    "apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
    "metadata": {"name": "b", "namespace": "ml"},
    "spec": {"model": {"name": "m", "image": "reg/m:1"}, "engine": {"port": 8000},
             "accelerator": {"type": "nvidia"}, "decode": copy.deepcopy(ROLE), "prefill": copy.deepcopy(ROLE),
             "routingProxy": {"targetPort": 8200},
             "inferencePool": {"endpointPicker": {"replicas": 1, "port": 9002}},
             "httpRoute": {"gatewayRef": {"name": "gw"}}},
}


def _limits(schema: dict[str, Any], value: Any, path: tuple[Any, ...]) -> list[Any]:
    """(path, last accepted, first rejected, message) for each limit of a field BASE sets."""
    out: list[Any] = []
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                out += _limits(sub, value[key], (*path, key))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _limits(schema["items"], v, (*path, i))
    if "maximum" in schema:
        out.append((path, schema["maximum"], schema["maximum"] + 1,
                    f"must be less than or equal to {schema['maximum']}"))
    if "minimum" in schema:
        out.append((path, schema["minimum"], schema["minimum"] - 1,
                    f"must be greater than or equal to {schema['minimum']}"))
    bits = {"int32": 31, "int64": 63}.get(schema.get("format", ""))
    if bits and "maximum" not in schema:
        out.append((path, 2**bits - 1, 2**bits, f"is out of range for {schema['format']}"))
    if bits and "minimum" not in schema:
        out.append((path, -(2**bits), -(2**bits) - 1, f"is out of range for {schema['format']}"))
    if "maxLength" in schema:
        out.append((path, "a" * schema["maxLength"], "a" * (schema["maxLength"] + 1),
                    f"must be no more than {schema['maxLength']} characters"))
    if schema.get("minLength") == 1:
        out.append((path, "a", "", "must not be empty"))
    return out


def _dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


LIMITS = _limits(crd.modelservice_schema()["properties"]["spec"], BASE["spec"], ("spec",))


def _run_with(path: tuple[Any, ...], value: Any) -> fn.Run:
    ms = copy.deepcopy(BASE)
    target = ms
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    text = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            f"- {json.dumps(ms)}\n")
    return fn.process_resource_list(text)


def test_the_limits_cover_the_schema() -> None:
    fields = {f"{_dotted(p)}:{m.split(' ')[-1]}" for p, _, _, m in LIMITS}
    for needle in ("spec.engine.port:65535", "spec.engine.port:1", "spec.decode.replicas:0",
                   "spec.decode.replicas:int32", "spec.prefill.parallelism.tensor:1",
                   "spec.decode.tolerations[0].tolerationSeconds:int64", "spec.model.name:characters",
                   "spec.model.image:empty", "spec.inferencePool.endpointPicker.port:65535",
                   "spec.routingProxy.targetPort:65535", "spec.httpRoute.gatewayRef.name:empty"):
        assert needle in fields, needle


@pytest.mark.parametrize(("path", "accepted", "rejected", "message"), LIMITS,
                         ids=[f"{_dotted(p)}:{m}" for p, _, _, m in LIMITS])
def test_each_limit_accepts_its_last_value_and_refuses_the_next(path: tuple[Any, ...], accepted: Any,
                                                                 rejected: Any, message: str) -> None:
    ok = _run_with(path, accepted)
    assert (ok.exit_code, ok.stderr) == (0, ""), f"{_dotted(path)}={accepted!r} is within the limit"
    bad = _run_with(path, rejected)
    assert (bad.exit_code, bad.stderr) == (1, (f"modelservice-fn: 1 error: ModelService ml/b {_dotted(path)}: "
                                              f"{message}\n"))


# --- field paths and integers beyond 4300 digits ----------------------------------------------------

NESTED = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
    "env": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    "sel": {"type": "object", "additionalProperties": {"type": "string"}},
    "grid": {"type": "array", "items": {"type": "array", "items": {"type": "object", "properties": {
        "x": {"type": "integer"}}}}},
    "plain": {"type": "string"}}}}}


@pytest.mark.parametrize(("path", "found"), [
    ("spec", True), ("spec.env", True), ("spec.env[0].name", True), ("spec.env[3].value", False),
    ("spec.sel[disk]", True), ("spec.grid[0][1].x", True), ("spec.grid[0].x", False), ("spec.plain.x", False),
    ("spec.nope", False), ("nope", False), ("spec.plain[0]", False),
])
def test_has_field(path: str, found: bool) -> None:
    assert crd.has_field(NESTED, path) is found


def test_an_integer_beyond_4300_digits_is_named_and_nothing_more() -> None:
    big = yamlio.LargeInt("1" + "0" * 4300)
    assert crd.type_name(big) == "integer"
    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 5, "enum": [1]}}}
    assert crd.validate({"n": big}, schema) == [("n", "is an integer with more than 4300 digits", None)]
    assert crd.validate(big, {"type": "string"}, "s") == [("s", "is an integer with more than 4300 digits", None)]
