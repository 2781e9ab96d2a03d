"""Padding: "same" as TensorFlow's SAME rule (and PyTorch's padding='same'), explicit per side.

The tables below were verified by scripts/check_padding.py (torch 2.14.1); their comments say
against what. They are exact literals, not recomputed here.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from convcost.errors import ShapeError
from convcost.expand import analyze
from convcost.layers import KINDS
from convcost.shapes import Shape, out_size, parse_pad, same_pad
from convcost.spec import load_spec
from convcost.sweep import sweep


def apply(kind: str, x: Shape, **args: object) -> Shape:
    return KINDS[kind].apply([x], args).out


# (size, k, stride, dilation, before, after, out). Stride 1 rows: verified against torch 2.x
# F.conv2d(padding='same') value for value (conv2d of F.pad(x, (before, after)) is equal, so the
# odd one goes after); every row: the TF SAME rule (tensorflow/core/framework/kernel_shape_util.cc,
# GetWindowedOutputSizeVerbose) and torch 2.x conv2d / max_pool2d on F.pad(x, before, after) giving
# `out` = ceil(size / stride). Run scripts/check_padding.py --emit to print it again.
SAME = [
    (5, 1, 1, 1, 0, 0, 5),
    (6, 1, 1, 1, 0, 0, 6),
    (7, 1, 1, 1, 0, 0, 7),
    (8, 1, 1, 1, 0, 0, 8),
    (13, 1, 1, 1, 0, 0, 13),
    (20, 1, 1, 1, 0, 0, 20),
    (5, 2, 1, 1, 0, 1, 5),
    (6, 2, 1, 1, 0, 1, 6),
    (7, 2, 1, 1, 0, 1, 7),
    (8, 2, 1, 1, 0, 1, 8),
    (13, 2, 1, 1, 0, 1, 13),
    (20, 2, 1, 1, 0, 1, 20),
    (5, 3, 1, 1, 1, 1, 5),
    (6, 3, 1, 1, 1, 1, 6),
    (7, 3, 1, 1, 1, 1, 7),
    (8, 3, 1, 1, 1, 1, 8),
    (13, 3, 1, 1, 1, 1, 13),
    (20, 3, 1, 1, 1, 1, 20),
    (5, 4, 1, 1, 1, 2, 5),
    (6, 4, 1, 1, 1, 2, 6),
    (7, 4, 1, 1, 1, 2, 7),
    (8, 4, 1, 1, 1, 2, 8),
    (13, 4, 1, 1, 1, 2, 13),
    (20, 4, 1, 1, 1, 2, 20),
    (5, 5, 1, 1, 2, 2, 5),
    (6, 5, 1, 1, 2, 2, 6),
    (7, 5, 1, 1, 2, 2, 7),
    (8, 5, 1, 1, 2, 2, 8),
    (13, 5, 1, 1, 2, 2, 13),
    (20, 5, 1, 1, 2, 2, 20),
    (5, 6, 1, 1, 2, 3, 5),
    (6, 6, 1, 1, 2, 3, 6),
    (7, 6, 1, 1, 2, 3, 7),
    (8, 6, 1, 1, 2, 3, 8),
    (13, 6, 1, 1, 2, 3, 13),
    (20, 6, 1, 1, 2, 3, 20),
    (5, 1, 2, 1, 0, 0, 3),
    (6, 1, 2, 1, 0, 0, 3),
    (7, 1, 2, 1, 0, 0, 4),
    (8, 1, 2, 1, 0, 0, 4),
    (13, 1, 2, 1, 0, 0, 7),
    (20, 1, 2, 1, 0, 0, 10),
    (5, 2, 2, 1, 0, 1, 3),
    (6, 2, 2, 1, 0, 0, 3),
    (7, 2, 2, 1, 0, 1, 4),
    (8, 2, 2, 1, 0, 0, 4),
    (13, 2, 2, 1, 0, 1, 7),
    (20, 2, 2, 1, 0, 0, 10),
    (5, 3, 2, 1, 1, 1, 3),
    (6, 3, 2, 1, 0, 1, 3),
    (7, 3, 2, 1, 1, 1, 4),
    (8, 3, 2, 1, 0, 1, 4),
    (13, 3, 2, 1, 1, 1, 7),
    (20, 3, 2, 1, 0, 1, 10),
    (5, 4, 2, 1, 1, 2, 3),
    (6, 4, 2, 1, 1, 1, 3),
    (7, 4, 2, 1, 1, 2, 4),
    (8, 4, 2, 1, 1, 1, 4),
    (13, 4, 2, 1, 1, 2, 7),
    (20, 4, 2, 1, 1, 1, 10),
    (5, 5, 2, 1, 2, 2, 3),
    (6, 5, 2, 1, 1, 2, 3),
    (7, 5, 2, 1, 2, 2, 4),
    (8, 5, 2, 1, 1, 2, 4),
    (13, 5, 2, 1, 2, 2, 7),
    (20, 5, 2, 1, 1, 2, 10),
    (5, 6, 2, 1, 2, 3, 3),
    (6, 6, 2, 1, 2, 2, 3),
    (7, 6, 2, 1, 2, 3, 4),
    (8, 6, 2, 1, 2, 2, 4),
    (13, 6, 2, 1, 2, 3, 7),
    (20, 6, 2, 1, 2, 2, 10),
    (5, 1, 3, 1, 0, 0, 2),
    (6, 1, 3, 1, 0, 0, 2),
    (7, 1, 3, 1, 0, 0, 3),
    (8, 1, 3, 1, 0, 0, 3),
    (13, 1, 3, 1, 0, 0, 5),
    (20, 1, 3, 1, 0, 0, 7),
    (5, 2, 3, 1, 0, 0, 2),
    (6, 2, 3, 1, 0, 0, 2),
    (7, 2, 3, 1, 0, 1, 3),
    (8, 2, 3, 1, 0, 0, 3),
    (13, 2, 3, 1, 0, 1, 5),
    (20, 2, 3, 1, 0, 0, 7),
    (5, 3, 3, 1, 0, 1, 2),
    (6, 3, 3, 1, 0, 0, 2),
    (7, 3, 3, 1, 1, 1, 3),
    (8, 3, 3, 1, 0, 1, 3),
    (13, 3, 3, 1, 1, 1, 5),
    (20, 3, 3, 1, 0, 1, 7),
    (5, 4, 3, 1, 1, 1, 2),
    (6, 4, 3, 1, 0, 1, 2),
    (7, 4, 3, 1, 1, 2, 3),
    (8, 4, 3, 1, 1, 1, 3),
    (13, 4, 3, 1, 1, 2, 5),
    (20, 4, 3, 1, 1, 1, 7),
    (5, 5, 3, 1, 1, 2, 2),
    (6, 5, 3, 1, 1, 1, 2),
    (7, 5, 3, 1, 2, 2, 3),
    (8, 5, 3, 1, 1, 2, 3),
    (13, 5, 3, 1, 2, 2, 5),
    (20, 5, 3, 1, 1, 2, 7),
    (5, 6, 3, 1, 2, 2, 2),
    (6, 6, 3, 1, 1, 2, 2),
    (7, 6, 3, 1, 2, 3, 3),
    (8, 6, 3, 1, 2, 2, 3),
    (13, 6, 3, 1, 2, 3, 5),
    (20, 6, 3, 1, 2, 2, 7),
    (7, 2, 1, 2, 1, 1, 7),
    (8, 2, 1, 2, 1, 1, 8),
    (7, 3, 1, 2, 2, 2, 7),
    (8, 3, 1, 2, 2, 2, 8),
    (7, 4, 1, 2, 3, 3, 7),
    (8, 4, 1, 2, 3, 3, 8),
    (7, 5, 1, 2, 4, 4, 7),
    (8, 5, 1, 2, 4, 4, 8),
    (7, 6, 1, 2, 5, 5, 7),
    (8, 6, 1, 2, 5, 5, 8),
    (7, 2, 2, 2, 1, 1, 4),
    (8, 2, 2, 2, 0, 1, 4),
    (7, 3, 2, 2, 2, 2, 4),
    (8, 3, 2, 2, 1, 2, 4),
    (7, 4, 2, 2, 3, 3, 4),
    (8, 4, 2, 2, 2, 3, 4),
    (7, 5, 2, 2, 4, 4, 4),
    (8, 5, 2, 2, 3, 4, 4),
    (7, 6, 2, 2, 5, 5, 4),
    (8, 6, 2, 2, 4, 5, 4),
    (7, 2, 1, 3, 1, 2, 7),
    (8, 2, 1, 3, 1, 2, 8),
    (7, 3, 1, 3, 3, 3, 7),
    (8, 3, 1, 3, 3, 3, 8),
    (7, 4, 1, 3, 4, 5, 7),
    (8, 4, 1, 3, 4, 5, 8),
    (7, 5, 1, 3, 6, 6, 7),
    (8, 5, 1, 3, 6, 6, 8),
    (7, 6, 1, 3, 7, 8, 7),
    (8, 6, 1, 3, 7, 8, 8),
    (7, 2, 2, 3, 1, 2, 4),
    (8, 2, 2, 3, 1, 1, 4),
    (7, 3, 2, 3, 3, 3, 4),
    (8, 3, 2, 3, 2, 3, 4),
    (7, 4, 2, 3, 4, 5, 4),
    (8, 4, 2, 3, 4, 4, 4),
    (7, 5, 2, 3, 6, 6, 4),
    (8, 5, 2, 3, 5, 6, 4),
    (7, 6, 2, 3, 7, 8, 4),
    (8, 6, 2, 3, 7, 7, 4),
]


def test_same_pad_is_tensorflow_same_and_torch_same():
    for size, k, s, d, before, after, out in SAME:
        assert same_pad(size, k, s, d) == (before, after), (size, k, s, d)
        assert out_size(size, k, s, before, d, pad_after=after) == out == -(-size // s)


def test_same_is_every_window_kinds_default_or_choice():
    # the shapes torch 2.x gave for the SAME table (conv2d, max_pool2d, avg_pool2d on F.pad)
    for size, k, s, d, _, _, out in SAME:
        x = Shape(4, size, size + 5)  # W as the script checked it: its own padding
        w = -(-(size + 5) // s)
        assert apply("conv", x, out=8, k=k, stride=s, dilation=d) == Shape(8, out, w)
        assert apply("conv", x, out=8, k=k, stride=s, dilation=d, pad="same") == Shape(8, out, w)
        assert apply("dwconv", x, k=k, stride=s, dilation=d) == Shape(4, out, w)
        assert apply("maxpool", x, k=k, stride=s, dilation=d, pad="same") == Shape(4, out, w)
        if d == 1:
            assert apply("avgpool", x, k=k, stride=s, pad="same") == Shape(4, out, w)


def test_even_kernel_same_was_one_short():
    # issue 12 item 3: a 4x4 "same" conv kept 63 of 64 rows; torch 2.x padding='same' keeps 64
    # (1 before, 2 after)
    assert same_pad(64, 4) == (1, 2)
    assert apply("conv", Shape(3, 64, 64), out=8, k=4) == Shape(8, 64, 64)
    assert apply("conv", Shape(3, 64, 64), out=8, k=(2, 4), dilation=(3, 1)) == Shape(8, 64, 64)


# (H, W, k, stride, pad, (H_out, W_out)): verified against torch 2.x F.conv2d on
# F.pad(x, (left, right, top, bottom)) by scripts/check_padding.py
EXPLICIT = [
    (8, 8, 4, 1, (0, 1, 0, 1), (6, 6)),
    (8, 9, 4, 1, (1, 2, 2, 1), (8, 9)),
    (9, 8, 3, 2, (0, 1, 1, 0), (4, 4)),
    (13, 17, 5, 3, (2, 0, 0, 2), (4, 5)),
    (10, 10, 2, 2, (0, 1, 0, 1), (5, 5)),
    (17, 17, (1, 7), 1, (0, 3), (17, 17)),
    (7, 12, 3, 1, (1, 0), (7, 10)),
    (6, 6, 6, 1, "valid", (1, 1)),
]


def test_explicit_padding_per_side():
    for h, w, k, s, pad, hw in EXPLICIT:
        assert apply("conv", Shape(2, h, w), out=3, k=k, stride=s, pad=pad) == Shape(3, *hw), pad


def test_pad_forms_agree():
    x = Shape(3, 11, 13)
    one = apply("conv", x, out=4, k=3, stride=2, pad=1)
    assert apply("conv", x, out=4, k=3, stride=2, pad=(1, 1)) == one
    assert apply("conv", x, out=4, k=3, stride=2, pad=(1, 1, 1, 1)) == one
    assert apply("conv", x, out=4, k=3, pad="valid") == apply("conv", x, out=4, k=3, pad=0)
    assert apply("conv", x, out=4, k=4, pad=None) == apply("conv", x, out=4, k=4, pad="same")
    assert apply("maxpool", x, k=2, pad=(0, 1, 0, 1)) == Shape(3, 6, 7)
    assert apply("avgpool", x, k=2, pad=(0, 1)) == Shape(3, 5, 7)


BAD_PADS = [
    (-1, "pad must be at least 0, got -1"),
    ((0, -1, 0, 0), "pad must be at least 0, got -1"),
    ((1, 2, 3), "pad must be a number, [height, width], [top, bottom, left, right], same"),
    ("full", "or valid, got 'full'"),
    (1.5, "got 1.5"),
    ((1, True), "got (1, True)"),
]


def test_bad_pad_values():
    for pad, message in BAD_PADS:
        for kind, args in (("conv", {"out": 8, "k": 3}), ("maxpool", {"k": 2})):
            with pytest.raises(ShapeError, match=re.escape(message)):
                apply(kind, Shape(4, 16, 16), pad=pad, **args)


def test_same_on_numpy_arrays_of_sizes():
    # the vectorised sweep passes int64 arrays as H and W
    sizes = np.arange(1, 41, dtype=np.int64)
    for k, s, d in ((4, 1, 1), (4, 2, 1), (5, 3, 2), (6, 3, 1), (2, 2, 3)):
        before, after = same_pad(sizes, k, s, d)
        assert [(int(b), int(a)) for b, a in zip(before, after, strict=True)] == [
            same_pad(n, k, s, d) for n in range(1, 41)
        ]
        y = apply("conv", Shape(3, sizes, sizes), out=2, k=k, stride=s, dilation=d)
        assert y.h.tolist() == [-(-n // s) for n in range(1, 41)]
        m = apply("maxpool", Shape(3, sizes, sizes), k=k, stride=s, pad="same")
        assert m.w.tolist() == y.w.tolist()


EVEN = """\
name: even
params: {r: 32}
input: {c: 3, h: r, w: r}
layers:
  - conv: {out: 8, k: 4, stride: 2}
  - maxpool: {k: 2, stride: 3, pad: SAME}
  - conv: {out: 8, k: [2, 4], pad: [0, 1, 1, 2]}
  - dwconv: {k: 3, pad: valid}
