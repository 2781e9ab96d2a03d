"""Reports -> table grids (drawn by convcost.table), JSON, CSV, Markdown and LaTeX.
Renderers format; they never compute a cost.

Tables, Markdown and LaTeX use SI units (K = 10^3, M = 10^6, G = 10^9); JSON and CSV carry
exact ints.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from convcost.calculator import SeparableComparison
from convcost.errors import plural, printable
from convcost.layers import COST_FIELDS, Cost
from convcost.report import LayerCost, Report
from convcost.table import Grid

if TYPE_CHECKING:
    from convcost.budget import Check
    from convcost.conventions import Call, Convention, Counted
    from convcost.guidelines import Finding
    from convcost.latency import Device, Timing
    from convcost.memory import Memory
    from convcost.spec import Spec, Top1
    from convcost.sweep import Point, Sweep

CONVENTION = (
    "MACs = multiply-accumulates of conv and fc layers (the papers' mult-adds); params include "
    "biases and batch-norm gamma/beta; activations = elements written; mem access = elements "
    "read + written (ShuffleNet V2); mem bytes = mem access x bytes per element; "
    "K/M/G = 1e3/1e6/1e9"
)
CATEGORY_LABELS = {
    "standard": "standard conv",
    "depthwise": "depthwise conv",
    "pointwise": "pointwise conv",
    "group": "group conv",
    "fc": "fully connected",
    "other": "other",
}


SI = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
"""The SI prefixes of every count shown (K = 10^3, not 2^10)."""


def si(n: int) -> str:
    """Human units: 568740352 -> '568.7M', 86704128 -> '86.70M', 864 -> '864'."""
    for scale, suffix in SI:
        if abs(n) >= scale:
            v = n / scale
            return f"{v:.1f}{suffix}" if abs(v) >= 100 else f"{v:.2f}{suffix}"
    return str(n)


def binary(n: int) -> str:
    """Bytes in binary units: 553428176 -> '527.8 MiB', 864 -> '864 B'."""
    for scale, suffix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= scale:
            v = n / scale
            return f"{v:.1f} {suffix}" if v >= 100 else f"{v:.2f} {suffix}"
    return f"{n} B"


def intensity(macs: int, nbytes: int) -> str:
    """Arithmetic intensity, MACs per byte moved ('-' when nothing moves)."""
    return f"{macs / nbytes:.2f}" if nbytes else "-"


def memory_text(mem: Memory) -> str:
    """'peak activations 4.59 MiB (at stage1.unit1.pw), weights 16.1 MiB at fp32'."""
    return (
        f"peak activations {binary(mem.peak_activations_bytes)} (at {mem.peak_at or 'input'}), "
        f"weights {binary(mem.weights_bytes)}, memory traffic {binary(mem.mem_access_bytes)} "
        f"at {mem.precision}"
    )


def share(part: int, whole: int) -> float:
    """part / whole for display (0 when the whole is 0)."""
    return part / whole if whole else 0.0


def pct(part: int, whole: int) -> str:
    """'94.86%'; '-' when the whole is 0."""
    return f"{100 * share(part, whole):.2f}%" if whole else "-"


def times(ratio: float) -> str:
    """How many times the baseline: '1.00x', '0.26x', '1/110.6x' for very small shares."""
    if ratio >= 0.1 or ratio == 0:
        return f"{ratio:.2f}x"
    return f"1/{1 / ratio:.1f}x"


def shared(cells: list[str]) -> list[str]:
    """The cells, each one object per distinct text (sys.intern): a 100,000-layer table
    repeats most of its shapes and figures, and keeps them once."""
    return [sys.intern(c) for c in cells]


def layers_text(report: Report) -> str:
    """How many layers a report has: '1 layer', '86 layers'."""
    return plural(len(report.layers), "layer")


QUANTITY_LABELS = {
    "macs": "MACs",
    "flops": "FLOPs",
    "params": "params",
    "activations": "activations",
    "mem_access": "mem access",
}
"""How tables label each total (JSON and CSV keep the keys)."""


def shapes(xs: Sequence[Any]) -> str:
    """'56x56x24' or '28x28x216 + 28x28x24' for merges."""
    return " + ".join(str(x) for x in xs)


def params_text(params: Mapping[str, Any]) -> str:
    """Resolved scalar params, e.g. 'width=0.5 resolution=160' (lookup tables omitted)."""
    return " ".join(f"{k}={v}" for k, v in params.items() if isinstance(v, int | float | str))


# -- data views (shared by JSON, CSV, tables) ------------------------------------------------


def layer_dict(layer: LayerCost, mem: Memory) -> dict[str, Any]:
    """One layer as in the JSON schema."""
    return {
        "path": layer.path,
        "kind": layer.kind,
        "torch": layer.torch,
        "category": layer.category,
        "line": layer.line,
        "in": [x.hwc() for x in layer.inputs],
        "out": layer.out.hwc(),
        **layer.cost._asdict(),
        "mem_access_bytes": layer.cost.mem_access * mem.bytes_per_element,
    }


def report_dict(report: Report, mem: Memory, layers: bool = True) -> dict[str, Any]:
    """A report as in the JSON schema: network, params, input, layers, totals, memory."""
    params = {k: v for k, v in report.params.items() if isinstance(v, int | float | str)}
    out: dict[str, Any] = {"network": report.network, "params": params, "input": report.input.hwc()}
    if layers:
        out["layers"] = [layer_dict(layer, mem) for layer in report.layers]
    out["totals"] = report.totals._asdict()
    out["memory"] = mem._asdict()
    return out


def groups_of(report: Report, by: str, depth: int) -> dict[str, Cost]:
    """The rows of a --by view: per category or per block (path prefix)."""
    return report.by_category() if by == "category" else report.by_block(depth)


# -- JSON ----------------------------------------------------------------------------------


STRICT_JSON = json.JSONEncoder(allow_nan=False)
"""Encodes a value as json.dumps does (as fast: one encoder, made once), but raises ValueError
for NaN or infinity instead of printing them: JSON has neither, and a non-finite number in
convcost's output is a bug to surface, never a token to emit."""


