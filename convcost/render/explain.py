"""The view of `convcost explain`: each PyTorch call a network makes with what every
convention counts for it and by which rule, each convention's total; and their tables, JSON
and CSV."""

from __future__ import annotations

from typing import NamedTuple

from convcost.conventions import CONVENTIONS, Call, explain
from convcost.render.analyze import convention_data
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import CONVENTION, params_text, si
from convcost.report import Report


class ExplainView(NamedTuple):
    """`convcost explain`: the network, its calls, and each convention's total."""

    report: Report
    calls: list[Call]
    totals: dict[str, int]  # by convention name, in CONVENTIONS order

    def grids(self) -> list[Grid]:
        """What each convention counts per PyTorch call, then its rules."""
        r, names = self.report, list(self.totals)
        header = ["torch call", "kinds", "layers", *(f"{n} {CONVENTIONS[n].unit}" for n in names)]
        rows = [
            [c.torch, ", ".join(c.kinds), str(c.layers), *(_count(c.counts[n]) for n in names)]
            for c in self.calls
        ]
        total = ["total", "", str(len(r.layers)), *(si(self.totals[n]) for n in names)]
        tools = " · ".join(f"{n} = {c.tool}" for n, c in CONVENTIONS.items())
        counts = Grid(
            f"{r.title or r.network} - {r.input} input: what each tool counts",
            header,
            rows,
            total,
            f"{tools} · - = not counted · {params_text(r.params)} · {CONVENTION}",
            left=2,
            wrap=(1,),
            drop=(1, 2),
        )
        rule_rows = [
            [c.torch, n, c.rules[n], si(c.counts[n])]
            for c in self.calls
            for n in names
            if c.rules[n]
        ]
        rules = Grid(
            "The rules behind each count (from each tool's source)",
            ["torch call", "convention", "counts", "here"],
            rule_rows,
            None,
            "Calls and conventions not listed count 0; the torch call of a layer is its kind's "
            "usual module unless the spec names another (torch: F.relu)",
            left=3,
            wrap=(2,),
        )
        return [counts, rules]

    def json(self) -> str:
        """The conventions with their totals, and every call's counts and rules."""
        return to_json(
            {
                "network": self.report.network,
                "conventions": [
                    {**convention_data(c), "total": self.totals[n]} for n, c in CONVENTIONS.items()
                ],
                "calls": [
                    {
                        "torch": x.torch,
                        "kinds": list(x.kinds),
                        "layers": x.layers,
                        "counts": x.counts,
                        "rules": {n: r for n, r in x.rules.items() if r},
                    }
                    for x in self.calls
                ],
            }
        )

    def csv(self) -> str:
        """One row per call and convention."""
        rows = [
            [x.torch, " ".join(x.kinds), x.layers, n, x.counts[n], x.rules[n]]
            for x in self.calls
            for n in x.counts
        ]
        return to_csv(["torch", "kinds", "layers", "convention", "count", "rule"], rows)


def build(report: Report) -> ExplainView:
    """The view of `explain`: every call of `report` as each convention counts it."""
    calls = explain(report)
    return ExplainView(report, calls, {n: sum(c.counts[n] for c in calls) for n in CONVENTIONS})


def _count(n: int) -> str:
    """A count, '-' for none."""
    return si(n) if n else "-"
