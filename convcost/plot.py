"""`convcost plot`: a scatter of networks on two metrics, log axes for costs, the Pareto front
drawn. Draws what it is given and computes no cost; matplotlib (the `plot` extra) is imported
only here, and only its object-oriented API (no pyplot, no global state, any backend).
"""

from __future__ import annotations

import io
import math
import os
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from convcost.errors import ConvcostError
from convcost.pareto import front
from convcost.render.units import SI

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import FigureBase
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

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
DPI = 150
"""Of the PNG; labels are measured and placed at it, for every format."""
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
    with matplotlib.rc_context(
        {
            "svg.hashsalt": "convcost",
            "svg.fonttype": "none",
            "figure.autolayout": False,  # so that set_layout_engine(None), below, means none
            "figure.constrained_layout.use": False,
        }
    ):
        fig = Figure(figsize=(10, 7), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)  # a renderer to measure labels with (at the dpi they are drawn at)
        ax = fig.subplots()
        best = set(pareto(points, x, y))
        for on in (False, True):  # one collection each: 1,000 scatter calls take seconds
            mine = [p for i, p in enumerate(points) if (i in best) == on]
            if not mine:
                continue
            ax.scatter(
                [p.metrics[x] for p in mine],
                [p.metrics[y] for p in mine],
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
        fig.draw_without_rendering()  # settles the layout, once (labels stay out of it); None
        fig.set_layout_engine(None)  # (not "none"): saving would lay out and measure all again
        if labels:
            _label(ax, points, best, x, y)
        buf = io.BytesIO()
        meta = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
    return buf.getvalue()


FONTSIZE = 7.5
"""Of the labels, in points."""
SPOTS = [(dx, dy) for d in (3, 9, 16, 26) for dx, dy in ((d, d), (d, -d), (-d, d), (-d, -d))]
"""Label offsets from a point, in points, tried in order: near corners first."""
LEADER = 9
"""A label farther than this (in points, sideways) from its point is joined to it by a line."""
MARKER = 2.88
"""Half the side of the square kept free around each point, in points: just under the nearest
spot's 3, so a label there touches no marker of its own (the front's are 3 across the radius)."""
CELL = 48.0
"""Side of a cell of the grid that finds what lies near a label, in pixels."""

Box = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in display pixels, x0 <= x1 and y0 <= y1."""
Segment = tuple[float, float, float, float]
"""A line's two ends (x0, y0, x1, y1), in display pixels."""


class Placement(NamedTuple):
    """Where a point's label went: its offset from the point (points, one of SPOTS), its box
    and leader line (pixels; no leader for near spots), and whether the spot was free (else it
    is SPOTS[0], over whatever is there)."""

    offset: tuple[int, int]
    box: Box
    leader: Segment | None
    free: bool


def place(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    order: Sequence[int],
    frame: Box,
    obstacles: Sequence[Box] = (),
    px_per_pt: float = DPI / 72,
) -> dict[int, Placement]:
    """Where to put each point's label (in `order`; all in display pixels): at the first of
    SPOTS where its box stays inside `frame` and touches no point, obstacle (the legend),
    label or leader line placed before it, and its leader line, if it has one, crosses none of
    them but its own point; else at SPOTS[0], taking that place all the same.

    Plain arithmetic on boxes measured once (`sizes`: each label's width and height), with every
    box filed in the cells of a grid it covers: a candidate is tested against what lies near it,
    not against every label placed so far."""
    grid = _Grid(frame)
    r = MARKER * px_per_pt
    for i, (px, py) in enumerate(anchors):
        grid.add((px - r, py - r, px + r, py + r), owner=i)
    for box in obstacles:
        grid.add(box)
    fx0, fy0, fx1, fy1 = frame
    placed: dict[int, Placement] = {}
    for i in order:
        (px, py), (w, h) = anchors[i], sizes[i]
        for dx, dy in SPOTS:
            x0 = px + dx * px_per_pt - (0 if dx > 0 else w)  # the corner nearest the point
            y0 = py + dy * px_per_pt - (0 if dy > 0 else h)  # is the offset from it
            box = (x0, y0, x0 + w, y0 + h)
            inside = fx0 <= box[0] and box[2] <= fx1 and fy0 <= box[1] and box[3] <= fy1
            if not inside or grid.hits(box):
                continue
            leader = _leader((px, py), (dx, dy), px_per_pt) if abs(dx) > LEADER else None
            if leader is not None and grid.crossed(leader, i):
                continue
            placed[i] = Placement((dx, dy), box, leader, True)
            break
        else:
            dx, dy = SPOTS[0]
            x0, y0 = px + dx * px_per_pt, py + dy * px_per_pt
            placed[i] = Placement(SPOTS[0], (x0, y0, x0 + w, y0 + h), None, False)
        grid.add(placed[i].box)
        if (line := placed[i].leader) is not None:
            grid.add(line, line=True)
    return placed


def _leader(
    point: tuple[float, float], offset: tuple[int, int], px_per_pt: float
) -> Segment | None:
    """The line from a label's corner nearest its point (`offset` from the point) to the
    point, 2 points short of each: it touches neither the label nor the marker."""
    px, py = point
    vx, vy = offset[0] * px_per_pt, offset[1] * px_per_pt
    length = math.hypot(vx, vy)
    gap = 2 * px_per_pt
    if length <= 2 * gap:
        return None
    ux, uy = vx / length, vy / length
    return (px + ux * (length - gap), py + uy * (length - gap), px + ux * gap, py + uy * gap)


class _Grid:
    """Boxes and lines filed by the cells (CELL pixels square) of the frame they cover; what
    lies outside the frame is filed in the border cells, so nothing is ever missed."""

    def __init__(self, frame: Box) -> None:
        self.x0, self.y0 = frame[0], frame[1]
        self.nx = max(1, math.ceil((frame[2] - frame[0]) / CELL))
        self.ny = max(1, math.ceil((frame[3] - frame[1]) / CELL))
        self.cells: dict[tuple[int, int], list[tuple[Box, bool, int]]] = {}

    def _cells(self, box: Box) -> list[tuple[int, int]]:
        """The cells a box (or a line's bounding box) covers; none if it is not finite."""
        x0, x1 = sorted((box[0], box[2]))
        y0, y1 = sorted((box[1], box[3]))
        if not all(map(math.isfinite, (x0, y0, x1, y1))):
            return []
        i0, i1 = (self._index(v, self.x0, self.nx) for v in (x0, x1))
        j0, j1 = (self._index(v, self.y0, self.ny) for v in (y0, y1))
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]

    @staticmethod
    def _index(v: float, origin: float, n: int) -> int:
        return min(max(math.floor((v - origin) / CELL), -1), n)

    def add(self, box: Box, owner: int = -1, line: bool = False) -> None:
        """File a box (or with `line`, a line's two ends); `owner`: the point it marks."""
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append((box, line, owner))

    def _near(self, box: Box) -> Iterator[tuple[Box, bool, int]]:
        return (item for cell in self._cells(box) for item in self.cells.get(cell, ()))

    def hits(self, box: Box) -> bool:
        """Whether `box` touches a box or line filed here."""
        return any(
            _crosses(other, box) if line else _overlaps(box, other)
            for other, line, _ in self._near(box)
        )

    def crossed(self, seg: Segment, owner: int) -> bool:
        """Whether line `seg` crosses a box or line filed here, but the mark of point `owner`."""
        return any(
            _intersect(seg, other) if line else _crosses(seg, other)
            for other, line, mark in self._near(seg)
            if mark != owner
        )