def to_json(data: dict[str, Any] | list[Any]) -> str:
    """JSON with one field, and one list item, per line; compact inside them. Always valid
    JSON: a NaN or infinity raises ValueError (STRICT_JSON).

    (json's indent= switches to its pure-Python encoder: 0.5 s for 10,000 layers.)
    """
    dumps = STRICT_JSON.encode

    def value(v: Any) -> str:
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return "[\n" + ",\n".join("    " + dumps(x) for x in v) + "\n  ]"
        return dumps(v)

    if isinstance(data, dict):
        return "{\n" + ",\n".join(f"  {dumps(k)}: {value(v)}" for k, v in data.items()) + "\n}\n"
    return "[\n" + ",\n".join("  " + dumps(x) for x in data) + "\n]\n"


def convention_dict(c: Convention) -> dict[str, str]:
    """A convention as JSON: whose rules, which unit."""
    return {"name": c.name, "tool": c.tool, "unit": c.unit, "summary": c.summary}


def analyze_json(
    report: Report,
    mem: Memory,
    by: str,
    depth: int,
    timing: Timing | None = None,
    counted: Counted | None = None,
) -> str:
    """analyze --format json: the report, plus `groups` for --by category/block; with a
    device, `latency_ms` and `bound` per layer and `totals.latency_ms`; with a convention,
    `counted` per layer, group and in totals."""
    data = report_dict(report, mem)
    if timing is not None:
        for layer, t in zip(data["layers"], timing.layers, strict=True):
            layer["latency_ms"], layer["bound"] = estimate(t.ms), t.bound or "view"
        data["totals"]["latency_ms"] = estimate(timing.total_ms)
        data["device"] = timing.caption
    if counted is not None:
        for layer, n in zip(data["layers"], counted.layers, strict=True):
            layer["counted"] = n
        data["totals"]["counted"] = counted.total
        data["convention"] = convention_dict(counted.convention)
    if by != "layer":
        data["by"] = by
        data["groups"] = [
            {"name": k, **c._asdict(), **({"counted": counted.groups[k]} if counted else {})}
            for k, c in groups_of(report, by, depth).items()
        ]
    return to_json(data)


def compare_json(
    reports: Sequence[Report],
    mems: Sequence[Memory],
    labels: Sequence[str],
    by: str,
    timings: Sequence[Timing] | None = None,
    counts: Sequence[Counted] | None = None,
) -> str:
    """compare --format json: a list of report objects without layers, with ratios."""
    base = reports[0].totals
    out = []
    for i, (report, mem, label) in enumerate(zip(reports, mems, labels, strict=True)):
        d = report_dict(report, mem, layers=False)
        if timings:
            d["totals"]["latency_ms"] = estimate(timings[i].total_ms)
        if counts:
            d["totals"]["counted"] = counts[i].total
            d["convention"] = convention_dict(counts[i].convention)
        d["label"] = label
        d["ratio_to_first"] = {
            f: round(share(getattr(report.totals, f), getattr(base, f)), 6)
            for f in ("macs", "params", "activations", "mem_access")
        }
        if by == "category":
            d["categories"] = {k: c._asdict() for k, c in report.by_category().items()}
        out.append(d)
    return to_json(out)


# -- CSV -----------------------------------------------------------------------------------


ESTIMATE_DIGITS = 9
"""Significant digits of an estimate (a latency in ms) in JSON and CSV; the last bits of its
float arithmetic (0.011559999999999999 for 0.01156) never reach the output."""


def estimate(x: float) -> float:
    """`x` to ESTIMATE_DIGITS significant digits, e.g. 7.504160000000002 -> 7.50416; it prints
    (repr, json, csv) as that shortest decimal."""
    return float(f"{x:.{ESTIMATE_DIGITS}g}")


