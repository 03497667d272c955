"""examples/releases under the real kpt: each release package renders, re-renders to the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import copy_example, file_hashes, kind_names, objects, run, tool

pytestmark = pytest.mark.pipeline


def render(pkg: Path, env: dict[str, str]) -> dict[str, str]:
    done = run([tool("kpt"), "fn", "render", "--allow-exec", str(pkg)], env)
    assert done.returncode == 0, done.stdout + done.stderr
    return file_hashes(pkg)


@pytest.mark.parametrize("name", ["kit-unpack", "default-gateway", "llmd-v0.10-pd"])
def test_renders_idempotently(name: str, tmp_path: Path, fn_env: dict[str, str]) -> None:
    pkg = copy_example(f"releases/{name}", tmp_path / name)
    first = render(pkg, fn_env)
    assert render(pkg, fn_env) == first


def test_kit_unpack(tmp_path: Path, fn_env: dict[str, str]) -> None:
    pkg = copy_example("releases/kit-unpack", tmp_path / "pkg")
    render(pkg, fn_env)
    (decode,) = [o for o in objects((pkg / "models" / "llama-3.1-8b.generated.yaml").read_text())
                 if o["kind"] == "Deployment" and o["metadata"]["name"] == "llama-3.1-8b-decode"]
    spec = decode["spec"]["template"]["spec"]
    (unpack,) = spec["initContainers"]
    assert unpack["name"] == "model-unpack" and unpack["image"] == "ghcr.io/kitops-ml/kitops:v1.11.0"
    assert {"name": "DOCKER_CONFIG", "value": "/.docker"} in unpack["env"]
    assert [v["name"] for v in spec["volumes"]] == ["model", "model-tmp", "docker-config"]
    assert decode["metadata"]["labels"]["app.kubernetes.io/version"] == "v1.0.1"


def test_default_gateway(tmp_path: Path, fn_env: dict[str, str]) -> None:
    pkg = copy_example("releases/default-gateway", tmp_path / "pkg")
    render(pkg, fn_env)
    objs = objects((pkg / "models" / "phi-3-mini.generated.yaml").read_text())
    assert kind_names(objs) == [
        ("Deployment", "phi-3-mini-decode"), ("ServiceAccount", "phi-3-mini-epp"),
        ("ConfigMap", "phi-3-mini-epp-config"), ("Deployment", "phi-3-mini-epp"), ("Service", "phi-3-mini-epp"),
        ("Role", "phi-3-mini-epp"), ("RoleBinding", "phi-3-mini-epp"), ("InferencePool", "phi-3-mini"),
        ("HTTPRoute", "phi-3-mini"), ("DestinationRule", "phi-3-mini-epp"), ("PodMonitor", "phi-3-mini-decode")]
    (route,) = [o for o in objs if o["kind"] == "HTTPRoute"]
    assert route["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                           "name": "otterscale-llm-d-infra-inference-gateway", "namespace": "llm-d"}]


def test_llmd_v0_10_pd(tmp_path: Path, fn_env: dict[str, str]) -> None:
    pkg = copy_example("releases/llmd-v0.10-pd", tmp_path / "pkg")
    render(pkg, fn_env)
    objs = {(o["kind"], o["metadata"]["name"]): o
            for o in objects((pkg / "models" / "qwen3-32b.generated.yaml").read_text())}
    decode = objs[("Deployment", "qwen3-32b-decode")]["spec"]["template"]["spec"]
    proxy = decode["initContainers"][1]
    assert proxy["image"] == "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0"
    assert proxy["args"] == ["--port", "8000", "--model-server-port", "8200", "--kv-connector", "nixlv2",
                             "--secure-proxy=false", "--enable-tls=prefiller", "--tracing=true"]
    pd = objs[("ConfigMap", "qwen3-32b-epp-config")]["data"]["pd-config.yaml"]
    assert pd.startswith("apiVersion: llm-d.ai/v1alpha1\n") and "featureGates" not in pd
    role = objs[("Role", "qwen3-32b-epp")]
    assert ["llm-d.ai"] in [r["apiGroups"] for r in role["rules"]]
