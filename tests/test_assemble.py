"""Ownership, upsert in place, pruning, placement and conflicts (krm_fn.assemble via the function)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from krm_fn import assemble
from krm_fn.assemble import OWNER_ANNOTATION, Item, Outcome, generate
from krm_fn.config import EPPConfig
from krm_fn.yamlio import dump
from tests.conftest import generated, output_items, results, run

MS = {
    "apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
    "metadata": {"name": "llama", "namespace": "ml", "annotations": {
        "internal.config.kubernetes.io/path": "apps/llama.yaml", "config.kubernetes.io/path": "apps/llama.yaml"}},
    "spec": {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "nvidia"},
             "decode": {}, "prefill": {}, "inferencePool": {"endpointPicker": {}}},
}


def resource_list(*items: dict[str, Any], config: dict[str, Any] | None = None) -> str:
    rl: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": list(items)}
    if config is not None:
        rl["functionConfig"] = config
    return dump(rl)


def test_new_objects_follow_their_model_service_with_owner_and_file() -> None:
    out = run(resource_list(MS)).stdout
    items = output_items(out)
    assert items[0]["kind"] == "ModelService"
    gen = generated(out)
    assert items[1:] == gen
    for i, obj in enumerate(gen):
        ann = obj["metadata"]["annotations"]
        assert ann[OWNER_ANNOTATION] == "ModelService/ml/llama"
        assert ann["internal.config.kubernetes.io/path"] == ann["config.kubernetes.io/path"] == "apps/llama.generated.yaml"
        assert ann["internal.config.kubernetes.io/index"] == ann["config.kubernetes.io/index"] == str(i)
        assert "ownerReferences" not in obj["metadata"]


def test_owner_references_only_with_a_uid_and_never_on_cluster_scoped_objects() -> None:
    ms = copy.deepcopy(MS)
    ms["metadata"]["uid"] = "1234"
    for obj in generated(run(resource_list(ms)).stdout):
        refs = obj["metadata"].get("ownerReferences")
        if obj["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            assert refs is None
        else:
            assert refs == [{"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService", "name": "llama",
                             "uid": "1234", "controller": True, "blockOwnerDeletion": True}]


def test_rerun_keeps_moved_objects_their_annotations_and_text() -> None:
    first = run(resource_list(MS)).stdout
    items = output_items(first)
    # the user moved the Service to another file and commented on it; kpt adds ids
    svc = next(i for i in items if i["kind"] == "Service")
    svc["metadata"]["annotations"].update({"config.kubernetes.io/path": "moved.yaml",
                                           "internal.config.kubernetes.io/path": "moved.yaml",
                                           "config.k8s.io/id": "7", "argocd.argoproj.io/sync-wave": "1"})
    text = resource_list(*items).replace("  kind: Service\n", "  kind: Service  # exposed to the gateway\n")
    second = run(text)
    assert second.exit_code == 0
    assert "  kind: Service  # exposed to the gateway\n" in second.stdout
    svc2 = next(i for i in generated(second.stdout) if i["kind"] == "Service")
    assert svc2["metadata"]["annotations"]["config.kubernetes.io/path"] == "moved.yaml"
    assert svc2["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
    assert len(generated(second.stdout)) == len(generated(first))


def test_removing_prefill_prunes_its_children_and_reports_them() -> None:
    first = output_items(run(resource_list(MS)).stdout)
    first[0]["spec"].pop("prefill")
    out = run(resource_list(*first)).stdout
    names = {(o["kind"], o["metadata"]["name"]) for o in generated(out)}
    assert ("Deployment", "llama-prefill") not in names
    assert ("Deployment", "llama-decode") in names
    cm = next(o for o in generated(out) if o["kind"] == "ConfigMap")
    assert list(cm["data"]) == ["default-plugins.yaml"]
    messages = [r["message"] for r in results(out)]
    assert "pruned Deployment llama-prefill: no longer generated for ModelService/ml/llama" in messages


def test_removing_the_model_service_prunes_everything_it_generated() -> None:
    first = output_items(run(resource_list(MS)).stdout)
    out = run(resource_list(*first[1:])).stdout
    assert output_items(out) == []
    assert sum(r["message"].startswith("pruned ") for r in results(out)) == len(first) - 1


def test_a_foreign_object_with_a_generated_name_is_an_error() -> None:
    mine = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "llama-epp", "namespace": "ml",
                                                                       "annotations": {"config.kubernetes.io/path": "sa.yaml"}}}
    r = run(resource_list(MS, mine))
    assert r.exit_code == 1
    assert "would generate ServiceAccount llama-epp, which the input already holds in sa.yaml" in r.stderr
    assert output_items(r.stdout) == [MS, mine]


def test_two_model_services_get_separate_files_and_distinct_indexes() -> None:
    other = copy.deepcopy(MS)
    other["metadata"]["name"] = "qwen"
    out = run(resource_list(MS, other)).stdout
    files = {(o["metadata"]["annotations"]["config.kubernetes.io/path"],
              o["metadata"]["annotations"]["config.kubernetes.io/index"]) for o in generated(out)}
    assert len(files) == len(generated(out))
    assert {f for f, _ in files} == {"apps/llama.generated.yaml", "apps/qwen.generated.yaml"}


def test_no_path_annotations_without_a_file() -> None:
    ms = copy.deepcopy(MS)
    ms["metadata"].pop("annotations")
    for obj in generated(run(resource_list(ms)).stdout):
        assert obj["metadata"]["annotations"] == {OWNER_ANNOTATION: "ModelService/ml/llama"} or obj["kind"] == "Secret"


def test_generated_objects_do_not_depend_on_unrelated_item_order() -> None:
    a = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    b = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}
    assert generated(run(resource_list(a, MS, b)).stdout) == generated(run(resource_list(b, MS, a)).stdout)


# --------------------------------------------------------------------------- usability


def kpt_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as kpt sends them: each with its own id."""
    for n, item in enumerate(items):
        item["metadata"].setdefault("annotations", {}).update(
            {"internal.config.kubernetes.io/id": str(n + 1), "config.k8s.io/id": str(n + 1)})
    return items


