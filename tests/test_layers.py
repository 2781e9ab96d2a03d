"""Every formula against hand arithmetic, written out, including the seed notes' examples."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from convcost.calculator import LayerOptions, compare_separable, layer_report
from convcost.counting import CONVENTIONS, IGNORED, counts
from convcost.errors import ShapeError
from convcost.layers import KINDS, Cost, separable_ratio
from convcost.shapes import Shape, out_size, parse_hwc

ROOT = Path(__file__).resolve().parent.parent


def apply(kind: str, *inputs: Shape, **args: object):
    return KINDS[kind].apply(inputs, args)


# -- the seed notes' worked examples (background/001) -----------------------------------------


def test_seed_standard_conv_64x64x3_to_4():
    # seed 001: 3x3x3x64x64x4 = 442,368 mult-adds; 3x3x3x4 = 108 params
    r = layer_report("conv", parse_hwc("64x64x3"), LayerOptions(out=4, k=3))
    assert (r.totals.macs, r.totals.params) == (3 * 3 * 3 * 64 * 64 * 4, 3 * 3 * 3 * 4)
    assert (r.totals.macs, r.totals.params) == (442_368, 108)


def test_seed_depthwise_separable_parts():
    # seed 001: depthwise 110,592 / 27, pointwise 49,152 / 12, together 159,744 / 39
    r = layer_report("dwsep", parse_hwc("64x64x3"), LayerOptions(out=4, k=3))
    dw, pw = r.layers
    assert (dw.cost.macs, dw.cost.params) == (3 * 3 * 64 * 64 * 3, 3 * 3 * 3) == (110_592, 27)
    assert (pw.cost.macs, pw.cost.params) == (64 * 64 * 3 * 4, 3 * 4) == (49_152, 12)
    assert (r.totals.macs, r.totals.params) == (159_744, 39)
    assert (dw.category, pw.category) == ("depthwise", "pointwise")


def test_seed_group_pointwise_halves_cost():
    # seed 001: 1x1 on 64x64x4 -> 2: 32,768 mult-adds, 8 params; with 2 groups 16,384 and 4
    x = parse_hwc("64x64x4")
    dense = layer_report("conv", x, LayerOptions(out=2, k=1))
    grouped = layer_report("conv", x, LayerOptions(out=2, k=1, groups=2))
    assert (dense.totals.macs, dense.totals.params) == (32_768, 8)
    assert (grouped.totals.macs, grouped.totals.params) == (16_384, 4)
    assert grouped.layers[0].category == "group"  # 2 groups of 2 channels: not depthwise


def test_seed_vgg16_first_conv():
    # seed 001: 3x3x3x224x224x64 = 86,704,128 mult-adds, 1,728 weights
    r = layer_report("conv", parse_hwc("224x224x3"), LayerOptions(out=64, k=3))
    assert (r.totals.macs, r.totals.params) == (86_704_128, 1_728)


def test_mobilenet_table3_single_layer():
    # MobileNet v1 Table 3: 3x3 conv 512->512 on 14x14: 462M mult-adds, 2.36M params;
    # depthwise separable: 52.3M, 0.27M (exact: 462,422,016 / 2,359,296; 52,283,392 / 266,752)
    o = LayerOptions(out=512, k=3)
    c = compare_separable(parse_hwc("14x14x512"), o)
    separable = layer_report("dwsep", parse_hwc("14x14x512"), o)
    assert (c.standard.totals.macs, c.standard.totals.params) == (462_422_016, 2_359_296)
    assert (separable.totals.macs, separable.totals.params) == (52_283_392, 266_752)
    assert c.macs_ratio == c.formula == Fraction(1, 512) + Fraction(1, 9)


def test_separable_ratio_formula():
    # MobileNet v1 Sec. 3.1: 1/N + 1/D_K^2
    assert separable_ratio(4, 3) == Fraction(13, 36)
    assert separable_ratio(1024, 3) == Fraction(1, 1024) + Fraction(1, 9)


# -- conv ------------------------------------------------------------------------------------


def test_conv_cost_written_out():
    # 3x3 conv 32 -> 64 on 112x112, stride 1, same padding, with bias
    r = apply("conv", Shape(32, 112, 112), out=64, k=3, bias=True)
    weights = 3 * 3 * 32 * 64
    assert r.out == Shape(64, 112, 112)
    assert r.cost == Cost(
        macs=112 * 112 * weights,
        flops=2 * 112 * 112 * weights + 64 * 112 * 112,
        params=weights + 64,
        activations=64 * 112 * 112,
        mem_access=32 * 112 * 112 + weights + 64 + 64 * 112 * 112,
    )
    assert r.category == "standard"


def test_conv_stride_padding_and_rect_kernel():
    # 7x1 kernel, pad [3, 0], stride 2 on 17x17x192 (Inception v3 style)
    r = apply("conv", Shape(192, 17, 17), out=64, k=(7, 1), stride=2, pad=(3, 0))
    assert r.out == Shape(64, (17 + 6 - 7) // 2 + 1, (17 - 1) // 2 + 1) == Shape(64, 9, 9)
    assert r.cost.macs == 9 * 9 * 64 * 192 * 7


@pytest.mark.parametrize(
    ("c_in", "out", "k", "groups", "category"),
    [
        (3, 32, 3, 1, "standard"),
        (32, 64, 1, 1, "pointwise"),
        (32, 32, 3, 32, "depthwise"),
        (240, 60, 1, 3, "group"),
        (240, 60, 3, 3, "group"),
        (32, 64, 3, 32, "depthwise"),
    ],
)
def test_conv_categories(c_in, out, k, groups, category):
    assert apply("conv", Shape(c_in, 8, 8), out=out, k=k, groups=groups).category == category


def test_depthwise_is_conv_with_groups_equal_channels():
    x = Shape(60, 28, 28)
    assert apply("dwconv", x, k=3, stride=2) == apply("conv", x, out=60, k=3, stride=2, groups=60)
    assert apply("dwconv", x, mult=2).out.c == 120


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"out": 60, "groups": 7}, "groups (7) must divide input channels (240)"),
        ({"out": 61, "groups": 3}, "groups (3) must divide output channels (61)"),
        ({"out": 0}, "out must be at least 1, got 0"),
        ({"out": 8, "k": 0}, "k must be at least 1, got 0"),
        ({"out": 8, "stride": 0}, "stride must be at least 1, got 0"),
        ({"out": 8, "pad": -1}, "pad must be at least 0, got -1"),
        ({"out": 8, "k": 31, "pad": 0}, "kernel 31 (dilation 1) does not fit input size 28"),
    ],
)
def test_conv_errors(args, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        apply("conv", Shape(240, 28, 28), **args)


# -- deconv ----------------------------------------------------------------------------------


def test_deconv_cost_written_out():
    # ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2) on 5x7x4:
    # H_out = (5 - 1)*2 - 1 - 1 + 1*(3 - 1) + 1 + 1 = 10, W_out = (7 - 1)*2 - 2 + 2 + 2 = 14
    r = apply("deconv", Shape(4, 5, 7), out=6, k=3, stride=2, pad=1, output_padding=1, groups=2)
    weights = 3 * 3 * (4 // 2) * 6  # 108, PyTorch's weight 4 x 3 x 3 x 3
    assert r.out == Shape(6, 10, 14)
    assert r.cost == Cost(
        macs=weights * 5 * 7,  # per INPUT position: 3,780
        flops=2 * weights * 5 * 7,
        params=weights,
        activations=6 * 10 * 14,
        mem_access=4 * 5 * 7 + weights + 6 * 10 * 14,
    )
    assert (r.category, r.groups) == ("group", 2)
    with_bias = apply("deconv", Shape(4, 5, 7), out=6, k=3, stride=2, bias=True)
    assert with_bias.out == Shape(6, 11, 15)  # pad 0 by default: (5 - 1)*2 + 3 = 11
    assert with_bias.cost.params == 3 * 3 * 4 * 6 + 6
    assert with_bias.cost.flops == 2 * 3 * 3 * 4 * 6 * 35 + 6 * 11 * 15


def test_deconv_doubles_the_size_as_unets_and_gans_use_it():
    # k=4, stride 2, pad 1 (DCGAN) and k=2, stride 2 (U-Net's up-convolution): H_out = 2H
    assert apply("deconv", Shape(64, 16, 16), out=32, k=4, stride=2, pad=1).out == Shape(32, 32, 32)
    r = apply("deconv", Shape(64, 16, 16), out=32, k=2, stride=2)
    assert r.out == Shape(32, 32, 32) and r.category == "standard"
    assert r.cost.macs == 2 * 2 * 64 * 32 * 16 * 16  # each output fed by exactly one input
    # asymmetric pads, [h, w] sizes and dilation: (5-1)*2 - 0 - 0 + 2*(3-1) + 1 + 1 = 14 rows,
    # (7-1)*3 - 1 - 1 + 1*(2-1) + 2 + 1 = 20 columns (torch: 1 x 6 x 14 x 20)
    r = apply(
        "deconv",
        Shape(4, 5, 7),
        out=6,
        k=(3, 2),
        stride=(2, 3),
        pad=(0, 1),
        output_padding=(1, 2),
        dilation=(2, 1),
    )
    assert r.out == Shape(6, 14, 20) and r.cost.macs == 3 * 2 * 4 * 6 * 35
    assert apply("deconv", Shape(4, 5, 7), out=6, k=3, pad=(0, 2, 1, 0)).out == Shape(6, 5, 8)


@pytest.mark.parametrize(
    ("c_in", "out", "k", "groups", "category"),
    [
        (8, 4, 4, 1, "standard"),
        (8, 4, 1, 1, "pointwise"),
        (8, 8, 4, 8, "depthwise"),
        (8, 4, 4, 2, "group"),
    ],
)
def test_deconv_categories_are_convs(c_in, out, k, groups, category):
    assert apply("deconv", Shape(c_in, 4, 4), out=out, k=k, groups=groups).category == category


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"pad": "same"}, "no pad 'same' in a transposed convolution"),
        ({"pad": -1}, "pad must be at least 0, got -1"),
        ({"output_padding": 2}, "output_padding (2) must be smaller than stride (2) or dilation"),
        ({"output_padding": -1}, "output_padding must be at least 0, got -1"),
        ({"groups": 3}, "groups (3) must divide input channels (4)"),
        ({"out": 6, "groups": 4}, "groups (4) must divide output channels (6)"),
        ({"pad": (2, 3, 0, 0)}, "pad crops the whole output: its height would be 0"),
        ({"stride": 2**24}, "the output height would exceed the size limit (16,777,216)"),
    ],
)
def test_deconv_errors(args, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        apply("deconv", Shape(4, 2, 2), **{"out": 8, "k": 3, "stride": 2, **args})


# -- fc, pwlinear, bn, layernorm, activations, scale ---------------------------------------------


def test_fc_flattens_and_counts_bias():
    # VGG16 fc6: 7x7x512 -> 4096 with bias
    r = apply("fc", Shape(512, 7, 7), out=4096)
    assert r.cost.macs == 25088 * 4096
    assert r.cost.params == 25088 * 4096 + 4096
    assert r.cost.flops == 2 * 25088 * 4096 + 4096
    assert r.cost.mem_access == 25088 + 25088 * 4096 + 4096 + 4096
    assert (r.out, r.category) == (Shape(4096), "fc")


def test_pwlinear_is_a_linear_at_every_position():
    # ConvNeXt-T stage 1: nn.Linear(96, 384) on 1 x 56 x 56 x 96
    r = apply("pwlinear", Shape(96, 56, 56), out=384)
    positions = 56 * 56
    assert r.out == Shape(384, 56, 56)
    assert r.cost == Cost(
        macs=96 * 384 * positions,
        flops=2 * 96 * 384 * positions + 384 * positions,  # the bias added at every position
        params=96 * 384 + 384,
        activations=384 * positions,
        mem_access=96 * positions + 96 * 384 + 384 + 384 * positions,
    )
    assert r.category == "fc"
    assert apply("pwlinear", Shape(96, 56, 56), out=384, bias=False).cost.params == 96 * 384
    # on a 1x1 map it is fc: the same counts
    assert apply("pwlinear", Shape(768), out=1000) == apply("fc", Shape(768), out=1000)


def test_bn_counts_gamma_and_beta():
    r = apply("bn", Shape(64, 10, 10))
    assert r.cost == Cost(0, 2 * 6400, 2 * 64, 6400, 2 * 6400 + 2 * 64)


def test_layernorm_over_channels():
    # per position of C = 96 values: mean (96 ops: 95 adds, a divide), subtract (96), variance
    # (96 squares, 95 adds, a divide), eps + sqrt + reciprocal (3), normalise (96), gamma (96),
    # beta (96): 7 * 96 + 3 = 675 per position
    r = apply("layernorm", Shape(96, 56, 56))
    assert r.out == Shape(96, 56, 56)
    assert r.cost == Cost(0, 675 * 56 * 56, 2 * 96, 96 * 3136, 2 * 96 * 3136 + 2 * 96)
    assert apply("layernorm", Shape(768)).cost.flops == 7 * 768 + 3  # ConvNeXt's head: one place


def test_scale_is_one_multiply_per_element_and_c_params():
    # ConvNeXt's layer scale: a 96 x 1 x 1 parameter times the 96 x 56 x 56 block output
    r = apply("scale", Shape(96, 56, 56))
    assert r.cost == Cost(0, 96 * 3136, 96, 96 * 3136, 2 * 96 * 3136 + 96)


@pytest.mark.parametrize(
    ("kind", "per_element"),
    [
        ("relu", 1),
        ("relu6", 2),
        ("sigmoid", 3),
        ("hsigmoid", 4),
        ("swish", 4),
        ("hswish", 5),
        ("gelu", 5),  # 0.5 * x * (1 + erf(x / sqrt(2))): multiply, erf, add, multiply, multiply
    ],
)
def test_activations(kind, per_element):
    r = apply(kind, Shape(8, 4, 4))
    assert r.cost == Cost(0, per_element * 128, 0, 128, 256)


# -- pooling ---------------------------------------------------------------------------------


def test_maxpool_and_avgpool():
    x = Shape(24, 112, 112)
    m = apply("maxpool", x, k=3, stride=2, pad=1)
    assert m.out == Shape(24, 56, 56)
    assert m.cost.flops == 8 * 24 * 56 * 56
    a = apply("avgpool", x, k=2)
    assert a.out == Shape(24, 56, 56)
    assert a.cost.flops == 4 * 24 * 56 * 56
    assert a.cost.mem_access == x.numel + 24 * 56 * 56


def test_ceil_mode_matches_pytorch():
    # torch.nn.MaxPool2d(3, 2, ceil_mode=True) on 112 -> 56, on 55 -> 27, on 14 -> 7
    assert out_size(112, 3, 2, 0, ceil=True) == 56
    assert out_size(55, 3, 2, 0, ceil=True) == 27
    assert out_size(14, 3, 2, 0, ceil=True) == 7
    assert out_size(14, 3, 2, 0) == 6
    # the last window must start inside the input: 5, k2 s2 p1, ceil -> 3 (not 4)
    assert out_size(5, 2, 2, 1, ceil=True) == 3


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("maxpool", {"k": 3, "pad": 2}),  # torch: "pad should be at most half of effective ..."
        ("maxpool", {"k": 1, "pad": 1}),  # the 1x1 pool padded to fake an upsampling (issue 15)
        ("maxpool", {"k": 3, "dilation": 2, "pad": 2}),  # torch: at most k // 2 whatever dilation
        ("maxpool", {"k": (1, 3), "pad": (0, 2)}),
        ("avgpool", {"k": 3, "pad": 2}),
        ("avgpool", {"k": 4, "pad": (0, 3, 0, 0)}),  # each side on its own
    ],
)
def test_pools_refuse_padding_beyond_half_the_kernel_as_pytorch_does(kind, args):
    with pytest.raises(ShapeError, match=r"pad \(\d\) must be at most half the kernel size"):
        apply(kind, Shape(4, 9, 9), **args)


def test_pools_take_padding_up_to_half_the_kernel():
    # torch.nn.MaxPool2d(2, padding=1) and AvgPool2d(2, padding=1) on 9x9 -> 5x5
    assert apply("maxpool", Shape(4, 9, 9), k=2, pad=1).out == Shape(4, 5, 5)
    assert apply("avgpool", Shape(4, 9, 9), k=2, pad=1).out == Shape(4, 5, 5)
    assert apply("maxpool", Shape(4, 9, 9), k=2, stride=1, pad="same").out == Shape(4, 9, 9)


def test_upsample_nearest_and_bilinear():
    x = Shape(4, 5, 7)
    near = apply("upsample", x, scale_factor=2)
    assert near.out == Shape(4, 10, 14)
    assert near.cost == Cost(0, 0, 0, 560, 140 + 560)  # a copy: no arithmetic
    bilinear = apply("upsample", x, scale_factor=2, bilinear=True)
    assert bilinear.cost == Cost(0, 7 * 560, 0, 560, 140 + 560)  # 4 multiplies + 3 adds each
    assert apply("upsample", x, scale_factor=(2, 3)).out == Shape(4, 10, 21)
    assert apply("upsample", x, size=(8, 9)).out == Shape(4, 8, 9)
    assert apply("upsample", x, size=3).out == Shape(4, 3, 3)  # F.interpolate also shrinks


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "give size or scale_factor (one of them)"),
        ({"size": 8, "scale_factor": 2}, "give size or scale_factor, not both"),
        ({"scale_factor": 0}, "scale_factor must be at least 1, got 0"),
        ({"size": (8, 0)}, "size must be at least 1, got 0"),
        ({"scale_factor": 2**22}, "the output width would exceed the size limit"),
    ],
)
def test_upsample_errors(args, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        apply("upsample", Shape(4, 3, 5), **args)


def test_adaptive_and_global_pool():
    # 7x7 -> 7x7 reads each element once; 5x5 -> 7x7 (torch bins overlap)
    assert apply("adaptive_avgpool", Shape(512, 7, 7), size=7).cost.flops == 512 * 49
    # bins [floor(i*5/7), ceil((i+1)*5/7)) have lengths 1,2,2,1,2,2,1 = 11 per axis
    assert apply("adaptive_avgpool", Shape(1, 5, 5), size=7).cost.flops == 11 * 11
    g = apply("gap", Shape(1024, 7, 7))
    assert (g.out, g.cost.flops) == (Shape(1024), 1024 * 49)


# -- merges and views ---------------------------------------------------------------------------


def test_add_concat_mul():
    x = Shape(240, 28, 28)
    add = KINDS["add"].apply([x, x], {})
    assert add.cost == Cost(0, x.numel, 0, x.numel, 3 * x.numel)
    cat = KINDS["concat"].apply([Shape(216, 28, 28), Shape(24, 28, 28)], {})
    assert cat.out == x and cat.cost.mem_access == 2 * x.numel
    mul = KINDS["mul"].apply([x, Shape(240)], {})
    assert mul.out == x and mul.cost.mem_access == x.numel + 240 + x.numel


def test_merge_errors():
    with pytest.raises(ShapeError, match="add needs equal shapes"):
        KINDS["add"].apply([Shape(4, 2, 2), Shape(5, 2, 2)], {})
    with pytest.raises(ShapeError, match="concat needs equal H and W"):
        KINDS["concat"].apply([Shape(4, 2, 2), Shape(4, 3, 3)], {})
    with pytest.raises(ShapeError, match="mul needs equal channels"):
        KINDS["mul"].apply([Shape(4, 2, 2), Shape(5, 1, 1)], {})


def test_views_cost_nothing():
    x = Shape(116, 28, 28)
    assert apply("split", x, parts=2, index=1) == (Shape(58, 28, 28), Cost(), "other", 1)
    assert apply("flatten", x).out == Shape(116 * 28 * 28)
    assert apply("flatten", x).cost == apply("dropout", x).cost == Cost()


def test_shuffle_moves_every_element():
    # ShuffleNet V2 G4: no FLOPs, full memory traffic
    r = apply("shuffle", Shape(116, 28, 28), groups=2)
    assert r.cost == Cost(0, 0, 0, 116 * 784, 2 * 116 * 784)
    with pytest.raises(ShapeError, match="groups"):
        apply("shuffle", Shape(58, 28, 28), groups=3)


def test_kind_registered_twice_is_a_bug():
    from convcost.layers import register

    with pytest.raises(RuntimeError, match="registered twice"):
        register("conv", calls=KINDS["conv"].calls)(lambda x: None)


# -- the registry: every kind declares everything, and every formula takes arrays ----------------


def test_every_convention_counts_or_ignores_every_call_of_every_kind():
    # a kind registered without a rule for some convention would be counted 0 there, silently
    for kind in KINDS.values():
        assert kind.calls, kind.name
        for call, rules in kind.calls.items():
            assert list(rules) == list(CONVENTIONS), (kind.name, call)


def test_a_call_is_counted_alike_whichever_kind_computes_it():
    # explain groups layers by PyTorch call (nn.Conv2d: conv and dwconv), as the tools see them
    seen: dict[str, dict[str, object]] = {}
    for kind in KINDS.values():
        for call, rules in kind.calls.items():
            assert seen.setdefault(call, rules) == rules, (kind.name, call)


def test_a_call_without_a_rule_for_every_convention_is_refused():
    with pytest.raises(RuntimeError, match=r"missing \['fvcore', 'thop', 'torch'\]"):
        counts(paper=IGNORED, ptflops=IGNORED)
    with pytest.raises(RuntimeError, match=r"unknown \['flops'\]"):
        counts(**dict.fromkeys(CONVENTIONS, IGNORED), flops=IGNORED)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_formula_takes_arrays_of_sizes(name):
    # a vectorised sweep passes numpy arrays of heights and widths: each kind must give, element
    # by element, what it gives for one size (a Python `and` or `if` on a size would raise)
    kind = KINDS[name]
    required = {a for a, arg in kind.args.items() if arg.required}
    assert required <= set(kind.example), f"{name}: example lacks {required - set(kind.example)}"
    sizes = [(9, 9), (16, 12), (33, 7)]
    hs, ws = (np.array(v, dtype=np.int64) for v in zip(*sizes, strict=True))
    arity = 2 if kind.variadic else 1
    batch = kind.apply([Shape(4, hs, ws)] * arity, dict(kind.example))
    for i, (h, w) in enumerate(sizes):
        one = kind.apply([Shape(4, h, w)] * arity, dict(kind.example))
        assert (one.category, one.groups) == (batch.category, batch.groups), name
        exact = [*one.out, *one.cost]
        for field, v in zip(["c", "h", "w", *Cost._fields], [*batch.out, *batch.cost], strict=True):
            assert np.broadcast_to(v, len(sizes))[i] == exact.pop(0), (name, field, h, w)


def _readme_kinds() -> dict[str, str]:
    """README's table of layer kinds: each kind name (aliases too) -> its arguments cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("**Layer kinds**", 1)[1].split("\n\n", 2)[1]
    out = {}
    for row in table.splitlines()[2:]:
        names, arguments = row.split(" | ")[:2]
        for name in re.findall(r"`(\w+)`", names):
            out[name] = arguments
    return out


