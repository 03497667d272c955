"""Mutation testing of krm_fn: how many mutants of each module its own tests kill.

    python -m tests.mutation [--module cli ...] [--sample N] [--seed S] [--jobs J] [--survivors]

For each module ``krm_fn/<name>.py`` the tests are the mirror file ``tests/test_<name>.py`` (if
there is one) plus the fixed end-to-end set ``FIXED``. A module server (a forked process) imports
the code and collects those tests once, tracing which lines of the module run at import. A
baseline run of the tests, traced, records which test executes which line. Then every mutant
(``mutants.py``), or a seeded sample of N per module, runs in a child forked from the server:

- a mutant on a line that neither the import nor any test executes survives without a run
  ("not covered");
- a mutant inside a function swaps that function's code object in the loaded module; the tests
  that executed its lines run, the first failure stops the run;
- a mutant on a line that runs at import (module constants, class bodies, defaults) re-imports
  every krm_fn module, the mutated one from the mutant, and points the names the test modules
  imported from krm_fn at the new objects; every selected test runs. A test that fails this way
  even without a mutant (checked once per module) cannot be trusted here: a mutant that only it
  could kill runs in a fresh pytest process instead;
- a failing or erroring run kills the mutant, a passing run lets it survive; a run slower than
  ``--timeout-factor`` times what its tests took in the traced baseline (at least 10 s) kills it
  ("timeout"), as does a child that dies without reporting (a crash, the memory limit of 4 GiB).

Tests that run the program in a subprocess see the original code, not the mutant: only
in-process tests can kill mutants. The score of a module is killed / (killed + survived); the
overall score weighs each module's score by its number of mutants.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.abc
import importlib.util
import itertools
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .mutants import Mutant, list_mutants, mutated_code

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "krm_fn"
FIXED = ("tests/test_cases.py", "tests/test_fidelity.py")
# A module whose tests are split over more files than its mirror: the files, and why.
EXTRA_TESTS = {
    "krm_fn/status_cli.py": ("tests/test_status_cluster.py",),  # --cluster, against a fake API server
    "krm_fn/views.py": ("tests/test_render.py",),  # render --summary and --diff
}
SKIPPED_MODULES = ("__main__.py",)  # runs only as ``python -m krm_fn``, in a subprocess
MEMORY_LIMIT = 4 << 30
MIN_TIMEOUT = 10.0
MIN_TEST_BUDGET = 3.0  # seconds a single test may take at least, under a mutant
IMPORT = "<import>"  # lines run while the module is imported and the tests collected
# imported once in the parent, so that each forked process starts with them loaded
PRELOAD = ("pytest", "_pytest.python", "_pytest.capture", "hypothesis", "hypothesis.strategies", "yaml",
           "pydantic", "jsonschema", "referencing", "cel", "kubernetes_validate", "tests.support.schemas")
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "-o", "addopts=", "--no-header", "-W", "ignore", "--capture=sys")


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | timeout | survived | uncovered
    detail: str = ""
    seconds: float = 0.0
    killer: str = ""

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout")


@dataclass
class Baseline:
    lines: dict[str, set[int]]  # test id (or IMPORT) -> lines of the module it executed
    order: list[str]  # test ids in run order
    files: dict[str, str] = field(default_factory=dict)  # test id -> its file
    seconds: float = 0.0


def module_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / PACKAGE).rglob("*.py") if p.name not in SKIPPED_MODULES)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def mirror_tests(path: Path, root: Path = ROOT) -> list[str]:
    """``krm_fn/a/b.py`` -> ``tests/a/test_b.py`` (if it exists), and its ``EXTRA_TESTS``."""
    rel = path.relative_to(root / PACKAGE)
    stem = "init" if rel.stem == "__init__" else rel.stem
    candidate = root / "tests" / rel.parent / f"test_{stem}.py"
    extra = [t for t in EXTRA_TESTS.get(str(path.relative_to(root)), ()) if (root / t).exists()]
    return ([str(candidate.relative_to(root))] if candidate.exists() else []) + extra


def resolve_modules(names: Sequence[str], root: Path = ROOT) -> list[Path]:
    files = module_files(root)
    if not names:
        return files
    out = []
    for name in names:
        key = name.removesuffix(".py").replace("/", ".").removeprefix(f"{PACKAGE}.")
        key = PACKAGE if key == "__init__" else key
        match = [p for p in files if module_name(p, root) in (f"{PACKAGE}.{key}", key)]
        if not match:
            raise SystemExit(f"no module {name!r} under {PACKAGE}/ (have: "
                             f"{', '.join(module_name(p, root) for p in files)})")
        out += match
    return out


def sample(mutants: list[Mutant], n: int | None, seed: int) -> list[Mutant]:
    if n is None or n >= len(mutants):
        return mutants
    return sorted(random.Random(seed).sample(mutants, n), key=lambda m: m.index)


# --- processes ---------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Linux: the kernel kills this child when the process that forked it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _isolate(log: str) -> None:
    """In a fresh child: own process group, memory limit, no stdin, output to ``log``."""
    _die_with_parent()
    os.setpgid(0, 0)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def _sandbox(scratch: str) -> None:
    home = os.path.join(scratch, "home")
    os.makedirs(os.path.join(home, "cwd"))
    for key in ("KUSTOMIZE_PLUGIN_HOME", "XDG_CONFIG_HOME"):
        os.environ.pop(key, None)
    os.environ["HOME"] = home
    os.chdir(os.path.join(home, "cwd"))


def _finish(report: str, data: dict[str, Any] | None) -> None:
    """Write ``data`` to ``report`` and end the process at once (no cleanup, no atexit)."""
    try:
        if data is not None:
            with open(report + ".tmp", "w") as f:
                json.dump(data, f)
            os.replace(report + ".tmp", report)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


_SERIAL = itertools.count(1)  # names the children's files; with the pid, unique across processes


@dataclass
class _Job:
    pid: int
    key: Any
    report: str
    started: float
    deadline: float
    scratch: str = ""


class _Pool:
    """At most ``jobs`` forked children at a time, each killed at its deadline."""

    def __init__(self, jobs: int, workdir: str) -> None:
        self.jobs, self.workdir = jobs, workdir
        self.running: list[_Job] = []

    def spawn(self, key: Any, body: Callable[[str, str], None], timeout: float, sandbox: bool = True) -> _Job:
        """Fork a child that runs ``body(report, scratch)`` with its output in a log file.

        In a sandbox the child's working directory and home are in its scratch directory, so a
        mutant that writes where it should not (a plugin installed into ``./b`` or ``~/.config``)
        writes there.
        """
        base = os.path.join(self.workdir, f"{os.getpid()}-{next(_SERIAL)}")
        report, scratch = base + ".json", base + ".d"
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            data: dict[str, Any] | None = None
            try:
                _isolate(base + ".log")
                os.mkdir(scratch)
                if sandbox:
                    _sandbox(scratch)
                body(report, scratch)
            except BaseException:  # noqa: BLE001  the tool's own failure, not a mutant's: the parent stops
                data = {"infra": traceback.format_exc()}
            finally:
                _finish(report, data)
        now = time.monotonic()
        job = _Job(pid, key, report, now, now + timeout, scratch)
        self.running.append(job)
        return job

    def wait_any(self) -> Iterator[tuple[_Job, dict[str, Any] | None, str]]:
        """Yield finished jobs: (job, its report or None, "done" | "timeout" | "died:<signal>")."""
        while True:
            for job in list(self.running):
                done, status = os.waitpid(job.pid, os.WNOHANG)
                if not done and time.monotonic() <= job.deadline:
                    continue
                self.running.remove(job)
                how = "done"
                if not done:
                    _kill(job.pid)
                    how = "timeout"
                elif os.WIFSIGNALED(status):
                    how = f"died:{os.WTERMSIG(status)}"
                data = _read(job.report)
                for leftover in (job.report, job.report[:-5] + ".log"):
                    if os.path.exists(leftover):
                        os.unlink(leftover)
                shutil.rmtree(job.scratch, ignore_errors=True)
                yield job, data, how
                return
            time.sleep(0.01)


def _kill(pid: int) -> None:
    """Kill a child we forked and whatever it started in its process group."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path) as f:
            data: dict[str, Any] = json.load(f)
            return data
    except (OSError, ValueError):
        return None


