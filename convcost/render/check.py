"""The view of `convcost check`: each bound or expectation, the actual total and by how much
it missed; and their table, JSON and CSV."""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from convcost.budget import Check, Limit, check
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import QUANTITY_LABELS, params_text, si
from convcost.report import Report


class Row(NamedTuple):
    """One check, with its limit as shown and how far the total is from it."""

    check: Check
    limit: int | Fraction  # exact: an int when whole
    miss: Fraction  # actual - limit
    over_pct: float | None  # a failed bound: 100 * miss / limit (None at a limit of 0)


class CheckView(NamedTuple):
    """`convcost check`: the network, every check in order, and whether all pass."""

    report: Report
    rows: list[Row]
    ok: bool

    def grids(self) -> list[Grid]:
        """Each check, the actual total, and the verdict: ok, over by, off by."""
        rows = []
        for c, limit, miss, over in self.rows:
            if c.ok:
                verdict = "ok"
            elif c.kind == "max":
                verdict = f"over by {si(int(miss))}" + (
                    f" (+{over:.1f}%)" if over is not None else ""
                )
            else:
                verdict = f"off by {int(miss):+,}"
            relation = "<=" if c.kind == "max" else "=="
            shown = limit if isinstance(limit, int) else float(limit)
            label = QUANTITY_LABELS.get(c.quantity, c.quantity)
            rows.append([label, f"{relation} {shown:,}", f"{c.actual:,}", verdict])
        caption = "all checks pass" if self.ok else "FAILED: exit status 1"
        r = self.report
        title = f"{r.title or r.network}: budget check ({params_text(r.params)})"
        return [Grid(title, ["quantity", "limit", "actual", "result"], rows, None, caption, left=1)]

    def json(self) -> str:
        """Exact integers; limits as exact numbers or fractions."""
        return to_json(
            {
                "network": self.report.network,
                "ok": self.ok,
                "checks": [
                    {
                        "quantity": r.check.quantity,
                        "kind": r.check.kind,
                        "limit": _exact(r.limit),
                        "actual": r.check.actual,
                        "ok": r.check.ok,
                    }
                    for r in self.rows
                ],
            }
        )

    def csv(self) -> str:
        """One row per bound or expectation, exact numbers."""
        rows = [
            [r.check.quantity, r.check.kind, _exact(r.limit), r.check.actual, r.check.ok]
            for r in self.rows
        ]
        return to_csv(["quantity", "kind", "limit", "actual", "ok"], rows)


def build(report: Report, limits: list[Limit]) -> CheckView:
    """The view of `check`: how `report` meets each of `limits`."""
    rows = []
    for c in check(report, limits):
        miss = c.actual - c.limit
        over = 100 * float(miss / c.limit) if c.kind == "max" and not c.ok and c.limit else None
        limit = int(c.limit) if c.limit.denominator == 1 else c.limit
        rows.append(Row(c, limit, miss, over))
    return CheckView(report, rows, all(r.check.ok for r in rows))


def _exact(limit: int | Fraction) -> int | str:
    """A limit in JSON and CSV: an int, or a fraction as text ('9/2')."""
    return limit if isinstance(limit, int) else str(limit)
