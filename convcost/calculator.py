"""The single-layer calculator behind `convcost layer` and `convcost.layer`: conv, pointwise,
depthwise and depthwise separable layers built from the registered kinds, and the separable
layer beside the standard convolution it replaces (MobileNet v1, Sec. 3.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.errors import SpecError
from convcost.layers import separable_ratio
from convcost.report import LayerCost, Report, run_layer
from convcost.shapes import Pad, Shape

if TYPE_CHECKING:
    from fractions import Fraction


class LayerOptions(NamedTuple):
    """What `convcost layer` is asked for; no bias and no batch norm unless asked."""

    out: int | None = None
    k: int = 3
    stride: int = 1
    pad: Pad | None = None  # None: "same" (shapes.same_pad)
    groups: int = 1
    bias: bool = False
    bn: bool = False


def layer_report(kind: str, x: Shape, o: LayerOptions) -> Report:
    """A one-layer network for `convcost layer`: conv, pw (1x1), dw (depthwise), or dwsep
    (depthwise then pointwise, MobileNet v1 Fig. 3); each conv followed by batch norm if `o.bn`."""
    if o.out is None and kind in ("conv", "pw", "dwsep"):
        raise SpecError(f"'layer {kind}' needs --out (output channels)")
    if kind == "pw" and o.k != 1:
        raise SpecError(f"a pointwise convolution is 1x1; drop -k {o.k} or use 'layer conv'")
    if o.groups != 1 and kind not in ("conv", "pw"):
        raise SpecError(f"--groups applies to 'layer conv' and 'layer pw' only, not '{kind}'")
    mult = 1
    if kind == "dw" and o.out is not None:
        if o.out % x.c:
            raise SpecError(
                f"a depthwise convolution keeps its {x.c} input channels "
                f"(or a multiple); --out {o.out} is not one"
            )
        mult = o.out // x.c
    window: dict[str, Any] = {"k": o.k, "stride": o.stride, "pad": o.pad, "bias": o.bias}
    pointwise = {"out": o.out, "k": 1, "bias": o.bias}
    plan: list[tuple[str, str, dict[str, Any]]] = {
        "conv": [("conv", "conv", {**window, "out": o.out, "groups": o.groups})],
        "pw": [("pw", "conv", {**pointwise, "stride": o.stride, "pad": o.pad, "groups": o.groups})],
        "dw": [("dw", "dwconv", {**window, "mult": mult})],
        "dwsep": [("dw", "dwconv", window), ("pw", "conv", pointwise)],
    }[kind]
    layers: list[LayerCost] = []
    y = x
    for path, layer_kind, args in plan:
        steps = [(path, layer_kind, args), *([(f"{path}+bn", "bn", {})] if o.bn else [])]
        for p, kd, a in steps:
            layer = run_layer(kd, [y], a, p)._replace(sources=(len(layers) - 1,))
            layers.append(layer)
            y = layer.out
    pad = "same" if o.pad is None else o.pad
    if isinstance(pad, tuple):
        pad = ",".join(map(str, pad))  # as --padding takes it
    shown = {
        "out": o.out,
        "k": o.k,
        "stride": o.stride,
        "pad": pad,
        "groups": o.groups,
        "bias": o.bias,
        "bn": o.bn,
    }
    return Report.of(f"layer {kind}", shown, x, tuple(layers), f"{kind} layer")


class SeparableComparison(NamedTuple):
    """A depthwise separable conv beside the standard conv it replaces (MobileNet v1 Sec. 3.1)."""

    standard: Report
    macs_ratio: Fraction  # measured: separable MACs / standard MACs
    params_ratio: Fraction  # measured: separable params / standard params
    formula: Fraction  # 1/N + 1/K^2


def compare_separable(x: Shape, o: LayerOptions) -> SeparableComparison:
    """Build dwsep and the KxK standard conv with the same input, output, stride and padding."""
    from fractions import Fraction

    sep = layer_report("dwsep", x, o)
    std = layer_report("conv", x, o)
    return SeparableComparison(
        std,
        Fraction(sep.totals.macs, std.totals.macs),
        Fraction(sep.totals.params, std.totals.params),
        separable_ratio(sep.layers[-1].out.c, o.k),
    )
