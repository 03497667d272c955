"""Write the JSON Schemas (draft 2020-12) in function-config/ from the code and the CRD.

- eppconfig.schema.json: the typed EPPConfig (from krm_fn.config.EPPConfig) and its ConfigMap form.
- modelservice.schema.json: the ModelService CRD's v1alpha1 schema, as strict as the function
  (the default release's API, v0.9.0-beta.1), and modelservice.<api>.schema.json for the API
  version of each later operator release.

Usage: python scripts/gen_function_config_schemas.py [--check]
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from krm_fn import config, naming, releases

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "function-config"
CRD = ROOT / "tests" / "data" / "crds" / "modelservices.model.otterscale.io.v0.9.0-beta.1.yaml"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
FLAG_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

# one per field of EPPConfig and Tracing; a field without one stops the script
DESCRIPTIONS = {
    "provider": "Gateway implementation: istio adds a DestinationRule for the EPP, gke and none do not.",
    "metricsEndpointAuth": "Protect the EPP metrics endpoint: adds the ClusterRole/Binding, the token Secret "
                           "(not with gke) and the ServiceMonitor's authorization.",
    "flags": "Extra EPP command-line flags, name (without dashes) to value; appended after the "
             "built-in flags in key order.",
    "tracing": "OpenTelemetry tracing of the EPP and the routing sidecar.",
    "version": "Value of the app.kubernetes.io/version label on every generated object; \"\" omits the "
               "label. Defaults to the function's own version.",
    "strict": "Turn every warning into an error (exit 1): kustomize and Argo CD show nothing on success.",
    "allowEmpty": "Accept inputs without any ModelService in the legacy kustomize plugin mode (otherwise an "
                  "error, since an EPPConfig that sees no ModelService is usually misplaced).",
    "tracing.enabled": "Turn tracing on.",
    "tracing.otelExporterEndpoint": "OTLP exporter endpoint (OTEL_EXPORTER_OTLP_ENDPOINT).",
    "tracing.sampler": "Trace sampler (OTEL_TRACES_SAMPLER); \"\" sets none.",
    "tracing.samplerArg": "Sampler argument (OTEL_TRACES_SAMPLER_ARG); \"\" sets none.",
    "operatorVersion": "The model-operator release whose output is reproduced (objects, names, labels, "
                       "gating, flag defaults, ModelService CRD).",
    "llmd": "The llm-d generation for images, routing-sidecar and EPP flags, EPP plugin files and EPP Role.",
    "defaultGatewayName": "Operator flag --default-gateway-name (from v0.9.0-alpha.2): the Gateway of the "
                          "default HTTPRoute; \"\" generates none. Unset: the release's default.",
    "defaultImages": "Operator flags --default-{engine,epp,routing-proxy}-image (from v0.9.0-alpha.2).",
    "defaultImages.engine": "vLLM image for ModelServices that set none. Unset: ghcr.io/llm-d/llm-d-cuda:v0.5.1.",
    "defaultImages.epp": "EPP image for ModelServices that set none. Unset: the llm-d generation's.",
    "defaultImages.routingProxy": "Routing sidecar image for ModelServices that set none. Unset: the llm-d "
                                  "generation's.",
    "kitImage": "Operator flag --kit-image (from v0.9.0-alpha.2): the model-unpack init container's image; "
                "\"\" leaves it out. Unset: ghcr.io/kitops-ml/kitops:v1.11.0.",
}
NESTED = ("tracing", "defaultImages")


def _described(props: Schema, prefix: str) -> Schema:
    out: Schema = {}
    for name, sub in props.items():
        sub = {k: v for k, v in sub.items() if k != "title"}
        if sub.get("default", "") is None:  # Optional[...] in the model: null means "not set"
            del sub["default"]
            (sub_type,) = [t for t in sub.pop("anyOf") if t != {"type": "null"}]
            sub.update(sub_type)
        key = f"{prefix}{name}"
        if key not in DESCRIPTIONS:
            raise SystemExit(f"no description for EPPConfig field {key}: add it to DESCRIPTIONS")
        sub["description"] = DESCRIPTIONS[key]
        if name == "version" and not prefix:  # the default is the release: described, not pinned
            sub.pop("default", None)
            sub.update(maxLength=63, pattern=LABEL_VALUE)
        if name == "flags" and not prefix:
            sub["propertyNames"] = {"pattern": FLAG_NAME}
        out[name] = _nullable(sub)
    return out


def _nullable(sub: Schema) -> Schema:
    """A null value is taken as "not set" (the default) by the function."""
    if "$ref" in sub:
        ref = {"$ref": sub.pop("$ref")}
        return {"anyOf": [ref, {"type": "null"}], **sub}
    sub["type"] = [sub["type"], "null"]
    if "enum" in sub:
        sub["enum"] = [*sub["enum"], None]
    return sub


def _config_map_data(typed: Schema, nested: dict[str, Schema]) -> Schema:
    """The flat string keys of the ConfigMap form, derived from the typed fields."""
    keys: Schema = {}
    patterns: Schema = {}
    for name, sub in typed.items():
        if name in nested:
            for inner, inner_sub in nested[name]["properties"].items():
                keys[f"{name}.{inner}"] = _as_string(inner_sub)
        elif sub.get("type") == ["object", "null"]:
            inner_pattern = sub["propertyNames"]["pattern"].removeprefix("^")
            patterns[f"^{name}\\.{inner_pattern}"] = {"type": "string"}
        else:
            keys[name] = _as_string(sub)
    return {"type": ["object", "null"], "properties": keys, "patternProperties": patterns,
            "additionalProperties": False}


def _as_string(sub: Schema) -> Schema:
    out: Schema = {"type": "string", "description": sub["description"]}
    types = sub.get("type", [])
    if "boolean" in types:
        out["enum"] = ["true", "false"]
    elif "enum" in sub:
        out["enum"] = [e for e in sub["enum"] if e is not None]
    for k in ("maxLength", "pattern"):
        if k in sub:
            out[k] = sub[k]
    return out


def eppconfig_schema() -> Schema:
    generated = config.EPPConfig.model_json_schema()
    fields = _described(generated["properties"], "")
    nested: dict[str, Schema] = {}
    for name in NESTED:
        model = config.EPPConfig.model_fields[name].annotation
        def_name = next(d for d in generated["$defs"] if d in str(model))
        nested[name] = {"type": "object", "additionalProperties": False, "description": DESCRIPTIONS[name],
                        "properties": _described(generated["$defs"][def_name]["properties"], f"{name}.")}
        fields[name] = {"anyOf": [{"$ref": f"#/$defs/{def_name}"}, {"type": "null"}],
                        "description": DESCRIPTIONS[name]}
    group_version = config.API_VERSION
    metadata = {"type": "object", "description": "Object metadata; mark it config.kubernetes.io/local-config: "
                "\"true\" so that no tool applies it."}
    return {
        "$schema": DRAFT,
        "title": f"{config.KIND} ({group_version}) or its ConfigMap form",
        "description": "The functionConfig of modelservice-fn.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "if": {"properties": {"kind": {"const": "ConfigMap"}}, "required": ["kind"]},
        "then": {"$ref": "#/$defs/ConfigMap"},
        "else": {"$ref": f"#/$defs/{config.KIND}"},
        "$defs": {
            config.KIND: {
                "type": "object",
                "required": ["apiVersion", "kind"],
                "additionalProperties": False,
                "properties": {"apiVersion": {"const": group_version}, "kind": {"const": config.KIND},
                               "metadata": metadata, **fields},
            },
            **{d["$ref"].rpartition("/")[2]: nested[n] for n, d in ((n, fields[n]["anyOf"][0]) for n in NESTED)},
            "ConfigMap": {
                "type": "object",
                "description": "kpt's `-- key=value` form: every value a string, nested fields as dotted keys, "
                               "flags as flags.NAME.",
                "required": ["apiVersion", "kind"],
                "properties": {"apiVersion": {"const": "v1"}, "kind": {"const": "ConfigMap"},
                               "metadata": {"type": "object"},
                               "data": _config_map_data(fields, nested)},
            },
        },
    }


def _strict(node: Any) -> Any:
    """JSON Schema from a structural schema: no x-kubernetes-*, unknown fields rejected."""
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in node:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    return out


def crd_schema(crd_path: Path = CRD) -> Schema:
    crd = yaml.safe_load(crd_path.read_text(encoding="utf-8"))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema: Schema = version["schema"]["openAPIV3Schema"]
    return schema


def crd_path(api: str) -> Path:
    return ROOT / "tests" / "data" / "crds" / f"modelservices.model.otterscale.io.{api}.yaml"


def later_apis() -> list[str]:
    """The API versions of the releases after the default one, in release order, each once."""
    apis = [releases.release(t).api for t in releases.TAGS]
    return [a for i, a in enumerate(apis) if a not in apis[:i] and a != apis[0]]


def modelservice_schema(crd_file: Path = CRD, api: str = "v0.9.0-beta.1") -> Schema:
    schema = _strict(copy.deepcopy(crd_schema(crd_file)))
    props = schema["properties"]
    props["apiVersion"] = {"const": naming.MODELSERVICE_API_VERSION}
    props["kind"] = {"const": naming.MODELSERVICE_KIND}
    props["metadata"] = {
        "type": "object",
        "required": ["name", "namespace"],
        "properties": {
            "name": {"type": "string", "maxLength": 63, "pattern": DNS1123_SUBDOMAIN,
                     "description": "A DNS-1123 subdomain of at most 63 characters (it becomes a label value)."},
            "namespace": {"type": "string", "maxLength": 63, "pattern": DNS1123_LABEL,
                          "description": "Required: the function does not guess the namespace."},
        },
    }
    users = ", ".join(t for t in releases.TAGS if releases.release(t).api == api)
    return {"$schema": DRAFT, "title": f"{naming.MODELSERVICE_KIND} ({naming.MODELSERVICE_API_VERSION}, "
            f"otterscale/api {api}: operatorVersion {users})", **schema, "required": ["apiVersion", "kind", "metadata",
                                                                                   "spec"]}


def rendered() -> dict[Path, str]:
    schemas = [("eppconfig.schema.json", eppconfig_schema()), ("modelservice.schema.json", modelservice_schema())]
    schemas += [(f"modelservice.{api}.schema.json", modelservice_schema(crd_path(api), api)) for api in later_apis()]
    return {OUT / name: json.dumps(schema, indent=2) + "\n" for name, schema in schemas}


def main(argv: list[str]) -> int:
    stale = [p for p, text in rendered().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if argv == ["--check"]:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run python scripts/{Path(__file__).name}")
        return 1 if stale else 0
    for p, text in rendered().items():
        p.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
