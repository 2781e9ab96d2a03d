"""The layer kinds: one registered pure function per kind, `(input Shape, args) -> Result`.

Each function's docstring is its formula. Conventions, the same for every kind:

- macs: multiply-accumulates of convolution and fully-connected layers only (the papers'
  "mult-adds", ShuffleNet's "FLOPs"); every other kind has 0 MACs.
- flops: every arithmetic operation: 2 per MAC, 1 per bias add, and the per-element
  constants below for batch norm, activations, pooling and element-wise merges.
- params: every learnable number as a framework counts it: weights, biases, batch-norm
  gamma and beta (running statistics are buffers, not parameters).
- activations: elements the layer writes (its output). Views (flatten, split, identity,
  dropout at inference) write nothing.
- mem_access: elements read plus written, ShuffleNet V2's memory access cost (Ma et al.
  2018, Sec. 2): inputs read + weights read + outputs written. Views move nothing.

All counts are per sample and exact Python ints (numpy int64 arrays of them when a vectorised
sweep passes arrays of input sizes: checks go through `require` and shapes.every, sizes through
shapes.gcd and shapes.largest, and everything else is arithmetic that works on both).

A kind is one `register` call: besides its formula it declares everything the rest of convcost
needs to know about it (the sugar it takes, where its output lives, the PyTorch calls computing
it and how every counting convention counts each), and those facts travel on every costed layer
(`LayerCost.facts`), so nothing after costing looks a kind up by name.
"""

from __future__ import annotations

import builtins
import inspect
import operator
import types
from collections.abc import Callable, Sequence
from functools import cache, reduce
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, get_args

from convcost.counting import (
    AFFINE,
    IGNORED,
    INPUTS,
    MACS,
    MERGE,
    MODULE_AND_FUNCTION,
    OUTPUTS,
    TWICE_MACS,
    UNCOUNTED,
    Counts,
    Rule,
    arg,
    bias,
    counts,
)
from convcost.errors import ShapeError, plural
from convcost.limits import MAX_SIZE
from convcost.shapes import PAD_WORDS, Pad, Shape, every, gcd, largest, out_size, same_pad

if TYPE_CHECKING:
    from fractions import Fraction

    from convcost.report import LayerCost

Pair = int | tuple[int, int]
"""A size given once for both axes, or as [height, width]."""

BN_FLOPS = 2
"""Batch norm at inference: one multiply and one add per element (scale and shift)."""
ACT_FLOPS = {"relu": 1, "relu6": 2, "sigmoid": 3, "hsigmoid": 4, "swish": 4, "hswish": 5, "gelu": 5}
"""Activation FLOPs per element, counting exp, erf and tanh as one FLOP each: relu max(0,x);
relu6 max, min; sigmoid exp, add, divide; hsigmoid relu6(x+3)/6: add, max, min, multiply;
swish x*sigmoid(x); hswish x*hsigmoid(x); gelu 0.5*x*(1 + erf(x/sqrt(2))), PyTorch's nn.GELU:
multiply, erf, add, multiply, multiply."""

