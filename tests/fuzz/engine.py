"""A mutation fuzzer of the function over the project's own corpora, run in a fork server.

Seeds are every input of ``tests/cases``, ``tests/hostile`` and ``tests/fidelity``, as
ResourceLists and also as bare document streams and package files. Each input is a stack of
byte, line and value mutations of one seed, run in one of the four modes (KRM function on
stdin, legacy kustomize plugin, ``render DIR``, ``status``). The parent imports the function
once and forks a child per input; the child runs under CPU-time and address-space limits
(``resource.setrlimit``), calls the real command line (``krm_fn.cli.main``) on the input twice
and, after a success, on its own output, and hands the results back. The parent checks:

- ``exit``: the exit code is 0 or 1; ``crash``: the child ended on a signal, the CPU or
  memory limit, or the wall-clock limit;
- ``traceback``: no Python traceback on stderr or stdout;
- ``stderr``: a failure is one line ``modelservice-fn: ...``; a KRM success is silent, and a
  legacy or ``render`` success writes only ``warning:`` and ``note:`` lines;
- ``parse``: stdout reads back, with the function's reader and with PyYAML's composer
  (which refuses anchors defined twice);
- ``bytes``: every block-style passthrough item or document is in stdout byte for byte;
- ``keep``: after an error the KRM output holds the input items unchanged, and the legacy
  output is empty;
- ``deterministic``: the second run gives the same bytes (and, for a sample, so does a fresh
  interpreter with another hash seed);
- ``idempotent``: in the KRM and legacy modes, f(f(x)) == f(x) after a success.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import marshal
import os
import random
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED_DIRS = ("tests/cases", "tests/hostile", "tests/fidelity")
MODES = ("krm", "legacy", "render", "status")
CHECKS = ("exit", "crash", "traceback", "stderr", "parse", "bytes", "keep", "deterministic", "idempotent")
CPU_SECONDS = 20
MEMORY_BYTES = 2 * 2**30
WALL_SECONDS = 60
FRESH_SAMPLE = 200  # one input in this many also runs in a fresh interpreter with another hash seed
AGAIN_SAMPLE = 4  # one input in this many runs twice in its child, to compare
STATUS_NOW = "2026-01-01T00:00:00Z"

BIG = b"1" * 4301
TOKENS = [
    b"&a ", b"*a", b"&a", b"&b ", b"*b", b"!!int ", b"!!str ", b"!!float ", b"!!bool ", b"!!null ", b"!!binary ",
    b"!local ", b"!<tag:yaml.org,2002:str> ", b"---\n", b"--- ", b"...\n", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]",
    b"{}", b"[]", b"? ", b"- ", b": ", b":", b"#", b" # c", b"\t", b"\r\n", b"\r", b"\n", b"'", b'"', b"|", b">",
    b"|+\n", b"|-\n", b">2\n", b"<<: ", b"<<: *a", b"\x00", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbf\xbe",
    b"\\u0000", b"\\ud800", b"\\x85", b"~", b"null", b"on", b"yes", b"0x1F", b"0o17", b"0755", b".inf", b".nan",
    b"1e400", b"-0", b"1_000", b"2001-12-14", BIG, b"-" + BIG, b"0x" + b"f" * 3600, b"9" * 4300, b"2147483647",
    b"2147483648", b"9223372036854775808", b"65535", b"65536", b"-1", b"0", b"1.5", b"%YAML 1.2\n", b"%TAG ! tag:x,1:\n",
    b"\xff", b"\xfe", b"\xf0\x9f\x9a\x80", b"\xed\xa0\x80", b"\xe9", b" " * 64, b"x" * 300,
    b"kind: ModelService", b"kind: EPPConfig", b"kind: ConfigMap", b"kind: ResourceList", b"kind: List",
    b"apiVersion: model.otterscale.io/v1alpha1", b"apiVersion: fn.model.otterscale.io/v1alpha1",
    b"apiVersion: config.kubernetes.io/v1", b"metadata: {name: x, namespace: ml}", b"namespace: ", b"name: ",
    b"uid: u", b"spec: {}", b"items: []", b"items:\n", b"functionConfig: ", b"results: []", b"data: {3: x}",
    b"config.kubernetes.io/local-config: 'true'", b"config.kubernetes.io/path: ../x.yaml",
    b"config.kubernetes.io/index: '\xc2\xb2'", b"internal.config.kubernetes.io/path: a/b.yaml",
    b"fn.model.otterscale.io/owner: ModelService/ml/x", b"imagePullPolicy: ''", b"imagePullSecrets: [{name: ''}]",
    b"env: [{name: A, valueFrom: {configMapKeyRef: {key: k}}}]", b"valueFrom: {}", b"fileKeyRef: {volumeName: model, path: p, key: K}", b"fieldRef: {fieldPath: \"metadata.labels['a']\"}",
    b"resourceFieldRef: {resource: limits.cpu, divisor: 1e-3}", b"tolerations: [{operator: Exists, value: v}]",
    b"resources: {requests: {example.com/x: '1.5'}, limits: {hugepages-2Mi: 3Mi}}", b"nodeSelector: {'a/b/c': x}",
    b"inferencePool: {endpointPicker: {port: 9090}}", b"prefill: {}", b"routingProxy: {}", b"httpRoute: {gatewayRef: {name: gw}}", b"monitoring: {podMonitor: {enabled: true}}", b"provider: gke",
    b"metricsEndpointAuth: false", b"flags: {v: '3'}", b"tracing: {enabled: true}", b"version: ''",
]
NUMBERS = [b"0", b"-1", b"1", b"1.5", b"65535", b"65536", b"2147483647", b"2147483648", b"9223372036854775808",
           b"0x1F", b"0o17", b"0755", b"1e400", b".inf", BIG, b"-" + BIG, b"9" * 4300]
INTERESTING = ["", " ", "0", "-1", "1", "65535", "65536", "2147483648", "1e3", "on", "null", "~", "x" * 70, "Bad_Name",
               "a/b/c", "..", "1.5", BIG.decode(), "\ufeff", "é", "a=b", "model", "hugepages-2Mi", "example.com/gpu"]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Case:
    mode: str
    stdin: bytes = b""
    config: bytes | None = None  # legacy CONFIG_FILE, render --config
    files: tuple[tuple[str, bytes], ...] = ()  # render package files


@dataclass
class Seeds:
    lists: list[bytes] = field(default_factory=list)  # ResourceLists and other stdin inputs
    streams: list[bytes] = field(default_factory=list)  # bare document streams
    configs: list[bytes] = field(default_factory=list)  # EPPConfig and ConfigMap files


def load_seeds() -> Seeds:
    from krm_fn import yamlio

    seeds = Seeds()
    for d in SEED_DIRS:
        for path in sorted((ROOT / d).rglob("*")):
            if not path.is_file() or path.name in ("expected.yaml", "stderr.txt"):
                continue
            data = path.read_bytes()
            seeds.lists.append(data)
            try:
                (doc,) = [x for x in yamlio.read_documents(data.decode("utf-8").lstrip("\ufeff")) if x.value is not None]
            except (ValueError, yamlio.YAMLInputError):
                continue
            root = doc.value
            if not isinstance(root, dict):
                continue
            items = root.get("items")
            if isinstance(items, list) and items:
                text = data.decode("utf-8").lstrip("\ufeff")
                spans = doc.item_spans.get("items", [])
                verbatim = [yamlio.document_text(text, s) for s in spans if s.copyable]
                seeds.streams.append("---\n".join(verbatim or [yamlio.dump_all(items)]).encode())
                seeds.streams.append(yamlio.dump_all(items).encode())
            if isinstance(root.get("functionConfig"), dict):
                seeds.configs.append(yamlio.dump(root["functionConfig"]).encode())
    seeds.configs.append(b"apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\n")
    return seeds


def _line_bounds(data: bytes, rng: random.Random) -> tuple[int, int]:
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    i = rng.randrange(len(starts))
    j = min(len(starts) - 1, i + rng.choice((1, 1, 1, 2, 3, 5)))
    end = starts[j] if j > i else len(data)
    return starts[i], end


def _tree_mutation(data: bytes, rng: random.Random) -> bytes:
    """Parse, change one node of the value tree, and dump: valid YAML that reaches validation."""
    from krm_fn import yamlio

    try:
        docs = [d.value for d in yamlio.read_documents(data.decode("utf-8").lstrip("\ufeff"))]
    except (ValueError, yamlio.YAMLInputError):
        return data
    nodes: list[tuple[Any, Any]] = []
    stack: list[Any] = list(docs)
    while stack and len(nodes) < 5000:
        v = stack.pop()
        if isinstance(v, dict):
            nodes += [(v, k) for k in v]
            stack += list(v.values())
        elif isinstance(v, list):
            nodes += [(v, i) for i in range(len(v))]
            stack += v
    if not nodes:
        return data
    parent, key = rng.choice(nodes)
    action = rng.randrange(6)
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, list):
        parent.insert(key, parent[key])
    elif action == 2:
        parent[key] = rng.choice([None, {}, [], True, 0, -1, 2**31, 65536, 1.5, *INTERESTING])
    elif action == 3 and isinstance(parent, dict):
        parent[rng.choice(INTERESTING) or "k"] = parent[key]
    else:
        value = parent[key]
        parent[key] = [value] if not isinstance(value, list) else {"k": value}
    try:
        return yamlio.dump_all(docs).encode()
    except Exception:  # noqa: BLE001 - odd trees the dumper refuses are simply not used
        return data


def mutate(data: bytes, rng: random.Random, other: Callable[[], bytes]) -> bytes:
    """One to six stacked mutations of ``data``; ``other`` gives another seed to splice from."""
    for _ in range(rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 6))):
        n = len(data)
        pos = rng.randrange(n + 1)
        kind = rng.randrange(12)
        if kind == 0 and n:
            i = rng.randrange(n)
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
        elif kind == 1:
            data = data[:pos] + rng.choice(TOKENS) + data[pos:]
        elif kind == 2 and n:
            start, end = _line_bounds(data, rng)
            data = data[:start] + data[end:]
        elif kind == 3 and n:
            start, end = _line_bounds(data, rng)
            data = data[:end] + data[start:end] + data[end:]
        elif kind == 4:
            donor = other()
            start, end = _line_bounds(donor, rng) if donor else (0, 0)
            at, _ = _line_bounds(data, rng) if n else (0, 0)
            data = data[:at] + donor[start:end] + data[at:]
        elif kind == 5 and n:
            start, _ = _line_bounds(data, rng)
            delta = rng.choice((-4, -2, -1, 1, 2, 4))
            data = data[:start] + b" " * delta + data[start:] if delta > 0 else data[:start] + data[start:].replace(
                b" " * -delta, b"", 1)
        elif kind == 6:
            numbers = list(re.finditer(rb"-?\d+", data))
            if numbers:
                m = rng.choice(numbers)
                data = data[:m.start()] + rng.choice(NUMBERS) + data[m.end():]
        elif kind == 7:
            values = list(re.finditer(rb": ([^\n#]*)", data))
            if values:
                m = rng.choice(values)
                data = data[:m.start(1)] + rng.choice(INTERESTING).encode() + data[m.end(1):]
        elif kind == 8 and n:
            data = data[:rng.randrange(n)]
        elif kind == 9:
            data = _tree_mutation(data, rng)
        elif kind == 10 and n:
            i = rng.randrange(n)
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
        elif n:
            a, b = _line_bounds(data, rng), _line_bounds(data, rng)
            (s1, e1), (s2, e2) = sorted((a, b))
            if e1 <= s2:
                data = data[:s1] + data[s2:e2] + data[e1:s2] + data[s1:e1] + data[e2:]
    return data


def cases(seeds: Seeds, rng: random.Random) -> Iterator[Case]:
    """An endless stream of inputs, the modes in turn."""
    lists, streams, configs = seeds.lists, seeds.streams or seeds.lists, seeds.configs

    def pick(pool: list[bytes]) -> bytes:
        return pool[rng.randrange(len(pool))]

    def any_seed() -> bytes:
        return pick(rng.choice((lists, streams, configs)))

    while True:
        for mode in MODES:
            if mode == "krm":
                yield Case(mode, mutate(pick(lists), rng, any_seed))
            elif mode == "legacy":
                config = pick(configs) if rng.random() < 0.8 else mutate(pick(configs), rng, any_seed)
                yield Case(mode, mutate(pick(streams), rng, any_seed), config)
            elif mode == "render":
                files = [("pkg/a.yaml", mutate(pick(streams), rng, any_seed))]
                if rng.random() < 0.3:
                    files.append(("pkg/sub/b.yaml", pick(streams)))
                config = pick(configs) if rng.random() < 0.3 else None
                yield Case(mode, b"", config, tuple(files))
            else:
                yield Case(mode, mutate(pick(streams), rng, any_seed))


# --------------------------------------------------------------------------- running


def _argv(case: Case, work: Path) -> list[str]:
    if case.mode == "krm":
        return []
    if case.mode == "status":
        return ["status", "-o", "yaml", "-"]
    config = work / "config.yaml"
    if case.config is not None:
        config.write_bytes(case.config)
    if case.mode == "legacy":
        return [str(config)]
    shutil.rmtree(work / "pkg", ignore_errors=True)
    for name, data in case.files:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
    return ["render", *(["--config", str(config)] if case.config is not None else []), str(work / "pkg")]


def _invoke(argv: list[str], stdin: bytes) -> tuple[int, bytes, bytes]:
    """The command line in this process, as the real program runs it (a traceback on stderr)."""
    from krm_fn import cli

    out, err = io.BytesIO(), io.BytesIO()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
    try:
        if argv[:1] == ["status"]:  # at a fixed time: its conditions carry the time of the run
            from krm_fn import status_cli

            code = status_cli.main(argv[1:], now=STATUS_NOW)
        else:
            code = cli.main(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 - what Python itself would print
        traceback.print_exc(file=sys.stderr)
        code = 1
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    return code, out.getvalue(), err.getvalue()


def _child(case: Case, work: Path, twice: bool) -> None:
    gc.disable()  # as the real entry point does
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    with open("/proc/self/statm") as f:
        vsize = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (vsize + MEMORY_BYTES, vsize + MEMORY_BYTES))
    argv = _argv(case, work)
    first = _invoke(argv, case.stdin)
    runs = [first, _invoke(argv, case.stdin) if twice else first]
    code, out, _ = first
    if code == 0 and case.mode in ("krm", "legacy"):  # f(f(x))
        runs.append(_invoke(argv, out))
    (work / "result").write_bytes(marshal.dumps(runs))


def run_in_child(case: Case, work: Path, twice: bool = True) -> tuple[list[tuple[int, bytes, bytes]] | None, str]:
    """The runs of one input in a forked child, or None and why the child failed."""
    result = work / "result"
    result.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            _child(case, work, twice)
        finally:
            os._exit(0)
    deadline = time.monotonic() + WALL_SECONDS
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None, f"still running after {WALL_SECONDS} s (killed)"
        if fd >= 0:
            select.select([fd], [], [], min(left, 1.0))
        else:
            time.sleep(0.002)
    if fd >= 0:
        os.close(fd)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        why = "the CPU-time limit" if sig == signal.SIGXCPU else signal.Signals(sig).name
        return None, f"killed by {why}"
    if not result.exists():
        return None, "ended without a result"
    return marshal.loads(result.read_bytes()), ""


def run_fresh(case: Case, work: Path) -> tuple[int, bytes, bytes]:
    """The real program in a new interpreter with another hash seed."""
    argv = _argv(case, work)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    p = subprocess.run([sys.executable, "-m", "krm_fn", *argv], input=case.stdin, capture_output=True,
                       timeout=WALL_SECONDS, env=env, cwd=work, check=False)
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------- checks


def _texts(case: Case) -> str | None:
    try:
        return case.stdin.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        return None


def check(case: Case, runs: list[tuple[int, bytes, bytes]]) -> list[tuple[str, str]]:
    """The contract's promises for one input; each failure as (check, detail)."""
    from krm_fn import yamlio
    from krm_fn.assemble import OWNER_ANNOTATION as OWNER
    from krm_fn.assemble import annotations_of

    from ..test_hostile import input_items, item_texts

    found: list[tuple[str, str]] = []
    code, out, err = runs[0]
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if code not in (0, 1):
        found.append(("exit", f"exit code {code}"))
    if "Traceback (most recent call last)" in stderr + stdout:
        found.append(("traceback", stderr.strip().splitlines()[-1][:300] if stderr.strip() else "on stdout"))
    lines = stderr.splitlines(keepends=True)
    if code != 0 and not (len(lines) == 1 and lines[0].startswith("modelservice-fn") and lines[0].endswith("\n")):
        found.append(("stderr", f"{len(lines)} lines after a failure: {stderr[:200]!r}"))
    if code == 0 and case.mode == "krm" and stderr:
        found.append(("stderr", f"output on stderr after a success: {stderr[:200]!r}"))
    if code == 0 and case.mode in ("legacy", "render") and not all(
            line.startswith(("modelservice-fn: warning: ", "modelservice-fn: note: ")) for line in lines):
        found.append(("stderr", f"a line that is no warning or note after a success: {stderr[:200]!r}"))
    if stdout:
        try:
            parsed = [d.value for d in yamlio.read_documents(stdout)]
            for _ in yaml.compose_all(stdout, Loader=yaml.CSafeLoader):
                pass
        except Exception as e:  # noqa: BLE001 - any reader failure is the finding
            found.append(("parse", f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"))
            parsed = None
    else:
        parsed = []
    text = _texts(case)
    if case.mode == "krm" and text is not None and parsed:
        items = input_items(text)
        out_items = parsed[0].get("items") if isinstance(parsed[0], dict) else None
        if code == 1 and items is not None and out_items != items:
            found.append(("keep", "the items after an error are not the input items"))
        if items is not None:
            for chunk in item_texts(text):
                if OWNER not in chunk and chunk not in stdout:  # ours are regenerated
                    found.append(("bytes", f"item not copied verbatim: {chunk[:120]!r}"))
                    break
    if case.mode == "legacy" and code == 1 and stdout:
        found.append(("keep", "output after an error in legacy mode"))
    if case.mode == "legacy" and code == 0 and text is not None:
        try:
            docs = yamlio.read_documents(text)
        except yamlio.YAMLInputError:
            docs = []
        for d in docs:
            if d.value is None or not d.span.copyable or OWNER in annotations_of(d.value):
                continue
            if yamlio.span_text(text, d.span) not in stdout:
                found.append(("bytes", f"document not copied verbatim: {yamlio.span_text(text, d.span)[:120]!r}"))
                break
    if runs[1] != runs[0]:
        found.append(("deterministic", "a second run gave other output"))
    if len(runs) > 2:
        again_code, again, _ = runs[2]
        if b"\n- message: 'pruned " in out or b"\n- message: pruned " in out:  # only the prune notes may go
            again, out = again.split(b"\nresults:\n")[0], out.split(b"\nresults:\n")[0]
        if (again_code, again) != (code, out):
            found.append(("idempotent", f"f(f(x)) != f(x) (exit {again_code})"))
    return found


# --------------------------------------------------------------------------- the loop


@dataclass
class Report:
    executions: int = 0
    runs: int = 0
    seconds: float = 0.0
    by_mode: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    saved: list[Path] = field(default_factory=list)

    def text(self) -> str:
        rate = self.executions / self.seconds if self.seconds else 0.0
        lines = [(f"executions: {self.executions} inputs, {self.runs} function runs, {self.seconds:.0f} s "
                  f"({rate:.0f} inputs/s)"),
                 "by mode:    " + ", ".join(f"{m} {self.by_mode[m]}" for m in MODES),
                 "exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.exits.items())),
                 "findings:   " + ", ".join(f"{c} {self.findings[c]}" for c in CHECKS)]
        lines += [f"  {p}" for p in self.saved[:20]]
        return "\n".join(lines) + "\n"


def _save(directory: Path, case: Case, problems: list[tuple[str, str]]) -> Path:
    blob = marshal.dumps((case.mode, case.stdin, case.config, case.files))
    digest = hashlib.sha256(blob).hexdigest()[:12]
    path = directory / f"{problems[0][0]}-{case.mode}-{digest}"
    path.mkdir(parents=True, exist_ok=True)
    (path / "stdin").write_bytes(case.stdin)
    if case.config is not None:
        (path / "config.yaml").write_bytes(case.config)
    for name, data in case.files:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    (path / "finding.json").write_text(json.dumps({"mode": case.mode, "problems": problems}, indent=2) + "\n")
    return path


def _warm_up() -> None:
    """Build in the parent what every child would build again (pydantic models, the CRD schema)."""
    saved = sys.stdin, sys.stdout, sys.stderr
    try:
        with tempfile.TemporaryDirectory(prefix="krm-warm-") as tmp:
            example = (ROOT / "examples" / "resourcelist.yaml").read_bytes()
            _invoke([], example)
            _invoke(["status", "-o", "yaml", "-"], example)
            (Path(tmp) / "a.yaml").write_bytes(example)
            _invoke(["render", tmp], b"")
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


def fuzz(seconds: float, executions: int | None = None, seed: int = 0, findings: Path | None = None,
         progress: Callable[[Report], None] | None = None) -> Report:
    """Run inputs until the time budget (or ``executions``) is spent; save each finding."""
    import krm_fn.cli  # imported once, before the forks
    import krm_fn.render
    import krm_fn.status_cli  # noqa: F401

    rng = random.Random(seed)
    seeds = load_seeds()
    _warm_up()
    gc.collect()
    gc.freeze()  # the children share the parent's objects without copying their pages
    report = Report()
    start = time.monotonic()
    seen: set[tuple[str, str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="krm-fuzz-") as tmp:
        work = Path(tmp)
        for case in cases(seeds, rng):
            elapsed = time.monotonic() - start
            if elapsed >= seconds or (executions is not None and report.executions >= executions):
                break
            runs, why = run_in_child(case, work, twice=report.executions % AGAIN_SAMPLE == 0)
            report.executions += 1
            report.by_mode[case.mode] += 1
            if runs is None:
                problems = [("crash", why)]
            else:
                report.runs += len(runs) - (runs[1] is runs[0])
                report.exits[str(runs[0][0])] += 1
                problems = check(case, runs)
                if not problems and report.executions % FRESH_SAMPLE == 0 and case.mode != "status":
                    report.runs += 1
                    if run_fresh(case, work)[:2] != (runs[0][0], runs[0][1]):
                        problems = [("deterministic", "a fresh interpreter with another hash seed differs")]
            new = False
            for name, detail in problems:
                report.findings[name] += 1
                key = (name, case.mode, re.sub(r"\d+", "N", detail)[:80])
                new = new or key not in seen
                seen.add(key)
            if new and findings is not None:
                report.saved.append(_save(findings, case, problems))
            if progress is not None and report.executions % 1000 == 0:
                report.seconds = time.monotonic() - start
                progress(report)
    report.seconds = time.monotonic() - start
    return report


def replay(path: Path) -> list[tuple[str, str]]:
    """The problems a saved finding still shows (none once it is fixed)."""
    files = tuple((str(p.relative_to(path)), p.read_bytes()) for p in sorted((path / "pkg").rglob("*")) if p.is_file())
    mode = json.loads((path / "finding.json").read_text())["mode"]
    config = (path / "config.yaml").read_bytes() if (path / "config.yaml").exists() else None
    case = Case(mode, (path / "stdin").read_bytes(), config, files)
    with tempfile.TemporaryDirectory(prefix="krm-replay-") as tmp:
        runs, why = run_in_child(replace(case), Path(tmp))
    return [("crash", why)] if runs is None else check(case, runs)
