"""krm_fn.yamlio: YAML 1.2 values, exact spans, bounds, and safe emission."""

from __future__ import annotations

import copy
import io
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn import yamlio


@pytest.mark.parametrize(("text", "value"), [
    ("on", "on"), ("off", "off"), ("yes", "yes"), ("no", "no"), ("y", "y"), ("n", "n"),
    ("0755", 755), ("0o755", 493), ("0x1F", 31), ("1e3", 1000.0), ("1_000", "1_000"), ("-12", -12),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None), (".inf", math.inf),
    ("2001-12-14", "2001-12-14"), ("1:30", "1:30"), ("'on'", "on"), ('"0755"', "0755"), ("!!str 12", "12"),
    ("!!int '12'", 12), ("<<", "<<"), ("=", "="),
])
def test_scalars_follow_yaml_1_2(text: str, value: object) -> None:
    (doc,) = yamlio.read_documents(f"k: {text}\n")
    assert doc.value == {"k": value}


def test_item_spans_are_exact_and_reusable() -> None:
    text = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            "- a: on  # keep\n  b: |+\n    x\n\n# between\n"
            "-   c: 0755\n    d: [1, 2]\n"
            "- {e: 1}\n")
    (doc,) = yamlio.read_documents(text)
    spans = doc.item_spans["items"]
    assert [s.copyable for s in spans] == [True, True, False]
    assert yamlio.sequence_entry(text, spans[0]) == "- a: on  # keep\n  b: |+\n    x\n\n# between\n"
    assert yamlio.sequence_entry(text, spans[1]) == "-   c: 0755\n    d: [1, 2]\n"


def test_anchors_and_aliases_make_items_and_documents_re_emitted() -> None:
    """No anchor or alias is ever copied to the output: their items are written out again."""
    text = "items:\n- a: &x {k: v}\n- b: *x\n- *x\n- c: 1\n"
    (doc,) = yamlio.read_documents(text)
    assert [s.copyable for s in doc.item_spans["items"]] == [False, False, False, True]
    assert doc.value["items"][1] == {"b": {"k": "v"}}
    assert not doc.span.copyable
    docs = yamlio.read_documents("a: 1\n---\nb: &y 2\n---\nc: [*y]\n" .replace("*y", "1"))
    assert [d.span.copyable for d in docs] == [True, False, True]


def test_an_anchor_defined_twice_rebinds_and_the_item_is_re_emitted() -> None:
    text = "items:\n- a: &x 1\n  b: &x 2\n  c: *x\n"
    (doc,) = yamlio.read_documents(text)
    assert doc.value["items"] == [{"a": 1, "b": 2, "c": 2}]
    assert not doc.item_spans["items"][0].copyable
    assert "&" not in yamlio.dump(doc.value["items"]) and "*" not in yamlio.dump(doc.value["items"])


def test_duplicate_keys_are_recorded_on_the_item() -> None:
    (doc,) = yamlio.read_documents("items:\n- a: 1\n  a: 2\n")
    assert doc.item_spans["items"][0].duplicate_key == "a"


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(yamlio.YAMLInputError, match=f"nested deeper than {yamlio.MAX_DEPTH} levels"):
        yamlio.read_documents("a: " + "[" * 50_000 + "]" * 50_000)


def test_alias_bombs_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(yamlio.YAMLInputError, match="alias bomb"):
        yamlio.read_documents("\n".join(lines))


def test_malformed_yaml_gives_a_positioned_message() -> None:
    with pytest.raises(yamlio.YAMLInputError, match=r"^line 2 column 1: "):
        yamlio.read_documents("a: [\n")