Category = Literal["standard", "depthwise", "pointwise", "group", "fc", "other"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
"""What the papers break costs down by (MobileNet v1 Table 2): standard conv (k > 1, one
group), depthwise conv (one group per input channel), pointwise conv (1x1, one group), group
conv (any other group count), fully connected, and everything else."""


class Cost(NamedTuple):
    """The five counts of a layer or a network; additive."""

    macs: int = 0
    flops: int = 0
    params: int = 0
    activations: int = 0
    mem_access: int = 0

    def __add__(self, other: Cost) -> Cost:  # type: ignore[override]  # costs add field-wise
        return Cost._make(map(operator.add, self, other))


COST_FIELDS = Cost._fields


class Result(NamedTuple):
    """What a layer kind returns: its output shape, its cost, its category, and its groups (a
    group convolution's group count, which runtimes that loop over groups launch a kernel
    each for; 1 for every other layer, depthwise included: it runs as one kernel)."""

    out: Shape
    cost: Cost
    category: Category = "other"
    groups: int = 1


ArgType = Literal["int", "pair", "pad", "bool"]
Storage = Literal["new", "inplace", "view"]
Fuses = Literal["conv", "fc", "bn", "act", "add", ""]
"""What an inference runtime fuses a kind as (convcost.latency.fused): a convolution or fully
connected layer that takes a batch norm, an activation or an add into its node; a batch norm;
an activation ONNX Runtime fuses (relu, relu6, sigmoid, hsigmoid, hswish: not swish or gelu);
an add; or "" for none."""
"""Where a kind's output lives, for peak memory: a new buffer; the first input's buffer
(in-place activations, batch norm, add); or nowhere (views: split, flatten)."""


class Arg(NamedTuple):
    """One argument of a layer kind, read from the function's signature."""

    name: str
    type: ArgType
    default: Any
    required: bool
    optional: bool  # None is allowed (and means "the kind decides")


class Kind(NamedTuple):
    """A registered layer kind: its formula and every fact about it (see `register`)."""

    name: str
    fn: Callable[..., Result]
    args: dict[str, Arg]
    variadic: bool  # takes any number (>= 2) of inputs: add, mul, concat
    storage: Storage
    elementwise: bool  # few FLOPs per element moved (ShuffleNet V2's G4)
    sugar: bool  # takes `bn:` and `act:` (a batch norm and an activation after it)
    calls: dict[str, Counts]  # PyTorch calls computing it, the usual one first, as counted
    example: dict[str, Any]  # arguments that make a valid layer of a 4-channel input
    fuses: Fuses = ""  # what a runtime fuses it as (Fuses)

    @property
    def torch(self) -> tuple[str, ...]:
        """The PyTorch calls that compute the kind; the first is the default."""
        return tuple(self.calls)

    def __reduce__(self) -> tuple[Callable[[str], Kind], tuple[str]]:
        """A kind pickles as its name (its formula is code): a cached report's layers get the
        registered kind back."""
        return kind, (self.name,)

    def apply(self, inputs: Sequence[Shape], args: dict[str, Any]) -> Result:
        """Run the formula on the input shapes with evaluated, type-checked args."""
        if self.variadic:
            return self.fn(tuple(inputs), **args)
        (x,) = inputs
        return self.fn(x, **args)


KINDS: dict[str, Kind] = {}


def kind(name: str) -> Kind:
    """The registered kind of that name."""
    return KINDS[name]


F = TypeVar("F", bound=Callable[..., Result])


@cache
def _hint(annotation: str) -> Any:
    """A formula's argument annotation, a text under `from __future__ import annotations`
    ('int', 'Pair | None'), as the type it names: each `|`-joined name looked up in this module
    or the builtins, never evaluated (typing.get_type_hints compiles every text anew: 4 ms of
    every run)."""
    known = {**vars(builtins), **globals(), "None": types.NoneType}
    return reduce(operator.or_, [known[n.strip()] for n in annotation.split("|")])


def _arg_type(hint: Any) -> tuple[ArgType, bool]:
    """An argument's type from its annotation, and whether it may be None."""
    parts = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    rest = tuple(t for t in parts if t is not types.NoneType)
    for base, name in ((int, "int"), (bool, "bool"), (Pair, "pair"), (Pad, "pad")):
        if rest == (get_args(base) or (base,)):
            return name, len(rest) < len(parts)  # type: ignore[return-value]
    raise RuntimeError(f"unsupported argument type {hint}")


def register(
    *names: str,
    calls: dict[str, Counts],
    variadic: bool = False,
    storage: Storage = "new",
    elementwise: bool = False,
    sugar: bool = False,
    example: dict[str, Any] | None = None,
    fuses: Fuses = "",
) -> Callable[[F], F]:
    """Register a formula under one or more kind names; registering a name twice is a bug.

    `calls` maps the PyTorch calls that compute the kind (`nn.ReLU`, `F.relu`), the usual one
    first, to how every counting convention counts it (`counting.counts`, or UNCOUNTED): a
    layer's `torch:` field picks one, as the tools key their rules by module or op.
    `storage`: where the output lives (Storage). `sugar`: the kind takes `bn:` and `act:`.
    `example`: arguments that make a valid layer of a 4-channel input, for the registry's own
    checks (every formula also takes arrays of sizes: tests/test_layers.py). `fuses`: what an
    inference runtime fuses it as (Fuses), for the latency model.
    """

    def deco(fn: F) -> F:
        args = {}
        for p in inspect.signature(fn).parameters.values():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue
            kind, optional = _arg_type(_hint(p.annotation))
            required = p.default is inspect.Parameter.empty
            args[p.name] = Arg(p.name, kind, None if required else p.default, required, optional)
        for name in names:
            if name in KINDS:
                raise RuntimeError(f"layer kind {name!r} registered twice")
            KINDS[name] = Kind(
                name, fn, args, variadic, storage, elementwise, sugar, calls, example or {}, fuses
            )
        return fn

    return deco


def require(ok: bool, message: str) -> None:
    """Raise ShapeError(message) unless `ok` (for arrays: unless it holds everywhere); the
    caller adds file, line and layer path."""
    if not every(ok):
        raise ShapeError(message)


def as_pair(v: Pair) -> tuple[int, int]:
    """A size along H and W: n is (n, n)."""
    return (v, v) if isinstance(v, int) else v


def _at_least(minimum: int, **values: Pair | None) -> None:
    for name, v in values.items():
        if v is not None:
            for n in as_pair(v):
                require(n >= minimum, f"{name} must be at least {minimum}, got {n}")


def pad_sides(pad: Pad | None) -> tuple[int, int, int, int] | None:
    """Padding as (top, bottom, left, right), or None for 'same' (None is 'same' too)."""
    if pad is None or pad == "same":
        return None
    if pad == "valid":
        return 0, 0, 0, 0
    sides = (pad,) * 4 if isinstance(pad, int) else pad
    if isinstance(sides, tuple | list) and len(sides) == 2:
        sides = (sides[0], sides[0], sides[1], sides[1])
    if (
        not isinstance(sides, tuple | list)
        or len(sides) != 4
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in sides)
    ):
        raise ShapeError(
            "pad must be a number, [height, width], [top, bottom, left, right], "
            f"{' or '.join(PAD_WORDS)}, got {pad!r}"
        )
    for n in sides:
        require(n >= 0, f"pad must be at least 0, got {n}")
    top, bottom, left, right = sides
    return top, bottom, left, right


