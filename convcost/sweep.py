"""Design sweeps: the cross product of parameter values, one row of totals per point.

`--set width=1,0.75,0.5 --set resolution=224..226` gives 3 x 3 points, in order (the last name
varies fastest). Every value is checked, and the points counted from the ranges' bounds, before
any point is costed: a value that can never be costed (`0.1..0.5`, `abc`) or too many points is
a ConvcostError. A point the network cannot take (ShuffleNet v1 with 5 groups, an input too
small for its strides) is kept with its error instead of stopping the sweep; the CLI fails only
when every point did (`Sweep.all_failed`).

Vectorised. Costs are polynomials (with floors) in the input's height and width, so points that
differ only in params reaching nothing but the input's height and width (`resolution`: the
*spatial* params, found from the spec's expressions) are costed together: for each combination
of the other (*structural*) values, the ordinary engine runs once with the input's height and
width as numpy int64 arrays, and every layer formula computes arrays of counts. The formulas
are the same code (convcost/layers.py); their checks and size arithmetic accept arrays. A batch
that fails anywhere (one size too small for a kernel, an expression reading H) is split in
halves until the points that fail are alone; those go through `analyze` one by one and keep
their own located errors. Every result equals `analyze`'s for that point (tests/test_sweep.py).
100,000 MobileNet v1 points take under a second (benchmarks/bench.py).

Exact: int64 never wraps here. Before a batch, `analyze` computes with Python ints the totals
and every layer's output size at the batch's largest height and width; if any is 2^60 or more,
the batch is split in halves, down to points costed alone with Python ints. That keeps every
value in a batch below 2^62, because: sizes never shrink when the input grows (floor and ceil
output sizes are nondecreasing, merges keep or take the larger size); every count is built from
sizes by sums, products and division by constants, all nondecreasing, except adaptive pooling's
bins s + n - gcd(s, n), which at a smaller input is less than twice its value at the larger one,
per axis (s + n - 1 < 2 max(S, n)), so every count is at most 4x its value at the largest input;
and every intermediate value in a formula is at most a count or a size. tests/test_sweep.py
checks the output-size and bins premises.
"""

from __future__ import annotations

import ast
import copy
import itertools
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

import numpy as np
import numpy.typing as npt

from convcost import expr
from convcost.errors import ConvcostError, unknown
from convcost.expand import analyze, input_shape, resolve_params
from convcost.layers import COST_FIELDS, Cost
from convcost.pareto import front
from convcost.spec import Spec
from convcost.yamlnodes import Value

MAX_POINTS = 100_000
"""The largest sweep accepted."""
BATCH = 1024
"""Points per vectorised run at most: a run keeps every layer's arrays (about 6 KiB a point)."""
LIMIT = 2**60
"""A batch whose totals or sizes at its largest input reach this is split (down to points
costed alone, with Python ints)."""
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
_NUMBER = re.compile(r"^\s*-?\d+(\.\d*)?\s*$")  # reads no names (the usual swept value)
_LITERAL = re.compile(r"^-?(0|[1-9]\d*)(\.\d*)?$")  # a number, written as Python reads it
_CONSTANTS = ("true", "True", "false", "False")  # names an expression knows without a param
_INT64 = 2**63

Ints = npt.NDArray[np.int64]


class Point(NamedTuple):
    """One combination of values: its totals, or the error that stopped it."""

    values: dict[str, str]
    totals: Cost | None
    error: str