def test_dump_quotes_what_a_yaml_1_1_or_1_2_reader_would_misread() -> None:
    out = yamlio.dump({"a": "on", "b": "0o17", "c": "1e3", "d": "y", "e": "0755", "f": "12", "g": "ok",
                       "h": "", "i": "null", "j": "x\ny\n"})
    assert out == ('a: "on"\nb: "0o17"\nc: "1e3"\nd: "y"\ne: "0755"\nf: "12"\ng: ok\nh: ""\ni: "null"\n'
                   "j: |\n  x\n  y\n")
    (doc,) = yamlio.read_documents(out)
    assert doc.value["a"] == "on" and doc.value["e"] == "0755"


def test_dump_never_emits_anchors() -> None:
    shared = {"k": "v"}
    assert "&" not in yamlio.dump([{"a": shared}, {"b": shared}])


BIG = "1" * (yamlio.MAX_INT_DIGITS + 1)


@pytest.mark.parametrize("text", [BIG, "-" + BIG, "+" + BIG, "0" * yamlio.MAX_INT_DIGITS + "15",
                                  "0x" + "f" * 3600, "0o" + "7" * 4800])
def test_integers_too_large_to_convert_keep_their_text(text: str) -> None:
    (doc,) = yamlio.read_documents(f"a: {text}\nb: !!int {text}\nc: [{text}]\n")
    a, b, c = doc.value["a"], doc.value["b"], doc.value["c"][0]
    assert isinstance(a, yamlio.LargeInt) and a == b == c and str(a) == text
    again = yamlio.dump(doc.value)
    assert again == f"a: {text}\nb: {text}\nc:\n- {text}\n"
    assert yamlio.read_documents(again)[0].value == doc.value


def test_the_last_convertible_integer_is_an_int() -> None:
    (doc,) = yamlio.read_documents(f"a: {'9' * yamlio.MAX_INT_DIGITS}\nb: 0x{'f' * 3500}\n")
    assert doc.value["a"] == 10**yamlio.MAX_INT_DIGITS - 1 and isinstance(doc.value["b"], int)
    assert yamlio.dump(doc.value).startswith("a: 999")


def test_a_large_integer_as_a_float_is_infinite() -> None:
    (doc,) = yamlio.read_documents(f"a: !!float {BIG}\nb: !!float -{BIG}\n")
    assert doc.value == {"a": float("inf"), "b": float("-inf")}


def test_large_int_paths_name_keys_and_values() -> None:
    big = yamlio.LargeInt(BIG)
    value = {"spec": {"a": [1, big], "m": {big: "x"}, "ok": 2}, "top": big}
    assert yamlio.large_int_paths(value) == ["spec.a[1]", f"spec.m[{BIG}]", "top"]
    assert yamlio.large_int_paths({"a": [1, "2"]}) == []
    assert big == yamlio.LargeInt(BIG) and big != 1 and big != BIG and len({big, yamlio.LargeInt(BIG)}) == 1


# --- resolution at the edges -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("Null", None), ("NULL", None), ("True", True), ("TRUE", True), ("FALSE", False), ("false", False),
    (".Inf", math.inf), (".INF", math.inf), ("+.inf", math.inf), ("+.Inf", math.inf), ("+.INF", math.inf),
    ("-.inf", -math.inf), ("-.Inf", -math.inf), ("-.INF", -math.inf),
    ("0o", "0o"), ("0o7", 7), ("0o8", "0o8"), ("0x", "0x"), ("0xff", 255), ("0xFF", 255), ("0xX", "0xX"),
    ("0xg", "0xg"), ("0x1", 1), ("0o1", 1), ("0oX", "0oX"), ("+12", 12), ("1.", 1.0), (".5", 0.5), ("-1e-3", -0.001), ("nothing", "nothing"),
    ("tru", "tru"), ("~~", "~~"), ("+", "+"), (".", "."),
])
def test_every_spelling_of_the_core_schema(text: str, value: object) -> None:
    (doc,) = yamlio.read_documents(f"k: {text}\n")
    assert doc.value == {"k": value} and type(doc.value["k"]) is type(value)


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_not_a_number(text: str) -> None:
    (doc,) = yamlio.read_documents(f"k: {text}\n")
    assert math.isnan(doc.value["k"])