def _window(
    x: Shape,
    k: Pair,
    stride: Pair,
    sides: tuple[int, int, int, int] | None,
    dilation: Pair,
    ceil: bool = False,
) -> Shape:
    """Spatial output of a sliding window, per axis: see shapes.out_size; `sides` as pad_sides
    gives them, None for 'same' (shapes.same_pad: each output is ceil(size / stride))."""
    (kh, kw), (sh, sw), (dh, dw) = as_pair(k), as_pair(stride), as_pair(dilation)
    if sides is None:
        (top, bottom), (left, right) = same_pad(x.h, kh, sh, dh), same_pad(x.w, kw, sw, dw)
    else:
        top, bottom, left, right = sides
    return Shape(
        x.c,
        out_size(x.h, kh, sh, top, dh, ceil, pad_after=bottom),
        out_size(x.w, kw, sw, left, dw, ceil, pad_after=right),
    )


def _fits(y: Shape) -> Shape:
    """`y`, if each side is at most limits.MAX_SIZE (kinds that enlarge the map check it)."""
    for axis, n in (("height", y.h), ("width", y.w)):
        require(n <= MAX_SIZE, f"the output {axis} would exceed the size limit ({MAX_SIZE:,})")
    return y


PTFLOPS_CONV = Rule(
    "MACs + output elements if bias", lambda x: x.cost.macs + (x.out.numel if bias(x) else 0)
)
"""ptflops' convolution hook, for nn.Conv2d and nn.ConvTranspose2d alike."""
CONV2D = {
    "nn.Conv2d": counts(paper=MACS, ptflops=PTFLOPS_CONV, fvcore=MACS, thop=MACS, torch=TWICE_MACS)
}
"""How the conventions count PyTorch's convolution (conv, dwconv)."""


def _check_groups(c_in: int, out: int, groups: int) -> None:
    require(c_in % groups == 0, f"groups ({groups}) must divide input channels ({c_in})")
    require(out % groups == 0, f"groups ({groups}) must divide output channels ({out})")