class Sweep(Sequence[Point]):
    """A sweep's points, stored by column (100,000 Points would take about 50 MiB). Indexing
    and iterating give Points; renderers read the columns (`value_rows`, `columns`, `failures`).
    """

    def __init__(self, names: Sequence[str], lists: Sequence[Sequence[str]]) -> None:
        self.names = tuple(names)
        self.lists = tuple(tuple(v) for v in lists)
        self.size = 1
        for v in self.lists:
            self.size *= len(v)
        self.table: Ints = np.zeros((self.size, len(COST_FIELDS)), dtype=np.int64)
        self.exact: dict[int, Cost] = {}  # totals that do not fit in int64
        self.errors: dict[int, str] = {}
        self.first: tuple[int, ConvcostError] | None = None  # the lowest failed point's error
        self.kept: list[int] | None = None  # the points shown (after --pareto); None: all
        self.batched = 0  # points costed in vectorised batches (the rest one by one)

    def numbers(self) -> Sequence[int]:
        """The numbers (cross-product positions) of the points shown, in order."""
        return range(self.size) if self.kept is None else self.kept

    def indices(self, i: int) -> tuple[int, ...]:
        """Point `i`'s position in each name's list of values."""
        out = []
        for v in reversed(self.lists):
            i, j = divmod(i, len(v))
            out.append(j)
        return tuple(reversed(out))

    def values(self, i: int) -> dict[str, str]:
        """Point `i`'s values by name."""
        return {n: v[j] for n, v, j in zip(self.names, self.lists, self.indices(i), strict=True)}

    def typed(self) -> list[list[Any]]:
        """Per name, its values as `analyze` shows params: a number (or true/false) as such,
        a value that reads other params as its text (see `constant`)."""
        return [[constant(v) for v in vs] for vs in self.lists]

    def totals(self, i: int) -> Cost | None:
        """Point `i`'s exact totals, or None if it failed."""
        if i in self.errors:
            return None
        return self.exact.get(i) or Cost(*self.table[i].tolist())

    def value_rows(
        self, pieces: Sequence[Sequence[str]] | None = None
    ) -> Iterator[tuple[str, ...]]:
        """Per point shown, its values; or, from `pieces` (one list per name, parallel to its
        values: a renderer's formatted text), the pieces in their place."""
        lists = self.lists if pieces is None else pieces
        if self.kept is None:
            return itertools.product(*lists)
        return (tuple(v[j] for v, j in zip(lists, self.indices(i), strict=True)) for i in self.kept)

    def columns(self, start: int = 0, stop: int | None = None) -> list[list[int]]:
        """Per cost field, the exact totals of the points shown at positions start to stop (0
        where a point failed)."""
        stop = len(self) if stop is None else stop
        rows = self.table[start:stop] if self.kept is None else self.table[self.kept[start:stop]]
        columns: list[list[int]] = rows.T.tolist()
        if self.exact:
            position = {i: k for k, i in enumerate(self.numbers()[start:stop])}
            for i, cost in self.exact.items():
                if i in position:
                    for column, v in zip(columns, cost, strict=True):
                        column[position[i]] = v
        return columns

    def failures(self, start: int = 0, stop: int | None = None) -> list[tuple[int, int, str]]:
        """(position, point number, error) of the failed points shown at positions start to
        stop, in order."""
        stop = len(self) if stop is None else stop
        if self.kept is None:
            return [(i, i, self.errors[i]) for i in range(start, stop) if i in self.errors]
        shown = enumerate(self.kept[start:stop], start)
        return [(k, i, self.errors[i]) for k, i in shown if i in self.errors]

    def subset(self, kept: list[int]) -> Sweep:
        """The same sweep showing only points `kept`."""
        out = copy.copy(self)
        out.kept = kept
        return out

    def costed(self) -> Sweep:
        """The points shown that did not fail."""
        if not self.errors:
            return self
        return self.subset([i for i in self.numbers() if i not in self.errors])

    def with_failed(self) -> Sweep:
        """The points shown and every failed point, in order (after --pareto, failed points
        are listed although they are on no front)."""
        if self.kept is None or not self.errors:
            return self
        return self.subset(sorted({*self.kept, *self.errors}))

    def failed(self) -> list[int]:
        """The numbers of every failed point of the sweep (shown or not), in order."""
        return sorted(self.errors)

    def all_failed(self) -> ConvcostError | None:
        """If every point failed, the first point's error with a hint saying so; else None."""
        if self.first is None or len(self.errors) < self.size:
            return None
        i, error = self.first
        out = copy.copy(error)
        point = " ".join(f"{k}={v}" for k, v in self.values(i).items())
        note = (
            f"the sweep's only point failed ({point})"
            if self.size == 1
            else f"all {self.size:,} points of the sweep failed; this is the first ({point})"
        )
        out.hint = f"{error.hint}\n  note: {note}" if error.hint else note
        return out

    def __len__(self) -> int:
        return len(self.numbers())

    @overload
    def __getitem__(self, k: int) -> Point: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[Point]: ...

    def __getitem__(self, k: int | slice) -> Point | Sequence[Point]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        i = self.numbers()[k]
        return Point(self.values(i), self.totals(i), self.errors.get(i, ""))

    def put(self, i: int, totals: Cost | None, error: str = "") -> None:
        """Record point `i`'s totals, or its error."""
        if totals is None:
            self.errors[i] = error
        elif max(totals) < _INT64:
            self.table[i] = totals
        else:
            self.exact[i] = totals


