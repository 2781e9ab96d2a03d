"""The view of `convcost plot`: each network's place on the two axes (its metrics) and the
captions; convcost/plot.py draws it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from convcost.errors import ConvcostError, SpecError
from convcost.expand import published_top1
from convcost.latency import Device, timing
from convcost.plot import HIGHER_IS_BETTER, Point, render
from convcost.render.units import CONVENTION
from convcost.report import Report
from convcost.spec import Spec

TOP1_CAPTION = (
    "top-1: as published for this model (a paper, else torchvision's weights; "
    "each source: convcost list -f json)"
)


class PlotView(NamedTuple):
    """`convcost plot`: the points, the axes and the captions below the plot."""

    points: list[Point]
    x: str
    y: str
    captions: list[str]

    def image(self, fmt: str, labels: bool = True) -> bytes:
        """The plot as image bytes in `fmt` (png, svg or pdf), each point named if `labels`."""
        return render(self.points, self.x, self.y, fmt, self.captions, labels)


def build(
    networks: Sequence[tuple[str, Spec | None, Report]],
    x: str,
    y: str,
    device: Device | None = None,
    precision: str = "fp32",
) -> PlotView:
    """The view of `plot`: each (label, spec, report) on axes `x` and `y`; the latency axis
    estimated on `device`, the top1 axis from the spec's published accuracies. A metric a
    log axis cannot place (0) is an error."""
    axes = (x, y)
    captions = [CONVENTION]
    points = []
    for label, spec, report in networks:
        metrics: dict[str, float] = {
            "macs": report.totals.macs,
            "params": report.totals.params,
            "mem_access": report.totals.mem_access,
        }
        if "latency" in axes:
            assert device is not None
            timed = timing(report, device, precision)
            metrics["latency"] = timed.total_ms
            if timed.caption not in captions:
                captions.append(timed.caption)
        if "top1" in axes:
            metrics["top1"] = top1(label, spec, report)
        for axis in axes:
            if axis not in HIGHER_IS_BETTER and metrics[axis] <= 0:  # a log axis
                raise ConvcostError(
                    f"{label} has {metrics[axis]:g} {axis}: a log axis cannot place it",
                    hint=f"leave it out, or plot another metric than {axis}",
                )
        points.append(Point(label, metrics))
    if "top1" in axes:
        captions.append(TOP1_CAPTION)
    return PlotView(points, x, y, captions)


def top1(label: str, spec: Spec | None, report: Report) -> float:
    """The published top-1 accuracy of `report`'s network at its params; an error if unknown
    (always for an ONNX file: no spec, no published accuracies)."""
    if spec is None:
        raise SpecError(
            f"no published top-1 accuracy for {label}", hint="an ONNX file has no top1:"
        )
    found = published_top1(spec, report.params)
    if found is None:
        known = [t.where() for t in spec.top1]
        raise SpecError(
            f"no published top-1 accuracy for {label}",
            hint="the spec has one at: " + "; ".join(known) if known else "the spec has no top1:",
        )
    return found.value
