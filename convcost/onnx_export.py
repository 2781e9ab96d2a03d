"""Report -> ONNX model: every costed layer written as the ONNX nodes that compute it.

Each layer kind has one emitter (EMITTERS, kind -> function) writing the nodes that
convcost/onnx_import.py reads back as that kind, so `import_onnx` of an export gives the
report's layers again, cost for cost, under the same paths: a layer's last node is named by
its path, its output tensor too, and its weights `PATH.weight`, `PATH.bias` (PyTorch's names).
Views (split, flatten, dropout, identity) become Slice, Flatten and Identity nodes, which the
importer reads as views: they add no layer, as in an export of a PyTorch model.

Tensors are NCHW, except where a kind needs another layout: pwlinear and layernorm compute on
channels last (NHWC, as ConvNeXt's nn.Linear and nn.LayerNorm), fc on (N, C). A tensor is
converted (Transpose, Reshape, Flatten: views) once per layout it is read in.

Weights are random (numpy's default_rng(SEED), float32, the values mean nothing) in the exact
shapes the layer kinds imply, so the graph's params are convcost's. The onnx package (an
optional extra) and numpy are imported only when a model is built.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from convcost.counting import arg
from convcost.errors import ConvcostError
from convcost.files import write_output
from convcost.layers import as_pair, pad_sides
from convcost.onnx_import import INSTALL
from convcost.report import LayerCost, Report
from convcost.shapes import Shape, same_pad

if TYPE_CHECKING:
    import numpy as np
    import onnx

DEFAULT_OPSET = 18
MIN_OPSET = 13
"""The oldest opset written: Resize, Clip and Slice as ONNX defines them since 13."""
EXTERNAL_FROM_BYTES = 100 * 2**20
"""Weights over this many bytes in all go to an external data file beside the model."""
INLINE_LIMIT = 2**30
"""Weights over this many bytes go to an external data file whatever the threshold asked:
protobuf refuses to serialize a message over 2 GB."""
EXTERNAL_TENSOR_BYTES = 1024
"""In an external data file, the tensors of at least this many bytes (onnx's own default)."""
SEED = 0
"""Of numpy's default_rng, for the weights' random values."""

Layout = Literal["flat", "nchw", "nhwc"]
"""How a tensor holds convcost's Shape(c, h, w): (N, C) (fc outputs, flattened maps), NCHW, or
NHWC (channels last)."""
CHANNEL_AXIS: dict[Layout, int] = {"flat": 1, "nchw": 1, "nhwc": 3}


class Tensor(NamedTuple):
    """A value of the graph: its name, layout and convcost shape."""

    name: str
    layout: Layout
    shape: Shape

    def dims(self, batch: int) -> tuple[int, ...]:
        """Its ONNX dims, `batch` first."""
        c, h, w = self.shape
        return {"flat": (batch, c), "nchw": (batch, c, h, w), "nhwc": (batch, h, w, c)}[self.layout]


class Weight(NamedTuple):
    """A float32 initializer to fill with random values uniform in mean +- bound."""

    name: str
    dims: tuple[int, ...]
    bound: float
    mean: float = 0.0

    @property
    def nbytes(self) -> int:
        return 4 * math.prod(self.dims)


def build_model(report: Report, opset: int = DEFAULT_OPSET, batch: int = 1) -> onnx.ModelProto:
    """The ONNX model of `report`'s network for `batch` images (1 unless given), NCHW input,
    weights inline (a model over 2 GB cannot be serialized so: `export_onnx` writes such weights
    to an external file)."""
    model, weights = _graph(report, opset, batch)
    _fill(model, weights, None)
    return model


def export_onnx(
    report: Report,
    path: str,
    opset: int = DEFAULT_OPSET,
    external_from_bytes: int = EXTERNAL_FROM_BYTES,
    batch: int = 1,
) -> None:
    """Write the ONNX model of `report`'s network for `batch` images to `path` (see
    `build_model`). If its weights
    take more than `external_from_bytes`, those of at least EXTERNAL_TENSOR_BYTES go to
    `PATH.data` beside it (the model names it by its file name, as ONNX's external data
    does). Each file is replaced atomically (convcost.files.write_output), the data first."""
    model, weights = _graph(report, opset, batch)
    if sum(w.nbytes for w in weights) <= min(external_from_bytes, INLINE_LIMIT):
        _fill(model, weights, None)
    else:
        location, chunks = os.path.basename(path) + ".data", list[bytes]()
        _fill(model, weights, (location, chunks))
        folder = os.path.dirname(os.path.realpath(path))  # where write_output puts the model
        write_output(os.path.join(folder, location), b"".join(chunks))
        chunks.clear()  # their memory back before the model is serialized
    write_output(path, model.SerializeToString())


def _onnx() -> Any:
    """The onnx package, or a ConvcostError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ConvcostError(f"writing ONNX files needs the onnx package: {INSTALL}") from None
    return onnx


def _graph(report: Report, opset: int, batch: int) -> tuple[onnx.ModelProto, list[Weight]]:
    """The model without its weights' values, and the weights to fill in, in graph order."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConvcostError(f"batch must be a whole number of at least 1, got {batch!r}")
    onnx = _onnx()
    newest = int(onnx.defs.onnx_opset_version())
    if not MIN_OPSET <= opset <= newest:
        raise ConvcostError(
            f"opset {opset} is not supported: convcost writes opsets {MIN_OPSET} to {newest}"
        )
    if not report.layers:
        raise ConvcostError(f"{report.network} has no layers to export")
    ex = _Exporter(onnx, opset, batch)
    x = Tensor(ex.unique("input"), "nchw", report.input)
    outs: list[Tensor] = []
    read: set[int] = set()
    for i, layer in enumerate(report.layers):
        emitter = EMITTERS.get(layer.kind)
        if emitter is None:
            raise ConvcostError(
                f"layer kind '{layer.kind}' cannot be exported to ONNX", path=layer.path
            )
        sources = layer.sources or (i - 1,)  # as memory.py reads a layer without them
        read.update(sources)
        outs.append(emitter(ex, layer, [x if s < 0 else outs[s] for s in sources]))
    results = [t for i, t in enumerate(outs) if i not in read]  # the last, and any unread
    h = onnx.helper
    graph = h.make_graph(
        ex.nodes,
        report.network,
        [_value_info(onnx, x, batch)],
        [_value_info(onnx, t, batch) for t in results],
        ex.constants,
        doc_string=report.title,
    )
    model = h.make_model(
        graph,
        opset_imports=[h.make_opsetid("", opset)],
        producer_name="convcost",
        producer_version=_version(),
    )
    model.ir_version = h.find_min_ir_version_for(list(model.opset_import))
    h.set_model_props(model, {k: str(v) for k, v in report.params.items()})
    return model, ex.weights


def _version() -> str:
    from convcost import __version__

    return __version__


def _value_info(onnx: Any, t: Tensor, batch: int) -> Any:
    return onnx.helper.make_tensor_value_info(t.name, onnx.TensorProto.FLOAT, t.dims(batch))


def _fill(
    model: onnx.ModelProto, weights: Sequence[Weight], external: tuple[str, list[bytes]] | None
) -> None:
    """Add the weights' initializers with their random values, inline, or with `external`
    (location, chunks) those of at least EXTERNAL_TENSOR_BYTES as chunks of that file."""
    import numpy as np
    from onnx import TensorProto

    rng = np.random.default_rng(SEED)
    offset = 0
    for w in weights:
        t = model.graph.initializer.add(name=w.name, data_type=TensorProto.FLOAT, dims=w.dims)
        chunk = _values(rng, w).astype("<f4", copy=False).tobytes()  # ONNX's byte order
        if external is None or len(chunk) < EXTERNAL_TENSOR_BYTES:
            t.raw_data = chunk
            continue
        location, chunks = external
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", offset), ("length", len(chunk))):
            t.external_data.add(key=key, value=str(value))
        chunks.append(chunk)
        offset += len(chunk)


def _values(rng: np.random.Generator, w: Weight) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Uniform in mean +- bound (PyTorch's default initialisation is uniform too)."""
    import numpy as np

    values = rng.random(w.dims, dtype=np.float32)  # in [0, 1)
    values *= np.float32(2 * w.bound)
    values += np.float32(w.mean - w.bound)
    return values


class _Exporter:
    """The graph being written for `batch` images: nodes, small constants, the weights to fill,
    unique names."""

    def __init__(self, onnx: Any, opset: int, batch: int) -> None:
        self.onnx = onnx
        self.opset = opset
        self.batch = batch
        self.nodes: list[Any] = []
        self.constants: list[Any] = []  # small tensors, always inline (shapes, bounds)
        self.weights: list[Weight] = []
        self.names: set[str] = set()
        self.scalars: dict[float, str] = {}
        self.views: dict[tuple[str, Layout], Tensor] = {}

    def unique(self, base: str) -> str:
        """`base`, or `base_2`, `base_3`, ... if taken: every tensor's name is its own."""
        name, n = base, 1
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def op(self, op: str, inputs: Sequence[str], name: str, **attrs: Any) -> str:
        """Add a node named `name`; its one output, named after it."""
        out = self.unique(name)
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [out], name, **attrs))
        return out

    def layer(
        self, layer: LayerCost, op: str, inputs: Sequence[str], layout: Layout, **attrs: Any
    ) -> Tensor:
        """The node computing `layer` (its last one): named by the layer's path, as its output."""
        return Tensor(self.op(op, inputs, layer.path, **attrs), layout, layer.out)

    def weight(self, name: str, dims: Sequence[int], bound: float, mean: float = 0.0) -> str:
        """A float32 initializer of random values uniform in mean +- bound, filled when the
        model is written."""
        w = Weight(self.unique(name), tuple(dims), bound, mean)
        self.weights.append(w)
        return w.name

    def scalar(self, value: float) -> str:
        """A float32 scalar constant (a bound, an epsilon), one per value."""
        if value not in self.scalars:
            t = self.onnx.helper.make_tensor(
                self.unique(f"const:{value:g}"), self.onnx.TensorProto.FLOAT, [], [value]
            )
            self.constants.append(t)
            self.scalars[value] = t.name
        return self.scalars[value]

    def ints(self, name: str, values: Sequence[int]) -> str:
        """An int64 vector constant (a shape, slice bounds)."""
        t = self.onnx.helper.make_tensor(
            self.unique(name), self.onnx.TensorProto.INT64, [len(values)], list(values)
        )
        self.constants.append(t)
        return str(t.name)

    def need(self, t: Tensor, layout: Layout) -> Tensor:
        """`t` in `layout`: itself, or a view of it (see `convert`), made once per layout."""
        if t.layout == layout:
            return t
        key = (t.name, layout)
        if key not in self.views:
            self.views[key] = self.convert(t, layout)
        return self.views[key]

    def convert(self, t: Tensor, layout: Layout) -> Tensor:
        """A view of `t` in another layout: (N, C) to NCHW by Reshape, NCHW to (N, C*H*W) by
        Flatten, NCHW to and from NHWC by Transpose; (N, C) to and from NHWC through NCHW."""
        if "nchw" not in (t.layout, layout):
            return self.need(self.need(t, "nchw"), layout)
        name = f"{t.name}:{layout}"
        if t.layout == "flat":
            dims = self.ints(f"{name}_dims", (self.batch, t.shape.c, 1, 1))
            return Tensor(self.op("Reshape", [t.name, dims], name), layout, t.shape)
        if layout == "flat":
            flat = self.op("Flatten", [t.name], name, axis=1)
            return Tensor(flat, layout, Shape(t.shape.numel))
        perm = [0, 2, 3, 1] if layout == "nhwc" else [0, 3, 1, 2]
        return Tensor(self.op("Transpose", [t.name], name, perm=perm), layout, t.shape)

    def alike(self, xs: Sequence[Tensor]) -> list[Tensor]:
        """Inputs of a merge in one layout: theirs if they share one, else NCHW."""
        if len({x.layout for x in xs}) == 1:
            return list(xs)
        return [self.need(x, "nchw") for x in xs]


