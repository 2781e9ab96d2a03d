"""The view of `convcost layer`: the layer's rows (as `analyze` has them); for dwsep the
standard convolution it replaces and the exact ratios; for a 1x1 convolution ShuffleNet V2's
G1 bound and how far above it the layer is; and their table, JSON and CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from convcost.calculator import LayerOptions, SeparableComparison, compare_separable, layer_report
from convcost.guidelines import g1_bound
from convcost.layers import Cost
from convcost.memory import memory
from convcost.render import analyze
from convcost.render.analyze import LAYER_COLUMNS, LAYER_HEAD, AnalyzeView, layer_rows
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid
from convcost.render.units import CONVENTION, binary, intensity, params_text, shapes, si

if TYPE_CHECKING:
    from convcost.shapes import Shape


class G1(NamedTuple):
    """A 1x1 convolution's memory access beside ShuffleNet V2's Eq. 1 lower bound."""

    mem_access: int
    bound: int
    excess_pct: float  # 100 * (mem_access - bound) / bound


class LayerView(NamedTuple):
    """`convcost layer`: the layer(s), for dwsep the standard conv (at the layer's memory and
    precision) and the ratios, for a 1x1 conv the G1 bound."""

    layer: AnalyzeView
    standard: AnalyzeView | None
    comparison: SeparableComparison | None
    g1: G1 | None

    def grids(self) -> list[Grid]:
        """The layer(s), for dwsep the standard conv it replaces, and the ratio or the G1
        bound in the caption."""
        report, mem = self.layer.report, self.layer.memory
        header = [
            *LAYER_HEAD,
            "params",
            "activations",
            "mem access",
            f"mem bytes ({mem.precision})",
            "MACs/B",
        ]

        def row(
            name: str, kind: str, xs: Sequence[Shape], y: Shape, c: Cost, nbytes: int
        ) -> list[str]:
            return [
                name,
                kind,
                shapes(xs),
                str(y),
                si(c.macs),
                si(c.params),
                si(c.activations),
                si(c.mem_access),
                binary(nbytes),
                intensity(c.macs, nbytes),
            ]

        rows = [
            row(x.path, x.kind, x.inputs, x.out, x.cost, r.mem_access_bytes)
            for x, r in zip(report.layers, self.layer.layers, strict=True)
        ]
        t = self.layer.total
        total = row("total", "", [report.input], report.layers[-1].out, t.cost, t.mem_access_bytes)
        caption = params_text(report.params) + " · " + CONVENTION
        if self.g1 is not None:
            mac, bound = self.g1.mem_access, self.g1.bound
            caption = (
                f"ShuffleNet V2 G1: memory access {mac:,} elements; for these FLOPs B = hw*c1*c2 "
                f"it is at least 2*sqrt(hw*B) + B/(hw) = {bound:,} (equal channels reach it): "
                f"{self.g1.excess_pct:+.1f}%.\n" + caption
            )
        drop = (2, 9, 8, 6, 1)
        if self.standard is None or self.comparison is None:
            return [Grid(report.title, header, rows, total, caption, left=4, wrap=(2,), drop=drop)]
        std, s, cmp = self.standard.report, self.standard.total, self.comparison
        rows.append(
            row(
                "replaces: standard conv",
                "conv",
                [std.input],
                std.layers[0].out,
                s.cost,
                s.mem_access_bytes,
            )
        )
        n, k = std.params["out"], std.params["k"]
        caption = (
            f"dwsep / standard: MACs {t.cost.macs:,} / {s.cost.macs:,} = "
            f"{cmp.macs_ratio} ({float(cmp.macs_ratio):.4f}); params "
            f"{t.cost.params:,} / {s.cost.params:,} = {cmp.params_ratio}. "
            f"MobileNet v1 Eq. 5: 1/N + 1/K^2 = 1/{n} + 1/{k * k} = {cmp.formula}"
            f"{' (equal)' if cmp.formula == cmp.macs_ratio else ''}.\n" + caption
        )
        return [Grid(report.title, header, rows, total, caption, left=4, wrap=(0, 2), drop=drop)]

    def json(self) -> str:
        """The layer's report; for dwsep the standard conv and the ratios; for 1x1, G1."""
        data = self.layer.data()
        if self.standard is not None and self.comparison is not None:
            data["standard"] = self.standard.data()
            data["ratio"] = {
                "macs": str(self.comparison.macs_ratio),
                "params": str(self.comparison.params_ratio),
                "one_over_n_plus_one_over_k2": str(self.comparison.formula),
            }
        if self.g1 is not None:
            data["g1"] = {"mem_access": self.g1.mem_access, "lower_bound": self.g1.bound}
        return to_json(data)

    def csv(self) -> str:
        """The layer rows, then the replaced standard conv's (paths `standard.`...)."""
        rows = layer_rows(self.layer.report.layers, self.layer.layers)
        if self.standard is not None:
            s = self.standard
            rows += layer_rows(s.report.layers, s.layers, prefix="standard.")
        return to_csv(LAYER_COLUMNS, rows)


def build(kind: str, x: Shape, options: LayerOptions, precision: str) -> LayerView:
    """The view of `layer`: `kind` (conv, pw, dw or dwsep) on input `x`; for dwsep the
    standard KxK conv it replaces; for a 1x1 conv of one group at stride 1, G1."""
    report = layer_report(kind, x, options)
    mem = memory(report, precision)
    view = analyze.build(report, mem)
    comparison = compare_separable(x, options) if kind == "dwsep" else None
    standard = None
    if comparison is not None:
        standard = analyze.build(comparison.standard, memory(comparison.standard, precision))
    g1 = None
    if kind in ("conv", "pw") and (options.k, options.groups, options.stride) == (1, 1, 1):
        conv = report.layers[0]
        mac, bound = conv.cost.mem_access, g1_bound(x.h * x.w, x.c, conv.out.c)
        g1 = G1(mac, bound, 100 * (mac - bound) / bound)
    return LayerView(view, standard, comparison, g1)
