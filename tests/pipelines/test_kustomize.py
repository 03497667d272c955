"""examples/kustomize under `kubectl kustomize --enable-alpha-plugins` with the legacy exec plugin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .helpers import (
    EXAMPLES,
    annotations,
    assert_applyable,
    copy_example,
    kind_names,
    objects,
    run,
    tool,
)

pytestmark = pytest.mark.pipeline

EXPECTED = {
    ("Deployment", "llama-8b-decode"), ("ServiceAccount", "llama-8b-epp"), ("ConfigMap", "llama-8b-epp-config"),
    ("Deployment", "llama-8b-epp"), ("Service", "llama-8b-epp"),
    ("Secret", "llama-8b-epp-sa-metrics-reader-secret"), ("Role", "llama-8b-epp"), ("RoleBinding", "llama-8b-epp"),
    ("ClusterRole", "ml-serving-llama-8b-epp"), ("ClusterRoleBinding", "ml-serving-llama-8b-epp"),
    ("InferencePool", "llama-8b"), ("HTTPRoute", "llama-8b"), ("DestinationRule", "llama-8b-epp"),
}


@pytest.fixture
def kubectl() -> str:
    return tool("kubectl")


@pytest.fixture
def plugin_env(tmp_path: Path, fn_env: dict[str, str]) -> dict[str, str]:
    """fn_env with the plugin installed by `modelservice-fn install-kustomize-plugin DIR`."""
    home = tmp_path / "plugins"
    done = run(["modelservice-fn", "install-kustomize-plugin", str(home)], fn_env)
    assert done.returncode == 0, done.stderr
    assert f"KUSTOMIZE_PLUGIN_HOME={home} kubectl kustomize --enable-alpha-plugins" in done.stdout
    return {**fn_env, "KUSTOMIZE_PLUGIN_HOME": str(home)}


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    return copy_example("kustomize", tmp_path / "app")


def build(kubectl: str, kdir: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], env)
    assert done.returncode == 0, done.stderr
    return objects(done.stdout)


def test_build_generates_the_children(kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    objs = build(kubectl, kdir, plugin_env)
    names = kind_names(objs)
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED, "the local-config ModelService and the EPPConfig are gone"
    assert_applyable(objs)
    for o in objs:
        assert annotations(o)["fn.model.otterscale.io/owner"] == "ModelService/ml-serving/llama-8b"


def test_invalid_modelservice_fails_the_build(kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    ms = kdir / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("  decode:\n    replicas: 2\n", "  decode:\n    replicas: -1\n"))
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0
    assert ("ModelService ml-serving/llama-8b spec.decode.replicas: must be greater than or equal to 0 "
            f"({kdir}/modelservice.yaml)") in done.stderr, "kustomize sends no paths: the file is found anyway"
    assert done.stdout == ""


def test_a_misspelled_kind_fails_the_build(kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    """A silent passthrough would drop the model's objects, and Argo CD would prune them."""
    ms = kdir / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("apiVersion: model.otterscale.io/", "apiVersion: models.otterscale.io/"))
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0 and done.stdout == ""
    assert ("ModelService ml-serving/llama-8b apiVersion: models.otterscale.io/v1alpha1 ModelService is not read by "
            "this function: did you mean apiVersion: model.otterscale.io/v1alpha1? "
            f"({kdir}/modelservice.yaml)") in done.stderr


def test_a_bad_config_value_is_echoed_with_the_valid_ones(kubectl: str, kdir: Path,
                                                           plugin_env: dict[str, str]) -> None:
    cfg = kdir / "epp-config.yaml"
    cfg.write_text(cfg.read_text().replace("provider: istio\n", "provider: Istio\nproviders: gke\n"))
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0 and done.stdout == ""
    assert ('EPPConfig modelservice-fn provider: unsupported value "Istio" (did you mean istio?): must be one of '
            '"istio", "gke", "none"') in done.stderr
    assert ('EPPConfig modelservice-fn providers: unknown field "providers" (did you mean provider?): expected one '
            "of provider, metricsEndpointAuth, flags, tracing, ") in done.stderr


def test_the_gke_warning_fails_a_strict_build_with_its_fix(kubectl: str, kdir: Path,
                                                           plugin_env: dict[str, str]) -> None:
    cfg = kdir / "epp-config.yaml"
    cfg.write_text(cfg.read_text().replace("provider: istio\n", "provider: gke\n"))
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0
    assert ("set metricsEndpointAuth: false in the EPPConfig, or create the service-account-token Secret "
            "llama-8b-epp-sa-metrics-reader-secret yourself (strict: warnings are errors)") in done.stderr