def _cell(v: Any) -> Any:
    """A CSV field: floats (estimates, figures read from YAML) as `estimate` prints them."""
    return repr(estimate(v)) if isinstance(v, float) else v


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def analyze_csv(
    report: Report,
    mem: Memory,
    by: str,
    depth: int,
    timing: Timing | None = None,
    counted: Counted | None = None,
) -> str:
    """analyze --format csv: one row per layer (or group), exact integers; with a device,
    each row's estimated milliseconds (and, per layer, its bound); with a convention, each
    layer's torch call and count (column `NAME_UNIT`, e.g. ptflops_macs)."""
    text = _analyze_csv(report, mem, by, depth)
    if timing is not None:
        if by == "layer":
            extra = [f"{_cell(t.ms)},{t.bound or 'view'}" for t in timing.layers]
            text = _csv_columns(text, "latency_ms,bound", extra)
        else:
            groups = groups_of(report, by, depth)
            text = _csv_columns(text, "latency_ms", [_cell(timing.groups[k]) for k in groups])
    if counted is not None:
        c = counted.convention
        head = f"{c.name}_{c.unit.lower()}"
        if by == "layer":
            extra = [f"{x.torch},{n}" for x, n in zip(report.layers, counted.layers, strict=True)]
            text = _csv_columns(text, "torch," + head, extra)
        else:
            groups = groups_of(report, by, depth)
            text = _csv_columns(text, head, [str(counted.groups[k]) for k in groups])
    return text


def _csv_columns(text: str, head: str, extra: Sequence[str]) -> str:
    """Append columns (already CSV text per row) to a CSV table."""
    lines = text.splitlines()
    rows = [f"{line},{more}" for line, more in zip(lines[1:], extra, strict=True)]
    return "\n".join([f"{lines[0]},{head}", *rows]) + "\n"


def _analyze_csv(report: Report, mem: Memory, by: str, depth: int) -> str:
    if by != "layer":
        rows = [
            [k, *c, c.mem_access * mem.bytes_per_element]
            for k, c in groups_of(report, by, depth).items()
        ]
        return _csv([by, *COST_FIELDS, "mem_access_bytes"], rows)
    return _csv(LAYER_COLUMNS, _layer_rows(report.layers, mem))


LAYER_COLUMNS = ["path", "kind", "category", "line", "in", "out", *COST_FIELDS, "mem_access_bytes"]


def _layer_rows(layers: Sequence[LayerCost], mem: Memory, prefix: str = "") -> list[list[Any]]:
    return [
        [
            prefix + x.path,
            x.kind,
            x.category,
            x.line,
            shapes(x.inputs),
            str(x.out),
            *x.cost,
            x.cost.mem_access * mem.bytes_per_element,
        ]
        for x in layers
    ]


def compare_csv(
    reports: Sequence[Report],
    mems: Sequence[Memory],
    labels: Sequence[str],
    by: str,
    timings: Sequence[Timing] | None = None,
    counts: Sequence[Counted] | None = None,
) -> str:
    """compare --format csv: one row per network (per network and category with --by)."""
    if by == "category":
        rows = [
            [label, cat, *c]
            for r, label in zip(reports, labels, strict=True)
            for cat, c in r.by_category().items()
        ]
        return _csv(["network", "category", *COST_FIELDS], rows)
    rows = [
        [label, str(r.input), *r.totals, *list(m)[2:]]
        for r, m, label in zip(reports, mems, labels, strict=True)
    ]
    header = ["network", "input", *COST_FIELDS, *list(mems[0]._fields)[2:]]
    if timings:
        rows = [[*row, t.total_ms] for row, t in zip(rows, timings, strict=True)]
        header.append("latency_ms")
    if counts:
        rows = [[*row, c.total] for row, c in zip(rows, counts, strict=True)]
        header.append(f"{counts[0].convention.name}_{counts[0].convention.unit.lower()}")
    return _csv(header, rows)


# -- the tables (rich and Markdown share their rows) ------------------------------------------


def analyze_grid(
    report: Report,
    mem: Memory,
    by: str,
    depth: int,
    timing: Timing | None = None,
    counted: Counted | None = None,
) -> Grid:
    """Rows of `analyze` as text, per layer or per group; with a device, estimated times;
    with a convention, each layer's torch call and what that convention counts for it."""
    if counted is not None and by == "layer":
        grid = _counted_grid(report, mem, counted)
    else:
        grid = _analyze_grid(report, mem, by, depth)
    keys = list(groups_of(report, by, depth)) if by != "layer" else []
    if timing is not None:
        total_ms = f"{timing.total_ms:.3f}"
        if by == "layer":
            extra = [[f"{t.ms:.4f}" if t.bound else "-", t.bound or "view"] for t in timing.layers]
            grid = _columns(grid, ["est. ms", "bound"], extra, [total_ms, ""], timing.caption, [1])
        else:
            extra = [[f"{timing.groups[k]:.4f}"] for k in keys]
            grid = _columns(grid, ["est. ms"], extra, [total_ms], timing.caption)
    if counted is not None and by != "layer":
        c = counted.convention
        extra = [[si(counted.groups[k])] for k in keys]
        grid = _columns(grid, [f"{c.name} {c.unit}"], extra, [si(counted.total)], counted.caption)
    return grid


