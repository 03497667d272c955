"""The fuzzer, bounded (``FUZZ_SECONDS``, 30 s by default), and the checks it relies on.

``make fuzz`` runs it for long; every finding becomes a case in ``tests/hostile/`` (or a test of
its mode) before it is fixed.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from tests.fuzz import engine

MS = ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata:\n  name: llm\n  namespace: ml\n"
      "spec:\n  model: {name: m, image: 'reg/m:1'}\n  engine: {}\n  accelerator: {type: cpu}\n  decode: {}\n")
RL = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
      "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep  # comment\n  data:\n    a: on\n")


def test_a_bounded_run_finds_nothing(tmp_path: Path) -> None:
    seconds = float(os.environ.get("FUZZ_SECONDS", "30"))
    report = engine.fuzz(seconds, seed=int(os.environ.get("FUZZ_SEED", "0")), findings=tmp_path)
    print(report.text())
    assert report.executions > 0 and set(report.by_mode) == set(engine.MODES)
    assert not sum(report.findings.values()), report.text()


def test_every_mode_runs_the_real_command_line(tmp_path: Path) -> None:
    config = b"apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\n"
    for case in (engine.Case("krm", RL.encode()), engine.Case("legacy", MS.encode(), config),
                 engine.Case("render", b"", None, (("pkg/ms.yaml", MS.encode()),)),
                 engine.Case("status", MS.encode())):
        runs, why = engine.run_in_child(case, tmp_path)
        assert runs is not None, why
        assert runs[0][0] == 0 and engine.check(case, runs) == [], (case.mode, runs[0])
    krm = engine.run_in_child(engine.Case("krm", RL.encode()), tmp_path)[0]
    assert krm is not None and len(krm) == 3 and krm[2] == krm[0]  # f(f(x)) ran


def test_the_checks_see_each_broken_promise() -> None:
    case = engine.Case("krm", RL.encode())
    good = (0, RL.encode(), b"")
    assert engine.check(case, [good, good]) == []

    def names(*runs: tuple[int, bytes, bytes]) -> list[str]:
        return [c for c, _ in engine.check(case, list(runs))]

    tb = b"Traceback (most recent call last):\n  File \"x\"\nValueError: boom\n"
    assert names((2, RL.encode(), b"modelservice-fn: usage\n"), good) == ["exit", "deterministic"]
    assert names((1, b"", tb), (1, b"", tb)) == ["traceback", "stderr"]
    assert names((0, b"a: [\n", b""), (0, b"a: [\n", b"")) == ["parse"]
    assert names((0, b"a: &x 1\nb: &x 2\n", b""), (0, b"a: &x 1\nb: &x 2\n", b"")) == ["parse"]  # PyYAML refuses
    lost = RL.replace("# comment", "").encode()
    assert names((0, lost, b""), (0, lost, b"")) == ["bytes"]
    emptied = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
    assert names((1, emptied, b"modelservice-fn: 1 error: x\n"), (1, emptied, b"modelservice-fn: 1 error: x\n")) == [
        "keep", "bytes"]
    assert names(good, good, (0, RL.encode() + b"# more\n", b"")) == ["idempotent"]
    assert names((0, RL.encode(), b"modelservice-fn: warning\n"), (0, RL.encode(), b"modelservice-fn: warning\n")) == [
        "stderr"]
    legacy = engine.Case("legacy", MS.encode(), b"")
    warned = (0, MS.encode(), b"modelservice-fn: warning: x\nmodelservice-fn: note: y\n")
    assert engine.check(legacy, [warned, warned]) == []
    chatty = (0, MS.encode(), b"modelservice-fn: warning: x\nsomething else\n")
    assert [c for c, _ in engine.check(legacy, [chatty, chatty])] == ["stderr"]


def test_a_crash_and_the_limits_are_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_invoke", lambda argv, stdin: os.kill(os.getpid(), signal.SIGKILL))
    runs, why = engine.run_in_child(engine.Case("krm", RL.encode()), tmp_path)
    assert runs is None and why == "killed by SIGKILL"
    monkeypatch.setattr(engine, "WALL_SECONDS", 1)
    monkeypatch.setattr(engine, "_invoke", lambda argv, stdin: time.sleep(30))
    runs, why = engine.run_in_child(engine.Case("krm", RL.encode()), tmp_path)
    assert runs is None and why == "still running after 1 s (killed)"
    monkeypatch.setattr(engine, "CPU_SECONDS", 1)
    monkeypatch.setattr(engine, "WALL_SECONDS", 30)
    monkeypatch.setattr(engine, "_invoke", lambda argv, stdin: sum(range(10**10)))
    runs, why = engine.run_in_child(engine.Case("krm", RL.encode()), tmp_path)
    assert runs is None and why == "killed by the CPU-time limit"


def test_mutations_are_reproducible_and_stay_bytes() -> None:
    seeds = engine.load_seeds()
    assert seeds.lists and seeds.streams and seeds.configs

    def first(seed: int) -> list[engine.Case]:
        gen = engine.cases(seeds, random.Random(seed))
        return [next(gen) for _ in range(40)]

    assert first(7) == first(7) and first(7) != first(8)
    assert [c.mode for c in first(7)[:4]] == list(engine.MODES)
    assert all(isinstance(c.stdin, bytes) for c in first(7))
