"""Checks of the Python API's arguments (convcost/__init__.py and Report's methods): each
returns the value or raises a ConvcostError naming what was expected."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Literal, get_args

from convcost.errors import ConvcostError, did_you_mean, elide

Grouping = Literal["layer", "category", "block"]
"""What `by` takes: one row per layer, per layer category, or per block (path prefix)."""
GROUPINGS: tuple[Grouping, ...] = get_args(Grouping)
CompareBy = Literal["network", "category"]
"""What `compare --by` takes: totals per network, or each network's split by category."""
COMPARE_BY: tuple[CompareBy, ...] = get_args(CompareBy)
UNKNOWN_MODES = ("error", "zero")
"""An ONNX op convcost has no kind for is an error, or counted as free and listed (--unknown)."""


def is_onnx(arg: str) -> bool:
    """Whether a network argument is an ONNX file: its name ends in .onnx (any case)."""
    return arg.lower().endswith(".onnx")


def shown(value: object) -> str:
    """`value` as a message shows it: its type and repr, shortened; never fails (an int of
    4,300 digits has no repr)."""
    if isinstance(value, int) and value.bit_length() > 1000:  # repr refuses 4,300 digits
        return f"an int of about {int(value.bit_length() * math.log10(2)):,} digits"
    text = elide(repr(value))
    return text if value is None else f"{type(value).__name__} {text}"


def choice(value: object, what: str, choices: Iterable[str]) -> str:
    """`value` if it is one of `choices`, else a ConvcostError naming them."""
    names = list(choices)
    if isinstance(value, str) and value in names:
        return value
    close = did_you_mean(value, names) if isinstance(value, str) else ""
    raise ConvcostError(f"{what} must be one of {', '.join(names)}; got {shown(value)}{close}")


def whole(value: object, what: str, low: int = 1, high: int | None = None) -> int:
    """`value` if it is an int (not a bool) from `low` to `high`, else a ConvcostError."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
        if n >= low and (high is None or n <= high):
            return n
    bounds = f"of at least {low:,}" if high is None else f"from {low:,} to {high:,}"
    raise ConvcostError(f"{what} must be a whole number {bounds}; got {shown(value)}")


def flag(value: object, what: str) -> bool:
    """`value` if it is True or False, else a ConvcostError (no truthy strings)."""
    if isinstance(value, bool):
        return value
    raise ConvcostError(f"{what} must be True or False; got {shown(value)}")


def grouping(by: object, depth: object) -> Grouping:
    """`by` (layer, category or block), checked with `depth` (a count of path segments, with
    by="block" only)."""
    checked = next(g for g in GROUPINGS if g == choice(by, "by", GROUPINGS))
    whole(depth, "depth")
    if by != "block" and depth != 1:
        raise ConvcostError(f"depth applies to by='block' only (this is by={by!r})")
    return checked