def _counted_grid(report: Report, mem: Memory, counted: Counted) -> Grid:
    """analyze --convention, per layer: the PyTorch call of each layer, its MACs, and what
    the convention counts for it."""
    c, t = counted.convention, counted.total
    head = f"{c.name} {c.unit}"
    rows = [
        [
            x.path,
            x.kind,
            x.torch,
            shapes(x.inputs),
            str(x.out),
            si(x.cost.macs),
            si(n),
            pct(n, t),
        ]
        for x, n in zip(report.layers, counted.layers, strict=True)
    ]
    total = ["total", "", "", "", layers_text(report), si(report.totals.macs), si(t), ""]
    return Grid(
        f"{report.title or report.network} - {report.input} input, counted as {c.name}",
        ["layer", "kind", "torch call", "in", "out", "MACs", head, f"% {c.name}"],
        rows,
        total,
        f"{counted.caption} · {params_text(report.params)} · {CONVENTION}",
        left=5,
        wrap=(3,),
        drop=(3, 7, 1, 4, 5),
    )


def _columns(
    grid: Grid,
    header: list[str],
    extra: list[list[str]],
    total: list[str],
    caption: str,
    drop: Sequence[int] = (),
) -> Grid:
    """`grid` with columns appended (their header, cells per row, total cells) and a caption
    line before its own; `drop` = which of the new columns (0-based among them) a narrow
    screen leaves out first, before the grid's own."""
    n = len(grid.header)
    return grid._replace(
        header=grid.header + header,
        rows=[row + more for row, more in zip(grid.rows, extra, strict=True)],
        total=(grid.total or []) + total,
        caption=f"{caption} · {grid.caption}",
        drop=(*(n + i for i in drop), *grid.drop),
    )


def _analyze_grid(report: Report, mem: Memory, by: str, depth: int) -> Grid:
    t, size = report.totals, mem.bytes_per_element
    title = f"{report.title or report.network} - {report.input} input"
    caption = f"{params_text(report.params)} · {memory_text(mem)} · {CONVENTION}"
    traffic = f"mem bytes ({mem.precision})"
    if by == "layer":
        header = [
            "layer",
            "kind",
            "in",
            "out",
            "MACs",
            "% MACs",
            "params",
            "activations",
            traffic,
            "MACs/B",
        ]
        rows = [
            shared(
                [
                    x.path,
                    x.kind,
                    shapes(x.inputs),
                    str(x.out),
                    si(x.cost.macs),
                    pct(x.cost.macs, t.macs),
                    si(x.cost.params),
                    si(x.cost.activations),
                    binary(x.cost.mem_access * size),
                    intensity(x.cost.macs, x.cost.mem_access * size),
                ]
            )
            for x in report.layers
        ]
        total = [
            "total",
            "",
            "",
            layers_text(report),
            si(t.macs),
            "100.00%",
            si(t.params),
            si(t.activations),
            binary(t.mem_access * size),
            intensity(t.macs, t.mem_access * size),
        ]
        return Grid(title, header, rows, total, caption, left=4, wrap=(2,), drop=(2, 9, 7, 8, 1, 5))
    header = [by, "MACs", "% MACs", "params", "% params", "activations", traffic, "MACs/B"]
    rows = [
        [
            CATEGORY_LABELS.get(k, k) if by == "category" else k,
            si(c.macs),
            pct(c.macs, t.macs),
            si(c.params),
            pct(c.params, t.params),
            si(c.activations),
            binary(c.mem_access * size),
            intensity(c.macs, c.mem_access * size),
        ]
        for k, c in groups_of(report, by, depth).items()
    ]
    total = [
        "total",
        si(t.macs),
        "100.00%",
        si(t.params),
        "100.00%",
        si(t.activations),
        binary(t.mem_access * size),
        intensity(t.macs, t.mem_access * size),
    ]
    return Grid(title, header, rows, total, caption, drop=(7, 5, 4, 6))


def compare_grid(
    reports: Sequence[Report],
    mems: Sequence[Memory],
    labels: Sequence[str],
    by: str,
    timings: Sequence[Timing] | None = None,
    counts: Sequence[Counted] | None = None,
) -> Grid:
    """Rows of `compare`; with a device, each network's estimated time and its rank; with a
    convention, each network's total under it."""
    grid = _compare_grid(reports, mems, labels, by)
    if by == "category":
        return grid
    if timings:
        order = sorted(range(len(timings)), key=lambda i: timings[i].total_ms)
        rank = {i: r + 1 for r, i in enumerate(order)}
        extra = [[f"{t.total_ms:.3f}", str(rank[i])] for i, t in enumerate(timings)]
        grid = _columns(grid, ["est. ms", "rank"], extra, [], timings[0].caption, [1])
    if counts:
        c = counts[0].convention
        extra = [[si(n.total)] for n in counts]
        grid = _columns(grid, [f"{c.name} {c.unit}"], extra, [], counts[0].caption)
    return grid._replace(total=None)


