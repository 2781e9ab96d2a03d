"""Design sweeps: the cross product of parameter values, one costed network per point.

`--set width=1,0.75,0.5 --set resolution=224..226` gives 3 x 3 points. A point the network
cannot take (ShuffleNet v1 with 5 groups) is kept as a row with its error instead of stopping
the sweep. Points are evaluated one by one (about a millisecond each for a small network).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import NamedTuple

from convcost.analysis import analyze, resolve_params
from convcost.errors import ConvcostError
from convcost.layers import Cost
from convcost.spec import Spec

MAX_POINTS = 100_000
"""The largest sweep accepted."""
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")


class Point(NamedTuple):
    """One combination of values: its totals (only: a sweep may have 100,000 points), or the
    error that stopped it."""

    values: dict[str, str]
    totals: Cost | None
    error: str


def values(name: str, text: str) -> list[str]:
    """'1,0.75,0.5' -> ['1', '0.75', '0.5']; '1..4' -> ['1', '2', '3', '4']."""
    m = _RANGE.match(text)
    if m:
        low, high = int(m.group(1)), int(m.group(2))
        if high < low:
            raise ConvcostError(f"--set {name}={text}: the range is empty")
        return [str(v) for v in range(low, high + 1)]
    items = [v.strip() for v in text.split(",")]
    if not all(items):
        raise ConvcostError(f"--set {name}={text}: an empty value in the list")
    return items


def sweep(spec: Spec, sets: Mapping[str, str]) -> list[Point]:
    """Analyze every combination of the values of `sets`, in order (the last name varies
    fastest)."""
    names = list(sets)
    for name in names:
        if name not in spec.params:
            resolve_params(spec, {name: "0"})  # raises the usual unknown-param error
    lists = [values(n, sets[n]) for n in names]
    total = 1
    for v in lists:
        total *= len(v)
    if total > MAX_POINTS:
        raise ConvcostError(f"the sweep has {total:,} points; the limit is {MAX_POINTS:,}")
    points = []
    for combo in itertools.product(*lists):
        chosen = dict(zip(names, combo, strict=True))
        try:
            points.append(Point(chosen, analyze(spec, chosen).totals, ""))
        except ConvcostError as e:
            where = f"{e.loc}: " if e.loc else ""
            points.append(Point(chosen, None, where + e.message))
    return points


def pareto(points: list[Point], second: str = "params") -> list[Point]:
    """The points no other point beats on both MACs and `second` (params or mem_access)."""
    keyed = [(p, (p.totals.macs, getattr(p.totals, second))) for p in points if p.totals]
    return [
        p
        for p, (m, s) in keyed
        if not any(k != (m, s) and k[0] <= m and k[1] <= s for _, k in keyed)
    ]