Emitter = Callable[[_Exporter, LayerCost, list[Tensor]], Tensor]
EMITTERS: dict[str, Emitter] = {}
"""Layer kind -> the function writing its nodes, from the layer and its input tensors."""


def emits(*kinds: str) -> Callable[[Emitter], Emitter]:
    """Register an emitter for layer kinds (a kind's aliases too)."""

    def deco(fn: Emitter) -> Emitter:
        for kind in kinds:
            EMITTERS[kind] = fn
        return fn

    return deco


def _fan_in(inputs: int) -> float:
    """Weights' bound: 1 / sqrt(fan-in), as PyTorch's default for convolutions and Linears, so
    activations keep their scale through depth."""
    return 1 / math.sqrt(inputs)


def _bias(ex: _Exporter, layer: LayerCost, channels: int) -> list[str]:
    """[PATH.bias] if the layer has a bias, else []."""
    return [ex.weight(f"{layer.path}.bias", (channels,), 0.1)] if arg(layer, "bias") else []


def _onnx_pads(x: Shape, layer: LayerCost, k: tuple[int, int]) -> list[int]:
    """The layer's padding in ONNX order (top, left, bottom, right), 'same' resolved as the
    formulas resolve it (shapes.same_pad with the layer's kernel, stride and dilation)."""
    sides = pad_sides(arg(layer, "pad"))
    if sides is None:
        stride = arg(layer, "stride")
        (sh, sw), (dh, dw) = as_pair(k if stride is None else stride), _dilation(layer)
        (top, bottom), (left, right) = same_pad(x.h, k[0], sh, dh), same_pad(x.w, k[1], sw, dw)
    else:
        top, bottom, left, right = sides
    return [top, left, bottom, right]


