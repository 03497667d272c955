"""Write krm_fn/data/modelservice.schema.json from the ModelService CRD (descriptions dropped).

Usage: python scripts/extract_schema.py tests/data/crds/modelservices.model.otterscale.io.v0.9.0-beta.1.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parent.parent / "krm_fn" / "data" / "modelservice.schema.json"


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
    OUT.write_text(extract(sys.argv[1]))