def test_a_misspelled_identity_is_an_error_and_nothing_is_generated() -> None:
    typo = copy.deepcopy(MS)
    typo["kind"] = "Modelservice"
    r = run(resource_list(typo))
    assert r.exit_code == 1 and output_items(r.stdout) == [typo]
    (error,) = [x for x in results(r.stdout) if x["severity"] == "error"]
    assert error == {"message": "unknown kind Modelservice in model.otterscale.io: did you mean kind: ModelService?",
                     "severity": "error",
                     "resourceRef": {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "Modelservice",
                                     "name": "llama", "namespace": "ml"},
                     "field": {"path": "kind", "currentValue": "Modelservice"},
                     "file": {"path": "apps/llama.yaml"}}


def test_strict_turns_warnings_into_errors() -> None:
    ms = copy.deepcopy(MS)  # prefill without routingProxy: a warning
    assert run(resource_list(ms)).exit_code == 0
    config = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "c"},
              "strict": True}
    r = run(resource_list(ms, config=config))
    assert r.exit_code == 1 and output_items(r.stdout) == [ms]
    assert r.stderr.startswith("modelservice-fn: 1 error: ModelService ml/llama spec.prefill: prefill/decode ")
    assert r.stderr.endswith("(strict: warnings are errors) (apps/llama.yaml)\n")


def test_without_a_modelservice_there_is_an_info_result() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    r = run(resource_list(cm))
    assert r.exit_code == 0
    assert results(r.stdout) == [{"message": "no ModelService found among the 1 items: nothing to generate",
                                  "severity": "info"}]


def test_a_failed_run_says_would_prune() -> None:
    first = output_items(run(resource_list(MS)).stdout)
    first[0]["spec"].pop("prefill")
    first[0]["spec"]["decode"]["replicas"] = -1
    r = run(resource_list(*first))
    assert r.exit_code == 1 and output_items(r.stdout) == first
    messages = [x["message"] for x in results(r.stdout)]
    assert "would prune Deployment llama-prefill: no longer generated for ModelService/ml/llama" in messages
    assert not any(m.startswith("pruned ") for m in messages)


