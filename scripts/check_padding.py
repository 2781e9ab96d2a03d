"""Check convcost's padding ('same', explicit per side) against PyTorch; never a test dependency.

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.14.1
    /tmp/torchvenv/bin/python scripts/check_padding.py          # checks; exit 1 on a difference
    /tmp/torchvenv/bin/python scripts/check_padding.py --emit   # also print the tests' table

It imports convcost.shapes and convcost.layers from this checkout (they need only the standard
library), so the torch environment needs nothing else.

1. PyTorch's padding='same' (it exists at stride 1 only): for kernels 1..6, dilations 1..3 and
   sizes 5..20, torch.nn.functional.conv2d(x, w, padding='same', dilation=d) equals, value for
   value, conv2d of F.pad(x, (left, right, top, bottom)) with convcost's shapes.same_pad numbers:
   the split (the odd one after), not only the size, is torch's. Rectangular kernels too.
2. TensorFlow's SAME rule, for any stride (there is no TensorFlow here): `tf_same` below is
   GetWindowedOutputSizeVerbose of tensorflow/core/framework/kernel_shape_util.cc, written out
   independently; for strides 1..3, sizes 5..20, kernels 1..6 and dilations 1..3 it equals
   same_pad, and torch's conv2d, max_pool2d and avg_pool2d on F.pad(x, that padding) give
   ceil(size / stride) outputs -- the shapes convcost's conv, dwconv, maxpool and avgpool give
   with pad 'same', on rectangular inputs as well.
3. Explicit asymmetric padding [top, bottom, left, right] and [h, w]: convcost's conv shape equals
   torch's conv2d on F.pad(x, (left, right, top, bottom)).

tests/test_padding.py asserts the table `--emit` prints (the cases verified here).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from convcost.layers import KINDS
from convcost.shapes import Shape, same_pad

SIZES = range(5, 21)
KERNELS = range(1, 7)
# the subset tests/test_padding.py records (every residue of the size mod 2 and mod 3)
RECORDED_SIZES = (5, 6, 7, 8, 13, 20)
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    if not ok:
        failures.append(what)
        print("DIFFERS:", what)


def tf_same(size: int, k: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """TensorFlow's SAME: (padding_before, padding_after, output_size)."""
    effective = (k - 1) * dilation + 1
    out = (size + stride - 1) // stride
    needed = max(0, (out - 1) * stride + effective - size)
    return needed // 2, needed - needed // 2, out


def layer_out(kind: str, x: Shape, **args: object) -> Shape:
    return KINDS[kind].apply([x], args).out


def torch_same_stride1() -> int:
    """Part 1: padding='same' against explicit F.pad, value for value."""
    n = 0
    torch.manual_seed(0)
    for size, k, d in itertools.product(SIZES, KERNELS, (1, 2, 3)):
        x = torch.randn(1, 2, size, size + 3, dtype=torch.float64)
        kw = 7 - k  # a rectangular kernel: k x (7 - k)
        w = torch.randn(3, 2, k, kw, dtype=torch.float64)
        same = F.conv2d(x, w, padding="same", dilation=d)
        top, bottom = same_pad(size, k, 1, d)
        left, right = same_pad(size + 3, kw, 1, d)
        explicit = F.conv2d(F.pad(x, (left, right, top, bottom)), w, dilation=d)
        what = f"torch same: size {size}x{size + 3}, k {k}x{kw}, dilation {d}"
        check(same.shape == explicit.shape and torch.equal(same, explicit), what)
        ours = layer_out("conv", Shape(2, size, size + 3), out=3, k=(k, kw), dilation=d)
        check(tuple(same.shape[1:]) == tuple(ours), what + f": convcost {ours}")
        n += 1
    return n


