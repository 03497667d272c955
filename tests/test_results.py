"""krm_fn.results: results as the KRM Functions Specification writes them, and the one stderr line."""

from __future__ import annotations

from krm_fn.results import (
    ERROR,
    INFO,
    WARNING,
    ResourceRef,
    Result,
    exit_code,
    one_line,
    summary_line,
)

MS = ResourceRef("model.otterscale.io/v1alpha1", "ModelService", "llama", "ml")


def test_resource_refs() -> None:
    assert MS.as_dict() == {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService", "name": "llama",
                            "namespace": "ml"}
    cluster = ResourceRef("rbac.authorization.k8s.io/v1", "ClusterRole", "x")
    assert cluster.as_dict() == {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": "x"}
    assert (str(MS), str(cluster), str(ResourceRef("v1", "ConfigMap", ""))) == (
        "ModelService ml/llama", "ClusterRole x", "ConfigMap")


def test_a_full_result() -> None:
    r = Result("must be less than or equal to 65535", ERROR, MS, "spec.engine.port", 70000, "llama.yaml", 2)
    assert r.as_dict() == {
        "message": "must be less than or equal to 65535", "severity": "error", "resourceRef": MS.as_dict(),
        "field": {"path": "spec.engine.port", "currentValue": 70000}, "file": {"path": "llama.yaml", "index": 2}}
    assert r.line() == "ModelService ml/llama spec.engine.port: must be less than or equal to 65535 (llama.yaml)"


def test_only_what_is_known_is_written() -> None:
    assert Result("input is empty").as_dict() == {"message": "input is empty", "severity": "error"}
    assert Result("input is empty").line() == "input is empty"
    assert Result("m", WARNING, MS).as_dict() == {"message": "m", "severity": "warning", "resourceRef": MS.as_dict()}
    assert Result("m", WARNING, MS).line() == "ModelService ml/llama: m"
    assert Result("m", INFO, None, "spec.x", 5, "f.yaml", 0).as_dict() == {
        "message": "m", "severity": "info", "file": {"path": "f.yaml"}}
    assert Result("m", INFO, None, "spec.x", file="f.yaml").line() == "spec.x: m (f.yaml)"
    assert Result("m", file="f.yaml").line() == "m (f.yaml)"


def test_current_values_are_scalars_only() -> None:
    for value, written in [("s", True), (0, True), (1.5, True), (False, True), (None, False), ([1], False),
                           ({"a": 1}, False)]:
        field = Result("m", ERROR, MS, "spec.x", value).as_dict()["field"]
        assert ("currentValue" in field) is written, value
        assert field["path"] == "spec.x"
    assert "field" not in Result("m", ERROR, MS, "", "v").as_dict()


def test_exit_code_is_1_only_for_errors() -> None:
    assert exit_code([]) == 0
    assert exit_code([Result("a", INFO), Result("b", WARNING)]) == 0
    assert exit_code([Result("a", INFO), Result("b", ERROR)]) == 1


def test_the_summary_line_counts_errors_only_and_stays_one_line() -> None:
    results = [Result("a", ERROR, MS, "spec.x"), Result("skipped", WARNING), Result("b\nc", ERROR)]
    assert summary_line(results) == "modelservice-fn: 2 errors: ModelService ml/llama spec.x: a; b\\nc"
    assert summary_line([Result("only", ERROR)]) == "modelservice-fn: 1 error: only"


def test_one_line_escapes_every_control_character() -> None:
    assert one_line("a\nb\rc\td\x00e\x1bf\x7fg\x1f") == "a\\nb\\rc\\td\\x00e\\x1bf\\x7fg\\x1f"
    assert one_line("plain é ünïcode ~ ") == "plain é ünïcode ~ "
