"""Tensor shapes and output-size arithmetic. Shapes are per sample, channels first.

Sizes are Python ints; a vectorised sweep (convcost/sweep.py) passes a network's input height
and width as numpy int64 arrays instead, so the arithmetic here and the formulas' checks work
element-wise on either (`every`, `gcd`, `largest`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from convcost.errors import ShapeError


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
    size: int, k: int, stride: int, pad: int, dilation: int = 1, ceil: bool = False
) -> int:
    """Output length along one axis (PyTorch's rule).

    out = floor((size + 2*pad - dilation*(k-1) - 1) / stride) + 1, or ceil(...) + 1 with
    `ceil`; in ceil mode the last window must start inside the input or left padding
    (torch drops it otherwise).
    """
    span = size + (2 * pad - dilation * (k - 1) - 1)  # one operation on an array of sizes
    if not every(span >= 0):
        raise ShapeError(
            f"kernel {k} (dilation {dilation}) does not fit input size {size} with padding {pad}"
        )
    n = -(-span // stride) + 1 if ceil else span // stride + 1
    if ceil:
        n -= (n - 1) * stride >= size + pad  # a window starting in the right padding: dropped
    return n


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


def parse_hwc(text: str) -> Shape:
    """Parse 'HxWxC' (the papers' order), e.g. '64x64x3' -> Shape(c=3, h=64, w=64)."""
    m = _HWC.match(text)
    if not m:
        raise ShapeError(f"bad shape {text!r}: expected HxWxC, e.g. 224x224x3")
    h, w, c = (int(g) for g in m.groups())
    if min(h, w, c) < 1:
        raise ShapeError(f"bad shape {text!r}: every size must be at least 1")
    return Shape(c, h, w)
