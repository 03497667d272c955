"""Driver for bench/profile.py: runs the function as ``python -m krm_fn`` would, with timers.

    python bench/_phases.py REPORT_FILE [--gc-off] [--fast-exit] < RESOURCE_LIST > /dev/null

Wraps krm_fn's functions (module attributes, in this process only: nothing in krm_fn/ changes)
with CPU-time timers, and writes their totals to REPORT_FILE as ``name=seconds`` lines. Imports
nothing but sys and time before krm_fn, so that the imports it times are the function's own.
``--gc-off`` disables the cyclic garbage collector first, ``--fast-exit`` ends the process with
os._exit after flushing stdout: the what-ifs for the lead.
"""

import sys
import time
from collections.abc import Callable
from typing import Any


def main() -> None:
    report_path = sys.argv[1]
    options = set(sys.argv[2:])
    clock = time.process_time  # CPU time: other processes on the machine do not inflate it
    if "--gc-off" in options:
        import gc

        gc.disable()
    t_start = clock()
    import yaml  # noqa: F401  (the small floor's imports, timed apart)
    from pydantic import BaseModel  # noqa: F401
    t_floor = clock()
    import krm_fn.cli  # noqa: F401  (what krm_fn/__main__.py imports)
    t_cli = clock()
    from krm_fn import assemble, crd, fn, model, yamlio
    t_fn = clock()

    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    active: set[str] = set()

    def timed(name: str, func: Callable[..., Any]) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            if name in active:  # recursion: time the outermost call only
                return func(*a, **k)
            active.add(name)
            t0 = clock()
            try:
                return func(*a, **k)
            finally:
                totals[name] = totals.get(name, 0.0) + clock() - t0
                counts[name] = counts.get(name, 0) + 1
                active.discard(name)
        return wrapper

    def _wrap(module: Any, attr: str, label: str) -> None:
        setattr(module, attr, timed(label, getattr(module, attr)))

    yamlio.read_documents = timed("parse", yamlio.read_documents)
    _wrap(fn, "parse_function_config", "function_config")
    _wrap(fn, "generate", "generate")
    _wrap(assemble, "parse_model_service", "validate")
    model._metadata_problems = timed("validate.metadata", model._metadata_problems)
    crd.apply_defaults = timed("validate.crd_defaults", crd.apply_defaults)
    crd.validate = timed("validate.crd_schema", crd.validate)
    model._generated_object_problems = timed("validate.generated_checks", model._generated_object_problems)
    crd.modelservice_schema = timed("validate.schema_load", crd.modelservice_schema)
    model.construct = timed("validate.typed_model", model.construct)
    _wrap(assemble, "reconcile_resources", "build")
    assemble._own = timed("own", assemble._own)
    fn._finish = timed("write", fn._finish)
    yamlio.dump = timed("write.c_emitter", yamlio.dump)
    yamlio.sequence_entry = timed("write.passthrough_copy", yamlio.sequence_entry)

    t0 = clock()
    text = sys.stdin.buffer.read().decode("utf-8-sig")
    t_read = clock() - t0
    run = fn.process_resource_list(text)
    t0 = clock()
    sys.stdout.write(run.stdout)
    sys.stdout.flush()
    t_out = clock() - t0
    t_end = clock()
    if run.exit_code != 0:
        sys.stderr.write(run.stderr)
        sys.exit(1)
    lines = [f"import_floor={t_floor - t_start}", f"import_cli={t_cli - t_floor}", f"import_fn={t_fn - t_cli}", f"read_stdin={t_read}",
             f"write_stdout={t_out}", f"driver_total={t_end - t_start}"]
    lines += [f"{k}={v}" for k, v in totals.items()]
    lines += [f"calls.{k}={v}" for k, v in counts.items()]
    with open(report_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    if "--fast-exit" in options:
        import os

        os._exit(0)


if __name__ == "__main__":
    main()