@pytest.mark.parametrize(("text", "value"), [
    ("!!float 1", 1.0), ("!!float 1.5", 1.5), ("!!int 1", 1), ("!!int 0x10", 16), ("!!bool true", True),
    ("!!bool False", False), ("!!null ~", None), ("!!null null", None), ("!!str true", "true"),
    ("!local 12", 12), ("!local '12'", "12"), ("!local x", "x"),
])
def test_explicit_tags(text: str, value: object) -> None:
    (doc,) = yamlio.read_documents(f"k: {text}\n")
    assert doc.value == {"k": value} and type(doc.value["k"]) is type(value)


@pytest.mark.parametrize(("text", "message"), [
    ("k: !!int true\n", "line 1 column 4: 'true' is not a valid tag:yaml.org,2002:int"),
    ("k: !!int 1.5\n", "line 1 column 4: '1.5' is not a valid tag:yaml.org,2002:int"),
    ("k: !!bool yes\n", "line 1 column 4: 'yes' is not a valid tag:yaml.org,2002:bool"),
    ("k: !!null x\n", "line 1 column 4: 'x' is not a valid tag:yaml.org,2002:null"),
    ("k: !!float x\n", "line 1 column 4: 'x' is not a valid tag:yaml.org,2002:float"),
    ("- a\n- !!int b\n", "line 2 column 3: 'b' is not a valid tag:yaml.org,2002:int"),
])
def test_explicit_tags_that_do_not_fit(text: str, message: str) -> None:
    with pytest.raises(yamlio.YAMLInputError) as e:
        yamlio.read_documents(text)
    assert str(e.value) == message


def test_complex_keys_become_strings() -> None:
    (doc,) = yamlio.read_documents("? [a, b]\n: 1\n? {k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}\n: 2\n")
    assert doc.value == {"<complex key ['a', 'b']>": 1, "<complex key {'k': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11>": 2}


# --- errors, with their position ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("a: [1, 2\n", "line 2 column 1: did not find expected ',' or ']'"),
    ("a: 1\n b: 2\n", "line 2 column 3: mapping values are not allowed in this context"),
    ("a: \x01\n", "unacceptable character #x0001: control characters are not allowed"),
    ("a: *x\n", "line 1 column 4: unknown alias *x"),
    ("a: &x 1\n---\nb: *x\n", "line 3 column 4: unknown alias *x"),
    ("a: 1\na: 2\n", "line 2 column 1: duplicate key 'a'"),
    ("functionConfig:\n  a: 1\n  a: 2\n", "line 3 column 3: duplicate key 'a'"),
    ("items:\n- {a: 1, a: 2}\n", "line 2 column 14: duplicate key 'a'"),
])
def test_errors_name_their_line_and_column(text: str, message: str) -> None:
    with pytest.raises(yamlio.YAMLInputError) as e:
        yamlio.read_documents(text)
    assert str(e.value) == message


def test_duplicate_keys_in_a_copied_item_are_recorded_with_their_path() -> None:
    (doc,) = yamlio.read_documents("items:\n- a:\n    b: 1\n    b: 2\n- x:\n  - {}\n  - c: 1\n    c: 2\n"
                                   "- d: 1\n  d: 2\n  e: 1\n  e: 2\n- f:\n    g:\n      h: 1\n      h: 2\n")
    assert [s.duplicate_key for s in doc.item_spans["items"]] == ["a.b", "x[1].c", "d", "f.g.h"]
    assert doc.value["items"][0] == {"a": {"b": 2}}


@pytest.mark.parametrize(("depth", "error"), [(200, None), (201, ("line 1 column 201: document nested deeper "
                                                                  "than 200 levels"))])
def test_nesting_limit_at_the_limit_itself(depth: int, error: str | None) -> None:
    text = "[" * depth + "]" * depth + "\n"
    if error is None:
        (doc,) = yamlio.read_documents(text)
        assert doc.value is not None
    else:
        with pytest.raises(yamlio.YAMLInputError) as e:
            yamlio.read_documents(text)
        assert str(e.value) == error