def parse(name: str, text: str) -> range | list[str]:
    """'1,0.75,0.5' -> ['1', '0.75', '0.5']; '1..4' -> range(1, 5), never built as a list (its
    size is known from its bounds). Raises ConvcostError for an empty list item, an empty
    range, or '..' anywhere but alone between two whole numbers."""
    where = f"--set {name}={text}"
    m = _RANGE.match(text)
    if m:
        low, high = (_range_bound(where, m.group(k)) for k in (1, 2))
        if high < low:
            raise ConvcostError(f"{where}: the range is empty")
        return range(low, high + 1)
    items = [v.strip() for v in text.split(",")]
    if not all(items):
        raise ConvcostError(f"{where}: an empty value in the list")
    ranges = [item for item in items if ".." in item]
    if ranges and len(items) == 1:
        raise ConvcostError(
            f"{where}: a range A..B needs whole numbers A and B (e.g. 1..8)",
            hint=f"give other values as a list, e.g. --set {name}=0.25,0.5,0.75",
        )
    if ranges:
        raise ConvcostError(
            f"{where}: a range A..B is given alone, not in a list ('{ranges[0]}')",
            hint="list every value, or give one range",
        )
    return items


def _range_bound(where: str, digits: str) -> int:
    """A range's bound as an int; an error beyond the largest value a param may take."""
    if len(digits.lstrip("-")) > len(str(expr.MAX_MAGNITUDE)) or (
        abs(bound := int(digits)) > expr.MAX_MAGNITUDE
    ):
        raise ConvcostError(
            f"{where}: {digits} is beyond the largest value a param may take "
            f"({expr.MAX_MAGNITUDE:.0e})"
        )
    return bound


def count(parsed: range | list[str]) -> int:
    """How many values, from a range's bounds (len() of a range fails beyond sys.maxsize)."""
    return parsed.stop - parsed.start if isinstance(parsed, range) else len(parsed)


def _literal(text: str) -> int | float | None:
    """A plain number as an expression reads it ('224', '0.75', not '007'), if `text` is one
    within the expression language's limits."""
    if len(text) > 40 or not _LITERAL.match(text):
        return None
    number = float(text) if "." in text else int(text)
    return number if abs(number) <= expr.MAX_MAGNITUDE else None


def constant(text: str) -> Any:
    """A swept value as `analyze` shows it: its value (int, float or bool) when it reads no
    params, else its text."""
    number = _literal(text)
    if number is not None:
        return number
    try:
        return expr.evaluate(text, {})
    except (ConvcostError, ValueError):
        return text


def check(spec: Spec, name: str, text: str, given: str | None = None) -> None:
    """Raise the error every point would meet if `text`, a value of param `name` (from
    `--set name=given`), cannot be evaluated at any point: it does not parse, reads a name
    that is not a param defined before `name` (--set values are evaluated among those), or
    reads no params and fails anyway."""
    if _literal(text) is not None:  # the usual value
        return
    where = f"--set {name}={text if given is None else given}"
    try:
        tree = ast.parse(text.strip(), mode="eval") if len(text) <= expr.MAX_LENGTH else None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    reads = False
    if tree is not None:
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        before = list(itertools.takewhile(lambda k: k != name, spec.params))
        for n in ast.walk(tree):
            if not isinstance(n, ast.Name) or id(n) in called:
                continue
            if n.id in before:
                reads = True
            elif n.id in spec.params:
                raise ConvcostError(
                    f"{where}: '{n.id}' comes after '{name}' in the spec's params, so a value "
                    f"of {name} cannot read it"
                )
            elif n.id not in _CONSTANTS:
                known = [*before, *expr.FUNCTIONS]
                raise ConvcostError(
                    f"{where}: {unknown('name', n.id, known)}",
                    hint="a value is a number, or an expression over the params before "
                    f"{name} in the spec ({', '.join(before) or 'none'})",
                )
    if reads:
        return  # whether it evaluates depends on the point
    try:
        expr.evaluate(text, {})
    except ConvcostError as e:
        raise ConvcostError(f"{where}: {e.message}") from None
    except ValueError:  # a NUL byte (Python API only: argv cannot hold one)
        raise ConvcostError(f"{where}: cannot parse {text!r}") from None