# --- tracing ---------------------------------------------------------------------------

class _LineTracer:
    """Records the lines of one file executed, by the test that is running."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.current = IMPORT
        self.lines: dict[str, set[int]] = {}

    def _local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines.setdefault(self.current, set()).add(frame.f_lineno)
        return self._local

    def _global(self, frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == self.path:
            self.lines.setdefault(self.current, set()).add(frame.f_lineno)
            return self._local
        return None

    def start(self) -> None:
        sys.settrace(self._global)
        threading.settrace(self._global)

    def stop(self) -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]


def _hypothesis_profile() -> None:
    from hypothesis import Phase, settings

    settings.register_profile("mutation", database=None, derandomize=True, deadline=None,
                              phases=[p for p in Phase if p is not Phase.explain], print_blob=False)
    settings.load_profile("mutation")


# --- swapping a function's code in a loaded module ----------------------------------------

def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _shallow(code: types.CodeType) -> tuple[Any, ...]:
    consts = tuple(c.co_qualname if isinstance(c, types.CodeType) else (type(c), c) for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)


def _functions(module: types.ModuleType, path: str) -> dict[str, list[types.FunctionType]]:
    """The function objects defined by ``module`` (methods and wrapped ones included), by qualname."""
    found: dict[str, list[types.FunctionType]] = {}
    seen: set[int] = set()

    def add(obj: Any) -> None:
        while hasattr(obj, "__wrapped__") and not isinstance(obj, types.FunctionType):
            obj = obj.__wrapped__
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, property):
            for f in (obj.fget, obj.fset, obj.fdel):
                add(f)
            return
        if isinstance(obj, types.FunctionType) and obj.__code__.co_filename == path and id(obj) not in seen:
            seen.add(id(obj))
            found.setdefault(obj.__code__.co_qualname, []).append(obj)
            add(getattr(obj, "__wrapped__", None))
        elif isinstance(obj, type) and obj.__module__ == module.__name__ and id(obj) not in seen:
            seen.add(id(obj))
            for value in list(vars(obj).values()):
                add(value)

    for value in list(vars(module).values()):
        add(value)
    return found


def swap_in(module: types.ModuleType, path: str, source: str, index: int) -> bool:
    """Give the functions of a loaded module the code of mutant ``index``; False if not possible."""
    original = compile(ast.parse(source), path, "exec", dont_inherit=True)
    mutated, _ = mutated_code(source, index, path)
    before = {c.co_qualname: c for c in _codes(original)}
    after = {c.co_qualname: c for c in _codes(mutated)}
    if before.keys() != after.keys():
        return False
    changed = [q for q in before if _shallow(before[q]) != _shallow(after[q])]
    outermost = {q.split(".<locals>.")[0] for q in changed}
    functions = _functions(module, path)
    if not changed or not all(q in functions for q in outermost):
        return False  # module level or class body: only a fresh import shows the mutant
    try:
        for q in outermost:
            for f in functions[q]:
                f.__code__ = after[q]
    except ValueError:  # a different closure
        return False
    return True


# --- running the selected tests of a collected session ------------------------------------

class _TestTimeout(BaseException):
    """Raised in a test that ran past its budget (a mutant's endless loop)."""


def _run_items(items: Sequence[Any], stop_on_failure: bool, on_test: Callable[[str], None] | None = None,
               budgets: dict[str, float] | None = None) -> list[str]:
    """Run pytest items in this process; the ids of failures (the first only if ``stop_on_failure``).

    With ``budgets``, a test that runs longer than its budget in seconds fails as "(timeout)".
    """
    from _pytest.runner import runtestprotocol

    def alarm(signum: int, frame: Any) -> None:
        raise _TestTimeout

    if budgets:
        signal.signal(signal.SIGALRM, alarm)
    failed: list[str] = []
    for i, item in enumerate(items):
        if on_test:
            on_test(item.nodeid)
        nextitem = items[i + 1] if i + 1 < len(items) else None  # keeps the fixtures the next test shares
        try:
            if budgets:
                signal.setitimer(signal.ITIMER_REAL, budgets.get(item.nodeid, MIN_TEST_BUDGET))
            reports = runtestprotocol(item, log=False, nextitem=nextitem)
        except _TestTimeout:  # past the budget outside the test's own call (fixtures, its report)
            failed.append(f"{item.nodeid} (timeout)")
            break
        finally:
            if budgets:
                signal.setitimer(signal.ITIMER_REAL, 0)
        bad = [r for r in reports if r.failed]
        if bad:
            timeout = any("_TestTimeout" in str(r.longrepr) for r in bad)
            failed.append(f"{item.nodeid} ({'timeout' if timeout else bad[0].when})")
            if stop_on_failure:
                break
    return failed


def _own_basetemp(config: Any, scratch: str) -> None:
    """Each child gets its own tmp_path root (children run at the same time)."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        factory._basetemp = None
        factory._given_basetemp = Path(scratch) / "tmp"


class _KillOrder:
    """Tests that killed earlier mutants run first (most mutants die in the first test), then the fastest."""

    def __init__(self, seconds: dict[str, float] | None = None) -> None:
        self.kills: dict[str, int] = {}
        self.seconds = seconds or {}

    def record(self, killer: str) -> None:
        if killer:
            self.kills[killer] = self.kills.get(killer, 0) + 1

    def sort(self, tests: list[str]) -> list[str]:
        return sorted(tests, key=lambda t: (-self.kills.get(t, 0), self.seconds.get(t, 0.0)))


def _selection(m: Mutant, base: Baseline) -> list[str] | None:
    """The tests that execute the mutant's lines, or None when its lines run at import."""
    span = set(range(m.stmt_line or m.line, (m.stmt_end or m.end_line) + 1))
    if span & base.lines.get(IMPORT, set()):
        return None
    return [t for t in base.order if span & base.lines.get(t, set())]


def _verdict(m: Mutant, data: dict[str, Any] | None, how: str, seconds: float) -> Outcome:
    if data is not None and "infra" in data:
        raise SystemExit(f"the mutation tool failed on mutant #{m.index}:\n{data['infra']}")
    if how == "timeout":
        return Outcome(m, "timeout", f"no result after {seconds:.0f} s", seconds)
    if data is None:
        return Outcome(m, "killed", f"the test process died ({how})", seconds)
    if data["failed"]:
        killer = data["failed"][0].rsplit(" (", 1)[0]
        status = "timeout" if data["failed"][0].endswith(" (timeout)") else "killed"
        return Outcome(m, status, data["failed"][0], seconds, killer)
    return Outcome(m, "survived", f"{data['ran']} tests pass", seconds)


class _Server:
    """The pytest plugin of a module server: the baseline, then every in-function mutant."""

    def __init__(self, job: ModuleJob, tracer: _LineTracer) -> None:
        self.job, self.tracer = job, tracer
        self.result: dict[str, Any] = {}

    def pytest_configure(self, config: Any) -> None:
        _hypothesis_profile()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: Any) -> bool:
        self.tracer.stop()
        try:
            self._loop(session)
        except BaseException:  # noqa: BLE001  the tool's own failure: reported, and the parent stops
            self.result["infra"] = traceback.format_exc()
        return True

    def _loop(self, session: Any) -> None:
        job = self.job
        items = {it.nodeid: it for it in session.items}
        import_lines = self.tracer.lines.get(IMPORT, set())
        pool = _Pool(job.jobs, job.workdir)

        def baseline(report: str, scratch: str) -> None:
            _own_basetemp(session.config, scratch)
            tracer = _LineTracer(job.path)
            tracer.start()
            started = time.monotonic()
            order: list[str] = []
            stamps: list[float] = []

            def on_test(nodeid: str) -> None:
                tracer.current = nodeid
                order.append(nodeid)
                stamps.append(time.monotonic())

            failed = _run_items(session.items, stop_on_failure=False, on_test=on_test)
            tracer.stop()
            stamps.append(time.monotonic())
            per_test = {t: stamps[i + 1] - stamps[i] for i, t in enumerate(order)}
            _finish(report, {"failed": failed, "order": order, "seconds": time.monotonic() - started,
                             "per_test": per_test, "lines": {k: sorted(v) for k, v in tracer.lines.items()}})

        pool.spawn("baseline", baseline, 900)
        ((_, data, how),) = list(pool.wait_any())
        if data is None or data["failed"]:
            self.result = {"error": f"the tests fail without any mutant ({how}): "
                                    f"{(data or {}).get('failed', [])[:3]}"}
            return
        lines = {k: set(v) for k, v in data["lines"].items()}
        lines[IMPORT] = lines.get(IMPORT, set()) | import_lines
        files = {nodeid: str(Path(it.path).relative_to(ROOT)) for nodeid, it in items.items()}
        base = Baseline(lines, data["order"], files, data["seconds"])
        self.result["baseline"] = {"lines": {k: sorted(v) for k, v in lines.items()}, "order": base.order,
                                   "files": files, "seconds": base.seconds, "per_test": data["per_test"]}
        per_test: dict[str, float] = data["per_test"]
        module = sys.modules[job.name]
        bindings = _bindings()
        order = _KillOrder(per_test)
        outcomes: list[dict[str, Any]] = []
        fresh: list[int] = []
        queue: list[tuple[Mutant, list[str], str]] = []
        for m in job.mutants:
            selected = _selection(m, base)
            if selected is None:
                queue.append((m, list(base.order), "reimport"))
            elif not selected:
                outcomes.append(_outcome_json(Outcome(m, "uncovered", "no test executes this line")))
                _progress(job, outcomes[-1])
            else:
                queue.append((m, selected, "swap"))

        unfaithful: set[str] = set()
        if any(mode == "reimport" for _, _, mode in queue):
            def faithful(report: str, scratch: str) -> None:
                _own_basetemp(session.config, scratch)
                _reimport(job.name, job.path, compile(job.source, job.path, "exec", dont_inherit=True), bindings)
                _finish(report, {"failed": _run_items(session.items, stop_on_failure=False)})

            pool.spawn("faithful", faithful, 900)
            ((_, data, how),) = list(pool.wait_any())
            if data is None:
                raise RuntimeError(f"re-importing the unchanged {job.name} failed ({how})")
            unfaithful = {f.rsplit(" (", 1)[0] for f in data["failed"]}
        self.result["unfaithful"] = sorted(unfaithful)

        def mutant_body(m: Mutant, selected: list[str], mode: str) -> Callable[[str, str], None]:
            def body(report: str, scratch: str) -> None:
                _own_basetemp(session.config, scratch)
                if mode == "swap" and not swap_in(module, job.path, job.source, m.index):
                    _finish(report, {"reimport": True})
                if mode == "reimport":
                    code, _ = mutated_code(job.source, m.index, job.path)
                    try:
                        _reimport(job.name, job.path, code, bindings)
                    except BaseException as e:  # noqa: BLE001  the mutant breaks the import, as a fresh run sees
                        _finish(report, {"failed": [f"the import fails: {type(e).__name__}: {e}"], "ran": 0})
                run = [items[t] for t in order.sort(selected) if t not in unfaithful]
                budgets = {t: max(MIN_TEST_BUDGET, job.timeout_factor * per_test.get(t, 0.0)) for t in selected}
                _finish(report, {"failed": _run_items(run, stop_on_failure=True, budgets=budgets), "ran": len(run)})
            return body

        while queue or pool.running:
            while queue and len(pool.running) < job.jobs:
                m, selected, mode = queue.pop(0)
                expected = sum(per_test.get(t, 0.0) for t in selected)  # traced: slower than the run
                pool.spawn((m, selected, mode), mutant_body(m, selected, mode),
                           max(MIN_TIMEOUT, job.timeout_factor * expected))
            for child, data, how in pool.wait_any():
                m, selected, mode = child.key
                if data is not None and data.get("reimport"):
                    queue.append((m, selected, "reimport"))
                    continue
                outcome = _verdict(m, data, how, time.monotonic() - child.started)
                if outcome.status == "survived" and mode == "reimport" and unfaithful & set(selected):
                    fresh.append(m.index)  # a test the re-import cannot run faithfully may still kill it
                    continue
                order.record(outcome.killer)
                outcomes.append(_outcome_json(outcome))
                _progress(job, outcomes[-1])
        self.result.update({"outcomes": outcomes, "fresh": sorted(fresh), "kills": order.kills})


