"""The view of `convcost sweep`: every point of a cross product of params with its exact
totals or its error, optionally only the Pareto front; and its table, JSON and CSV, the last
two in pieces (100,000 points never sit in memory as one text)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice, repeat
from operator import add
from typing import NamedTuple

from convcost import sweep
from convcost.errors import plural
from convcost.layers import COST_FIELDS
from convcost.render.backends import STRICT_JSON, csv_rows, to_csv
from convcost.render.table import Grid
from convcost.render.units import CONVENTION, si
from convcost.spec import Spec

PIECE = 10_000
"""Points per piece of sweep output."""


class SweepView(NamedTuple):
    """`convcost sweep`: the network, the title (points, front, failures) and the points."""

    network: str
    title: str
    points: sweep.Sweep

    def grids(self) -> list[Grid]:
        """One row per point, its values and totals; failed points (also after --pareto) show
        '-', and a count of them and their errors follow the table."""
        shown = self.points.with_failed()
        names = list(shown.names)
        header = [*names, "MACs", "params", "activations", "mem access"]
        rows, errors = [], []
        for p in shown:
            if p.totals is None:
                rows.append([*p.values.values(), "-", "-", "-", "-"])
                errors.append(" ".join(f"{k}={v}" for k, v in p.values.items()) + f": {p.error}")
                continue
            t = p.totals
            rows.append(
                [*p.values.values(), si(t.macs), si(t.params), si(t.activations), si(t.mem_access)]
            )
        n = self.points.size
        failed = [f"{len(errors):,} of {plural(n, 'point')} failed:"] if errors else []
        caption = "\n".join([*failed, *errors, CONVENTION])
        return [Grid(self.title, header, rows, None, caption, left=len(names))]

    def json(self) -> Iterator[str]:
        """network; "points", one object per point shown that was costed (values, exact
        totals); "failed", one per failed point (values, error), also with --pareto. Values
        are numbers where they are constants, as in `analyze`'s params. Formatted column by
        column (json.dumps per point would take half a second for 100,000 points)."""
        points, dumps = self.points, STRICT_JSON.encode
        pieces = [
            [f"{dumps(n)}: {dumps(v)}" for v in vs]
            for n, vs in zip(points.names, points.typed(), strict=True)
        ]
        totals = ", ".join(f"{dumps(f)}: %d" for f in COST_FIELDS)
        line = '    {"values": {%s}, "totals": {' + totals + "}}"
        costed = points.costed()
        values = map(", ".join, costed.value_rows(pieces))
        n = len(costed)
        yield f'{{\n  "network": {dumps(self.network)},\n  "points": ' + ("[\n" if n else "[]")
        for start in range(0, n, PIECE):
            stop = min(start + PIECE, n)
            rows = zip(islice(values, stop - start), *costed.columns(start, stop), strict=True)
            yield ("" if start == 0 else ",\n") + ",\n".join(map(line.__mod__, rows))
        failed = points.failed()
        yield ("\n  ]" if n else "") + ',\n  "failed": ' + ("[\n" if failed else "[]")
        for start in range(0, len(failed), PIECE):
            lines = [
                f'    {{"values": {{{", ".join(v[j] for v, j in zip(pieces, at, strict=True))}}}, '
                f'"error": {dumps(points.errors[i])}}}'
                for i in failed[start : start + PIECE]
                for at in [points.indices(i)]
            ]
            yield ("" if start == 0 else ",\n") + ",\n".join(lines)
        yield ("\n  ]" if failed else "") + "\n}\n"

    def csv(self) -> Iterator[str]:
        """Values, exact totals, and the error for a failed point (its totals empty; with
        --pareto, failed points are rows too, in their place)."""
        points = self.points.with_failed()
        yield to_csv([*points.names, *COST_FIELDS, "error"], [])
        values = points.value_rows()
        for start in range(0, len(points), PIECE):
            stop = min(start + PIECE, len(points))
            totals = zip(*points.columns(start, stop), repeat(""))
            rows = list(map(add, islice(values, stop - start), totals))
            for k, i, error in points.failures(start, stop):
                rows[k - start] = (*points.values(i).values(), *[""] * len(COST_FIELDS), error)
            yield csv_rows(rows)


def build(spec: Spec, sets: Mapping[str, str], pareto: str | None = None) -> SweepView:
    """The view of `sweep`: `spec` at every combination of `sets` (NAME -> values), only the
    Pareto front of MACs and `pareto` if given; an error if every point fails."""
    points = sweep.sweep(spec, sets)
    error = points.all_failed()
    if error is not None:
        raise error
    total, failed = len(points), len(points.errors)
    title = f"{spec.title or spec.name}: {plural(total, 'point')}"
    if pareto:
        points = sweep.pareto(points, pareto)
        title += f", {len(points):,} on the Pareto front of MACs and {pareto}"
    if failed:
        title += f", {failed:,} failed"
    return SweepView(spec.name, title, points)