def duplicated() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """A package after a kpt selector: every generated object twice, the user's copy annotated."""
    first = output_items(run(resource_list(MS)).stdout)
    fresh = copy.deepcopy(first[1:])
    for obj in fresh:
        obj["metadata"]["annotations"]["config.kubernetes.io/path"] = "apps/llama.generated.yaml"
    mine = next(o for o in first if o["kind"] == "Service")
    mine["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] = "1"
    return first + fresh, mine, next(o for o in fresh if o["kind"] == "Service")


def test_two_copies_of_a_generated_object_keep_the_users() -> None:
    items, _, _ = duplicated()
    for order in (items, items[:1] + items[len(items) // 2 + 1:] + items[1:len(items) // 2 + 1]):
        r = run(resource_list(*order))
        assert r.exit_code == 0
        out = generated(r.stdout)
        assert len(out) == len(items) // 2
        svc = next(o for o in out if o["kind"] == "Service")
        assert svc["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
        warnings = [x for x in results(r.stdout) if x["message"].startswith("two copies")]
        assert len(warnings) == len(out) and {w["severity"] for w in warnings} == {"warning"}
    svc_warning = next(w for w in warnings if w["resourceRef"]["kind"] == "Service")
    assert svc_warning["message"] == (
        "two copies of Service llama-epp generated for ModelService/ml/llama: kept the one in "
        "apps/llama.generated.yaml (document 6), dropped the one in apps/llama.generated.yaml (document 6). A kpt "
        "selector (--match-*, selectors:) or a copied file leaves such copies: run the function without selectors")


def test_a_copy_with_comments_wins_a_tie() -> None:
    items, _, _ = duplicated()
    for item in items:
        item["metadata"]["annotations"].pop("argocd.argoproj.io/sync-wave", None)
    text = resource_list(*items)
    # the second copy of the decode Deployment carries the user's comment
    first_at = text.index("name: llama-decode\n")
    second_at = text.index("name: llama-decode\n", first_at + 1)
    text = text[:second_at] + "name: llama-decode # hand-tuned\n" + text[second_at + len("name: llama-decode\n"):]
    r = run(text)
    assert r.exit_code == 0 and "name: llama-decode # hand-tuned\n" in r.stdout
    assert r.stdout.split("\nresults:\n")[0].count("name: llama-decode") == 1


def test_copies_of_a_pruned_object_are_both_pruned() -> None:
    items, _, _ = duplicated()
    out = run(resource_list(*items[1:]))
    assert out.exit_code == 0 and output_items(out.stdout) == []
    assert not [x for x in results(out.stdout) if x["message"].startswith("two copies")]
    assert sum(x["message"].startswith("pruned ") for x in results(out.stdout)) == len(items) - 1


def test_a_new_object_takes_its_reconcile_position_in_a_file_of_ours() -> None:
    """A config round trip gives back the same file: a returning DestinationRule is not appended."""
    first = output_items(run(resource_list(MS)).stdout)
    without = run(resource_list(*first, config={"apiVersion": "v1", "kind": "ConfigMap",
                                                "metadata": {"name": "x"}, "data": {"provider": "none"}}))
    after_b = output_items(without.stdout)
    for i, obj in enumerate(after_b[1:]):  # kpt writes the file again: indexes are positions
        for k in ("internal.config.kubernetes.io/index", "config.kubernetes.io/index"):
            obj["metadata"]["annotations"][k] = str(i)
    back = output_items(run(resource_list(*after_b)).stdout)
    assert back == first


def test_objects_in_a_file_that_is_not_only_ours_keep_their_indexes() -> None:
    first = output_items(run(resource_list(MS)).stdout)
    first = [o for o in first if o["kind"] != "DestinationRule"]
    foreign = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "notes", "annotations": {
        "config.kubernetes.io/path": "apps/llama.generated.yaml", "config.kubernetes.io/index": "40"}}}
    out = generated(run(resource_list(*first, foreign)).stdout)
    indexes = [o["metadata"]["annotations"]["config.kubernetes.io/index"] for o in out]
    assert indexes == [str(i) for i in range(len(out) - 1)] + ["41"]


def test_fields_added_inside_a_changed_object_drop_its_kpt_id() -> None:
    """kpt would move fields its input copy lacks to the end of their maps; without the id it cannot."""
    ms = copy.deepcopy(MS)
    ms["spec"]["routingProxy"] = {}
    tracing = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "c"},
               "tracing": {"enabled": True}}
    first = kpt_ids(output_items(run(resource_list(ms)).stdout))
    r = run(resource_list(*first, config=tracing))  # env appears in the middle of the routing-proxy container
    decode = next(o for o in generated(r.stdout) if o["metadata"]["name"] == "llama-decode")
    assert "internal.config.kubernetes.io/id" not in decode["metadata"]["annotations"]
    assert "config.k8s.io/id" not in decode["metadata"]["annotations"]
    notes = [x for x in results(r.stdout) if x["message"].startswith("rewritten in full")]
    assert [n["resourceRef"]["name"] for n in notes] == ["llama-decode"]
    assert notes[0]["severity"] == "info" and notes[0]["message"] == (
        "rewritten in full: fields were added inside it, which kpt would otherwise move to the end of their "
        "maps; comments inside this object are not kept")
    svc = next(o for o in generated(r.stdout) if o["kind"] == "Service")
    assert svc["metadata"]["annotations"]["config.k8s.io/id"], "unchanged objects keep their ids"
    # a change that only appends fields keeps the id (and so the user's comments)
    first[0]["spec"]["decode"]["replicas"] = 3
    decode = next(o for o in generated(run(resource_list(*first)).stdout) if o["metadata"]["name"] == "llama-decode")
    assert decode["metadata"]["annotations"]["config.k8s.io/id"]