def _bindings() -> list[tuple[str, str, str, str | None]]:
    """(test module, name, krm_fn module, attribute or None): what the loaded tests imported from krm_fn."""
    out: list[tuple[str, str, str, str | None]] = []
    tests_dir = str(ROOT / "tests")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if not path.startswith(tests_dir) or name == PACKAGE or name.startswith(PACKAGE + "."):
            continue
        try:
            tree = ast.parse(Path(path).read_text())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in _top_level(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                        if alias.asname:
                            out.append((name, alias.asname, alias.name, None))
                        else:
                            out.append((name, PACKAGE, PACKAGE, None))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                    node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                for alias in node.names:
                    out.append((name, alias.asname or alias.name, node.module, alias.name))
    return out


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
            if isinstance(node, ast.Try):
                for handler in node.handlers:
                    yield from _top_level(handler.body)
                yield from _top_level(node.finalbody)


def _reimport(name: str, path: str, code: Any, bindings: list[tuple[str, str, str, str | None]]) -> None:
    """Import every loaded krm_fn module again, ``name`` from ``code``; point the tests' imports at them."""
    loaded = [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]
    for n in loaded:
        del sys.modules[n]
    sys.meta_path.insert(0, _MutantFinder(name, path, code))
    for n in loaded:
        importlib.import_module(n)
    for module_name, local, target, attr in bindings:
        if attr is None:
            value = sys.modules[target]
        else:
            value = sys.modules.get(f"{target}.{attr}") or getattr(sys.modules[target], attr)
        setattr(sys.modules[module_name], local, value)


def _progress(job: ModuleJob, outcome: dict[str, Any]) -> None:
    """One line per outcome, which the parent reports while the server runs."""
    with open(job.progress, "a") as f:
        f.write(json.dumps(outcome) + "\n")


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {"index": o.mutant.index, "status": o.status, "detail": o.detail, "seconds": round(o.seconds, 2),
            "killer": o.killer}


@dataclass
class ModuleJob:
    name: str
    path: str
    source: str
    tests: list[str]
    mutants: list[Mutant]
    jobs: int
    timeout_factor: float
    workdir: str

    @property
    def progress(self) -> str:
        return os.path.join(self.workdir, f"progress-{self.name}.jsonl")


def _serve(job: ModuleJob, report: str, scratch: str) -> None:
    """A module server: import, collect (traced), then the baseline and the in-function mutants."""
    tracer = _LineTracer(job.path)
    server = _Server(job, tracer)
    tracer.start()
    rc = pytest.main([*PYTEST_ARGS, *job.tests], plugins=[server])
    tracer.stop()
    if not server.result:
        server.result = {"error": f"pytest could not collect {' '.join(job.tests)} (exit code {rc})"}
    _finish(report, server.result)


# --- mutants that need a fresh import ------------------------------------------------------

class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the mutated code object for one module name."""

    def __init__(self, name: str, path: str, code: Any) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        package = [os.path.dirname(self.path)] if self.path.endswith("__init__.py") else None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self,
                                                      submodule_search_locations=package)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.code, module.__dict__)  # noqa: S102  the mutant, compiled from our own source


class _Select:
    """pytest plugin of a fresh run: only the given tests, in the given order, first failure stops."""

    def __init__(self, selected: list[str]) -> None:
        self.selected = selected
        self.failed: list[str] = []
        self.ran = 0

    def pytest_configure(self, config: Any) -> None:
        _hypothesis_profile()

    def pytest_collection_modifyitems(self, session: Any, config: Any, items: list[Any]) -> None:
        rank = {nodeid: i for i, nodeid in enumerate(self.selected)}
        keep = sorted((it for it in items if it.nodeid in rank), key=lambda it: rank[it.nodeid])
        dropped = [it for it in items if it.nodeid not in rank]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep

    def pytest_runtest_setup(self, item: Any) -> None:
        self.ran += 1

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(f"{report.nodeid} ({report.when})")


def _fresh_body(job: ModuleJob, m: Mutant, selected: list[str], files: list[str]) -> Callable[[str, str], None]:
    def body(report: str, scratch: str) -> None:
        code, _ = mutated_code(job.source, m.index, job.path)
        sys.meta_path.insert(0, _MutantFinder(job.name, job.path, code))
        plugin = _Select(selected)
        rc = pytest.main([*PYTEST_ARGS, "-x", "--basetemp", os.path.join(scratch, "tmp"), *files],
                         plugins=[plugin])
        failed = plugin.failed or ([] if rc in (0, 5) else [f"pytest exit code {int(rc)}"])
        _finish(report, {"failed": failed, "ran": plugin.ran})
    return body


# --- the parent -------------------------------------------------------------------------

def _preload() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    leaked = [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]
    if leaked:
        raise SystemExit(f"the preloaded modules imported {', '.join(leaked)}: a child would not see its mutant")


def run_module(job: ModuleJob, on_outcome: Callable[[Outcome], None]) -> tuple[list[Outcome], float]:
    """Every mutant of one module: the server's, then the fresh ones. Returns the baseline time too."""
    pool = _Pool(1, job.workdir)
    server = pool.spawn("server", lambda report, scratch: _serve(job, report, scratch), 24 * 3600, sandbox=False)
    by_index = {m.index: m for m in job.mutants}
    outcomes: list[Outcome] = []

    def follow() -> None:  # report the server's outcomes as they come
        try:
            with open(job.progress) as f:
                lines = f.read().split("\n")[:-1]  # complete lines only
        except FileNotFoundError:
            return
        for line in lines[len(outcomes):]:
            o = json.loads(line)
            outcomes.append(Outcome(by_index[o["index"]], o["status"], o["detail"], o["seconds"], o["killer"]))
            on_outcome(outcomes[-1])

    while not os.waitpid(server.pid, os.WNOHANG)[0]:
        follow()
        time.sleep(0.2)
    follow()
    pool.running.clear()
    result = _read(server.report)
    if result is not None and "infra" in result:
        raise SystemExit(f"{job.name}: the module server failed:\n{result['infra']}")
    if result is None or "error" in result:
        raise SystemExit(f"{job.name}: {(result or {}).get('error') or 'the module server died'}")
    b = result["baseline"]
    base = Baseline({k: set(v) for k, v in b["lines"].items()}, b["order"], b["files"], b["seconds"])
    order = _KillOrder(b["per_test"])
    order.kills = dict(result["kills"])
    timeout = max(MIN_TIMEOUT, job.timeout_factor * base.seconds) + 10  # + import and collection
    queue = [by_index[i] for i in result["fresh"]]
    fresh_pool = _Pool(job.jobs, job.workdir)
    while queue or fresh_pool.running:
        while queue and len(fresh_pool.running) < job.jobs:
            m = queue.pop(0)
            selected = _selection(m, base)
            selected = order.sort(list(base.order) if selected is None or not selected else selected)
            files = sorted({str(ROOT / base.files[t]) for t in selected})
            fresh_pool.spawn(m, _fresh_body(job, m, selected, files), timeout)
        for child, data, how in fresh_pool.wait_any():
            outcome = _verdict(child.key, data, how, time.monotonic() - child.started)
            order.record(outcome.killer)
            outcomes.append(outcome)
            on_outcome(outcome)
    return sorted(outcomes, key=lambda o: o.mutant.index), base.seconds


@dataclass
class ModuleScore:
    module: str
    total: int
    outcomes: list[Outcome]

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self.outcomes)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / len(self.outcomes) if self.outcomes else 100.0