def _compare_grid(
    reports: Sequence[Report], mems: Sequence[Memory], labels: Sequence[str], by: str
) -> Grid:
    """Rows of `compare`: totals and how many times the first network's each one needs."""
    base = reports[0].totals
    caption = f"x = this network's count / {labels[0]}'s · {CONVENTION}"
    if by == "category":
        cats = [c for c in CATEGORY_LABELS if any(c in r.by_category() for r in reports)]
        header = ["network", "MACs", *(f"{CATEGORY_LABELS[c]} % MACs" for c in cats)]
        rows = []
        for r, label in zip(reports, labels, strict=True):
            split = r.by_category()
            rows.append(
                [
                    label,
                    si(r.totals.macs),
                    *(pct(split[c].macs, r.totals.macs) if c in split else "-" for c in cats),
                ]
            )
        return Grid("Cost by layer category", header, rows, None, CONVENTION, drop=(1,))
    precision = mems[0].precision
    header = [
        "network",
        "input",
        "MACs",
        "x MACs",
        "params",
        "x params",
        "activations",
        "x act.",
        "mem access",
        "x mem",
        f"weights ({precision})",
        f"peak act. ({precision})",
        "MACs/B",
    ]
    rows = []
    for r, m, label in zip(reports, mems, labels, strict=True):
        row = [label, str(r.input)]
        for f in ("macs", "params", "activations", "mem_access"):
            v = getattr(r.totals, f)
            row += [si(v), times(share(v, getattr(base, f)))]
        row += [
            binary(m.weights_bytes),
            binary(m.peak_activations_bytes),
            intensity(r.totals.macs, m.mem_access_bytes),
        ]
        rows.append(row)
    drop = (12, 11, 10, 7, 6, 9, 8, 1)
    return Grid(f"Compared with {labels[0]}", header, rows, None, caption, left=2, drop=drop)


def layer_grid(
    report: Report,
    mem: Memory,
    comparison: SeparableComparison | None,
    g1: tuple[int, int] | None = None,
) -> Grid:
    """Rows of `convcost layer`: the layer(s), for dwsep the standard conv it replaces, and for
    a 1x1 conv its memory access beside ShuffleNet V2's G1 lower bound (`g1` = (mac, bound))."""
    t, size = report.totals, mem.bytes_per_element
    header = [
        "layer",
        "kind",
        "in",
        "out",
        "MACs",
        "params",
        "activations",
        "mem access",
        f"mem bytes ({mem.precision})",
        "MACs/B",
    ]

    def row(name: str, kind: str, xs: Sequence[Any], y: Any, c: Cost) -> list[str]:
        return [
            name,
            kind,
            shapes(xs),
            str(y),
            si(c.macs),
            si(c.params),
            si(c.activations),
            si(c.mem_access),
            binary(c.mem_access * size),
            intensity(c.macs, c.mem_access * size),
        ]

    rows = [row(x.path, x.kind, x.inputs, x.out, x.cost) for x in report.layers]
    total = row("total", "", [report.input], report.layers[-1].out, t)
    caption = params_text(report.params) + " · " + CONVENTION
    if g1 is not None:
        mac, bound = g1
        caption = (
            f"ShuffleNet V2 G1: memory access {mac:,} elements; for these FLOPs B = hw*c1*c2 "
            f"it is at least 2*sqrt(hw*B) + B/(hw) = {bound:,} (equal channels reach it): "
            f"{100 * (mac - bound) / bound:+.1f}%.\n" + caption
        )
    drop = (2, 9, 8, 6, 1)
    if comparison is None:
        return Grid(report.title, header, rows, total, caption, left=4, wrap=(2,), drop=drop)
    std = comparison.standard
    rows.append(row("replaces: standard conv", "conv", [std.input], std.layers[0].out, std.totals))
    n, k = std.params["out"], std.params["k"]
    caption = (
        f"dwsep / standard: MACs {t.macs:,} / {std.totals.macs:,} = "
        f"{comparison.macs_ratio} ({float(comparison.macs_ratio):.4f}); params "
        f"{t.params:,} / {std.totals.params:,} = {comparison.params_ratio}. "
        f"MobileNet v1 Eq. 5: 1/N + 1/K^2 = 1/{n} + 1/{k * k} = {comparison.formula}"
        f"{' (equal)' if comparison.formula == comparison.macs_ratio else ''}.\n" + caption
    )
    return Grid(report.title, header, rows, total, caption, left=4, wrap=(0, 2), drop=drop)


def layer_json(
    report: Report,
    mem: Memory,
    comparison: SeparableComparison | None,
    g1: tuple[int, int] | None = None,
) -> str:
    """`convcost layer --format json`: the report, for dwsep the comparison, for 1x1 G1."""
    data = report_dict(report, mem)
    if comparison is not None:
        data["standard"] = report_dict(comparison.standard, mem)
        data["ratio"] = {
            "macs": str(comparison.macs_ratio),
            "params": str(comparison.params_ratio),
            "one_over_n_plus_one_over_k2": str(comparison.formula),
        }
    if g1 is not None:
        data["g1"] = {"mem_access": g1[0], "lower_bound": g1[1]}
    return to_json(data)


def layer_csv(report: Report, mem: Memory, comparison: SeparableComparison | None) -> str:
    """`convcost layer --format csv`: the layer rows, then the replaced standard conv."""
    rows = _layer_rows(report.layers, mem)
    if comparison is not None:
        rows += _layer_rows(comparison.standard.layers, mem, prefix="standard.")
    return _csv(LAYER_COLUMNS, rows)


_LATEX = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",  # in LaTeX's default OT1 font encoding a bare < prints as ¡
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    """Text safe inside a LaTeX table cell."""
    return "".join(_LATEX.get(ch, ch) for ch in text)


