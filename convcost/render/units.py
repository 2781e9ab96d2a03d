"""Numbers as text: SI and binary units, shares, multiples, estimates; the captions' shared
wording. Pure formatting: every function here turns given numbers into text.

Tables, Markdown and LaTeX use SI units (K = 10^3, M = 10^6, G = 10^9); JSON and CSV carry
exact ints.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

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
QUANTITY_LABELS = {
    "macs": "MACs",
    "flops": "FLOPs",
    "params": "params",
    "activations": "activations",
    "mem_access": "mem access",
}
"""How tables label each total (JSON and CSV keep the keys)."""

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


def share(part: int, whole: int) -> float:
    """part / whole (0 when the whole is 0)."""
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


def shapes(xs: Sequence[Any]) -> str:
    """'56x56x24' or '28x28x216 + 28x28x24' for merges."""
    return " + ".join(str(x) for x in xs)


def scalar_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved params that are scalars (lookup tables left out)."""
    return {k: v for k, v in params.items() if isinstance(v, int | float | str)}


def params_text(params: Mapping[str, Any]) -> str:
    """Resolved scalar params, e.g. 'width=0.5 resolution=160' (lookup tables omitted)."""
    return " ".join(f"{k}={v}" for k, v in scalar_params(params).items())


ESTIMATE_DIGITS = 9
"""Significant digits of an estimate (a latency in ms) in JSON and CSV; the last bits of its
float arithmetic (0.011559999999999999 for 0.01156) never reach the output."""


def estimate(x: float) -> float:
    """`x` to ESTIMATE_DIGITS significant digits, e.g. 7.504160000000002 -> 7.50416; it prints
    (repr, json, csv) as that shortest decimal."""
    return float(f"{x:.{ESTIMATE_DIGITS}g}")