def _dilation(layer: LayerCost) -> tuple[int, int]:
    return as_pair(arg(layer, "dilation")) if "dilation" in layer.facts.args else (1, 1)


@emits("conv", "dwconv")
def _conv(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Conv; dwconv is a Conv of C_in groups."""
    x = ex.need(xs[0], "nchw")
    c_in, y = x.shape.c, layer.out
    groups = arg(layer, "groups") if "groups" in layer.facts.args else c_in
    k = as_pair(arg(layer, "k"))
    fan_in = c_in // groups * k[0] * k[1]
    w = ex.weight(f"{layer.path}.weight", (y.c, c_in // groups, *k), _fan_in(fan_in))
    return ex.layer(
        layer,
        "Conv",
        [x.name, w, *_bias(ex, layer, y.c)],
        "nchw",
        kernel_shape=list(k),
        strides=list(as_pair(arg(layer, "stride"))),
        pads=_onnx_pads(x.shape, layer, k),
        dilations=list(_dilation(layer)),
        group=groups,
    )


@emits("deconv")
def _deconv(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """ConvTranspose, weights (C_in, C_out / groups, k_h, k_w)."""
    x = ex.need(xs[0], "nchw")
    c_in, y, groups = x.shape.c, layer.out, arg(layer, "groups")
    k = as_pair(arg(layer, "k"))
    bound = _fan_in(c_in // groups * k[0] * k[1])
    w = ex.weight(f"{layer.path}.weight", (c_in, y.c // groups, *k), bound)
    return ex.layer(
        layer,
        "ConvTranspose",
        [x.name, w, *_bias(ex, layer, y.c)],
        "nchw",
        kernel_shape=list(k),
        strides=list(as_pair(arg(layer, "stride"))),
        pads=_onnx_pads(x.shape, layer, k),
        output_padding=list(as_pair(arg(layer, "output_padding"))),
        dilations=list(_dilation(layer)),
        group=groups,
    )


@emits("fc", "linear")
def _fc(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Gemm on (batch, N), weights (out, N) (transB, as PyTorch's nn.Linear); Flatten before it."""
    x = ex.need(xs[0], "flat")
    n, out = x.shape.c, layer.out.c
    w = ex.weight(f"{layer.path}.weight", (out, n), _fan_in(n))
    return ex.layer(layer, "Gemm", [x.name, w, *_bias(ex, layer, out)], "flat", transB=1)


@emits("pwlinear")
def _pwlinear(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """MatMul by (C, out) on channels last, then Add of the bias (as ConvNeXt's nn.Linear)."""
    x = ex.need(xs[0], "nhwc")
    c, out = x.shape.c, layer.out.c
    w = ex.weight(f"{layer.path}.weight", (c, out), _fan_in(c))
    bias = _bias(ex, layer, out)
    if not bias:
        return ex.layer(layer, "MatMul", [x.name, w], "nhwc")
    product = ex.op("MatMul", [x.name, w], f"{layer.path}:matmul")
    return ex.layer(layer, "Add", [product, *bias], "nhwc")


@emits("bn")
def _bn(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """BatchNormalization over axis 1 (NCHW or (N, C)); running mean 0 and variance 1."""
    x = xs[0] if xs[0].layout == "flat" else ex.need(xs[0], "nchw")
    c, p = x.shape.c, layer.path
    stats = [ex.weight(f"{p}.running_mean", (c,), 0.0), ex.weight(f"{p}.running_var", (c,), 0, 1)]
    affine = [ex.weight(f"{p}.weight", (c,), 0.1, 1.0), ex.weight(f"{p}.bias", (c,), 0.1)]
    return ex.layer(layer, "BatchNormalization", [x.name, *affine, *stats], x.layout)


LAYER_NORM_EPS = 1e-6
"""ConvNeXt's."""


@emits("layernorm")
def _layernorm(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """LayerNormalization over the last axis (channels last) from opset 17; before, its
    decomposed form: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add."""
    x = xs[0] if xs[0].layout == "flat" else ex.need(xs[0], "nhwc")
    c, p = x.shape.c, layer.path
    gamma, beta = ex.weight(f"{p}.weight", (c,), 0.1, 1.0), ex.weight(f"{p}.bias", (c,), 0.1)
    if ex.opset >= 17:
        return ex.layer(
            layer,
            "LayerNormalization",
            [x.name, gamma, beta],
            x.layout,
            axis=-1,
            epsilon=LAYER_NORM_EPS,
        )
    mean = ex.op("ReduceMean", [x.name], f"{p}:mean", axes=[-1])
    centred = ex.op("Sub", [x.name, mean], f"{p}:sub")
    square = ex.op("Pow", [centred, ex.scalar(2.0)], f"{p}:pow")
    var = ex.op("ReduceMean", [square], f"{p}:var", axes=[-1])
    shifted = ex.op("Add", [var, ex.scalar(LAYER_NORM_EPS)], f"{p}:add_eps")
    std = ex.op("Sqrt", [shifted], f"{p}:sqrt")
    normed = ex.op("Div", [centred, std], f"{p}:div")
    scaled = ex.op("Mul", [normed, gamma], f"{p}:mul")
    return ex.layer(layer, "Add", [scaled, beta], x.layout)


def _activation(op: str, **attrs: Any) -> Emitter:
    """An element-wise op of one input, in the input's layout."""

    def emit(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
        return ex.layer(layer, op, [xs[0].name], xs[0].layout, **attrs)

    return emit


HARD_SIGMOID = {"alpha": 1 / 6, "beta": 0.5}
"""PyTorch's hardsigmoid, relu6(x + 3) / 6, as HardSigmoid's alpha and beta."""

EMITTERS.update(
    relu=_activation("Relu"),
    sigmoid=_activation("Sigmoid"),
    hsigmoid=_activation("HardSigmoid", **HARD_SIGMOID),
    identity=_activation("Identity"),
    dropout=_activation("Identity"),
)


def _times_self(ex: _Exporter, layer: LayerCost, x: Tensor, op: str, **attrs: Any) -> Tensor:
    """x * op(x)."""
    gate = ex.op(op, [x.name], f"{layer.path}:{op.lower()}", **attrs)
    return ex.layer(layer, "Mul", [x.name, gate], x.layout)


@emits("relu6")
def _relu6(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Clip to [0, 6]."""
    bounds = [ex.scalar(0.0), ex.scalar(6.0)]
    return ex.layer(layer, "Clip", [xs[0].name, *bounds], xs[0].layout)


@emits("swish")
def _swish(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """x * Sigmoid(x) (PyTorch's exporters write SiLU so)."""
    return _times_self(ex, layer, xs[0], "Sigmoid")


@emits("hswish")
def _hswish(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """HardSwish from opset 14; x * HardSigmoid(x) before."""
    if ex.opset >= 14:
        return ex.layer(layer, "HardSwish", [xs[0].name], xs[0].layout)
    return _times_self(ex, layer, xs[0], "HardSigmoid", **HARD_SIGMOID)


@emits("gelu")
def _gelu(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Gelu from opset 20; x * 0.5 * (1 + erf(x / sqrt 2)) before (Div, Erf, Add, Mul, Mul)."""
    x, p = xs[0], layer.path
    if ex.opset >= 20:
        return ex.layer(layer, "Gelu", [x.name], x.layout)
    scaled = ex.op("Div", [x.name, ex.scalar(math.sqrt(2))], f"{p}:div")
    erf = ex.op("Erf", [scaled], f"{p}:erf")
    shifted = ex.op("Add", [erf, ex.scalar(1.0)], f"{p}:add")
    product = ex.op("Mul", [x.name, shifted], f"{p}:mul")
    return ex.layer(layer, "Mul", [product, ex.scalar(0.5)], x.layout)


@emits("scale")
def _scale(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Mul by one weight per channel: (C, 1, 1) on NCHW, (C) on channels last or (N, C)."""
    x = xs[0]
    c = x.shape.c
    dims = (c, 1, 1) if x.layout == "nchw" else (c,)
    w = ex.weight(f"{layer.path}.weight", dims, 0.1, 1.0)
    return ex.layer(layer, "Mul", [x.name, w], x.layout)


def _window(ex: _Exporter, layer: LayerCost, x: Tensor, op: str, **attrs: Any) -> Tensor:
    """MaxPool or AveragePool with the layer's kernel, stride, pads and ceil mode."""
    k = as_pair(arg(layer, "k"))
    stride = arg(layer, "stride")
    return ex.layer(
        layer,
        op,
        [x.name],
        "nchw",
        kernel_shape=list(k),
        strides=list(as_pair(k if stride is None else stride)),
        pads=_onnx_pads(x.shape, layer, k),
        ceil_mode=int(arg(layer, "ceil")),
        **attrs,
    )


@emits("maxpool")
def _maxpool(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """MaxPool (with dilations)."""
    x = ex.need(xs[0], "nchw")
    return _window(ex, layer, x, "MaxPool", dilations=list(_dilation(layer)))


@emits("avgpool")
def _avgpool(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """AveragePool, padding counted in the average (PyTorch's count_include_pad)."""
    x = ex.need(xs[0], "nchw")
    return _window(ex, layer, x, "AveragePool", count_include_pad=1)


@emits("adaptive_avgpool")
def _adaptive_avgpool(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """An AveragePool of kernel and stride H / size (and W / size), where they divide: ONNX has
    no adaptive pooling, and its uneven bins are no AveragePool."""
    x = ex.need(xs[0], "nchw")
    (sh, sw), (h, w) = as_pair(arg(layer, "size")), (x.shape.h, x.shape.w)
    if h % sh or w % sw:
        raise ConvcostError(
            f"adaptive_avgpool from {h}x{w} to {sh}x{sw} cannot be exported to ONNX: it has no "
            "adaptive pooling, and pooling to a size that does not divide the input is no "
            "AveragePool",
            path=layer.path,
        )
    k = [h // sh, w // sw]
    return ex.layer(layer, "AveragePool", [x.name], "nchw", kernel_shape=k, strides=k)


@emits("gap")
def _gap(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """GlobalAveragePool."""
    return ex.layer(layer, "GlobalAveragePool", [ex.need(xs[0], "nchw").name], "nchw")


RESIZE_NEAREST = {
    "mode": "nearest",
    "coordinate_transformation_mode": "asymmetric",
    "nearest_mode": "floor",
}
"""PyTorch's nearest interpolation as Resize's attributes."""
RESIZE_BILINEAR = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
"""PyTorch's bilinear interpolation (align_corners=False)."""


@emits("upsample")
def _upsample(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Resize to the output's sizes: nearest (PyTorch's: asymmetric, floor) or linear."""
    x, y = ex.need(xs[0], "nchw"), layer.out
    sizes = ex.ints(f"{layer.path}:sizes", (ex.batch, y.c, y.h, y.w))
    mode = RESIZE_BILINEAR if arg(layer, "bilinear") else RESIZE_NEAREST
    return ex.layer(layer, "Resize", [x.name, "", "", sizes], "nchw", **mode)


@emits("add")
def _add(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Add of two; Sum of more."""
    ins = ex.alike(xs)
    return ex.layer(layer, "Add" if len(ins) == 2 else "Sum", [t.name for t in ins], ins[0].layout)


@emits("mul")
def _mul(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Mul, broadcasting a 1x1 map (squeeze-and-excitation); of two inputs only: ONNX has no
    product of more, and a chain of Muls would be several layers."""
    if len(xs) != 2:
        raise ConvcostError(
            f"a product of {len(xs)} inputs cannot be exported to ONNX (its Mul takes two)",
            path=layer.path,
        )
    a, b = ex.alike(xs)
    return ex.layer(layer, "Mul", [a.name, b.name], a.layout)


@emits("concat")
def _concat(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Concat along the channels."""
    ins = ex.alike(xs)
    layout = ins[0].layout
    return ex.layer(layer, "Concat", [t.name for t in ins], layout, axis=CHANNEL_AXIS[layout])


@emits("split")
def _split(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Slice of the channels [index * C / parts, (index + 1) * C / parts) (a view)."""
    x, p = xs[0], layer.path
    part = layer.out.c
    start = arg(layer, "index") * part
    bounds = [
        ex.ints(f"{p}:{what}", [v]) for what, v in (("starts", start), ("ends", start + part))
    ]
    axes = ex.ints(f"{p}:axes", [CHANNEL_AXIS[x.layout]])
    return ex.layer(layer, "Slice", [x.name, *bounds, axes], x.layout)


@emits("shuffle", "channel_shuffle")
def _shuffle(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Reshape (N, g, C / g, H, W), Transpose (0, 2, 1, 3, 4), Reshape (N, C, H, W)."""
    x, p, g = ex.need(xs[0], "nchw"), layer.path, arg(layer, "groups")
    c, h, w = x.shape
    grouped = ex.ints(f"{p}:grouped", (ex.batch, g, c // g, h, w))
    split = ex.op("Reshape", [x.name, grouped], f"{p}:reshape")
    swapped = ex.op("Transpose", [split], f"{p}:transpose", perm=[0, 2, 1, 3, 4])
    back = ex.ints(f"{p}:shape", (ex.batch, c, h, w))
    return ex.layer(layer, "Reshape", [swapped, back], "nchw")


@emits("flatten")
def _flatten(ex: _Exporter, layer: LayerCost, xs: list[Tensor]) -> Tensor:
    """Flatten to (N, C*H*W) (a view), from NCHW."""
    x = xs[0] if xs[0].layout == "flat" else ex.need(xs[0], "nchw")
    return ex.layer(layer, "Flatten", [x.name], "flat", axis=1)