def latex(grid: Grid) -> str:
    """A Grid as a booktabs table (\\usepackage{booktabs}), the conventions as a comment."""
    align = "".join("l" if i < grid.left else "r" for i in range(len(grid.header)))

    def row(cells: Sequence[str]) -> str:
        return " & ".join(latex_escape(c) for c in cells) + r" \\"

    lines = [
        r"\begin{table}",
        r"\centering",
        f"\\caption{{{latex_escape(grid.title)}}}",
        f"\\begin{{tabular}}{{{align}}}",
        r"\toprule",
        row(grid.header),
        r"\midrule",
    ]
    lines += [row(r) for r in grid.rows]
    if grid.total:
        lines += [r"\midrule", row(grid.total)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    lines += ["% " + line for line in grid.caption.splitlines()]
    return printable("\n".join(lines) + "\n", newlines=True)


def markdown(grid: Grid) -> str:
    """A Grid as a GitHub Markdown table, with the caption below."""
    align = [":--" if i < grid.left else "--:" for i in range(len(grid.header))]
    lines = [
        f"**{grid.title}**",
        "",
        "| " + " | ".join(grid.header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    rows = [*grid.rows, *([grid.total] if grid.total else [])]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return printable("\n".join([*lines, "", grid.caption, ""]), newlines=True)


def paper_text(paper: Mapping[str, str]) -> str:
    """'569M MACs, 4.2M params (Tables 4, 6, 7, 8)' from a spec's `paper:` mapping."""
    figures = ", ".join(
        f"{paper[k]} {label}" for k, label in (("macs", "MACs"), ("params", "params")) if k in paper
    )
    return f"{figures} ({paper['where']})" if "where" in paper else figures


Entry = tuple["Spec", Report, "Top1 | None"]
"""A built-in network for `convcost list`: its spec, its report at the defaults, and the
top-1 accuracy published for those defaults."""


def list_grid(entries: Sequence[Entry]) -> Grid:
    """Rows of `convcost list`: each built-in network, its defaults, totals and paper figure."""
    header = ["name", "aliases", "title", "source", "paper", "defaults", "MACs", "params", "top-1"]
    rows = [
        [
            s.name,
            ", ".join(s.aliases),
            s.title,
            s.source,
            paper_text(s.paper),
            params_text(r.params),
            si(r.totals.macs),
            si(r.totals.params),
            f"{t.value}%" if t else "-",
        ]
        for s, r, t in entries
    ]
    caption = "Any name or alias works wherever a spec file does · " + CONVENTION
    wrap, drop = (2, 3, 4, 5), (5, 4, 3, 1)
    return Grid("Built-in networks", header, rows, None, caption, left=6, wrap=wrap, drop=drop)


def list_json(entries: Sequence[Entry]) -> str:
    """`convcost list --format json`."""
    return to_json(
        [
            {
                "name": s.name,
                "aliases": list(s.aliases),
                "title": s.title,
                "source": s.source,
                "reference": s.reference,
                "doc": s.doc.strip(),
                "paper": s.paper,
                "top1": [
                    {
                        "value": t.value,
                        "source": t.source,
                        "at": {k: v.raw for k, v in t.at.items()},
                    }
                    for t in s.top1
                ],
                "params": {k: v for k, v in r.params.items() if isinstance(v, int | float | str)},
                "input": r.input.hwc(),
                "totals": r.totals._asdict(),
            }
            for s, r, _ in entries
        ]
    )


def list_csv(entries: Sequence[Entry]) -> str:
    """`convcost list --format csv`."""
    rows = [
        [
            s.name,
            " ".join(s.aliases),
            s.title,
            s.source,
            s.reference,
            *r.totals,
            t.value if t else "",
        ]
        for s, r, t in entries
    ]
    header = ["name", "aliases", "title", "source", "reference", *COST_FIELDS, "top1"]
    return _csv(header, rows)


def explain_grids(report: Report, calls: Sequence[Call]) -> list[Grid]:
    """`convcost explain`: what each convention counts per PyTorch call, then its rules."""
    from convcost.conventions import CONVENTIONS

    names = list(CONVENTIONS)
    header = ["torch call", "kinds", "layers", *(f"{n} {CONVENTIONS[n].unit}" for n in names)]
    rows = [
        [c.torch, ", ".join(c.kinds), str(c.layers), *(_count(c.counts[n]) for n in names)]
        for c in calls
    ]
    total = [
        "total",
        "",
        str(len(report.layers)),
        *(si(sum(c.counts[n] for c in calls)) for n in names),
    ]
    tools = " · ".join(f"{n} = {c.tool}" for n, c in CONVENTIONS.items())
    counts = Grid(
        f"{report.title or report.network} - {report.input} input: what each tool counts",
        header,
        rows,
        total,
        f"{tools} · - = not counted · {params_text(report.params)} · {CONVENTION}",
        left=2,
        wrap=(1,),
        drop=(1, 2),
    )
    rule_rows = [
        [c.torch, n, c.rules[n], si(c.counts[n])] for c in calls for n in names if c.rules[n]
    ]
    rules = Grid(
        "The rules behind each count (from each tool's source)",
        ["torch call", "convention", "counts", "here"],
        rule_rows,
        None,
        "Calls and conventions not listed count 0; the torch call of a layer is its kind's "
        "usual module unless the spec names another (torch: F.relu)",
        left=3,
        wrap=(2,),
    )
    return [counts, rules]


def _count(n: int) -> str:
    return si(n) if n else "-"


def explain_json(report: Report, calls: Sequence[Call]) -> str:
    """`convcost explain --format json`: the conventions with their totals, and every call's
    counts and rules."""
    from convcost.conventions import CONVENTIONS

    return to_json(
        {
            "network": report.network,
            "conventions": [
                {**convention_dict(c), "total": sum(x.counts[n] for x in calls)}
                for n, c in CONVENTIONS.items()
            ],
            "calls": [
                {
                    "torch": x.torch,
                    "kinds": list(x.kinds),
                    "layers": x.layers,
                    "counts": x.counts,
                    "rules": {n: r for n, r in x.rules.items() if r},
                }
                for x in calls
            ],
        }
    )


def explain_csv(calls: Sequence[Call]) -> str:
    """`convcost explain --format csv`: one row per call and convention."""
    rows = [
        [x.torch, " ".join(x.kinds), x.layers, n, x.counts[n], x.rules[n]]
        for x in calls
        for n in x.counts
    ]
    return _csv(["torch", "kinds", "layers", "convention", "count", "rule"], rows)


def advise_grid(report: Report, findings: Sequence[Finding], verdict: str) -> Grid:
    """`convcost advise`: one row per guideline finding, the verdict below."""
    header = ["guideline", "where", "measured", "saving"]
    rows = [
        [
            f.guideline,
            ", ".join(f.where[:3]) + (f" (+{len(f.where) - 3} more)" if len(f.where) > 3 else ""),
            f.detail,
            f.saving,
        ]
        for f in findings
    ] or [["-", "-", "no guideline crosses its threshold", "-"]]
    title = f"{report.title or report.network}: ShuffleNet V2's guidelines (Ma et al. 2018, Sec. 2)"
    return Grid(title, header, rows, None, f"Verdict: {verdict}", left=4, wrap=(1, 2, 3))


def advise_json(report: Report, findings: Sequence[Finding], verdict: str) -> str:
    """`convcost advise --format json`: network, findings, verdict."""
    return to_json(
        {
            "network": report.network,
            "findings": [
                {
                    "guideline": f.guideline,
                    "where": list(f.where),
                    "detail": f.detail,
                    "saving": f.saving,
                    "mem_access_saving": f.mem_access_saving,
                }
                for f in findings
            ],
            "verdict": verdict,
        }
    )


def advise_csv(findings: Sequence[Finding]) -> str:
    """`convcost advise --format csv`: one row per finding; its layers joined by spaces."""
    rows = [
        [f.guideline, " ".join(f.where), f.detail, f.saving, f.mem_access_saving] for f in findings
    ]
    return _csv(["guideline", "where", "detail", "saving", "mem_access_saving"], rows)


def devices_grid(devices: Sequence[Device]) -> Grid:
    """`convcost devices`: the shipped profiles and where their figures come from."""
    header = ["name", "title", "source", "peak GMAC/s fp32/fp16/int8", "GB/s", "launch us"]
    rows = [
        [
            d.name,
            d.title,
            d.source.strip(),
            "/".join(f"{d.peak_gmacs[p]:g}" for p in ("fp32", "fp16", "int8")),
            f"{d.bandwidth_gbs:g}",
            f"{d.launch_us:g}",
        ]
        for d in devices
    ]
    caption = "Pass one to analyze/compare with --device NAME, or a profile file of your own."
    return Grid("Device profiles", header, rows, None, caption, left=3, wrap=(1, 2), drop=(2,))


def devices_json(devices: Sequence[Device]) -> str:
    """`convcost devices --format json`."""
    return to_json([d._asdict() for d in devices])


def devices_csv(devices: Sequence[Device]) -> str:
    """`convcost devices --format csv`."""
    rows = [
        [
            d.name,
            d.title,
            *(d.peak_gmacs[p] for p in ("fp32", "fp16", "int8")),
            d.bandwidth_gbs,
            d.launch_us,
        ]
        for d in devices
    ]
    return _csv(
        ["name", "title", "gmacs_fp32", "gmacs_fp16", "gmacs_int8", "bandwidth_gbs", "launch_us"],
        rows,
    )


def check_grid(report: Report, checks: Sequence[Check]) -> Grid:
    """`convcost check`: each bound or expectation, the actual total, and by how much it missed."""
    rows = []
    for c in checks:
        limit = int(c.limit) if c.limit.denominator == 1 else float(c.limit)
        miss = c.actual - c.limit
        if c.ok:
            verdict = "ok"
        elif c.kind == "max":
            verdict = f"over by {si(int(miss))} (+{100 * float(miss / c.limit):.1f}%)"
        else:
            verdict = f"off by {int(miss):+,}"
        relation = "<=" if c.kind == "max" else "=="
        label = QUANTITY_LABELS.get(c.quantity, c.quantity)
        rows.append([label, f"{relation} {limit:,}", f"{c.actual:,}", verdict])
    passed = all(c.ok for c in checks)
    caption = "all checks pass" if passed else "FAILED: exit status 1"
    title = f"{report.title or report.network}: budget check ({params_text(report.params)})"
    return Grid(title, ["quantity", "limit", "actual", "result"], rows, None, caption, left=1)


def check_json(report: Report, checks: Sequence[Check]) -> str:
    """`convcost check --format json`: exact integers; limits as exact numbers or fractions."""
    return to_json(
        {
            "network": report.network,
            "ok": all(c.ok for c in checks),
            "checks": [
                {
                    "quantity": c.quantity,
                    "kind": c.kind,
                    "limit": int(c.limit) if c.limit.denominator == 1 else str(c.limit),
                    "actual": c.actual,
                    "ok": c.ok,
                }
                for c in checks
            ],
        }
    )


def check_csv(checks: Sequence[Check]) -> str:
    """`convcost check --format csv`: one row per bound or expectation, exact numbers."""
    rows = [
        [
            c.quantity,
            c.kind,
            int(c.limit) if c.limit.denominator == 1 else str(c.limit),
            c.actual,
            c.ok,
        ]
        for c in checks
    ]
    return _csv(["quantity", "kind", "limit", "actual", "ok"], rows)


def sweep_grid(points: Sweep, title: str) -> Grid:
    """`convcost sweep`: one row per point, its values and totals; failed points (also after
    --pareto) show '-', and a count of them and their errors follow the table."""
    shown = points.with_failed()
    names = list(shown.names)
    header = [*names, "MACs", "params", "activations", "mem access"]
    rows, errors = [], []
    p: Point
    for p in shown:
        if p.totals is None:
            rows.append([*p.values.values(), "-", "-", "-", "-"])
            errors.append(" ".join(f"{k}={v}" for k, v in p.values.items()) + f": {p.error}")
            continue
        t = p.totals
        rows.append(
            [*p.values.values(), si(t.macs), si(t.params), si(t.activations), si(t.mem_access)]
        )
    n = points.size
    failed = [f"{len(errors):,} of {n:,} point{'s' if n != 1 else ''} failed:"] if errors else []
    caption = "\n".join([*failed, *errors, CONVENTION])
    return Grid(title, header, rows, None, caption, left=len(names))


SWEEP_PIECE = 10_000
"""Points per piece of sweep output: 100,000 points never sit in memory as one text."""


def sweep_json(points: Sweep, network: str) -> Iterator[str]:
    """`convcost sweep --format json`: network; "points", one object per point shown that was
    costed (values, exact totals); "failed", one per failed point (values, error), also with
    --pareto. Values are numbers where they are constants, as in `analyze`'s params. In
    pieces, formatted column by column (json.dumps per point would take half a second for
    100,000 points)."""
    from itertools import islice

    dumps = STRICT_JSON.encode
    pieces = [
        [f"{dumps(n)}: {dumps(v)}" for v in vs]
        for n, vs in zip(points.names, points.typed(), strict=True)
    ]
    totals = ", ".join(f"{dumps(f)}: %d" for f in COST_FIELDS)
    line = '    {"values": {%s}, "totals": {' + totals + "}}"
    costed = points.costed()
    values = map(", ".join, costed.value_rows(pieces))
    n = len(costed)
    yield f'{{\n  "network": {dumps(network)},\n  "points": ' + ("[\n" if n else "[]")
    for start in range(0, n, SWEEP_PIECE):
        stop = min(start + SWEEP_PIECE, n)
        rows = zip(islice(values, stop - start), *costed.columns(start, stop), strict=True)
        yield ("" if start == 0 else ",\n") + ",\n".join(map(line.__mod__, rows))
    failed = points.failed()
    yield ("\n  ]" if n else "") + ',\n  "failed": ' + ("[\n" if failed else "[]")
    for start in range(0, len(failed), SWEEP_PIECE):
        lines = [
            f'    {{"values": {{{", ".join(v[j] for v, j in zip(pieces, where, strict=True))}}}, '
            f'"error": {dumps(points.errors[i])}}}'
            for i in failed[start : start + SWEEP_PIECE]
            for where in [points.indices(i)]
        ]
        yield ("" if start == 0 else ",\n") + ",\n".join(lines)
    yield ("\n  ]" if failed else "") + "\n}\n"


def sweep_csv(points: Sweep) -> Iterator[str]:
    """`convcost sweep --format csv`: values, exact totals, and the error for a failed point
    (its totals empty; with --pareto, failed points are rows too, in their place); in
    pieces."""
    import csv
    import io
    from itertools import islice, repeat
    from operator import add

    points = points.with_failed()
    yield _csv([*points.names, *COST_FIELDS, "error"], [])
    values = points.value_rows()
    for start in range(0, len(points), SWEEP_PIECE):
        stop = min(start + SWEEP_PIECE, len(points))
        totals = zip(*points.columns(start, stop), repeat(""))
        rows = list(map(add, islice(values, stop - start), totals))
        for k, i, error in points.failures(start, stop):
            rows[k - start] = (*points.values(i).values(), *[""] * len(COST_FIELDS), error)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        yield buf.getvalue()
