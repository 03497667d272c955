"""llm-d generations: the table, and every emitted flag, plugin type and feature gate checked against
lists taken from that generation's source (tests/data/llmd/, krm_fn/data/llmd/; each list names
the files it was read from)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn import epp, llmd, releases, serving
from krm_fn.llmd import flag_warnings, generation, image_generation
from krm_fn.model import parse_model_service
from krm_fn.reconcile import reconcile_resources
from tests.conftest import ROOT, generated, profile, results, run
from tests.test_cases import CASES

DATA = ROOT / "tests" / "data" / "llmd"
BASE = {"model": {"name": "m", "image": "registry.example.com/m:v1"}, "engine": {}, "accelerator": {"type": "nvidia"},
        "decode": {}, "routingProxy": {}}


def listed(path: Path) -> frozenset[str]:
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# source: "), f"{path.name} names no source"
    return frozenset(x for x in lines if x and not x.startswith("#"))


def facts(gen: str) -> dict[str, frozenset[str]]:
    return {kind: listed(DATA / f"{kind}-{gen}.txt") for kind in ("sidecar-flags", "plugin-types", "feature-gates")} | {
        "epp-flags": listed(ROOT / "krm_fn" / "data" / "llmd" / f"epp-flags-{gen}.txt")}


def flag_names(args: list[str]) -> set[str]:
    return {a[2:].partition("=")[0] for a in args if a.startswith("--")}


def case_generation(case: Path) -> str:
    config = yaml.safe_load((case / "input.yaml").read_text()).get("functionConfig") or {}
    return str(config.get("llmd") or (config.get("data") or {}).get("llmd") or "v0.6")


# The operator's v0.9.0-alpha.1 default plugins file names core-metrics-extractor, which GAIE
# registers only from v1.5.0 (llm-d v0.8): the v0.6 EPP it ships with cannot load it. Reproduced.
KNOWN_OPERATOR_DEFECT = {("v0.6", "default-plugins.yaml"): {"core-metrics-extractor"}}

OUTPUT_CASES = [c for c in CASES if not c.name.startswith("error-")]


@pytest.mark.parametrize("case", OUTPUT_CASES, ids=[str(c.relative_to(ROOT / "tests" / "cases")) for c in OUTPUT_CASES])
def test_every_emitted_flag_plugin_and_gate_exists_in_the_generation(case: Path) -> None:
    gen = case_generation(case)
    known = facts(gen)
    objs = generated((case / "expected.yaml").read_text())
    for obj in objs:
        if obj["kind"] == "Deployment":
            spec = obj["spec"]["template"]["spec"]
            for c in spec.get("initContainers", []) + spec["containers"]:
                if c["name"] == "routing-proxy":
                    assert flag_names(c["args"]) <= known["sidecar-flags"], c["args"]
                elif c["name"] == "epp":
                    assert flag_names(c["args"]) <= known["epp-flags"], c["args"]
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"].endswith("-config"):
            for file, text in obj["data"].items():
                config = yaml.safe_load(text)
                types = {p["type"] for p in config["plugins"]}
                unknown = types - known["plugin-types"]
                assert unknown == KNOWN_OPERATOR_DEFECT.get((gen, file), set()) & types, (file, unknown)
                assert set(config.get("featureGates", [])) <= known["feature-gates"]
                assert config["apiVersion"] == (llmd.LLMD_CONFIG_API if gen in ("v0.9", "v0.10")
                                                else llmd.X_K8S_CONFIG_API)
                refs = {r["pluginRef"] for prof in config["schedulingProfiles"] for r in prof["plugins"]}
                assert refs <= types


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_each_generation_has_golden_cases(gen: str) -> None:
    names = {c.name for c in CASES if c.parent.name == f"llmd-{gen}"}
    assert names == {"decode-only", "pd-routing-proxy", "tracing", "provider-gke"}


def test_generation_table() -> None:
    gens = [generation(g) for g in llmd.GENERATIONS]
    assert [(g.epp_image, g.sidecar_image) for g in gens] == [
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.1", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.7.1"),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.8.0", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.8.0"),
        ("ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.9.0", "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.9.0"),
        ("ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0", "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0"),
    ]
    assert [g.sidecar_port_flag for g in gens] == ["--vllm-port"] * 4 + ["--model-server-port"]
    assert [g.sidecar_connector_flag for g in gens] == ["--connector"] + ["--kv-connector"] * 4
    assert [g.role_llmd_rule for g in gens] == [False, False, False, True, True]
    with pytest.raises(KeyError):
        generation("v0.11")


@pytest.mark.parametrize(("gen", "text_hash", "pd_hash"), [
    ("v0.6", "fe3d8f7ea140f7afaccf0f9a5398b20ae40a559d5955b44309363a78434814d2",
     "da2206ceec8c17d0eef3714ea7387e412c7b565661113eef5c0d0fd2b083eb23"),
    ("v0.7", "3aee930c4fc2cf8c749623ba30a077bd93d5cca0c6513c87a5fe3427b089f2f1",
     "a0aa8c5611aa50fb4c53ab491676116bb0a3db849e87d8544c3920cbade12fd8"),
    ("v0.8", "fe3d8f7ea140f7afaccf0f9a5398b20ae40a559d5955b44309363a78434814d2",
     "b7902eae7fb6556de3d14cc8835e1a6dbc36ef9ee94715c3f7d0814c77149cb6"),
    ("v0.9", "324a60a18d7510018fb1c7ad5b1f26c68ef215fcda7a3f9e5b2ab13f702958e4",
     "e9107a62eeba46ae79300cc811e0a1162655ea33e98b9bbe0171aee8ef3dd2cb"),
    ("v0.10", "324a60a18d7510018fb1c7ad5b1f26c68ef215fcda7a3f9e5b2ab13f702958e4",
     "cbb5c52ebffd1e67c12286792248fe24986c731058b4fed68a7aaf10927a30a8"),
])
def test_plugin_files_at_the_baseline_release(gen: str, text_hash: str, pd_hash: str) -> None:
    p = profile(llmd=gen)
    assert epp.config_map_hash({"default-plugins.yaml": p.default_plugins}) == text_hash
    assert hashlib.sha256(("pd-config.yaml" + p.pd_plugins).encode()).hexdigest() == pd_hash


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_later_releases_keep_their_default_plugins_in_every_generation(gen: str) -> None:
    text = profile(operatorVersion="v1.0.1", llmd=gen).default_plugins
    expected = releases.DEFAULT_PLUGINS_SCORERS_ONLY
    if gen in ("v0.9", "v0.10"):
        expected = expected.replace(llmd.X_K8S_CONFIG_API, llmd.LLMD_CONFIG_API)
    assert text == expected


def ms(p: Any, **spec: Any) -> Any:
    m, problems = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                       "metadata": {"name": "m", "namespace": "n"}, "spec": {**BASE, **spec}}, p)
    assert problems == [] and m is not None
    return m


@pytest.mark.parametrize(("gen", "expected"), [
    ("v0.6", ["--port", "8000", "--vllm-port", "8200", "--connector", "nixlv2"]),
    ("v0.7", ["--port", "8000", "--vllm-port", "8200", "--kv-connector", "nixlv2"]),
    ("v0.8", ["--port", "8000", "--vllm-port", "8200", "--kv-connector", "nixlv2"]),
    ("v0.9", ["--port", "8000", "--vllm-port", "8200", "--kv-connector", "nixlv2"]),
    ("v0.10", ["--port", "8000", "--model-server-port", "8200", "--kv-connector", "nixlv2"]),
])
def test_sidecar_args_of_the_spec_example(gen: str, expected: list[str]) -> None:
    p = profile(llmd=gen)
    assert serving.routing_proxy_args(ms(p), p) == expected


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_every_sidecar_option_in_order(gen: str) -> None:
    p = profile(llmd=gen, operatorVersion="v0.9.0", tracing={"enabled": True})
    rp = {"zapEncoder": "json", "zapLogLevel": "debug", "secureProxy": True, "prefillerUseTLS": True,
          "certPath": "/c", "targetPort": 8300}
    args = serving.routing_proxy_args(ms(p, routingProxy=rp), p)
    tls = ["--prefiller-use-tls=true"] if gen == "v0.6" else ["--enable-tls=prefiller"]
    tracing = ["--tracing=true"] if gen in ("v0.9", "v0.10") else []
    g = generation(gen)
    assert args == ["--port", "8000", g.sidecar_port_flag, "8300", g.sidecar_connector_flag, "nixlv2",
                    "--zap-encoder", "json", "--zap-log-level", "debug", "--secure-proxy=true", *tls,
                    "--cert-path", "/c", *tracing]
    assert flag_names(args) <= facts(gen)["sidecar-flags"]


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_prefiller_tls_false_and_tracing_off(gen: str) -> None:
    p = profile(llmd=gen)
    args = serving.routing_proxy_args(ms(p, routingProxy={"prefillerUseTLS": False}), p)
    assert args[6:] == (["--prefiller-use-tls=false"] if gen == "v0.6" else [])


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_an_empty_connector(gen: str) -> None:
    p = profile(llmd=gen)
    args = serving.routing_proxy_args(ms(p, routingProxy={"connector": ""}), p)
    # v0.6 as the operator writes it; later generations leave it out (absent is nixlv2, "" is refused)
    assert args[4:] == (["--connector", ""] if gen == "v0.6" else [])


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_epp_args_and_role(gen: str) -> None:
    p = profile(llmd=gen)
    m = ms(p, inferencePool={"endpointPicker": {}})
    args = epp.epp_args(m, p)
    assert ("--pool-group=inference.networking.k8s.io" in args) is (gen != "v0.6")
    if gen != "v0.6":
        assert args.index("--pool-group=inference.networking.k8s.io") == 2
    rules = epp.build_epp_role(m, p)["rules"]
    groups = [r.get("apiGroups") for r in rules]
    llmd_rule = {"apiGroups": ["llm-d.ai"], "resources": ["inferenceobjectives", "inferencemodelrewrites"],
                 "verbs": ["get", "watch", "list"]}
    if gen in ("v0.9", "v0.10"):
        assert rules[2] == llmd_rule and groups[1] == ["inference.networking.x-k8s.io"]
    else:
        assert llmd_rule not in rules


@pytest.mark.parametrize("gen", llmd.GENERATIONS)
def test_default_images_follow_the_generation(gen: str) -> None:
    for tag in ("v0.9.0-alpha.1", "v1.0.1"):
        p = profile(llmd=gen, operatorVersion=tag)
        m = ms(p, inferencePool={"endpointPicker": {}})
        assert m.spec.routingProxy.image == generation(gen).sidecar_image
        assert m.spec.inferencePool.endpointPicker.image == generation(gen).epp_image
        assert m.spec.engine.image == "ghcr.io/llm-d/llm-d-cuda:v0.5.1"


def test_default_images_flags_win_over_the_generation() -> None:
    p = profile(llmd="v0.10", operatorVersion="v1.0.1", defaultImages={"epp": "e:1", "routingProxy": "r:1"})
    m = ms(p, inferencePool={"endpointPicker": {}})
    assert (m.spec.routingProxy.image, m.spec.inferencePool.endpointPicker.image) == ("r:1", "e:1")


def test_user_flags_unknown_to_the_generation_warn() -> None:
    gen = generation("v0.10")
    assert flag_warnings(gen, {}) == []
    assert flag_warnings(gen, {"v": "2", "drain-timeout": "10s"}) == []
    assert flag_warnings(gen, {"model-server-metrics-port": "8000", "kv-cache-usage-percentage-metric": "x"}) == [
        ("flags.kv-cache-usage-percentage-metric", (
            "--kv-cache-usage-percentage-metric is refused when set by the llm-d v0.10 EPP (v0.10.0): configure "
            "metrics in the plugins file instead, and remove flags.kv-cache-usage-percentage-metric")),
        ("flags.model-server-metrics-port", (
            "--model-server-metrics-port is not a flag of the llm-d v0.10 EPP (v0.10.0), which exits on an unknown "
            "flag: remove flags.model-server-metrics-port, or set llmd to a generation that has it")),
    ]
    assert flag_warnings(generation("v0.6"), {"drain-timeout": "10s", "kv-cache-usage-percentage-metric": "x"}) == [
        ("flags.drain-timeout", (
            "--drain-timeout is not a flag of the llm-d v0.6 EPP (v0.6.0), which exits on an unknown flag: remove "
            "flags.drain-timeout, or set llmd to a generation that has it"))]


def test_flag_warnings_reach_the_results() -> None:
    text = (ROOT / "tests" / "cases" / "llmd-v0.10" / "decode-only" / "input.yaml").read_text()
    out = run(text.replace('    v: "2"\n', '    v: "2"\n    model-server-metrics-port: "8000"\n'))
    assert out.exit_code == 0
    (warning,) = [r for r in results(out.stdout) if r["severity"] == "warning"]
    assert warning["field"] == {"path": "flags.model-server-metrics-port"}
    assert warning["resourceRef"] == {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig",
                                      "name": "modelservice-fn"}


@pytest.mark.parametrize(("image", "gen"), [
    ("ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0", "v0.6"), ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.1", "v0.7"),
    ("ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.2", "v0.10"), ("ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.11.0", ""),
    ("registry.example.com/llm-d-routing-sidecar:v0.6.0", ""), ("ghcr.io/llm-d/llm-d-cuda:v0.5.1", ""), ("", "")])
def test_image_generation(image: str, gen: str) -> None:
    assert image_generation(image) == gen


def test_an_explicit_image_of_another_generation_warns() -> None:
    p = profile(llmd="v0.10")
    m = ms(p, routingProxy={"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"})
    _, warnings = reconcile_resources(m, p)
    assert warnings == [("spec.routingProxy.image", (
        "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0 is an llm-d v0.6 image, but the output uses the flags and plugin "
        "files of llm-d v0.10: set llmd to v0.6, or leave the image out to get the v0.10 one"))]
    assert reconcile_resources(ms(profile(llmd="v0.6"), routingProxy={
        "image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"}), profile(llmd="v0.6"))[1] == []


@pytest.mark.parametrize("value", ["v0.11", "0.10", "v0.10.0", "", 0.1, True])
def test_an_unknown_generation_is_an_error_listing_the_accepted_ones(value: Any) -> None:
    from krm_fn.config import parse_function_config

    for obj, path in (({"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "llmd": value}, "llmd"),
                      ({"apiVersion": "v1", "kind": "ConfigMap", "data": {"llmd": value}}, "data.llmd")):
        cfg, problems = parse_function_config(obj)
        assert cfg is None
        ((found, message, _),) = problems
        assert found == path
        if isinstance(value, str):
            assert message.startswith(f'unsupported value "{value}"') and message.endswith(
                'must be one of "v0.6", "v0.7", "v0.8", "v0.9", "v0.10"')
