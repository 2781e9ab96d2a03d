"""The view of `convcost measure`: a row per layer with its measured time in ONNX Runtime (or
the layer whose ORT node carries it), its share of the profiled run, and with --device the
estimate and measured / estimate; rows for ORT's other nodes and its time between nodes; the
machine and the whole network's median and spread in the caption. JSON and CSV carry every
time as `units.estimate` rounds it."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import estimate, params_text, scalar_params

if TYPE_CHECKING:
    from convcost.latency import Timing
    from convcost.measure import Measurement, Spread

OTHER = "(other ORT nodes)"
BETWEEN = "(between nodes)"
"""The rows of time no layer has: ORT's nodes of no layer, and its work outside nodes."""


class Row(NamedTuple):
    """A layer's row, every derived number computed once."""

    path: str
    kind: str
    category: str
    ms: float  # measured, for the batch (0.0 without a node of its own)
    share: float  # of the profiled run
    nodes: tuple[str, ...]  # the ORT nodes it carries
    fused_into: str  # the path of the layer carrying its time, or ""
    estimate_ms: float | None  # with --device, per image
    ratio: float | None  # with --device: measured per image / the estimates of it and of the
    # layers fused into it; None if it has no time of its own or no estimate


class MeasureView(NamedTuple):
    """`convcost measure`."""

    m: Measurement
    rows: list[Row]
    other_ms: float
    device: str  # the estimate's caption ("" without --device)
    estimate_ms: float | None  # the whole network's, per image
    ratio: float | None  # the median run per image / the whole network's estimate

    def grids(self) -> list[Grid]:
        """One table: layers, then the two remainders, then the profiled run's total."""
        m, timed = self.m, self.device != ""
        header = ["layer", "kind", "fused into", "ms", "% run"]
        if timed:
            header += ["est. ms", "x est."]
        rows = [
            [
                r.path,
                r.kind,
                r.fused_into,
                _ms(r.ms) if r.nodes else "-",
                f"{100 * r.share:.1f}%" if r.nodes else "-",
                *(
                    [_ms(r.estimate_ms) if r.estimate_ms is not None else "-", _ratio(r.ratio)]
                    if timed
                    else []
                ),
            ]
            for r in self.rows
        ]
        for name, ms in ((OTHER, self.other_ms), (BETWEEN, m.between_ms)):
            share = ms / m.profiled_ms if m.profiled_ms else 0.0
            rows.append(
                [name, "", "", _ms(ms), f"{100 * share:.1f}%", *(["", ""] if timed else [])]
            )
        total = ["profiled run", "", "", _ms(m.profiled_ms), "100.0%"]
        if timed:
            est = self.estimate_ms or 0.0
            total += [_ms(est), _ratio(m.profiled_ms / m.batch / est if est else None)]
        title = f"{m.report.title or m.report.network} - measured in ONNX Runtime, batch {m.batch}"
        return [
            Grid(
                title,
                header,
                rows,
                total,
                self.caption(),
                left=3,
                drop=(1, 4, 2) if timed else (1, 2),
            )
        ]

    def caption(self) -> str:
        """The machine, the runs, the whole network's times, how layers are timed."""
        m, s = self.m, self.m.spread
        per = s.scaled(1 / m.batch)
        image = f" ({per.median:.3f} ms per image)" if m.batch > 1 else ""
        ops = ", ".join(f"{op} x{k}" for op, k in _op_counts(self.m).items())
        lines = [
            f"{m.machine.describe()}; {params_text(m.report.params)}".rstrip("; "),
            f"whole network, {m.runs} runs after {m.warmup} warm-up: median {s.median:.3f} ms"
            f"{image}; min {s.min:.3f}, p10 {s.p10:.3f}, p90 {s.p90:.3f}, max {s.max:.3f} ms; "
            f"IQR {100 * s.iqr:.1f}% of the median",
            f"per layer: ORT's profiler, each node's median of {m.profile_runs} runs; a node's "
            "time goes to the first layer it computes, the others are fused into it; "
            f"{OTHER}: {ops or 'none'}; {BETWEEN}: the profiled run's time outside nodes",
        ]
        if self.device:
            lines.append(
                f"{self.device}; x est. = measured per image / the estimates of the layer and "
                f"those fused into it; the median run is {_ratio(self.ratio)} the estimate"
            )
        return " · ".join(lines)

    def data(self) -> dict[str, Any]:
        """As `measure --format json` writes it (convcost/schemas/measure.json)."""
        m, timed = self.m, self.device != ""
        r = m.report
        out: dict[str, Any] = {
            "network": r.network,
            "params": scalar_params(r.params),
            "input": r.input.hwc(),
            "machine": m.machine._asdict(),
            "batch": m.batch,
            "runs": m.runs,
            "warmup": m.warmup,
            "run_ms": _spread(m.spread),
            "run_ms_per_image": _spread(m.spread.scaled(1 / m.batch)),
            "times_ms": [estimate(t) for t in m.times],
            "profile": {
                "runs": m.profile_runs,
                "run_ms": estimate(m.profiled_ms),
                "other_ms": estimate(self.other_ms),
                "between_ms": estimate(m.between_ms),
                "other_nodes": [
                    {"name": o.name, "op": o.op, "ms": estimate(o.ms)} for o in m.other
                ],
            },
            "layers": [self._layer(row, timed) for row in self.rows],
        }
        if timed:
            out["device"] = self.device
            out["estimate_ms"] = estimate(self.estimate_ms or 0.0)
            out["ratio"] = None if self.ratio is None else estimate(self.ratio)
        return out

    @staticmethod
    def _layer(row: Row, timed: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": row.path,
            "kind": row.kind,
            "category": row.category,
            "ms": estimate(row.ms),
            "share": estimate(row.share),
            "nodes": list(row.nodes),
            "fused_into": row.fused_into or None,
        }
        if timed:
            out["estimate_ms"] = None if row.estimate_ms is None else estimate(row.estimate_ms)
            out["ratio"] = None if row.ratio is None else estimate(row.ratio)
        return out

    def json(self) -> str:
        """`measure --format json`."""
        return to_json(self.data())

    def csv(self) -> str:
        """`measure --format csv`: a row per layer, then the two remainders (path in
        parentheses), times in ms for the batch; estimates per image with --device."""
        m, timed = self.m, self.device != ""
        header = ["path", "kind", "category", "ms", "share", "fused_into", "ort_nodes"]
        if timed:
            header += ["estimate_ms", "ratio"]
        rows: list[list[Any]] = [
            [
                r.path,
                r.kind,
                r.category,
                r.ms,
                r.share,
                r.fused_into,
                " ".join(r.nodes),
                *([_cell(r.estimate_ms), _cell(r.ratio)] if timed else []),
            ]
            for r in self.rows
        ]
        for name, ms in ((OTHER, self.other_ms), (BETWEEN, m.between_ms)):
            share = ms / m.profiled_ms if m.profiled_ms else 0.0
            rows.append([name, "", "", ms, share, "", "", *(["", ""] if timed else [])])
        return to_csv(header, rows)