def test_a_new_file_under_kpt_starts_with_a_header() -> None:
    ms = kpt_ids([copy.deepcopy(MS)])[0]
    first = run(resource_list(ms)).stdout
    header = ("- # Generated by modelservice-fn from ModelService ml/llama: edit the ModelService, not this file "
              "(edits here are overwritten).\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n"
              "    name: llama-decode\n")
    assert first.count("# Generated by modelservice-fn") == 1 and header in first
    assert run(first).stdout == first, "kpt sends the comment back; the run is a no-op"
    # without kpt's ids (a bare ResourceList piped through), no comment
    assert "# Generated" not in run(resource_list(MS)).stdout


def _named(namespace: str, name: str) -> dict[str, Any]:
    ms = copy.deepcopy(MS)
    ms["metadata"].update(name=name, namespace=namespace)
    return ms


def test_two_model_services_that_would_generate_the_same_object_are_an_error_naming_both() -> None:
    r = run(resource_list(_named("a-b", "c"), _named("a", "b-c")))
    assert r.exit_code == 1
    errors = [(x["resourceRef"]["namespace"], x["resourceRef"]["name"], x["field"]["path"], x["message"])
              for x in results(r.stdout) if x["severity"] == "error"]
    message = "would generate {} a-b-c-epp, which ModelService a-b/c (in apps/llama.yaml) generates too: rename one of them"
    assert errors == [("a", "b-c", "metadata.name", message.format(kind))
                      for kind in ("ClusterRole", "ClusterRoleBinding")]
    assert generated(r.stdout) == []


def test_the_same_name_in_two_namespaces_is_no_collision() -> None:
    r = run(resource_list(_named("a-b", "c"), _named("a-b", "d"), _named("x", "c")))
    assert (r.exit_code, r.stderr) == (0, "")
    cluster = sorted(o["metadata"]["name"] for o in generated(r.stdout) if o["kind"] == "ClusterRole")
    assert cluster == ["a-b-c-epp", "a-b-d-epp", "x-c-epp"]


# --- the edges of ownership, clashes and placement ------------------------------------------------

SMALL = {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
         "metadata": {"name": "m", "namespace": "ns"},
         "spec": {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "cpu"},
                  "decode": {}}}


def _deployment(name: str, api_version: str = "apps/v1", namespace: str = "ns", **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": api_version, "kind": "Deployment", "metadata": meta}


def _errors(text: str) -> list[str]:
    run_ = run(text)
    assert run_.exit_code == 1
    return [r["message"] for r in results(run_.stdout) if r["severity"] == "error"]


def test_a_foreign_object_clashes_only_with_the_same_group_kind_namespace_and_name() -> None:
    for other in (_deployment("m-decode", "other.example.com/v1"), _deployment("m-decode", namespace="elsewhere"),
                  _deployment("m-prefill"), {**_deployment("m-decode"), "kind": "StatefulSet"}):
        out = run(resource_list(SMALL, other))
        assert out.exit_code == 0, other
    assert _errors(resource_list(SMALL, _deployment("m-decode"))) == [
        ("would generate Deployment m-decode, which the input already holds without the fn.model.otterscale.io/owner "
        "annotation: remove or rename it")]
    assert _errors(resource_list(SMALL, _deployment("m-decode", **{"config.kubernetes.io/path": "d.yaml"}))) == [
        ("would generate Deployment m-decode, which the input already holds in d.yaml without the "
        "fn.model.otterscale.io/owner annotation: remove or rename it")]


def test_a_failed_run_reports_nothing_as_generated() -> None:
    out = run(resource_list(SMALL, _deployment("m-decode")))
    assert out.exit_code == 1
    assert [r["message"] for r in results(out.stdout) if r["severity"] == "info"] == []
    ok = run(resource_list(SMALL))
    assert [r["message"] for r in results(ok.stdout) if r["severity"] == "info"] == ["generated 1 objects: Deployment/m-decode"]


def test_model_services_of_another_version_or_with_duplicate_keys_are_errors() -> None:
    other = {**SMALL, "apiVersion": "model.otterscale.io/v1beta1"}
    assert _errors(resource_list(other)) == [("unsupported version model.otterscale.io/v1beta1 of ModelService: did you "
                                             "mean apiVersion: model.otterscale.io/v1alpha1?")]
    text = resource_list(SMALL).replace("    name: m\n", "    name: m\n    name: m\n", 1)
    assert _errors(text) == ["duplicate key: its second value would silently replace the first"]
    assert [r["field"]["path"] for r in results(run(text).stdout)] == ["metadata.name"]


def test_a_duplicate_model_service_names_the_first_file_if_any() -> None:
    assert _errors(resource_list(SMALL, SMALL)) == ["duplicate ModelService ns/m"]
    with_file = copy.deepcopy(SMALL)
    with_file["metadata"]["annotations"] = {"config.kubernetes.io/path": "first.yaml"}
    assert _errors(resource_list(with_file, SMALL)) == ["duplicate ModelService ns/m (also in first.yaml)"]


def test_new_objects_take_the_indexes_after_those_already_in_their_file() -> None:
    ms = copy.deepcopy(SMALL)
    ms["metadata"]["annotations"] = {"config.kubernetes.io/path": "apps/m.yaml"}
    taken = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {
        "config.kubernetes.io/path": "apps/m.generated.yaml", "config.kubernetes.io/index": "3"}}}
    untracked = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d", "annotations": {
        "config.kubernetes.io/index": "7"}}}
    (decode,) = generated(run(resource_list(ms, taken, untracked)).stdout)
    ann = decode["metadata"]["annotations"]
    assert (ann["config.kubernetes.io/path"], ann["config.kubernetes.io/index"]) == ("apps/m.generated.yaml", "4")