def _arguments(kind: str) -> str:
    """A kind's arguments as the README writes them: `name` if required, else `name=default`."""
    cells = []
    for arg in KINDS[kind].args.values():
        default = str(arg.default).lower()  # true, false, 1, none, ...
        if arg.default is None:  # the kind decides: a pool's stride is its window, pad is same
            default = {"stride": "k", "pad": "same"}.get(arg.name, "none")
        cells.append(f"`{arg.name}`" if arg.required else f"`{arg.name}={default}`")
    return ", ".join(cells) or "—"


def test_readme_lists_every_kind_with_its_arguments():
    table = _readme_kinds()
    assert sorted(table) == sorted(KINDS)
    for kind in KINDS:
        assert table[kind].strip("| ") == _arguments(kind), kind
    sugar = sorted(k for k, v in KINDS.items() if v.sugar)
    # README: "`conv`, `dwconv`, `deconv`, `fc` and `pwlinear` also take"
    assert sugar == ["conv", "deconv", "dwconv", "fc", "linear", "pwlinear"]


# -- `convcost layer`: pointwise group convolution, the spec's kind names -----------------------


def test_layer_pw_with_groups_is_shufflenets_group_pointwise(run):
    # seed 001's worked example as `layer pw -g 2`: 64x64x4 -> 2, 1x1x64x64x2x2 = 16,384
    # mult-adds and 1x1x2x2 = 4 weights (ShuffleNet's pointwise group convolution)
    grouped = layer_report("pw", parse_hwc("64x64x4"), LayerOptions(out=2, k=1, groups=2))
    assert (grouped.totals.macs, grouped.totals.params) == (16_384, 4)
    assert [x.category for x in grouped.layers] == ["group"]
    result = run("layer", "pw", "--groups", "2", "--in", "64x64x4", "--out", "2", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["totals"]["macs"], data["totals"]["params"]) == (16_384, 4)
    assert data["params"]["groups"] == 2 and data["layers"][0]["out"] == [64, 64, 2]
    refused = run("layer", "pw", "-g", "3", "--in", "64x64x4", "--out", "2")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: ") and "groups (3) must divide" in refused.stderr


def test_layer_takes_the_spec_kind_names_dwconv_and_pwconv(run):
    for synonym, kind, args in (
        ("dwconv", "dw", ["-k", "3", "-s", "2"]),
        ("pwconv", "pw", ["--out", "8", "-g", "2"]),
    ):
        same = [run("layer", k, "--in", "32x32x4", *args, "-f", "json") for k in (synonym, kind)]
        assert [r.exit_code for r in same] == [0, 0], same[0].output
        ours, theirs = (json.loads(r.stdout) for r in same)
        assert ours["totals"] == theirs["totals"] and ours["layers"] == theirs["layers"]
    refused = run("layer", "pwconv", "--in", "64x64x3", "--out", "8", "-k", "3")
    assert refused.exit_code == 2
    assert "a pointwise convolution is 1x1; drop -k 3" in refused.stderr
