"""Golden cases: tests/cases/[<release>/]<case>/input.yaml -> expected.yaml (stdout) [+ stderr.txt].

Cases directly under tests/cases are the baseline (operatorVersion v0.9.0-alpha.1); those under
tests/cases/<release>/ select that operator release, and the same case names recur across
releases, so that `diff -r tests/cases/v0.9.1 tests/cases/v0.9.2` shows what a release changes.

Every case runs twice: the second run, on the first run's output, must change nothing.
Every generated object must be valid for Kubernetes 1.35 or its CRD.
Regenerate on purpose with ``UPDATE_GOLDENS=1`` (``make goldens``) and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, generated, run
from tests.support.schemas import assert_valid

CASES_DIR = ROOT / "tests" / "cases"
CASES = sorted(p.parent for p in CASES_DIR.glob("**/input.yaml"))
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        if actual:
            path.write_text(actual)
        elif path.exists():
            path.unlink()
        return
    expected = path.read_text() if path.exists() else ""
    assert actual == expected, f"{path} differs (regenerate with UPDATE_GOLDENS=1 and review)"


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(CASES_DIR)) for c in CASES])
def test_case(case: Path) -> None:
    first = run((case / "input.yaml").read_text())
    _check(case / "expected.yaml", first.stdout)
    _check(case / "stderr.txt", first.stderr)
    is_error_case = case.name.startswith("error-")
    assert first.exit_code == (1 if is_error_case else 0)
    if is_error_case:
        assert first.stderr.count("\n") == 1, "one line on stderr"
        return
    assert_valid(generated(first.stdout))
    second = run(first.stdout)
    assert second.exit_code == 0
    if "pruned" not in first.stdout:
        assert second.stdout == first.stdout, "a second run must change nothing"
    third = run(second.stdout)
    assert third.stdout == second.stdout