def test_no_placement_for_a_model_service_outside_the_package() -> None:
    for path in ("../m.yaml", "/abs/m.yaml", "a/../../m.yaml"):
        ms = copy.deepcopy(SMALL)
        ms["metadata"]["annotations"] = {"config.kubernetes.io/path": path}
        (decode,) = generated(run(resource_list(ms)).stdout)
        assert decode["metadata"]["annotations"] == {OWNER_ANNOTATION: "ModelService/ns/m"}, path


def test_pruned_objects_name_their_own_owner() -> None:
    old = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
        "name": "gone-decode", "namespace": "ns", "annotations": {OWNER_ANNOTATION: "ModelService/ns/gone"}}}
    bare = {"kind": "ConfigMap", "metadata": {"name": "x", "annotations": {OWNER_ANNOTATION: "ModelService/ns/gone"}}}
    out = run(resource_list(SMALL, old, bare))
    assert out.exit_code == 0
    pruned = [r for r in results(out.stdout) if r["message"].startswith("pruned")]
    assert pruned == [
        {"message": "pruned Deployment gone-decode: no longer generated for ModelService/ns/gone", "severity": "info",
         "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gone-decode", "namespace": "ns"}},
        {"message": "pruned ConfigMap x: no longer generated for ModelService/ns/gone", "severity": "info",
         "resourceRef": {"apiVersion": "", "kind": "ConfigMap", "name": "x"}}]
    assert [i["metadata"]["name"] for i in output_items(out.stdout)] == ["m", "m-decode"]


def test_flags_the_epp_would_refuse_are_warnings_naming_the_function_config() -> None:
    config = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "c"},
              "flags": {"no-such-flag": "1"}}
    out = run(resource_list(SMALL, config=config))
    assert out.exit_code == 0
    (warning,) = [r for r in results(out.stdout) if r["severity"] == "warning"]
    assert warning["resourceRef"] == {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig",
                                      "name": "c"}
    assert warning["field"] == {"path": "flags.no-such-flag"}
    assert warning["message"].startswith("--no-such-flag is not a flag of the llm-d v0.6 EPP")


def test_generate_skips_what_is_not_an_object_and_says_whether_it_failed() -> None:
    cfg = EPPConfig(flags={"nope": "1"})
    outcome = generate([Item(5), Item(copy.deepcopy(SMALL))], cfg)
    assert not outcome.failed
    assert [e.value if isinstance(e, Item) else e.value["kind"] for e in outcome.entries] == [5, SMALL, "Deployment"]
    assert next((r.severity, r.resource, r.field) for r in outcome.results) == ("warning", None, "flags.nope")
    assert [r.severity for r in outcome.results] == ["warning", "info"]
    bad = generate([Item({**SMALL, "spec": {}})], EPPConfig())
    assert bad.failed and [e.value for e in bad.entries] == [{**SMALL, "spec": {}}]
    assert generate([], EPPConfig()) == Outcome([], [])


