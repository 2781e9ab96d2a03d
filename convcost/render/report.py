"""The view of `convcost report`: everything one HTML page shows of a network, computed once.

Its parts: the `analyze` view (the page embeds its JSON unchanged) and its breakdown by
category; the graph as a tree of nodes (the network, its blocks by path, its
layers; a list too long to draw is cut into runs), with the costs of every node; each layer's
formula with its numbers, its place in the spec and the guideline findings naming it; the
`advise`, `explain` and `compare` views; and the zoo's points for the Pareto chart.
convcost/render/html.py writes the page; nothing there computes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.formulas import Line, lines
from convcost.layers import Cost
from convcost.pareto import front
from convcost.render import advise, analyze, compare, explain

if TYPE_CHECKING:
    from convcost.conventions import Counted
    from convcost.latency import Timing
    from convcost.memory import Memory
    from convcost.report import Report
    from convcost.spec import Spec

MAX_CHILDREN = 32
"""A node with more children is drawn with them cut into runs of up to this many."""
SHOWN_NODES = 120
"""Blocks are opened, widest level first, while the graph stays within this many nodes."""


class Node(NamedTuple):
    """A node of the graph's tree: the network (the root), a block, a run of a long list, or
    a layer (a leaf); its costs summed over its layers."""

    path: str  # the block's or the layer's path (both may share one); a run: BLOCK[a-b], its
    # block's children a to b (from 1)
    label: str  # the last segment of the path; a run: "a-b"
    parent: int  # the parent node's index; -1 for the root
    children: tuple[int, ...]
    layer: int  # a leaf's layer index, else -1
    first: int  # the first and last layer indices under it
    last: int
    layers: int  # how many
    cost: Cost
    mem_access_bytes: int
    ms: float  # estimated latency with --device, else 0.0

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: MACs per byte of memory access (0 when nothing moves)."""
        return self.cost.macs / self.mem_access_bytes if self.mem_access_bytes else 0.0


class Point(NamedTuple):
    """A network on the Pareto chart: a built-in at its defaults, or the one reported."""

    label: str
    macs: int
    ms: float  # estimated latency with --device, else 0.0
    top1: float | None  # published ImageNet top-1, if known
    front: bool  # on the Pareto front of cost against top-1 error
    this: bool  # the network of the report


class LayerNotes(NamedTuple):
    """What a layer's details add to its row: its formula with its numbers, where it is
    written, and the findings (indices into the advice) naming it or a block holding it."""

    formula: list[Line]
    where: str  # FILE:LINE of a spec's layer; the ONNX node's name for a model
    source: str  # that spec line's text ("" for ONNX)
    findings: tuple[int, ...]


class ReportView(NamedTuple):
    """`convcost report`: the page's every part (see the module docstring)."""

    analyze: analyze.AnalyzeView
    categories: analyze.AnalyzeView
    nodes: list[Node]
    opened: tuple[int, ...]  # nodes shown open when the page loads
    notes: list[LayerNotes]
    advice: advise.AdviseView
    explain: explain.ExplainView
    compare: compare.CompareView | None
    pareto: list[Point]
    source: str  # the spec's file (a built-in's name), or the ONNX file
    device: str  # the --device given (a profile's name or file), or ""

    def html(self) -> str:
        """The self-contained page."""
        from convcost.render.html import page

        return page(self)


def build(
    report: Report,
    memory: Memory,
    spec: Spec | None,
    source: str,
    timing: Timing | None = None,
    counted: Counted | None = None,
    others: Sequence[tuple[str, Report, Memory, Timing | None, Counted | None]] = (),
    zoo: Sequence[tuple[str, Spec, Report, Timing | None]] = (),
    device: str = "",
) -> ReportView:
    """The view of `report` (built from `spec`, None for an ONNX file named `source`) at its
    memory's precision, with a device's `timing` and a convention's `counted` if given; the
    `others` to compare it with (label, report, memory, timing, counts), the `zoo` (name,
    spec, report, timing) for the Pareto chart, and the `device` named."""
    view = analyze.build(report, memory, "layer", 1, timing, counted)
    by_category = analyze.build(report, memory, "category")
    nodes = tree(report, view.layers)
    advice = advise.build(report)
    notes = layer_notes(report, spec, source, advice)
    comparison = None
    if others:
        labels = [report.network, *(o[0] for o in others)]
        costed = [report, *(o[1] for o in others)]
        mems = [memory, *(o[2] for o in others)]
        timings = [t for t in [timing, *(o[3] for o in others)] if t is not None]
        counts = [c for c in [counted, *(o[4] for o in others)] if c is not None]
        comparison = compare.build("network", labels, costed, mems, timings, counts)
    return ReportView(
        view,
        by_category,
        nodes,
        opened(nodes),
        notes,
        advice,
        explain.build(report),
        comparison,
        pareto(report, spec, timing, zoo),
        source,
        device,
    )


