"""The view of `convcost list`: each built-in network with its defaults, totals, the paper's
figures and the published top-1 accuracy; and their table, JSON and CSV."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from convcost.expand import published_top1
from convcost.layers import COST_FIELDS
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import CONVENTION, params_text, scalar_params, si
from convcost.report import Report
from convcost.spec import Spec, Top1


class Entry(NamedTuple):
    """A built-in network: its spec, its report at the defaults, and the top-1 accuracy
    published for those defaults."""

    spec: Spec
    report: Report
    top1: Top1 | None


class ListView(NamedTuple):
    """`convcost list`: every built-in network."""

    entries: list[Entry]

    def grids(self) -> list[Grid]:
        """Each network, its defaults, totals and paper figures."""
        header = [
            "name",
            "aliases",
            "title",
            "source",
            "paper",
            "defaults",
            "MACs",
            "params",
            "top-1",
        ]
        rows = [
            [
                s.name,
                ", ".join(s.aliases),
                s.title,
                s.source,
                paper_text(s.paper),
                params_text(r.params),
                si(r.totals.macs),
                si(r.totals.params),
                f"{t.value}%" if t else "-",
            ]
            for s, r, t in self.entries
        ]
        caption = "Any name or alias works wherever a spec file does · " + CONVENTION
        wrap, drop = (2, 3, 4, 5), (5, 4, 3, 1)
        return [
            Grid("Built-in networks", header, rows, None, caption, left=6, wrap=wrap, drop=drop)
        ]

    def json(self) -> str:
        """Each network with its doc, paper figures, top-1 sources, params and totals."""
        return to_json(
            [
                {
                    "name": s.name,
                    "aliases": list(s.aliases),
                    "title": s.title,
                    "source": s.source,
                    "reference": s.reference,
                    "doc": s.doc.strip(),
                    "paper": s.paper,
                    "top1": [
                        {
                            "value": t.value,
                            "source": t.source,
                            "at": {k: v.raw for k, v in t.at.items()},
                        }
                        for t in s.top1
                    ],
                    "params": scalar_params(r.params),
                    "input": r.input.hwc(),
                    "totals": r.totals._asdict(),
                }
                for s, r, _ in self.entries
            ]
        )

    def csv(self) -> str:
        """One row per network, exact totals."""
        rows = [
            [
                s.name,
                " ".join(s.aliases),
                s.title,
                s.source,
                s.reference,
                *r.totals,
                t.value if t else "",
            ]
            for s, r, t in self.entries
        ]
        header = ["name", "aliases", "title", "source", "reference", *COST_FIELDS, "top1"]
        return to_csv(header, rows)


def build(networks: Sequence[tuple[Spec, Report]]) -> ListView:
    """The view of `list`: each built-in's spec and report, with its published top-1."""
    return ListView([Entry(s, r, published_top1(s, r.params)) for s, r in networks])


def paper_text(paper: Mapping[str, str]) -> str:
    """'569M MACs, 4.2M params (Tables 4, 6, 7, 8)' from a spec's `paper:` mapping."""
    figures = ", ".join(
        f"{paper[k]} {label}" for k, label in (("macs", "MACs"), ("params", "params")) if k in paper
    )
    return f"{figures} ({paper['where']})" if "where" in paper else figures
