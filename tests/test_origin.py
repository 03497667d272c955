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
