"""Kubernetes resource quantities as the API server reads them (k8s.io/apimachinery resource).

``parse`` gives the exact value and the format the server infers from the suffix; values are
rounded up (away from zero) to nanos and BinarySI values are capped at 2**63 - 1, as
``resource.ParseQuantity`` does. ``canonical`` is ``Quantity.String()``. Arithmetic uses
``decimal`` with unbounded precision, so a quantity of thousands of digits is compared exactly
and never converted to an ``int`` (which Python refuses beyond 4300 digits).
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import Decimal

DECIMAL_SI, DECIMAL_EXPONENT, BINARY_SI = "DecimalSI", "DecimalExponent", "BinarySI"

_CTX = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                       traps=[decimal.InvalidOperation, decimal.DivisionByZero])
_NANO = Decimal("1e-9")
_MAX_INT64 = Decimal(2**63 - 1)
_INT32 = 2**31
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:[eE]([+-]?[0-9]+)|([KMGTPE]i|[numkMGTPE])?)\Z")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {e: s for s, e in _DECIMAL.items()}
_BINARY_SUFFIX = {e // 10: s for s, e in _BINARY.items()}


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    format: str


def parse(text: object) -> Quantity | None:
    """The quantity ``text`` (a string or an integer) stands for, or None if it is none."""
    m = _QUANTITY.match(str(text))
    if m is None:
        return None
    number, exponent, suffix = m.groups()
    value = Decimal(number)
    if exponent is not None:
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        if len(digits) > 19 or int(digits) > 2**63 - (exponent[0] != "-"):
            return None  # the server parses the exponent as an int64...
        e = int(exponent[0] + digits if exponent[0] in "+-" else digits)
        e = (e + _INT32) % (2 * _INT32) - _INT32  # ...and keeps its low 32 bits
        fmt, value = DECIMAL_EXPONENT, _CTX.scaleb(value, e)
    elif suffix in _BINARY:
        fmt, value = BINARY_SI, _CTX.multiply(value, Decimal(2 ** _BINARY[suffix]))
    else:
        fmt, value = DECIMAL_SI, _CTX.scaleb(value, _DECIMAL[suffix or ""])
    if value.as_tuple().exponent < -9:  # type: ignore[operator]
        value = value.quantize(_NANO, rounding=decimal.ROUND_UP, context=_CTX)
    if fmt == BINARY_SI and abs(value) > _MAX_INT64:
        value = _MAX_INT64.copy_sign(value)
    if fmt == BINARY_SI and value == 0:
        fmt = DECIMAL_SI
    return Quantity(value if value else Decimal(0), fmt)


def milli_ceil_is_whole(q: Quantity) -> bool:
    """``q.MilliValue() % 1000 == 0``: the server's test that a quantity is an integer."""
    milli = _CTX.scaleb(q.value, 3).to_integral_value(rounding=decimal.ROUND_CEILING, context=_CTX)
    return _CTX.scaleb(milli, -3) == _CTX.scaleb(milli, -3).to_integral_value(context=_CTX)


def ceil_mod(q: Quantity, modulus: int) -> int:
    """``ceil(q) mod modulus`` for q >= 0, without building the integer of a huge quantity."""
    _, digits, exponent = q.value.to_integral_value(rounding=decimal.ROUND_CEILING, context=_CTX).as_tuple()
    rest = 0
    for start in range(0, len(digits), 1000):
        chunk = digits[start:start + 1000]
        rest = (rest * pow(10, len(chunk), modulus) + int("".join(map(str, chunk)))) % modulus
    return rest * pow(10, max(int(exponent), 0), modulus) % modulus


def canonical(q: Quantity) -> str:
    """The server's canonical form of ``q`` (``Quantity.String()``): 1000 is 1k, 1024Ki is 1Mi."""
    v, fmt = q.value, q.format
    if v == 0:
        return "0"
    if fmt == BINARY_SI:
        whole = v == v.to_integral_value(context=_CTX)
        if -1024 < v < 1024 or not whole:
            fmt = DECIMAL_SI
        else:
            n, power = int(v), 0  # at most 2**63 - 1 here
            while n % 1024 == 0 and power < 6:
                n, power = n // 1024, power + 1
            return f"{n}{_BINARY_SUFFIX.get(power, '')}"
    sign, digits, exponent = v.normalize(context=_CTX).as_tuple()
    exponent = int(exponent)
    mantissa = "".join(map(str, digits)) + "0" * (exponent % 3)
    exponent -= exponent % 3
    mantissa = ("-" if sign else "") + mantissa
    if fmt == DECIMAL_SI and exponent in _DECIMAL_SUFFIX:
        return mantissa + _DECIMAL_SUFFIX[exponent]
    return mantissa + (f"e{exponent}" if exponent else "")
