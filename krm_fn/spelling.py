"""Spelling help for messages: the known word closest to a misspelled one."""

from __future__ import annotations

from collections.abc import Iterable

MAX_DISTANCE = 2


def distance(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest(word: str, candidates: Iterable[str], limit: int = MAX_DISTANCE) -> str | None:
    """The candidate nearest to ``word`` (letter case ignored) within ``limit`` edits, or None."""
    best: tuple[int, str] | None = None
    for c in candidates:
        d = distance(word.lower(), c.lower(), limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, c)
    return best[1] if best else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest candidate, or ""."""
    match = closest(word, candidates)
    return f" (did you mean {match}?)" if match is not None and match != word else ""
