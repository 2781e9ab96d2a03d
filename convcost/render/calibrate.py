"""The view of `convcost calibrate`: each micro-benchmark measured and fitted, the profile
written, and the machine; their table, JSON and CSV."""

from __future__ import annotations

from typing import Any, NamedTuple

from convcost.calibrate import Calibration
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import estimate, si

HEADER = ("benchmark", "family", "MACs", "runs", "measured ms", "fitted ms", "error", "held out")
COLUMNS = (
    "name",
    "family",
    "macs",
    "runs",
    "measured_ms",
    "fitted_ms",
    "error_pct",
    "held_out",
)
"""CSV columns, one row per micro-benchmark."""


class CalibrateView(NamedTuple):
    """`convcost calibrate`: the calibration and the file its profile went to."""

    calibration: Calibration
    output: str

    def summary(self) -> str:
        """The machine, the budget used, the fit and where the profile went: one paragraph."""
        c = self.calibration
        held = c.held_out_error_pct
        fitted = c.fit_error_pct
        judged = (
            f"median |error| {held:.1f}% on {sum(r.held_out for r in c.rows)} held out"
            if held is not None
            else "none held out: the fit is not judged"
        )
        return (
            f"{c.machine.describe()} · {len(c.rows)} micro-benchmarks in {c.elapsed_s:.1f} s "
            f"of a {c.budget_s:g} s budget · {judged}"
            + (f", {fitted:.1f}% on the fitted ones" if fitted is not None else "")
            + f" · measured = median of runs less the empty run ({c.empty_ms * 1e3:.1f} us)"
            + f" · profile written to {self.output} (use it with --device {self.output})"
        )

    def grids(self) -> list[Grid]:
        """One row per micro-benchmark, in the order run."""
        rows = [
            [
                r.name,
                r.family,
                si(r.macs),
                str(r.runs),
                f"{r.measured_ms:.4f}",
                f"{r.fitted_ms:.4f}",
                f"{r.error_pct:+.1f}%",
                "yes" if r.held_out else "",
            ]
            for r in self.calibration.rows
        ]
        title = f"Calibration of {self.calibration.device.name}"
        return [Grid(title, list(HEADER), rows, None, self.summary(), left=2, drop=(3, 2, 1))]

    def data(self) -> dict[str, Any]:
        """As JSON: the machine, budget, errors, the profile (its keys and its text), rows."""
        c = self.calibration
        held, fitted = c.held_out_error_pct, c.fit_error_pct
        return {
            "machine": c.machine._asdict(),
            "budget_s": c.budget_s,
            "elapsed_s": estimate(c.elapsed_s),
            "empty_ms": estimate(c.empty_ms),
            "held_out_error_pct": None if held is None else estimate(held),
            "fit_error_pct": None if fitted is None else estimate(fitted),
            "output": self.output,
            "profile": c.device._asdict(),
            "profile_text": c.text,
            "benchmarks": [
                {
                    "name": r.name,
                    "family": r.family,
                    "macs": r.macs,
                    "runs": r.runs,
                    "measured_ms": estimate(r.measured_ms),
                    "fitted_ms": estimate(r.fitted_ms),
                    "error_pct": estimate(r.error_pct),
                    "held_out": r.held_out,
                }
                for r in c.rows
            ],
        }

    def json(self) -> str:
        """`calibrate --format json`."""
        return to_json(self.data())

    def csv(self) -> str:
        """`calibrate --format csv`: one row per micro-benchmark."""
        rows = [
            [
                r.name,
                r.family,
                r.macs,
                r.runs,
                r.measured_ms,
                r.fitted_ms,
                r.error_pct,
                r.held_out,
            ]
            for r in self.calibration.rows
        ]
        return to_csv(COLUMNS, rows)


def build(calibration: Calibration, output: str) -> CalibrateView:
    """The view of a calibration whose profile was written to `output`."""
    return CalibrateView(calibration, output)
