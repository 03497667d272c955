"""The shipped ModelService schemas are the CRDs' (one per otterscale/api version), and drive validation."""

from __future__ import annotations

import json
import runpy

import pytest

from krm_fn import crd, releases
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
