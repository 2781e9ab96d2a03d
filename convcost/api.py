"""The Report the Python API returns: the core Report (convcost/report.py) with the outputs of
`convcost analyze` as methods. It lives here, at the end of the flow, so that nothing before
the renderers imports them."""

from __future__ import annotations

from typing import Any

from convcost import report
from convcost.checks import choice, grouping


class Report(report.Report):
    """A network's layers and totals (see convcost.report.Report), with its JSON and Markdown."""

    __slots__ = ()

    def to_dict(self, precision: str = "fp32") -> dict[str, Any]:
        """The report as `analyze --format json` writes it."""
        from convcost.memory import PRECISIONS, memory
        from convcost.render import analyze

        choice(precision, "precision", PRECISIONS)
        return analyze.build(self, memory(self, precision)).data()

    def to_markdown(self, by: str = "layer", depth: int = 1, precision: str = "fp32") -> str:
        """The report as `analyze --format markdown` writes it."""
        from convcost.memory import PRECISIONS, memory
        from convcost.render import analyze
        from convcost.render.backends import markdown

        grouping_by = grouping(by, depth)
        choice(precision, "precision", PRECISIONS)
        (grid,) = analyze.build(self, memory(self, precision), grouping_by, depth).grids()
        return markdown(grid)
