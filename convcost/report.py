"""Costed layers and the report that holds them: `LayerCost`, `Report`, the one grouping.

`run_layer` applies one registered kind (convcost/layers.py) to input shapes and records the
result with its place in the network; a Report is a network's layers and their totals, which
every analysis (memory, latency, guidelines, conventions, budget, sweep) reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from convcost.checks import Grouping, whole
from convcost.errors import ConvcostError, Loc, ShapeError
from convcost.layers import CATEGORIES, KINDS, Category, Cost, Kind
from convcost.limits import MAX_ELEMENTS
from convcost.shapes import Shape, every


class LayerCost(NamedTuple):
    """One expanded layer: where it is, what it is, what it costs (per sample); `facts` is its
    registered kind, which every analysis reads what it needs from (storage, calls, ...)."""

    path: str
    kind: str
    category: Category
    inputs: tuple[Shape, ...]
    out: Shape
    cost: Cost
    line: int
    facts: Kind
    sources: tuple[int, ...] = ()  # indices of the layers it reads; -1 is the network input
    branch: tuple[tuple[str, int], ...] = ()  # enclosing parallels: (path, branch index)
    args: Mapping[str, Any] = {}  # the evaluated arguments it was built with (never mutated)
    torch: str = ""  # the PyTorch call computing it in the reference implementation
    groups: int = 1  # a group convolution's group count (layers.Result)


class Report(NamedTuple):
    """A network's layers and totals, with the params it was built with."""

    network: str
    params: dict[str, Any]
    input: Shape
    layers: tuple[LayerCost, ...]
    title: str
    totals: Cost

    @classmethod
    def of(
        cls,
        network: str,
        params: dict[str, Any],
        inp: Shape,
        layers: tuple[LayerCost, ...],
        title: str = "",
    ) -> Report:
        """A report whose totals are the sum of its layers."""
        return cls(network, params, inp, layers, title, _sum([x.cost for x in layers]))

    def by_category(self) -> dict[str, Cost]:
        """Totals per category, in CATEGORIES order, omitting empty ones."""
        groups = group_sums(self.layers, [x.cost for x in self.layers], "category", 1)
        return {c: groups[c] for c in CATEGORIES if c in groups}

    def by_block(self, depth: int = 1) -> dict[str, Cost]:
        """Totals per path prefix of `depth` segments, in network order."""
        whole(depth, "depth")
        return group_sums(self.layers, [x.cost for x in self.layers], "block", depth)


def block_of(layer: LayerCost, depth: int) -> str:
    """The first `depth` path segments; a conv's attached batch norm and activation
    (`stem+bn`, `stem+relu`) belong to it."""
    return ".".join(layer.path.split("+")[0].split(".")[:depth])


def group_of(layer: LayerCost, by: Grouping, depth: int) -> str:
    """The row a layer adds to with --by category or --by block."""
    return layer.category if by == "category" else block_of(layer, depth)


V = TypeVar("V", Cost, int, float)
"""What group_sums adds up: costs, counts or milliseconds."""


def group_sums(
    layers: Sequence[LayerCost], values: Sequence[V], by: Grouping, depth: int
) -> dict[str, V]:
    """Per row of --by category or --by block (`group_of`), the sum of its layers' `values`
    (costs, counts, milliseconds), in the order the rows first appear: the one place any
    per-group figure is summed."""
    groups: dict[str, V] = {}
    for x, v in zip(layers, values, strict=True):
        key = group_of(x, by, depth)
        groups[key] = groups[key] + v if key in groups else v
    return groups


def _sum(costs: Sequence[Cost]) -> Cost:
    """Field-wise sum (ints, or arrays of them in a vectorised sweep); Cost() for none."""
    return Cost._make(map(sum, zip(*costs, strict=True))) if costs else Cost()


def run_layer(
    kind: str, inputs: Sequence[Shape], args: Mapping[str, Any], path: str, loc: Loc | None = None
) -> LayerCost:
    """Apply one registered kind; shape errors get the layer's location and path."""
    k = KINDS[kind]
    arity = len(inputs)
    if k.variadic and arity < 2:
        raise ShapeError(f"'{kind}' needs at least two inputs", loc, path)
    try:
        result = k.apply(inputs, dict(args))
    except ConvcostError as e:
        raise e.located(loc, path) from None
    if not every(result.out.numel <= MAX_ELEMENTS):
        raise ShapeError(f"the output has more than {MAX_ELEMENTS:,} (2^72) elements", loc, path)
    return LayerCost(
        path,
        kind,
        result.category,
        tuple(inputs),
        result.out,
        result.cost,
        loc.line if loc else 0,
        k,
        args=dict(args),
        torch=k.torch[0],
        groups=result.groups,
    )