def test_nesting_limit_in_block_style() -> None:
    text = "".join("  " * i + "-\n" for i in range(199)) + "  " * 199 + "- x\n"
    (doc,) = yamlio.read_documents(text)
    depth, v = 0, doc.value
    while isinstance(v, list):
        depth, v = depth + 1, v[0]
    assert (depth, v) == (200, "x")
    with pytest.raises(yamlio.YAMLInputError, match="^line 201 column 401: document nested deeper than 200 levels$"):
        yamlio.read_documents("".join("  " * i + "-\n" for i in range(200)) + "  " * 200 + "- x\n")


# --- alias expansion, at the bound itself ----------------------------------------------------

@pytest.mark.parametrize(("aliases", "accepted"), [(10_002, True), (10_003, False)])
def test_scalar_alias_expansion_at_the_bound(aliases: int, accepted: bool) -> None:
    text = "[&a x" + ", *a" * aliases + "]\n"  # spells out 2 nodes: the bound is 10,000 + 2
    if accepted:
        (doc,) = yamlio.read_documents(text)
        assert len(doc.value) == aliases + 1
    else:
        with pytest.raises(yamlio.YAMLInputError) as e:
            yamlio.read_documents(text)
        assert str(e.value) == "line 1 column 40016: aliases expand to more than 10002 nodes (alias bomb?)"


@pytest.mark.parametrize(("aliases", "accepted"), [(2001, True), (2002, False)])
def test_a_collection_alias_counts_every_node_below_it(aliases: int, accepted: bool) -> None:
    text = "- &m {k: [a, b]}\n" + "- *m\n" * aliases  # 5 nodes each; the text spells out 6
    if accepted:
        (doc,) = yamlio.read_documents(text)
        assert doc.value[-1] == {"k": ["a", "b"]} and len(doc.value) == aliases + 1
    else:
        with pytest.raises(yamlio.YAMLInputError) as e:
            yamlio.read_documents(text)
        assert str(e.value) == f"line {aliases + 1} column 3: aliases expand to more than 10006 nodes (alias bomb?)"


def test_a_large_input_with_honest_aliases_is_read() -> None:
    """The bound grows with what the text spells out: 12,000 aliases next to 24,000 real nodes."""
    text = "base: &v value\nmap:\n" + "".join(f"  k{i}: *v\n  r{i}: real\n" for i in range(12_000))
    (doc,) = yamlio.read_documents(text)
    assert len(doc.value["map"]) == 24_000 and doc.value["map"]["k11999"] == "value"


# --- spans ----------------------------------------------------------------------------------

def _spans(spans: list[yamlio.Span]) -> list[tuple[int, int, int, bool]]:
    return [(s.start, s.end, s.column, s.copyable) for s in spans]


def test_document_spans() -> None:
    text = "a: 1\n---\n- b\n--- 5\n--- {c: 1}\n---\n"
    docs = yamlio.read_documents(text)
    assert [d.value for d in docs] == [{"a": 1}, ["b"], 5, {"c": 1}, None]
    assert _spans([d.span for d in docs]) == [(0, 5, 0, True), (9, 13, 0, True), (17, 18, 4, False),
                                              (23, 29, 4, False), (34, 34, 0, False)]
    assert [d.item_spans for d in docs] == [{}, {}, {}, {}, {}]
    assert yamlio.document_text(text, docs[0].span) == "a: 1\n"
    assert yamlio.document_text(text, docs[1].span) == "- b\n"


