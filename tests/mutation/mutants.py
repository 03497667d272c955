"""AST-level mutants of one source file, enumerated in a fixed order and applied one at a time.

Operators: comparison swaps (``<`` to ``<=``, ``==`` to ``!=``, ``in`` to ``not in`` ...),
``and``/``or``, dropped ``not`` and unary minus, arithmetic and bitwise operator swaps, constants
(integers +1 and -1, so every boundary moves both ways; ``True``/``False``; strings wrapped in
``XX``), statements removed (replaced by ``pass``; ``return x`` becomes ``return None``), if/else
branches swapped (a lone ``if`` gets its condition negated), and ``a if c else b`` swapped.

Not mutated, because no test can tell the difference (see ``EXCLUDED`` for the rules):
docstrings, imports, annotations and type aliases, ``if TYPE_CHECKING`` and ``if __name__ ==
"__main__"`` blocks, decorators,
``assert`` statements, format specs, a bare ``return`` that ends a function, and the snippets in
``EQUIVALENT``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

EXCLUDED = {
    "docstrings": "documentation only",
    "imports": "removing one only fails at import time or changes nothing",
    "annotations and type aliases": "annotations are never evaluated (from __future__ import annotations); "
                                    "type variables only serve them",
    "if TYPE_CHECKING blocks": "imports for the type checker; the block never runs",
    "if __name__ == '__main__' blocks": "they run only when the file is a script, in a subprocess",
    "decorators": "cache sizes and dataclass flags: speed or invariants, not output",
    "assert statements": "type-narrowing invariants; python -O drops them",
    "format specs": "an f-string format spec wrapped in XX only fails to format",
    "a bare return that ends a function": "removing it changes nothing",
    "EQUIVALENT snippets": "listed one by one with the reason",
}

# the typed field defaults of krm_fn/model.py (source text) and the schema fields they stand for
# (schema field, keyword, value) that every shipped ModelService schema has: what the
# equivalent fallbacks of serving.py rely on (checked by tests/mutation/test_mutants.py)
SCHEMA_GUARANTEES = [
    ("engine.port", "minimum", 1), ("routingProxy.targetPort", "minimum", 1),
    *((f"{role}.parallelism.{p}", "minimum", 1) for role in ("decode", "prefill") for p in ("tensor", "data", "dataLocal")),
    ("decode.replicas", "default", 1), ("prefill.replicas", "default", 1),
    ("accelerator.type", "enum", ["nvidia", "amd", "intel-gaudi", "google", "cpu"]),
    ("inferencePool.endpointPicker.failureMode", "default", "FailOpen"),
    ("inferencePool.endpointPicker.failureMode", "enum", ["FailOpen", "FailClose"]),
]
MODEL_DEFAULTS_OF_EVERY_SCHEMA = {
    "tensor: int = 1": "decode.parallelism.tensor", "data: int = 1": "decode.parallelism.data",
    "dataLocal: int = 1": "decode.parallelism.dataLocal", 'mountPath: str = ""': "model.mountPath",
    "port: int = 0": "engine.port inferencePool.endpointPicker.port", 'connector: str = ""': "routingProxy.connector",
    "targetPort: int = 0": "routingProxy.targetPort", 'failureMode: str = ""': "inferencePool.endpointPicker.failureMode",
    "enabled: bool = False": "monitoring.podMonitor.enabled", 'portName: str = ""': "monitoring.podMonitor.portName",
    'path: str = ""': "monitoring.podMonitor.path", 'interval: str = ""': "monitoring.podMonitor.interval",
}

# (file suffix, text on the mutant's first line, regular expression its description must match,
# reason): mutants that are equivalent by construction. Keep it short; give a reason for each.
EQUIVALENT: list[tuple[str, str, str, str]] = [
    ("krm_fn/cli.py", "gc.disable()", "", "garbage collection only changes speed"),
    ("krm_fn/yamlio.py", "tag = _RESOLVED.get(value)", "", "a memo of the resolver's verdict: speed only"),
    ("krm_fn/yamlio.py", "plain = (_RESOLVED.get(value) or dumper.resolve(", "",
     "the memo first, then the resolver, which fills it: speed only"),
    ("krm_fn/plugin.py", "sys.version_info >= (3, 11)", r"^constant (3 -> 2|11 -> 10)|^'>=' -> '>'",
     "the same answer on every Python from 3.11 on"),
    ("krm_fn/plugin.py", "timeout=60", r"^constant 60 -> (59|61) \(timeout=\)$", "a minute, give or take a second"),
    ("krm_fn/plugin.py", "text=True", r"\(text=\)$", "the check's output is never read, as text or bytes"),
    ("krm_fn/plugin.py", 'API_VERSION.partition("/")', r"^constant '/'",
     "no '/' found: the version part is empty and pathlib drops the empty component"),
    ("krm_fn/plugin.py", 'if len(argv) > 1 or (argv and argv[0].startswith("-"))', r"^constant 0 -> -1$",
     "argv[-1] is argv[0] when argv has one element"),
    ("krm_fn/plugin.py", "argv[0] if argv else default_dir()", r"^constant 0 -> -1$",
     "argv has at most one element here"),
    ("krm_fn/plugin.py", 'return ""', r"^return None", "the caller only tests the problem's truth"),
    ("krm_fn/plugin.py", 'prefix=f".{target.name}."', r"^constant '\.'",
     "the temporary file's name is gone once it is renamed"),
    ("krm_fn/naming.py", 'else "-" if c in "._-" else ""', r"^constant '\._-'",
     "an added 'X' is upper case, which the branch before has taken"),
    ("krm_fn/naming.py", 'for c in s).strip("-")', r"^constant '-'",
     "an added 'X' is never at the ends: upper case is lowered before"),
    ("krm_fn/naming.py", 'return out.removesuffix("-")', "", "stripped and collapsed before: it never ends in '-'"),
    ("krm_fn/naming.py", "return 0 < len(name) <= 63 and", r"^'<' -> '<='|^constant 0 -> -1$",
     "the pattern already refuses an empty name"),
    # model.py's typed defaults behind a default of every shipped CRD schema (checked by
    # tests/mutation/test_mutants.py), or behind apply_image_defaults, which always sets images
    *(("krm_fn/model.py", field, "", "every shipped ModelService schema defaults it first")
      for field in MODEL_DEFAULTS_OF_EVERY_SCHEMA),
    ("krm_fn/model.py", 'image: str = ""', "", "apply_image_defaults sets every image first"),
    ("krm_fn/model.py", 'uid: str = ""', "", "parse_model_service always passes a uid"),
    ("krm_fn/model.py", "defer_build=True", r"\(defer_build=\)$", "when pydantic builds its validator: speed only"),
    ("krm_fn/model.py", "later = releases.TAGS[releases.TAGS.index(p.release.tag) + 1:]", r"^constant 1 -> 0$",
     "the current release cannot have the field: it is unknown there"),
    ("krm_fn/status_cli.py", "REQUEST_TIMEOUT = 30.0", r"^constant 30\.0 -> 31\.0$", "half a minute, or a second more"),
    ("krm_fn/status_cli.py", "widths = [max(len(line[i]) for line in table) + 3 for i in range(len(table[0]) - 1)]",
     r"^constant 0 -> (1|-1)$", "every row of the table has the header's length"),
    # serving.py's fallbacks behind a minimum and a default of every shipped schema (checked too)
    ("krm_fn/serving.py", "return ms.spec.engine.port if ms.spec.engine.port > 0 else DEFAULT_ENGINE_PORT",
     r"^'>' -> '>='|^constant 0 -> (1|-1)$", "spec.engine.port is at least 1"),
    ("krm_fn/serving.py", "DEFAULT_ENGINE_PORT = 8000", "", "spec.engine.port is at least 1"),
    ("krm_fn/serving.py", "return rp.targetPort if rp is not None and rp.targetPort > 0 else DEFAULT_TARGET_PORT",
     r"^'and' -> 'or'|^'>' -> '>='|^constant 0 -> (1|-1)$",
     "spec.routingProxy.targetPort is at least 1, and only a routing proxy asks for it"),
    ("krm_fn/serving.py", "DEFAULT_TARGET_PORT = 8200", "", "spec.routingProxy.targetPort is at least 1"),
    ("krm_fn/serving.py", "return (max(p.tensor, 1), max(p.data, 1), max(p.dataLocal, 1))",
     r"^constant 1 -> 0 \(argument 2 of max\)$", "every parallelism is at least 1"),
    ("krm_fn/serving.py", '"replicas": role.replicas if role.replicas is not None else 1,', r"^constant 1 -> ",
     "spec.decode.replicas and spec.prefill.replicas default to 1"),
    ("krm_fn/serving.py", 'resource = ACCELERATOR_RESOURCES.get(accelerator, "")', r"^constant '' ",
     "spec.accelerator.type is an enum of the table's keys"),
    ("krm_fn/serving.py", '"cpu": "",', r"^constant 'cpu'", "a missing key gives the same \"\" as the cpu entry"),
    ("krm_fn/serving.py", "if not resource or gpus <= 0:", r"^'<=' -> '<'|^constant 0 -> -1$",
     "gpus is a product of parallelisms, each at least 1"),
    ("krm_fn/serving.py", 'out.update({k: v for k, v in resources.items() if k not in ("limits", "requests")})',
     r"^remove ", "resources hold only limits and requests here: claims are refused before"),
    ("krm_fn/serving.py", "return []", r"^return None instead of return \[\]$",
     "routing_proxy_env without tracing: its caller only tests the list's truth"),
    ("krm_fn/gateway.py", 'DEFAULT_FAILURE_MODE = "FailOpen"', "",
     "spec.inferencePool.endpointPicker.failureMode defaults to FailOpen and is an enum"),
    ("krm_fn/cli.py", "cannot read config file {args[0]}", r"^constant 0 -> -1$",
     "args[-1] is args[0]: a single argument remains here"),
    ("krm_fn/assemble.py", "if placed and placed[PATH_KEYS[0]] not in existing_files and placed[INDEX_KEYS[0]]",
     r"^constant 0 -> (1|-1)$", "both path keys, and both index keys, are placed with the same value"),
    ("krm_fn/assemble.py", "return sum(1 for k in annotations_of(item.value)", r"^constant 1 -> 2$",
     "counting each twice keeps every comparison of two copies"),
    # quantity.py: choices that cannot change a value
    ("krm_fn/quantity.py", "_BINARY_SUFFIX = {e // 10: s for s, e in _BINARY.items()}", "",
     "10 to 60 divided by 9 or 10, as a float or not, give the same keys 1 to 6"),
    ("krm_fn/quantity.py", 'digits = exponent.lstrip("+-").lstrip("0") or "0"', r"^constant ",
     "an exponent's digits hold no X"),
    ("krm_fn/quantity.py", 'if len(digits) > 19 or int(digits) > 2**63', r"^constant 19 -> 20$",
     "a 20-digit exponent is beyond int64 by the value test anyway"),
    ("krm_fn/quantity.py", 'e = int(exponent[0] + digits if exponent[0] in "+-" else digits)', r"^constant '\+-'",
     "an exponent never starts with X"),
    ("krm_fn/quantity.py", "e = (e + _INT32) % (2 * _INT32) - _INT32", r"^'\+' -> '-' in e \+ _INT32$",
     "minus or plus 2**31 is the same modulo 2**32"),
    ("krm_fn/quantity.py", "if value.as_tuple().exponent < -9:", r"^'<' -> '<='|^drop the '-'|^constant 9 -> 8$",
     "rounding a value that is already whole in nanos to nanos keeps it"),
    ("krm_fn/quantity.py", "if fmt == BINARY_SI and abs(value) > _MAX_INT64:", r"^'>' -> '>='",
     "capping the cap itself keeps it"),
    ("krm_fn/quantity.py", "for start in range(0, len(digits), 1000):", r"^constant 1000 ",
     "any chunk size gives the same remainder"),
    ("krm_fn/quantity.py", "chunk = digits[start:start + 1000]", r"^constant 1000 ", "any chunk size gives the same remainder"),
    ("krm_fn/quantity.py", "return rest * pow(10, max(int(exponent), 0), modulus) % modulus",
     r"^constant 0 -> -1 ", "an integral value's exponent is never negative"),
    ("krm_fn/quantity.py", 'if v == 0:', r"^remove ", "the decimal form of zero is 0 too"),
    ("krm_fn/quantity.py", "while n % 1024 == 0 and power < 6:", r"^'<' -> '<='|^constant 6 -> 7$",
     "at most 2**63 - 1: after six steps n is below 1024"),
    ("krm_fn/quantity.py", "exponent = int(exponent)", r"^remove ", "the exponent of a finite Decimal is an int"),
    # inputs.py: what guards a race (a FIFO swapped in between stat and open), resources, speed
    ("krm_fn/inputs.py", 'return next((name for test, name in _KINDS if test(mode)), "not a regular file")',
     r"^constant 'not a regular file'", "stat follows links: every other file type is in _KINDS"),
    ("krm_fn/inputs.py", "data = stream.read(MAX_INPUT_BYTES + 1)", r"^constant 1 -> 2$",
     "one byte or two past the limit: refused the same"),
    ("krm_fn/inputs.py", 'fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)', "",
     "the flags matter only for a FIFO or terminal swapped in after the stat check"),
    ("krm_fn/inputs.py", "_regular(st.st_mode)", r"^remove ", "the same check again, against that swap"),
    ("krm_fn/inputs.py", "if st.st_size > MAX_INPUT_BYTES:", r"^remove ",
     "the bounded read refuses the same file with the same message, later"),
    ("krm_fn/inputs.py", "            raise InputError(_LIMIT)", r"^remove ",  # the fstat check's, not the read's
     "the bounded read refuses the same file with the same message, later"),
    ("krm_fn/inputs.py", "os.close(fd)", "", "a file descriptor: resources only"),
    ("krm_fn/inputs.py", "super().__init__(phrase)", "", "BaseException.__new__ keeps the arguments anyway"),
    # yamlio.py: speed, memory and unreachable states
    ("krm_fn/yamlio.py", '__slots__ = ("text",)', "", "memory only"),
    ("krm_fn/yamlio.py", "__str__ = __repr__", "", "object.__str__ calls __repr__ anyway"),
    ("krm_fn/yamlio.py", 'if base == 10 and len(s.lstrip("+-")) > MAX_INT_DIGITS:', r"^constant '\+-'",
     "decimal digits hold no X to strip"),
    ("krm_fn/yamlio.py", 'if cut and not s[cut:].strip(" \\t"):', r"^constant ' \\t'",
     "a YAML line of only X is no continuation of a span"),
    ("krm_fn/yamlio.py", '_MAYBE_SPECIAL = frozenset("0123456789-+.~nNtTfF")', "",
     "a fast path: every other first character gives a string anyway"),
    ("krm_fn/yamlio.py", "if s[0] not in _MAYBE_SPECIAL:", r"^remove ", "a fast path: the checks after it agree"),
    ("krm_fn/yamlio.py", 'if tag is None or tag == "!":', "", "the branch for unknown tags below does the same"),
    ("krm_fn/yamlio.py", '__slots__ = ("anchor"', "", "memory only"),
    ("krm_fn/yamlio.py", "self.key: Any = None", "", "read only after a key was set"),
    ("krm_fn/yamlio.py", "self.parent_key: Any = None", "", "read only when item_spans is set, and set with it"),
    ("krm_fn/yamlio.py", "loader.dispose()", "", "frees the C parser: memory only"),
    ("krm_fn/yamlio.py", "root_span: Span | None = None", "", "set again by the DocumentStartEvent that comes first"),
    ("krm_fn/yamlio.py", "root_value: Any = None", "", "set again by the DocumentStartEvent that comes first"),
    ("krm_fn/yamlio.py", "root_items: dict[str, list[Span]] = {}", "",
     "set again by the DocumentStartEvent that comes first"),
    ("krm_fn/yamlio.py", "span = Span(ev.start_mark.index, -1, ev.start_mark.column, not ev.flow_style)",
     r"^drop the '-'|^constant 1 -> ", "a placeholder end, set at the collection's end event"),
    ("krm_fn/yamlio.py", "and isinstance(stack[0].value, dict)", r"^constant 0 -> -1$",
     "the stack has one frame here"),
    ("krm_fn/yamlio.py", "and stack[0].has_key", r"^constant 0 -> -1$", "the stack has one frame here"),
    ("krm_fn/yamlio.py", "frame.parent_key = stack[0].key", r"^constant 0 -> -1$", "the stack has one frame here"),
    ("krm_fn/yamlio.py", "if root_span is None:  # empty document", "",
     "libyaml gives an empty document an empty scalar, which sets the span"),
    ("krm_fn/yamlio.py", "root_span = Span(ev.start_mark.index, ev.start_mark.index, 0, False)", "",
     "libyaml gives an empty document an empty scalar, which sets the span"),
    ("krm_fn/yamlio.py", 'list("-+.0123456789"))', r"^constant ", "an added 'X' never starts a float"),
    ("krm_fn/yamlio.py", 'list("yYnN"))', r"^constant ", "an added 'X' never starts y or n"),
    ("krm_fn/yamlio.py", "tag = _RESOLVED[value] = super().resolve(kind, value, implicit)", "^remove ",
     "removing the memo store: speed only"),
    ("krm_fn/yamlio.py", 'return ""', r"^return None instead of return ''$",
     "_entry_lead: its caller reads the result with `or`"),
    # _entry_lead scans up from an item's first line to its dash: the root mapping's key is above
    # any item (the text's first line never holds one), lines between are blank or comments, and
    # a tag or anchor before the node makes the node start on the dash's line
    ("krm_fn/yamlio.py", 'line_start = text.rfind("\\n", 0, span.start) + 1', r"^constant 0 -> 1 ",
     "the text's first line never holds an item"),
    ("krm_fn/yamlio.py", 'if text[line_start:span.start].strip(" "):', r"^constant ' '",
     "a dash and spaces hold no X"),
    ("krm_fn/yamlio.py", "end = line_start - 1  # the newline before the node's line", r"^'-' -> '\+'|^constant 1 -> 0$",
     "the scan then starts on the node's own line, which is blank up to the node, and moves on"),
    ("krm_fn/yamlio.py", "while end > 0:", r"^'>' -> '>='|^constant 0 -> ",
     "the scan ends at the dash or the root key, never at the text's start"),
    ("krm_fn/yamlio.py", 'begin = text.rfind("\\n", 0, end) + 1', r"^constant 0 -> 1 ",
     "the text's first line is the root key, never a line scanned past"),
    ("krm_fn/yamlio.py", 'line = text[begin:end].rstrip("\\r").lstrip(" ")', r"^constant ",
     "the lines scanned are blank, comments or the dash: an X at their ends changes nothing"),
    ("krm_fn/yamlio.py", 'if line.startswith("-") and (len(line) == 1 or line[1] in " \\t"):', r"^constant ' \\t'",
     "an X right after a dash makes no block entry"),
    ("krm_fn/yamlio.py", 'rest = line[1:].strip(" \\t")', r"^constant 1 -> 2$|^constant ' ",
     "the character after the dash is a space or a tab, stripped either way"),
    ("krm_fn/yamlio.py", 'if rest and not rest.startswith("#"):', r"^remove ",
     "a tag or anchor on the dash's line starts the node there"),
    ("krm_fn/yamlio.py", 'if line and not line.startswith("#"):', r"^remove ",
     "a line with content between a dash and its node would be the node"),
    # status_cli.py: defaults that cannot differ, and what only changes timing or resources
    ("krm_fn/status_cli.py", 'kind = str(doc.get("kind") or "")', r"^constant '' ",
     "a document without a kind is no List either way"),
    ("krm_fn/status_cli.py", 'item_kind = kind[: -len("List")] if kind != "List" else ""', r"^constant ",
     "a plain List's items without a kind count for nothing, whatever kind they are given"),
    ("krm_fn/status_cli.py", 'if item_kind and "kind" not in item:', r"^'and' -> 'or'|^constant 'kind'",
     "an item's own apiVersion and kind win over the list's in the merge below"),
    ("krm_fn/status_cli.py", 'return str(obj.get("apiVersion") or "").rpartition("/")[0]', r"^constant '' ",
     "a string without '/' has no group either way"),
    ("krm_fn/status_cli.py", "cfg.retries = 0", "", "retries change how long a failure takes, not what it says"),
    ("krm_fn/status_cli.py", "api_client.close()", "", "frees the connection pool: resources only"),
    ("krm_fn/status_cli.py", "persist_config=False", r"\(persist_config=\)$",
     "persisting writes refreshed credentials back, which a static kubeconfig never has"),
    ("krm_fn/status_cli.py", 'str(s.get("phase", "")),', r"^constant '' ", "status_from always sets a phase"),
    ("krm_fn/reconcile.py", 'other = llmd.image_generation(image or "")', r"^constant '' ",
     "no llm-d image is called XXXX either"),
    ("krm_fn/cli.py", "config_text = inputs.decode(inputs.read_file(args[0]))", r"^constant 0 -> -1$",
     "args[-1] is args[0]: a single argument remains here"),
    ("krm_fn/cli.py", 'if len(args) > 1 or (args and args[0].startswith("-")):', r"^constant 0 -> -1$",
     "args[-1] is args[0]: the test runs only for at most one argument"),
    ("krm_fn/cli.py", 'usage = USAGE.split("\\n\\n", 1)[0]', r"^constant 1 -> 2 ", "the first part is the same"),
    ("krm_fn/cli.py", 'return usage + "\\n\\n" + doc.split("\\n", 1)[1].lstrip("\\n")', r"^constant '\\n' -> 'XX\\nXX' \(argument 1 of doc\.split\('\\n', 1\)\[1\]\.lstrip\)$",
     "the catalog README's text after its title starts with a blank line, then '#', never X"),
]

_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult, ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift,
    ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.BitXor: ast.BitOr,
}
_SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
}
_REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise, ast.Delete,
              ast.Continue, ast.Break, ast.If, ast.For, ast.While, ast.With)
_BODIES = ("body", "orelse", "finalbody")


@dataclass(frozen=True)
class Mutant:
    """One mutant: its number in the file, where it is, and what it changes.

    ``stmt_line``..``stmt_end`` are the lines of the innermost statement holding it: a test that
    executes none of them cannot see the mutant (a line of a statement may get no trace event of
    its own, such as the inner lines of a constant tuple).
    """

    index: int
    line: int
    end_line: int
    description: str
    stmt_line: int = 0
    stmt_end: int = 0


def _short(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
        stmt.value.value, str)


def _is_type_checking(stmt: ast.stmt) -> bool:
    """``if TYPE_CHECKING:`` (never runs) or ``if __name__ == "__main__":`` (runs only as a script)."""
    test = stmt.test if isinstance(stmt, ast.If) else None
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
        return True
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _is_type_expression(node: ast.expr) -> bool:
    if isinstance(node, (ast.Name, ast.Attribute)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and (
            ast.unparse(node.func).rpartition(".")[2] in ("TypeVar", "ParamSpec", "NewType")):
        return True
    if isinstance(node, ast.Subscript):
        return _is_type_expression(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _is_type_expression(node.left) and _is_type_expression(node.right)
    return False


class _Walker(ast.NodeTransformer):
    """Visits every mutation site in source order; lists them, or applies the one numbered ``target``."""

    def __init__(self, lines: list[str], equivalent: list[tuple[str, str]], target: int | None = None) -> None:
        self.lines = lines
        self.equivalent = equivalent
        self.target = target
        self.count = 0
        self.found: list[Mutant] = []
        self.applied: Mutant | None = None
        self.keyword: ast.keyword | None = None
        self.argument: tuple[ast.AST, str] | None = None
        self.statements: list[tuple[int, int]] = []  # the statements being visited, outermost first

    def visit(self, node: ast.AST) -> Any:
        if not isinstance(node, ast.stmt):
            return super().visit(node)
        self.statements.append((node.lineno, node.end_lineno or node.lineno))
        try:
            return super().visit(node)
        finally:
            self.statements.pop()

    # --- bookkeeping ---------------------------------------------------------------------

    def _offer(self, node: ast.AST, description: str) -> bool:
        """Register one mutant of ``node``; True if it is the one to apply now."""
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", line) or line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if any(snippet in text and re.search(pattern, description) for snippet, pattern in self.equivalent):
            return False
        if isinstance(node, ast.stmt) or not self.statements:
            stmt_line, stmt_end = line, end
        else:
            stmt_line, stmt_end = self.statements[-1]
        mutant = Mutant(self.count, line, end, description, stmt_line, stmt_end)
        self.count += 1
        if self.target is None:
            self.found.append(mutant)
            return False
        if mutant.index == self.target:
            self.applied = mutant
            return True
        return False

    def _done(self) -> bool:
        return self.applied is not None

    # --- statements ----------------------------------------------------------------------

    def _body(self, stmts: list[ast.stmt], in_function: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(stmts):
            if self._done() or _is_docstring(stmt) or _is_type_checking(stmt):
                out.append(stmt)
                continue
            replaced = self._remove(stmt, last_in_function=in_function and i == len(stmts) - 1)
            if replaced is not None:
                out.append(replaced)
                continue
            new = self.visit(stmt)
            out.append(new if isinstance(new, ast.stmt) else stmt)
        return out

    def _remove(self, stmt: ast.stmt, last_in_function: bool) -> ast.stmt | None:
        if not isinstance(stmt, _REMOVABLE) or _is_docstring(stmt):
            return None
        if isinstance(stmt, ast.Return):
            if stmt.value is None and last_in_function:
                return None
            if stmt.value is not None and not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None):
                if self._offer(stmt, f"return None instead of {_short(stmt)}"):
                    return ast.copy_location(ast.Return(value=ast.Constant(value=None)), stmt)
                return None
        if self._offer(stmt, f"remove {_short(stmt)}"):
            return ast.copy_location(ast.Pass(), stmt)
        return None

    def _visit_block(self, node: ast.AST, in_function: bool) -> ast.AST:
        for name in _BODIES:
            stmts = getattr(node, name, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                setattr(node, name, self._body(stmts, in_function and name == "body"))
        return node

    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = self._module_body(node.body)
        return node

    def _module_body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in stmts:
            alias = isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and (
                _is_type_expression(stmt.value))
            if alias or self._done():
                out.append(stmt)
                continue
            out.extend(self._body([stmt], in_function=False))
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        # defaults are visited (they are values); annotations, returns and decorators are not
        self._visit_arguments(node.args)
        return self._visit_block(node, in_function=True)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self._visit_arguments(node.args)
        return self._visit_block(node, in_function=True)

    def _visit_arguments(self, args: ast.arguments) -> None:
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [self.visit(d) if d is not None else None for d in args.kw_defaults]

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        body = []
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if not self._done():
                    stmt.value = self.visit(stmt.value)  # a field default: a value, the annotation is not
                body.append(stmt)
            else:
                body.extend(self._body([stmt], in_function=False))
        node.body = body
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        if node.orelse:
            if self._offer(node, "swap the if and else branches"):
                node.body, node.orelse = node.orelse, node.body
                return node
        elif self._offer(node, f"negate the condition of if {_short(node.test)}"):
            node.test = ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=node.test), node.test)
            return node
        node.test = self.visit(node.test)
        return self._visit_block(node, in_function=False)

    def visit_For(self, node: ast.For) -> ast.AST:
        node.iter = self.visit(node.iter)
        return self._visit_block(node, in_function=False)

    def visit_While(self, node: ast.While) -> ast.AST:
        node.test = self.visit(node.test)
        return self._visit_block(node, in_function=False)

    def visit_With(self, node: ast.With) -> ast.AST:
        for item in node.items:
            item.context_expr = self.visit(item.context_expr)
        return self._visit_block(node, in_function=False)

    def visit_Try(self, node: ast.Try) -> ast.AST:
        node.body = self._body(node.body, in_function=False)
        for handler in node.handlers:
            handler.body = self._body(handler.body, in_function=False)
        node.orelse = self._body(node.orelse, in_function=False)
        node.finalbody = self._body(node.finalbody, in_function=False)
        return node

    # --- expressions ---------------------------------------------------------------------

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        if self._offer(node, f"swap the branches of {_short(node)}"):
            node.body, node.orelse = node.orelse, node.body
            return node
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for i, op in enumerate(node.ops):
            new = _CMP_SWAP[type(op)]
            if self._offer(node, f"'{_SYMBOL[type(op)]}' -> '{_SYMBOL[new]}' in {_short(node)}"):
                node.ops = [*node.ops[:i], new(), *node.ops[i + 1:]]
                return node
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        if self._offer(node, f"'{old}' -> '{new}' in {_short(node)}"):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            return node
        return self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        symbol = "not" if isinstance(node.op, ast.Not) else "-"
        if isinstance(node.op, (ast.Not, ast.USub)) and self._offer(node, f"drop the '{symbol}' of {_short(node)}"):
            return node.operand
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        new = _BIN_SWAP.get(type(node.op))
        if new is not None and self._offer(node, f"'{_SYMBOL[type(node.op)]}' -> '{_SYMBOL[new]}' in "
                                                 f"{_short(node)}"):
            node.op = new()
            return node
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        new = _BIN_SWAP.get(type(node.op))
        if new is not None and self._offer(node, f"'{_SYMBOL[type(node.op)]}=' -> '{_SYMBOL[new]}=' in "
                                                 f"{_short(node)}"):
            node.op = new()
            return node
        node.value = self.visit(node.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        values = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                v.value = self.visit(v.value)  # the format spec is not mutated
                values.append(v)
            else:
                values.append(self.visit(v))
        node.values = values
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node.func = self.visit(node.func)
        args = []
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Constant):  # named in its description: "(argument 2 of max)"
                self.argument = (arg, f"argument {i + 1} of {_short(node.func)}")
            args.append(self.visit(arg))
            self.argument = None
        node.args = args
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        outer, self.keyword = self.keyword, node
        node.value = self.visit(node.value)
        self.keyword = outer
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        replacements: list[tuple[Any, str]] = []
        if isinstance(value, bool):
            replacements = [(not value, f"{value} -> {not value}")]
        elif isinstance(value, int):
            replacements = [(value + 1, f"{value} -> {value + 1}"), (value - 1, f"{value} -> {value - 1}")]
        elif isinstance(value, float):
            replacements = [(value + 1, f"{value} -> {value + 1}")]
        elif isinstance(value, str):
            new = f"XX{value}XX"
            replacements = [(new, f"{_short(node)} -> {new!r}"[:90])]
        where = f" ({self.keyword.arg}=)" if self.keyword is not None and self.keyword.value is node else ""
        if self.argument is not None and self.argument[0] is node:
            where = f" ({self.argument[1]})"
        for new_value, description in replacements:
            if self._offer(node, f"constant {description}{where}"):
                return ast.copy_location(ast.Constant(value=new_value), node)
        return node


def _equivalent_snippets(path: str) -> list[tuple[str, str]]:
    return [(snippet, pattern) for suffix, snippet, pattern, _ in EQUIVALENT if path.endswith(suffix)]


def list_mutants(source: str, path: str = "") -> list[Mutant]:
    """Every mutant of ``source``, numbered from 0 in source order."""
    walker = _Walker(source.splitlines(), _equivalent_snippets(path))
    walker.visit(ast.parse(source))
    return walker.found


def mutate(source: str, index: int, path: str = "") -> tuple[ast.Module, Mutant]:
    """The module with mutant ``index`` applied (``path`` selects the ``EQUIVALENT`` entries)."""
    tree = ast.parse(source)
    walker = _Walker(source.splitlines(), _equivalent_snippets(path), target=index)
    new = walker.visit(tree)
    if walker.applied is None:
        raise IndexError(f"no mutant {index} in {path or 'source'} ({walker.count} mutants)")
    assert isinstance(new, ast.Module)
    return ast.fix_missing_locations(new), walker.applied


def mutated_code(source: str, index: int, path: str) -> tuple[Any, Mutant]:
    """The code object of the mutated module, compiled under its real file name."""
    tree, mutant = mutate(source, index, path)
    return compile(tree, path, "exec", dont_inherit=True), mutant