def tree(report: Report, rows: Sequence[analyze.Row]) -> list[Node]:
    """The graph's nodes, parents before children: the network (node 0), then each block (a
    path prefix shared by layers) and layer, in the order of its first layer; a node with over
    MAX_CHILDREN children gets runs of them instead (runs of runs if need be), each a node."""
    children: dict[str, list[str]] = {"": []}
    leaf: dict[str, int] = {}
    for i, x in enumerate(report.layers):
        parts = x.path.split(".")
        parent = ""
        for depth in range(1, len(parts) + 1):
            key = ".".join(parts[:depth])
            if depth == len(parts) and key in children:  # a layer named as a block: keep both
                key += "#layer"
            if key not in children and key not in leaf:
                children[parent].append(key)
                if depth == len(parts):
                    leaf[key] = i
                else:
                    children[key] = []
            parent = key
    nodes: list[Node] = []

    def add(key: str, label: str, parent: int, kids: Sequence[str], block: str, at: int) -> int:
        """Add the node `key` and, below it, its `kids` (from the `at`-th child of `block`)."""
        index = len(nodes)
        layer = leaf.get(key, -1)
        path = report.layers[layer].path if layer >= 0 else key
        nodes.append(Node(path, label, parent, (), layer, 0, 0, 0, Cost(), 0, 0.0))
        ids = []
        size = _run_size(len(kids))
        for j in range(0, len(kids), size):
            if size == 1:
                k = kids[j]
                name = k.rsplit(".", 1)[-1].removesuffix("#layer")
                ids.append(add(k, name, index, children.get(k, []), k, 0))
                continue
            a, b = at + j + 1, at + min(j + size, len(kids))
            run = f"{block}[{a}-{b}]"
            ids.append(add(run, f"{a}-{b}", index, kids[j : j + size], block, at + j))
        nodes[index] = nodes[index]._replace(children=tuple(ids), **_sums(ids, nodes, layer, rows))
        return index

    add("", report.title or report.network, -1, children[""], "", 0)
    return nodes


def _run_size(n: int) -> int:
    """How many of n children each child node holds: 1 (the children themselves) if n is at
    most MAX_CHILDREN, else the least power of MAX_CHILDREN that leaves at most MAX_CHILDREN
    runs."""
    size = 1
    while n > size * MAX_CHILDREN:
        size *= MAX_CHILDREN
    return size


def _sums(
    ids: Sequence[int], nodes: list[Node], layer: int, rows: Sequence[analyze.Row]
) -> dict[str, Any]:
    """A node's first and last layer, layer count and summed costs: its own layer's (a leaf),
    else its children's."""
    if layer >= 0:
        r = rows[layer]
        return {
            "first": layer,
            "last": layer,
            "layers": 1,
            "cost": r.cost,
            "mem_access_bytes": r.mem_access_bytes,
            "ms": r.ms,
        }
    kids = [nodes[i] for i in ids]
    return {
        "first": min((k.first for k in kids), default=0),
        "last": max((k.last for k in kids), default=-1),
        "layers": sum(k.layers for k in kids),
        "cost": sum((k.cost for k in kids), Cost()),
        "mem_access_bytes": sum(k.mem_access_bytes for k in kids),
        "ms": sum(k.ms for k in kids),
    }


def opened(nodes: Sequence[Node]) -> tuple[int, ...]:
    """The nodes open when the page loads: the root, then level by level each block whose
    opening keeps the graph within SHOWN_NODES nodes."""
    shown = len(nodes[0].children)
    out = [0]
    level = list(nodes[0].children)
    while level:
        below: list[int] = []
        for i in level:
            n = nodes[i]
            if n.children and shown - 1 + len(n.children) <= SHOWN_NODES:
                shown += len(n.children) - 1
                out.append(i)
                below += n.children
        level = below
    return tuple(out)


def layer_notes(
    report: Report, spec: Spec | None, source: str, advice: advise.AdviseView
) -> list[LayerNotes]:
    """Each layer's formula, place and findings."""
    text = spec.text.splitlines() if spec is not None else []
    named: dict[str, list[int]] = {}
    for i, f in enumerate(advice.findings):
        for place in f.where:
            named.setdefault(place, []).append(i)
    out = []
    for x in report.layers:
        found: list[int] = []
        parts = x.path.split(".")
        for depth in range(1, len(parts) + 1):
            found += named.get(".".join(parts[:depth]), [])
        if spec is not None and 0 < x.line <= len(text):
            where, line = f"{source}:{x.line}", text[x.line - 1].strip()
        else:
            where, line = (f"ONNX node {x.path}" if spec is None else source), ""
        out.append(LayerNotes(lines(x), where, line, tuple(sorted(set(found)))))
    return out


def pareto(
    report: Report,
    spec: Spec | None,
    timing: Timing | None,
    zoo: Sequence[tuple[str, Spec, Report, Timing | None]],
) -> list[Point]:
    """The zoo's networks with a published top-1 and the reported one (marked; kept without
    a top-1 too), each marked if on the Pareto front of cost (MACs, or latency with a device)
    against top-1 error."""
    from convcost.expand import published_top1

    def top1(s: Spec | None, r: Report) -> float | None:
        found = published_top1(s, r.params) if s is not None else None
        return found.value if found is not None else None

    def ms(t: Timing | None) -> float:
        return t.total_ms if t is not None else 0.0

    points = [
        Point(name, r.totals.macs, ms(t), top1(s, r), False, False)
        for name, s, r, t in zoo
        if not (r.network == report.network and r.params == report.params)
    ]
    points = [p for p in points if p.top1 is not None]
    label = report.title or report.network
    points.append(Point(label, report.totals.macs, ms(timing), top1(spec, report), False, True))
    ranked = [i for i, p in enumerate(points) if p.top1 is not None]
    cost = [(points[i].ms if timing else points[i].macs, -(points[i].top1 or 0.0)) for i in ranked]
    best = {ranked[j] for j in front(cost)}
    return [p._replace(front=i in best) for i, p in enumerate(points)]
