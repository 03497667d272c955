"""krm_fn.quantity: quantities as k8s.io/apimachinery's resource.ParseQuantity and String() see them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from krm_fn import quantity


@pytest.mark.parametrize(("text", "canonical"), [
    ("1", "1"), ("1000", "1k"), ("1000m", "1"), ("0.001", "1m"), ("1.5", "1500m"), ("100M", "100M"),
    ("1e3", "1e3"), ("1e0", "1"), ("1e-3", "1e-3"), ("123456789e2", "12345678900"), ("1E6", "1e6"),
    ("1024", "1024"), ("1Ki", "1Ki"), ("1024Ki", "1Mi"), ("0.5Ki", "512"), ("1.5Ki", "1536"), ("512Mi", "512Mi"),
    ("1023", "1023"), ("0", "0"), ("-0", "0"), ("0Ki", "0"), ("-1", "-1"), ("-1024Ki", "-1Mi"),
    ("0.9999999", "999999900n"), ("1.0000000001", "1000000001n"), ("+5", "5"), (".5", "500m"),
    (2, "2"), ("1e21", "1e21"), ("1000E", "1e21"), ("10Ei", "9223372036854775807"),
])
def test_canonical_forms(text: str, canonical: str) -> None:
    q = quantity.parse(text)
    assert q is not None and quantity.canonical(q) == canonical


def test_values_finer_than_nanos_round_away_from_zero() -> None:
    assert quantity.parse("1.0000000001").value == Decimal("1.000000001")  # type: ignore[union-attr]
    assert quantity.parse("-1.0000000001").value == Decimal("-1.000000001")  # type: ignore[union-attr]
    assert quantity.parse("1e-20").value == Decimal("1e-9")  # type: ignore[union-attr]
    assert quantity.parse("1.000000001").value == Decimal("1.000000001")  # type: ignore[union-attr]


def test_binary_si_is_capped_at_int64() -> None:
    assert quantity.parse("9Ei").value == 2**63 - 1  # type: ignore[union-attr]
    assert quantity.parse("9000000000000000000000").value == Decimal(9000000000000000000000)  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["", "1.5.5", "1e2.5", "1Kb", "one", "1 ", "--1", f"1e{2**63}", "1e-" + "9" * 20])
def test_what_the_server_cannot_parse(text: str) -> None:
    assert quantity.parse(text) is None


def test_an_exponent_keeps_its_low_32_bits_as_the_server_does() -> None:
    assert quantity.parse(f"1e{2**32 + 3}").value == Decimal(1000)  # type: ignore[union-attr]
    assert quantity.parse(f"1e{2**63 - 1}") is not None


@pytest.mark.parametrize(("text", "whole"), [
    ("1", True), ("1000m", True), ("1001m", False), ("0.5", False), ("0.9999999", True), ("1e-9", False),
    ("-1500m", False), ("1" * 5000, True), ("1" * 5000 + ".5", False),
])
def test_milli_value_whole(text: str, whole: bool) -> None:
    q = quantity.parse(text)
    assert q is not None and quantity.milli_ceil_is_whole(q) is whole


def test_ceil_mod_of_huge_values_without_an_int() -> None:
    big = "7" * 5000
    q = quantity.parse(big)
    assert q is not None
    assert quantity.ceil_mod(q, 2**21) == int(big[-30:]) % 2**21  # 2**21 divides 10**21
    assert quantity.ceil_mod(quantity.parse("1e3000"), 2**21) == 0  # type: ignore[arg-type]
    assert quantity.ceil_mod(quantity.parse("4.5Mi"), 2**21) == 2**19  # type: ignore[arg-type]
