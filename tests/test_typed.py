"""krm_fn/typed.py: one validation, by schema, with pydantic's own verdicts and models."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from krm_fn import crd
from krm_fn.config import EPPConfig, Tracing
from krm_fn.model import ModelService, parse_model_service
from krm_fn.typed import construct, structural_schema
from krm_fn.yamlio import read_documents

from .conftest import BASELINE, ROOT
from .test_properties import scaled


def _dump(model: BaseModel) -> Any:
    """Every field, nested models as dicts, so that equality sees them all."""
    return model.model_dump()


def test_structural_schema_of_the_eppconfig() -> None:
    schema = structural_schema(EPPConfig)
    assert list(schema["properties"]) == list(EPPConfig.model_fields)
    assert schema["properties"]["provider"] == {"type": "string", "enum": ["istio", "gke", "none"]}
    assert schema["properties"]["flags"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert schema["properties"]["tracing"] == structural_schema(Tracing)
    assert schema["properties"]["defaultImages"]["properties"]["epp"] == {"type": "string"}
    assert schema["properties"]["strict"] == {"type": "boolean"}


def test_construct_fills_defaults_and_nested_models() -> None:
    cfg = construct(EPPConfig, {"provider": "gke", "tracing": {"enabled": True}, "defaultImages": {"epp": "e:1"}})
    assert cfg == EPPConfig.model_validate({"provider": "gke", "tracing": {"enabled": True},
                                            "defaultImages": {"epp": "e:1"}})
    assert isinstance(cfg.tracing, Tracing) and cfg.tracing.sampler == "parentbased_traceidratio"
    assert cfg.flags == {} and cfg.flags is not construct(EPPConfig, {}).flags  # a fresh default each time


def test_constructed_models_are_frozen() -> None:
    cfg = construct(EPPConfig, {})
    with pytest.raises(ValidationError):
        cfg.provider = "gke"  # type: ignore[misc]


SCALARS = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["", "istio", "gke", "none", "Istio", "v0.7",
                                                                       "v1.0.1", "true", "x"]),
                    st.floats(allow_nan=False, width=16))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=2),
                                                        st.dictionaries(st.sampled_from(["enabled", "epp", "sampler",
                                                                                         "a", "x"]), inner,
                                                                        max_size=3)), max_leaves=5)
KEYS = st.sampled_from([*EPPConfig.model_fields, "extra", "Provider"])


def _both(fields: dict[str, Any]) -> tuple[bool, bool]:
    by_schema = not crd.validate(fields, structural_schema(EPPConfig))
    try:
        EPPConfig.model_validate(fields)
        by_pydantic = True
    except ValidationError:
        by_pydantic = False
    return by_schema, by_pydantic


@scaled(3)
@given(st.dictionaries(KEYS, VALUES, max_size=4))
@example({"provider": "gke", "tracing": {"enabled": True, "sampler": "x"}, "flags": {"a": "x"}})
@example({"flags": {"a": 1}})
@example({"tracing": {"enabled": "true"}})
@example({"defaultImages": {"epp": "x", "a": "x"}})
@example({"llmd": "v0.7", "operatorVersion": "v1.0.1", "strict": True, "allowEmpty": False, "kitImage": "x"})
def test_the_schema_and_pydantic_agree_on_every_eppconfig(fields: dict[str, Any]) -> None:
    by_schema, by_pydantic = _both(fields)
    assert by_schema == by_pydantic, fields
    if by_schema:
        assert _dump(construct(EPPConfig, fields)) == _dump(EPPConfig.model_validate(fields))


def _model_services() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((ROOT / "tests" / "cases").glob("**/input.yaml")) + sorted((ROOT / "examples").rglob("*.yaml")):
        for doc in read_documents(path.read_text()):
            root = doc.value
            items = root.get("items", []) if isinstance(root, dict) and root.get("kind") == "ResourceList" else [root]
            out += [(str(path.relative_to(ROOT)), i) for i in items
                    if isinstance(i, dict) and i.get("kind") == "ModelService"]
    return out


MODEL_SERVICES = _model_services()


def test_there_are_model_services_to_check() -> None:
    assert len(MODEL_SERVICES) > 40


@pytest.mark.parametrize("obj", [o for _, o in MODEL_SERVICES], ids=[f"{p}:{i}" for i, (p, _) in
                                                                     enumerate(MODEL_SERVICES)])
def test_a_constructed_model_service_is_what_pydantic_validates(obj: dict[str, Any]) -> None:
    ms, problems = parse_model_service(obj, BASELINE)
    if ms is None:
        assert problems
        return
    validated = ModelService.model_validate(ms.model_dump())
    assert _dump(validated) == _dump(ms)
    assert type(ms.spec.decode).__name__ == "RoleSpec" and type(ms.spec.engine).__name__ == "Engine"


DENIED = ("kubernetes", "kubernetes_validate", "jsonschema", "hypothesis", "importlib.metadata", "importlib.resources",
          "tempfile",
          "pydantic.plugin._loader", "pydantic.type_adapter", "pydantic.networks", "email")

_PROBE = f"""
import sys
import krm_fn.fn
imported = set(sys.modules)
run = krm_fn.fn.process_resource_list(open(sys.argv[1]).read())
assert run.exit_code == 0, run.stderr
from krm_fn.config import EPPConfig
from krm_fn.model import ModelService
print(sorted(m for m in sys.modules if m.split(".")[0] in {{d.split(".")[0] for d in {DENIED!r}}}
             and any(m == d or m.startswith(d + ".") for d in {DENIED!r})))
print(EPPConfig.__pydantic_complete__, ModelService.__pydantic_complete__)
"""


@pytest.mark.parametrize("example_file", ["examples/resourcelist.yaml", "tests/cases/v1.0.1/llmd-v0.10-pd-tracing/input.yaml"])
def test_a_render_imports_nothing_from_the_denied_list(example_file: str) -> None:
    """A fact about the default path, not a timing: no heavy module and no pydantic validator build."""
    out = subprocess.run([sys.executable, "-c", _PROBE, str(ROOT / example_file)], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.splitlines() == ["[]", "False False"], out.stdout + out.stderr
