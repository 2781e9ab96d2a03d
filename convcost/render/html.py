"""The HTML backend: a ReportView as one self-contained page (convcost/render/assets/ holds its
script, its styles and the vendored graph layout library, all written inline).

The page is static HTML wherever it can be (header, layer table, breakdowns, advice,
conventions, Pareto chart as inline SVG, comparison), so it prints and reads without
scripts; the script draws the graph from the data embedded in the page, and links it with the
table. The data is `{"analyze": <analyze -f json>, ...}`; every number it shows is written
here as text, none computed.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from convcost import __version__
from convcost.layers import Cost
from convcost.render.analyze import memory_text
from convcost.render.table import Grid
from convcost.render.units import (
    CATEGORY_LABELS,
    CONVENTION,
    binary,
    intensity,
    params_text,
    pct,
    shapes,
    share,
    si,
)

if TYPE_CHECKING:
    from convcost.render.analyze import Row
    from convcost.render.report import Node, Point, ReportView

ASSETS = ("dagre.min.js", "report.js", "report.css")
"""The files of convcost/render/assets/ the page holds inline."""
DAGRE = "@dagrejs/dagre 3.1.3 (MIT licence, Copyright (c) 2012-2014 Chris Pettitt)"
"""The vendored layout library, as the page's footer credits it."""


def asset(name: str) -> str:
    """The text of one of the page's assets."""
    return resources.files("convcost.render").joinpath("assets", name).read_text("utf-8")


