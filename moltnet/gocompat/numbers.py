"""Go's strconv number parsing and formatting, where a value must read or print as Go's does."""

from __future__ import annotations

import math
import re
from decimal import Decimal

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
PREFIXES = {"0x": 16, "0o": 8, "0b": 2}
_DECIMAL = re.compile(r"[+-]?[0-9]+")


def atoi(text: str) -> int:
    """strconv.Atoi (64-bit): base 10, an optional sign, no `_`; out of int64 range is an error."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError("invalid syntax")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("value out of range")
    return value


def parse_int(text: str) -> int:
    """strconv.ParseInt(text, 0, 64): sign, 0x/0o/0b/leading-0 octal prefixes, `_` separators."""
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.removeprefix("+"))
    base = PREFIXES.get(digits[:2].lower(), 0)
    if base:
        digits = digits[2:].removeprefix("_")
    elif len(digits) > 1 and digits.startswith("0"):
        base, digits = 8, digits[1:].removeprefix("_")
    if not digits or not all(c.isascii() and (c.isalnum() or c == "_") for c in digits):
        raise ValueError("parse error")
    try:
        value = sign * int(digits, base or 10)
    except ValueError:
        raise ValueError("parse error") from None
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("value out of range")
    return value


def format_float(value: float) -> str:
    """Go's strconv.FormatFloat(v, 'g', -1, 64), as the Go Prometheus client prints numbers."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(digits) + exponent  # position of the decimal point in `text`
    prefix = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:  # shortest 'g' switches to exponent form at 1e+06
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"