def build(m: Measurement, timing: Timing | None = None) -> MeasureView:
    """The view of a measurement, with a device's estimate if given."""
    report = m.report
    profiled = m.profiled_ms
    fused: dict[int, list[int]] = {}
    for i, t in enumerate(m.layers):
        if t.fused_into is not None:
            fused.setdefault(t.fused_into, []).append(i)
    rows = []
    for i, (x, t) in enumerate(zip(report.layers, m.layers, strict=True)):
        est = timing.layers[i].ms if timing else None
        ratio = None
        if timing and t.nodes:
            group = sum(timing.layers[j].ms for j in [i, *fused.get(i, [])])
            ratio = t.ms / m.batch / group if group > 0 else None
        rows.append(
            Row(
                x.path,
                x.kind,
                x.category,
                t.ms,
                t.ms / profiled if profiled else 0.0,
                t.nodes,
                report.layers[t.fused_into].path if t.fused_into is not None else "",
                est,
                ratio,
            )
        )
    total = timing.total_ms if timing else None
    ratio = m.spread.median / m.batch / total if total else None
    other = sum(o.ms for o in m.other)
    return MeasureView(m, rows, other, timing.caption if timing else "", total, ratio)


def _op_counts(m: Measurement) -> dict[str, int]:
    """How many of the ORT nodes of no layer each op has, most first."""
    return dict(Counter(o.op for o in m.other).most_common())


def _spread(s: Spread) -> dict[str, float]:
    return {k: estimate(v) for k, v in s._asdict().items()}


def _ms(ms: float) -> str:
    """Milliseconds as tables show them: 4 decimals below 10 ms, 3 above."""
    return f"{ms:.4f}" if abs(ms) < 10 else f"{ms:.3f}"


def _ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def _cell(v: float | None) -> float | str:
    return "" if v is None else v
