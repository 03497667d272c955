"""The large scenario's floor: PyYAML's C loader reads the input, its C dumper writes the output.

Run by bench/run.py as a process of its own, like the function: the ResourceList on stdin,
and as the argument a marshal file holding what the function added to it (its generated
children, keyed by the index of the input item they follow, and its results), so that the
floor writes the same output objects as the function without computing them. marshal is the
cheapest way to hand Python objects to a process; its load is timed and printed to stderr
(``marshal_s=...``) so it can be told apart from the YAML work.
"""

from __future__ import annotations

import marshal
import sys
import time

import yaml


def main() -> int:
    text = sys.stdin.buffer.read().decode("utf-8")
    rl = yaml.load(text, Loader=yaml.CSafeLoader)
    t0 = time.perf_counter()
    with open(sys.argv[1], "rb") as f:
        added = marshal.load(f)
    marshal_s = time.perf_counter() - t0
    children = added["children"]
    items = []
    for i, item in enumerate(rl["items"]):
        items.append(item)
        items.extend(children.get(i, ()))
    out = {"apiVersion": rl["apiVersion"], "kind": rl["kind"], "items": items}
    if rl.get("functionConfig") is not None:
        out["functionConfig"] = rl["functionConfig"]
    if added["results"]:
        out["results"] = added["results"]
    sys.stdout.write(yaml.dump(out, Dumper=yaml.CSafeDumper, sort_keys=False))
    sys.stdout.flush()
    sys.stderr.write(f"marshal_s={marshal_s:.6f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
