"""`convcost plot`: a scatter of networks on two metrics, log axes for costs, the Pareto front
drawn. Draws what it is given and computes no cost; matplotlib (the `plot` extra) is imported
only here, and only its object-oriented API (no pyplot, no global state, any backend).
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from convcost.errors import ConvcostError
from convcost.pareto import front
from convcost.render import SI

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

AXES = {
    "macs": ("MACs", "MACs (multiply-accumulates of conv and fc layers)"),
    "params": ("params", "parameters"),
    "mem_access": ("memory access", "memory access (elements read + written)"),
    "latency": ("latency", "estimated latency (ms)"),
    "top1": ("top-1", "ImageNet top-1 accuracy (%)"),
}
"""The metrics a plot axis can show: their short names (the title) and axis labels."""
COUNTS = {"macs", "params", "mem_access"}
"""Axes of counts, labelled in SI units (200M); latency is in plain milliseconds."""
HIGHER_IS_BETTER = {"top1"}
"""Accuracy: higher is better, on a linear axis. The costs, lower is better, span decades and
are drawn on log axes."""
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MISSING = "convcost plot needs matplotlib: pip install 'convcost[plot]'"


class Point(NamedTuple):
    """One network on the plot: its label and its metrics (axis name -> value)."""

    label: str
    metrics: Mapping[str, float]


def image_format(path: str) -> str:
    """'png', 'svg' or 'pdf', from the output file's extension."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ConvcostError(f"cannot tell the image format of {path!r}: name it .png, .svg or .pdf")
    return FORMATS[ext]


def pareto(points: Sequence[Point], x: str, y: str) -> list[int]:
    """Indices of the points no other point beats on both axes (costs lower, accuracy higher
    is better)."""
    sign = {a: -1 if a in HIGHER_IS_BETTER else 1 for a in (x, y)}
    return front([(sign[x] * p.metrics[x], sign[y] * p.metrics[y]) for p in points])


def si_tick(value: float, _pos: object = None) -> str:
    """Tick labels in SI units: 2e8 -> '200M', 1.5e6 -> '1.5M', 0.5 -> '0.5'."""
    for scale, suffix in SI:
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def render(
    points: Sequence[Point], x: str, y: str, fmt: str, captions: Sequence[str], labels: bool = True
) -> bytes:
    """The plot as image bytes in `fmt` (png, svg or pdf); the same input gives the same bytes."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ConvcostError(MISSING) from None
    with matplotlib.rc_context({"svg.hashsalt": "convcost", "svg.fonttype": "none"}):
        fig = Figure(figsize=(10, 7), layout="constrained")
        FigureCanvasAgg(fig)  # a renderer to measure labels with, for any output format
        ax = fig.subplots()
        best = set(pareto(points, x, y))
        for i, p in enumerate(points):
            on = i in best
            ax.scatter(
                p.metrics[x],
                p.metrics[y],
                s=36 if on else 24,
                color="tab:blue" if on else "0.55",
                zorder=3,
            )
        _front_line(ax, [points[i] for i in sorted(best)], x, y)
        _axis(ax, "x", x)
        _axis(ax, "y", y)
        ax.grid(True, which="major", linewidth=0.4, color="0.85")
        ax.set_title(f"{AXES[y][0]} vs {AXES[x][0]}", fontsize=11)
        ax.legend(loc="upper left" if y in HIGHER_IS_BETTER else "lower right", fontsize=8)
        caption = "\n".join(textwrap.fill(c, 170) for c in captions)
        fig.supxlabel(caption, fontsize=7, color="0.3", ha="left", x=0.01)
        if labels:
            fig.draw_without_rendering()  # settles the layout; labels stay out of it
            _label(ax, points, best, x, y)
        buf = io.BytesIO()
        meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
        fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
    return buf.getvalue()


SPOTS = [(dx, dy) for d in (3, 9, 16, 26) for dx, dy in ((d, d), (d, -d), (-d, d), (-d, -d))]
"""Label offsets from a point, in points, tried in order: near corners first."""


def _label(ax: Axes, points: Sequence[Point], best: set[int], x: str, y: str) -> None:
    """Name each point at the first of SPOTS where its label overlaps no other label, point or
    the legend, and stays inside the axes (else at the first spot); far labels get a leader
    line. Points on the front are placed first, then the rest from the top down."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    xy = [ax.transData.transform((p.metrics[x], p.metrics[y])) for p in points]
    taken = [Bbox.from_bounds(px - 4, py - 4, 8, 8) for px, py in xy]
    legend = ax.get_legend()
    if legend is not None:
        taken.append(legend.get_window_extent(renderer))
    for i in sorted(range(len(points)), key=lambda i: (i not in best, -xy[i][1])):
        p, on = points[i], i in best
        for dx, dy in SPOTS:
            text = _annotate(ax, p, x, y, (dx, dy), on)
            box = text.get_window_extent(renderer)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(t) for t in taken):
                break
            text.remove()
        else:
            box = _annotate(ax, p, x, y, SPOTS[0], on).get_window_extent(renderer)
        taken.append(box)


def _annotate(ax: Axes, p: Point, x: str, y: str, offset: tuple[int, int], on: bool) -> Annotation:
    """Point `p`'s label at `offset` (points) from it, on the side the offset points to."""
    dx, dy = offset
    return ax.annotate(
        p.label,
        (p.metrics[x], p.metrics[y]),
        xytext=offset,
        textcoords="offset points",
        ha="left" if dx > 0 else "right",
        va="bottom" if dy > 0 else "top",
        fontsize=7.5,
        color="black" if on else "0.35",
        annotation_clip=False,
        in_layout=False,
        arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5} if abs(dx) > 9 else None,
    )


def _front_line(ax: Axes, best: Sequence[Point], x: str, y: str) -> None:
    """The Pareto front as a staircase through its points, in order of x: every point on the
    far side of it is beaten by a network on it."""
    best = sorted(best, key=lambda p: p.metrics[x])
    ax.step(
        [p.metrics[x] for p in best],
        [p.metrics[y] for p in best],
        where="pre" if x in HIGHER_IS_BETTER else "post",
        color="tab:blue",
        linewidth=1,
        alpha=0.6,
        label="Pareto front: no other network is better on both axes",
        zorder=2,
    )


def _axis(ax: Axes, which: str, metric: str) -> None:
    """Log scale with ticks at 1, 2 and 5 per decade for a cost (SI labels for counts, plain
    for milliseconds); linear for accuracy."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_label_text(AXES[metric][1])
    if metric in HIGHER_IS_BETTER:
        return
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(si_tick if metric in COUNTS else "{0:g}".format))
    axis.set_minor_formatter(NullFormatter())