def overall(scores: list[ModuleScore]) -> float:
    weight = sum(s.total for s in scores if s.outcomes)
    return sum(s.score * s.total for s in scores if s.outcomes) / weight if weight else 100.0


def table(scores: list[ModuleScore]) -> str:
    rows = ["| module | mutants | run | killed | timeout | survived | not covered | score |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in scores:
        count = {k: sum(o.status == k for o in s.outcomes) for k in ("killed", "timeout", "survived", "uncovered")}
        rows.append(f"| {s.module} | {s.total} | {len(s.outcomes)} | {count['killed']} | {count['timeout']} | "
                    f"{count['survived']} | {count['uncovered']} | {s.score:.1f} % |")
    return "\n".join(rows) + f"\n\noverall: {overall(scores):.1f} %\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", default=[], help="a module of krm_fn (repeatable)")
    parser.add_argument("--sample", type=int, default=None, metavar="N", help="at most N mutants per module")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at the same time (default 2)")
    parser.add_argument("--timeout-factor", type=float, default=4.0,
                        help="a mutant's run may take this many times the traced baseline (default 4)")
    parser.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    parser.add_argument("--json", metavar="FILE", help="write every outcome to FILE")
    parser.add_argument("--table", nargs="+", metavar="FILE",
                        help="print the table of earlier --json files (one module per run, say) and stop")
    args = parser.parse_args(argv)
    if args.table:
        print(table([s for f in args.table for s in load_scores(f)]), end="")
        return 0

    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    paths = resolve_modules(args.module)
    _preload()
    started = time.monotonic()
    scores: list[ModuleScore] = []
    with tempfile.TemporaryDirectory(prefix="mutation-") as workdir:
        for path in paths:
            source = path.read_text()
            all_mutants = list_mutants(source, str(path))
            tests = [*mirror_tests(path), *(t for t in FIXED if (ROOT / t).exists())]
            job = ModuleJob(module_name(path), str(path), source, tests, sample(all_mutants, args.sample, args.seed),
                            args.jobs, args.timeout_factor, workdir)
            print(f"{job.name}: {len(job.mutants)} of {len(all_mutants)} mutants; tests {' '.join(tests)}",
                  flush=True)

            def report(o: Outcome, path: Path = path, source: str = source) -> None:
                if o.status in ("survived", "uncovered") and args.survivors:
                    line = source.splitlines()[o.mutant.line - 1].strip()
                    print(f"  {o.status}: {path.relative_to(ROOT)}:{o.mutant.line} #{o.mutant.index} "
                          f"{o.mutant.description}\n      {line}", flush=True)

            module_started = time.monotonic()
            outcomes, baseline = run_module(job, report)
            scores.append(ModuleScore(job.name, len(all_mutants), outcomes))
            print(f"  {scores[-1].score:.1f} % killed ({scores[-1].killed}/{len(outcomes)}) in "
                  f"{time.monotonic() - module_started:.0f} s (traced baseline {baseline:.1f} s)", flush=True)
    print()
    print(table(scores), end="")
    print(f"{sum(len(s.outcomes) for s in scores)} mutants in {time.monotonic() - started:.0f} s "
          f"(--jobs {args.jobs}{f', --sample {args.sample} --seed {args.seed}' if args.sample else ''})")
    if args.json:
        save_scores(args.json, scores)
    return 0


def save_scores(path: str, scores: list[ModuleScore]) -> None:
    with open(path, "w") as f:
        json.dump([{"module": s.module, "mutants": s.total, "outcomes": [
            {"index": o.mutant.index, "line": o.mutant.line, "end_line": o.mutant.end_line,
             "stmt_line": o.mutant.stmt_line, "stmt_end": o.mutant.stmt_end,
             "description": o.mutant.description, "status": o.status, "detail": o.detail, "killer": o.killer,
             "seconds": round(o.seconds, 2)} for o in s.outcomes]} for s in scores], f, indent=1)


def load_scores(path: str) -> list[ModuleScore]:
    with open(path) as f:
        data = json.load(f)
    return [ModuleScore(s["module"], s["mutants"], [
        Outcome(Mutant(o["index"], o["line"], o["end_line"], o["description"], o.get("stmt_line", 0),
                       o.get("stmt_end", 0)), o["status"], o["detail"],
                o["seconds"], o["killer"]) for o in s["outcomes"]]) for s in data]