def esc(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def exact(n: int) -> str:
    """An exact count with thousands separators: '10,838,016'."""
    return f"{n:,}"


def script_json(data: Any) -> str:
    """JSON for a <script type="application/json">: every '<' escaped, so no text in it
    (a layer named '</script>') can end the element."""
    return json.dumps(data, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


def page(view: ReportView) -> str:
    """The whole page."""
    a = view.analyze
    r = a.report
    title = r.title or r.network
    body = [
        _header(view),
        _graph_section(view),
        _layers_section(view),
        _breakdown_section(view),
        _advice_section(view),
        _conventions_section(view),
        _zoo_section(view),
        _footer(),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="convcost {esc(__version__)}">\n'
        f"<title>{esc(title)} · convcost report</title>\n"
        f"<style>\n{asset('report.css')}\n</style>\n"
        "</head>\n<body>\n"
        + "\n".join(body)
        + f'\n<script type="application/json" id="convcost-data">{script_json(data(view))}'
        "</script>\n"
        f"<script>\n{asset('dagre.min.js')}\n</script>\n"
        f"<script>\n{asset('report.js')}\n</script>\n"
        "</body>\n</html>\n"
    )


# -- the data the script reads ---------------------------------------------------------------


def metrics(view: ReportView) -> list[dict[str, str]]:
    """The metrics the graph can be coloured by: key (in each node's `v` and `t`), label."""
    mem = view.analyze.memory
    out = [
        {"key": "macs", "label": "MACs"},
        {"key": "params", "label": "params"},
        {"key": "mem", "label": f"memory access ({mem.precision} bytes)"},
    ]
    if view.analyze.device:
        out.append({"key": "ms", "label": "estimated latency (ms)"})
    out.append({"key": "ai", "label": "arithmetic intensity (MACs per byte)"})
    return out


def data(view: ReportView) -> dict[str, Any]:
    """What the script reads (see docs/report.md): `analyze` (exactly `analyze -f json`), the
    graph's `nodes` and the ones `opened` at first, per-layer `notes` (texts: shapes, costs
    under the names in `costs`, the formula of `formulas[kind]` with this layer's numbers),
    the advice's `findings`, the `metrics`."""
    a = view.analyze
    timed = bool(a.device)
    formulas: dict[str, list[str]] = {}
    notes = []
    for x, row, n in zip(a.report.layers, a.layers, view.notes, strict=True):
        formulas.setdefault(x.kind, [f.formula for f in n.formula])
        notes.append(
            {
                "in": shapes(x.inputs),
                "out": str(x.out),
                "sources": list(x.sources),
                "torch": x.torch,
                "category": CATEGORY_LABELS.get(x.category, x.category),
                "costs": _costs(x.cost, row, timed),
                "formula": [
                    [f.numbers, "; ".join(f"{k} = {exact(v)}" for k, v in f.counts)]
                    for f in n.formula
                ],
                "where": n.where,
                "source": n.source,
                "findings": list(n.findings),
            }
        )
    return {
        "analyze": a.data(),
        "metrics": metrics(view),
        "costs": cost_names(a.memory.precision, timed),
        "formulas": formulas,
        "nodes": [_node(n, timed) for n in view.nodes],
        "opened": list(view.opened),
        "notes": notes,
        "findings": [
            {"guideline": f.guideline, "detail": f.detail, "saving": f.saving}
            for f in view.advice.findings
        ],
    }


def _node(n: Node, timed: bool) -> dict[str, Any]:
    """A graph node: its place in the tree, its values (for colour) and their text."""
    values: dict[str, float] = {
        "macs": n.cost.macs,
        "params": n.cost.params,
        "mem": n.mem_access_bytes,
        "ai": n.intensity,
    }
    text = {
        "macs": si(n.cost.macs) + " MACs",
        "params": si(n.cost.params) + " params",
        "mem": binary(n.mem_access_bytes),
        "ai": intensity(n.cost.macs, n.mem_access_bytes) + " MACs/B",
    }
    if timed:
        values["ms"], text["ms"] = n.ms, f"{n.ms:.4f} ms"
    return {
        "path": n.path,
        "label": n.label,
        "parent": n.parent,
        "children": list(n.children),
        "layer": n.layer,
        "first": n.first,
        "last": n.last,
        "layers": n.layers,
        "v": values,
        "t": text,
    }


def cost_names(precision: str, timed: bool) -> list[str]:
    """The names of a layer's costs, in the order of its notes' `costs`."""
    names = [
        "MACs",
        "FLOPs",
        "params",
        "activations (elements written)",
        "memory access (elements)",
        f"memory access ({precision} bytes)",
        "MACs per byte",
    ]
    return [*names, "estimated latency"] if timed else names


def _costs(cost: Any, row: Row, timed: bool) -> list[list[str]]:
    """A layer's costs as [exact, short] texts, in the order of cost_names."""
    out = [
        [exact(cost.macs), si(cost.macs)],
        [exact(cost.flops), si(cost.flops)],
        [exact(cost.params), si(cost.params)],
        [exact(cost.activations), si(cost.activations)],
        [exact(cost.mem_access), si(cost.mem_access)],
        [exact(row.mem_access_bytes), binary(row.mem_access_bytes)],
        [intensity(cost.macs, row.mem_access_bytes), ""],
    ]
    if timed:
        shown = "-" if row.bound in ("view", "fused") else f"{row.ms:.4f} ms"
        out.append([shown, row.bound])
    return out


# -- the sections ----------------------------------------------------------------------------


def _header(view: ReportView) -> str:
    a = view.analyze
    r, mem, t = a.report, a.memory, a.report.totals
    items = [
        ("MACs", si(t.macs), exact(t.macs)),
        ("FLOPs", si(t.flops), exact(t.flops)),
        ("params", si(t.params), exact(t.params)),
        ("activations", si(t.activations), exact(t.activations) + " elements written"),
        (
            "memory access",
            binary(mem.mem_access_bytes),
            f"{exact(t.mem_access)} elements read and written, {mem.precision}",
        ),
        (
            "peak activation memory",
            binary(mem.peak_activations_bytes),
            f"{exact(mem.peak_activations)} elements live at {mem.peak_at or 'the input'}",
        ),
        ("weights", binary(mem.weights_bytes), f"{exact(t.params)} params at {mem.precision}"),
    ]
    if a.device:
        items.append(("estimated latency", f"{a.total.ms:.3f} ms", f"on {view.device}"))
    if a.convention is not None:
        c = a.convention
        items.append((f"{c.name} {c.unit}", si(a.total.counted), a.counted))
    cells = "\n".join(
        f'<div class="total"><dt>{esc(k)}</dt><dd><span class="big">{esc(v)}</span>'
        f'<span class="exact">{esc(note)}</span></dd></div>'
        for k, v, note in items
    )
    facts = [
        f"input {esc(r.input)} (H x W x C)",
        f"{len(r.layers):,} layers",
        f"from {esc(view.source)}",
    ]
    if params_text(r.params):
        facts.append(esc(params_text(r.params)))
    return (
        '<header id="summary">\n'
        f"<h1>{esc(r.title or r.network)}</h1>\n"
        f'<p class="facts">{" · ".join(facts)}</p>\n'
        f'<dl class="totals">\n{cells}\n</dl>\n'
        f'<p class="convention">{esc(CONVENTION)}</p>\n'
        f'<p class="convention">{esc(memory_text(mem))}</p>\n'
        + (f'<p class="convention">{esc(a.device)}</p>\n' if a.device else "")
        + '<nav><a href="#graph-section">graph</a> · <a href="#layers-section">layers</a> · '
        '<a href="#breakdown-section">breakdown</a> · <a href="#advice-section">advice</a> · '
        '<a href="#conventions-section">conventions</a> · <a href="#zoo-section">zoo</a></nav>\n'
        "</header>"
    )


def _graph_section(view: ReportView) -> str:
    options = "".join(
        f'<option value="{esc(m["key"])}">{esc(m["label"])}</option>' for m in metrics(view)
    )
    return (
        '<section id="graph-section">\n<h2>Graph</h2>\n'
        '<p class="hint">Blocks (by path) are drawn as one node: click one to see its totals, '
        "double-click it (or its +) to open it. Click a layer to see its formula and costs; "
        "the table below follows.</p>\n"
        '<div id="graph-controls">'
        f'<label>colour by <select id="metric">{options}</select></label> '
        '<button type="button" id="open-all">open all</button> '
        '<button type="button" id="close-all">close all</button> '
        '<span id="legend"></span></div>\n'
        '<div id="graph-area"><div id="graph"><noscript>The graph needs JavaScript; the '
        "table below has every layer.</noscript></div>\n"
        '<aside id="details"><p class="hint">Select a node or a row.</p></aside></div>\n'
        "</section>"
    )


LAYER_COLUMNS = (
    ("#", "index", "num"),
    ("layer", "path", "text"),
    ("kind", "kind", "text"),
    ("category", "category", "text"),
    ("in", "in", "none"),
    ("out", "out", "none"),
    ("MACs", "macs", "num"),
    ("FLOPs", "flops", "num"),
    ("params", "params", "num"),
    ("activations", "activations", "num"),
    ("mem bytes", "mem_access_bytes", "num"),
    ("MACs/B", "intensity", "num"),
    ("line", "line", "num"),
)
"""The layer table's columns: header, key (of the layer in the embedded analyze data, or
index / intensity, which the script knows), and how it sorts."""


ROWS_SHOWN = 1_000
"""Rows of the layer table shown at first (the rest are written hidden, and shown by the page's
"show all" button, a filter, a sort or a selection): laying out 10,000 rows took a browser 6 s."""


def _layers_section(view: ReportView) -> str:
    a = view.analyze
    r, mem = a.report, a.memory
    cols = list(LAYER_COLUMNS)
    if a.device:
        cols[-1:-1] = [("est. ms", "latency_ms", "num"), ("bound", "bound", "text")]
    if a.convention is not None:
        cols[-1:-1] = [(f"{a.convention.name} {a.convention.unit}", "counted", "num")]
    head = "".join(
        f'<th data-key="{key}" data-sort="{how}" scope="col">{esc(name)}</th>'
        for name, key, how in cols
    )
    rows = []
    for i, (x, row) in enumerate(zip(r.layers, a.layers, strict=True)):
        cells = [
            str(i + 1),
            x.path,
            x.kind,
            CATEGORY_LABELS.get(x.category, x.category),
            shapes(x.inputs),
            str(x.out),
            si(x.cost.macs),
            si(x.cost.flops),
            si(x.cost.params),
            si(x.cost.activations),
            binary(row.mem_access_bytes),
            intensity(x.cost.macs, row.mem_access_bytes),
        ]
        if a.device:
            cells += [f"{row.ms:.4f}" if row.bound not in ("view", "fused") else "-", row.bound]
        if a.convention is not None:
            cells.append(si(row.counted))
        cells.append(str(x.line) if x.line else "")
        tds = "".join(f"<td>{esc(c)}</td>" for c in cells)
        hidden = " hidden" if i >= ROWS_SHOWN else ""
        rows.append(f'<tr data-path="{esc(x.path)}" data-index="{i}"{hidden}>{tds}</tr>')
    t = r.totals
    return (
        '<section id="layers-section">\n<h2>Layers</h2>\n'
        '<p><label>filter <input type="search" id="filter" placeholder="path, kind or '
        'category"></label> <span id="filter-count"></span> '
        '<span class="hint">Click a header to sort; click a row to find it in the graph.</span>'
        + (
            f' <button type="button" id="show-all-rows">show all {len(r.layers):,} rows</button>'
            if len(r.layers) > ROWS_SHOWN
            else ""
        )
        + "</p>\n"
        '<div class="table-wrap"><table id="layers">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n"
        f'<tfoot><tr><td></td><td>total</td><td colspan="4">{len(r.layers):,} layers</td>'
        f"<td>{si(t.macs)}</td><td>{si(t.flops)}</td><td>{si(t.params)}</td>"
        f"<td>{si(t.activations)}</td><td>{binary(mem.mem_access_bytes)}</td>"
        f"<td>{intensity(t.macs, mem.mem_access_bytes)}</td>"
        f'<td colspan="{len(cols) - 12}"></td></tr></tfoot>\n'
        "</table></div>\n</section>"
    )


def _bars(groups: Sequence[tuple[str, Cost, int]], total: tuple[Cost, int]) -> str:
    """Bars of each group's (name, cost, memory access bytes) share of MACs, params and memory
    access in `total` (cost, bytes)."""
    t, t_bytes = total
    out = []
    for name, cost, nbytes in groups:
        values = (
            ("MACs", cost.macs, t.macs, si(cost.macs)),
            ("params", cost.params, t.params, si(cost.params)),
            ("mem access", nbytes, t_bytes, binary(nbytes)),
        )
        bars = "".join(
            f'<div class="bar-row"><span class="bar-name">{what}</span>'
            f'<span class="bar"><span class="fill q{j}" style="width:'
            f'{100 * share(part, whole):.2f}%"></span></span>'
            f'<span class="bar-value">{esc(text)} ({pct(part, whole)})</span></div>'
            for j, (what, part, whole, text) in enumerate(values)
        )
        out.append(f'<div class="group" data-path="{esc(name)}"><h4>{esc(name)}</h4>{bars}</div>')
    return "\n".join(out)


def _breakdown_section(view: ReportView) -> str:
    cat, root = view.categories, view.nodes[0]
    by_category = [
        (CATEGORY_LABELS.get(g.name, g.name), g.cost, g.mem_access_bytes) for g in cat.groups
    ]
    by_block = [
        (view.nodes[i].path, view.nodes[i].cost, view.nodes[i].mem_access_bytes)
        for i in root.children
    ]
    total = (cat.total.cost, cat.total.mem_access_bytes)
    return (
        '<section id="breakdown-section">\n<h2>Breakdown</h2>\n'
        '<div class="breakdowns"><div><h3>By category</h3>\n'
        + _bars(by_category, total)
        + "\n</div><div><h3>By block (the graph's top level)</h3>\n"
        + _bars(by_block, total)
        + "\n</div></div>\n</section>"
    )


def grid_table(grid: Grid, table_id: str = "") -> str:
    """A grid (title, header, rows, total, caption) as an HTML table."""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in grid.header)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in grid.rows
    )
    foot = (
        "<tfoot><tr>" + "".join(f"<td>{esc(c)}</td>" for c in grid.total) + "</tr></tfoot>"
        if grid.total
        else ""
    )
    return (
        f'<div class="table-wrap"><table class="grid"{ident}><caption>{esc(grid.title)}'
        f"</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>{foot}</table>"
        f'</div>\n<p class="caption">{esc(grid.caption)}</p>'
    )


