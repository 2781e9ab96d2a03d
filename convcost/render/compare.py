"""The view of `convcost compare`: a row per network with its totals, memory and each total
as a share of the first network's; with --device its estimate and rank, with --convention
its count; and their table, JSON and CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from convcost.layers import COST_FIELDS, Cost
from convcost.render.analyze import columns, convention_data, report_data
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import (
    CATEGORY_LABELS,
    CONVENTION,
    binary,
    estimate,
    intensity,
    pct,
    share,
    si,
    times,
)

if TYPE_CHECKING:
    from convcost.checks import CompareBy
    from convcost.conventions import Convention, Counted
    from convcost.latency import Timing
    from convcost.memory import Memory
    from convcost.report import Report

RATIOS = ("macs", "params", "activations", "mem_access")
"""The totals shown as a multiple of the first network's."""
BASELINE = "vgg16"
"""The network the whole zoo is compared with (it comes first)."""


class Network(NamedTuple):
    """One network of `compare`."""

    label: str  # as given: NAME[@KEY=VALUE,...]
    report: Report
    memory: Memory
    ratios: dict[str, float]  # each of RATIOS / the first network's
    categories: dict[str, Cost]  # totals per layer category
    ms: float  # estimated latency with --device (else 0.0)
    rank: int  # by estimated latency, 1 = fastest, with --device (else 0)
    counted: int  # the total --convention counts (else 0)


class CompareView(NamedTuple):
    """`convcost compare`: the networks, the categories any of them has, and what --device
    and --convention add."""

    by: CompareBy
    networks: list[Network]
    categories: list[str]  # in CATEGORY_LABELS order
    device: str  # the first estimate's caption ("" without --device)
    convention: Convention | None
    counted: str  # the first network's count, as a caption ("" without --convention)

    def grids(self) -> list[Grid]:
        """Totals and multiples of the first network's (or each network's MACs split by
        category); with a device, each network's estimated time and its rank; with a
        convention, each network's total under it."""
        if self.by == "category":
            return [self._categories()]
        grid = self._grid()
        if self.device:
            extra = [[f"{n.ms:.3f}", str(n.rank)] for n in self.networks]
            grid = columns(grid, ["est. ms", "rank"], extra, [], self.device, [1])
        if self.convention is not None:
            c = self.convention
            extra = [[si(n.counted)] for n in self.networks]
            grid = columns(grid, [f"{c.name} {c.unit}"], extra, [], self.counted)
        return [grid._replace(total=None)]

    def _categories(self) -> Grid:
        """--by category: each network's MACs and each category's share of them."""
        header = ["network", "MACs", *(f"{CATEGORY_LABELS[c]} % MACs" for c in self.categories)]
        rows = [
            [
                n.label,
                si(n.report.totals.macs),
                *(
                    pct(n.categories[c].macs, n.report.totals.macs) if c in n.categories else "-"
                    for c in self.categories
                ),
            ]
            for n in self.networks
        ]
        return Grid("Cost by layer category", header, rows, None, CONVENTION, drop=(1,))

    def _grid(self) -> Grid:
        """Each network's totals, memory and multiples of the first network's."""
        first = self.networks[0]
        precision = first.memory.precision
        header = [
            "network",
            "input",
            "MACs",
            "x MACs",
            "params",
            "x params",
            "activations",
            "x act.",
            "mem access",
            "x mem",
            f"weights ({precision})",
            f"peak act. ({precision})",
            "MACs/B",
        ]
        rows = []
        for n in self.networks:
            row = [n.label, str(n.report.input)]
            for f in RATIOS:
                row += [si(getattr(n.report.totals, f)), times(n.ratios[f])]
            row += [
                binary(n.memory.weights_bytes),
                binary(n.memory.peak_activations_bytes),
                intensity(n.report.totals.macs, n.memory.mem_access_bytes),
            ]
            rows.append(row)
        caption = f"x = this network's count / {first.label}'s · {CONVENTION}"
        drop = (12, 11, 10, 7, 6, 9, 8, 1)
        return Grid(f"Compared with {first.label}", header, rows, None, caption, left=2, drop=drop)

    def json(self) -> str:
        """A list of report objects without layers, with ratios (and categories with --by)."""
        out = []
        for n in self.networks:
            d = report_data(n.report, n.memory, None)
            if self.device:
                d["totals"]["latency_ms"] = estimate(n.ms)
            if self.convention is not None:
                d["totals"]["counted"] = n.counted
                d["convention"] = convention_data(self.convention)
            d["label"] = n.label
            d["ratio_to_first"] = {f: round(n.ratios[f], 6) for f in RATIOS}
            if self.by == "category":
                d["categories"] = {k: c._asdict() for k, c in n.categories.items()}
            out.append(d)
        return to_json(out)

    def csv(self) -> str:
        """One row per network (per network and category with --by)."""
        if self.by == "category":
            rows = [[n.label, k, *c] for n in self.networks for k, c in n.categories.items()]
            return to_csv(["network", "category", *COST_FIELDS], rows)
        rows = [
            [n.label, str(n.report.input), *n.report.totals, *list(n.memory)[2:]]
            for n in self.networks
        ]
        header = ["network", "input", *COST_FIELDS, *list(self.networks[0].memory._fields)[2:]]
        if self.device:
            rows = [[*row, n.ms] for row, n in zip(rows, self.networks, strict=True)]
            header.append("latency_ms")
        if self.convention is not None:
            rows = [[*row, n.counted] for row, n in zip(rows, self.networks, strict=True)]
            c = self.convention
            header.append(f"{c.name}_{c.unit.lower()}")
        return to_csv(header, rows)


def build(
    by: CompareBy,
    labels: Sequence[str],
    reports: Sequence[Report],
    memories: Sequence[Memory],
    timings: Sequence[Timing] = (),
    counts: Sequence[Counted] = (),
    zoo: bool = False,
) -> CompareView:
    """The view of `compare`: each network (`labels[i]`, `reports[i]`, `memories[i]` and,
    with --device or --convention, `timings[i]` and `counts[i]`) against the first; for the
    `zoo` (no names given), BASELINE first, then by MACs, most first."""
    order = list(range(len(labels)))
    if zoo:
        order.sort(key=lambda i: (labels[i] != BASELINE, -reports[i].totals.macs))
    base = reports[order[0]].totals
    fastest = sorted(order, key=lambda i: timings[i].total_ms) if timings else []
    rank = {i: r + 1 for r, i in enumerate(fastest)}  # ties: in the order shown
    networks = [
        Network(
            labels[i],
            reports[i],
            memories[i],
            {f: share(getattr(reports[i].totals, f), getattr(base, f)) for f in RATIOS},
            reports[i].by_category(),
            timings[i].total_ms if timings else 0.0,
            rank.get(i, 0),
            counts[i].total if counts else 0,
        )
        for i in order
    ]
    categories = [c for c in CATEGORY_LABELS if any(c in n.categories for n in networks)]
    return CompareView(
        by,
        networks,
        categories,
        timings[order[0]].caption if timings else "",
        counts[order[0]].convention if counts else None,
        counts[order[0]].caption if counts else "",
    )
