"""Ownership, upsert in place, pruning, placement and conflicts (krm_fn.assemble via the function)."""

from __future__ import annotations

import copy
from typing import Any

from krm_fn.assemble import OWNER_ANNOTATION
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