def test_item_spans_of_every_top_level_sequence_and_only_those() -> None:
    text = "items:\n- 'x'\n- a: 1\nother:\n- b\n1: [c]\nn:\n  l: [d]\nlast:\n  - e: 1\n"
    (doc,) = yamlio.read_documents(text)
    assert doc.value["items"] == ["x", {"a": 1}] and doc.value[1] == ["c"]
    assert {k: _spans(v) for k, v in doc.item_spans.items()} == {
        "items": [(9, 12, 2, False), (15, 20, 2, True)], "other": [(29, 30, 2, False)],
        "last": [(60, 65, 4, True)]}
    assert yamlio.sequence_entry(text, doc.item_spans["items"][1]) == "- a: 1\n"
    assert yamlio.sequence_entry(text, doc.item_spans["last"][0]) == "-   e: 1\n"


def test_the_second_document_starts_afresh() -> None:
    first, second = yamlio.read_documents("items:\n- a: 1\n---\nb: 2\n")
    assert first.item_spans["items"][0].copyable and second.item_spans == {}
    assert second.value == {"b": 2} and _spans([second.span]) == [(18, 23, 0, True)]


def test_an_alias_to_an_anchor_outside_the_items_makes_the_item_re_emitted() -> None:
    (doc,) = yamlio.read_documents("x: &a 1\nitems:\n- b: *a\n- *a\n- c:\n    d: *a\n")
    assert doc.value["items"] == [{"b": 1}, 1, {"c": {"d": 1}}]
    assert [s.copyable for s in doc.item_spans["items"]] == [False, False, False]


def test_the_function_config_may_alias_an_item() -> None:
    (doc,) = yamlio.read_documents("items:\n- a: &x 1\nfunctionConfig:\n  b: *x\n  c: [*x]\n")
    assert doc.value["functionConfig"] == {"b": 1, "c": [1]}


def test_the_last_item_of_a_text_without_a_final_newline() -> None:
    text = "items:\n- a: X"
    (doc,) = yamlio.read_documents(text)
    assert yamlio.sequence_entry(text, doc.item_spans["items"][0]) == "- a: X\n"


def test_span_text_ends_every_span_with_one_newline() -> None:
    text = "items:\n  - a: 1  \t\n    b: 2\n  - c: 3"
    (doc,) = yamlio.read_documents(text)
    first, last = doc.item_spans["items"]
    assert yamlio.span_text(text, first) == "a: 1  \t\n    b: 2\n"
    assert yamlio.span_text(text, last) == "c: 3\n"
    assert yamlio.sequence_entry(text, first) == "-   a: 1  \t\n    b: 2\n"


@pytest.mark.parametrize(("entry", "expected"), [
    ("- # note\n  a: 1\n", "- # note\n  a: 1\n"),
    ("-\n  a: 1\n", "-\n  a: 1\n"),
    ("-   # one\n\n  # two\n  a: 1\n", "-   # one\n\n  # two\n  a: 1\n"),
    ("- # crlf\r\n  a: 1\r\n", "- # crlf\r\n  a: 1\r\n"),
    ("- a: 1\n", "- a: 1\n"),
    ("-  a: 1\n", "-  a: 1\n"),
])
def test_sequence_entries_keep_what_sits_between_the_dash_and_the_item(entry: str, expected: str) -> None:
    text = f"items:\n# -- a note\n{entry}- z: 1\n"
    (doc,) = yamlio.read_documents(text)
    assert yamlio.sequence_entry(text, doc.item_spans["items"][0]) == expected


def test_a_comment_that_looks_like_an_entry_is_not_the_entry() -> None:
    text = "items:\n-\n  #- a: x\n  a: 1\n"
    (doc,) = yamlio.read_documents(text)
    assert yamlio.sequence_entry(text, doc.item_spans["items"][0]) == "-\n  #- a: x\n  a: 1\n"


# --- writing ----------------------------------------------------------------------------------

def test_dump_writes_unicode_and_two_space_block_style() -> None:
    assert yamlio.dump({"a": "é日本", "b": {"c": [1, {"d": "x"}]}, "e": [], "f": {}}) == (
        "a: é日本\nb:\n  c:\n  - 1\n  - d: x\ne: []\nf: {}\n")


