"""A layer's formula with its own numbers put in: the formula lines of its kind's docstring (the
one place a formula is written, convcost/layers.py), each beside the same line with this
layer's sizes and arguments in place of their symbols, and the exact count it gives."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.layers import as_pair

if TYPE_CHECKING:
    from convcost.report import LayerCost

FORMULA = re.compile(r"^\s*(weights|MACs|params|FLOPs|mem_access|H_out|N|y)\s+=\s")
"""A docstring line that starts a formula (the rest are prose)."""
CLAUSE = re.compile(r"(?:^|;\s*)([A-Za-z_]+)\s*=\s*")
"""Where each `name = ...` of a formula line begins (several may share a line, split by ;)."""
SYMBOL = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
COUNTS = {"MACs": "macs", "FLOPs": "flops", "params": "params", "mem_access": "mem_access"}
"""Formula names that are a cost field: the exact count is shown after them."""


class Line(NamedTuple):
    """One formula line of a kind's docstring: as written, with this layer's numbers in, and
    the exact counts of the cost fields it defines (name, value)."""

    formula: str
    numbers: str
    counts: tuple[tuple[str, int], ...]


def symbols(layer: LayerCost) -> dict[str, int]:
    """The values of a formula's symbols for `layer`: C, C_in, H, W of its (first) input,
    C_out, H_out, W_out of its output, every argument (its default if not given; a pair as
    NAME_h and NAME_w too), and N, the inputs of a fully connected layer."""
    x, y = layer.inputs[0], layer.out
    out: dict[str, Any] = {
        "C": x.c,
        "C_in": x.c,
        "H": x.h,
        "W": x.w,
        "C_out": y.c,
        "H_out": y.h,
        "W_out": y.w,
        "N": x.c * x.h * x.w,
    }
    given = {a.name: a.default for a in layer.facts.args.values()} | dict(layer.args)
    for name, value in given.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int) or (isinstance(value, tuple) and len(value) == 2):
            h, w = as_pair(value)
            out[f"{name}_h"], out[f"{name}_w"] = h, w
            if h == w:
                out[name] = h
    return {k: v for k, v in out.items() if isinstance(v, int)}


def lines(layer: LayerCost) -> list[Line]:
    """The formula lines of `layer`'s kind, with its numbers put in."""
    doc = layer.facts.fn.__doc__ or ""
    values = symbols(layer)
    cost = layer.cost._asdict()
    out = []
    for text in _formula_lines(doc):
        numbers = SYMBOL.sub(lambda m: _put(m, values), text)
        names = [m.group(1) for m in CLAUSE.finditer(text)]
        counts = tuple((n, cost[COUNTS[n]]) for n in names if n in COUNTS)
        out.append(Line(text, numbers, counts))
    return out


def _formula_lines(doc: str) -> list[str]:
    """The docstring's formula lines, each joined with the lines under it indented deeper."""
    out: list[str] = []
    indent = -1  # the indentation of the formula line being read; -1: none
    for raw in doc.splitlines():
        depth = len(raw) - len(raw.lstrip())
        if FORMULA.match(raw):
            out.append(raw.strip())
            indent = depth
        elif indent >= 0 and raw.strip() and depth > indent:
            out[-1] += " " + raw.strip()
        else:
            indent = -1
    return out


def _put(match: re.Match[str], values: dict[str, int]) -> str:
    """A symbol's value, unless it names what the clause defines (left of its `=`)."""
    name = match.group(0)
    rest = match.string[match.end() :]
    if rest.lstrip().startswith("=") and not rest.lstrip().startswith("=="):
        return name
    return str(values[name]) if name in values else name
