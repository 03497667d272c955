"""examples/argocd: the CMP plugin's commands run as the Argo CD cmp-server runs them."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import EXAMPLES, assert_applyable, copy_example, kind_names, objects, run, tool

pytestmark = pytest.mark.pipeline

PLUGIN = yaml.safe_load((EXAMPLES / "argocd" / "plugin.yaml").read_text())
SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash"}
EXPECTED = [
    ("Namespace", "ml-serving"),  # applied first
    ("Deployment", "llama-8b-decode"), ("ServiceAccount", "llama-8b-epp"), ("ConfigMap", "llama-8b-epp-config"),
    ("Deployment", "llama-8b-epp"), ("Service", "llama-8b-epp"),
    ("Secret", "llama-8b-epp-sa-metrics-reader-secret"), ("Role", "llama-8b-epp"), ("RoleBinding", "llama-8b-epp"),
    ("ClusterRole", "ml-serving-llama-8b-epp"), ("ClusterRoleBinding", "ml-serving-llama-8b-epp"),
    ("InferencePool", "llama-8b"), ("HTTPRoute", "llama-8b"), ("DestinationRule", "llama-8b-epp"),
    ("PodMonitor", "llama-8b-decode"), ("ServiceMonitor", "llama-8b-epp"),
]


def command(section: str) -> list[str]:
    spec = PLUGIN["spec"][section]
    return [*spec["command"], *spec.get("args", [])]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return copy_example("argocd/app", tmp_path / "repo" / "apps" / "llama")


@pytest.fixture
def cmp_env(fn_env: dict[str, str]) -> dict[str, str]:
    """The environment the cmp-server gives plugin commands: its own plus the build variables."""
    return {
        **fn_env,
        "ARGOCD_APP_NAME": "llama", "ARGOCD_APP_NAMESPACE": "argocd", "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "4f1c2a9e0b7d3c5a6e8f9012345678abcdef0123", "ARGOCD_APP_REVISION_SHORT": "4f1c2a9",
        "ARGOCD_APP_SOURCE_PATH": "apps/llama", "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/ml.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD", "KUBE_VERSION": "1.35.0",
        "KUBE_API_VERSIONS": "v1,apps/v1,rbac.authorization.k8s.io/v1",
        "ARGOCD_ENV_MODEL_TIER": "gold",
    }


def generate(app: Path, env: dict[str, str]) -> Any:
    init = run(command("init"), env, cwd=app)
    assert init.returncode == 0, init.stderr
    return run(command("generate"), env, cwd=app)


def test_generate_prints_only_the_manifests_to_apply(app: Path, cmp_env: dict[str, str]) -> None:
    done = generate(app, cmp_env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    objs = objects(done.stdout)
    assert kind_names(objs) == EXPECTED, "no ModelService (local-config), no EPPConfig"
    assert_applyable(objs)


def test_failing_modelservice_fails_generate_with_nothing_on_stdout(app: Path, cmp_env: dict[str, str]) -> None:
    ms = app / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("  accelerator:\n    type: nvidia\n", "  accelerator:\n    type: tpu\n"))
    done = generate(app, cmp_env)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "spec.accelerator.type" in done.stderr and "modelservice.yaml" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_generate_cannot_hide_a_failure_behind_a_pipe() -> None:
    cmd = command("generate")
    if cmd[0] in SHELLS:
        assert "pipefail" in " ".join(cmd)
    else:
        assert cmd[:2] == ["modelservice-fn", "render"]


def test_sidecar_patch_merges_into_the_repo_server(tmp_path: Path) -> None:
    kubectl = tool("kubectl")
    base = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "argocd-repo-server", "namespace": "argocd"},
        "spec": {"selector": {"matchLabels": {"app": "repo"}}, "template": {
            "metadata": {"labels": {"app": "repo"}},
            "spec": {"containers": [{"name": "argocd-repo-server", "image": "quay.io/argoproj/argocd:v3.1.0"}],
                     "volumes": [{"name": "var-files", "emptyDir": {}}, {"name": "plugins", "emptyDir": {}}]}}},
    }
    (tmp_path / "repo-server.yaml").write_text(yaml.safe_dump(base))
    shutil.copy(EXAMPLES / "argocd" / "argocd-repo-server-patch.yaml", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [repo-server.yaml]\npatches: [{path: argocd-repo-server-patch.yaml}]\n")
    done = run([kubectl, "kustomize", str(tmp_path)], dict(os.environ))
    assert done.returncode == 0, done.stderr
    (deploy,) = objects(done.stdout)
    pod = deploy["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["modelservice-fn", "argocd-repo-server"]
    sidecar = pod["containers"][0]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert mounts["/var/run/argocd"]["name"] == "var-files"
    assert mounts["/home/argocd/cmp-server/plugins"]["name"] == "plugins"
    assert mounts["/home/argocd/cmp-server/config/plugin.yaml"]["subPath"] == "plugin.yaml"
    tmp = mounts["/tmp"]["name"]
    assert tmp not in ("var-files", "plugins") and "emptyDir" in volumes[tmp]
    assert set(volumes) >= {"var-files", "plugins", mounts["/home/argocd/cmp-server/config/plugin.yaml"]["name"]}


def test_argocd_cm_enables_exec_functions_for_kustomize() -> None:
    cm = yaml.safe_load((EXAMPLES / "argocd" / "argocd-cm.yaml").read_text())
    assert (cm["kind"], cm["metadata"]["name"]) == ("ConfigMap", "argocd-cm")
    assert set(cm["data"]["kustomize.buildOptions"].split()) == {"--enable-alpha-plugins", "--enable-exec"}


def test_a_misspelled_kind_fails_generate(app: Path, cmp_env: dict[str, str]) -> None:
    """Not a silent passthrough: Argo CD with auto-prune would delete the model's Deployments."""
    ms = app / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("kind: ModelService", "kind: Modelservice"))
    done = generate(app, cmp_env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("modelservice-fn: 1 error: Modelservice ml-serving/llama-8b kind: unknown kind "
                           "Modelservice in model.otterscale.io: did you mean kind: ModelService? "
                           "(modelservice.yaml)\n")


def test_strict_turns_an_invisible_warning_into_a_failed_sync(app: Path, cmp_env: dict[str, str]) -> None:
    assert "\nstrict: true\n" in (app / "epp-config.yaml").read_text()
    ms = app / "modelservice.yaml"
    ms.write_text(ms.read_text().replace("  inferencePool:\n", "  prefill: {}\n  inferencePool:\n"))
    done = generate(app, cmp_env)
    assert (done.returncode, done.stdout) == (1, "") and "(strict: warnings are errors)" in done.stderr


def test_readme_install_steps_run_from_the_repo_root() -> None:
    text = (EXAMPLES / "argocd" / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) if "create configmap" in b]
    commands = block.replace("\\\n", " ").splitlines()
    create = next(c for c in commands if "create configmap" in c).split()
    patch = next(c for c in commands if " patch " in c).split()
    patch_file = patch[patch.index("--patch-file") + 1]
    assert (EXAMPLES.parent / patch_file).is_file(), patch_file
    kubectl = tool("kubectl")
    done = run([kubectl, *create[1:], "--dry-run=client", "-o", "yaml"], dict(os.environ), cwd=EXAMPLES.parent)
    assert done.returncode == 0, done.stderr
    cm = yaml.safe_load(done.stdout)
    assert cm["data"]["plugin.yaml"] == (EXAMPLES / "argocd" / "plugin.yaml").read_text()