def _overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes overlap or touch (as matplotlib's Bbox.overlaps)."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _crosses(seg: Segment, box: Box) -> bool:
    """Whether a line touches a box: their bounding boxes overlap, and the box's corners are
    not all on one side of the line."""
    x0, y0, x1, y1 = seg
    if not _overlaps((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), box):
        return False
    sides = [
        (x1 - x0) * (cy - y0) - (y1 - y0) * (cx - x0)
        for cx in (box[0], box[2])
        for cy in (box[1], box[3])
    ]
    return min(sides) <= 0 <= max(sides)


def _intersect(a: Segment, b: Segment) -> bool:
    """Whether two lines touch: each one's ends are not both on one side of the other."""

    def side(s: Segment, x: float, y: float) -> float:
        return (s[2] - s[0]) * (y - s[1]) - (s[3] - s[1]) * (x - s[0])

    box_a = (min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3]))
    box_b = (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3]))
    return (
        _overlaps(box_a, box_b)
        and side(a, b[0], b[1]) * side(a, b[2], b[3]) <= 0
        and side(b, a[0], a[1]) * side(b, a[2], a[3]) <= 0
    )


def _label(
    ax: Axes, points: Sequence[Point], best: set[int], x: str, y: str
) -> dict[int, Placement]:
    """Name each point where `place` puts its label: avoiding other labels, points and the
    legend, inside the axes; far labels get a leader line. Points on the front are placed
    first, then the rest from the top down. Returns the placements (pixels at the figure's dpi).
    """
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import Affine2D

    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    data = [(p.metrics[x], p.metrics[y]) for p in points]
    xy = [(float(px), float(py)) for px, py in ax.transData.transform(data)] if data else []
    legend = ax.get_legend()
    obstacles = [_extents(legend.get_window_extent(renderer))] if legend is not None else []
    order = sorted(range(len(points)), key=lambda i: (i not in best, -xy[i][1]))
    k = renderer.points_to_pixels(1.0)
    placed = place(
        xy,
        _sizes(fig, [p.label for p in points], renderer),
        order,
        _extents(frame),
        obstacles,
        k,
    )
    leaders, ends = [], []
    for i, spot in placed.items():
        _annotate(ax, points[i], data[i], spot.offset, i in best)
        if spot.leader is not None:  # in points from the point, so any dpi draws it alike
            sx, sy, ex, ey = spot.leader
            px, py = xy[i]
            leaders.append([((sx - px) / k, (sy - py) / k), ((ex - px) / k, (ey - py) / k)])
            ends.append(data[i])
    if leaders:  # one collection: an arrow per annotation is clipped by beziers at each draw
        ax.add_collection(
            LineCollection(
                leaders,
                offsets=ends,
                offset_transform=ax.transData,
                transform=Affine2D().scale(1 / 72) + fig.dpi_scale_trans,
                colors="0.6",
                linewidths=0.5,
                zorder=2.5,
                clip_on=False,
                in_layout=False,
            ),
            autolim=False,
        )
    return placed


