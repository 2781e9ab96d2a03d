"""Counting a report as other tools do (`--convention`, `explain`, `convcost.counted`).

The conventions and their rules are declared with the layer kinds (convcost/counting.py,
convcost/layers.py): every kind says, for each PyTorch call computing it, how each convention
counts it, so a layer is counted by its own kind's rule and a new kind cannot be left out.
"""

from __future__ import annotations

from typing import NamedTuple

from convcost.checks import Grouping
from convcost.counting import CONVENTIONS, Convention, Rule
from convcost.errors import ConvcostError, did_you_mean
from convcost.report import LayerCost, Report, group_sums

__all__ = ["CONVENTIONS", "Call", "Convention", "Counted", "count", "counted", "explain", "rule"]


def rule(layer: LayerCost, convention: Convention) -> Rule:
    """How `convention` counts one layer: its kind's rule for the layer's PyTorch call."""
    return layer.facts.calls[layer.torch][convention.name]


def count(layer: LayerCost, convention: Convention) -> int:
    """What `convention` counts for one layer."""
    return rule(layer, convention).count(layer)


class Counted(NamedTuple):
    """A report counted under one convention: per layer, per --by group, in total."""

    convention: Convention
    layers: list[int]
    groups: dict[str, int]  # per category or block, in the report's order ({} by layer)
    total: int

    @property
    def caption(self) -> str:
        """The convention in one line, with its unit and exact total."""
        c = self.convention
        return f"{c.name} = {c.tool}, {self.total:,} {c.unit} in all: {c.summary}"


def counted(report: Report, name: str, by: Grouping = "layer", depth: int = 1) -> Counted:
    """Count every layer of `report` as the named convention does; group for --by."""
    if name not in CONVENTIONS:
        raise ConvcostError(
            f"unknown convention {name!r}{did_you_mean(name, CONVENTIONS)}",
            hint="conventions: " + ", ".join(CONVENTIONS),
        )
    convention = CONVENTIONS[name]
    layers = [count(x, convention) for x in report.layers]
    groups = group_sums(report.layers, layers, by, depth) if by != "layer" else {}
    return Counted(convention, layers, groups, sum(layers))


class Call(NamedTuple):
    """One PyTorch call of a network, as every convention counts it (`explain`)."""

    torch: str
    kinds: tuple[str, ...]
    layers: int
    counts: dict[str, int]  # by convention name
    rules: dict[str, str]  # by convention name; "" where it counts nothing


def explain(report: Report) -> list[Call]:
    """Every PyTorch call in `report` (in order of first use) with what each convention counts
    for all its layers together; each convention's counts sum to its total."""
    layers: dict[str, list[LayerCost]] = {}
    for x in report.layers:
        layers.setdefault(x.torch, []).append(x)
    out = []
    for call, xs in layers.items():
        rules = {n: rule(xs[0], c).text for n, c in CONVENTIONS.items()}
        counts = {n: sum(count(x, c) for x in xs) for n, c in CONVENTIONS.items()}
        kinds = tuple(dict.fromkeys(x.kind for x in xs))
        out.append(Call(call, kinds, len(xs), counts, rules))
    return out
