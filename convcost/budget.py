"""Budgets and expected values for `convcost check`: exact comparisons of a report's totals.

Limits are written with SI suffixes (K = 10^3, M = 10^6, G = 10^9, T = 10^12): `600M`, `4.5M`,
`568740352`. They are read as exact fractions, so `4.5M` is 4,500,000 exactly and no float
rounding decides a pass or a fail. Kilo may be written k, as SI writes it; any other lower-case
suffix is refused: m is milli in SI, and g and t are no SI prefixes at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

from convcost.errors import ConvcostError, did_you_mean
from convcost.layers import COST_FIELDS
from convcost.report import Report

SUFFIXES = {"": 1, "K": 10**3, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]?)\s*$")
_NOT_SI = {"m": "m is milli in SI", "g": "g is no SI prefix", "t": "t is no SI prefix"}
MAX_DIGITS = 100
"""Digits an amount may have (whole and fraction part together): more than any total reaches,
and few enough that every amount converts and prints (Python refuses ints of 4,300 digits)."""


def amount(text: str, what: str) -> Fraction:
    """'600M' -> 600000000, '4.5M' -> 4500000, '1.5k' -> 1500, exactly; anything else (such
    as '4.5m', which SI reads as 0.0045) is a user error."""
    m = _AMOUNT.match(text)
    if not m or m.group(2) not in SUFFIXES:
        hint = "write e.g. 600M, 4.5M or 568740352"
        if m and m.group(2).upper() in SUFFIXES:
            number, suffix = m.group(1), m.group(2)
            hint = f"{_NOT_SI[suffix]}; did you mean {brief(number)}{suffix.upper()}?"
        raise ConvcostError(f"{what}: '{brief(text)}' is not an amount", hint=hint)
    digits = len(m.group(1).replace(".", ""))
    if digits > MAX_DIGITS:
        raise ConvcostError(
            f"{what}: '{brief(text)}' has {digits:,} digits; an amount has at most {MAX_DIGITS}"
        )
    return Fraction(m.group(1)) * SUFFIXES[m.group(2)]


def brief(text: str, width: int = 40) -> str:
    """`text` as a message shows it: whole if short, else its start and end around '...'."""
    return text if len(text) <= width else f"{text[: width - 15]}...{text[-12:]}"


class Check(NamedTuple):
    """One bound or expectation and how the report met it."""

    quantity: str  # a totals field: macs, flops, params, activations, mem_access
    kind: str  # "max" (actual <= limit) or "expect" (actual == limit)
    limit: Fraction
    actual: int
    ok: bool


def quantity(name: str) -> str:
    """A totals field name, as `--max-NAME` or `--expect NAME=...` spell it."""
    field = name.replace("-", "_")
    if field not in COST_FIELDS:
        raise ConvcostError(
            f"unknown quantity '{brief(name)}'{did_you_mean(field, COST_FIELDS)}",
            hint="quantities: " + ", ".join(COST_FIELDS),
        )
    return field


def check(
    report: Report,
    maxima: Sequence[tuple[str, Fraction]],
    expected: Sequence[tuple[str, Fraction]],
) -> list[Check]:
    """Every bound (actual <= limit) and expectation (actual == value), in that order, each
    (quantity, amount) pair as given: two expectations of one quantity are both checked, so
    `--expect macs=1 --expect macs=568740352` fails."""
    out = []
    for kind, limits in (("max", maxima), ("expect", expected)):
        for field, limit in limits:
            actual = getattr(report.totals, field)
            ok = actual <= limit if kind == "max" else actual == limit
            out.append(Check(field, kind, limit, actual, ok))
    return out