def _extents(bbox: Bbox) -> Box:
    """A matplotlib Bbox as a plain (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = (float(v) for v in bbox.extents)
    return (x0, y0, x1, y1)


def _sizes(
    fig: FigureBase, labels: Sequence[str], renderer: RendererBase
) -> list[tuple[float, float]]:
    """Each label's width and height in pixels, as `_annotate` draws it, measured once."""
    probe = fig.text(0, 0, "", fontsize=FONTSIZE)
    sizes: dict[str, tuple[float, float]] = {}
    for label in labels:
        if label not in sizes:
            probe.set_text(label)
            box = probe.get_window_extent(renderer)
            sizes[label] = (box.width, box.height)
    probe.remove()
    return [sizes[label] for label in labels]


def _annotate(
    ax: Axes, p: Point, xy: tuple[float, float], offset: tuple[int, int], on: bool
) -> Annotation:
    """Point `p`'s label at `offset` (points) from it, on the side the offset points to."""
    dx, dy = offset
    return ax.annotate(
        p.label,
        xy,
        xytext=offset,
        textcoords="offset points",
        ha="left" if dx > 0 else "right",
        va="bottom" if dy > 0 else "top",
        fontsize=FONTSIZE,
        color="black" if on else "0.35",
        annotation_clip=False,
        in_layout=False,
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
