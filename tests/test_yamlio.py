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


def test_an_alias_to_another_item_makes_the_item_re_emitted() -> None:
    text = "items:\n- a: &x {k: v}\n- b: *x\n- *x\n"
    (doc,) = yamlio.read_documents(text)
    assert [s.copyable for s in doc.item_spans["items"]] == [True, False, False]
    assert doc.value["items"][1] == {"b": {"k": "v"}}


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
