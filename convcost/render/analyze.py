"""The view of `convcost analyze`: a row per layer (and per --by group), each with its exact
cost, the bytes it moves and, with --device or --convention, its estimate and count; the
totals; and their table, JSON and CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii as json_text
from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.errors import plural
from convcost.layers import COST_FIELDS, Cost
from convcost.render.backends import STRICT_JSON, Written, to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import (
    CATEGORY_LABELS,
    CONVENTION,
    binary,
    estimate,
    intensity,
    params_text,
    pct,
    scalar_params,
    shapes,
    shared,
    si,
)

if TYPE_CHECKING:
    from convcost.checks import Grouping
    from convcost.conventions import Convention, Counted
    from convcost.latency import Timing
    from convcost.memory import Memory
    from convcost.report import LayerCost, Report


LAYER_HEAD = ("layer", "kind", "in", "out", "MACs")
"""The first columns of a table of layers."""


class Row(NamedTuple):
    """A row of `analyze`: a layer, a --by group or the total."""

    name: str  # the layer's path, the group's name, or "total"
    cost: Cost
    mem_access_bytes: int  # mem_access x bytes per element
    ms: float  # the estimated latency with --device (else 0.0)
    bound: str  # per layer with --device: "compute", "memory", "fused" or "view"; else ""
    counted: int  # what --convention counts (else 0)


def layer_data(x: LayerCost, row: Row, timed: bool, counted: bool) -> dict[str, Any]:
    """One layer as in the JSON schema, with `latency_ms` and `bound` if `timed` and
    `counted` if `counted`."""
    out = {
        "path": x.path,
        "kind": x.kind,
        "torch": x.torch,
        "category": x.category,
        "line": x.line,
        "in": [s.hwc() for s in x.inputs],
        "out": x.out.hwc(),
        **x.cost._asdict(),
        "mem_access_bytes": row.mem_access_bytes,
    }
    if timed:
        out["latency_ms"], out["bound"] = estimate(row.ms), row.bound
    if counted:
        out["counted"] = row.counted
    return out


COSTS_JSON = ", ".join(f'"{k}": {{}}' for k in COST_FIELDS)
"""A layer's cost fields as JSON, to fill with `format` (its fields are names: nothing to
escape)."""


def layer_json(x: LayerCost, row: Row, timed: bool, counted: bool) -> Written:
    """`layer_data` written as JSON, exactly as `STRICT_JSON.encode` writes it (a test checks
    every layer of the zoo): texts escaped by json's own function, integers and lists of them
    as Python writes them, which is as JSON does. For 10,000 layers, 30 ms against 75 ms for
    building each dict and encoding it."""
    out = (
        f'{{"path": {json_text(x.path)}, "kind": {json_text(x.kind)}, '
        f'"torch": {json_text(x.torch)}, "category": {json_text(x.category)}, '
        f'"line": {x.line}, "in": {[s.hwc() for s in x.inputs]}, "out": {x.out.hwc()}, '
        + COSTS_JSON.format(*x.cost)
        + f', "mem_access_bytes": {row.mem_access_bytes}'
    )
    if timed:
        out += f', "latency_ms": {STRICT_JSON.encode(estimate(row.ms))}'
        out += f', "bound": {json_text(row.bound)}'
    if counted:
        out += f', "counted": {STRICT_JSON.encode(row.counted)}'
    return Written(out + "}")


LayerData = Callable[["LayerCost", Row, bool, bool], Any]
"""How a layer goes into a report's JSON data: `layer_data` (a dict) or `layer_json`."""


