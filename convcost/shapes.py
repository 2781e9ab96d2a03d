"""Tensor shapes and output-size arithmetic. Shapes are per sample, channels first.

Sizes are Python ints; a vectorised sweep (convcost/sweep.py) passes a network's input height
and width as numpy int64 arrays instead, so the arithmetic here and the formulas' checks work
element-wise on either (`every`, `gcd`, `largest`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from convcost.errors import ShapeError, elide

Pad = int | str | tuple[int, int] | tuple[int, int, int, int]
"""Padding: one number for every side, [height, width] (each on both sides of its axis),
[top, bottom, left, right], 'same' (see same_pad) or 'valid' (no padding)."""

PAD_WORDS = ("same", "valid")


class Shape(NamedTuple):
    """A feature map of `c` channels, `h` rows and `w` columns (fc outputs are c x 1 x 1)."""

    c: int
    h: int = 1
    w: int = 1

    @property
    def numel(self) -> int:
        """Elements in one sample: c * h * w."""
        return self.c * self.h * self.w

    def hwc(self) -> list[int]:
        """[H, W, C], the order the papers' tables print."""
        return [self.h, self.w, self.c]

    def __str__(self) -> str:
        return f"{self.h}x{self.w}x{self.c}"


def out_size(
    size: int,
    k: int,
    stride: int,
    pad: int,
    dilation: int = 1,
    ceil: bool = False,
    pad_after: int | None = None,
) -> int:
    """Output length along one axis (PyTorch's rule), `pad` before and `pad_after` (default:
    `pad`) after the input.

    out = floor((size + pad + pad_after - dilation*(k-1) - 1) / stride) + 1, or ceil(...) + 1
    with `ceil`; in ceil mode the last window must start inside the input or left padding
    (torch drops it otherwise).
    """
    after = pad if pad_after is None else pad_after
    span = size + (pad + after - dilation * (k - 1) - 1)  # one operation on an array of sizes
    if not every(span >= 0):
        padding = pad if pad_after is None or pad_after == pad else f"{pad}+{pad_after}"
        raise ShapeError(
            f"kernel {k} (dilation {dilation}) does not fit input size {size} "
            f"with padding {padding}"
        )
    n = -(-span // stride) + 1 if ceil else span // stride + 1
    if ceil:
        n -= (n - 1) * stride >= size + pad  # a window starting in the right padding: dropped
    return n


def same_pad(size: int, k: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Padding "same" along one axis, as (before, after): TensorFlow's SAME rule, which is
    also PyTorch's `padding='same'` (that one exists at stride 1 only).

    out    = ceil(size / stride)
    total  = max((out - 1)*stride + dilation*(k - 1) + 1 - size, 0)
    before = total // 2, after = total - before (an odd total puts the extra one after)
    At stride 1 total = dilation*(k - 1): dilation*(k - 1)/2 each side for odd k, one more
    after than before for even k (when dilation is odd).
    out_size(size, k, stride, before, dilation, pad_after=after) is then ceil(size / stride).
    """
    out = -(-size // stride)
    need = (out - 1) * stride + dilation * (k - 1) + 1 - size
    total = max(need, 0) if type(need) is int else largest((need, 0))  # arrays: element-wise
    before = total // 2
    return before, total - before


def every(ok: Any) -> bool:
    """A check's outcome: `ok` itself, or for an array of outcomes (one per point of a
    vectorised sweep) whether all hold."""
    if type(ok) is bool:
        return ok
    whole = getattr(ok, "all", None)  # numpy arrays and numpy bools
    return bool(whole() if whole else ok)


def gcd(a: int, b: int) -> int:
    """math.gcd, element-wise (numpy.gcd) for arrays of sizes."""
    if type(a) is int and type(b) is int:
        return math.gcd(a, b)
    import numpy as np

    return np.gcd(a, b)  # type: ignore[no-any-return]


def largest(sizes: Iterable[int]) -> int:
    """max, element-wise (numpy.maximum) for arrays of sizes."""
    items = list(sizes)
    if all(type(v) is int for v in items):
        return max(items)
    from functools import reduce

    import numpy as np

    return reduce(np.maximum, items)


_HWC = re.compile(r"^\s*(\d+)\s*[xX*,]\s*(\d+)\s*[xX*,]\s*(\d+)\s*$")


def _sizes(digits: Sequence[str], what: str) -> list[int]:
    """Whole numbers written in decimal, each at most limits.MAX_SIZE as in a spec (checked
    on the text first: Python refuses to convert a number of 4,300 digits or more)."""
    from convcost.limits import MAX_SIZE

    trimmed = [d.lstrip("0") or "0" for d in digits]
    if any(len(d) > len(str(MAX_SIZE)) or int(d) > MAX_SIZE for d in trimmed):
        raise ShapeError(f"{what}: every size must be at most {MAX_SIZE:,}")
    return [int(d) for d in trimmed]


def parse_hwc(text: str) -> Shape:
    """Parse 'HxWxC' (the papers' order), e.g. '64x64x3' -> Shape(c=3, h=64, w=64); each size
    from 1 to limits.MAX_SIZE, as in a spec."""
    shown = repr(elide(text))
    m = _HWC.match(text)
    if not m:
        raise ShapeError(f"bad shape {shown}: expected HxWxC, e.g. 224x224x3")
    h, w, c = _sizes(m.groups(), f"bad shape {shown}")
    if min(h, w, c) < 1:
        raise ShapeError(f"bad shape {shown}: every size must be at least 1")
    return Shape(c, h, w)


_PAD = re.compile(r"^\d+(\s*,\s*\d+)*$")


def parse_pad(text: str) -> Pad:
    """Parse padding as `convcost layer --padding` takes it: 'same', 'valid', 'N', 'H,W' or
    'T,B,L,R' (top, bottom, left, right), e.g. '0,1,0,1' -> (0, 1, 0, 1); each at most
    limits.MAX_SIZE."""
    t = text.strip().lower()
    if t in PAD_WORDS:
        return t
    numbers = tuple(_sizes(t.split(","), f"bad padding {elide(text)!r}")) if _PAD.match(t) else ()
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    if len(numbers) == 4:
        return numbers[0], numbers[1], numbers[2], numbers[3]
    raise ShapeError(
        f"bad padding {text!r}: expected same, valid, N, H,W or T,B,L,R (top, bottom, left, "
        "right), e.g. 0,1,0,1"
    )
