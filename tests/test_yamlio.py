"""krm_fn.yamlio: YAML 1.2 values, exact spans, bounds, and safe emission."""

from __future__ import annotations

import math

import pytest

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