def tf_rule_any_stride() -> int:
    """Part 2: the TF rule equals same_pad; torch on F.pad gives convcost's shapes."""
    n = 0
    for size, k, s, d in itertools.product(SIZES, KERNELS, (1, 2, 3), (1, 2, 3)):
        top, bottom, out = tf_same(size, k, s, d)
        check(same_pad(size, k, s, d) == (top, bottom), f"tf rule: {size} {k} {s} {d}")
        w2 = size + 5  # a rectangular input; the W axis has its own padding
        left, right, out_w = tf_same(w2, k, s, d)
        x = torch.zeros(1, 2, size, w2)
        y = F.conv2d(
            F.pad(x, (left, right, top, bottom)), torch.zeros(4, 2, k, k), stride=s, dilation=d
        )
        want = (out, out_w)
        what = f"tf same: size {size}x{w2}, k {k}, stride {s}, dilation {d}"
        check(tuple(y.shape[2:]) == want == (-(-size // s), -(-w2 // s)), what)
        check(
            tuple(layer_out("conv", Shape(2, size, w2), out=4, k=k, stride=s, dilation=d))
            == (4, *want),
            what + " (conv)",
        )
        dw = layer_out("dwconv", Shape(2, size, w2), k=k, stride=s, dilation=d, pad="same")
        check(tuple(dw) == (2, *want), what + " (dwconv)")
        m = F.max_pool2d(F.pad(x, (left, right, top, bottom), value=float("-inf")), k, s, 0, d)
        ours = layer_out("maxpool", Shape(2, size, w2), k=k, stride=s, dilation=d, pad="same")
        check(tuple(m.shape[1:]) == tuple(ours), what + f" (maxpool {ours})")
        if d == 1:
            a = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), k, s)
            ours = layer_out("avgpool", Shape(2, size, w2), k=k, stride=s, pad="same")
            check(tuple(a.shape[1:]) == tuple(ours), what + f" (avgpool {ours})")
        n += 1
    return n


EXPLICIT = [  # (H, W, k, stride, pad as convcost takes it)
    (8, 8, 4, 1, (0, 1, 0, 1)),
    (8, 9, 4, 1, (1, 2, 2, 1)),
    (9, 8, 3, 2, (0, 1, 1, 0)),
    (13, 17, 5, 3, (2, 0, 0, 2)),
    (10, 10, 2, 2, (0, 1, 0, 1)),
    (17, 17, (1, 7), 1, (0, 3)),
    (7, 12, 3, 1, (1, 0)),
    (6, 6, 6, 1, "valid"),
]


def explicit_padding() -> list[tuple[int, int, object, int, object, tuple[int, int]]]:
    """Part 3: explicit per-side padding against torch's conv2d on F.pad."""
    rows = []
    for h, w, k, s, pad in EXPLICIT:
        kh, kw = k if isinstance(k, tuple) else (k, k)
        if pad == "valid":
            t = b = l = r = 0  # noqa: E741
        elif isinstance(pad, tuple) and len(pad) == 2:
            t = b = pad[0]
            l = r = pad[1]  # noqa: E741
        else:
            t, b, l, r = pad  # type: ignore[misc]  # noqa: E741
        y = F.conv2d(
            F.pad(torch.zeros(1, 2, h, w), (l, r, t, b)), torch.zeros(3, 2, kh, kw), stride=s
        )
        ours = layer_out("conv", Shape(2, h, w), out=3, k=k, stride=s, pad=pad)
        check(tuple(y.shape[1:]) == tuple(ours), f"explicit {h}x{w} k {k} s {s} pad {pad}: {ours}")
        rows.append((h, w, k, s, pad, (ours.h, ours.w)))
    return rows


def main() -> None:
    print(f"torch {torch.__version__}")
    print(f"part 1, padding='same' at stride 1: {torch_same_stride1()} cases")
    print(f"part 2, TF SAME at strides 1-3: {tf_rule_any_stride()} cases")
    rows = explicit_padding()
    print(f"part 3, explicit padding: {len(rows)} cases")
    if "--emit" in sys.argv:
        print("# (size, k, stride, dilation, before, after, out)")
        table = [
            (size, k, s, d, *tf_same(size, k, s, d))
            for d in (1, 2, 3)
            for s in (1, 2, 3)
            for k in KERNELS
            for size in RECORDED_SIZES
            if d == 1 or (s < 3 and k > 1 and size in (7, 8))
        ]
        print("SAME = [" + ", ".join(map(str, table)) + "]")
        print("EXPLICIT = [" + ", ".join(map(str, rows)) + "]")
    if failures:
        print(f"{len(failures)} differences")
        sys.exit(1)
    print("all agree")


if __name__ == "__main__":
    main()
