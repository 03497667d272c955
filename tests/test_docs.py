"""The docs say what the code does: generated references in sync, paths that exist, the README's promises."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {p.relative_to(ROOT).as_posix(): p.read_text() for p in [ROOT / "README.md", *sorted(
    (ROOT / "docs").glob("*.md")), *sorted((ROOT / "examples").rglob("README.md"))]}


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_field_reference_is_generated_from_the_crd() -> None:
    gen = _module("gen_reference")
    assert (ROOT / "docs" / "modelservice-reference.md").read_text() == gen.reference(), (
        "stale: run python scripts/gen_reference.py")
    text = gen.reference()
    for field, default in (("spec.engine.image", '"ghcr.io/llm-d/llm-d-cuda:v0.5.1"'), ("spec.engine.port", "8000"),
                           ("spec.routingProxy.connector", '"nixlv2"'), ("spec.decode.replicas", "1")):
        assert re.search(rf"^\| `{re.escape(field)}` \| \w+ \| `{re.escape(default)}` \|", text, re.MULTILINE), field
    assert "| `spec.engine.env` | []EnvVar |" in text and "valueFrom" not in text


def test_the_first_screen_holds_the_two_commands() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["make demo", "make test"]
    assert README.index("```sh\n") < 200


def test_install_and_placement_are_described_as_they_are() -> None:
    for name, text in DOCS.items():
        assert "pip install 'modelservice-fn[cluster]'" not in text, name
        assert "<ModelService file>.generated.yaml" not in text, name
    assert "pip install '.[cluster]'" in README and "not on\nPyPI" in README
    assert "<metadata.name>.generated.yaml" in README


def test_cluster_prerequisites_are_stated() -> None:
    section = README.split("## Cluster prerequisites", 1)[1].split("\n## ", 1)[0]
    for needle in ("ImageVolume", "v1.35", "gateway.networking.k8s.io/v1", "inference.networking.k8s.io/v1",
                   "networking.istio.io/v1beta1", "monitoring.coreos.com/v1", "ModelService CRD"):
        assert needle in section, needle


def test_what_make_test_installs_is_said_up_front() -> None:
    section = README.split("### What `make test` installs", 1)[1].split("\n## ", 1)[0]
    for needle in ("apt-get install podman", "/etc/containers/containers.conf", "debootstrap", "root",
                   '-m "not container"'):
        assert needle in section, needle


def test_example_paths_in_the_docs_exist() -> None:
    for name, text in DOCS.items():
        for path in set(re.findall(r"(?<![\w/.-])(examples/[\w./-]*[\w])", text)):
            assert (ROOT / path).exists(), f"{name}: {path}"


def test_the_podman_kpt_command_uses_a_package_with_an_image() -> None:
    for name, text in DOCS.items():
        for pkg in re.findall(r"KPT_FN_RUNTIME=podman kpt fn render (\S+)", text):
            if pkg.startswith("examples/"):
                kptfile = yaml.safe_load((ROOT / pkg / "Kptfile").read_text())
                assert all("image" in m for m in kptfile["pipeline"]["mutators"]), f"{name}: {pkg}"


def test_editor_hookup_points_at_the_schemas_and_the_examples_pass_them() -> None:
    editors = (ROOT / "docs" / "editors.md").read_text()
    ms_file = ROOT / "examples" / "kpt" / "models" / "qwen3-32b.yaml"
    modeline = ms_file.read_text().splitlines()[0]
    assert modeline in editors
    schema_path = (ms_file.parent / modeline.split("$schema=", 1)[1]).resolve()
    assert schema_path == ROOT / "function-config" / "modelservice.schema.json"
    settings = json.loads(editors.split("```json\n", 1)[1].split("```", 1)[0])
    examples = [p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").rglob("*.yaml")]
    for schema_file, globs in settings["yaml.schemas"].items():
        validator = jsonschema.Draft202012Validator(json.loads((ROOT / schema_file).read_text()))
        matched = [p for p in examples if any(fnmatch.fnmatch(p, g) for g in globs)]
        assert matched, globs
        for path in matched:
            for doc in yaml.safe_load_all((ROOT / path).read_text()):
                assert not list(validator.iter_errors(doc)), path