def _grids(grids: Iterable[Grid], prefix: str) -> str:
    return "\n".join(grid_table(g, f"{prefix}-{i + 1}") for i, g in enumerate(grids))


def _advice_section(view: ReportView) -> str:
    return (
        '<section id="advice-section">\n<h2>Advice: ShuffleNet V2\'s guidelines</h2>\n'
        + _grids(view.advice.grids(), "advice")
        + "\n</section>"
    )


def _conventions_section(view: ReportView) -> str:
    return (
        '<section id="conventions-section">\n<h2>What each tool counts</h2>\n'
        + _grids(view.explain.grids(), "explain")
        + "\n</section>"
    )


def _zoo_section(view: ReportView) -> str:
    parts = ['<section id="zoo-section">\n<h2>Beside the zoo</h2>', pareto_svg(view)]
    if view.compare is not None:
        parts.append("<h3>Side by side</h3>\n" + _grids(view.compare.grids(), "compare"))
    parts.append("</section>")
    return "\n".join(parts)


WIDTH, HEIGHT, MARGIN = 760, 420, 56
"""The Pareto chart's size and its margin for the axes, in pixels."""


def pareto_svg(view: ReportView) -> str:
    """The zoo's networks with a published top-1 on log cost against top-1, the Pareto front
    joined, the reported network marked; as inline SVG."""
    points: list[Point] = view.pareto
    timed = bool(view.analyze.device)
    placed = [p for p in points if p.top1 is not None]
    if not placed:
        return '<p class="hint">No published top-1 accuracy to place these networks by.</p>'
    xs = [(p.ms if timed else p.macs) for p in placed]
    ys = [p.top1 or 0.0 for p in placed]
    lo, hi = math.log10(min(xs) / 1.3), math.log10(max(xs) * 1.3)
    bottom, top = math.floor(min(ys) - 1), math.ceil(max(ys) + 1)

    def px(v: float) -> float:
        return MARGIN + (math.log10(v) - lo) / (hi - lo) * (WIDTH - 2 * MARGIN)

    def py(v: float) -> float:
        return HEIGHT - MARGIN - (v - bottom) / (top - bottom) * (HEIGHT - 2 * MARGIN)

    out = [
        f'<svg id="pareto" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Pareto chart">',
        f'<line class="axis" x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}"/>',
        f'<line class="axis" x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}"/>',
    ]
    decades = range(math.floor(lo), math.ceil(hi) + 1)
    steps = (1,) if hi - lo > 3 else (1, 2, 5)
    for v in (m * 10**e for e in decades for m in steps):
        if not lo <= math.log10(v) <= hi:
            continue
        x = px(v)
        tick = f"{v:g} ms" if timed else si(int(v))
        out.append(
            f'<line class="grid" x1="{x:.1f}" y1="{MARGIN}" x2="{x:.1f}" y2="{HEIGHT - MARGIN}"/>'
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - MARGIN + 16}">{esc(tick)}</text>'
        )
    for v in range(bottom, top + 1, max(1, (top - bottom) // 6)):
        y = py(v)
        out.append(
            f'<line class="grid" x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}"/>'
            f'<text class="tick y" x="{MARGIN - 6}" y="{y + 4:.1f}">{v}%</text>'
        )
    xlabel = "estimated latency (ms, log)" if timed else "MACs (log)"
    out.append(f'<text class="label" x="{WIDTH / 2}" y="{HEIGHT - 12}">{xlabel}</text>')
    out.append(
        f'<text class="label" transform="translate(14 {HEIGHT / 2}) rotate(-90)">'
        "ImageNet top-1 (%)</text>"
    )
    ranked = sorted((p for p in placed if p.front), key=lambda p: p.ms if timed else p.macs)
    if len(ranked) > 1:
        line = " ".join(
            f"{px(p.ms if timed else p.macs):.1f},{py(p.top1 or 0):.1f}" for p in ranked
        )
        out.append(f'<polyline class="front" points="{line}"/>')
    taken: list[tuple[float, float, float, float]] = []  # the boxes of the labels drawn
    for p in sorted(placed, key=lambda p: (not p.this, not p.front, p.macs)):
        x, y = px(p.ms if timed else p.macs), py(p.top1 or 0.0)
        cls = "point" + (" front" if p.front else "") + (" this" if p.this else "")
        value = f"{p.ms:.3f} ms" if timed else f"{si(p.macs)} MACs"
        box = (x + 6, y - 17, x + 8 + LABEL_EM * len(p.label), y - 3)
        label = ""
        if not any(_overlap(box, b) for b in taken):  # else only its tooltip names it
            taken.append(box)
            label = f'<text x="{x + 7:.1f}" y="{y - 6:.1f}">{esc(p.label)}</text>'
        out.append(
            f'<g class="{cls}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{7 if p.this else 4}">'
            f"<title>{esc(p.label)}: {esc(value)}, top-1 {p.top1}%</title></circle>{label}</g>"
        )
    out.append("</svg>")
    this = next((p for p in points if p.this), None)
    note = ""
    if this is not None and this.top1 is None:
        note = (
            f'<p class="hint">{esc(this.label)} has no published top-1 at these params, so it '
            "is not placed.</p>"
        )
    caption = (
        '<p class="caption">Built-in networks at their defaults with a published top-1 '
        "(from each spec's top1:); the line joins the Pareto front (no network is both cheaper "
        "and more accurate); the larger dot is this report's network. A point whose name would "
        "cover another's shows it on hover.</p>"
    )
    return "\n".join(out) + "\n" + caption + note


LABEL_EM = 6.6
"""The width of a character of a point's label, in pixels (11 px sans-serif), for placing
labels so that none covers another."""


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _footer() -> str:
    return (
        '<footer><p class="caption">Made by convcost '
        f"{esc(__version__)}: exact, analytic costs (no framework, no forward pass). "
        f"Graph layout by {esc(DAGRE)}, included in this page.</p></footer>"
    )
