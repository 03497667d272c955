"""function-config/: the published schemas and examples agree with the code."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml

from krm_fn import crd
from krm_fn.config import DefaultImages, EPPConfig, Tracing, parse_function_config
from krm_fn.model import parse_model_service
from krm_fn.profile import Profile, resolve
from tests.conftest import BASELINE

ROOT = Path(__file__).resolve().parent.parent
FC = ROOT / "function-config"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schemas", ROOT / "scripts" / "gen_function_config_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((FC / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


EPP = validator("eppconfig.schema.json")
MS = validator("modelservice.schema.json")


def load_all(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def example_objects(kind: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((ROOT / "examples").rglob("*.yaml")) + sorted(FC.glob("*.yaml")):
        out += [(path.relative_to(ROOT).as_posix(), o) for o in load_all(path) if o.get("kind") == kind]
    return out


def test_schemas_are_generated_from_the_current_code() -> None:
    for path, text in GEN.rendered().items():
        assert path.read_text() == text, f"{path.name} is stale: run python scripts/gen_function_config_schemas.py"


def test_eppconfig_schema_has_exactly_the_config_fields() -> None:
    defs = EPP.schema["$defs"]
    assert set(defs["EPPConfig"]["properties"]) - {"apiVersion", "kind", "metadata"} == set(EPPConfig.model_fields)
    assert set(defs["Tracing"]["properties"]) == set(Tracing.model_fields)
    data = defs["ConfigMap"]["properties"]["data"]
    flat = {k for k in EPPConfig.model_fields if k not in ("tracing", "flags", "defaultImages")}
    assert set(data["properties"]) == flat | {f"tracing.{k}" for k in Tracing.model_fields} | {
        f"defaultImages.{k}" for k in DefaultImages.model_fields}
    assert list(data["patternProperties"]) == ["^flags\\.[A-Za-z0-9][A-Za-z0-9._-]*$"]


def test_modelservice_schema_is_the_one_the_function_validates_with() -> None:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "description"}
        return [strip(v) for v in node] if isinstance(node, list) else node

    assert strip(GEN.crd_schema()) == crd.modelservice_schema()
    for api in GEN.later_apis():
        assert strip(GEN.crd_schema(GEN.crd_path(api))) == crd.modelservice_schema(api)


def test_an_editor_schema_for_every_api_version_a_release_reads() -> None:
    assert ["modelservice.schema.json", *(f"modelservice.{a}.schema.json" for a in GEN.later_apis())] == [
        "modelservice.schema.json", "modelservice.v0.9.0-beta.2.schema.json", "modelservice.v0.9.0.schema.json",
        "modelservice.v0.9.1.schema.json", "modelservice.v1.0.0.schema.json"]
    newest = json.loads((FC / "modelservice.v1.0.0.schema.json").read_text())
    decode = newest["properties"]["spec"]["properties"]["decode"]["properties"]
    assert decode["annotations"]["additionalProperties"] == {"type": "string"}
    assert "annotations" not in json.loads((FC / "modelservice.schema.json").read_text())[
        "properties"]["spec"]["properties"]["decode"]["properties"]


@pytest.mark.parametrize(("path", "obj"), example_objects("EPPConfig") + [
    (p.name, o) for p in sorted(FC.glob("eppconfig*.yaml")) for o in load_all(p)])
def test_example_configs_are_valid(path: str, obj: dict[str, Any]) -> None:
    assert [e.message for e in EPP.iter_errors(obj)] == []
    assert parse_function_config(obj)[1] == []


def package_profile(path: str) -> Profile:
    """The profile of the EPPConfig in the example package that holds ``path`` (defaults if none)."""
    for parent in (ROOT / path).parents:
        config = parent / "epp-config.yaml"
        if config.is_file():
            cfg, problems = parse_function_config(yaml.safe_load(config.read_text()))
            assert cfg is not None, problems
            return resolve(cfg)
        if parent == ROOT / "examples":
            break
    return BASELINE


@pytest.mark.parametrize(("path", "obj"), example_objects("ModelService"))
def test_example_modelservices_are_valid(path: str, obj: dict[str, Any]) -> None:
    assert [e.message for e in MS.iter_errors(obj)] == []
    assert parse_model_service(obj, package_profile(path))[1] == []


TYPED = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "c"}}
CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}}


@pytest.mark.parametrize("obj", [
    {**TYPED, "provider": "gke", "flags": {"v": "3"}, "version": ""},
    {**TYPED, "provider": None, "tracing": {"enabled": True, "sampler": ""}},
    {**TYPED, "provider": "nginx"},
    {**TYPED, "replicas": 2},
    {**TYPED, "metricsEndpointAuth": "true"},
    {**TYPED, "flags": {"--v": "3"}},
    {**TYPED, "flags": {"v": 3}},
    {**TYPED, "version": "x" * 64},
    {**TYPED, "version": "not a label"},
    {**TYPED, "tracing": {"enabled": True, "endpoint": "x"}},
    {**TYPED, "apiVersion": "fn.model.otterscale.io/v1"},
    {**CM, "data": {"provider": "none", "tracing.enabled": "true", "flags.v": "3"}},
    {**CM},
    {**CM, "data": {"metricsEndpointAuth": "True"}},
    {**CM, "data": {"provider": "nginx"}},
    {**CM, "data": {"replicas": "2"}},
    {**CM, "data": {"flags.": "x"}},
    {**CM, "data": {"tracing.sampler": 1}},
])
def test_eppconfig_schema_accepts_what_the_function_accepts(obj: dict[str, Any]) -> None:
    accepted = parse_function_config(obj)[1] == []
    assert EPP.is_valid(obj) == accepted


def _modelservice(**changes: Any) -> dict[str, Any]:
    (_, obj), *_ = example_objects("ModelService")
    obj = copy.deepcopy(obj)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = obj
        for p in parents:
            node = node[p]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    return obj


@pytest.mark.parametrize("obj", [
    _modelservice(),
    _modelservice(spec__decode__replicas="two"),
    _modelservice(spec__decode__surprise=1),
    _modelservice(spec__accelerator__type="tpu"),
    _modelservice(metadata__namespace=None),
    _modelservice(metadata__name="Qwen"),
    _modelservice(metadata__name="x" * 64),
    _modelservice(spec__engine=None),
    _modelservice(spec__decode__resources={"requests": {"cpu": 2, "memory": "1Gi"}}),
    _modelservice(spec__decode__resources={"requests": {"memory": "lots"}}),
    _modelservice(surprise={}),
])
def test_modelservice_schema_accepts_what_the_function_accepts(obj: dict[str, Any]) -> None:
    accepted = parse_model_service(obj, BASELINE)[1] == []
    assert MS.is_valid(obj) == accepted


def test_catalog_metadata() -> None:
    meta = yaml.safe_load((FC / "metadata.yaml").read_text())
    assert set(meta) >= {"image", "description", "tags", "sourceURL", "examplePackageURLs", "license"}
    assert meta["tags"] == ["generator", "mutator"] and meta["license"] == "Apache-2.0"
    for url in meta["examplePackageURLs"]:
        assert url.startswith(meta["sourceURL"] + "/tree/main/")
        assert (ROOT / url.split("/tree/main/", 1)[1]).is_dir()
