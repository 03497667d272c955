"""Benchmark of the KRM function as whole processes, against floors run the same way.

    python bench/run.py [--quick] [--runs N] [--warmup N] [--out DIR] [--scaling-floor]
                        [--no-plot] [--strict]

Scenarios (each command is a process of its own, started through bench/wrap.py, which reaps it
with os.wait4: that one process's wall time, CPU time and peak RSS):

- small: 1 ModelService with everything on plus 10 unrelated items, against the floor
  ``python -c "import yaml; from pydantic import BaseModel"`` (the function's bare imports);
- large: 300 ModelServices plus 3,000 unrelated items, against the floor bench/floor.py
  (PyYAML's C loader reads the input, its C dumper writes the function's own output);
- scaling: the large mix (10 unrelated items per ModelService) at 30, 100, 300 and 1,000
  ModelServices: time and peak memory per step (the floor too with --scaling-floor).

Within a scenario the commands run interleaved (A B A B ...) after a warm-up round, and each
figure is the median of the runs. Prints a table of ratios with PASS/FAIL per target, writes
DIR/results.json and DIR/scaling.png (matplotlib, optional extra ``bench``). DIR is bench/out.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import marshal
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import inputs  # bench/inputs.py: this script's folder is first on sys.path
import yaml


def _load_profile() -> Any:
    """bench/profile.py, under a name of its own (``profile`` is also a standard-library module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_profile", Path(__file__).resolve().parent / "profile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_profile = _load_profile()

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

OWNER_ANNOTATION = "fn.model.otterscale.io/owner"
UNRELATED_PER_MS = 10

TARGETS = {  # issue 13
    "small_time": 1.15,     # function / floor, wall time, small scenario
    "small_release_time": 1.15,  # the same with operatorVersion v1.0.1 and llmd v0.10 selected
    "large_time": 0.5,      # function / floor, wall time, large scenario
    "large_memory": 1.2,    # function / floor, peak RSS, large scenario
    "linear_exponent": 1.15,  # k of t = a + b * N**k fitted over the scaling steps (CPU time)
}
RELEASE_SELECTED = "  operatorVersion: v1.0.1\n  llmd: v0.10\n"  # appended to the small input's EPPConfig


@dataclass(frozen=True)
class Plan:
    small: tuple[int, int]  # (ModelServices, unrelated items)
    large: tuple[int, int]
    scaling: tuple[int, ...]  # ModelServices per step, each with UNRELATED_PER_MS items
    runs: int
    warmup: int


FULL = Plan(small=(1, 10), large=(300, 3000), scaling=(30, 100, 300, 1000), runs=5, warmup=1)
QUICK = Plan(small=(1, 10), large=(3, 30), scaling=(1, 2, 3), runs=1, warmup=0)


# --- machine ------------------------------------------------------------------------------

def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    import pydantic

    info: dict[str, Any] = {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "pyyaml": yaml.__version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "pydantic": pydantic.VERSION,
    }
    try:  # read-only look at the work tree, for the record
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True,
                                text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "krm_fn"], check=False, cwd=ROOT,
                               capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            info["commit"] = commit.stdout.strip()
            info["krm_fn_modified"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return info


# --- processes ----------------------------------------------------------------------------

def child_env(out_dir: Path) -> dict[str, str]:
    """The measured processes' environment: this work tree's krm_fn, bytecode cached in DIR/pycache.

    Byte-compiled modules are what an installed function runs; the cache lives under the output
    folder so that nothing is written next to the sources (PYTHONDONTWRITEBYTECODE is dropped).
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONTRACEMALLOC",
                        "PYTHONDONTWRITEBYTECODE", "PYTHONDEVMODE", "PYTHONMALLOC", "PYTHONWARNINGS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONPYCACHEPREFIX"] = str(out_dir / "pycache")
    return env


def run_once(argv: list[str], stdin_path: Path | None, env: dict[str, str],
             stdout_path: str = os.devnull) -> dict[str, Any]:
    """One process, started through bench/wrap.py: its own wall time, CPU time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        report = Path(tmp) / "report"
        with open(Path(tmp) / "stderr", "w+b") as err, open(stdout_path, "wb") as out, \
                open(stdin_path if stdin_path else os.devnull, "rb") as inp:
            wrapper = subprocess.run([sys.executable, "-S", "-E", str(BENCH / "wrap.py"), str(report), *argv],
                                     stdin=inp, stdout=out, stderr=err, cwd=ROOT, env=env, check=False)
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        if wrapper.returncode != 0 or not report.exists():
            raise SystemExit(f"bench: the wrapper failed ({wrapper.returncode}): {stderr[-2000:]}")
        wall, cpu, rss, code = report.read_text().split()
    return {"wall_s": float(wall), "cpu_s": float(cpu), "max_rss_kib": int(rss), "exit_code": int(code),
            "stderr": stderr}


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [s["wall_s"] for s in samples]
    cpus = [s["cpu_s"] for s in samples]
    rss = [s["max_rss_kib"] / 1024 for s in samples]
    return {
        "runs": len(samples),
        "wall_s": {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
                   "samples": [round(w, 4) for w in walls]},
        "cpu_s": {"median": statistics.median(cpus), "samples": [round(c, 4) for c in cpus]},
        "max_rss_mib": {"median": statistics.median(rss), "max": max(rss),
                        "samples": [round(r, 1) for r in rss]},
    }


class Command:
    def __init__(self, label: str, argv: list[str], stdin: Path | None, env: dict[str, str]) -> None:
        self.label, self.argv, self.stdin, self.env = label, argv, stdin, env
        self.samples: list[dict[str, Any]] = []

    def run(self, record: bool) -> None:
        r = run_once(self.argv, self.stdin, self.env)
        if r["exit_code"] != 0:
            raise SystemExit(f"bench: {self.label} exited {r['exit_code']}: {r['stderr'][-2000:]}")
        if record:
            self.samples.append(r)


def interleave(commands: list[Command], runs: int, warmup: int, log: Any) -> None:
    """Warm-up rounds, then ``runs`` rounds of A B A B ...: every command once per round."""
    for _ in range(warmup):
        for c in commands:
            c.run(record=False)
    for r in range(runs):
        for c in commands:
            c.run(record=True)
        log(f"  round {r + 1}/{runs}: " + ", ".join(
            f"{c.label} {c.samples[-1]['wall_s']:.3f}s/{c.samples[-1]['max_rss_kib'] / 1024:.0f}MiB"
            for c in commands))


# --- inputs -------------------------------------------------------------------------------

def input_file(out_dir: Path, n_ms: int, n_other: int, everything: bool = False) -> Path:
    """The generated ResourceList, cached by the generator's source and the arguments."""
    key = hashlib.sha256(Path(inputs.__file__).read_bytes()
                         + f"{n_ms}/{n_other}/{everything}".encode()).hexdigest()[:12]
    stem = f"rl-{n_ms}ms-{n_other}x{'-all' if everything else ''}"
    path = out_dir / "inputs" / f"{stem}-{key}.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{stem}-*"):  # older versions of this input, and their outputs
            m = re.match(re.escape(stem) + r"-([0-9a-f]{12})[.-]", old.name)
            if m and m.group(1) != key:
                old.unlink()
        text = inputs.resource_list_text(n_ms, n_other, everything=everything)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path