def test_dump_ends_a_kept_block_scalar_without_a_document_end() -> None:
    assert yamlio.dump({"a": "x\n\n"}) == "a: |+\n  x\n\n"
    assert yamlio.dump({"a": "x\n\n", "b": 1}) == "a: |+\n  x\n\nb: 1\n"


def test_dump_all_separates_documents() -> None:
    assert yamlio.dump_all([{"a": 1}, [1], "s"]) == "a: 1\n---\n- 1\n---\ns\n"
    assert yamlio.dump_all([]) == ""


@pytest.mark.parametrize("text", ["1.5", "-2", "+.5", "1e3", "0o17", "y", "N", "true", "~", "null", "0x1F"])
def test_dump_quotes_every_string_a_reader_would_take_for_a_value(text: str) -> None:
    assert yamlio.dump({"k": text}) == f'k: "{text}"\n'
    (doc,) = yamlio.read_documents(yamlio.dump({"k": text}))
    assert doc.value == {"k": text}


@pytest.mark.parametrize("text", ["1.5.6", "v1", "-x", "abc", "yes-no", "0o", "on-prem"])
def test_dump_leaves_plain_what_no_reader_misreads(text: str) -> None:
    assert yamlio.dump({"k": text}) == f"k: {text}\n"


# --- large integers, byte-order marks, anchors in documents -----------------------------------------

def test_integers_of_4300_digits_are_read_and_longer_ones_kept_as_text() -> None:
    (doc,) = yamlio.read_documents("a: " + "9" * 4300 + "\nb: -1" + "0" * 4300 + "\nc: +" + "9" * 4300 + "\n")
    a, b, c = doc.value["a"], doc.value["b"], doc.value["c"]
    assert type(a) is int and a == 10**4300 - 1 and type(c) is int
    assert isinstance(b, yamlio.LargeInt) and str(b) == "-1" + "0" * 4300 and float(b) == -math.inf
    assert copy.deepcopy(b) is b and b == yamlio.LargeInt(b.text) and b != str(b)


@pytest.mark.parametrize("large", [False, True])
def test_hex_and_octal_integers_are_bounded_by_value(large: bool) -> None:
    value = 10**4300 if large else 10**4300 - 1
    for text in ("0x" + format(value, "x"), "0o" + format(value, "o")):
        (doc,) = yamlio.read_documents(f"k: {text}\n")
        assert isinstance(doc.value["k"], yamlio.LargeInt) is large
        assert doc.value["k"] == (yamlio.LargeInt(text) if large else value)


def test_where_large_integers_are() -> None:
    big = "1" + "0" * 4300
    (doc,) = yamlio.read_documents(f"? {big}\n: {{k: {big}}}\nx: [1, {big}]\ny: {{z: {big}}}\n")
    assert yamlio.large_int_paths(doc.value) == [f"[{big}]", "x[1]", "y.z"]
    assert yamlio.large_int_paths(doc.value["y"], "spec") == ["spec.z"]


def test_a_byte_order_mark_must_be_stripped_before() -> None:
    with pytest.raises(yamlio.YAMLInputError) as e:
        yamlio.read_documents("\ufeffa: 1\n")
    assert str(e.value) == "line 1 column 1: a byte-order mark inside the text (strip it when decoding)"
    assert yamlio.read_documents("a: '\ufeff'\n")[0].value == {"a": "\ufeff"}


def test_a_document_with_an_anchor_is_not_copied() -> None:
    plain, anchored, scalar = yamlio.read_documents("a:\n  b: 1\n---\na:\n  b: &x 1\n  c: *x\n--- &s x\n")
    assert (plain.span.copyable, anchored.span.copyable, scalar.span.copyable) == (True, False, False)
    assert anchored.value == {"a": {"b": 1, "c": 1}} and scalar.value == "x"