# --- copies, renumbering, index annotations ------------------------------------------------------

def _first_run(ms: dict[str, Any], config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return output_items(run(resource_list(ms, config=config)).stdout)


def _indexes(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(i["kind"], (i["metadata"].get("annotations") or {}).get("config.kubernetes.io/index")) for i in items]


def test_two_copies_keep_the_one_with_the_user_s_annotations() -> None:
    ms, dep = _first_run(SMALL)
    a = copy.deepcopy(dep)
    a["metadata"]["annotations"].update({"config.kubernetes.io/path": "a.yaml", "config.kubernetes.io/index": "0"})
    b = copy.deepcopy(dep)
    b["metadata"]["annotations"].update({"config.kubernetes.io/path": "b.yaml", "config.kubernetes.io/index": "1",
                                         "team": "x"})
    for order in ([a, b], [b, a]):
        out = run(resource_list(ms, *order))
        assert out.exit_code == 0
        (warning,) = [r for r in results(out.stdout) if r["severity"] == "warning"]
        assert warning["message"] == (
            "two copies of Deployment m-decode generated for ModelService/ns/m: kept the one in b.yaml (document 2), "
            "dropped the one in a.yaml (document 1). A kpt selector (--match-*, selectors:) or a copied file leaves "
            "such copies: run the function without selectors")
        assert warning["file"] == {"path": "b.yaml", "index": 1}
        assert [i["metadata"]["annotations"].get("team") for i in output_items(out.stdout)[1:]] == ["x"]


def test_two_equal_copies_without_files_keep_the_first() -> None:
    ms, dep = _first_run(SMALL)
    out = run(resource_list(ms, dep, copy.deepcopy(dep)))
    assert [r["message"].split(". ")[0] for r in results(out.stdout) if r["severity"] == "warning"] == [
        ("two copies of Deployment m-decode generated for ModelService/ns/m: kept the one in the input, dropped the one "
        "in the input")]
    assert len(output_items(out.stdout)) == 2


def test_a_file_of_ours_that_gains_objects_is_renumbered_in_reconcile_order() -> None:
    ms = copy.deepcopy(SMALL)
    ms["metadata"]["annotations"] = {"config.kubernetes.io/path": "apps/m.yaml", "config.kubernetes.io/index": "0"}
    ms["spec"]["inferencePool"] = {"endpointPicker": {}}
    config = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "metadata": {"name": "c"},
              "provider": "none", "metricsEndpointAuth": False}
    first = _first_run(ms, config)
    grown = output_items(run(resource_list(*first, config={**config, "metricsEndpointAuth": True})).stdout)
    assert _indexes(grown) == [("ModelService", "0"), ("Deployment", "0"), ("ServiceAccount", "1"), ("ConfigMap", "2"),
                               ("Deployment", "3"), ("Service", "4"), ("Secret", "5"), ("Role", "6"),
                               ("RoleBinding", "7"), ("ClusterRole", "8"), ("ClusterRoleBinding", "9"),
                               ("InferencePool", "10")]
    foreign = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mine", "namespace": "ns", "annotations": {
        "config.kubernetes.io/path": "apps/m.generated.yaml", "config.kubernetes.io/index": "20"}}}
    kept = output_items(run(resource_list(*first, foreign, config={**config, "metricsEndpointAuth": True})).stdout)
    assert _indexes(kept) == [("ModelService", "0"), ("Deployment", "0"), ("ServiceAccount", "1"), ("ConfigMap", "2"),
                              ("Deployment", "3"), ("Service", "4"), ("Secret", "21"), ("Role", "5"),
                              ("RoleBinding", "6"), ("ClusterRole", "22"), ("ClusterRoleBinding", "23"),
                              ("InferencePool", "7"), ("ConfigMap", "20")]


@pytest.mark.parametrize(("digits", "index"), [(18, 999_999_999_999_999_999), (19, None)])
def test_an_index_annotation_is_read_up_to_18_digits(digits: int, index: int | None) -> None:
    bad = copy.deepcopy(SMALL)
    bad["spec"]["decode"] = {"replicas": -1}
    bad["metadata"]["annotations"] = {"config.kubernetes.io/path": "x.yaml", "config.kubernetes.io/index": "9" * digits}
    (result,) = results(run(resource_list(bad)).stdout)
    assert result["file"] == ({"path": "x.yaml", "index": index} if index is not None else {"path": "x.yaml"})


