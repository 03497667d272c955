"""Where the function's time goes: imports, pydantic model building, parse, validate, build, dump.

    python bench/profile.py [--scenario small|large|both] [--runs N] [--out DIR]

Three looks, each in fresh processes of ``python -m krm_fn`` on the bench's inputs (bench/run.py
generates them; this script generates any that are missing):

1. ``-X importtime``: self and cumulative import time of every krm_fn module and of the
   packages each one pulls in, and (small) the modules the function imports that the small
   floor does not (best of the runs: -X importtime measures wall time, which other processes
   on the machine can only inflate);
2. phases: the function is run in-process by a small driver that wraps krm_fn's functions with
   timers (nothing in krm_fn/ is changed): parse, functionConfig, ModelService validation
   (metadata checks, CRD defaulting, CRD schema validation, generated-object checks, pydantic
   model construction from the validated data), building the children, ownership
   annotations, the rest of ``generate``, and writing (passthrough copies and the C emitter);
   all in CPU time (time.process_time), medians over the runs; interpreter start-up, site and
   teardown are the process's CPU time (os rusage) minus the driver's; plus what-ifs, whole
   process CPU time with the garbage collector off, with os._exit after writing, and with
   PYDANTIC_DISABLE_PLUGINS=__all__;
3. cProfile of one run: the functions with the most own time, saved as DIR/profile-SCENARIO.pstats.

Also small reference processes (``python -c pass``, ``import yaml``, the small floor, the floor
plus one BaseModel subclass, ...). Prints a report and writes DIR/profile.json. The run.py measurements are what the targets use;
these numbers explain them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


# --- the parent -------------------------------------------------------------------------

def _env(out_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONPYCACHEPREFIX"] = str(out_dir / "pycache")
    return env


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # sums over reaped children: deltas are exact
    return ru.ru_utime + ru.ru_stime


def _run(argv: list[str], stdin: Path | None, env: dict[str, str]) -> tuple[float, str]:
    """Run a process; returns its CPU time (user + system) and its stderr."""
    with open(stdin or os.devnull, "rb") as inp, open(os.devnull, "wb") as out:
        c0 = _children_cpu()
        p = subprocess.run(argv, stdin=inp, stdout=out, stderr=subprocess.PIPE, env=env, cwd=ROOT, check=False)
        cpu = _children_cpu() - c0
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise SystemExit(f"profile: {' '.join(argv)} failed: {err[-2000:]}")
    return cpu, err


def parse_importtime(text: str) -> list[tuple[int, str, int, int]]:
    """(depth, module, self us, cumulative us) for each line of ``-X importtime`` output."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((depth, name.strip(), int(self_us), int(cum_us)))
    return rows


def import_breakdown(stdin: Path, env: dict[str, str], runs: int) -> dict[str, Any]:
    per_run: list[list[tuple[int, str, int, int]]] = []
    for _ in range(runs + 1):
        _, err = _run([sys.executable, "-X", "importtime", "-m", "krm_fn"], stdin, env)
        per_run.append(parse_importtime(err))
    per_run = per_run[1:]  # the first run fills the bytecode cache
    total = min(sum(r[2] for r in rows) for rows in per_run) / 1000
    # krm_fn modules, and the non-krm_fn modules each of them imports directly
    mods: dict[str, dict[str, list[float]]] = {}
    third: dict[str, dict[str, list[float]]] = {}
    top: dict[str, list[float]] = {}
    for rows in per_run:
        stack: list[str] = []
        for depth, name, self_us, cum_us in reversed(rows):  # parents are printed after children
            del stack[depth:]
            stack.append(name)
            if depth == 0:
                top.setdefault(name, []).append(cum_us / 1000)
            if name.startswith("krm_fn"):
                d = mods.setdefault(name, {"self_ms": [], "cumulative_ms": []})
                d["self_ms"].append(self_us / 1000)
                d["cumulative_ms"].append(cum_us / 1000)
            elif depth > 0 and stack[depth - 1].startswith("krm_fn"):
                d = third.setdefault(f"{stack[depth - 1]} -> {name}", {"cumulative_ms": []})
                d["cumulative_ms"].append(cum_us / 1000)

    def med(d: dict[str, list[float]]) -> dict[str, float]:
        return {k: round(min(v), 2) for k, v in d.items()}

    return {
        "total_import_ms": round(total, 1),
        "top_level_ms": {k: round(min(v), 2) for k, v in top.items() if min(v) >= 1.0},
        "krm_fn_modules": {k: med(v) for k, v in mods.items()},
        "imported_by_krm_fn": {k: med(v) for k, v in sorted(third.items(), key=lambda kv: -min(
            kv[1]["cumulative_ms"])) if min(v["cumulative_ms"]) >= 0.5},
    }