def test_the_last_item_keeps_all_its_lines_without_a_final_newline() -> None:
    text = "items:\n- a: 1\n  b: 2"
    (doc,) = yamlio.read_documents(text)
    assert yamlio.sequence_entry(text, doc.item_spans["items"][0]) == "- a: 1\n  b: 2\n"


def test_a_document_text_keeps_its_column() -> None:
    text = "---\n  a: 1\n  b: 2\n"
    (doc,) = yamlio.read_documents(text)
    assert doc.span.column == 2 and yamlio.document_text(text, doc.span) == "  a: 1\n  b: 2\n"


@pytest.mark.parametrize("before", ["-\n", "- \n  # c\n", "- # only a comment\n"])
def test_an_entry_after_an_empty_entry_takes_nothing_from_it(before: str) -> None:
    text = f"items:\n{before}- a: 1\n"
    (doc,) = yamlio.read_documents(text)
    assert doc.value["items"] == [None, {"a": 1}]
    assert yamlio.sequence_entry(text, doc.item_spans["items"][1]) == "- a: 1\n"


# --- the direct node builder against PyYAML's representer -----------------------------------

class _ReferenceDumper(yaml.CSafeDumper):
    """What dump made before it built nodes itself: PyYAML's representer, resolver and rules."""

    def ignore_aliases(self, data: object) -> bool:
        return True


_ReferenceDumper.yaml_implicit_resolvers = copy.deepcopy(yamlio._Dumper.yaml_implicit_resolvers)  # 1.1 lookalikes
assert _ReferenceDumper.yaml_implicit_resolvers != yaml.CSafeDumper.yaml_implicit_resolvers


def _reference_str(dumper: _ReferenceDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    plain = yaml.resolver.BaseResolver.resolve(dumper, yaml.ScalarNode, data, (True, False)) == "tag:yaml.org,2002:str"
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=None if plain else '"')


_ReferenceDumper.add_representer(str, _reference_str)
_ReferenceDumper.add_representer(yamlio.LargeInt, lambda d, v: d.represent_scalar("tag:yaml.org,2002:int", v.text))


def _reference_dump(data: object) -> str:
    out: str = yaml.dump(data, Dumper=_ReferenceDumper, **yamlio._DUMP_OPTIONS)
    return out[: -len("...\n")] if out.endswith("\n...\n") else out


_TRICKY = st.sampled_from(["", "on", "yes", "y", "N", "0755", "0o17", "1e3", ".5", "+1", "-", "~", "null", "true",
                           "a: b", "- x", "#c", "x\n", "\n", "a\nb\n\n", " lead", "trail ", "ü", "\t", "'", '"',
                           "1_000", "2001-12-14", "*a", "&a", "!t", "%", "@", "`", "{}", "[]", "<<", "="])
_SCALARS = st.one_of(_TRICKY, st.text(max_size=12), st.integers(), st.booleans(), st.none(),
                     st.floats(allow_nan=True), st.builds(yamlio.LargeInt, st.just("9" * 4301)))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(_TRICKY, st.text(max_size=8)), inner, max_size=4)),
    max_leaves=25)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_VALUES)
def test_dump_writes_what_pyyaml_s_representer_writes(value: object) -> None:
    assert yamlio.dump(value) == _reference_dump(value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(_TRICKY, st.text(max_size=12)), st.booleans(), st.booleans())
def test_the_remembered_resolver_is_the_resolver(value: str, first: bool, second: bool) -> None:
    dumper = yamlio._Dumper(io.StringIO())
    for _ in range(2):  # remembered or not
        for kind in (yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode):
            assert dumper.resolve(kind, value, (first, second)) == yaml.resolver.BaseResolver.resolve(
                dumper, kind, value, (first, second))


def test_dump_of_a_generated_package_is_the_reference_dump() -> None:
    from .conftest import ROOT, generated, run

    out = run((ROOT / "examples" / "resourcelist.yaml").read_text()).stdout
    objects = generated(out)
    assert len(objects) > 10 and yamlio.dump(objects) == _reference_dump(objects)
