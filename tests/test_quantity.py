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


# --- every suffix, format and boundary -------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "fmt", "canonical"), [
    ("1Ki", 1024, "BinarySI", "1Ki"), ("1Ti", 2**40, "BinarySI", "1Ti"), ("1024Gi", 2**40, "BinarySI", "1Ti"),
    ("1Pi", 2**50, "BinarySI", "1Pi"), ("1024Ti", 2**50, "BinarySI", "1Pi"), ("1Ei", 2**60, "BinarySI", "1Ei"),
    ("1024Pi", 2**60, "BinarySI", "1Ei"), ("7Ei", 7 * 2**60, "BinarySI", "7Ei"),
    ("8Ei", 2**63 - 1, "BinarySI", "9223372036854775807"), ("1023Ki", 1023 * 1024, "BinarySI", "1023Ki"),
    ("-1023Ki", -1023 * 1024, "BinarySI", "-1023Ki"), ("0.9990234375Ki", 1023, "BinarySI", "1023"),
    ("-0.9990234375Ki", -1023, "BinarySI", "-1023"), ("1.0009765625Ki", 1025, "BinarySI", "1025"),
    ("-1Ki", -1024, "BinarySI", "-1Ki"), ("0.00048828125Ki", Decimal("0.5"), "BinarySI", "500m"),
    ("1.5005Ki", Decimal("1536.512"), "BinarySI", "1536512m"), ("0.0009765625Ki", 1, "BinarySI", "1"),
    ("0Ki", 0, "DecimalSI", "0"),
    ("1n", Decimal("1e-9"), "DecimalSI", "1n"), ("0.5n", Decimal("1e-9"), "DecimalSI", "1n"),
    ("-1.5n", Decimal("-2e-9"), "DecimalSI", "-2n"), ("1u", Decimal("1e-6"), "DecimalSI", "1u"),
    ("1000u", Decimal("0.001"), "DecimalSI", "1m"), ("1000000u", 1, "DecimalSI", "1"),
    ("1G", 10**9, "DecimalSI", "1G"), ("1000M", 10**9, "DecimalSI", "1G"), ("1T", 10**12, "DecimalSI", "1T"),
    ("1P", 10**15, "DecimalSI", "1P"), ("1E", 10**18, "DecimalSI", "1E"), ("1k", 1000, "DecimalSI", "1k"),
    ("1e2", 100, "DecimalExponent", "100"), ("1e4", 10**4, "DecimalExponent", "10e3"),
    ("1e+3", 1000, "DecimalExponent", "1e3"), ("1e03", 1000, "DecimalExponent", "1e3"),
    ("1e-10", Decimal("1e-9"), "DecimalExponent", "1e-9"),
    ("1e-9223372036854775808", 1, "DecimalExponent", "1"), ("1e2147483648", Decimal("1e-9"), "DecimalExponent", "1e-9"),
    ("1e2147483647", Decimal("1e2147483647"), "DecimalExponent", "10e2147483646"),
    ("1e4294967296", 1, "DecimalExponent", "1"),
])
def test_every_suffix_and_boundary(text: str, value: int | Decimal, fmt: str, canonical: str) -> None:
    q = quantity.parse(text)
    assert q is not None and (q.value, q.format, quantity.canonical(q)) == (Decimal(value), fmt, canonical)


@pytest.mark.parametrize("text", ["1e-9223372036854775809", "1e" + "9" * 20, "1e9223372036854775808"])
def test_exponents_beyond_int64(text: str) -> None:
    assert quantity.parse(text) is None


def test_ceil_mod_over_many_chunks() -> None:
    text = "123456789" * 300  # 2,700 digits: three chunks and a bit
    q = quantity.parse(text)
    assert q is not None and quantity.ceil_mod(q, 1_000_003) == int(text) % 1_000_003
    assert quantity.ceil_mod(quantity.parse("12.5"), 7) == 6  # type: ignore[arg-type]