def sweep(spec: Spec, sets: Mapping[str, str]) -> Sweep:
    """Cost every combination of the values of `sets`, in order (the last name varies
    fastest). Raises ConvcostError, before costing any point, for an unknown param, a value
    that cannot be evaluated at any point (`check`), or more than MAX_POINTS points (counted
    from the ranges' bounds)."""
    names = list(sets)
    for name in names:
        if name not in spec.params:
            resolve_params(spec, {name: "0"})  # raises the usual unknown-param error
    parsed = [parse(n, sets[n]) for n in names]
    counts = [count(p) for p in parsed]
    total = 1
    for c in counts:
        total *= c
    if total > MAX_POINTS:
        each = " x ".join(f"{c:,} {n}" for n, c in zip(names, counts, strict=True))
        raise ConvcostError(
            f"the sweep has {total:,} points ({each}); the limit is {MAX_POINTS:,}"
            if len(names) > 1
            else f"the sweep has {total:,} points; the limit is {MAX_POINTS:,}"
        )
    for name, p in zip(names, parsed, strict=True):
        if isinstance(p, list):
            for text in dict.fromkeys(p):
                check(spec, name, text, sets[name])
    lists = [[str(v) for v in p] if isinstance(p, range) else p for p in parsed]
    out = Sweep(names, lists)
    _Run(spec, out).all()
    return out


def pareto(points: Sweep, second: str = "params") -> Sweep:
    """The points no other point beats on both MACs and `second` (params or mem_access)."""
    column = COST_FIELDS.index(second)
    costed = [(i, t) for i in points.numbers() if (t := points.totals(i)) is not None]
    kept = front([(t.macs, t[column]) for _, t in costed])
    return points.subset([costed[k][0] for k in kept])


class _Run:
    """Fills a Sweep: batches over the spatial values, one by one where a batch cannot go."""

    def __init__(self, spec: Spec, out: Sweep) -> None:
        self.spec = spec
        self.out = out
        self.stride = [1] * len(out.names)  # point number = sum of value index * stride
        for k in range(len(out.names) - 2, -1, -1):
            self.stride[k] = self.stride[k + 1] * len(out.lists[k + 1])

    def one(self, i: int) -> None:
        """Point `i` through the ordinary engine."""
        try:
            self.out.put(i, analyze(self.spec, self.out.values(i)).totals)
        except ConvcostError as e:
            where = f"{e.loc}: " if e.loc else ""
            self.out.put(i, None, where + e.message)
            if self.out.first is None or i < self.out.first[0]:
                self.out.first = (i, e)

    def all(self) -> None:
        out = self.out
        spatial = spatial_params(self.spec, dict(zip(out.names, out.lists, strict=True)))
        if not spatial:
            for i in range(out.size):
                self.one(i)
            return
        rep, at, h, w, bad = self.sizes([k for k, n in enumerate(out.names) if n in spatial])
        for base, fixed in self.combos([k for k, n in enumerate(out.names) if n not in spatial]):
            overrides = {**fixed, **rep}
            checked = False  # one bound at the largest size covers all batches of these points
            if len(at) > BATCH:
                try:
                    _bound(self.spec, overrides, h, w)
                    checked = True
                except (ConvcostError, OverflowError):  # then each batch bounds itself
                    pass
            for part in range(0, len(at), BATCH):
                cut = slice(part, part + BATCH)
                self.batch(overrides, base + at[cut], h[cut], w[cut], checked)
            for offset in bad:
                self.one(base + offset)

    def combos(self, names: list[int]) -> Iterator[tuple[int, dict[str, str]]]:
        """(point number offset, values) of each combination of the values of `names`."""
        out = self.out
        for combo in itertools.product(*(range(len(out.lists[k])) for k in names)):
            yield (
                sum(j * self.stride[k] for k, j in zip(names, combo, strict=True)),
                {out.names[k]: out.lists[k][j] for k, j in zip(names, combo, strict=True)},
            )

    def sizes(self, spatial: list[int]) -> tuple[dict[str, str], Ints, Ints, Ints, list[int]]:
        """For the combinations of the spatial values: one that works, and the point number
        offsets and input heights and widths of those that work (checked as analyze checks
        them; they do not depend on the other params), and the offsets of those that fail."""
        at, h, w = array("q"), array("q"), array("q")
        bad: list[int] = []
        rep: dict[str, str] = {}
        for offset, chosen in self.combos(spatial):
            try:
                shape = input_shape(self.spec, chosen)
            except ConvcostError:
                bad.append(offset)  # these points fail one by one, with their own errors
                continue
            rep = rep or chosen
            at.append(offset)
            h.append(shape.h)
            w.append(shape.w)
        ints = [np.array(v, dtype=np.int64) for v in (at, h, w)]
        return rep, ints[0], ints[1], ints[2], bad

    def batch(
        self, overrides: dict[str, str], at: Ints, h: Ints, w: Ints, checked: bool = False
    ) -> None:
        """Points `at` (input sizes h, w) as one vectorised run; halves of them on failure.
        `checked`: a bound covering these sizes was computed (see the module's docstring)."""
        if len(at) <= 2:  # a batch costs about two runs
            for i in at.tolist():
                self.one(i)
            return
        try:
            if not checked:
                _bound(self.spec, overrides, h, w)
                checked = True
            totals = analyze(self.spec, overrides, (h, w)).totals
        except (ConvcostError, OverflowError):  # a point's error, or int64 could overflow: split
            half = len(at) // 2
            for part in (slice(0, half), slice(half, None)):
                self.batch(overrides, at[part], h[part], w[part], checked)
            return
        for f, column in enumerate(totals):
            self.out.table[at, f] = column
        self.out.batched += len(at)


