"""The benchmark harness runs on its tiny scenario and writes its results (no timing is checked)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

STATS_KEYS = {"runs", "wall_s", "cpu_s", "max_rss_mib"}
TARGET_IDS = {"small_time", "small_release_time", "large_time", "large_memory", "linear_exponent"}


def _check_stats(stats: dict[str, Any]) -> None:
    assert STATS_KEYS <= stats.keys()
    for key in ("wall_s", "cpu_s", "max_rss_mib"):
        assert {"median", "samples"} <= stats[key].keys()
        assert len(stats[key]["samples"]) == stats["runs"] >= 1


def test_quick_bench_writes_results_json(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout or "FAIL" in proc.stdout

    res = json.loads((tmp_path / "results.json").read_text())
    assert {"schema", "created", "machine", "settings", "targets_limits", "load_average", "scenarios",
            "scaling", "targets", "passed", "elapsed_s"} <= res.keys()
    assert {"cpu_model", "cores", "python", "pyyaml", "pydantic"} <= res["machine"].keys()
    assert res["settings"]["quick"] is True

    assert res["scenarios"]["small_release"]["input"]["function_config"] == "operatorVersion: v1.0.1, llmd: v0.10"
    for name in ("small", "small_release", "large"):
        scenario = res["scenarios"][name]
        assert {"input", "function", "floor", "floor_command", "ratios"} <= scenario.keys()
        assert {"bytes", "sha256", "model_services", "other_items", "generated_objects"} <= scenario["input"].keys()
        assert scenario["input"]["generated_objects"] > 0
        assert {"time", "cpu", "memory"} <= scenario["ratios"].keys()
        _check_stats(scenario["function"])
        _check_stats(scenario["floor"])

    steps = res["scaling"]["steps"]
    assert [s["model_services"] for s in steps] == res["settings"]["scaling_sizes"]
    for step in steps:
        assert {"model_services", "other_items", "input", "function"} <= step.keys()
        _check_stats(step["function"])
    assert {"time", "cpu", "memory"} <= res["scaling"]["linearity"].keys()
    assert "exponent" in res["scaling"]["linearity"]["cpu"]

    for name in ("small", "large"):  # the import / parse / build / emit split, CPU seconds
        split = res["split"][name]
        assert list(split) == ["floor imports", "krm_fn imports", "parse", "build", "emit", "start-up + exit",
                               "process"]
        assert all(v >= 0 for k, v in split.items() if k != "start-up + exit") and split["krm_fn imports"] > 0
        assert split["process"] >= split["floor imports"] + split["krm_fn imports"] + split["parse"] + split["build"]
    imports = res["startup_imports"]
    assert imports["modules"] > 0 and "krm_fn.model" in imports["by_package_ms"]
    assert "CPU ms per process" in proc.stdout and "start-up:" in proc.stdout

    assert {t["id"] for t in res["targets"]} == TARGET_IDS
    for target in res["targets"]:
        assert {"name", "value", "limit", "pass"} <= target.keys()
        assert isinstance(target["pass"], bool)
    assert res["passed"] == all(t["pass"] for t in res["targets"])

    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "scaling.png").stat().st_size > 0
    else:
        assert "matplotlib is not installed" in proc.stderr