WHAT_IF = {  # label: (driver options, extra environment)
    "as is": ([], {}),
    "--gc-off": (["--gc-off"], {}),
    "--fast-exit": (["--fast-exit"], {}),
    "--gc-off --fast-exit": (["--gc-off", "--fast-exit"], {}),
    "PYDANTIC_DISABLE_PLUGINS=__all__": ([], {"PYDANTIC_DISABLE_PLUGINS": "__all__"}),
}


def _driver_run(stdin: Path, env: dict[str, str], options: list[str], out_dir: Path) -> tuple[float, dict[str, float]]:
    rep_path = out_dir / "phases.tmp"
    cpu, _ = _run([sys.executable, str(BENCH / "_phases.py"), str(rep_path), *options], stdin, env)
    values = {}
    for line in rep_path.read_text().splitlines():
        k, _, v = line.partition("=")
        values[k] = float(v)
    rep_path.unlink()
    return cpu, values


def beyond_floor(stdin: Path, env: dict[str, str], runs: int) -> dict[str, Any]:
    """Modules the function imports that the small floor does not, by self time (best of runs)."""
    def best_self(argv: list[str], inp: Path | None) -> dict[str, float]:
        best: dict[str, float] = {}
        for i in range(runs + 1):
            _, err = _run(argv, inp, env)
            if i:
                for _, name, self_us, _ in parse_importtime(err):
                    best[name] = min(best.get(name, math.inf), self_us / 1000)
        return best

    fn = best_self([sys.executable, "-X", "importtime", "-m", "krm_fn"], stdin)
    floor = best_self([sys.executable, "-X", "importtime", "-c", "import yaml; from pydantic import BaseModel"],
                      None)
    extra = {k: v for k, v in fn.items() if k not in floor}
    groups: dict[str, float] = {}
    for k, v in extra.items():
        g = k.split(".")[0]
        if g == "pydantic" or g == "krm_fn":
            g = ".".join(k.split(".")[:2]) if g == "krm_fn" else g
        groups[g] = groups.get(g, 0.0) + v
    return {"modules": len(extra), "self_ms_total": round(sum(extra.values()), 2),
            "by_package_ms": {k: round(v, 2) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "floor_total_ms": round(sum(floor.values()), 2), "function_total_ms": round(sum(fn.values()), 2)}


def phases(stdin: Path, env: dict[str, str], runs: int, out_dir: Path) -> dict[str, Any]:
    """Median CPU time of each part, and of the whole process under the what-if options."""
    _driver_run(stdin, env, [], out_dir)  # fills the bytecode cache
    variants: dict[str, list[float]] = {label: [] for label in WHAT_IF}
    reports = []
    for _ in range(runs):
        for label, cpus in variants.items():  # interleaved, like bench/run.py
            options, extra = WHAT_IF[label]
            cpu, values = _driver_run(stdin, env | extra, options, out_dir)
            cpus.append(cpu)
            if label == "as is":
                reports.append(values)
    names = sorted({k for r in reports for k in r})
    out: dict[str, float] = {k: statistics.median(r.get(k, 0.0) for r in reports) for k in names
                             if not k.startswith("calls.")}
    out["process_cpu"] = statistics.median(variants["as is"])
    out["startup_and_teardown"] = out["process_cpu"] - out["driver_total"]
    v = out.get("validate", 0.0)
    out["validate.other"] = v - sum(out.get(k, 0.0) for k in names if k.startswith("validate."))
    out["generate.other"] = out.get("generate", 0.0) - v - out.get("build", 0.0) - out.get("own", 0.0)
    out["write.other"] = out.get("write", 0.0) - out.get("write.c_emitter", 0.0) - out.get(
        "write.passthrough_copy", 0.0)
    process_total = out.get("parse", 0.0) + out.get("function_config", 0.0) + out.get("generate", 0.0) + out.get(
        "write", 0.0)
    out["process_resource_list.other"] = (out["driver_total"] - out["import_floor"] - out["import_cli"]
                                          - out["import_fn"]
                                          - out["read_stdin"] - out["write_stdout"] - process_total)
    return {"seconds": {k: round(x, 5) for k, x in out.items()},
            "calls": {k[len("calls."):]: int(v) for k, v in reports[-1].items() if k.startswith("calls.")},
            "what_if_process_cpu_s": {k: round(statistics.median(v), 4) for k, v in variants.items()}}


def cprofile(stdin: Path, env: dict[str, str], out_dir: Path, name: str, top: int) -> dict[str, Any]:
    stats_path = out_dir / f"profile-{name}.pstats"
    # through the phases driver: ``-m krm_fn`` ends with os._exit, before cProfile writes its file
    _run([sys.executable, "-m", "cProfile", "-o", str(stats_path), str(BENCH / "_phases.py"),
          str(out_dir / "phases-cprofile.tmp")], stdin, env)
    (out_dir / "phases-cprofile.tmp").unlink(missing_ok=True)
    st = pstats.Stats(str(stats_path))
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in st.stats.items():  # type: ignore[attr-defined]
        short = file.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append({"function": f"{short}:{line}({func})", "calls": nc, "own_s": tt, "cumulative_s": ct})
    rows.sort(key=lambda r: -r["own_s"])
    return {"total_s": st.total_tt, "top_own": rows[:top], "pstats": str(stats_path)}  # type: ignore[attr-defined]


BASELINES = [
    ("python -c pass", "pass"),
    ("import yaml", "import yaml"),
    ("import yaml; from pydantic import BaseModel (small floor)", "import yaml; from pydantic import BaseModel"),
    ("  + import pydantic.fields (what any model with a field needs)",
     "import yaml; from pydantic import BaseModel; import pydantic.fields"),
    ("  + one deferred BaseModel subclass (no validator)",
     ("import yaml; from pydantic import BaseModel, ConfigDict\nclass A(BaseModel):\n model_config = ConfigDict("
     "defer_build=True)\n x: int = 1")),
    ("  + one BaseModel subclass", "import yaml; from pydantic import BaseModel\nclass A(BaseModel):\n x: int = 1"),
    ("  + from pydantic import Field", "import yaml; from pydantic import BaseModel, Field"),
    ("  + import importlib.resources", "import yaml; from pydantic import BaseModel; import importlib.resources"),
]


def baseline(env: dict[str, str], runs: int) -> dict[str, float]:
    """Small processes for reference: what Python, PyYAML and pydantic cost by themselves."""
    out = {}
    for label, code in BASELINES:
        cpus = []
        for i in range(runs + 1):
            cpu, _ = _run([sys.executable, "-c", code], None, env)
            if i:
                cpus.append(cpu)
        out[label] = round(statistics.median(cpus), 4)
    return out


def render(name: str, r: dict[str, Any]) -> str:
    s = r["phases"]["seconds"]
    lines = [f"== {name}: {r['input']}",
             (f"process CPU time {s['process_cpu'] * 1000:.1f} ms (user + system, median of {r['runs']}; "
              "parts in CPU time, medians)")]

    def ms(key: str, label: str, indent: int = 2) -> None:
        if key in s:
            lines.append(f"{' ' * indent}{label:<48}{s[key] * 1000:9.1f} ms")

    ms("startup_and_teardown", "interpreter start-up, site, teardown")
    ms("import_floor", "import yaml, pydantic.BaseModel (the small floor)")
    ms("import_cli", "import krm_fn.cli")
    ms("import_fn", "import krm_fn.fn and what it imports")
    ms("read_stdin", "read stdin")
    ms("parse", "parse (yamlio.read_documents)")
    ms("function_config", "functionConfig (EPPConfig)")
    ms("generate", "generate")
    ms("validate", "validate ModelServices", 4)
    for k, label in (("validate.metadata", "metadata checks"), ("validate.schema_load", "load CRD schema JSON"),
                     ("validate.crd_defaults", "CRD defaulting"), ("validate.crd_schema", "CRD schema validation"),
                     ("validate.generated_checks", "generated-object checks"),
                     ("validate.typed_model", "typed model from the validated data"), ("validate.other", "other")):
        ms(k, label, 6)
    ms("build", "build children (reconcile_resources)", 4)
    ms("own", "ownership/placement annotations", 4)
    ms("generate.other", "other (indexing, results, clashes)", 4)
    ms("write", "write (_finish)")
    ms("write.passthrough_copy", "passthrough span copies", 4)
    ms("write.c_emitter", "yamlio.dump (C emitter + representers)", 4)
    ms("write.other", "other", 4)
    ms("process_resource_list.other", "rest of process_resource_list")
    ms("write_stdout", "write stdout")
    w = r["phases"]["what_if_process_cpu_s"]
    base = w["as is"]
    lines.append("what if (whole process CPU, median; driver options or environment):")
    for k, v in w.items():
        lines.append(f"  {k:<48}{v * 1000:9.1f} ms  ({(v - base) * 1000:+.1f} ms)")
    imp = r["imports"]
    lines.append(f"imports (-X importtime, wall, best of {r['runs']}: total {imp['total_import_ms']:.1f} ms; "
                 "top level:)")
    for k, v in sorted(imp["top_level_ms"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {k:<48}{v:9.1f} ms")
    lines.append("  krm_fn modules (self / cumulative):")
    for k, v in sorted(imp["krm_fn_modules"].items(), key=lambda kv: -kv[1]["cumulative_ms"]):
        lines.append(f"    {k:<46}{v['self_ms']:7.1f} / {v['cumulative_ms']:7.1f} ms")
    lines.append("  packages first imported by a krm_fn module (cumulative):")
    for k, v in list(imp["imported_by_krm_fn"].items())[:12]:
        lines.append(f"    {k:<46}{v['cumulative_ms']:9.1f} ms")
    bf = r.get("beyond_floor")
    if bf:
        lines.append(f"  imported by the function and not by the small floor: {bf['modules']} modules, "
                     f"{bf['self_ms_total']:.1f} ms self time (floor's imports {bf['floor_total_ms']:.1f} ms):")
        for k, v in list(bf["by_package_ms"].items())[:14]:
            lines.append(f"    {k:<46}{v:9.1f} ms")
    lines.append(f"cProfile, one run ({r['cprofile']['total_s']:.3f} s with profiling), most own time:")
    for row in r["cprofile"]["top_own"][:15]:
        lines.append(f"  {row['own_s'] * 1000:8.1f} ms {row['calls']:>8} calls  {row['function']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=["small", "large", "both"], default="both")
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5; large uses at most 3)")
    ap.add_argument("--out", type=Path, default=BENCH / "out")
    args = ap.parse_args(argv)

    import run as bench_run  # bench/run.py: this script's folder is first on sys.path

    out_dir: Path = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _env(out_dir)
    result: dict[str, Any] = {"machine": bench_run.machine_info(), "baseline_s": baseline(env, args.runs)}
    scenarios = ["small", "large"] if args.scenario == "both" else [args.scenario]
    for name in scenarios:
        n_ms, n_other = bench_run.FULL.small if name == "small" else bench_run.FULL.large
        path = bench_run.input_file(out_dir, n_ms, n_other, everything=(name == "small"))
        runs = args.runs if name == "small" else min(args.runs, 3)
        r = {"input": f"{n_ms} ModelServices + {n_other} items, {path.stat().st_size} bytes", "runs": runs}
        r["imports"] = import_breakdown(path, env, runs)
        if name == "small":
            r["beyond_floor"] = beyond_floor(path, env, runs)
        r["phases"] = phases(path, env, runs, out_dir)
        r["cprofile"] = cprofile(path, env, out_dir, name, 30)
        result[name] = r
        print(render(name, r), flush=True)
        print()
    print("baseline processes (CPU time, median):")
    for k, v in result["baseline_s"].items():
        print(f"  {k:<60}{v * 1000:9.1f} ms")
    with open(out_dir / "profile.json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"\nprofile: {out_dir / 'profile.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
