"""Budgets and expected values for `convcost check`: exact comparisons of a report's totals.

Limits are written with SI suffixes (K = 10^3, M = 10^6, G = 10^9, T = 10^12): `600M`, `4.5M`,
`568740352`. They are read as exact fractions, so `4.5M` is 4,500,000 exactly and no float
rounding decides a pass or a fail. Kilo may be written k, as SI writes it; any other lower-case
suffix is refused: m is milli in SI, and g and t are no SI prefixes at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Literal, NamedTuple

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


CheckKind = Literal["max", "expect"]
"""A bound (actual <= limit) or an expectation (actual == limit)."""


class Limit(NamedTuple):
    """One bound or expectation, as given."""

    quantity: str  # a totals field: macs, flops, params, activations, mem_access
    kind: CheckKind
    limit: Fraction


class Check(NamedTuple):
    """One bound or expectation and how the report met it."""

    quantity: str  # a totals field: macs, flops, params, activations, mem_access
    kind: CheckKind
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


def limits(
    maxima: Mapping[str, Sequence[str]], expected: Sequence[tuple[str, tuple[str, str] | None]]
) -> list[Limit]:
    """The bounds (`maxima`: amounts per quantity, as --max-QUANTITY gives them) and then the
    expectations (each --expect item with its NAME=AMOUNT pair, None when it is not one), in
    that order, each as given: two expectations of one quantity are both checked."""
    out = [
        Limit(field, "max", amount(text, f"--max-{field.replace('_', '-')}"))
        for field, texts in maxima.items()
        for text in texts
    ]
    for item, kv in expected:
        if kv is None:
            raise ConvcostError(
                f"--expect '{brief(item)}': expected NAME=AMOUNT, e.g. macs=568740352"
            )
        name, value = kv
        out.append(Limit(quantity(name), "expect", amount(value, f"--expect {brief(name)}")))
    return out


def check(report: Report, limits: Sequence[Limit]) -> list[Check]:
    """How `report` meets each limit: actual <= limit for a bound, actual == limit for an
    expectation (so `--expect macs=1 --expect macs=568740352` fails)."""
    out = []
    for field, kind, limit in limits:
        actual = getattr(report.totals, field)
        ok = actual <= limit if kind == "max" else actual == limit
        out.append(Check(field, kind, limit, actual, ok))
    return out