@pytest.mark.parametrize(("old", "new", "survives"), [
    ({"a": 1, "b": 2}, {"a": 1, "b": 3}, True), ({"a": 1, "b": 2}, {"b": 2, "a": 1}, False),
    ({"a": 1}, {"a": 1, "z": 0}, True), ({"a": 1, "c": 1}, {"a": 1, "b": 0, "c": 1}, False),
    ({"m": {"x": 1}}, {"m": {"y": 0, "x": 1}}, False), ({"l": [{"x": 1}]}, {"l": [{"y": 0, "x": 1}]}, False),
    ({"l": [{"x": 1}]}, {"l": [{"x": 2}, {"y": 0, "x": 1}]}, True), ({}, {"b": 1, "a": 2}, True),
    ({"a": [1]}, {"a": {"k": 1}}, True), ("s", {"b": 1, "a": 2}, True),
])
def test_when_kpt_s_field_order_sync_keeps_an_object_as_it_is(old: Any, new: Any, survives: bool) -> None:
    assert assemble._order_survives(old, new) is survives


HEADER_LINE = ("# Generated by modelservice-fn from ModelService ns/m: edit the ModelService, not this file (edits here "
               "are overwritten).")


def _tracked(ms: dict[str, Any], **annotations: str) -> dict[str, Any]:
    tracked = copy.deepcopy(ms)
    tracked["metadata"]["annotations"] = {"config.kubernetes.io/path": "apps/m.yaml", **annotations}
    return tracked


def test_a_new_file_written_by_kpt_starts_with_a_header() -> None:
    out = run(resource_list(_tracked({**SMALL, "spec": {**SMALL["spec"], "prefill": {}, "routingProxy": {}}},
                                     **{"config.k8s.io/id": "1"}))).stdout
    assert out.count("# Generated by modelservice-fn") == 1
    assert f"- {HEADER_LINE}\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: m-decode\n" in out
    assert [i["metadata"]["name"] for i in output_items(out)] == ["m", "m-decode", "m-prefill"]


def test_no_header_without_kpt_s_ids_or_in_a_file_that_exists() -> None:
    assert "# Generated" not in run(resource_list(_tracked(SMALL))).stdout
    existing = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns", "annotations": {
        "config.kubernetes.io/path": "apps/m.generated.yaml", "config.kubernetes.io/index": "0"}}}
    out = run(resource_list(_tracked(SMALL, **{"config.k8s.io/id": "1"}), existing)).stdout
    assert "# Generated" not in out


def test_an_object_rewritten_in_full_keeps_its_file_header_and_loses_its_ids() -> None:
    first = run(resource_list(_tracked(SMALL, **{"config.k8s.io/id": "1"}))).stdout
    assert f"- {HEADER_LINE}\n" in first
    tracked = first.replace("    annotations:\n      fn.model.otterscale.io/owner",
                            "    annotations:\n      config.k8s.io/id: '2'\n      fn.model.otterscale.io/owner", 1)
    changed = tracked.replace("    engine: {}\n", "    engine:\n      imagePullPolicy: Always\n", 1)  # a field inside
    out = run(changed).stdout
    assert out.count("# Generated by modelservice-fn") == 1 and f"- {HEADER_LINE}\n  apiVersion: apps/v1\n" in out
    (note,) = [r for r in results(out) if r["message"].startswith("rewritten in full")]
    assert note == {"message": "rewritten in full: fields were added inside it, which kpt would otherwise move to the "
                               "end of their maps; comments inside this object are not kept", "severity": "info",
                    "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "m-decode",
                                    "namespace": "ns"},
                    "file": {"path": "apps/m.generated.yaml"}}
    (dep,) = generated(out)
    assert "config.k8s.io/id" not in dep["metadata"]["annotations"]
    without_header = changed.replace(f"- {HEADER_LINE}\n  apiVersion", "- apiVersion")
    assert "# Generated" not in run(without_header).stdout


def _copies(a_annotations: dict[str, str], b_annotations: dict[str, str], comment: str = "") -> str:
    """The warning of two copies a.yaml and b.yaml of the decode Deployment; b may carry a comment."""
    ms, dep = _first_run(SMALL)
    a, b = copy.deepcopy(dep), copy.deepcopy(dep)
    a["metadata"]["annotations"].update({"config.kubernetes.io/path": "a.yaml", "config.kubernetes.io/index": "0",
                                         **a_annotations})
    b["metadata"]["annotations"].update({"config.kubernetes.io/path": "b.yaml", "config.kubernetes.io/index": "1",
                                         **b_annotations})
    text = resource_list(ms, a, b)
    if comment:
        head, _, tail = text.rpartition("    config.kubernetes.io/path: b.yaml\n")
        text = head + f"    config.kubernetes.io/path: b.yaml  {comment}\n" + tail
    (warning,) = [r for r in results(run(text).stdout) if r["severity"] == "warning"]
    return str(warning["message"]).split(". ")[0].split(": ", 1)[1]


