"""krm_fn.origin: finding an item's file in a kustomization (only ever a better message)."""

from __future__ import annotations

from pathlib import Path

from krm_fn import origin


def test_index_follows_resources_and_skips_what_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n- a.yaml\n- missing.yaml\n- bad.yaml\n- sub\n- git@github.com:x/y.git\n- .\n"
        "components: [3]\ngenerators: nope\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n- not an object\n")
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Kustomization").write_text("resources: [b.yml]\n")
    (tmp_path / "sub" / "b.yml").write_text("kind: Secret\nmetadata: {name: b}\n")
    found = origin.index(str(tmp_path))  # "." refers to itself: bounded by the nesting limit
    assert found == {("ConfigMap", "a"): str(tmp_path / "a.yaml"), ("Secret", "b"): str(tmp_path / "sub" / "b.yml")}
    assert origin.locate(found, {"kind": "Secret", "metadata": {"name": "b"}}) == str(tmp_path / "sub" / "b.yml")
    assert origin.locate(found, {"kind": "Secret", "metadata": {"name": "c"}}) == ""
    assert origin.locate(found, "text") == ""


def test_no_kustomization_no_answer(tmp_path: Path) -> None:
    assert origin.index(str(tmp_path)) == {}
    (tmp_path / "kustomization.yaml").write_text("[1, 2]\n")
    assert origin.index(str(tmp_path)) == {}


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def test_every_list_and_every_kustomization_file_name(tmp_path: Path) -> None:
    for i, name in enumerate(("kustomization.yaml", "kustomization.yml", "Kustomization")):
        d = tmp_path / f"k{i}"
        d.mkdir()
        (d / name).write_text("resources: [r.yaml]\ncomponents: [c.yaml]\ntransformers: [t.yaml]\ngenerators: [g.yaml]\n")
        for f in ("r", "c", "t", "g"):
            (d / f"{f}.yaml").write_text(CM.format(name=f))
        assert origin.index(str(d)) == {("ConfigMap", f): str(d / f"{f}.yaml") for f in ("r", "c", "t", "g")}


def test_remote_bases_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n- https://example.com/x.yaml\n- git@example.com:x.yaml\n- github.com/x/y\n- local.yaml\n")
    for rel in ("https:/example.com/x.yaml", "git@example.com:x.yaml", "github.com/x/y"):  # what they would be
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(CM.format(name="remote"))
    (tmp_path / "local.yaml").write_text(CM.format(name="local"))
    assert origin.index(str(tmp_path)) == {("ConfigMap", "local"): str(tmp_path / "local.yaml")}


def test_nesting_is_followed_eight_levels_deep(tmp_path: Path) -> None:
    d = tmp_path
    for level in range(10):
        (d / "kustomization.yaml").write_text("resources: [cm.yaml, next]\n")
        (d / "cm.yaml").write_text(CM.format(name=f"level-{level}"))
        d = d / "next"
        d.mkdir()
    assert sorted(name for _, name in origin.index(str(tmp_path))) == [f"level-{i}" for i in range(9)]


def test_files_up_to_4_mib_are_read(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [a.yaml, b.yaml]\n")
    pad = "#" * (4 * 2**20 - len(CM.format(name="a")) - 1) + "\n"
    (tmp_path / "a.yaml").write_text(CM.format(name="a") + pad)
    (tmp_path / "b.yaml").write_text(CM.format(name="b") + pad + "#\n")
    assert (tmp_path / "a.yaml").stat().st_size == 4 * 2**20
    assert origin.index(str(tmp_path)) == {("ConfigMap", "a"): str(tmp_path / "a.yaml")}


def test_items_are_found_by_their_names_before_kustomize_renamed_them(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    (tmp_path / "a.yaml").write_text(CM.format(name="a") + "---\nkind: Secret\nmetadata: plain\n")
    found = origin.index(str(tmp_path))
    assert found == {("ConfigMap", "a"): str(tmp_path / "a.yaml"), ("Secret", ""): str(tmp_path / "a.yaml")}
    renamed = {"kind": "ConfigMap", "metadata": {"name": "dev-a-x1", "annotations": {
        "internal.config.kubernetes.io/previousNames": "dev-a,a"}}}
    assert origin.locate(found, renamed) == str(tmp_path / "a.yaml")
    assert origin.locate(found, {"kind": "ConfigMap", "metadata": {"name": "a", "annotations": ["x"]}}) == str(
        tmp_path / "a.yaml")
    assert origin.locate(found, {"kind": 5}) == ""
