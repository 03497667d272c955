"""Write krm_fn/data/modelservice.<api version>.schema.json from each ModelService CRD.

The CRDs are tests/data/crds/modelservices.model.otterscale.io.<api version>.yaml (descriptions
are dropped). Usage: python scripts/extract_schema.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
API_VERSIONS = ("v0.9.0-beta.1", "v0.9.0-beta.2", "v0.9.0", "v0.9.1", "v1.0.0")


def crd_path(api: str) -> Path:
    return ROOT / "tests" / "data" / "crds" / f"modelservices.model.otterscale.io.{api}.yaml"


def out_path(api: str) -> Path:
    return ROOT / "krm_fn" / "data" / f"modelservice.{api}.schema.json"


def strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def extract(crd_path: str) -> str:
    crd = yaml.safe_load(Path(crd_path).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema = strip(version["schema"]["openAPIV3Schema"])
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    for api in API_VERSIONS:
        out_path(api).write_text(extract(str(crd_path(api))))