def _bound(spec: Spec, overrides: Mapping[str, str], h: Ints, w: Ints) -> None:
    """Raise OverflowError unless every total and every layer's output size at the largest
    height and width in h, w is below LIMIT (the module's docstring says why that suffices)."""
    report = analyze(spec, overrides, (int(h.max()), int(w.max())))
    sizes = (layer.out.numel for layer in report.layers)
    if max(*report.totals, report.input.numel, *sizes) >= LIMIT:
        raise OverflowError("int64 could overflow: cost these points one by one")


def spatial_params(spec: Spec, sets: Mapping[str, Sequence[str]]) -> set[str]:
    """The swept params that reach nothing but the input's height and width, through the
    spec's expressions and the params defined from them (and the input's height and width
    depend on no other swept param): these can be costed together as arrays. Read from the
    expressions' names, conservatively: one that cannot be parsed reaches everything."""
    refs: dict[str, set[str] | None] = {}
    for key, value in spec.params.items():
        texts = sets[key] if key in sets else [value.raw] if isinstance(value.raw, str) else []
        refs[key] = _union(_names(t) for t in texts)
    used = _union(_names(t) for t in _texts((spec.input["c"], spec.layers, spec.blocks)))
    used = _union([used, *(_names(t) for t in _texts(spec.defaults))])
    size = _union(_names(t) for t in _texts((spec.input["h"], spec.input["w"])))
    if used is None or size is None:
        return set()

    def reached(start: Iterable[str]) -> set[str]:
        """`start` and every param defined from them."""
        found = set(start)
        grown = True
        while grown:
            grown = False
            for key, r in refs.items():
                if key not in found and (r is None or r & found):
                    found.add(key)
                    grown = True
        return found

    spatial = {n for n in sets if not reached([n]) & used}
    if reached(set(sets) - spatial) & size:
        return set()
    return spatial


def _names(text: str) -> set[str] | None:
    """The names an expression reads; None if it cannot be parsed."""
    if _NUMBER.match(text):
        return set()
    if len(text) > expr.MAX_LENGTH:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _union(sets: Iterable[set[str] | None]) -> set[str] | None:
    out: set[str] = set()
    for s in sets:
        if s is None:
            return None
        out |= s
    return out


def _texts(node: Any) -> Iterator[str]:
    """Every expression text in a part of a spec (items, blocks, defaults: any nesting of
    tuples, lists and dicts holding Values)."""
    if isinstance(node, Value):
        if isinstance(node.raw, str):
            yield node.raw
        elif isinstance(node.raw, list):
            for v in node.raw:
                yield from _texts(v)
    elif isinstance(node, tuple | list):
        for v in node:
            yield from _texts(v)
    elif isinstance(node, dict):
        for v in node.values():
            yield from _texts(v)