class AnalyzeView(NamedTuple):
    """`convcost analyze`: per-layer rows always (JSON lists every layer), group rows with
    --by category/block, the total, and what --device and --convention add."""

    report: Report
    memory: Memory
    by: Grouping
    layers: list[Row]  # one per report.layers, in order
    groups: list[Row]  # per category or block ([] by layer)
    total: Row
    device: str  # the estimate's caption ("" without --device)
    convention: Convention | None
    counted: str  # the convention's caption ("" without --convention)

    def grids(self) -> list[Grid]:
        """The table: per layer or per group; with a device, estimated times; with a
        convention, each layer's torch call and what that convention counts for it."""
        if self.convention is not None and self.by == "layer":
            grid = self._counted_grid(self.convention)
        else:
            grid = self._grid()
        if self.device:
            total_ms = f"{self.total.ms:.3f}"
            if self.by == "layer":
                extra = [
                    [f"{r.ms:.4f}" if r.bound not in ("view", "fused") else "-", r.bound]
                    for r in self.layers
                ]
                grid = columns(grid, ["est. ms", "bound"], extra, [total_ms, ""], self.device, [1])
            else:
                extra = [[f"{r.ms:.4f}"] for r in self.groups]
                grid = columns(grid, ["est. ms"], extra, [total_ms], self.device)
        if self.convention is not None and self.by != "layer":
            c = self.convention
            extra = [[si(r.counted)] for r in self.groups]
            head = [f"{c.name} {c.unit}"]
            grid = columns(grid, head, extra, [si(self.total.counted)], self.counted)
        return [grid]

    def _grid(self) -> Grid:
        """The table without --device or --convention: per layer or per group."""
        r, mem, t = self.report, self.memory, self.total.cost
        title = f"{r.title or r.network} - {r.input} input"
        caption = f"{params_text(r.params)} · {memory_text(mem)} · {CONVENTION}"
        traffic = f"mem bytes ({mem.precision})"
        total_bytes = self.total.mem_access_bytes
        if self.by == "layer":
            header = [*LAYER_HEAD, "% MACs", "params", "activations", traffic, "MACs/B"]
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
                        binary(row.mem_access_bytes),
                        intensity(x.cost.macs, row.mem_access_bytes),
                    ]
                )
                for x, row in zip(r.layers, self.layers, strict=True)
            ]
            total = [
                "total",
                "",
                "",
                layers_text(r),
                si(t.macs),
                "100.00%",
                si(t.params),
                si(t.activations),
                binary(total_bytes),
                intensity(t.macs, total_bytes),
            ]
            drop = (2, 9, 7, 8, 1, 5)
            return Grid(title, header, rows, total, caption, left=4, wrap=(2,), drop=drop)
        header = [self.by, "MACs", "% MACs", "params", "% params", "activations", traffic, "MACs/B"]
        rows = [
            [
                CATEGORY_LABELS.get(g.name, g.name) if self.by == "category" else g.name,
                si(g.cost.macs),
                pct(g.cost.macs, t.macs),
                si(g.cost.params),
                pct(g.cost.params, t.params),
                si(g.cost.activations),
                binary(g.mem_access_bytes),
                intensity(g.cost.macs, g.mem_access_bytes),
            ]
            for g in self.groups
        ]
        total = [
            "total",
            si(t.macs),
            "100.00%",
            si(t.params),
            "100.00%",
            si(t.activations),
            binary(total_bytes),
            intensity(t.macs, total_bytes),
        ]
        return Grid(title, header, rows, total, caption, drop=(7, 5, 4, 6))

    def _counted_grid(self, c: Convention) -> Grid:
        """Per layer with --convention: each layer's PyTorch call, its MACs, and what the
        convention counts for it."""
        r, t = self.report, self.total.counted
        rows = [
            [
                x.path,
                x.kind,
                x.torch,
                shapes(x.inputs),
                str(x.out),
                si(x.cost.macs),
                si(row.counted),
                pct(row.counted, t),
            ]
            for x, row in zip(r.layers, self.layers, strict=True)
        ]
        total = ["total", "", "", "", layers_text(r), si(r.totals.macs), si(t), ""]
        return Grid(
            f"{r.title or r.network} - {r.input} input, counted as {c.name}",
            [
                "layer",
                "kind",
                "torch call",
                "in",
                "out",
                "MACs",
                f"{c.name} {c.unit}",
                f"% {c.name}",
            ],
            rows,
            total,
            f"{self.counted} · {params_text(r.params)} · {CONVENTION}",
            left=5,
            wrap=(3,),
            drop=(3, 7, 1, 4, 5),
        )

    def data(self, layer: LayerData = layer_data) -> dict[str, Any]:
        """As `analyze --format json` writes it: the report; `groups` for --by; with a device,
        `latency_ms` and `bound` per layer and `totals.latency_ms`; with a convention,
        `counted` per layer, group and in totals. Each layer as `layer` gives it."""
        counted = self.convention is not None
        data = report_data(self.report, self.memory, self.layers, bool(self.device), counted, layer)
        if self.device:
            data["totals"]["latency_ms"] = estimate(self.total.ms)
            data["device"] = self.device
        if self.convention is not None:
            data["totals"]["counted"] = self.total.counted
            data["convention"] = convention_data(self.convention)
        if self.by != "layer":
            data["by"] = self.by
            data["groups"] = [
                {"name": g.name, **g.cost._asdict(), **({"counted": g.counted} if counted else {})}
                for g in self.groups
            ]
        return data

    def json(self) -> str:
        """`analyze --format json`."""
        return to_json(self.data(layer_json))

    def csv(self) -> str:
        """`analyze --format csv`: one row per layer (or group), exact integers; with a device,
        each row's estimated milliseconds (and, per layer, its bound); with a convention,
        each layer's torch call and count (column `NAME_UNIT`, e.g. ptflops_macs)."""
        timed, c = bool(self.device), self.convention
        if self.by == "layer":
            header = list(LAYER_COLUMNS)
            rows = layer_rows(self.report.layers, self.layers)
            if timed:
                header += ["latency_ms", "bound"]
                rows = [[*row, r.ms, r.bound] for row, r in zip(rows, self.layers, strict=True)]
            if c is not None:
                header += ["torch", f"{c.name}_{c.unit.lower()}"]
                rows = [
                    [*row, x.torch, r.counted]
                    for row, x, r in zip(rows, self.report.layers, self.layers, strict=True)
                ]
            return to_csv(header, rows)
        header = [self.by, *COST_FIELDS, "mem_access_bytes"]
        groups = [[g.name, *g.cost, g.mem_access_bytes] for g in self.groups]
        if timed:
            header.append("latency_ms")
            groups = [[*row, g.ms] for row, g in zip(groups, self.groups, strict=True)]
        if c is not None:
            header.append(f"{c.name}_{c.unit.lower()}")
            groups = [[*row, g.counted] for row, g in zip(groups, self.groups, strict=True)]
        return to_csv(header, groups)


