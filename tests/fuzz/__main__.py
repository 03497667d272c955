"""``python -m tests.fuzz [--seconds N] [--executions N] [--seed N] [--findings DIR] [--replay DIR]``.

Runs the mutation fuzzer (tests/fuzz/engine.py) for the budget, prints a report (executions,
exit codes, findings per check) and saves each distinct finding under ``--findings``. Exit 1
if anything was found. ``--replay DIR`` runs saved findings again.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .engine import fuzz, replay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", "540")))
    parser.add_argument("--executions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "0")))
    parser.add_argument("--findings", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--replay", type=Path, default=None, help="a findings directory to run again")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.replay is not None:
        still = 0
        for path in sorted(p for p in args.replay.iterdir() if (p / "finding.json").exists()):
            problems = replay(path)
            still += bool(problems)
            print(f"{path.name}: {'; '.join(f'{c}: {d}' for c, d in problems) or 'fixed'}")
        return 1 if still else 0

    def progress(report: object) -> None:
        if not args.quiet:
            print(report.text().splitlines()[0], file=sys.stderr, flush=True)  # type: ignore[attr-defined]

    report = fuzz(args.seconds, args.executions, args.seed, args.findings, progress)
    sys.stdout.write(report.text())
    return 1 if sum(report.findings.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
