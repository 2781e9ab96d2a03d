"""Spec tree -> flat list of costed layers (a Report): the expansion.

Walks the spec in order, binding params, evaluating expressions, expanding blocks, repeats
and branches, threading shapes through the registered layer kinds, and aggregating.
"""

from __future__ import annotations

from collections import ChainMap, Counter
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple, cast

from convcost import expr
from convcost.errors import ConvcostError, Loc, ShapeError, SpecError, did_you_mean, plural, unknown
from convcost.layers import KINDS, Arg
from convcost.limits import MAX_BLOCK_DEPTH, MAX_LAYERS, MAX_SIZE, MAX_STEPS, no_gc
from convcost.report import LayerCost, Report, run_layer
from convcost.shapes import PAD_WORDS, Shape
from convcost.spec import (
    Block,
    GroupItem,
    Inputs,
    Item,
    LayerItem,
    ParallelItem,
    RepeatItem,
    Spec,
    Top1,
    UseItem,
    WhenItem,
    activation_names,
)
from convcost.yamlnodes import Value


class Tensor(NamedTuple):
    """A value flowing through the expansion: its shape and the layer that wrote it."""

    shape: Shape
    src: int  # index of the producing layer; -1 for the network input


def resolve_params(spec: Spec, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Bind spec params in order; `overrides` (from --set) are expressions over the others,
    or (from the Python API) numbers and booleans. An override has its default's type: a
    boolean param takes only true or false, a numeric one only numbers, a table only a table."""

    def show(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return expr.clip(v) if isinstance(v, str) else expr.brief(v)

    overrides = dict(overrides or {})
    for key in overrides:
        if key not in spec.params:
            known = expr.clip(", ".join(spec.params) or "none")
            raise SpecError(
                unknown("param", expr.clip(str(key)), spec.params, f" for {expr.clip(spec.name)}"),
                hint=f"params: {known}",
            )
    scope: dict[str, Any] = {}
    for key, value in spec.params.items():
        if key not in overrides:
            scope[key] = _evaluate(value, scope) if isinstance(value.raw, str) else value.raw
            continue
        given = overrides[key]
        shown = show(given)
        try:
            if isinstance(given, str):
                new = expr.evaluate(given, scope)
            elif isinstance(given, bool | int | float):
                expr.check_number(given)
                new = given
            else:
                raise SpecError(f"a {type(given).__name__} is not a number, true/false or text")
        except ConvcostError as e:
            raise SpecError(f"--set {key}={shown}: {e.message}") from None
        default = value.raw
        if isinstance(default, str):  # an expression over the params before: its value here
            try:
                default = _evaluate(value, scope)
            except ConvcostError:
                default = None  # replaced anyway; nothing to compare with
        if isinstance(default, bool):
            want, ok = "true or false", isinstance(new, bool)
        elif isinstance(default, int | float):
            want, ok = "a number", isinstance(new, int | float) and not isinstance(new, bool)
        elif isinstance(default, Mapping | list):
            want, ok = "a table", isinstance(new, type(default))
        else:
            want, ok = "", True
        if not ok:
            raise SpecError(
                f"--set {key}={shown}: {key} takes {want} (its default is "
                f"{show(value.raw)}), got {show(new)}"
            )
        scope[key] = new
    return scope


def published_top1(spec: Spec, params: Mapping[str, Any]) -> Top1 | None:
    """The spec's published top-1 accuracy for a network built with `params`: the entry whose
    `at` applied to the default params gives exactly these params; None if there is none."""
    for entry in spec.top1:
        try:
            at = resolve_params(spec, {k: str(v.raw) for k, v in entry.at.items()})
        except ConvcostError as e:
            raise SpecError(f"top1 at: {e.message}", entry.loc) from None
        if at == params:
            return entry
    return None


def analyze(
    spec: Spec, overrides: Mapping[str, str] | None = None, size: tuple[Any, Any] | None = None
) -> Report:
    """Expand `spec` with its params (and `overrides`) and cost every layer.

    `size` replaces the input's height and width: a vectorised sweep passes numpy arrays of
    checked sizes (see input_shape), and gets arrays of counts back.
    """
    params = resolve_params(spec, overrides)
    scope = {**activation_names(), **params}
    shape = _input(spec, scope)
    if size is not None:
        shape = Shape(shape.c, *size)
    _refuse_too_many(spec)
    expander = _Expander(spec, scope)
    with no_gc():
        expander.tensors.append({"input": Tensor(shape, -1)})
        expander.sequence(spec.layers, Tensor(shape, -1), "", scope)
    return Report.of(spec.name, params, shape, tuple(expander.out), spec.title)


def input_shape(spec: Spec, overrides: Mapping[str, str] | None = None) -> Shape:
    """The network's input at these params, checked as analyze checks it."""
    return _input(spec, {**activation_names(), **resolve_params(spec, overrides)})


def _input(spec: Spec, scope: Mapping[str, Any]) -> Shape:
    shape = Shape(*(_integer(spec.input[k], scope, "input " + k) for k in "chw"))
    if min(shape.c, shape.h, shape.w) < 1:
        raise ShapeError(f"input must be at least 1x1x1, got {shape}", spec.input["c"].loc)
    return shape


def _evaluate(value: Value, scope: Mapping[str, Any]) -> Any:
    if not isinstance(value.raw, str):
        return value.raw
    try:
        return expr.evaluate(value.raw, scope)
    except ConvcostError as e:
        raise e.located(value.loc) from None


def _shown(v: Any) -> str:
    """A value as the spec would write it: true, false, null, 2.5, 'text' (cut to ~100
    characters, however large)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return "null" if v is None else expr.brief(v)


def _integer(value: Value, scope: Mapping[str, Any], what: str) -> int:
    """A whole number no larger than MAX_SIZE (bools, strings and fractions refused)."""
    try:
        v = _evaluate(value, scope)
    except ConvcostError as e:
        e.message = f"{what}: {e.message}"
        raise
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SpecError(f"{what} must be a whole number, got {_shown(v)}", value.loc)
    if isinstance(v, float):
        if not v.is_integer():
            raise SpecError(
                f"{what} must be a whole number, got {v!r}",
                value.loc,
                hint="wrap it in int(), round() or make_divisible()",
            )
        v = int(v)
    if v > MAX_SIZE:
        raise SpecError(f"{what} is {v:,}; the limit is {MAX_SIZE:,}", value.loc)
    return v


def _literal(arg: Arg, value: Value) -> bool:
    """Whether `value` is a number as written that `arg` takes as it is (what _coerce would
    return), so needs no scope."""
    return type(value.raw) is int and value.raw <= MAX_SIZE and arg.type != "bool"


def _coerce(arg: Arg, value: Value, scope: Mapping[str, Any]) -> Any:
    """Evaluate a layer argument and check it against its declared type."""
    if _literal(arg, value):
        return value.raw
    if value.raw is None:
        if arg.optional:
            return None
        raise SpecError(f"'{arg.name}' cannot be empty", value.loc)
    if arg.type == "bool":
        v = _evaluate(value, scope)
        if not isinstance(v, bool):
            raise SpecError(f"'{arg.name}' must be true or false, got {_shown(v)}", value.loc)
        return v
    if arg.type == "pad" and isinstance(value.raw, list):
        if len(value.raw) not in (2, 4):
            raise SpecError(
                f"'{arg.name}' must be one number, [height, width] or [top, bottom, left, right]",
                value.loc,
            )
        return tuple(_integer(v, scope, arg.name) for v in value.raw)
    if arg.type == "pad" and isinstance(value.raw, str):
        word = value.raw.strip()
        if word.lower() in PAD_WORDS:
            return word.lower()  # 'same' or 'valid' (TensorFlow writes 'SAME')
        if word.isidentifier() and word not in scope:
            raise SpecError(
                f"'{arg.name}' must be a number, [height, width], [top, bottom, left, right], "
                f"same or valid, got '{word}'{did_you_mean(word, PAD_WORDS)}",
                value.loc,
            )
    if arg.type == "pair" and isinstance(value.raw, list):
        if len(value.raw) != 2:
            raise SpecError(f"'{arg.name}' must be one number or [height, width]", value.loc)
        return tuple(_integer(v, scope, arg.name) for v in value.raw)
    if isinstance(value.raw, list):
        raise SpecError(f"'{arg.name}' must be one number, not a list", value.loc)
    return _integer(value, scope, arg.name)


def _names(items: Sequence[Item], block_body: bool = False) -> list[str]:
    """Path segment per item: its name, else its kind; repeated segments get 1, 2, ...

    In a block's body a lone unnamed parallel adds no segment: the block names it.
    """
    plain = [i.item if isinstance(i, WhenItem) else i for i in items]
    unnamed_parallels = sum(isinstance(i, ParallelItem) and not i.name for i in plain)
    bases = []
    for item in plain:
        if item.name:
            bases.append(item.name)
        elif isinstance(item, LayerItem):
            bases.append(item.kind)
        elif isinstance(item, UseItem):
            bases.append(item.block)
        elif isinstance(item, ParallelItem):
            alone = unnamed_parallels == 1
            bases.append("" if block_body and alone else item.default_name)
        else:
            bases.append("repeat" if isinstance(item, RepeatItem) else "group")
    counts = Counter(bases)
    seen: dict[str, int] = {}
    out = []
    for base in bases:
        if not base or counts[base] == 1:
            out.append(base)
            continue
        seen[base] = seen.get(base, 0) + 1
        out.append(_numbered(base, seen[base]))
    return out


def _join(path: str, segment: str) -> str:
    """'stage2' + 'unit1' -> 'stage2.unit1'; empty parts vanish."""
    return f"{path}.{segment}" if path and segment else path or segment


def _numbered(base: str, n: int) -> str:
    """'unit' + 2 -> 'unit2'; 'conv1' + 2 -> 'conv1_2'."""
    return f"{base}{'_' if base[-1:].isdigit() else ''}{n}"


EXPRESSION_STEP = 32
"""Characters of expressions that count as a step of the expansion (see limits.MAX_STEPS)."""


def _scope(scope: Mapping[str, Any], names: dict[str, Any]) -> Mapping[str, Any]:
    """`scope` with `names` on top. Every visited item makes a scope: a small one is copied (the
    fastest), a large one (a spec may have thousands of params) chained, never copied, so a
    visit costs the same whatever the number of params."""
    if isinstance(scope, dict) and len(scope) <= 64:
        return {**scope, **names}
    return _chain(scope, names)


def _chain(scope: Mapping[str, Any], names: dict[str, Any]) -> ChainMap[str, Any]:
    """`names` on top of `scope`, neither copied: later changes to `names` are seen."""
    if isinstance(scope, ChainMap):
        return scope.new_child(names)
    return ChainMap(names, cast("dict[str, Any]", scope))


def _at(scope: Mapping[str, Any], x: Tensor) -> Mapping[str, Any]:
    """The scope of an item reading `x`: C, H and W are its input's channels, height, width."""
    return _scope(scope, {"C": x.shape.c, "H": x.shape.h, "W": x.shape.w})


def _least_layers(item: Item, spec: Spec, blocks: dict[str, int]) -> int:
    """Layers `item` adds at the least, known without expanding it: one per layer (unless
    under `when`), a merge per parallel, a repeat's body once, a block's body (memoised in
    `blocks`) per use."""
    if isinstance(item, WhenItem):
        return 0
    if isinstance(item, LayerItem):
        return 1
    if isinstance(item, UseItem):
        if item.block not in blocks:
            blocks[item.block] = 0  # a block using itself is refused when expanded
            blocks[item.block] = _least_sum(spec.blocks[item.block].layers, spec, blocks)
        return blocks[item.block]
    if isinstance(item, GroupItem | RepeatItem):
        return _least_sum(item.layers, spec, blocks)
    if item.shortcut_when is not None:  # perhaps the body alone
        return _least_sum(item.branches[-1], spec, blocks)
    merge = 1 + (len(item.branches) if item.split else 0)
    return merge + sum(_least_sum(b, spec, blocks) for b in item.branches)


def _least_sum(items: Sequence[Item], spec: Spec, blocks: dict[str, int]) -> int:
    return sum(_least_layers(i, spec, blocks) for i in items)


def _refuse_too_many(spec: Spec) -> None:
    """Refuse a spec whose items surely add more than MAX_LAYERS layers (a huge flat spec)
    before expanding it, located, like the expansion, at the layer past the limit."""
    _count_layers(spec.layers, "", 0, spec, {})


def _count_layers(
    items: Sequence[Item], parent: str, total: int, spec: Spec, blocks: dict[str, int]
) -> int:
    """`total` plus the least layers `items` add; SpecError at the item passing MAX_LAYERS."""
    for index, item in enumerate(items):
        least = _least_layers(item, spec, blocks)
        if total + least > MAX_LAYERS:
            path = _join(parent, _names(items)[index])
            bare = item.item if isinstance(item, WhenItem) else item
            if isinstance(bare, GroupItem):  # find the layer in it
                _count_layers(bare.layers, path, total, spec, blocks)
            raise SpecError(
                f"the network expands to more than {MAX_LAYERS:,} layers", bare.loc, path
            )
        total += least
    return total


STEPS_HINT = (
    "a step is an item visited, a block argument bound, an empty branch taken or "
    f"{EXPRESSION_STEP} characters of expressions evaluated, whether it adds a layer or not; "
    "a repeat takes its body's steps each time"
)


def _expression_steps(item: Item, spec: Spec) -> int:
    """Steps for the expressions a visit of `item` may evaluate, one per EXPRESSION_STEP
    characters: a 500-character one takes as long as some 60 visits."""
    values: list[Value | None] = []
    if isinstance(item, WhenItem):
        values.append(item.cond)
        item = item.item
    if isinstance(item, LayerItem):
        defaults = spec.defaults.get(item.kind, {})
        values += [v for k, v in defaults.items() if k != "torch"]
        values += [*item.args.values(), item.bn, item.act]
    elif isinstance(item, UseItem):
        values += [*item.args.values(), *spec.blocks[item.block].args.values()]
    elif isinstance(item, RepeatItem):
        values.append(item.times)
    elif isinstance(item, ParallelItem):
        values.append(item.shortcut_when)
    return sum(map(_chars, values)) // EXPRESSION_STEP


def _chars(value: Value | None) -> int:
    """Characters of expression text in `value` (a list holds Values)."""
    if value is None:
        return 0
    if isinstance(value.raw, list):
        return sum(_chars(v) if isinstance(v, Value) else 0 for v in value.raw)
    return len(value.raw) if isinstance(value.raw, str) else 0


DEFAULTS_ONLY = ("bn", "act", "torch")
"""Keys of a spec's `defaults` for a kind that are not arguments of its formula."""


@cache
def _required(kind: str) -> tuple[str, ...]:
    """The arguments layer kind `kind` cannot do without."""
    return tuple(arg.name for arg in KINDS[kind].args.values() if arg.required)


class _Expander:
    """Expands items depth-first, appending a LayerCost per primitive layer to `out`."""

    def __init__(self, spec: Spec, base: Mapping[str, Any]) -> None:
        self.spec = spec
        self.base = base  # what every block body sees: params and activation names
        self.out: list[LayerCost] = []
        self.stack: list[tuple[str, Loc]] = []
        self.branches: tuple[tuple[str, int], ...] = ()  # (parallel path, branch), outermost 1st
        self.steps = 0  # items visited, at most MAX_STEPS
        self.repeats: list[tuple[str, Loc, int]] = []  # repeats being expanded: path, loc, times
        self.names: dict[tuple[int, bool], list[str]] = {}  # _names of each list of the spec
        self.weights: dict[int, int] = {}  # steps a visit of an item in a repeat or block takes
        self.torch = {k: v["torch"].raw for k, v in spec.defaults.items() if "torch" in v}  # calls
        self.costed: dict[tuple[Any, ...], LayerCost] = {}  # run_layer's result per kind, inputs
        # and args (a formula is a pure function of them), for the layers that repeat
        self.tensors: list[dict[str, Tensor]] = []  # outputs of named items, a dict per list
        # being expanded (innermost last), for `from:`

    def sequence(
        self,
        items: Sequence[Item],
        x: Tensor,
        parent: str,
        scope: Mapping[str, Any],
        block_body: bool = False,
    ) -> Tensor:
        key = (id(items), block_body)  # the spec's tuples live as long as the expander
        if key not in self.names:
            self.names[key] = _names(items, block_body)
        named: dict[str, Tensor] = {}
        self.tensors.append(named)
        try:
            for item, name in zip(items, self.names[key], strict=True):
                x = self.item(item, x, _join(parent, name), scope)
                given = (item.item if isinstance(item, WhenItem) else item).name
                if given:
                    named[given] = x
        finally:
            self.tensors.pop()
        return x

    def read(self, inputs: Inputs, path: str) -> list[Tensor]:
        """The tensors `from:` names: each the output of the latest item of that name in this
        list or an enclosing one (a block's layers see the names where it is used);
        `input` is the network's input unless an item takes that name."""
        out = []
        for name in inputs.names:
            found = next((t[name] for t in reversed(self.tensors) if name in t), None)
            if found is None:
                visible = sorted({n for t in self.tensors for n in t})
                raise SpecError(
                    unknown("input", name, visible, " in from"),
                    inputs.loc,
                    path,
                    hint="from: takes the name: of an earlier item in the same list of layers "
                    "or an enclosing one, or input",
                )
            out.append(found)
        return out

    def item(self, item: Item, x: Tensor, path: str, scope: Mapping[str, Any]) -> Tensor:
        steps = 1
        if self.repeats or self.stack:  # visited again and again: its expressions count too
            if id(item) not in self.weights:
                self.weights[id(item)] = 1 + _expression_steps(item, self.spec)
            steps = self.weights[id(item)]
        self.step(steps, item, path)
        if isinstance(item, WhenItem):
            if not self.holds(item.cond, "when", x, path, scope):
                return x
            item = item.item
        if item.inputs is not None:
            xs = self.read(item.inputs, path)
            if isinstance(item, LayerItem) and KINDS[item.kind].variadic:
                return self.layer(item, xs, path, scope)
            if len(xs) != 1:
                what = f"'{item.kind}'" if isinstance(item, LayerItem) else "this item"
                raise SpecError(
                    f"from: gives {len(xs)} inputs, and {what} takes one",
                    item.inputs.loc,
                    path,
                    hint="several inputs go to a merge: add, mul or concat",
                )
            x = xs[0]
        if isinstance(item, LayerItem):
            return self.layer(item, [x], path, scope)
        if isinstance(item, GroupItem):
            return self.sequence(item.layers, x, path, scope)
        if isinstance(item, ParallelItem):
            return self.parallel(item, x, path, scope)
        if isinstance(item, UseItem):
            return self.use(item, x, path, _at(scope, x))
        return self.repeat(item, x, path, scope, _at(scope, x))

    def repeat(
        self,
        item: RepeatItem,
        x: Tensor,
        path: str,
        scope: Mapping[str, Any],
        local: Mapping[str, Any],
    ) -> Tensor:
        times = _integer(item.times, local, "times")
        if not 1 <= times <= MAX_LAYERS:
            raise SpecError(
                f"times must be from 1 to {MAX_LAYERS:,}, got {times:,}", item.times.loc, path
            )
        if not item.layers:
            return x  # nothing to repeat (and no steps to count)
        self.repeats.append((path, item.loc, times))
        try:
            for i in range(times):
                rep, inner = _numbered(path, i + 1), _scope(scope, {"i": i})
                if len(item.layers) == 1:  # the body is the repetition: unit1, unit2, ...
                    x = self.item(item.layers[0], x, rep, inner)
                else:
                    x = self.sequence(item.layers, x, rep, inner)
        finally:
            self.repeats.pop()
        return x

    def step(self, n: int, item: Item, path: str) -> None:
        """Count `n` steps of work for `item`: a visit, a block argument bound, an empty branch
        entered. SpecError past MAX_STEPS."""
        self.steps += n
        if self.steps > MAX_STEPS:
            raise self.traced(self.overworked(item, path))

    def overworked(self, item: Item, path: str) -> SpecError:
        """The error once MAX_STEPS steps are taken: at the innermost repeat being expanded
        (the others in the hint), else at the item."""
        added = plural(len(self.out), "layer")
        if not self.repeats:
            return SpecError(
                f"the expansion takes more than {MAX_STEPS:,} steps, adding {added}",
                (item.item if isinstance(item, WhenItem) else item).loc,
                path,
                hint=STEPS_HINT,
            )
        (where, loc, times), *outer = reversed(self.repeats)
        enclosing = ", ".join(f"{p} at line {at.line} ({n:,} times)" for p, at, n in outer)
        return SpecError(
            f"expanding this repeat ({times:,} times) takes more than {MAX_STEPS:,} steps, "
            f"adding {added}",
            loc,
            where,
            hint=(f"inside {enclosing}; " if enclosing else "") + STEPS_HINT,
        )

    def layer(
        self, item: LayerItem, xs: list[Tensor], path: str, scope: Mapping[str, Any]
    ) -> Tensor:
        """Emit the layer `item` (and its bn and act) reading `xs`, in `scope` with C, H and W
        of xs[0] added when a value is more than a number (most are numbers)."""
        kind = KINDS[item.kind]
        defaults = self.spec.defaults.get(item.kind, {})
        values = item.args  # the parser took bn, act and torch out of them
        if defaults:
            values = {k: v for k, v in {**defaults, **values}.items() if k not in DEFAULTS_ONLY}
        bn, act = item.bn or defaults.get("bn"), item.act or defaults.get("act")
        for needed in _required(item.kind):
            if needed not in values:
                raise SpecError(f"'{item.kind}' needs '{needed}'", item.loc, path)
        args: dict[str, Any] = {}
        local: Mapping[str, Any] | None = None  # with C, H and W: made once a value needs it
        for key, v in values.items():
            if _literal(kind.args[key], v):
                args[key] = v.raw
                continue
            local = _at(scope, xs[0]) if local is None else local
            args[key] = _coerce(kind.args[key], v, local)
        y = self.emit(item.kind, xs, args, path, item.loc, item.torch)
        if bn is None and act is None:
            return y
        scope = _at(scope, xs[0]) if local is None else local
        if bn is not None and _coerce(Arg("bn", "bool", False, False, False), bn, scope):
            y = self.emit("bn", [y], {}, f"{path}+bn", item.loc)
        if act is not None:
            known = activation_names()
            raw = act.raw
            if isinstance(raw, str) and (not raw.isidentifier() or raw in scope):
                name = _evaluate(act, scope)  # an expression, or an arg holding a name
            else:
                name = [v.raw for v in raw] if isinstance(raw, list) else raw
            if not isinstance(name, str) or name not in known:
                raise SpecError(
                    f"unknown activation {expr.brief(name)}"
                    f"{did_you_mean(expr.clip(str(name)), known)}",
                    act.loc,
                    path,
                    hint="activations: " + ", ".join(known),
                )
            if name != "none":
                y = self.emit(name, [y], {}, f"{path}+{name}", item.loc)
        return y

    def emit(
        self,
        kind: str,
        inputs: Sequence[Tensor],
        args: Mapping[str, Any],
        path: str,
        loc: Loc,
        torch: str | None = None,
    ) -> Tensor:
        """Cost one layer and append it; `torch` (else the spec's default for the kind, else
        the kind's usual call) names the PyTorch call computing it."""
        if len(self.out) >= MAX_LAYERS:
            raise self.traced(
                SpecError(f"the network expands to more than {MAX_LAYERS:,} layers", loc, path)
            )
        try:
            layer = self.cost(kind, tuple([t.shape for t in inputs]), args, path, loc)
        except ConvcostError as e:
            raise self.traced(e) from None
        default = self.torch.get(kind)
        self.out.append(  # layer, with its own place (made anew: twice as fast as _replace)
            LayerCost(
                path=path,
                kind=layer.kind,
                category=layer.category,
                inputs=layer.inputs,
                out=layer.out,
                cost=layer.cost,
                line=loc.line,
                facts=layer.facts,
                sources=tuple([t.src for t in inputs]),
                branch=self.branches,
                args=layer.args,
                torch=torch or (layer.torch if default is None else default),
                groups=layer.groups,
            )
        )
        return Tensor(layer.out, len(self.out) - 1)

    def cost(
        self, kind: str, inputs: tuple[Shape, ...], args: Mapping[str, Any], path: str, loc: Loc
    ) -> LayerCost:
        """run_layer's costed layer (its path and line those of the first such layer): a formula
        is a pure function of kind, inputs and args, so a layer that repeats is costed once."""
        key = (kind, inputs, *args.items())
        try:
            layer = self.costed.get(key)
        except TypeError:  # sizes are arrays (a vectorised sweep): no layer repeats
            return run_layer(kind, inputs, args, path, loc)
        if layer is None:
            layer = self.costed[key] = run_layer(kind, inputs, args, path, loc)
        return layer

    def traced(self, e: ConvcostError) -> ConvcostError:
        if self.stack and "in block" not in e.hint:
            trace = "; ".join(
                f"in block '{name}' used at {loc}" for name, loc in reversed(self.stack)
            )
            e.hint = f"{e.hint}; {trace}" if e.hint else trace
        return e

    def use(self, item: UseItem, x: Tensor, path: str, scope: Mapping[str, Any]) -> Tensor:
        block: Block = self.spec.blocks[item.block]
        if any(name == item.block for name, _ in self.stack):
            raise SpecError(f"block '{item.block}' uses itself", item.loc, path)
        if len(self.stack) >= MAX_BLOCK_DEPTH:
            raise SpecError(f"blocks nested more than {MAX_BLOCK_DEPTH} deep", item.loc, path)
        for key, v in item.args.items():
            if key not in block.args:
                raise SpecError(
                    unknown("argument", key, block.args, f" for block '{item.block}'"),
                    v.loc,
                    path,
                    hint="arguments: " + (", ".join(block.args) or "none"),
                )
        self.step(len(block.args), item, path)
        args: dict[str, Any] = {}
        bound = _chain(scope, args)  # a default sees the arguments before it
        for key, default in block.args.items():
            if key in item.args:
                args[key] = _evaluate(item.args[key], scope)
            elif default is None:
                raise SpecError(f"block '{item.block}' needs '{key}'", item.loc, path)
            else:
                args[key] = _evaluate(default, bound)
        self.stack.append((item.block, item.loc))
        try:
            return self.sequence(block.layers, x, path, _scope(self.base, args), True)
        finally:
            self.stack.pop()

    def holds(self, cond: Value, key: str, x: Tensor, path: str, scope: Mapping[str, Any]) -> bool:
        """The value of condition `cond` (a `when` or a `shortcut_when`) on input `x`."""
        value = _evaluate(cond, _at(scope, x))
        if not isinstance(value, bool):
            raise SpecError(f"{key} must be true or false, got {_shown(value)}", cond.loc, path)
        return value

    def parallel(
        self, item: ParallelItem, x: Tensor, path: str, scope: Mapping[str, Any]
    ) -> Tensor:
        if item.shortcut_when is not None and not self.holds(
            item.shortcut_when, "shortcut_when", x, path, scope
        ):  # a residual without its shortcut: the body alone, where the residual is
            return self.sequence(item.branches[-1], x, path, scope)
        outs = []
        n = len(item.branches)
        self.step(sum(not branch for branch in item.branches), item, path)  # empty: no visit
        outer = self.branches  # one tuple shared by every layer of a branch, not one each
        for b, branch in enumerate(item.branches):
            branch_path = _join(path, f"b{b + 1}")
            self.branches = (*outer, (path, b))
            y = x
            if item.split:
                y = self.emit(
                    "split", [x], {"parts": n, "index": b}, _join(branch_path, "split"), item.loc
                )
            outs.append(self.sequence(branch, y, branch_path, scope))
        self.branches = outer
        return self.emit(item.merge, outs, {}, _join(path, item.merge), item.loc)
