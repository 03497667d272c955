"""ModelService status as the model-operator derives it (spec/serving.md §4.3, §4.4).

Pure functions over plain dicts (objects as read from YAML or the API server).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

CONDITION_READY = "Ready"

PHASE_PENDING = "Pending"
PHASE_RUNNING = "Running"
PHASE_READY = "Ready"


class StatusError(ValueError):
    """An object field has a type the operator could not have read."""


@dataclass(frozen=True)
class Observation:
    """What ObserveStatus derives from the decode and prefill Deployments."""

    phase: str
    decode_ready: int
    decode_replicas: int
    prefill_ready: int
    prefill_replicas: int
    ready: str  # "True" or "False"
    reason: str
    message: str


def decode_name(name: str) -> str:
    return name + "-decode"


def prefill_name(name: str) -> str:
    return name + "-prefill"


def has_prefill(ms: Mapping[str, Any]) -> bool:
    """`spec.prefill` set (a nil pointer in Go when absent or null)."""
    spec = ms.get("spec")
    return isinstance(spec, Mapping) and spec.get("prefill") is not None


def _mapping(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


def _int(value: object, where: str) -> int:
    """An optional integer field: absent/null is 0, anything but an int is an error."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise StatusError(f"{where}: expected an integer, got {value!r}")
    return value


def _deployment_counts(dep: Mapping[str, Any], where: str) -> tuple[int, int]:
    """(desired, ready): spec.replicas (nil -> 0) and status.readyReplicas."""
    desired = _int(_mapping(dep, "spec").get("replicas"), f"{where} spec.replicas")
    ready = _int(_mapping(dep, "status").get("readyReplicas"), f"{where} status.readyReplicas")
    return desired, ready


def observe(ms: Mapping[str, Any], deployments: Mapping[str, Mapping[str, Any]]) -> Observation:
    """Derive phase, counters and the Ready condition; `deployments` is keyed by name
    and holds the Deployments of the ModelService's namespace."""
    name = str(_mapping(ms, "metadata").get("name") or "")
    decode = deployments.get(decode_name(name))
    decode_replicas = decode_ready = prefill_replicas = prefill_ready = 0
    if decode is not None:
        decode_replicas, decode_ready = _deployment_counts(
            decode, f"Deployment {decode_name(name)}"
        )
    if has_prefill(ms):
        prefill = deployments.get(prefill_name(name))
        if prefill is not None:
            prefill_replicas, prefill_ready = _deployment_counts(
                prefill, f"Deployment {prefill_name(name)}"
            )

    total_desired = decode_replicas + prefill_replicas
    total_ready = decode_ready + prefill_ready
    if decode is None:
        phase, ready, reason = PHASE_PENDING, "False", "DeploymentNotFound"
        message = "Decode Deployment has not been created yet"
    elif total_ready == 0 and total_desired > 0:
        phase, ready, reason = PHASE_RUNNING, "False", "PodsStarting"
        message = "Waiting for serving pods to become ready"
    elif total_ready < total_desired:
        phase, ready, reason = PHASE_RUNNING, "False", "PartiallyReady"
        message = f"{total_ready}/{total_desired} replicas ready"
    else:
        phase, ready, reason = PHASE_READY, "True", "AllReplicasReady"
        message = f"All {total_ready} replicas are ready"
    return Observation(
        phase=phase,
        decode_ready=decode_ready,
        decode_replicas=decode_replicas,
        prefill_ready=prefill_ready,
        prefill_replicas=prefill_replicas,
        ready=ready,
        reason=reason,
        message=message,
    )


def utc_now() -> str:
    """metav1.Time serialisation: RFC 3339, UTC, whole seconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _upsert_ready(conditions: list[Any], obs: Observation, generation: int, now: str) -> list[Any]:
    """meta.SetStatusCondition for type Ready, then sort by type."""
    cond: dict[str, Any] = {"type": CONDITION_READY, "status": obs.ready}
    if generation:
        cond["observedGeneration"] = generation
    old = next(
        (c for c in conditions if isinstance(c, Mapping) and c.get("type") == CONDITION_READY),
        None,
    )
    if old is not None and old.get("status") == obs.ready and old.get("lastTransitionTime"):
        cond["lastTransitionTime"] = old["lastTransitionTime"]  # no flip: keep the time
    else:
        cond["lastTransitionTime"] = now
    cond["reason"] = obs.reason
    cond["message"] = obs.message
    others = [c for c in conditions if c is not old]
    return sorted([*others, cond], key=_condition_type)


def _condition_type(cond: Any) -> str:
    return str(cond.get("type") or "") if isinstance(cond, Mapping) else ""


def status_from(ms: Mapping[str, Any], obs: Observation, now: str | None = None) -> dict[str, Any]:
    """The `.status` the operator writes for `obs` (Go struct order, omitempty)."""
    generation = _int(_mapping(ms, "metadata").get("generation"), "metadata.generation")
    old_conditions = _mapping(ms, "status").get("conditions")
    conditions = list(old_conditions) if isinstance(old_conditions, list) else []
    status: dict[str, Any] = {}
    fields: list[tuple[str, object]] = [
        ("observedGeneration", generation),
        ("phase", obs.phase),
        ("decodeReady", obs.decode_ready),
        ("decodeReplicas", obs.decode_replicas),
        ("prefillReady", obs.prefill_ready),
        ("prefillReplicas", obs.prefill_replicas),
    ]
    for key, value in fields:
        if value:  # omitempty: 0 and "" are dropped
            status[key] = value
    status["conditions"] = _upsert_ready(conditions, obs, generation, now or utc_now())
    return status


def observe_status(
    ms: Mapping[str, Any],
    deployments: Mapping[str, Mapping[str, Any]],
    now: str | None = None,
) -> dict[str, Any]:
    """The `.status` the operator would write for `ms` given the Deployments of its
    namespace, keyed by name. `now` (RFC 3339) stamps a Ready condition whose status
    flips or is new; it defaults to the current time."""
    return status_from(ms, observe(ms, deployments), now)


def ready_condition(status: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Ready condition of a status ({} when absent)."""
    conditions = status.get("conditions")
    for cond in conditions if isinstance(conditions, list) else []:
        if isinstance(cond, Mapping) and cond.get("type") == CONDITION_READY:
            return cond
    return {}
