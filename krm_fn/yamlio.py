"""YAML at the edges: read documents with exact text spans, write generated objects.

Reading walks libyaml's event stream (C parser) with an iterative composer, so that:
- values are resolved with YAML 1.2 core-schema rules (``on``, ``yes``, ``0755`` stay strings);
- every item of a top-level sequence (``items`` of a ResourceList) and every document
  remembers the exact span of text it came from, so passthrough items are copied byte for byte;
- nesting depth and alias expansion are bounded before anything is expanded;
- a key repeated in one mapping is an error, except inside an item whose text is copied
  verbatim (there it is recorded on the item's span, and nothing is lost);
- an item or document that holds an anchor or an alias is never copied verbatim: it is written
  out again from its value, so no anchor or alias ever reaches the output;
- a decimal integer with more digits than Python converts (``MAX_INT_DIGITS``) is read as a
  ``LargeInt`` that keeps its text: passthrough items keep it as written, and the readers of
  ModelServices and functionConfigs report it at its field path.

Writing uses PyYAML's C emitter in block style, never anchors, and quotes every string
that a YAML 1.1 or 1.2 reader would take for something else.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, cast

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

# Nesting: a Kubernetes object is ~20-30 levels deep (the deepest CRD schemas ~30). Deeper
# documents are refused here, well before the recursive code downstream (defaulting,
# validation, the emitter) could exhaust Python's stack (~330 levels at the default limit).
MAX_DEPTH = 200
# Aliases are composed by reference (no copies), but whatever writes a value out again
# expands them. Their expansion may reach MAX_EXPANDED_NODES plus the number of nodes the
# input spells out itself, so output stays linear in the input: a billion-laughs document
# is refused after a few hundred events, a big input with honest aliases is not.
MAX_EXPANDED_NODES = 10_000

# Python refuses to convert decimal strings of more digits than this (its default
# sys.get_int_max_str_digits(), a guard against quadratic conversions).
MAX_INT_DIGITS = 4300

BOM = "\ufeff"

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class YAMLInputError(Exception):
    """Input that cannot be read; ``str()`` is a one-line message with its position."""


class LargeInt:
    """An integer scalar too large to convert (more than MAX_INT_DIGITS decimal digits).

    It keeps its text, is written out again as that text, and compares equal only to a
    LargeInt of the same text. It is not an ``int``: no arithmetic ever runs on it.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LargeInt) and other.text == self.text

    def __hash__(self) -> int:
        return hash((LargeInt, self.text))

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def __float__(self) -> float:  # beyond any float: 10**4300 > 1.8e308
        return -math.inf if self.text.startswith("-") else math.inf

    def __deepcopy__(self, memo: dict[int, Any]) -> LargeInt:
        return self


_MAX_INT = 10**MAX_INT_DIGITS


def _int(s: str, base: int) -> int | LargeInt:
    """The integer a scalar spells (``0o``/``0x`` prefixed unless decimal), or a LargeInt."""
    if base == 10 and len(s.lstrip("+-")) > MAX_INT_DIGITS:
        return LargeInt(s)
    v = int(s if base == 10 else s[2:], base)
    return LargeInt(s) if abs(v) >= _MAX_INT else v


