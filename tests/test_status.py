"""ObserveStatus + status write (spec/serving.md §4.3, §4.4, §1.2)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from krm_fn.status import (
    Observation,
    StatusError,
    observe,
    observe_status,
    ready_condition,
)

NOW = "2026-03-21T10:30:00Z"
EARLIER = "2026-03-01T00:00:00Z"

Obj = dict[str, Any]


def ms(
    name: str = "m",
    generation: int | None = 2,
    prefill: object = None,
    status: Obj | None = None,
) -> Obj:
    obj: Obj = {
        "apiVersion": "model.otterscale.io/v1alpha1",
        "kind": "ModelService",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"decode": {"replicas": 1}},
    }
    if generation is not None:
        obj["metadata"]["generation"] = generation
    if prefill is not None:
        obj["spec"]["prefill"] = prefill
    if status is not None:
        obj["status"] = status
    return obj


def dep(replicas: int | None, ready: int | None) -> Obj:
    obj: Obj = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {}, "status": {}}
    if replicas is not None:
        obj["spec"]["replicas"] = replicas
    if ready is not None:
        obj["status"]["readyReplicas"] = ready
    return obj


def ready(status: str, reason: str, message: str, ltt: str = NOW, gen: int = 2) -> Obj:
    return {
        "type": "Ready",
        "status": status,
        "observedGeneration": gen,
        "lastTransitionTime": ltt,
        "reason": reason,
        "message": message,
    }


# ---------------------------------------------------------------- derivation rules

PENDING = ("Pending", "False", "DeploymentNotFound", "Decode Deployment has not been created yet")
STARTING = ("Running", "False", "PodsStarting", "Waiting for serving pods to become ready")


@pytest.mark.parametrize(
    ("decode", "with_prefill", "prefill", "counts", "expected"),
    [
        # rule 1: no decode Deployment
        (None, False, None, (0, 0, 0, 0), PENDING),
        # rule 1 wins even when prefill exists; prefill counters are still reported
        (None, True, dep(1, 1), (0, 0, 1, 1), PENDING),
        # rule 2: nothing ready yet
        (dep(2, 0), False, None, (0, 2, 0, 0), STARTING),
        (dep(2, None), False, None, (0, 2, 0, 0), STARTING),  # readyReplicas absent -> 0
        (dep(2, 0), True, dep(1, 0), (0, 2, 0, 1), STARTING),
        # rule 3: partially ready
        (
            dep(3, 1),
            False,
            None,
            (1, 3, 0, 0),
            ("Running", "False", "PartiallyReady", "1/3 replicas ready"),
        ),
        (
            dep(2, 2),
            True,
            dep(1, 0),
            (2, 2, 0, 1),
            ("Running", "False", "PartiallyReady", "2/3 replicas ready"),
        ),
        (
            dep(2, 0),
            True,
            dep(1, 1),
            (0, 2, 1, 1),
            ("Running", "False", "PartiallyReady", "1/3 replicas ready"),
        ),
        # rule 4: everything ready
        (
            dep(3, 3),
            False,
            None,
            (3, 3, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 3 replicas are ready"),
        ),
        (
            dep(2, 2),
            True,
            dep(1, 1),
            (2, 2, 1, 1),
            ("Ready", "True", "AllReplicasReady", "All 3 replicas are ready"),
        ),
        # surge: ready above desired is still Ready, counted as ready
        (
            dep(2, 3),
            False,
            None,
            (3, 2, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 3 replicas are ready"),
        ),
        (
            dep(2, 3),
            True,
            dep(1, 2),
            (3, 2, 2, 1),
            ("Ready", "True", "AllReplicasReady", "All 5 replicas are ready"),
        ),
        # all zero: Ready
        (
            dep(0, None),
            False,
            None,
            (0, 0, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 0 replicas are ready"),
        ),
        # spec.replicas nil -> 0 desired
        (
            dep(None, None),
            False,
            None,
            (0, 0, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 0 replicas are ready"),
        ),
        (
            dep(None, 1),
            False,
            None,
            (1, 0, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 1 replicas are ready"),
        ),
        # prefill configured but missing: 0/0, does not block Ready
        (
            dep(2, 2),
            True,
            None,
            (2, 2, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 2 replicas are ready"),
        ),
        (
            dep(0, 0),
            True,
            None,
            (0, 0, 0, 0),
            ("Ready", "True", "AllReplicasReady", "All 0 replicas are ready"),
        ),
    ],
)
def test_rules(
    decode: Obj | None,
    with_prefill: bool,
    prefill: Obj | None,
    counts: tuple[int, int, int, int],
    expected: tuple[str, str, str, str],
) -> None:
    deployments = {}
    if decode is not None:
        deployments["m-decode"] = decode
    if prefill is not None:
        deployments["m-prefill"] = prefill
    obs = observe(ms(prefill={"replicas": 1} if with_prefill else None), deployments)
    assert (
        obs.decode_ready,
        obs.decode_replicas,
        obs.prefill_ready,
        obs.prefill_replicas,
    ) == counts
    assert (obs.phase, obs.ready, obs.reason, obs.message) == expected


def test_prefill_deployment_ignored_without_spec_prefill() -> None:
    deployments = {"m-decode": dep(1, 1), "m-prefill": dep(5, 0)}
    obs = observe(ms(), deployments)
    assert obs == Observation(
        "Ready", 1, 1, 0, 0, "True", "AllReplicasReady", "All 1 replicas are ready"
    )


@pytest.mark.parametrize(
    ("prefill", "counted"), [(None, False), ({}, True), ({"replicas": 0}, True)]
)
def test_prefill_presence(prefill: object, counted: bool) -> None:
    obj = ms()
    obj["spec"]["prefill"] = prefill  # `prefill: null` is a nil pointer in Go
    obs = observe(obj, {"m-decode": dep(1, 1), "m-prefill": dep(1, 0)})
    assert obs.prefill_replicas == (1 if counted else 0)
    assert obs.ready == ("False" if counted else "True")


def test_deployments_looked_up_by_name_only() -> None:
    # other Deployments (EPP, other ModelServices) never count
    deployments = {"m-epp": dep(1, 0), "other-decode": dep(4, 0), "m-decode": dep(1, 1)}
    assert observe(ms(), deployments).message == "All 1 replicas are ready"


def test_phase_failed_never_produced() -> None:
    cases = [{}, {"m-decode": dep(1, 0)}, {"m-decode": dep(2, 1)}, {"m-decode": dep(1, 1)}]
    assert {observe(ms(), d).phase for d in cases} == {"Pending", "Running", "Ready"}


# ---------------------------------------------------------------- status object


def test_status_no_deployments_exact() -> None:
    assert observe_status(ms(), {}, NOW) == {
        "observedGeneration": 2,
        "phase": "Pending",
        "conditions": [
            ready("False", "DeploymentNotFound", "Decode Deployment has not been created yet")
        ],
    }


def test_status_full_exact_and_key_order() -> None:
    status = observe_status(
        ms(generation=7, prefill={}), {"m-decode": dep(2, 1), "m-prefill": dep(1, 1)}, NOW
    )
    assert status == {
        "observedGeneration": 7,
        "phase": "Running",
        "decodeReady": 1,
        "decodeReplicas": 2,
        "prefillReady": 1,
        "prefillReplicas": 1,
        "conditions": [ready("False", "PartiallyReady", "2/3 replicas ready", gen=7)],
    }
    # Go struct order, for both the status and the condition
    assert list(status) == [
        "observedGeneration",
        "phase",
        "decodeReady",
        "decodeReplicas",
        "prefillReady",
        "prefillReplicas",
        "conditions",
    ]
    assert list(status["conditions"][0]) == [
        "type",
        "status",
        "observedGeneration",
        "lastTransitionTime",
        "reason",
        "message",
    ]


def test_omitempty_zero_values() -> None:
    status = observe_status(ms(generation=None), {"m-decode": dep(0, None)}, NOW)
    assert status == {
        "phase": "Ready",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "lastTransitionTime": NOW,
                "reason": "AllReplicasReady",
                "message": "All 0 replicas are ready",
            }
        ],
    }


def test_generation_zero_is_omitted() -> None:
    status = observe_status(ms(generation=0), {}, NOW)
    assert "observedGeneration" not in status
    assert "observedGeneration" not in status["conditions"][0]


def test_stale_counters_are_cleared() -> None:
    old = {
        "observedGeneration": 1,
        "phase": "Ready",
        "decodeReady": 2,
        "decodeReplicas": 2,
        "prefillReady": 1,
        "prefillReplicas": 1,
        "conditions": [ready("True", "AllReplicasReady", "All 3 replicas are ready", EARLIER, 1)],
    }
    status = observe_status(ms(status=old), {"m-decode": dep(2, 0)}, NOW)
    assert status == {
        "observedGeneration": 2,
        "phase": "Running",
        "decodeReplicas": 2,
        "conditions": [ready("False", "PodsStarting", "Waiting for serving pods to become ready")],
    }


# ---------------------------------------------------------------- conditions


def test_transition_time_kept_when_status_unchanged() -> None:
    old = {
        "conditions": [
            ready("False", "PodsStarting", "Waiting for serving pods to become ready", EARLIER, 1)
        ]
    }
    status = observe_status(ms(status=old), {"m-decode": dep(3, 1)}, NOW)
    # reason, message and observedGeneration move on; the transition time does not
    assert status["conditions"] == [
        ready("False", "PartiallyReady", "1/3 replicas ready", EARLIER, 2)
    ]


def test_transition_time_is_now_when_status_flips() -> None:
    old = {"conditions": [ready("True", "AllReplicasReady", "All 1 replicas are ready", EARLIER)]}
    status = observe_status(ms(status=old), {"m-decode": dep(1, 0)}, NOW)
    assert status["conditions"] == [
        ready("False", "PodsStarting", "Waiting for serving pods to become ready", NOW)
    ]


def test_transition_time_is_now_for_a_new_condition() -> None:
    old = {"phase": "Running", "conditions": [{"type": "Other", "status": "True"}]}
    status = observe_status(ms(status=old), {"m-decode": dep(1, 1)}, NOW)
    assert ready_condition(status)["lastTransitionTime"] == NOW


def test_unknown_to_true_is_a_flip() -> None:
    old = {"conditions": [ready("Unknown", "Reconciling", "", EARLIER)]}
    status = observe_status(ms(status=old), {"m-decode": dep(1, 1)}, NOW)
    assert ready_condition(status)["lastTransitionTime"] == NOW


def test_reconcile_error_condition_is_replaced() -> None:
    old = {
        "conditions": [
            ready("False", "ReconcileError", "creating Deployment m-decode: boom", EARLIER)
        ]
    }
    status = observe_status(ms(status=old), {"m-decode": dep(1, 0)}, NOW)
    assert status["conditions"] == [
        ready("False", "PodsStarting", "Waiting for serving pods to become ready", EARLIER)
    ]


def test_other_conditions_preserved_and_sorted() -> None:
    zeta = {
        "type": "Zeta",
        "status": "True",
        "lastTransitionTime": EARLIER,
        "reason": "Z",
        "message": "",
    }
    alpha = {
        "type": "Available",
        "status": "False",
        "lastTransitionTime": EARLIER,
        "reason": "A",
        "message": "x",
    }
    old = {
        "conditions": [
            zeta,
            ready("True", "AllReplicasReady", "All 1 replicas are ready", EARLIER),
            alpha,
        ]
    }
    status = observe_status(ms(status=old), {"m-decode": dep(1, 1)}, NOW)
    assert status["conditions"] == [
        alpha,
        ready("True", "AllReplicasReady", "All 1 replicas are ready", EARLIER),
        zeta,
    ]


def test_condition_types_sort_bytewise() -> None:
    old = {"conditions": [{"type": "available"}, {"type": "Zeta"}]}
    status = observe_status(ms(status=old), {}, NOW)
    assert [c["type"] for c in status["conditions"]] == ["Ready", "Zeta", "available"]


def test_default_now_is_rfc3339_utc() -> None:
    status = observe_status(ms(), {})
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", status["conditions"][0]["lastTransitionTime"]
    )


def test_inputs_not_mutated() -> None:
    obj = ms(prefill={}, status={"conditions": [ready("True", "AllReplicasReady", "x", EARLIER)]})
    deployments = {"m-decode": dep(2, 1), "m-prefill": dep(1, 0)}
    before = copy.deepcopy((obj, deployments))
    observe_status(obj, deployments, NOW)
    assert (obj, deployments) == before


def test_ready_condition_absent() -> None:
    assert ready_condition({}) == {}
    assert ready_condition({"conditions": [{"type": "Other"}]}) == {}


# ---------------------------------------------------------------- bad field types


@pytest.mark.parametrize(
    ("deployment", "where"),
    [
        ({"spec": {"replicas": "2"}}, "Deployment m-decode spec.replicas"),
        ({"spec": {"replicas": True}}, "Deployment m-decode spec.replicas"),
        ({"status": {"readyReplicas": 1.5}}, "Deployment m-decode status.readyReplicas"),
    ],
)
def test_bad_types_raise(deployment: Obj, where: str) -> None:
    with pytest.raises(StatusError, match=re.escape(where)):
        observe_status(ms(), {"m-decode": deployment}, NOW)


def test_bad_generation_raises() -> None:
    obj = ms()
    obj["metadata"]["generation"] = "2"
    with pytest.raises(StatusError, match="metadata.generation"):
        observe_status(obj, {}, NOW)