def test_the_config_under_generators_fails_with_the_fix(
        kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    k = kdir / "kustomization.yaml"
    k.write_text(k.read_text().replace("transformers:", "generators:"))
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0 and done.stdout == ""
    assert (f"no ModelService found: no resources were sent by the kustomization in {kdir} (an EPPConfig listed "
            "under generators: sees none; list it under transformers:)") in done.stderr


def test_strict_makes_a_warning_fail_the_build(kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    ms = kdir / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("  inferencePool:\n", "  prefill: {}\n  inferencePool:\n"))
    cfg = kdir / "epp-config.yaml"
    strict = cfg.read_text()
    assert strict.endswith("\nstrict: true\n"), "the example follows its own advice"
    cfg.write_text(strict.replace("\nstrict: true\n", "\n"))
    assert run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env).returncode == 0, (
        "without strict, the warning is invisible: kustomize shows nothing on success")
    cfg.write_text(strict)
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], plugin_env)
    assert done.returncode != 0 and "spec.prefill: prefill/decode disaggregation" in done.stderr
    assert f"(strict: warnings are errors) ({kdir}/modelservice.yaml)" in done.stderr


def test_without_the_plugin_the_build_fails_loudly(kubectl: str, kdir: Path, fn_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    env = {**fn_env, "KUSTOMIZE_PLUGIN_HOME": str(tmp_path / "empty")}
    done = run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], env)
    assert done.returncode != 0 and "fn.model.otterscale.io/v1alpha1/eppconfig/EPPConfig" in done.stderr


def test_kustomization_transformers_run_before_the_function(
        kubectl: str, kdir: Path, plugin_env: dict[str, str]) -> None:
    """namePrefix and namespace reach the children through the ModelService; labels do not."""
    k = kdir / "kustomization.yaml"
    k.write_text(k.read_text().replace(
        "resources:\n", "namePrefix: dev-\nnamespace: team-a\nlabels:\n  - pairs:\n      team: a\nresources:\n"))
    objs = build(kubectl, kdir, plugin_env)
    decode = next(o for o in objs if o["metadata"]["name"] == "dev-llama-8b-decode")
    assert decode["metadata"]["namespace"] == "team-a"
    assert "team" not in decode["metadata"]["labels"]
    assert {o["metadata"]["name"] for o in objs if o["kind"] == "ClusterRole"} == {
        "team-a-dev-llama-8b-epp"}


def readme_config(variant: str) -> str:
    """The EPPConfig of the README section whose annotation uses ``variant`` (exec or container)."""
    text = (EXAMPLES / "kustomize" / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    (block,) = [b for b in blocks if f"\n      {variant}:\n" in b]
    return block


def test_readme_container_variant_runs_through_docker(
        kubectl: str, kdir: Path, fn_env: dict[str, str], tmp_path: Path) -> None:
    """kustomize's `docker run`, answered by a stand-in that runs the installed function."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "docker").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/docker-args\nexec modelservice-fn\n')
    (shim / "docker").chmod(0o755)
    (kdir / "epp-config.yaml").write_text(readme_config("container"))
    env = {**fn_env, "PATH": f"{shim}:{fn_env['PATH']}"}
    objs = build(kubectl, kdir, env)
    assert set(kind_names(objs)) == EXPECTED
    args = (tmp_path / "docker-args").read_text().splitlines()
    assert args[:2] == ["run", "--rm"] and args[-1] == "ghcr.io/otterscale/modelservice-fn:v0.1.0"


def test_readme_exec_variant_is_skipped_by_kubectl(kubectl: str, kdir: Path, fn_env: dict[str, str]) -> None:
    """The trap the legacy plugin avoids: kubectl kustomize parses the exec form, then skips it."""
    (kdir / "epp-config.yaml").write_text(readme_config("exec"))
    assert build(kubectl, kdir, fn_env) == []


def test_overlay_name_prefix_leaves_stale_references(
        kubectl: str, kdir: Path, plugin_env: dict[str, str], tmp_path: Path) -> None:
    """Why the docs keep namePrefix out of overlays."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(f"resources:\n- ../{kdir.name}\nnamePrefix: dev-\n")
    objs = {o["kind"]: o for o in build(kubectl, overlay, plugin_env)}
    assert objs["InferencePool"]["metadata"]["name"] == "dev-llama-8b"
    assert objs["InferencePool"]["spec"]["endpointPickerRef"]["name"] == "llama-8b-epp"
    assert objs["HTTPRoute"]["spec"]["rules"][0]["backendRefs"][0]["name"] == "llama-8b"