def function_argv() -> list[str]:
    return [sys.executable, "-m", "krm_fn"]


def krm_fn_fingerprint() -> str:
    """A hash of the function's sources, so that cached outputs follow edits of krm_fn/."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "krm_fn").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def function_additions(stdin: Path, out_dir: Path, env: dict[str, str], n_items: int) -> tuple[Path, dict[str, Any]]:
    """Run the function once for real and keep what it added to the input, for the large floor.

    The output must hold every input item, in order; the generated objects (those with the owner
    annotation) are stored by the index of the input item they follow, with the results, in a
    marshal file (cached by input and by the function's sources).
    """
    fingerprint = krm_fn_fingerprint()
    stem = f"{stdin.stem}-fn-{fingerprint}"
    added = out_dir / "inputs" / f"{stem}.added.marshal"
    facts_path = added.with_suffix(".json")
    if added.exists() and facts_path.exists():
        return added, json.loads(facts_path.read_text())
    for old in added.parent.glob(f"{stdin.stem}-fn-*"):  # made by an older krm_fn
        if not old.name.startswith(stem):
            old.unlink()
    out_path = out_dir / "inputs" / f"{stem}.out.yaml"
    r = run_once(function_argv(), stdin, env, str(out_path))
    if r["exit_code"] != 0:
        raise SystemExit(f"bench: the function failed on {stdin.name}: {r['stderr'][-2000:]}")
    rl = yaml.load(out_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    children: dict[int, list[Any]] = {}
    index = -1
    for item in rl["items"]:
        ann = (item.get("metadata") or {}).get("annotations") or {}
        if OWNER_ANNOTATION in ann:
            children.setdefault(index, []).append(item)
        else:
            index += 1
    if index + 1 != n_items:
        raise SystemExit(f"bench: the function's output holds {index + 1} input items, expected {n_items}")
    facts = {"output_bytes": out_path.stat().st_size, "output_items": len(rl["items"]),
             "generated_objects": sum(len(v) for v in children.values())}
    tmp = added.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        marshal.dump({"children": children, "results": rl.get("results") or []}, f)
    tmp.replace(added)
    facts_path.write_text(json.dumps(facts))
    out_path.unlink()
    return added, facts


def describe_input(path: Path, n_ms: int, n_other: int) -> dict[str, Any]:
    data = path.read_bytes()
    return {"file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "model_services": n_ms, "other_items": n_other}


# --- analysis -----------------------------------------------------------------------------

SPLIT = (("floor imports", ("import_floor",)), ("krm_fn imports", ("import_cli", "import_fn")), ("parse", ("read_stdin", "parse")),
         ("build", ("function_config", "generate", "process_resource_list.other")),
         ("emit", ("write", "write_stdout")), ("start-up + exit", ("startup_and_teardown",)))


def split(stdin: Path, env: dict[str, str], runs: int, out_dir: Path) -> dict[str, float]:
    """CPU seconds of each part of one process (bench/_phases.py), medians over ``runs``."""
    bench_profile._driver_run(stdin, env, [], out_dir)  # fills the bytecode cache
    reports = []
    for _ in range(runs):
        cpu, values = bench_profile._driver_run(stdin, env, [], out_dir)
        values["startup_and_teardown"] = cpu - values["driver_total"]
        parse = values.get("parse", 0.0) + values.get("function_config", 0.0) + values.get("generate", 0.0) + values.get(
            "write", 0.0)
        values["process_resource_list.other"] = (values["driver_total"] - values["import_floor"] - values["import_cli"]
                                                 - values["import_fn"]
                                                 - values["read_stdin"] - values["write_stdout"] - parse)
        values["process_cpu"] = cpu
        reports.append(values)
    out = {part: statistics.median(sum(r.get(k, 0.0) for k in keys) for r in reports) for part, keys in SPLIT}
    out["process"] = statistics.median(r["process_cpu"] for r in reports)
    return {k: round(v, 5) for k, v in out.items()}


def fit_exponent(ns: list[float], ts: list[float]) -> dict[str, Any]:
    """Least-squares fit of t = a + b * N**k (k on a grid, a and b linear), with marginal slopes."""
    best: tuple[float, float, float, float] | None = None
    for step in range(50, 301):
        k = step / 100
        xs = [n ** k for n in ns]
        mx, mt = statistics.fmean(xs), statistics.fmean(ts)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx == 0:
            continue
        b = sum((x - mx) * (t - mt) for x, t in zip(xs, ts)) / sxx
        a = mt - b * mx
        sse = sum((a + b * x - t) ** 2 for x, t in zip(xs, ts))
        if best is None or sse < best[0]:
            best = (sse, k, a, b)
    slopes = [(ts[i + 1] - ts[i]) / (ns[i + 1] - ns[i]) for i in range(len(ns) - 1)]
    out: dict[str, Any] = {"marginal_per_modelservice": slopes}
    if best is not None:
        out.update({"exponent": best[1], "fixed": best[2], "coefficient": best[3]})
    if len(slopes) >= 2 and slopes[0] > 0:
        out["last_vs_first_marginal"] = slopes[-1] / slopes[0]
    return out


def ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float:
    return float(a[key]["median"] / b[key]["median"])


# --- report -------------------------------------------------------------------------------

def fmt_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _row(label: str, st: dict[str, Any]) -> list[str]:
    fn = st["function"]
    floor = st.get("floor")
    r = st.get("ratios")
    return [label, f"{fn['wall_s']['median']:.3f}s", f"{floor['wall_s']['median']:.3f}s" if floor else "-",
            f"{r['time']:.2f}" if r else "-", f"{r['cpu']:.2f}" if r else "-",
            f"{fn['max_rss_mib']['median']:.0f}MiB", f"{floor['max_rss_mib']['median']:.0f}MiB" if floor else "-",
            f"{r['memory']:.2f}" if r else "-"]


def report(res: dict[str, Any]) -> str:
    m = res["machine"]
    load = res["load_average"]
    head = (f"machine: {m['cpu_model']}, {m['cores']} cores ({m['usable_cores']} usable); "
            f"{m['python_implementation']} {m['python']}; PyYAML {m['pyyaml']} (libyaml {m['libyaml']}), "
            f"pydantic {m['pydantic']}\n"
            f"{res['settings']['runs']} runs ({res['settings']['small_runs']} for the small scenarios) after {res['settings']['warmup']} warm-up round(s), interleaved, "
            f"medians; load average {load['start'][0]:.2f} at start, {load.get('end', [math.nan])[0]:.2f} at end")
    rows = [["scenario", "function", "floor", "time x", "cpu x", "fn RSS", "floor RSS", "RSS x"]]
    for name in ("small", "small_release", "large"):
        s = res["scenarios"][name]
        label = "small, v1.0.1 + v0.10" if name == "small_release" else name
        rows.append(_row(f"{label} ({s['input']['model_services']} MS + {s['input']['other_items']})", s))
    for st in res["scaling"]["steps"]:
        rows.append(_row(f"scaling {st['model_services']} MS + {st['other_items']}", st))
    parts = [head, "", fmt_table(rows), ""]
    lin = res["scaling"]["linearity"]
    def slopes(key: str, unit: float, fmt: str) -> str:
        return ", ".join(format(x * unit, fmt) for x in lin[key]["marginal_per_modelservice"])

    parts.append(f"scaling: fitted y = a + b*N^k: wall k = {lin['time'].get('exponent', math.nan):.2f}, "
                 f"CPU k = {lin['cpu'].get('exponent', math.nan):.2f}, "
                 f"peak RSS k = {lin['memory'].get('exponent', math.nan):.2f}")
    parts.append(f"  per ModelService (+{UNRELATED_PER_MS} items) between steps: wall ms {slopes('time', 1000, '.2f')}; "
                 f"CPU ms {slopes('cpu', 1000, '.2f')}; MiB {slopes('memory', 1, '.3f')}")
    parts.append("")
    trows = [["target", "measured", "limit", "verdict", "in CPU time"]]
    for t in res["targets"]:
        cpu = f"{t['value_cpu']:.2f} {'PASS' if t['pass_cpu'] else 'FAIL'}" if "value_cpu" in t else ""
        trows.append([t["name"], f"{t['value']:.2f}", f"<= {t['limit']:.2f}", "PASS" if t["pass"] else "FAIL", cpu])
    parts.append(fmt_table(trows))
    if "split" in res:
        parts.append("")
        srows = [["CPU ms per process", *(part for part, _ in SPLIT), "total"]]
        for name, sp in res["split"].items():
            srows.append([name, *(f"{sp[part] * 1000:.1f}" for part, _ in SPLIT), f"{sp['process'] * 1000:.1f}"])
        parts.append(fmt_table(srows))
    if "startup_imports" in res:
        si = res["startup_imports"]
        parts.append("")
        parts.append(f"start-up: {si['modules']} modules beyond the small floor, {si['self_ms_total']:.1f} ms of "
                     "import self time (-X importtime, best of the runs), by package:")
        irows = [["package", "ms"]] + [[k, f"{v:.1f}"] for k, v in list(si["by_package_ms"].items())[:12]]
        parts.append(fmt_table(irows))
    if res["wall_over_cpu"] > 1.10:
        parts.append(f"warning: the measured processes waited for the CPU (wall / CPU time {res['wall_over_cpu']:.2f}, "
                     "about 1.0 on an idle machine): other processes competed, so wall times and their ratios "
                     "are noisy; the CPU-time column is steadier")
    return "\n".join(parts)


def plot(res: dict[str, Any], path: Path, log: Any) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("note: matplotlib is not installed (pip install '.[bench]'): no plot written")
        return False
    steps = res["scaling"]["steps"]
    ns = [s["model_services"] for s in steps]
    xlabel = f"ModelServices (+{UNRELATED_PER_MS} unrelated items each)"
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax1.plot(ns, [s["function"]["wall_s"]["median"] for s in steps], "o-", label="function (wall)")
    ax1.plot(ns, [s["function"]["cpu_s"]["median"] for s in steps], "^-", alpha=0.6, label="function (CPU)")
    ax2.plot(ns, [s["function"]["max_rss_mib"]["median"] for s in steps], "o-", label="function")
    floors = [s for s in steps if "floor" in s]
    large = res["scenarios"]["large"]
    if floors:
        fx = [s["model_services"] for s in floors]
        ax1.plot(fx, [s["floor"]["wall_s"]["median"] for s in floors], "s--", label="floor: C load + C dump")
        ax2.plot(fx, [s["floor"]["max_rss_mib"]["median"] for s in floors], "s--", label="floor: C load + C dump")
    else:
        n = large["input"]["model_services"]
        ax1.plot([n], [large["floor"]["wall_s"]["median"]], "s", label="floor (large): C load + C dump")
        ax2.plot([n], [large["floor"]["max_rss_mib"]["median"]], "s", label="floor (large): C load + C dump")
    lin = res["scaling"]["linearity"]["time"]
    if "exponent" in lin:
        grid = [ns[0] + (ns[-1] - ns[0]) * i / 50 for i in range(51)]
        ax1.plot(grid, [lin["fixed"] + lin["coefficient"] * n ** lin["exponent"] for n in grid], ":",
                 color="grey", label=f"fit a + b·N^{lin['exponent']:.2f}")
    ax1.set(xlabel=xlabel, ylabel="seconds (median)", title="time")
    ax2.set(xlabel=xlabel, ylabel="peak RSS (MiB, median)", title="peak memory")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
    m = res["machine"]
    fig.suptitle(f"modelservice-fn scaling: {m['cpu_model']}, {m['cores']} cores, Python {m['python']}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- main ---------------------------------------------------------------------------------

def derive(fn: Command, floor: Command) -> dict[str, Any]:
    st: dict[str, Any] = {"function": summarize(fn.samples), "floor": summarize(floor.samples)}
    st["ratios"] = {"time": ratio(st["function"], st["floor"], "wall_s"),
                    "cpu": ratio(st["function"], st["floor"], "cpu_s"),
                    "memory": ratio(st["function"], st["floor"], "max_rss_mib")}
    return st


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny scenarios, one run, no warm-up (for tests)")
    ap.add_argument("--runs", type=int, help="measured runs per command (default 5, quick 1)")
    ap.add_argument("--warmup", type=int, help="warm-up rounds (default 1, quick 0)")
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="output folder (default bench/out)")
    ap.add_argument("--scaling-floor", action="store_true",
                    help="also run the large floor at every scaling step (about 25 s a run at 1,000)")
    ap.add_argument("--no-plot", action="store_true", help="do not write scaling.png")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = ap.parse_args(argv)

    plan = QUICK if args.quick else FULL
    runs: int = args.runs if args.runs is not None else plan.runs
    warmup: int = args.warmup if args.warmup is not None else plan.warmup
    if runs < 1 or warmup < 0:
        ap.error("--runs must be at least 1 and --warmup at least 0")
    out_dir: Path = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    env = child_env(out_dir)
    # a small run takes a tenth of a second and its ratio moves with every neighbour on a VM:
    # three times the runs (at least 15) keep its median steady at little cost
    small_runs = runs if args.quick else max(3 * runs, 15)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    res: dict[str, Any] = {
        "schema": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {"quick": args.quick, "runs": runs, "small_runs": small_runs, "warmup": warmup,
                     "statistic": "median",
                     "unrelated_per_modelservice": UNRELATED_PER_MS, "scaling_sizes": list(plan.scaling),
                     "scaling_floor": args.scaling_floor,
                     "order": "interleaved A B A B within each scenario, after the warm-up rounds",
                     "function_command": "python -m krm_fn < INPUT > /dev/null",
                     "measure": "each command under bench/wrap.py: wall time and os.wait4 rusage "
                                "(ru_utime + ru_stime, ru_maxrss) of that one process"},
        "targets_limits": TARGETS,
        "load_average": {"start": list(os.getloadavg())},
        "scenarios": {},
    }

    # small: the function against its bare imports
    n_ms, n_other = plan.small
    small_in = input_file(out_dir, n_ms, n_other, everything=True)
    log(f"small: {n_ms} ModelService + {n_other} items ({small_in.stat().st_size} bytes)")
    _, small_facts = function_additions(small_in, out_dir, env, n_ms + n_other)
    fn = Command("function", function_argv(), small_in, env)
    floor = Command("floor", [sys.executable, "-c", "import yaml; from pydantic import BaseModel"], None, env)
    interleave([fn, floor], small_runs, warmup, log)
    res["scenarios"]["small"] = {"input": describe_input(small_in, n_ms, n_other) | small_facts,
                                 "floor_command": 'python -c "import yaml; from pydantic import BaseModel"',
                                 **derive(fn, floor)}

    # small with the newest operator release and llm-d generation selected: the data of a release
    # is read only when it is chosen, so this should cost what the baseline does
    release_in = out_dir / "inputs" / f"small-release-{small_in.name}"
    release_in.write_text(small_in.read_text() + RELEASE_SELECTED)
    _, release_facts = function_additions(release_in, out_dir, env, n_ms + n_other)
    fn_r = Command("function", function_argv(), release_in, env)
    floor_r = Command("floor", [sys.executable, "-c", "import yaml; from pydantic import BaseModel"], None, env)
    log("small, release selected: operatorVersion v1.0.1, llmd v0.10")
    interleave([fn_r, floor_r], small_runs, warmup, log)
    res["scenarios"]["small_release"] = {"input": describe_input(release_in, n_ms, n_other) | release_facts | {
        "function_config": RELEASE_SELECTED.strip().replace("\n  ", ", ")},
        "floor_command": 'python -c "import yaml; from pydantic import BaseModel"', **derive(fn_r, floor_r)}

    # large, and the scaling steps (the step of the large size is the large scenario, measured once)
    large_ms, large_other = plan.large
    steps: dict[int, dict[str, Any]] = {}
    for n in sorted(set(plan.scaling) | {large_ms}):
        is_large = n == large_ms
        n_other = large_other if is_large else n * UNRELATED_PER_MS
        path = input_file(out_dir, n, n_other)
        st: dict[str, Any] = {"model_services": n, "other_items": n_other}
        commands = [Command("function", function_argv(), path, env)]
        facts: dict[str, Any] = {}
        if is_large or args.scaling_floor:
            added, facts = function_additions(path, out_dir, env, n + n_other)
            commands.append(Command("floor", [sys.executable, str(BENCH / "floor.py"), str(added)], path, env))
        log(f"{'large' if is_large else 'scaling'}: {n} ModelServices + {n_other} items "
            f"({path.stat().st_size} bytes)")
        interleave(commands, runs, warmup, log)
        st["input"] = describe_input(path, n, n_other) | facts
        if len(commands) == 2:
            floor = commands[1]
            marshal_s = [float(x.split("=", 1)[1]) for smp in floor.samples for x in smp["stderr"].split()
                         if x.startswith("marshal_s=")]
            st["floor_command"] = "python bench/floor.py ADDED.marshal < INPUT > /dev/null"
            st["floor_marshal_load_s"] = statistics.median(marshal_s) if marshal_s else None
            st.update(derive(commands[0], floor))
        else:
            st["function"] = summarize(commands[0].samples)
        steps[n] = st
    large = steps[large_ms]
    res["scenarios"]["large"] = {k: v for k, v in large.items() if k not in ("model_services", "other_items")}
    scale_steps = [steps[n] for n in plan.scaling]
    ns = [float(n) for n in plan.scaling]
    res["scaling"] = {
        "steps": scale_steps,
        "linearity": {
            "time": fit_exponent(ns, [st["function"]["wall_s"]["median"] for st in scale_steps]),
            "cpu": fit_exponent(ns, [st["function"]["cpu_s"]["median"] for st in scale_steps]),
            "memory": fit_exponent(ns, [st["function"]["max_rss_mib"]["median"] for st in scale_steps]),
        },
    }

    # where the time goes, per scenario: the phases of one process (CPU time, medians), and the
    # imports the function adds to the small floor
    split_runs = min(runs, 3)
    log(f"split: import / parse / build / emit, {split_runs} run(s) per scenario")
    res["split"] = {name: split(path, env, split_runs, out_dir) for name, path in
                    (("small", small_in), ("large", input_file(out_dir, large_ms, large_other)))}
    log("start-up: imports beyond the small floor (-X importtime)")
    res["startup_imports"] = bench_profile.beyond_floor(small_in, env, split_runs)

    # CPU time (user + system) grows like wall time but is not inflated by other processes
    # on the machine, which a fit over four points would take for curvature
    lin = res["scaling"]["linearity"]["cpu"]
    small = res["scenarios"]["small"]
    checks: list[tuple[str, str, float, float | None]] = [  # id, name, value, the same in CPU time
        ("small_time", "small: time / floor", small["ratios"]["time"], small["ratios"]["cpu"]),
        ("small_release_time", "small, v1.0.1 + llm-d v0.10: time / floor",
         res["scenarios"]["small_release"]["ratios"]["time"], res["scenarios"]["small_release"]["ratios"]["cpu"]),
        ("large_time", "large: time / floor", large["ratios"]["time"], large["ratios"]["cpu"]),
        ("large_memory", "large: peak RSS / floor", large["ratios"]["memory"], None),
        ("linear_exponent", "scaling: fitted exponent k (CPU)", lin.get("exponent", math.nan), None),
    ]
    res["targets"] = []
    for i, name, v, v_cpu in checks:
        t: dict[str, Any] = {"id": i, "name": name, "value": v, "limit": TARGETS[i], "pass": bool(v <= TARGETS[i])}
        if v_cpu is not None:  # wall time decides; CPU time is shown beside it, as a check on noise
            t.update({"value_cpu": v_cpu, "pass_cpu": bool(v_cpu <= TARGETS[i])})
        res["targets"].append(t)
    # a single-threaded, CPU-bound process waits for nothing but the CPU: wall time over CPU time
    # is near 1 on an idle machine, and above when other processes took turns
    samples = [smp for st in [small, res["scenarios"]["small_release"], *steps.values()]
               for who in ("function", "floor") if who in st
               for smp in zip(st[who]["wall_s"]["samples"], st[who]["cpu_s"]["samples"])]
    res["wall_over_cpu"] = statistics.median(w / c for w, c in samples if c > 0)
    res["passed"] = all(t["pass"] for t in res["targets"])
    res["load_average"]["end"] = list(os.getloadavg())
    res["elapsed_s"] = round(time.perf_counter() - started, 1)

    print(report(res))
    plot_path = out_dir / "scaling.png"
    if not args.no_plot and plot(res, plot_path, log):
        res["plot"] = str(plot_path)
        print(f"\nplot: {plot_path}")
    with open(out_dir / "results.json", "w", encoding="utf-8") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    print(f"results: {out_dir / 'results.json'} ({res['elapsed_s']:.0f}s)")
    return 1 if args.strict and not res["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