def test_which_copy_is_kept() -> None:
    first, second = ("kept the one in a.yaml (document 1), dropped the one in b.yaml (document 2)",
                     "kept the one in b.yaml (document 2), dropped the one in a.yaml (document 1)")
    assert _copies({}, {}) == first, "equal: the first"
    orchestrators = {"internal.config.kubernetes.io/x": "1", "config.kubernetes.io/x": "1", "config.k8s.io/id": "1",
                     "kustomize.config.k8s.io/id": "1"}
    assert _copies({}, orchestrators) == first, "orchestrator annotations are not the user's"
    assert _copies({}, {"team": "x"}) == second
    assert _copies({"team": "x", "env": "dev"}, {"team": "x"}) == first
    assert _copies({}, {}, comment="# mine") == second, "then the copy with comments"
    assert _copies({"team": "x"}, {}, comment="# mine") == first, "annotations count before comments"


def test_an_edited_generated_object_is_overwritten_with_a_notice() -> None:
    first = run(resource_list(SMALL)).stdout
    (deployment,) = generated(first)
    edited = copy.deepcopy(deployment)
    edited["spec"]["replicas"] = 7
    out = run(resource_list(SMALL, edited))
    assert out.exit_code == 0 and generated(out.stdout) == [deployment]
    assert [(r["message"], r["resourceRef"]["name"]) for r in results(out.stdout) if r["message"].startswith(
        "updated")] == [(("updated: it differed from what ns/m generates (edits to a generated object are overwritten: "
                         "change the ModelService or the EPPConfig instead)"), "m-decode")]
    again = run(resource_list(SMALL, deployment)).stdout  # unchanged: no notice
    assert not [r for r in results(again) if r["message"].startswith("updated")]
    broken = run(resource_list({**SMALL, "spec": {**SMALL["spec"], "engine": {"port": 0}}}, edited))
    assert broken.exit_code == 1  # nothing was written: no notice but what would have been pruned
    assert [r["message"] for r in results(broken.stdout) if r["severity"] == "info"] == [
        "would prune Deployment m-decode: no longer generated for ModelService/ns/m"]


def _selected(obj: dict[str, Any], rid: int) -> dict[str, Any]:
    """``obj`` as kpt sends it when selectors are set: numbered among all the package's resources."""
    out = copy.deepcopy(obj)
    out["metadata"].setdefault("annotations", {})[assemble.SELECTION_ID] = str(rid)
    return out


def test_a_selection_that_leaves_generated_objects_out_is_an_error() -> None:
    (deployment,) = generated(run(resource_list(SMALL)).stdout)
    hidden = run(resource_list(_selected(SMALL, 3)))  # ids 0-2 were left out: maybe our Deployment
    assert hidden.exit_code == 1
    (error,) = [r for r in results(hidden.stdout) if r["severity"] == "error"]
    assert error["message"] == (
        "kpt sent this function only the resources its selectors or exclusions match (--match-*, --exclude-*, or "
        "selectors:/exclude: in the Kptfile), without Deployment m-decode generated for this ModelService: each would "
        "be written a second time if the package holds it. Run the function on the whole package, without selectors")
    assert output_items(hidden.stdout) == [_selected(SMALL, 3)]
    # what it generates is all there: the selection is harmless
    seen = run(resource_list(_selected(deployment, 0), _selected(SMALL, 2)))
    assert seen.exit_code == 0
    # nothing was left out (ids 0..n-1): a first render under a selector that matches everything
    whole = run(resource_list(_selected(SMALL, 0), _selected(_deployment("other"), 1)))
    assert whole.exit_code == 0 and len(generated(whole.stdout)) == 1


@pytest.mark.parametrize(("ids", "left_out"), [
    ([], False), (["0"], False), (["0", "1", "2"], False), (["2", "0", "1"], False), (["1"], True),
    (["0", "2"], True), (["0", "0"], True), (["x", "0"], False), (["-1"], False),
])
def test_selection_left_out(ids: list[str], left_out: bool) -> None:
    items = [Item({"metadata": {"annotations": {assemble.SELECTION_ID: i}}}) for i in ids] + [Item({"kind": "X"})]
    assert assemble._selection_left_out(items) is left_out