"""


def test_spec_pad_forms_and_the_vectorised_sweep():
    spec = load_spec(EVEN, "even.yaml")
    outs = [x.out for x in analyze(spec).layers]
    # 32 -> ceil(32/2) = 16 -> ceil(16/3) = 6 -> 6+1-2+1 = 6 by 6+3-4+1 = 6 -> 6-3+1 = 4
    assert outs == [Shape(8, 16, 16), Shape(8, 6, 6), Shape(8, 6, 6), Shape(8, 4, 4)]
    result = sweep(spec, {"r": "1..40"})
    assert result.batched > 20
    for point in result:
        r = int(point.values["r"])
        if r < 13:  # below 13 the last (valid) 3x3 conv does not fit
            assert point.totals is None and "does not fit" in point.error
            continue
        assert point.totals == analyze(spec, point.values).totals
        half = (r + 1) // 2  # ceil(r / 2)
        h = (half + 2) // 3
        assert (
            point.totals.macs
            == 4 * 4 * 3 * 8 * half**2 + 2 * 4 * 8 * 8 * h**2 + 9 * 8 * (h - 2) ** 2
        )


BAD_SPEC_PADS = [
    ("[1, 2, 3]", "4:31", "'pad' must be one number, [height, width] or [top, bottom, left,"),
    ("sme", "4:31", "same or valid, got 'sme' (did you mean 'same'?)"),
    ("-1", "4:5", "conv: pad must be at least 0, got -1"),
    ("[0, 1, 0, -2]", "4:5", "conv: pad must be at least 0, got -2"),
    ("1.5", "4:31", "pad must be a whole number, got 1.5"),
]


def test_bad_pad_in_a_spec_is_located(run, spec_file):
    text = "name: t\ninput: {c: 3, h: 32, w: 32}\nlayers:\n  - conv: {out: 8, k: 4, pad: %s}\n"
    for pad, where, message in BAD_SPEC_PADS:
        path = spec_file(text % pad)
        result = run("analyze", path)
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        first = result.stderr.splitlines()[0]
        assert first.startswith(f"error: {path}:{where}: ") and message in first, first


def test_layer_even_kernel_keeps_the_size(run):
    # issue 12 item 3: was 64x64x3 -> 63x63x8, 1,524,096 MACs
    result = run("layer", "conv", "--in", "64x64x3", "--out", "8", "-k", "4", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layers"][0]["out"] == [64, 64, 8]
    assert data["totals"]["macs"] == 64 * 64 * 8 * 3 * 16 == 1_572_864
    assert data["params"]["pad"] == "same"


PADDING_OPTIONS = [  # --padding, as the caption and JSON show it, H_out and W_out (k = 4)
    ("same", "same", [32, 32]),
    ("SAME", "same", [32, 32]),
    ("valid", "valid", [29, 29]),
    ("2", 2, [33, 33]),
    ("1,2", "1,2", [31, 33]),
    ("0, 1, 0, 1", "0,1,0,1", [30, 30]),
]


def test_layer_padding_option(run):
    args = ("layer", "conv", "--in", "32x32x3", "--out", "8", "-k", "4", "-f", "json")
    for padding, shown, hw in PADDING_OPTIONS:
        result = run(*args, "--padding", padding)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert (data["params"]["pad"], data["layers"][0]["out"]) == (shown, [*hw, 8])


@pytest.mark.parametrize("padding", ["-1", "1,2,3", "x", "1,,2", ""])
def test_layer_bad_padding(run, padding):
    result = run("layer", "conv", "--in", "32x32x3", "--out", "8", "--padding", padding)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: bad padding {padding!r}: expected same, valid, N,")


def test_parse_pad():
    assert [parse_pad(t) for t in ("same", " Valid ", "3", "1,2", "0,1,0,1")] == [
        "same",
        "valid",
        3,
        (1, 2),
        (0, 1, 0, 1),
    ]
