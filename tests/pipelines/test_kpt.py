"""examples/kpt under the real kpt: render in place, re-render, prune, eval, results, failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .helpers import copy_example, file_hashes, kind_names, objects, run, tool

pytestmark = pytest.mark.pipeline

MS_FILE = "models/qwen3-32b.yaml"
GENERATED = "models/qwen3-32b.generated.yaml"
OWNER = "ModelService/ml-serving/qwen3-32b"
PREFILL = [("Deployment", "qwen3-32b-prefill"), ("PodMonitor", "qwen3-32b-prefill")]
POOL = [
    ("ServiceAccount", "qwen3-32b-epp"), ("ConfigMap", "qwen3-32b-epp-config"), ("Deployment", "qwen3-32b-epp"),
    ("Service", "qwen3-32b-epp"), ("Secret", "qwen3-32b-epp-sa-metrics-reader-secret"),
    ("Role", "qwen3-32b-epp"), ("RoleBinding", "qwen3-32b-epp"), ("ClusterRole", "ml-serving-qwen3-32b-epp"),
    ("ClusterRoleBinding", "ml-serving-qwen3-32b-epp"), ("InferencePool", "qwen3-32b"),
    ("HTTPRoute", "qwen3-32b"), ("DestinationRule", "qwen3-32b-epp"), ("ServiceMonitor", "qwen3-32b-epp"),
]
MONITORS = [("PodMonitor", "qwen3-32b-decode"), ("PodMonitor", "qwen3-32b-prefill"),
            ("ServiceMonitor", "qwen3-32b-epp")]
CHILDREN = [  # reconcile order
    ("Deployment", "qwen3-32b-decode"), ("Deployment", "qwen3-32b-prefill"), *POOL[:-1],
    ("PodMonitor", "qwen3-32b-decode"), ("PodMonitor", "qwen3-32b-prefill"), ("ServiceMonitor", "qwen3-32b-epp"),
]


@pytest.fixture
def kpt() -> str:
    return tool("kpt")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return copy_example("kpt", tmp_path / "pkg")


def render(kpt: str, pkg: Path, env: dict[str, str], *extra: str) -> None:
    done = run([kpt, "fn", "render", "--allow-exec", *extra, str(pkg)], env)
    assert done.returncode == 0, done.stdout + done.stderr


def owned(pkg: Path) -> dict[tuple[str, str], str]:
    """(kind, name) -> file of every object the function owns in the package."""
    out = {}
    for path in sorted(pkg.rglob("*.yaml")):
        for obj in objects(path.read_text()):
            if (obj.get("metadata", {}).get("annotations") or {}).get("fn.model.otterscale.io/owner") == OWNER:
                out[(obj["kind"], obj["metadata"]["name"])] = path.relative_to(pkg).as_posix()
    return out


def remove_block(text: str, key: str) -> str:
    """``text`` without the ``spec.<key>`` block (two-space indented), comments elsewhere kept."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {key}:\n")
    end = start + 1
    while end < len(lines) and (lines[end].startswith("   ") or not lines[end].strip()):
        end += 1
    return "".join(lines[:start] + lines[end:])


def move_objects(pkg: Path, wanted: list[tuple[str, str]], dest: str, comment: str) -> None:
    """Cut ``wanted`` out of the generated file into ``dest``, as a user would, adding a comment."""
    gen = pkg / GENERATED
    docs = gen.read_text().split("---\n")
    picked = [d for d in docs if kind_names(objects(d))[0] in wanted]
    gen.write_text("---\n".join(d for d in docs if d not in picked))
    (pkg / dest).write_text(f"# {comment}\n" + "---\n".join(picked))