def _convolution(x: Shape, y: Shape, k: Pair, groups: int, bias: bool, positions: int) -> Result:
    """A convolution from `x` to `y` applying its weights at `positions` places (a
    convolution: every output position; a transposed one: every input position).

    weights = k_h * k_w * (C_in / groups) * C_out; MACs = weights * positions;
    params = weights (+ C_out with bias); FLOPs = 2 * MACs (+ C_out*H_out*W_out bias adds);
    mem_access = C_in*H*W + params + C_out*H_out*W_out. Category: one group: pointwise if 1x1,
    else standard; else depthwise if groups = C_in, else group (launched once per group).
    """
    kh, kw = as_pair(k)
    weights = kh * kw * (x.c // groups) * y.c
    macs = weights * positions
    params = weights + (y.c if bias else 0)
    flops = 2 * macs + (y.numel if bias else 0)
    cost = Cost(macs, flops, params, y.numel, x.numel + params + y.numel)
    if groups == 1:
        return Result(y, cost, "pointwise" if (kh, kw) == (1, 1) else "standard")
    return Result(y, cost, "depthwise") if groups == x.c else Result(y, cost, "group", groups)


@register("conv", calls=CONV2D, sugar=True, example={"out": 8, "k": 3, "stride": 2}, fuses="conv")
def conv(
    x: Shape,
    *,
    out: int,
    k: Pair = 1,
    stride: Pair = 1,
    pad: Pad | None = None,
    dilation: Pair = 1,
    groups: int = 1,
    bias: bool = False,
) -> Result:
    """Convolution: standard, pointwise (k=1), group (groups=g) or depthwise (groups=C_in).

    weights    = k_h * k_w * (C_in / groups) * C_out
    MACs       = weights * H_out * W_out
    params     = weights (+ C_out with bias)
    FLOPs      = 2 * MACs (+ C_out * H_out * W_out bias adds)
    mem_access = C_in*H*W + params + C_out*H_out*W_out
    pad: n, [h, w] or [top, bottom, left, right]; 'valid' is 0; 'same' (the default, also
    None) gives H_out = ceil(H / stride) with total padding
    max((H_out - 1)*stride + dilation*(k - 1) + 1 - H, 0), half of it (rounded down) before and
    the rest after: TensorFlow's SAME, and PyTorch's padding='same' (stride 1 only there); odd k
    at stride 1 gets dilation*(k - 1)/2 on each side. Likewise for W (shapes.same_pad).
    """
    _at_least(1, out=out, k=k, stride=stride, dilation=dilation, groups=groups)
    sides = pad_sides(pad)
    _check_groups(x.c, out, groups)
    y = _window(x, k, stride, sides, dilation)
    return _convolution(x, Shape(out, y.h, y.w), k, groups, bias, y.h * y.w)


@register("dwconv", calls=CONV2D, sugar=True, fuses="conv")
def dwconv(
    x: Shape,
    *,
    k: Pair = 3,
    stride: Pair = 1,
    pad: Pad | None = None,
    dilation: Pair = 1,
    mult: int = 1,
    bias: bool = False,
) -> Result:
    """Depthwise convolution: conv with groups = C_in and C_out = mult * C_in.

    MACs = k_h * k_w * mult * C_in * H_out * W_out (MobileNet v1 Eq. 3)
    The rest as conv's (and its padding, 'same' by default).
    """
    _at_least(1, mult=mult)
    return conv(
        x, out=x.c * mult, k=k, stride=stride, pad=pad, dilation=dilation, groups=x.c, bias=bias
    )


def _thop_deconv(x: LayerCost) -> int:
    """thop counts nn.ConvTranspose2d with its convolution formula, taken over the output:
    output elements * (C_in / groups) * k_h * k_w (thop 0.1.1 calc_func.calculate_conv2d_flops)."""
    kh, kw = as_pair(arg(x, "k"))
    groups: int = arg(x, "groups")
    return x.out.numel * (x.inputs[0].c // groups) * kh * kw


SAME_DECONV = (
    "no pad 'same' in a transposed convolution (PyTorch's ConvTranspose2d has none): "
    "H_out = H * stride when 2*pad - output_padding = dilation*(k - 1) + 1 - stride "
    "(k 4, stride 2: pad 1)"
)


@register(
    "deconv",
    calls={
        "nn.ConvTranspose2d": counts(
            paper=MACS,
            ptflops=PTFLOPS_CONV,
            fvcore=MACS,
            thop=Rule("output elements x C_in/groups x k_h x k_w", _thop_deconv),
            torch=TWICE_MACS,
        )
    },
    sugar=True,
    example={"out": 8, "k": 4, "stride": 2, "pad": 1},
)
def deconv(
    x: Shape,
    *,
    out: int,
    k: Pair,
    stride: Pair = 1,
    pad: Pad = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
    bias: bool = False,
) -> Result:
    """Transposed convolution (PyTorch's ConvTranspose2d): every input element scatters its
    products with a k_h x k_w x (C_out / groups) block of weights into the output.

    H_out      = (H - 1)*stride - pad_top - pad_bottom + dilation*(k_h - 1) + output_padding + 1
    weights    = k_h * k_w * (C_in / groups) * C_out
    MACs       = weights * H * W, per input position: products landing in the cropped padding
                 count too, as PyTorch computes them and ptflops, fvcore and torch count them
    params     = weights (+ C_out with bias)
    FLOPs      = 2 * MACs (+ C_out * H_out * W_out bias adds)
    mem_access = C_in*H*W + params + C_out*H_out*W_out
    Likewise for W. pad: n, [h, w] or [top, bottom, left, right], rows and columns cropped from
    the full output ('valid' is 0); no 'same' (SAME_DECONV says what to write instead).
    output_padding: rows and columns added at the bottom and right, smaller than stride or
    dilation, as PyTorch requires. Category as conv's: standard, pointwise (1x1), group, or
    depthwise (groups = C_in).
    """
    _at_least(1, out=out, k=k, stride=stride, dilation=dilation, groups=groups)
    _at_least(0, output_padding=output_padding)
    sides = pad_sides(pad)
    if sides is None:
        raise ShapeError(SAME_DECONV)
    _check_groups(x.c, out, groups)
    top, bottom, left, right = sides
    (kh, kw), (sh, sw), (dh, dw) = as_pair(k), as_pair(stride), as_pair(dilation)
    oh, ow = as_pair(output_padding)
    for o, s, d in ((oh, sh, dh), (ow, sw, dw)):
        require(
            o < s or o < d,
            f"output_padding ({o}) must be smaller than stride ({s}) or dilation ({d})",
        )
    h = (x.h - 1) * sh - top - bottom + dh * (kh - 1) + oh + 1
    w = (x.w - 1) * sw - left - right + dw * (kw - 1) + ow + 1
    for axis, n in (("height", h), ("width", w)):
        require(n >= 1, f"pad crops the whole output: its {axis} would be {n}")
    return _convolution(x, _fits(Shape(out, h, w)), k, groups, bias, x.h * x.w)


def separable_ratio(n: int, k: int) -> Fraction:
    """Cost of a depthwise separable conv over the KxK standard conv it replaces.

    (K*K*M*D*D + M*N*D*D) / (K*K*M*N*D*D) = 1/N + 1/K^2 (MobileNet v1, Sec. 3.1, Eq. 5 / Eq. 2),
    exact for MACs, and for params when there is no bias or batch norm.
    """
    from fractions import Fraction

    return Fraction(1, n) + Fraction(1, k * k)


LINEAR = {
    "nn.Linear": counts(
        paper=MACS,
        ptflops=PTFLOPS_CONV._replace(text="MACs + outputs if bias"),
        fvcore=MACS,
        thop=MACS,
        torch=TWICE_MACS,
    )
}
"""How the conventions count nn.Linear (fc, pwlinear). On an N x H x W x C input ptflops adds
the bias at every position ((C_in * C_out + C_out) * H * W), fvcore and thop count the MACs of
every position, torch twice that (ptflops 0.7.5 linear_flops_counter_hook, fvcore 0.1.5
linear_flop_jit, thop 0.1.1 count_linear; run by scripts/check_kinds.py)."""


@register("fc", "linear", calls=LINEAR, sugar=True, example={"out": 10}, fuses="fc")
def fc(x: Shape, *, out: int, bias: bool = True) -> Result:
    """Fully connected layer on the flattened input (N = C*H*W inputs).

    MACs = N * out; params = N * out (+ out with bias); FLOPs = 2 * MACs (+ out)
    mem_access = N + params + out
    """
    _at_least(1, out=out)
    n = x.numel
    params = n * out + (out if bias else 0)
    flops = 2 * n * out + (out if bias else 0)
    return Result(Shape(out), Cost(n * out, flops, params, out, n + params + out), "fc")


@register("pwlinear", calls=LINEAR, sugar=True, example={"out": 10})
def pwlinear(x: Shape, *, out: int, bias: bool = True) -> Result:
    """A Linear applied at every position, over the channels: ConvNeXt's channels-last MLP
    (nn.Linear on an N x H x W x C tensor, the ConvNeXt authors' "pointwise" layers). The
    arithmetic of a 1x1 convolution, counted as fully connected.

    MACs = C_in * out * H * W; params = C_in * out (+ out with bias)
    FLOPs = 2 * MACs (+ out * H * W bias adds); mem_access = C_in*H*W + params + out*H*W
    """
    r = conv(x, out=out, bias=bias)
    return Result(r.out, r.cost, "fc")


@register(
    "bn",
    storage="inplace",
    elementwise=True,
    fuses="bn",
    calls={
        "nn.BatchNorm2d": counts(
            paper=IGNORED,
            ptflops=AFFINE,
            fvcore=AFFINE,
            thop=Rule(
                "4 x elements (2 per element, doubled for affine)", lambda x: 4 * x.out.numel
            ),
            torch=IGNORED,
        )
    },
)
def bn(x: Shape) -> Result:
    """Batch normalization (inference: y = x * scale + shift per channel).

    params = 2 * C (gamma, beta); FLOPs = 2 * C*H*W; mem_access = 2 * C*H*W + 2 * C
    """
    return Result(x, Cost(0, BN_FLOPS * x.numel, 2 * x.c, x.numel, 2 * x.numel + 2 * x.c))


FVCORE_LAYER_NORM = Rule("5 x elements (aten::layer_norm with affine)", lambda x: 5 * x.out.numel)


@register(
    "layernorm",
    elementwise=True,
    calls={
        "nn.LayerNorm": counts(
            paper=IGNORED,
            ptflops=Rule(
                "input elements (batch-norm hook; no `affine` attribute, so not doubled)",
                INPUTS.count,
            ),
            fvcore=FVCORE_LAYER_NORM,
            thop=Rule(
                "4 x elements (2 per element, doubled for elementwise_affine)",
                lambda x: 4 * x.out.numel,
            ),
            torch=IGNORED,
        ),
        "LayerNorm2d": counts(
            paper=IGNORED, ptflops=IGNORED, fvcore=FVCORE_LAYER_NORM, thop=IGNORED, torch=IGNORED
        ),
    },
)
def layernorm(x: Shape) -> Result:
    """Layer normalization over the channels at each position, with a learnable scale and shift
    per channel: ConvNeXt's, as nn.LayerNorm on a channels-last tensor or torchvision's
    LayerNorm2d (a subclass the hook-based ptflops and thop do not recognise).

    y = (x - mean) / sqrt(var + eps) * gamma + beta, mean and var over C at each position.
    params = 2 * C (gamma, beta)
    FLOPs = 7 * C*H*W + 3 * H*W: per element an add for the mean (the divide is its last
      operation), a subtract, a square and an add for the variance (likewise), a multiply by
      1/std, gamma's multiply and beta's add; per position an add of eps, a square root and a
      reciprocal. Unlike batch norm it is not folded away at inference: the statistics depend
      on the input.
    mem_access = 2 * C*H*W + 2 * C (input read, output written, gamma and beta read)
    """
    flops = 7 * x.numel + 3 * x.h * x.w
    return Result(x, Cost(0, flops, 2 * x.c, x.numel, 2 * x.numel + 2 * x.c))


def _activation(name: str, per_element: int) -> Callable[[Shape], Result]:
    def activation(x: Shape) -> Result:
        return Result(x, Cost(0, per_element * x.numel, 0, x.numel, 2 * x.numel))

    activation.__doc__ = (
        f"{name} activation, element-wise.\n\n"
        f"    FLOPs = {per_element} * C*H*W; mem_access = 2 * C*H*W (read, write)\n"
    )
    return activation


def _ptflops(rule: Rule) -> Counts:
    """Counted by ptflops alone, by `rule`."""
    return counts(paper=IGNORED, ptflops=rule, fvcore=IGNORED, thop=IGNORED, torch=IGNORED)


PTFLOPS_OUTPUTS = _ptflops(OUTPUTS)
ACT_CALLS: dict[str, dict[str, Counts]] = {
    "relu": {
        "nn.ReLU": _ptflops(
            Rule("2 x output elements (module hook + patched F.relu)", lambda x: 2 * x.out.numel)
        ),
        "F.relu": PTFLOPS_OUTPUTS,
    },
    "relu6": {
        "nn.ReLU6": _ptflops(
            Rule("output elements (calls F.hardtanh, not patched)", OUTPUTS.count)
        ),
        "F.relu6": PTFLOPS_OUTPUTS,
    },
    "sigmoid": {"nn.Sigmoid": UNCOUNTED, "torch.sigmoid": UNCOUNTED},
    "hsigmoid": {"nn.Hardsigmoid": UNCOUNTED, "F.hardsigmoid": UNCOUNTED},
    "swish": {
        "nn.SiLU": _ptflops(
            Rule("output elements (no module hook; patched F.silu)", OUTPUTS.count)
        ),
        "F.silu": PTFLOPS_OUTPUTS,
    },
    "hswish": {"nn.Hardswish": UNCOUNTED, "F.hardswish": UNCOUNTED},
    "gelu": {
        "nn.GELU": _ptflops(
            Rule("2 x output elements (module hook + patched F.gelu)", lambda x: 2 * x.out.numel)
        ),
        "F.gelu": PTFLOPS_OUTPUTS,
    },
}
"""The PyTorch module and function computing each activation, as the conventions count them."""

FUSED_ACTIVATIONS = ("relu", "relu6", "sigmoid", "hsigmoid", "hswish")
"""The activations ONNX Runtime fuses into the node before (its FusedConv and NCHWc
convolutions take these; swish becomes a node of its own, gelu several)."""

for _name, _per_element in ACT_FLOPS.items():
    register(
        _name,
        storage="inplace",
        elementwise=True,
        calls=ACT_CALLS[_name],
        fuses="act" if _name in FUSED_ACTIVATIONS else "",
    )(_activation(_name, _per_element))


@register("scale", elementwise=True, calls={"Tensor.__mul__": UNCOUNTED})
def scale(x: Shape) -> Result:
    """A learnable scale per channel: ConvNeXt's layer scale, a C x 1 x 1 parameter times the
    input (torchvision's `self.layer_scale * x`).

    params = C; FLOPs = C*H*W (a multiply per element); mem_access = 2 * C*H*W + C
    """
    return Result(x, Cost(0, x.numel, x.c, x.numel, 2 * x.numel + x.c))


def _pool(y: Shape, x: Shape, per_output: int) -> Result:
    return Result(y, Cost(0, per_output * y.numel, 0, y.numel, x.numel + y.numel))


def _pool_sides(pad: Pad, k: Pair) -> tuple[int, int, int, int] | None:
    """A pool's padding (as pad_sides gives it), refused beyond half the kernel on any side, as
    PyTorch refuses it: pad <= k // 2 along each axis, whatever the dilation. 'same' (None) is
    TensorFlow's rule, which pads by the kernel and stride instead."""
    sides = pad_sides(pad)
    if sides is not None:
        (kh, kw), (top, bottom, left, right) = as_pair(k), sides
        for p, n in ((top, kh), (bottom, kh), (left, kw), (right, kw)):
            require(
                p <= n // 2,
                f"pad ({p}) must be at most half the kernel size ({n}), as PyTorch's pools require",
            )
    return sides


@register(
    "maxpool",
    calls={"nn.MaxPool2d": _ptflops(MODULE_AND_FUNCTION), "F.max_pool2d": _ptflops(INPUTS)},
    example={"k": 3, "stride": 2},
)
def maxpool(
    x: Shape,
    *,
    k: Pair,
    stride: Pair | None = None,
    pad: Pad = 0,
    dilation: Pair = 1,
    ceil: bool = False,
) -> Result:
    """Max pooling; stride defaults to k; `ceil` is PyTorch's ceil_mode; `pad` as conv's
    (default 0; 'same' is TensorFlow's SAME: H_out = ceil(H / stride)); a number must be at most
    half the kernel (PyTorch's rule).

    FLOPs = (k_h * k_w - 1) comparisons per output element; mem_access = in + out.
    NB: windows clipped by padding or ceil mode are counted as full windows.
    """
    _at_least(1, k=k, stride=stride, dilation=dilation)
    y = _window(x, k, k if stride is None else stride, _pool_sides(pad, k), dilation, ceil)
    kh, kw = as_pair(k)
    return _pool(y, x, kh * kw - 1)


AVG_POOL2D = counts(
    paper=IGNORED, ptflops=MODULE_AND_FUNCTION, fvcore=IGNORED, thop=OUTPUTS, torch=IGNORED
)
"""How the conventions count nn.AvgPool2d (avgpool, and gap in some implementations)."""


@register(
    "avgpool",
    calls={"nn.AvgPool2d": AVG_POOL2D, "F.avg_pool2d": _ptflops(INPUTS)},
    example={"k": 2},
)
def avgpool(
    x: Shape, *, k: Pair, stride: Pair | None = None, pad: Pad = 0, ceil: bool = False
) -> Result:
    """Average pooling; stride defaults to k; `ceil` is PyTorch's ceil_mode; `pad` as conv's
    (default 0; 'same' is TensorFlow's SAME: H_out = ceil(H / stride)); a number must be at most
    half the kernel (PyTorch's rule).

    FLOPs = k_h * k_w per output element (k*k - 1 adds and one divide); mem_access = in + out.
    NB: windows clipped by padding or ceil mode are counted as full windows.
    """
    _at_least(1, k=k, stride=stride)
    y = _window(x, k, k if stride is None else stride, _pool_sides(pad, k), 1, ceil)
    kh, kw = as_pair(k)
    return _pool(y, x, kh * kw)


def _bins(size: int, n: int) -> int:
    """Total length of PyTorch's adaptive-pool bins [floor(i*size/n), ceil((i+1)*size/n)).

    sum over i < n of ceil((i+1)s/n) - floor(is/n) = s + n - gcd(s, n): the bins tile the input
    and overlap by one wherever a boundary i*s/n is not whole (n - gcd(s, n) of them).
    """
    return size + n - gcd(size, n)


def _thop_adaptive(x: LayerCost) -> int:
    """thop's adaptive pooling: (H_in/H_out * W_in/W_out + 1) * output elements, computed in
    float64 and truncated, as thop does (calc_func.calculate_adaptive_avg)."""
    i, y = x.inputs[0], x.out
    return int((i.h / y.h * (i.w / y.w) + 1) * y.numel)


ADAPTIVE_CALLS = {
    "nn.AdaptiveAvgPool2d": counts(
        paper=IGNORED,
        ptflops=MODULE_AND_FUNCTION,
        fvcore=INPUTS,
        thop=Rule("(H_in/H_out * W_in/W_out + 1) x outputs, in float64", _thop_adaptive),
        torch=IGNORED,
    ),
    "F.adaptive_avg_pool2d": counts(
        paper=IGNORED, ptflops=INPUTS, fvcore=INPUTS, thop=IGNORED, torch=IGNORED
    ),
}
"""How the conventions count PyTorch's adaptive average pooling (adaptive_avgpool, gap)."""


@register("adaptive_avgpool", calls=ADAPTIVE_CALLS, example={"size": 3})
def adaptive_avgpool(x: Shape, *, size: Pair) -> Result:
    """Adaptive average pooling to a fixed size (PyTorch's AdaptiveAvgPool2d).

    FLOPs = sum of all bin areas * C (each input of a bin is added, one divide per output)
    mem_access = in + out
    """
    _at_least(1, size=size)
    sh, sw = as_pair(size)
    y = Shape(x.c, sh, sw)
    flops = _bins(x.h, sh) * _bins(x.w, sw) * x.c
    return Result(y, Cost(0, flops, 0, y.numel, x.numel + y.numel))


@register("gap", calls={**ADAPTIVE_CALLS, "Tensor.mean": UNCOUNTED, "nn.AvgPool2d": AVG_POOL2D})
def gap(x: Shape) -> Result:
    """Global average pooling to C x 1 x 1: adaptive_avgpool with size 1.

    FLOPs = C*H*W; mem_access = C*H*W + C
    """
    return adaptive_avgpool(x, size=1)


def _per_mode(text: str, nearest: int, bilinear: int) -> Rule:
    """A rule counting `nearest` or `bilinear` per output element, by the layer's mode."""
    return Rule(text, lambda x: (bilinear if arg(x, "bilinear") else nearest) * x.out.numel)


FVCORE_UPSAMPLE = _per_mode("output elements, 4 x if bilinear", 1, 4)


@register(
    "upsample",
    elementwise=True,
    calls={
        "nn.Upsample": counts(
            paper=IGNORED,
            ptflops=Rule(
                "2 x output elements (module hook + patched F.interpolate)",
                lambda x: 2 * x.out.numel,
            ),
            fvcore=FVCORE_UPSAMPLE,
            thop=_per_mode("output elements, 11 x if bilinear", 1, 11),
            torch=IGNORED,
        ),
        "F.interpolate": counts(
            paper=IGNORED, ptflops=OUTPUTS, fvcore=FVCORE_UPSAMPLE, thop=IGNORED, torch=IGNORED
        ),
    },
    example={"scale_factor": 2},
)
def upsample(
    x: Shape, *, size: Pair | None = None, scale_factor: Pair | None = None, bilinear: bool = False
) -> Result:
    """Resizing, as PyTorch's nn.Upsample and F.interpolate do: to `size`, or by a whole
    `scale_factor` (H_out = H * scale_factor; likewise W); mode 'nearest', or 'bilinear' with
    `bilinear: true` (align_corners changes no count).

    FLOPs: nearest 0 (a copy); bilinear 7 per output element (four neighbours weighted and
    summed: 4 multiplies, 3 adds; the weights depend only on the row and the column)
    mem_access = C*H*W + C*H_out*W_out
    """
    require(size is None or scale_factor is None, "give size or scale_factor, not both")
    _at_least(1, size=size, scale_factor=scale_factor)
    if size is not None:
        y = Shape(x.c, *as_pair(size))
    elif scale_factor is not None:
        sh, sw = as_pair(scale_factor)
        y = _fits(Shape(x.c, x.h * sh, x.w * sw))
    else:
        raise ShapeError("give size or scale_factor (one of them)")
    flops = 7 * y.numel if bilinear else 0
    return Result(y, Cost(0, flops, 0, y.numel, x.numel + y.numel))


def _agree(xs: tuple[Shape, ...], *fields: str) -> bool:
    """Whether all shapes agree on `fields` (element-wise for arrays of sizes)."""
    return all(every(getattr(x, f) == getattr(xs[0], f)) for x in xs[1:] for f in fields)


def _elementwise(xs: tuple[Shape, ...], y: Shape) -> Result:
    flops = (len(xs) - 1) * y.numel
    return Result(y, Cost(0, flops, 0, y.numel, sum(x.numel for x in xs) + y.numel))


@register(
    "add",
    variadic=True,
    storage="inplace",
    elementwise=True,
    fuses="add",
    calls={"Tensor.__add__": UNCOUNTED, "torch.add": _ptflops(MERGE)},
)
def add(xs: tuple[Shape, ...]) -> Result:
    """Element-wise sum of n equal shapes (residual shortcuts).

    FLOPs = (n - 1) * C*H*W; mem_access = n * C*H*W read + C*H*W written
    """
    if not _agree(xs, "c", "h", "w"):  # messages built only when needed: sizes may be arrays
        raise ShapeError("add needs equal shapes, got " + " + ".join(map(str, xs)))
    return _elementwise(xs, xs[0])


@register(
    "mul",
    variadic=True,
    elementwise=True,
    calls={"Tensor.__mul__": UNCOUNTED, "torch.mul": _ptflops(MERGE)},
)
def mul(xs: tuple[Shape, ...]) -> Result:
    """Element-wise product, broadcasting 1x1 maps over H x W (squeeze-and-excitation).

    FLOPs = (n - 1) * C*H*W of the output; mem_access = inputs read + output written
    """
    h, w = largest(x.h for x in xs), largest(x.w for x in xs)
    ok = _agree(xs, "c") and all(
        every(((x.h == 1) | (x.h == h)) & ((x.w == 1) | (x.w == w))) for x in xs
    )
    if not ok:
        raise ShapeError(
            "mul needs equal channels and sizes equal or 1, got " + " * ".join(map(str, xs))
        )
    return _elementwise(xs, Shape(xs[0].c, h, w))


@register("concat", variadic=True, calls={"torch.cat": UNCOUNTED})
def concat(xs: tuple[Shape, ...]) -> Result:
    """Concatenation along channels (equal H and W).

    FLOPs = 0; mem_access = inputs read + output written (a copy)
    """
    if not _agree(xs, "h", "w"):
        raise ShapeError("concat needs equal H and W, got " + ", ".join(map(str, xs)))
    y = Shape(sum(x.c for x in xs), xs[0].h, xs[0].w)
    return Result(y, Cost(0, 0, 0, y.numel, 2 * y.numel))


@register(
    "split", storage="view", calls={"Tensor.chunk": UNCOUNTED}, example={"parts": 2, "index": 1}
)
def split(x: Shape, *, parts: int, index: int) -> Result:
    """Channel split into `parts` equal chunks, taking chunk `index` (ShuffleNet V2).

    A view: all counts 0.
    """
    _at_least(1, parts=parts)
    require(0 <= index < parts, f"index {index} out of range for {plural(parts, 'part')}")
    require(x.c % parts == 0, f"{x.c} channels cannot be split into {parts} equal parts")
    return Result(Shape(x.c // parts, x.h, x.w), Cost())


@register(
    "shuffle",
    "channel_shuffle",
    elementwise=True,
    calls={"Tensor.transpose": UNCOUNTED},
    example={"groups": 2},
)
def shuffle(x: Shape, *, groups: int) -> Result:
    """Channel shuffle (ShuffleNet v1, Sec. 3.1): a permutation of channels.

    FLOPs = 0; mem_access = 2 * C*H*W (every element read and written)
    """
    _at_least(1, groups=groups)
    require(x.c % groups == 0, f"groups ({groups}) must divide channels ({x.c})")
    return Result(x, Cost(0, 0, 0, x.numel, 2 * x.numel))


@register("flatten", storage="view", calls={"torch.flatten": UNCOUNTED})
def flatten(x: Shape) -> Result:
    """Flatten C x H x W to C*H*W x 1 x 1. A view: all counts 0."""
    return Result(Shape(x.numel), Cost())


@register(
    "identity",
    "dropout",
    storage="view",
    calls={"nn.Dropout": UNCOUNTED, "nn.Identity": UNCOUNTED},
)
def identity(x: Shape) -> Result:
    """Identity (also dropout, which is the identity at inference). All counts 0."""
    return Result(x, Cost())
