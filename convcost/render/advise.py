"""The view of `convcost advise`: ShuffleNet V2's guideline findings on a network and the
verdict; and their table, JSON and CSV."""

from __future__ import annotations

from typing import NamedTuple

from convcost.guidelines import Finding, advise, verdict
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.report import Report

SHOWN = 3
"""Places a table row names before '(+N more)'."""


class AdviseView(NamedTuple):
    """`convcost advise`: the findings that cross their thresholds, and one verdict."""

    report: Report
    findings: list[Finding]
    verdict: str

    def grids(self) -> list[Grid]:
        """One row per finding, the verdict below."""
        header = ["guideline", "where", "measured", "saving"]
        rows = [[f.guideline, _where(f.where), f.detail, f.saving] for f in self.findings] or [
            ["-", "-", "no guideline crosses its threshold", "-"]
        ]
        r = self.report
        title = f"{r.title or r.network}: ShuffleNet V2's guidelines (Ma et al. 2018, Sec. 2)"
        caption = f"Verdict: {self.verdict}"
        return [Grid(title, header, rows, None, caption, left=4, wrap=(1, 2, 3))]

    def json(self) -> str:
        """Network, findings, verdict."""
        return to_json(
            {
                "network": self.report.network,
                "findings": [
                    {
                        "guideline": f.guideline,
                        "where": list(f.where),
                        "detail": f.detail,
                        "saving": f.saving,
                        "mem_access_saving": f.mem_access_saving,
                    }
                    for f in self.findings
                ],
                "verdict": self.verdict,
            }
        )

    def csv(self) -> str:
        """One row per finding; its places joined by spaces."""
        rows = [
            [f.guideline, " ".join(f.where), f.detail, f.saving, f.mem_access_saving]
            for f in self.findings
        ]
        return to_csv(["guideline", "where", "detail", "saving", "mem_access_saving"], rows)


def build(report: Report) -> AdviseView:
    """The view of `advise`: the guidelines' findings on `report`, and the verdict."""
    findings = advise(report)
    return AdviseView(report, findings, verdict(report, findings))


def _where(places: tuple[str, ...]) -> str:
    """The first SHOWN places, and how many more."""
    more = f" (+{len(places) - SHOWN} more)" if len(places) > SHOWN else ""
    return ", ".join(places[:SHOWN]) + more