def test_render_generates_children_next_to_the_modelservice(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    before = file_hashes(pkg)
    render(kpt, pkg, fn_env)
    after = file_hashes(pkg)
    assert set(after) - set(before) == {GENERATED}
    assert kind_names(objects((pkg / GENERATED).read_text())) == CHILDREN
    assert set(owned(pkg).values()) == {GENERATED}
    for name in before:  # the example is written as kpt formats it: no input file changes
        assert after[name] == before[name], name


def test_second_render_changes_no_byte(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    first = file_hashes(pkg)
    render(kpt, pkg, fn_env)
    assert file_hashes(pkg) == first


def test_user_comments_survive(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    gen = pkg / GENERATED
    gen.write_text(gen.read_text().replace("  replicas: 2\n", "  replicas: 2 # tuned by hand\n", 1))
    render(kpt, pkg, fn_env)
    render(kpt, pkg, fn_env)
    assert "  name: qwen/Qwen3-32B # the Hugging Face model id\n" in (pkg / MS_FILE).read_text()
    assert "  # remove this block to go back to aggregated serving\n" in (pkg / MS_FILE).read_text()
    flags = (pkg / "feature-flags.yaml").read_text()
    assert "  name: feature-flags # owned by the platform team\n" in flags
    assert '  streaming: "on" # a string, not a boolean\n  umask: "0755"\n' in flags
    assert "  replicas: 2 # tuned by hand\n" in gen.read_text()


def test_yaml_1_1_lookalikes_pass_through_kpt_byte_for_byte(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    """A fidelity trap, marked local-config as the docs say: never applied, so never warned about."""
    trap = ("# plain on, 0755 and a date: kubectl would misread them, so this object is never applied\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trap\n  annotations:\n"
            '    config.kubernetes.io/local-config: "true"\ndata:\n  streaming: on\n  umask: 0755\n'
            "  rollout: 2024-05-01\n")
    (pkg / "trap.yaml").write_text(trap)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 0 and "[warning]" not in done.stdout + done.stderr
    assert (pkg / "trap.yaml").read_text() == trap


def test_moved_object_stays_where_the_user_put_it(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    move_objects(pkg, [("HTTPRoute", "qwen3-32b")], "routes.yaml", "routes live here")
    render(kpt, pkg, fn_env)
    placed = owned(pkg)
    assert placed[("HTTPRoute", "qwen3-32b")] == "routes.yaml"
    assert set(placed) == set(CHILDREN)
    assert (pkg / "routes.yaml").read_text().startswith("# routes live here\n")
    settled = file_hashes(pkg)
    render(kpt, pkg, fn_env)
    assert file_hashes(pkg) == settled


@pytest.mark.parametrize(("edit", "pruned"), [
    ("prefill", PREFILL),
    ("inferencePool", POOL),
    ("monitoring", MONITORS),
])
def test_removing_a_feature_prunes_exactly_its_children(
        kpt: str, pkg: Path, fn_env: dict[str, str], edit: str, pruned: list[tuple[str, str]]) -> None:
    render(kpt, pkg, fn_env)
    move_objects(pkg, pruned[:1], "models/moved.yaml", "moved by hand")
    ms = pkg / MS_FILE
    ms.write_text(remove_block(ms.read_text(), edit))
    render(kpt, pkg, fn_env)
    assert set(CHILDREN) - set(owned(pkg)) == set(pruned)
    assert kind_names(objects((pkg / GENERATED).read_text())) == [
        c for c in CHILDREN if c not in pruned]
    assert not (pkg / "models" / "moved.yaml").exists(), "a file left empty by pruning is removed"


def test_deleting_the_modelservice_prunes_everything(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    (pkg / MS_FILE).unlink()
    render(kpt, pkg, fn_env)
    assert owned(pkg) == {}
    assert not (pkg / GENERATED).exists()
    assert (pkg / "feature-flags.yaml").exists() and (pkg / "Kptfile").exists()


def test_eval_with_a_configmap_function_config(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    kept = {n: h for n, h in file_hashes(pkg).items() if n != GENERATED}
    done = run([kpt, "fn", "eval", str(pkg), "--exec", "modelservice-fn", "--", "provider=none"], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(owned(pkg)) == set(CHILDREN) - {("DestinationRule", "qwen3-32b-epp")}
    assert {n: h for n, h in file_hashes(pkg).items() if n != GENERATED} == kept


def test_results_dir_has_an_info_result_per_modelservice(
        kpt: str, pkg: Path, fn_env: dict[str, str], tmp_path: Path) -> None:
    second = re.sub(r"name: qwen3-32b\n", "name: qwen3-8b\n", (pkg / MS_FILE).read_text())
    (pkg / "models" / "qwen3-8b.yaml").write_text(second)
    results = tmp_path / "results"
    results.mkdir()
    render(kpt, pkg, fn_env, "--results-dir", str(results))
    listing = yaml.safe_load((results / "results.yaml").read_text())
    assert listing["kind"] == "FunctionResultList" and listing["exitCode"] == 0
    (fn_result,) = listing["items"]
    infos = [r for r in fn_result["results"] if r["severity"] == "info"]
    assert sorted(r["resourceRef"]["name"] for r in infos) == ["qwen3-32b", "qwen3-8b"]
    assert all(r["message"].startswith("generated 17 objects") for r in infos)
    assert {r["file"]["path"] for r in infos} == {MS_FILE, "models/qwen3-8b.yaml"}


def test_invalid_modelservice_fails_and_touches_nothing(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    ms = pkg / MS_FILE
    ms.write_text(ms.read_text().replace("  decode:\n    replicas: 2\n", "  decode:\n    replicas: two\n"))
    before = file_hashes(pkg)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "spec.decode.replicas" in output and MS_FILE in output
    assert file_hashes(pkg) == before


def test_a_misspelled_kind_fails_the_render_and_says_what_was_meant(
        kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    ms = pkg / MS_FILE
    ms.write_text(ms.read_text().replace("kind: ModelService", "kind: Modelservice"))
    before = file_hashes(pkg)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 1, "never a silent passthrough (and a prune of every child)"
    out = done.stdout + done.stderr
    assert ("model.otterscale.io/v1alpha1/Modelservice/ml-serving/qwen3-32b kind: unknown kind Modelservice in "
            "model.otterscale.io: did you mean kind: ModelService?") in out
    assert f"({MS_FILE})" in out
    assert "would prune" in out and "pruned Deployment" not in out
    assert file_hashes(pkg) == before


def test_a_misspelled_config_kind_fails_the_render(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    cfg = pkg / "epp-config.yaml"
    cfg.write_text(cfg.read_text().replace("kind: EPPConfig", "kind: EppConfig"))
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 1 and "(did you mean kind: EPPConfig?)" in done.stdout + done.stderr


def test_config_round_trip_is_byte_identical(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    """render (config A), eval with config B, render with A again: the first package, byte for byte."""
    render(kpt, pkg, fn_env)
    first = file_hashes(pkg)
    done = run([kpt, "fn", "eval", str(pkg), "--exec", "modelservice-fn", "--", "provider=none"], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert file_hashes(pkg) != first
    render(kpt, pkg, fn_env)
    assert file_hashes(pkg) == first


def test_new_files_carry_a_generated_header(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    text = (pkg / GENERATED).read_text()
    assert text.startswith(
        "# Generated by modelservice-fn from ModelService ml-serving/qwen3-32b: edit the ModelService, not this "
        "file (edits here are overwritten).\napiVersion: apps/v1\nkind: Deployment\n")
    assert text.count("# Generated by modelservice-fn") == 1


@pytest.mark.parametrize("selection", [["--match-kind", "ModelService"], ["--exclude-kind", "ConfigMap"]])
def test_a_selection_that_hides_generated_objects_is_refused(kpt: str, pkg: Path, fn_env: dict[str, str],
                                                             selection: list[str]) -> None:
    """kpt would append a second copy of every object it did not send: the function refuses instead."""
    render(kpt, pkg, fn_env)
    before = file_hashes(pkg)
    done = run([kpt, "fn", "eval", str(pkg), "--exec", "modelservice-fn", *selection], fn_env)
    assert done.returncode == 1
    assert ("kpt sent this function only the resources its selectors or exclusions match (--match-*, --exclude-*, "
            "or selectors:/exclude: in the Kptfile), without ") in done.stdout + done.stderr
    assert "Run the function on the whole package, without selectors" in done.stdout + done.stderr
    assert file_hashes(pkg) == before


def test_a_selection_that_hides_nothing_of_ours_runs(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    done = run([kpt, "fn", "eval", str(pkg), "--exec", "modelservice-fn", "--exclude-kind", "Kptfile", "--",
                "provider=none"], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("DestinationRule", "qwen3-32b-epp") not in owned(pkg), "the selection ran, with its own config"


def test_copies_of_generated_objects_become_one_keeping_the_users(
        kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    gen = pkg / GENERATED
    rendered = gen.read_text()
    gen.write_text(rendered.replace(
        "  name: qwen3-32b-epp\n  namespace: ml-serving\n", "  name: qwen3-32b-epp # mine\n  namespace: ml-serving\n", 1
    ).replace("    fn.model.otterscale.io/owner: ModelService/ml-serving/qwen3-32b\n",
              '    fn.model.otterscale.io/owner: ModelService/ml-serving/qwen3-32b\n    argocd.argoproj.io/sync-wave: "1"\n',
              1))
    edited = file_hashes(pkg)
    # a second copy of each, as a selector run of an older version (or a copied file) left them
    gen.write_text(gen.read_text() + "---\n" + rendered.split("\n", 1)[1])
    assert len(objects(gen.read_text())) == 2 * len(CHILDREN)
    done = run([kpt, "fn", "render", "--allow-exec", "--truncate-output=false", str(pkg)], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert file_hashes(pkg) == edited, "one copy each, with the user's comment and annotation"
    out = done.stdout + done.stderr
    assert out.count("[warning]") == len(CHILDREN)
    assert re.search(r"two copies of ServiceAccount qwen3-32b-epp generated for ModelService/ml-serving/qwen3-32b: "
                     rf"kept the one in {GENERATED} \(document \d+\), dropped the one in {GENERATED} "
                     r"\(document \d+\)", out)


def test_strict_fails_on_a_warning(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    (pkg / "epp-config.yaml").write_text((pkg / "epp-config.yaml").read_text() + "strict: true\n")
    ms = pkg / MS_FILE
    ms.write_text(remove_block(ms.read_text(), "routingProxy"))
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 1
    assert "spec.prefill: prefill/decode disaggregation without spec.routingProxy" in done.stdout + done.stderr
    assert "(strict: warnings are errors)" in done.stdout + done.stderr


def test_output_to_stdout_is_a_dry_run(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    before = file_hashes(pkg)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg), "-o", "stdout"], fn_env)
    assert done.returncode == 0, done.stderr
    assert file_hashes(pkg) == before
    assert kind_names([o for o in objects(done.stdout)[0]["items"] if o["kind"] != "Kptfile"])[-17:] == CHILDREN


def test_render_needs_allow_exec(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    before = file_hashes(pkg)
    done = run([kpt, "fn", "render", str(pkg)], fn_env)
    assert done.returncode != 0 and "allow-exec" in done.stdout + done.stderr
    assert file_hashes(pkg) == before


def test_a_hand_edit_of_a_generated_object_is_overwritten_and_kpt_says_so(kpt: str, pkg: Path,
                                                                           fn_env: dict[str, str]) -> None:
    render(kpt, pkg, fn_env)
    gen = pkg / GENERATED
    rendered = gen.read_text()
    edited = re.sub(r"(?m)^  replicas: \d+$", "  replicas: 9", rendered, count=1)
    assert edited != rendered
    gen.write_text(edited)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "updated: it differed from what ml-serving/qwen3-32b generates (edits to a generated object are " \
           "overwritten: change the ModelService or the EPPConfig instead)" in out
    assert gen.read_text() == rendered
    again = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert again.returncode == 0 and "updated:" not in again.stdout + again.stderr


def test_a_plain_lookalike_in_an_applied_object_warns_under_kpt(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    flags = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: toggles\n  namespace: ml-serving\n"
             "data:\n  streaming: on\n  umask: '0755'\n")
    (pkg / "toggles.yaml").write_text(flags)
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert out.count("[warning]") == 1 and "the plain value on is read as a boolean by YAML 1.1 readers" in out
    assert "data[streaming]" in out and 'Quote it ("on")' in out
    assert (pkg / "toggles.yaml").read_text() == flags  # a warning, never a change


def test_the_gke_warning_says_how_to_fix_it(kpt: str, pkg: Path, fn_env: dict[str, str]) -> None:
    cfg = pkg / "epp-config.yaml"
    cfg.write_text(re.sub(r"(?m)^provider: .*$", "provider: gke", cfg.read_text()))
    assert "provider: gke" in cfg.read_text()
    done = run([kpt, "fn", "render", "--allow-exec", str(pkg)], fn_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("set metricsEndpointAuth: false in the EPPConfig, or create the service-account-token Secret "
            "qwen3-32b-epp-sa-metrics-reader-secret yourself") in done.stdout + done.stderr
