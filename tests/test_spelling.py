"""krm_fn.spelling: the closest known word, for "did you mean" messages."""

from __future__ import annotations

import pytest

from krm_fn.spelling import closest, did_you_mean, distance


@pytest.mark.parametrize(("a", "b", "d"), [
    ("replicas", "replicas", 0), ("replcias", "replicas", 2), ("replica", "replicas", 1),
    ("modelservice", "ModelService".lower(), 0), ("kitten", "sitting", 3), ("", "ab", 2), ("abcdef", "a", 5),
])
def test_distance_is_levenshtein_capped_above_the_limit(a: str, b: str, d: int) -> None:
    assert distance(a, b) == min(d, 3)
    assert distance(a, b, limit=10) == d


def test_closest_ignores_letter_case_and_prefers_the_nearest() -> None:
    assert closest("Modelservice", ["EPPConfig", "ModelService"]) == "ModelService"
    assert closest("tracing.enable", ["tracing.enabled", "tracing.sampler"]) == "tracing.enabled"
    assert closest("provder", ["provider", "providers"]) == "provider"
    assert closest("xyz", ["provider"]) is None


def test_did_you_mean() -> None:
    assert did_you_mean("replcias", ["replicas", "resources"]) == " (did you mean replicas?)"
    assert did_you_mean("replicas", ["replicas"]) == ""
    assert did_you_mean("zzz", ["replicas"]) == ""