def build(
    report: Report,
    memory: Memory,
    by: Grouping = "layer",
    depth: int = 1,
    timing: Timing | None = None,
    counted: Counted | None = None,
) -> AnalyzeView:
    """The view of `analyze`: `report` with its memory at a precision, grouped `by` layer,
    category or block (`depth` path segments); with a device's timing and a convention's
    counts, if given (grouped alike)."""
    size = memory.bytes_per_element
    times = timing.layers if timing else None
    counts = counted.layers if counted else None
    layers = [
        Row(
            x.path,
            x.cost,
            x.cost.mem_access * size,
            times[i].ms if times else 0.0,
            (times[i].bound or "view") if times else "",
            counts[i] if counts else 0,
        )
        for i, x in enumerate(report.layers)
    ]
    groups = []
    if by != "layer":
        split = report.by_category() if by == "category" else report.by_block(depth)
        groups = [
            Row(
                k,
                c,
                c.mem_access * size,
                timing.groups[k] if timing else 0.0,
                "",
                counted.groups[k] if counted else 0,
            )
            for k, c in split.items()
        ]
    total = Row(
        "total",
        report.totals,
        report.totals.mem_access * size,
        timing.total_ms if timing else 0.0,
        "",
        counted.total if counted else 0,
    )
    return AnalyzeView(
        report,
        memory,
        by,
        layers,
        groups,
        total,
        timing.caption if timing else "",
        counted.convention if counted else None,
        counted.caption if counted else "",
    )


def layers_text(report: Report) -> str:
    """How many layers a report has: '1 layer', '86 layers'."""
    return plural(len(report.layers), "layer")


def memory_text(mem: Memory) -> str:
    """'peak activations 4.59 MiB (at stage1.unit1.pw), weights 16.1 MiB at fp32'."""
    return (
        f"peak activations {binary(mem.peak_activations_bytes)} (at {mem.peak_at or 'input'}), "
        f"weights {binary(mem.weights_bytes)}, memory traffic {binary(mem.mem_access_bytes)} "
        f"at {mem.precision}"
    )


def columns(
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


def convention_data(c: Convention) -> dict[str, str]:
    """A convention as JSON: whose rules, which unit."""
    return {"name": c.name, "tool": c.tool, "unit": c.unit, "summary": c.summary}


def report_data(
    report: Report,
    memory: Memory,
    layers: Sequence[Row] | None,
    timed: bool = False,
    counted: bool = False,
    layer: LayerData = layer_data,
) -> dict[str, Any]:
    """A report as in the JSON schema: network, params, input, layers unless `layers` is None
    (each as `layer` gives it, with its latency and bound if `timed`, its count if `counted`),
    totals, memory."""
    out: dict[str, Any] = {
        "network": report.network,
        "params": scalar_params(report.params),
        "input": report.input.hwc(),
    }
    if layers is not None:
        out["layers"] = [
            layer(x, r, timed, counted) for x, r in zip(report.layers, layers, strict=True)
        ]
    out["totals"] = report.totals._asdict()
    out["memory"] = memory._asdict()
    return out


LAYER_COLUMNS = ("path", "kind", "category", "line", "in", "out", *COST_FIELDS, "mem_access_bytes")


def layer_rows(
    layers: Sequence[LayerCost], rows: Sequence[Row], prefix: str = ""
) -> list[list[Any]]:
    """CSV rows of LAYER_COLUMNS, one per layer; paths after `prefix`."""
    return [
        [
            prefix + x.path,
            x.kind,
            x.category,
            x.line,
            shapes(x.inputs),
            str(x.out),
            *x.cost,
            r.mem_access_bytes,
        ]
        for x, r in zip(layers, rows, strict=True)
    ]