def large_int_paths(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds a LargeInt, as keys or values: ``spec.a[0]``, ``spec.m[123...]``."""
    out: list[str] = []
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        v, p = stack.pop()
        if isinstance(v, LargeInt):
            out.append(p)
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(k, LargeInt):
                    out.append(f"{p}[{k.text}]")
                    continue
                stack.append((x, f"{p}.{k}" if p else str(k)))
        elif isinstance(v, list):
            stack.extend((x, f"{p}[{i}]") for i, x in enumerate(v))
    return sorted(out)


@dataclass
class Span:
    """Where one item came from. ``copyable`` means its text can be reused verbatim."""

    start: int
    end: int
    column: int
    copyable: bool
    duplicate_key: str | None = None


@dataclass
class Document:
    value: Any
    span: Span
    # spans of the elements of each top-level sequence, by the key holding it
    item_spans: dict[str, list[Span]] = field(default_factory=dict)


# --- YAML 1.2 core schema resolution of plain scalars -----------------------------------

_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_MAYBE_SPECIAL = frozenset("0123456789-+.~nNtTfF")
_CONSTANTS: dict[str, Any] = {
    "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}


def resolve_plain(s: str) -> Any:
    """The value of a plain scalar under the YAML 1.2 core schema."""
    if not s:
        return None
    if s[0] not in _MAYBE_SPECIAL:
        return s
    if s in _CONSTANTS:
        return _CONSTANTS[s]
    if _INT_RE.match(s):
        return _int(s, 10)
    if s.startswith("0o") and len(s) > 2 and all(c in "01234567" for c in s[2:]):
        return _int(s, 8)
    if s.startswith("0x") and len(s) > 2 and all(c in "0123456789abcdefABCDEF" for c in s[2:]):
        return _int(s, 16)
    if _FLOAT_RE.match(s):
        return float(s)
    return s


_TAG_TYPES: dict[str, type | tuple[type, ...]] = {
    _INT: (int, LargeInt), _FLOAT: (int, float, LargeInt), _BOOL: bool, _NULL: type(None),
}


def _scalar_value(ev: ScalarEvent) -> Any:
    tag = ev.tag
    if tag is None or tag == "!":
        return resolve_plain(ev.value) if not ev.style else ev.value
    if tag == _STR:
        return ev.value
    if tag in (_INT, _FLOAT, _BOOL, _NULL):
        v = resolve_plain(ev.value)
        ok = _TAG_TYPES[tag]
        if isinstance(v, ok) and not (tag == _INT and isinstance(v, bool)):
            return float(cast(float, v)) if tag == _FLOAT else v
        raise _error(ev.start_mark, f"{ev.value!r} is not a valid {tag}")
    # unknown or local tags: the untagged value
    return resolve_plain(ev.value) if not ev.style else ev.value


# --- composer ---------------------------------------------------------------------------

class _Frame:
    __slots__ = ("anchor", "has_key", "item_spans", "key", "parent_key", "size", "span", "value")

    def __init__(self, value: Any, anchor: str | None, span: Span | None) -> None:
        self.value = value
        self.key: Any = None
        self.has_key = False
        self.anchor = anchor
        self.size = 1
        self.span = span
        self.item_spans: list[Span] | None = None
        self.parent_key: Any = None


def _hashable_key(k: Any) -> Any:
    if isinstance(k, (dict, list)):
        return f"<complex key {k!r:.40}>"
    return k


def _key_path(frames: list[_Frame], key: Any) -> str:
    """``spec.env[0].name``: where ``key`` sits below the first frame (an item)."""
    path = ""
    for parent in frames[:-1]:
        if isinstance(parent.value, list):
            path += f"[{len(parent.value)}]"
        else:
            path += f".{parent.key}" if path else str(parent.key)
    return f"{path}.{key}" if path else str(key)


def _error(mark: Any, message: str) -> YAMLInputError:
    return YAMLInputError(f"line {mark.line + 1} column {mark.column + 1}: {message}")


def read_documents(text: str) -> list[Document]:
    """Parse every document of ``text``.

    Spans are recorded for each document and for each element of a sequence that is a
    value of a document's top-level mapping (``items`` of a ResourceList).
    """
    if text.startswith(BOM):  # libyaml would drop it without counting it, shifting every span
        raise YAMLInputError("line 1 column 1: a byte-order mark inside the text (strip it when decoding)")
    loader = yaml.CSafeLoader(text)
    try:
        return _compose(loader, text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = e.problem or e.context or "invalid YAML"
        if "maximum nesting depth" in problem:  # newer libyaml builds stop at 1000 levels themselves
            problem = f"document nested deeper than {MAX_DEPTH} levels"
        raise YAMLInputError(f"{where}{problem}") from None
    except yaml.YAMLError as e:
        raise YAMLInputError(str(e).splitlines()[0] if str(e) else "invalid YAML") from None
    finally:
        loader.dispose()


def _compose(loader: Any, text: str) -> list[Document]:
    get_event = loader.get_event
    docs: list[Document] = []
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, size); a name defined again rebinds
    expanded = 0  # nodes added by aliases
    composed = 0  # nodes spelled out in the text
    root_span: Span | None = None
    root_value: Any = None
    root_items: dict[str, list[Span]] = {}

    def attach(value: Any, size: int, mark: Any) -> None:
        nonlocal root_value
        if not stack:
            root_value = value
            return
        top = stack[-1]
        top.size += size
        container = top.value
        if isinstance(container, list):
            container.append(value)
        elif top.has_key:
            container[top.key] = value
            top.has_key = False
        else:
            key = _hashable_key(value)
            if key in container:
                item = stack[2] if len(stack) >= 3 and stack[2].span is not None else None
                if item is None:  # last-wins would silently drop a value
                    raise _error(mark, f"duplicate key {str(key)!r}")
                if item.span.duplicate_key is None:  # type: ignore[union-attr]
                    item.span.duplicate_key = _key_path(stack[2:], key)  # type: ignore[union-attr]
            top.key = key
            top.has_key = True

    def not_verbatim() -> None:
        # an anchor or alias inside the document or the item being composed: neither is copied
        if stack and stack[0].span is not None:
            stack[0].span.copyable = False
        if len(stack) >= 3 and stack[2].span is not None:
            stack[2].span.copyable = False

    def item_position() -> bool:
        # an element of a sequence that is a value of the root mapping
        return (
            len(stack) == 2
            and stack[1].item_spans is not None
            and isinstance(stack[1].value, list)
        )

    while True:
        ev = get_event()
        cls = ev.__class__
        if cls is ScalarEvent:
            composed += 1
            value = _scalar_value(ev)
            if ev.anchor is not None:
                anchors[ev.anchor] = (value, 1)
                not_verbatim()
            if item_position():
                stack[1].item_spans.append(  # type: ignore[union-attr]
                    Span(ev.start_mark.index, ev.end_mark.index, ev.start_mark.column, False)
                )
            elif not stack:
                root_span = Span(ev.start_mark.index, ev.end_mark.index, ev.start_mark.column, False)
            attach(value, 1, ev.start_mark)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            composed += 1
            if len(stack) >= MAX_DEPTH:
                raise _error(ev.start_mark, f"document nested deeper than {MAX_DEPTH} levels")
            span = None
            if item_position():
                span = Span(ev.start_mark.index, -1, ev.start_mark.column, not ev.flow_style)
                stack[1].item_spans.append(span)  # type: ignore[union-attr]
            elif not stack:
                span = Span(ev.start_mark.index, -1, ev.start_mark.column, not ev.flow_style)
            frame = _Frame({} if cls is MappingStartEvent else [], ev.anchor, span)
            if (
                len(stack) == 1
                and cls is SequenceStartEvent
                and isinstance(stack[0].value, dict)
                and stack[0].has_key
            ):
                frame.item_spans = []
                frame.parent_key = stack[0].key
            stack.append(frame)
            if ev.anchor is not None:
                not_verbatim()
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            frame = stack.pop()
            if frame.anchor is not None:
                anchors[frame.anchor] = (frame.value, frame.size)
            if frame.span is not None:
                frame.span.end = ev.end_mark.index
                if frame.span.duplicate_key is not None and not frame.span.copyable:
                    # the item is written out again from its value: last-wins would lose data
                    raise _error(ev.start_mark, f"duplicate key {frame.span.duplicate_key!r}")
            if frame.item_spans is not None and isinstance(frame.parent_key, str):
                root_items[frame.parent_key] = frame.item_spans
            if not stack:
                root_span = frame.span
            attach(frame.value, frame.size, ev.start_mark)
        elif cls is AliasEvent:
            if ev.anchor not in anchors:
                raise _error(ev.start_mark, f"unknown alias *{ev.anchor}")
            value, size = anchors[ev.anchor]
            expanded += size
            if expanded > MAX_EXPANDED_NODES + composed:
                raise _error(
                    ev.start_mark,
                    f"aliases expand to more than {MAX_EXPANDED_NODES + composed} nodes (alias bomb?)",
                )
            if item_position():
                stack[1].item_spans.append(  # type: ignore[union-attr]
                    Span(ev.start_mark.index, ev.end_mark.index, ev.start_mark.column, False)
                )
            not_verbatim()
            attach(value, size, ev.start_mark)
        elif cls is DocumentStartEvent:
            anchors.clear()
            root_value, root_span, root_items = None, None, {}
        elif cls is DocumentEndEvent:
            if root_span is None:  # empty document
                root_span = Span(ev.start_mark.index, ev.start_mark.index, 0, False)
            docs.append(Document(root_value, root_span, root_items))
        elif cls is StreamEndEvent:
            return docs


# --- writing ----------------------------------------------------------------------------

_RESOLVED: dict[str, str] = {}  # the implicit tag of each plain string (outputs repeat strings a lot)


class _Dumper(yaml.CSafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """BaseResolver.resolve, remembered: the C serializer asks twice for every scalar.

        Exact without path resolvers (this class has none): a scalar resolves by its implicit
        resolvers only when ``implicit[0]``, else to str; collections to their default tags.
        """
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = _RESOLVED[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            return tag
        return _MAP if kind is yaml.MappingNode else _SEQ


# Strings that YAML 1.2 (or a lenient 1.1) reader would not read back as strings.
_Dumper.add_implicit_resolver(_FLOAT, re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"), list("-+.0123456789"))
_Dumper.add_implicit_resolver(_INT, re.compile(r"^0o[0-7]+$"), ["0"])
_Dumper.add_implicit_resolver(_BOOL, re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))


_DUMP_OPTIONS: dict[str, Any] = {"default_flow_style": False, "sort_keys": False, "allow_unicode": True,
                                 "width": 1 << 30, "indent": 2}


def _node(value: Any, dumper: _Dumper) -> yaml.Node:
    """The node PyYAML's representer would make of ``value`` with ``_Dumper``, made directly.

    The representer dispatches on every value through several Python calls; this makes the
    same nodes (tests/test_yamlio.py holds the two to the same bytes) in one, and leaves every
    other type (floats) to the representer.
    """
    t = type(value)
    if t is str:
        if "\n" in value:
            return yaml.ScalarNode(_STR, value, style="|")
        plain = (_RESOLVED.get(value) or dumper.resolve(yaml.ScalarNode, value, (True, False))) == _STR
        return yaml.ScalarNode(_STR, value, style=None if plain else '"')
    if t is dict:
        return yaml.MappingNode(_MAP, [(_node(k, dumper), _node(v, dumper)) for k, v in value.items()],
                                flow_style=False)
    if t is list:
        return yaml.SequenceNode(_SEQ, [_node(v, dumper) for v in value], flow_style=False)
    if t is bool:
        return yaml.ScalarNode(_BOOL, "true" if value else "false")
    if t is int:
        return yaml.ScalarNode(_INT, str(value))
    if value is None:
        return yaml.ScalarNode(_NULL, "null")
    if t is LargeInt:
        return yaml.ScalarNode(_INT, value.text)
    node: yaml.Node = dumper.represent_data(value)
    return node


def dump(data: Any) -> str:
    """Block-style YAML of ``data`` with no anchors and no ambiguous plain strings."""
    stream = io.StringIO()
    dumper = _Dumper(stream, **_DUMP_OPTIONS)
    try:
        dumper.open()
        dumper.serialize(_node(data, dumper))
        dumper.close()
    finally:
        dumper.dispose()
    out = stream.getvalue()
    # After a keep-chomped block scalar (``|+``) the emitter ends the document with ``...``.
    # Our dumps are pieces of one document, always followed by text at column 0 (or the end),
    # which ends the scalar just as well: a ``...`` in the middle would end the ResourceList.
    if out.endswith("\n...\n"):
        out = out[: -len("...\n")]
    return out


def span_text(text: str, span: Span) -> str:
    """The exact text of a span, ending with a newline, without the next line's indent.

    Spaces at the end of the span's last line stay (an input may end there, without a newline).
    """
    s = text[span.start:span.end]
    cut = s.rfind("\n") + 1
    if cut and not s[cut:].strip(" \t"):
        s = s[:cut]  # the indentation of the line after the span
    return s if s.endswith("\n") else s + "\n"


def sequence_entry(text: str, span: Span) -> str:
    """A block sequence entry (``- ...``) holding the span's text at its original column.

    Comment lines between the entry's ``-`` and its first key (``- # note``) are kept too.
    """
    body = span_text(text, span)
    return "-" + (_entry_lead(text, span) or " " * (span.column - 1)) + body


def _entry_lead(text: str, span: Span) -> str:
    """The text after the ``-`` of a block entry whose node starts on a later line, or ""."""
    line_start = text.rfind("\n", 0, span.start) + 1
    if text[line_start:span.start].strip(" "):
        return ""  # the node starts on the dash's line
    end = line_start - 1  # the newline before the node's line
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end].rstrip("\r").lstrip(" ")
        if line.startswith("-") and (len(line) == 1 or line[1] in " \t"):
            rest = line[1:].strip(" \t")
            if rest and not rest.startswith("#"):
                return ""
            return text[text.index("-", begin) + 1:span.start]
        if line and not line.startswith("#"):
            return ""
        end = begin - 1
    return ""


def dump_all(documents: list[Any]) -> str:
    """Several documents, separated by ``---``."""
    return "---\n".join(dump(d) for d in documents)


def document_text(text: str, span: Span) -> str:
    """A document's text, re-indented to its original column if it did not start a line."""
    return " " * span.column + span_text(text, span)
