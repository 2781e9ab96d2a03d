"""ONNX graph -> Report: every node mapped to convcost's own layer kinds (convcost/layers.py).

Only the graph is read, never the weights: the onnx package's generated protobuf module
(onnx_ml_pb2) is loaded on its own, without the package's initialisation (which imports numpy
and ml_dtypes and takes a second), and parses the file; a weight is known by its name, type
and dims alone, so external data may be absent. Shapes are threaded from the graph input by
the layer kinds' formulas (value_info, where the exporter wrote it, is only checked against
them). Layers are costed by `report.run_layer`, exactly as a spec's are; views (reshape,
transpose, slice, split, flatten, dropout, identity) add no layer, and shape arithmetic
(Shape, Gather, Cast, Constant, ...) is evaluated and free. docs/onnx.md has the op list.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, NamedTuple

from convcost.checks import UNKNOWN_MODES
from convcost.errors import ConvcostError, plural
from convcost.files import read_bytes
from convcost.layers import KINDS
from convcost.limits import MAX_LAYERS, MAX_SIZE
from convcost.report import LayerCost, Report, run_layer
from convcost.shapes import Shape, same_pad

INSTALL = "pip install 'convcost[onnx]'"
MAX_ONNX_BYTES = 2**31 - 1
"""Protobuf's own limit on a message; a graph without its weights is far smaller."""
MAX_DATA = 1 << 20
"""Elements of a constant tensor evaluated at most (shape arithmetic needs a handful)."""

FLOAT_TYPES = frozenset({1, 10, 11, 16, 17, 18, 19, 20, 23, 24})
"""TensorProto data types holding real numbers (float32/16/64, bfloat16, float8, float4)."""
ARRAY_CODES = {7: "q", 6: "i", 5: "h", 4: "H", 3: "b", 2: "B", 9: "B", 12: "I", 13: "Q"}
ARRAY_CODES.update({1: "f", 11: "d"})
"""array typecodes of the TensorProto data types whose raw_data this reader decodes."""
EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL
ATTR_FLOAT, ATTR_INT, ATTR_STRING, ATTR_TENSOR, ATTR_FLOATS, ATTR_INTS = 1, 2, 3, 4, 6, 7


@cache
def _schema() -> Any:
    """The onnx package's generated protobuf module, loaded alone (see the module docstring);
    the package's own copy if it is imported already."""
    loaded = sys.modules.get("onnx.onnx_ml_pb2")
    if loaded is not None:
        return loaded
    found = importlib.util.find_spec("onnx")
    where = found.submodule_search_locations if found else None
    if not where:
        raise ConvcostError(f"reading ONNX files needs the onnx package: {INSTALL}")
    spec = importlib.util.spec_from_file_location(
        "convcost_onnx_ml_pb2", os.path.join(where[0], "onnx_ml_pb2.py")
    )
    try:
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as e:  # a broken install, or protobuf older than the onnx package's code
        raise ConvcostError(
            f"cannot load the onnx package's schema ({type(e).__name__}: {e}): {INSTALL}"
        ) from None
    return module


def parse_input(text: str) -> tuple[int, ...]:
    """--input: NxCxHxW (the graph input's dims, e.g. 1x3x224x224) or HxWxC (as `convcost
    layer --in`), each from 1 to MAX_SIZE."""
    parts = text.lower().replace("*", "x").replace(",", "x").split("x")
    digits = [p.strip() for p in parts]
    if len(digits) not in (3, 4) or not all(d.isdigit() and len(d) <= 9 for d in digits):
        raise ConvcostError(
            f"bad --input {text[:40]!r}: expected NxCxHxW such as 1x3x224x224, or HxWxC"
        )
    dims = [int(d) for d in digits]
    if not all(1 <= d <= MAX_SIZE for d in dims):
        raise ConvcostError(f"bad --input {text[:40]!r}: each size is from 1 to {MAX_SIZE:,}")
    if len(dims) == 3:
        h, w, c = dims
        return 1, c, h, w
    return tuple(dims)


class Act(NamedTuple):
    """A tensor computed at run time: its dims (batch first), the layer writing it (-1: the
    network input) and the axis of its channels (1, or the last after NCHW -> NHWC)."""

    dims: tuple[int, ...]
    src: int
    caxis: int = 1


class Const(NamedTuple):
    """A tensor known before run time: an initializer, a Constant, or shape arithmetic. `data`
    is its values flattened (None for weights, whose values are never read)."""

    dims: tuple[int, ...]
    data: tuple[Any, ...] | None
    floating: bool


Value = Act | Const


class Fused(NamedTuple):
    """Nodes that together compute one layer kind (x * sigmoid(x) is swish)."""

    kind: str
    op: str  # how messages name it
    x: str  # the input activation
    nodes: tuple[int, ...]  # in graph order; the last one's output is the result
    weights: tuple[str, ...]  # the float initializers it uses


def numel(dims: Iterable[int]) -> int:
    """Elements of a tensor of these dims."""
    return math.prod(dims)


def import_onnx(
    path: str, input_dims: str | None = None, unknown: str = "error", label: str | None = None
) -> Report:
    """The Report of the ONNX model at `path`, per sample (batch 1). `input_dims` fills or
    checks the input's sizes (see parse_input); `unknown`: "error" refuses an op convcost has
    no kind for, "zero" counts it as free and lists it in the report's params."""
    return _importer(path, input_dims, unknown, label).run()


def import_onnx_tensors(
    path: str, input_dims: str | None = None, unknown: str = "error", label: str | None = None
) -> tuple[Report, list[str]]:
    """`import_onnx`'s Report, and the graph tensor each of its layers writes (the output of
    the node it was made of): what `convcost measure` maps ONNX Runtime's nodes back by."""
    im = _importer(path, input_dims, unknown, label)
    return im.run(), im.tensors


def _importer(path: str, input_dims: str | None, unknown: str, label: str | None) -> _Importer:
    """The importer of the ONNX model at `path`, its file read and checked (import_onnx)."""
    label = path if label is None else label
    if unknown not in UNKNOWN_MODES:
        raise ConvcostError(f"--unknown must be error or zero, got {unknown!r}")
    data = read_bytes(path, label, "ONNX model", MAX_ONNX_BYTES)
    schema = _schema()
    try:
        model = schema.ModelProto.FromString(data)
    except Exception as e:  # protobuf's DecodeError: not a protobuf, or cut short
        raise ConvcostError(f"cannot read {label}: not an ONNX model ({e})") from None
    if model.ir_version <= 0 or not model.HasField("graph") or not model.graph.node:
        raise ConvcostError(f"cannot read {label}: not an ONNX model (no graph)")
    wanted = parse_input(input_dims) if input_dims is not None else None
    return _Importer(model, label, wanted, unknown)


class _Importer:
    """One pass over the graph's nodes in order (ONNX requires topological order)."""

    def __init__(
        self, model: Any, label: str, wanted: tuple[int, ...] | None, unknown: str
    ) -> None:
        self.model = model
        self.graph = model.graph
        self.label = label
        self.unknown_mode = unknown
        self.nodes = list(self.graph.node)
        self.values: dict[str, Value] = {}
        self.layers: list[LayerCost] = []
        self.tensors: list[str] = []  # each layer's output tensor: its node's first output
        self.modules: list[str] = []  # each layer's module path (see _paths)
        self.unknown: list[tuple[str, str]] = []  # (node, op) counted as free
        self.extra_pads: dict[int, tuple[int, int, int, int]] = {}  # node -> Pad folded in
        self.producer: dict[str, int] = {}
        self.consumers: dict[str, list[int]] = {}
        for i, node in enumerate(self.nodes):
            for name in node.output:
                self.producer[name] = i
            for name in node.input:
                self.consumers.setdefault(name, []).append(i)
        self.outputs = {o.name for o in self.graph.output}
        self.declared = _declared(self.graph)
        for t in self.graph.initializer:
            self.values[t.name] = self.constant(t)
        self.input_name, self.input = self.network_input(wanted)
        self.values[self.input_name] = self.input
        self.fused: dict[int, Fused] = {}
        for i, node in enumerate(self.nodes):
            match = MATCHERS.get(node.op_type)
            found = match(self, i) if match and i not in self.fused else None
            if found is not None and not any(j in self.fused for j in found.nodes):
                self.fused.update(dict.fromkeys(found.nodes, found))

    # -- reading ------------------------------------------------------------------------

    def where(self, node: Any) -> str:
        """How messages name a node: the file, the node's name and its op."""
        name = node.name or f"#{self.nodes.index(node)}"
        return f"{self.label}: node '{name}' ({node.op_type})"

    def fail(self, node: Any, message: str, hint: str = "") -> ConvcostError:
        return ConvcostError(f"{self.where(node)}: {message}", hint=hint)

    def constant(self, t: Any) -> Const:
        """An initializer or a Constant's tensor; integer values read if inline and small."""
        dims = tuple(int(d) for d in t.dims)
        floating = t.data_type in FLOAT_TYPES
        if t.data_location == EXTERNAL or numel(dims) > MAX_DATA:
            return Const(dims, None, floating)
        return Const(dims, _tensor_data(t, numel(dims), self.label), floating)

    def network_input(self, wanted: tuple[int, ...] | None) -> tuple[str, Act]:
        """The graph's one data input, its dynamic sizes filled from --input."""
        inputs = [v for v in self.graph.input if v.name not in self.values]
        if len(inputs) != 1:
            names = ", ".join(v.name for v in inputs[:5]) or "none"
            raise ConvcostError(
                f"{self.label}: convcost reads networks of one input; this graph has "
                f"{plural(len(inputs), 'input')} ({names})"
            )
        (v,) = inputs
        dims = [d.dim_value if d.HasField("dim_value") else 0 for d in _dims(v)]
        if wanted is not None and len(wanted) != len(dims):
            raise ConvcostError(
                f"{self.label}: --input has {len(wanted)} sizes, the input "
                f"'{v.name}' has {len(dims)} dims"
            )
        if wanted is not None:
            for i, (d, w) in enumerate(zip(dims, wanted, strict=True)):
                if d > 0 and d != w:
                    raise ConvcostError(
                        f"{self.label}: --input {'x'.join(map(str, wanted))} does not fit the "
                        f"graph's input {_shown_dims(dims)}: dim {i} is fixed at {d}"
                    )
            dims = list(wanted)
        if len(dims) not in (2, 4) or any(d <= 0 for d in dims):
            raise ConvcostError(
                f"{self.label}: the input '{v.name}' is {_shown_dims(dims)}; give its sizes "
                "with --input NxCxHxW, e.g. --input 1x3x224x224"
                if any(d <= 0 for d in dims)
                else f"{self.label}: the input '{v.name}' is {_shown_dims(dims)}; convcost "
                "reads images (NxCxHxW) and vectors (NxC)"
            )
        if dims[0] != 1:
            raise ConvcostError(
                f"{self.label}: the input has batch {dims[0]}; convcost counts one sample: "
                "export with batch 1 or a dynamic batch"
            )
        if max(dims) > MAX_SIZE:
            raise ConvcostError(f"{self.label}: an input size is over {MAX_SIZE:,}")
        return v.name, Act(tuple(dims), -1)

    # -- the pass -------------------------------------------------------------------------

    def run(self) -> Report:
        """Every node in order, then the report."""
        for i in range(len(self.nodes)):
            fused = self.fused.get(i)
            if fused is None:
                self.node(i)
            elif i == fused.nodes[-1]:
                self.fuse(fused)
        missing = [name for name in self.outputs if name not in self.values]
        if missing:
            raise ConvcostError(
                f"cannot read {self.label}: no node computes the output '{missing[0]}' (is the "
                "file cut short?)"
            )
        layers = tuple(
            layer._replace(path=path)
            for layer, path in zip(self.layers, _paths(self.modules, self.layers), strict=True)
        )
        params: dict[str, Any] = {"input": "x".join(map(str, self.input.dims))}
        if self.unknown:
            params["unknown"] = "; ".join(f"{name} ({op})" for name, op in self.unknown)
        graph = self.graph.name or "graph"
        title = f"{os.path.basename(self.label)} ({graph}, {_producer(self.model)})"
        name, ext = os.path.splitext(os.path.basename(self.label))
        return Report.of(
            name if ext.lower() == ".onnx" else name + ext,
            params,
            self.shape(self.input),
            layers,
            title,
        )

    def node(self, i: int) -> None:
        """One node: its handler, or unknown."""
        node = self.nodes[i]
        handler = HANDLERS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if handler is None:
            self.free(node, node.op_type if not node.domain else f"{node.domain}.{node.op_type}")
            return
        handler(self, i, node)

    def get(self, node: Any, k: int) -> Value | None:
        """The node's k-th input; None if absent or empty (an omitted optional input)."""
        if k >= len(node.input) or not node.input[k]:
            return None
        name = node.input[k]
        if name not in self.values:
            raise self.fail(node, f"input '{name}' is not produced before it")
        return self.values[name]

    def act(self, node: Any, k: int = 0) -> Act:
        """The node's k-th input, which must be computed at run time."""
        v = self.get(node, k)
        if not isinstance(v, Act):
            raise self.fail(node, f"input {k} must be a tensor computed at run time")
        return v

    def const(self, node: Any, k: int) -> Const | None:
        v = self.get(node, k)
        if isinstance(v, Act):
            raise self.fail(node, f"input {k} must be a constant, not computed at run time")
        return v

    def ints(self, node: Any, k: int, attr: str | None = None) -> tuple[int, ...] | None:
        """Integers given as attribute `attr` (older opsets) or as constant input k."""
        if attr is not None and attr in (a := _attrs(node)):
            value = a[attr]
            return (value,) if isinstance(value, int) else tuple(value)
        c = self.const(node, k)
        if c is None:
            return None
        if c.data is None or c.floating:
            raise self.fail(node, f"input {k} must be integers known before run time")
        return tuple(int(v) for v in c.data)

    def numbers(self, node: Any, k: int) -> tuple[Any, ...] | None:
        """The values of constant input k; None if it is absent or empty."""
        c = self.const(node, k)
        if c is None or numel(c.dims) == 0:
            return None
        if c.data is None:
            raise self.fail(node, f"input {k} must be known before run time")
        return c.data

    def shape(self, t: Act, node: Any = None, caxis: int | None = None) -> Shape:
        """convcost's Shape(c, h, w) of an (N, C) or 4-D tensor of batch 1, channels at
        `caxis` (default: the tensor's own)."""
        dims, axis = t.dims, t.caxis if caxis is None else caxis
        if len(dims) not in (2, 4) or dims[0] != 1:
            what = f"{self.where(node)}: " if node is not None else ""
            raise ConvcostError(
                f"{what}convcost costs (N, C) and 4-D tensors of batch 1; this input is "
                f"{_shown_dims(dims)}"
            )
        if len(dims) == 2:
            return Shape(dims[1])
        h, w = (d for i, d in enumerate(dims[1:], 1) if i != axis)
        return Shape(dims[axis], h, w)

    def emit(
        self,
        node: Any,
        kind: str,
        inputs: Sequence[Act],
        args: dict[str, Any],
        caxis: int | None = None,
        weights: Sequence[str] = (),
        op: str = "",
    ) -> Shape | None:
        """Cost one layer of `kind` on `inputs` (channels at `caxis`, else each input's own);
        None if the kind is not registered (the node is then unknown, named `op`, else by its
        op type). `weights`: the float initializers the layer uses, whose elements must be the
        params the formula gives."""
        if kind not in KINDS:
            self.free(node, op or node.op_type)
            return None
        if len(self.layers) >= MAX_LAYERS:
            raise self.fail(node, f"the network has more than {MAX_LAYERS:,} layers")
        shapes = [self.shape(t, node, caxis) for t in inputs]
        try:
            layer = run_layer(kind, shapes, args, "")
        except ConvcostError as e:
            raise self.fail(node, e.message, e.hint) from None
        expected = sum(_param_count(self.values[w]) for w in weights)
        if expected != layer.cost.params:
            raise self.fail(
                node,
                f"its weights hold {expected:,} params, convcost's '{kind}' gives "
                f"{layer.cost.params:,}",
            )
        self.layers.append(layer._replace(sources=tuple(t.src for t in inputs)))
        self.tensors.append(str(node.output[0]))
        self.modules.append(self.module(node))
        return layer.out

    def put(self, node: Any, value: Value, k: int = 0) -> None:
        """Set the node's k-th output, checked against the shape the graph declares."""
        name = node.output[k]
        declared = self.declared.get(name)
        if declared is not None and declared != value.dims:
            raise self.fail(
                node,
                f"convcost computes its output as {_shown_dims(value.dims)}, the graph "
                f"declares {_shown_dims(declared)}",
            )
        self.values[name] = value

    def out(self, node: Any, y: Shape | None, like: Act, caxis: int | None = None) -> None:
        """The node's output: Shape `y` laid out as `like` (channels at `caxis`, else like's);
        the node's own layer wrote it; nothing if the node was left unknown (see `free`)."""
        if y is None:
            return
        axis = like.caxis if caxis is None else caxis
        if len(like.dims) == 2:
            dims: tuple[int, ...] = (1, y.c)
        else:
            spatial = iter((y.h, y.w))
            dims = tuple(1 if i == 0 else y.c if i == axis else next(spatial) for i in range(4))
        self.put(node, Act(dims, len(self.layers) - 1, axis))

    def free(self, node: Any, op: str) -> None:
        """An op convcost has no kind for: an error, or (--unknown zero) free and listed, its
        outputs shaped as the graph declares them, else as its first input."""
        if self.unknown_mode == "error":
            raise self.fail(
                node,
                f"convcost has no layer kind for {op}",
                hint=f"supported ops: {', '.join(supported_ops())}; --unknown zero counts "
                "unknown nodes as free and lists them",
            )
        self.unknown.append((node.name or f"#{self.nodes.index(node)}", op))
        first = next((v for k in range(len(node.input)) if (v := self.get(node, k))), None)
        for k, name in enumerate(node.output):
            dims = self.declared.get(name)
            if isinstance(first, Act):
                self.put(node, first if dims is None else Act(dims, first.src), k)
            else:
                self.put(node, Const(dims or (first.dims if first else ()), None, True), k)

    def module(self, node: Any) -> str:
        """The module path of a node (see docs/onnx.md, "Layer paths")."""
        for name in node.input[1:2]:
            w = self.values.get(name)
            if isinstance(w, Const) and w.floating and name.endswith(".weight") and ":" not in name:
                return str(name).removesuffix(".weight")
        for prop in node.metadata_props:
            if prop.key == "pkg.torch.onnx.name_scopes":
                import ast

                try:
                    scopes = ast.literal_eval(prop.value)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    break
                if isinstance(scopes, list) and len(scopes) >= 2:
                    return str(scopes[-2])
        if node.name.startswith("/"):
            parts: list[str] = []
            for seg in node.name.split("/")[1:-1]:
                if parts and seg.startswith(parts[-1] + "."):
                    parts[-1] = seg
                else:
                    parts.append(seg)
            return ".".join(parts)
        return node.name if not node.name.startswith("node_") else ""

    # -- fused patterns ---------------------------------------------------------------------

    def only(self, name: str) -> Any:
        """The one node reading `name` (None if several, none, or it is a graph output)."""
        readers = self.consumers.get(name, [])
        if len(readers) != 1 or name in self.outputs:
            return None
        return self.nodes[readers[0]]

    def is_const(self, name: str) -> bool:
        """Whether `name` is known before run time: an initializer or a Constant's output."""
        if name in self.values:
            return isinstance(self.values[name], Const)
        i = self.producer.get(name)
        return i is not None and self.nodes[i].op_type == "Constant"

    def other(self, node: Any, name: str) -> str | None:
        """The other input of a two-input node one of whose inputs is `name`."""
        ins = list(node.input)
        if len(ins) != 2 or name not in ins:
            return None
        return str(ins[1] if ins[0] == name else ins[0])

    def fuse(self, f: Fused) -> None:
        """Cost a fused pattern at its last node."""
        last = self.nodes[f.nodes[-1]]
        x = self.values[f.x]
        assert isinstance(x, Act)
        if f.kind == "shuffle":
            groups = self.shuffle_groups(f)
            if groups is None:  # not a channel shuffle after all: three views
                for i in f.nodes:
                    self.node(i)
                return
            self.out(last, self.emit(last, "shuffle", [x], {"groups": groups}, 1), x, 1)
            return
        if f.kind == "linear":
            _linear(self, last, x, f.weights)
            return
        caxis = x.caxis
        if f.kind == "layernorm":  # over the last axis (channels last), as nn.LayerNorm
            axes = self.ints(self.nodes[f.nodes[0]], 1, "axes")
            caxis = len(x.dims) - 1
            if axes is None or [a % len(x.dims) for a in axes] != [caxis]:
                self.free(last, "LayerNormalization (decomposed, not over the last axis)")
                return
        self.out(last, self.emit(last, f.kind, [x], {}, caxis, f.weights, f.op), x, caxis)

    def shuffle_groups(self, f: Fused) -> int | None:
        """g of a channel shuffle Reshape(N, g, C/g, H, W) - Transpose - Reshape(N, C, H, W)."""
        first, last = self.nodes[f.nodes[0]], self.nodes[f.nodes[-1]]
        x = self.values[f.x]
        assert isinstance(x, Act)
        mid, end = self.ints(first, 1), self.ints(last, 1)
        if mid is None or end is None or len(x.dims) != 4 or x.caxis != 1:
            return None
        n, c, h, w = x.dims
        try:
            split = _reshaped(x.dims, mid, False)
            back = _reshaped(x.dims, end, False)
        except ValueError:
            return None
        g = split[1]
        if split != (n, g, c // g, h, w) or back != x.dims:
            return None
        return g


# -- handlers: each takes the importer, the node's index and the node --------------------

Handler = Callable[[_Importer, int, Any], None]
HANDLERS: dict[str, Handler] = {}


def handles(*ops: str) -> Callable[[Handler], Handler]:
    """Register a handler for ONNX op types."""

    def deco(fn: Handler) -> Handler:
        for op in ops:
            HANDLERS[op] = fn
        return fn

    return deco


def _window_args(im: _Importer, i: int, node: Any, x: Act, k: tuple[int, int]) -> dict[str, Any]:
    """stride, dilation and pad (top, bottom, left, right) of a Conv or a pool, from its
    attributes (auto_pad included) and any Pad folded into it."""
    a = _attrs(node)
    stride = _pair(a.get("strides", (1, 1)), node, im, "strides")
    dilation = _pair(a.get("dilations", (1, 1)), node, im, "dilations")
    auto = a.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        sides = []
        for size, kk, s, d in zip(x.dims[2:], k, stride, dilation, strict=True):
            before, after = same_pad(size, kk, s, d)
            sides.append((before, after) if auto == "SAME_UPPER" else (after, before))
        pads = (sides[0][0], sides[1][0], sides[0][1], sides[1][1])  # ONNX order
    elif auto == "VALID":
        pads = (0, 0, 0, 0)
    elif auto in ("NOTSET", ""):
        pads = tuple(a.get("pads", (0, 0, 0, 0)))
        if len(pads) != 4:
            raise im.fail(node, f"pads must have 4 values for a 2-D window, got {len(pads)}")
    else:
        raise im.fail(node, f"unknown auto_pad {auto!r}")
    extra = im.extra_pads.get(i, (0, 0, 0, 0))
    top, left, bottom, right = (p + e for p, e in zip(pads, extra, strict=True))
    return {"stride": stride, "dilation": dilation, "pad": (top, bottom, left, right)}


def _pair(v: Sequence[int], node: Any, im: _Importer, what: str) -> tuple[int, int]:
    if len(v) != 2:
        raise im.fail(node, f"convcost reads 2-D windows; {what} is {list(v)}")
    return int(v[0]), int(v[1])


def _image(im: _Importer, node: Any) -> Act:
    """The node's data input, an NCHW image (channels at axis 1, as ONNX defines it)."""
    x = im.act(node)
    if len(x.dims) != 4:
        raise im.fail(node, f"convcost reads 2-D images (N, C, H, W); this is {x.dims}")
    return x._replace(caxis=1)


def _filters(im: _Importer, node: Any, what: str) -> tuple[Act, tuple[int, ...]]:
    """The image and the dims of the constant 4-D weights of a Conv or a ConvTranspose."""
    x = _image(im, node)
    w = im.const(node, 1)
    if w is None or len(w.dims) != 4:
        raise im.fail(node, f"convcost reads 2-D {what} with constant weights")
    return x, w.dims


@handles("Conv")
def _conv(im: _Importer, i: int, node: Any) -> None:
    x, dims = _filters(im, node, "convolutions")
    groups = int(_attrs(node).get("group", 1))
    out, per_group, kh, kw = dims
    if per_group * groups != x.dims[1]:
        raise im.fail(
            node,
            f"weights {_shown_dims(dims)} with {groups} groups do not fit "
            f"{x.dims[1]} input channels",
        )
    bias = im.get(node, 2) is not None
    args = {"out": out, "k": (kh, kw), **_window_args(im, i, node, x, (kh, kw))}
    args.update(groups=groups, bias=bias)
    used = node.input[1 : 3 if bias else 2]
    im.out(node, im.emit(node, "conv", [x], args, 1, used), x, 1)


@handles("MaxPool", "AveragePool")
def _pool(im: _Importer, i: int, node: Any) -> None:
    x = _image(im, node)
    a = _attrs(node)
    k = _pair(a.get("kernel_shape", ()), node, im, "kernel_shape")
    args = _window_args(im, i, node, x, k)
    axes = zip(x.dims[2:], k, args["stride"], args["dilation"], strict=True)
    if args["pad"] == tuple(p for n, kk, s, d in axes for p in same_pad(n, kk, s, d)):
        args["pad"] = "same"  # TensorFlow's SAME, which pools take beyond half their kernel
    args.update(k=k, ceil=bool(a.get("ceil_mode", 0)))
    kind = "maxpool" if node.op_type == "MaxPool" else "avgpool"
    if kind == "avgpool" and args.pop("dilation") != (1, 1):
        raise im.fail(node, "convcost's avgpool has no dilation")
    if len(node.output) > 1 and node.output[1]:
        raise im.fail(node, "MaxPool's indices output is not supported")
    im.out(node, im.emit(node, kind, [x], args, 1), x, 1)


@handles("GlobalAveragePool")
def _gap(im: _Importer, i: int, node: Any) -> None:
    x = _image(im, node)
    im.out(node, im.emit(node, "gap", [x], {}, 1), x, 1)


@handles("ReduceMean")
def _reduce_mean(im: _Importer, i: int, node: Any) -> None:
    """ReduceMean over H and W is global average pooling; of constants, evaluated."""
    x = im.get(node, 0)
    axes = im.ints(node, 1, "axes")
    if isinstance(x, Act) and len(x.dims) == 4 and sorted(a % 4 for a in axes or ()) == [2, 3]:
        y = im.emit(node, "gap", [x], {}, 1)
        if _attrs(node).get("keepdims", 1):
            im.out(node, y, x._replace(caxis=1), 1)
        elif y is not None:
            im.put(node, Act((1, y.c), len(im.layers) - 1))
        return
    im.free(node, "ReduceMean (over other axes than H and W)")


@handles("Gemm")
def _gemm(im: _Importer, i: int, node: Any) -> None:
    x = im.act(node)
    w = im.const(node, 1)
    a = _attrs(node)
    if w is None or len(w.dims) != 2 or a.get("transA", 0) or len(x.dims) != 2:
        raise im.fail(node, "convcost reads Gemm as a fully connected layer: x (N, K) @ weights")
    out = w.dims[0] if a.get("transB", 0) else w.dims[1]
    bias = im.get(node, 2) is not None
    used = node.input[1 : 3 if bias else 2]
    im.out(node, im.emit(node, "fc", [x], {"out": out, "bias": bias}, 1, used), x, 1)


@handles("MatMul")
def _matmul(im: _Importer, i: int, node: Any) -> None:
    """x @ W with a weight initializer: a Linear (fc on (N, K); per position otherwise)."""
    x, w = im.get(node, 0), im.get(node, 1)
    if isinstance(x, Const) and isinstance(w, Const):
        im.put(node, Const(_matmul_dims(im, node, x.dims, w.dims), None, x.floating))
        return
    if not (isinstance(x, Act) and isinstance(w, Const) and len(w.dims) == 2):
        im.free(node, "MatMul (of two computed tensors)")
        return
    _linear(im, node, x, node.input[1:2])


def _linear(im: _Importer, node: Any, x: Act, used: Sequence[str]) -> None:
    """x @ W (+ b, if `used` names a bias too): fc on (N, K), pwlinear at every position of a
    channels-last image (ConvNeXt's MLP)."""
    w = im.values[used[0]]
    assert isinstance(w, Const)
    axis = len(x.dims) - 1
    if x.dims[axis] != w.dims[0]:
        raise im.fail(node, f"cannot multiply {_shown_dims(x.dims)} by {_shown_dims(w.dims)}")
    kind = "fc" if len(x.dims) == 2 else "pwlinear"
    args = {"out": w.dims[1], "bias": len(used) == 2}
    im.out(node, im.emit(node, kind, [x], args, axis, used), x, axis)


@handles("LayerNormalization")
def _layer_norm(im: _Importer, i: int, node: Any) -> None:
    """Over the last axis: layernorm (nn.LayerNorm on channels last, ConvNeXt's)."""
    x = im.act(node)
    axis = len(x.dims) - 1
    if int(_attrs(node).get("axis", -1)) % len(x.dims) != axis:
        im.free(node, "LayerNormalization (over more than the last axis)")
        return
    im.out(node, im.emit(node, "layernorm", [x], {}, axis, node.input[1:3]), x, axis)


@handles("ConvTranspose")
def _deconv(im: _Importer, i: int, node: Any) -> None:
    x, dims = _filters(im, node, "transposed convolutions")
    a = _attrs(node)
    groups = int(a.get("group", 1))
    c_in, per_group, kh, kw = dims
    if c_in != x.dims[1]:
        raise im.fail(node, f"weights {_shown_dims(dims)} do not fit {x.dims[1]} channels")
    stride = _pair(a.get("strides", (1, 1)), node, im, "strides")
    dilation = _pair(a.get("dilations", (1, 1)), node, im, "dilations")
    extra = _pair(a.get("output_padding", (0, 0)), node, im, "output_padding")
    auto, shape = a.get("auto_pad", "NOTSET"), a.get("output_shape")
    if shape or auto in ("SAME_UPPER", "SAME_LOWER"):  # pads from the output's size (ONNX)
        sides = []
        wanted = shape[-2:] if shape else (0, 0)
        for n, k, s, d, o, want in zip(
            x.dims[2:], (kh, kw), stride, dilation, extra, wanted, strict=True
        ):
            total = s * (n - 1) + o + (k - 1) * d + 1 - (want or n * s)
            if total < 0:
                raise im.fail(node, "its output_shape is larger than the weights reach")
            half = total // 2
            sides.append((half, total - half) if auto == "SAME_UPPER" else (total - half, half))
        pad = (*sides[0], *sides[1])
    elif auto == "VALID":
        pad = (0, 0, 0, 0)
    else:
        top, left, bottom, right = a.get("pads", (0, 0, 0, 0))
        pad = (top, bottom, left, right)
    bias = im.get(node, 2) is not None
    args = {"out": per_group * groups, "k": (kh, kw), "stride": stride, "pad": pad}
    args.update(output_padding=extra, dilation=dilation, groups=groups, bias=bias)
    used = node.input[1 : 3 if bias else 2]
    im.out(node, im.emit(node, "deconv", [x], args, 1, used), x, 1)


@handles("Resize", "Upsample")
def _resize(im: _Importer, i: int, node: Any) -> None:
    """To sizes, or by scales (floor(size * scale)), of H and W: upsample, nearest or
    bilinear."""
    x = _image(im, node)
    a = _attrs(node)
    mode = a.get("mode", "nearest")
    if mode not in ("nearest", "linear", "bilinear"):
        im.free(node, f"{node.op_type} ({mode})")
        return
    old = node.op_type == "Upsample" or len(node.input) == 2  # (X, scales): opset 10 and before
    sizes = None if old else im.numbers(node, 3)
    scales = a.get("scales") or im.numbers(node, 1 if old else 2)
    axes = a.get("axes") or tuple(range(4))
    dims = list(x.dims)
    for axis, target in zip(axes, sizes or scales or (), strict=True):
        dims[axis] = int(target) if sizes else math.floor(x.dims[axis] * target)
    if not (sizes or scales) or dims[:2] != list(x.dims[:2]):
        raise im.fail(node, "convcost resizes H and W, by sizes or scales known before run time")
    args = {"size": (dims[2], dims[3]), "bilinear": mode != "nearest"}
    im.out(node, im.emit(node, "upsample", [x], args, 1), x, 1)


@handles("BatchNormalization")
def _batchnorm(im: _Importer, i: int, node: Any) -> None:
    x = im.act(node)
    if len(node.output) > 1 and any(node.output[1:]):
        raise im.fail(node, "BatchNormalization in training mode is not supported")
    used = node.input[1:3]  # scale and bias; the running mean and variance are no params
    im.out(node, im.emit(node, "bn", [x], {}, 1, used), x, 1)


def _activation(kind: str) -> Handler:
    def handler(im: _Importer, i: int, node: Any) -> None:
        x = im.act(node)
        im.out(node, im.emit(node, kind, [x], {}), x)

    return handler


for _op, _kind in {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "HardSigmoid": "hsigmoid",
    "HardSwish": "hswish",
}.items():
    HANDLERS[_op] = _activation(_kind)


@handles("Gelu")
def _gelu_op(im: _Importer, i: int, node: Any) -> None:
    """Gelu (opset 20): gelu, or gelu_tanh with approximate="tanh"."""
    x = im.act(node)
    tanh = _attrs(node).get("approximate") == "tanh"
    kind, op = ("gelu_tanh", "Gelu (tanh)") if tanh else ("gelu", "Gelu")
    im.out(node, im.emit(node, kind, [x], {}, op=op), x)


@handles("Clip")
def _clip(im: _Importer, i: int, node: Any) -> None:
    """Clip: max and min per element, relu6's cost (whatever the bounds); one bound: relu's;
    none: the identity."""
    a = _attrs(node)
    bounds = sum(im.get(node, k) is not None for k in (1, 2)) + len({"min", "max"} & set(a))
    if bounds == 0:
        im.put(node, im.act(node))
        return
    _activation("relu6" if bounds == 2 else "relu")(im, i, node)


@handles("Add", "Sub", "Mul", "Div")
def _arithmetic(im: _Importer, i: int, node: Any) -> None:
    """Of two computed tensors: add (Add, Sub) or mul (Mul, Div), broadcasting as those
    kinds do; of constants: evaluated; a computed tensor and a constant: unknown."""
    a, b = im.get(node, 0), im.get(node, 1)
    if a is None or b is None:
        raise im.fail(node, "needs two inputs")
    dims = _broadcast(im, node, a.dims, b.dims)
    if isinstance(a, Const) and isinstance(b, Const):
        im.put(node, Const(dims, _evaluate(node.op_type, a, b, dims), a.floating or b.floating))
        return
    if isinstance(a, Const) or isinstance(b, Const):
        k = 0 if isinstance(a, Const) else 1
        c, x = (a, b) if k == 0 else (b, a)
        assert isinstance(c, Const) and isinstance(x, Act)
        if node.op_type == "Mul" and c.floating and dims == x.dims and _per_channel(c, x):
            im.out(node, im.emit(node, "scale", [x], {}, weights=node.input[k : k + 1]), x)
        else:
            im.free(node, f"{node.op_type} with a constant")
        return
    kind = "add" if node.op_type in ("Add", "Sub") else "mul"
    like = a if a.dims == dims else b
    y = im.emit(node, kind, [a, b], {}, like.caxis)
    if y is not None and im.shape(Act(dims, -1, like.caxis), node) != y:
        raise im.fail(node, f"broadcasting {a.dims} with {b.dims} is not what '{kind}' does")
    im.out(node, y, like)


@handles("Sum")
def _sum(im: _Importer, i: int, node: Any) -> None:
    """Sum of computed tensors of one shape: an n-way add; of one: the identity."""
    parts = [im.get(node, k) for k in range(len(node.input))]
    acts = [p for p in parts if isinstance(p, Act)]
    if not acts or len(acts) != len(parts) or any(p.dims != acts[0].dims for p in acts):
        im.free(node, "Sum (of constants, or broadcasting)")
        return
    if len(acts) == 1:
        im.put(node, acts[0])
        return
    im.out(node, im.emit(node, "add", acts, {}), acts[0])


@handles("Concat")
def _concat(im: _Importer, i: int, node: Any) -> None:
    values = [im.get(node, k) for k in range(len(node.input))]
    parts = [v for v in values if v is not None]
    axis = int(_attrs(node).get("axis", 0))
    rank = len(parts[0].dims)
    axis %= max(rank, 1)
    dims = list(parts[0].dims)
    dims[axis] = sum(p.dims[axis] for p in parts)
    consts = [p for p in parts if isinstance(p, Const)]
    if len(consts) == len(parts):
        data = None
        if rank == 1 and all(p.data is not None for p in consts):
            data = tuple(v for p in consts for v in p.data or ())
        im.put(node, Const(tuple(dims), data, any(p.floating for p in consts)))
        return
    acts = [p for p in parts if isinstance(p, Act)]
    if len(acts) != len(parts) or axis != acts[0].caxis:
        im.free(node, "Concat (not along channels)")
        return
    if len(acts) == 1:
        im.put(node, acts[0])
        return
    im.out(node, im.emit(node, "concat", acts, {}), acts[0])


# -- views: no layer, the output lives in the input's buffer (PyTorch's views) -------------


def _view(
    im: _Importer, node: Any, dims: Sequence[int], caxis: int | None = None, same: bool = True
) -> None:
    """Output 0 of `node` as a view of input 0 with new dims; a constant stays constant, its
    values kept if `same` (the elements in the same order)."""
    x = im.get(node, 0)
    assert x is not None
    dims = tuple(dims)
    if isinstance(x, Const):
        im.put(node, Const(dims, x.data if same else None, x.floating))
    else:
        axis = x.caxis if caxis is None else caxis
        im.put(node, Act(dims, x.src, axis if axis < len(dims) else min(1, len(dims) - 1)))


@handles("Identity", "Dropout", "Cast", "CastLike")
def _identity(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    assert x is not None
    if isinstance(x, Const) and node.op_type.startswith("Cast") and x.data is not None:
        to = int(_attrs(node).get("to", 1)) if node.op_type == "Cast" else -1
        other = im.get(node, 1)
        floating = to in FLOAT_TYPES if to >= 0 else isinstance(other, Const) and other.floating
        data = tuple(float(v) if floating else int(v) for v in x.data)
        im.put(node, Const(x.dims, data, floating))
        return
    im.put(node, x)


@handles("Reshape")
def _reshape(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    target = im.ints(node, 1, "shape")
    if x is None or target is None:
        raise im.fail(node, "needs its data and a shape known before run time")
    try:
        dims = _reshaped(x.dims, target, bool(_attrs(node).get("allowzero", 0)))
    except ValueError as e:
        raise im.fail(node, str(e)) from None
    _view(im, node, dims, 1)


@handles("Flatten")
def _flatten(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    assert x is not None
    axis = int(_attrs(node).get("axis", 1))
    axis += len(x.dims) if axis < 0 else 0
    _view(im, node, (numel(x.dims[:axis]), numel(x.dims[axis:])), 1)


@handles("Squeeze", "Unsqueeze")
def _squeeze(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    assert x is not None
    axes = im.ints(node, 1, "axes")
    dims = list(x.dims)
    if node.op_type == "Squeeze":
        rank = len(dims)
        drop = {a % rank for a in axes} if axes else {k for k, d in enumerate(dims) if d == 1}
        dims = [d for k, d in enumerate(dims) if k not in drop]
    else:
        for a in sorted(v % (len(dims) + len(axes or ())) for v in axes or ()):
            dims.insert(a, 1)
    _view(im, node, dims, 1)


@handles("Transpose")
def _transpose(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    assert x is not None
    perm = _attrs(node).get("perm") or tuple(reversed(range(len(x.dims))))
    if sorted(perm) != list(range(len(x.dims))):
        raise im.fail(node, f"perm {list(perm)} does not fit {len(x.dims)} dims")
    caxis = list(perm).index(x.caxis) if isinstance(x, Act) else None
    _view(im, node, [x.dims[p] for p in perm], caxis, same=len(x.dims) <= 1)


@handles("Slice")
def _slice(im: _Importer, i: int, node: Any) -> None:
    """A slice (a channel split, as ShuffleNet v2's chunk): a view; of a constant vector, its
    values."""
    x = im.get(node, 0)
    assert x is not None
    starts, ends = im.ints(node, 1, "starts"), im.ints(node, 2, "ends")
    axes = im.ints(node, 3, "axes") or tuple(range(len(starts or ())))
    steps = im.ints(node, 4) or (1,) * len(axes)
    if starts is None or ends is None:
        raise im.fail(node, "needs starts and ends known before run time")
    dims = list(x.dims)
    picked: list[range] = [range(d) for d in dims]
    for s, e, a, st in zip(starts, ends, axes, steps, strict=True):
        a %= len(dims)
        picked[a] = range(dims[a])[slice(s, e, st)]
        dims[a] = len(picked[a])
    if isinstance(x, Const) and x.data is not None and len(x.dims) == 1:
        im.put(node, Const(tuple(dims), tuple(x.data[k] for k in picked[0]), x.floating))
        return
    _view(im, node, dims, same=False)


@handles("Split")
def _split(im: _Importer, i: int, node: Any) -> None:
    x = im.act(node)
    axis = int(_attrs(node).get("axis", 0)) % len(x.dims)
    sizes = im.ints(node, 1, "split")
    n = len(node.output)
    if sizes is None:
        size = -(-x.dims[axis] // n)
        sizes = tuple(min(size, x.dims[axis] - k * size) for k in range(n))
    for k, size in enumerate(sizes):
        dims = list(x.dims)
        dims[axis] = size
        im.put(node, Act(tuple(dims), x.src, x.caxis), k)


@handles("Gather")
def _gather(im: _Importer, i: int, node: Any) -> None:
    """Of constants (a size from a Shape): evaluated; of a computed tensor: a view."""
    x, idx = im.get(node, 0), im.const(node, 1)
    if x is None or idx is None:
        raise im.fail(node, "needs data and constant indices")
    axis = int(_attrs(node).get("axis", 0)) % max(len(x.dims), 1)
    dims = (*x.dims[:axis], *idx.dims, *x.dims[axis + 1 :])
    if isinstance(x, Const) and len(x.dims) == 1 and x.data is not None and idx.data is not None:
        im.put(node, Const(dims, tuple(x.data[int(k)] for k in idx.data), x.floating))
        return
    _view(im, node, dims, 1, same=False)


@handles("Pad")
def _pad(im: _Importer, i: int, node: Any) -> None:
    """Zero padding of H and W read by convolutions and pools only: folded into their pads."""
    x = im.act(node)
    pads = im.ints(node, 1, "pads")
    readers = im.consumers.get(node.output[0], [])
    ok = pads is not None and len(pads) == 8 and len(x.dims) == 4
    ok = ok and not any(pads[k] for k in (0, 1, 4, 5))  # type: ignore[index]
    ok = ok and _attrs(node).get("mode", "constant") == "constant"
    ok = ok and bool(readers) and node.output[0] not in im.outputs
    ok = ok and all(im.nodes[r].op_type in ("Conv", "MaxPool", "AveragePool") for r in readers)
    if not ok or pads is None:
        im.free(node, "Pad (not folded into a convolution or pool)")
        return
    for r in readers:
        im.extra_pads[r] = (pads[2], pads[3], pads[6], pads[7])
    im.values[node.output[0]] = x  # its readers see the unpadded input, and pad it


# -- shape arithmetic: evaluated, free ----------------------------------------------------


@handles("Constant")
def _constant(im: _Importer, i: int, node: Any) -> None:
    a = _attrs(node)
    if "value" in a:
        im.put(node, im.constant(a["value"]))
    elif "value_int" in a or "value_float" in a:
        v = a.get("value_int", a.get("value_float"))
        im.put(node, Const((), (v,), "value_float" in a))
    elif "value_ints" in a or "value_floats" in a:
        vs = tuple(a.get("value_ints", a.get("value_floats", ())))
        im.put(node, Const((len(vs),), vs, "value_floats" in a))
    else:
        im.free(node, "Constant (of this kind)")


@handles("Shape")
def _shape(im: _Importer, i: int, node: Any) -> None:
    x = im.get(node, 0)
    assert x is not None
    a = _attrs(node)
    dims = x.dims[slice(a.get("start", 0), a.get("end"))]
    im.put(node, Const((len(dims),), tuple(dims), False))


@handles("ConstantOfShape")
def _constant_of_shape(im: _Importer, i: int, node: Any) -> None:
    dims = im.ints(node, 0)
    value = _attrs(node).get("value")
    fill = im.constant(value) if value is not None else Const((1,), (0.0,), True)
    dims = dims or ()
    data = fill.data * numel(dims) if fill.data and numel(dims) <= MAX_DATA else None
    im.put(node, Const(dims, data, fill.floating))


@handles("Range")
def _range(im: _Importer, i: int, node: Any) -> None:
    start, limit, delta = (im.const(node, k) for k in range(3))
    known = [c.data[0] for c in (start, limit, delta) if c is not None and c.data]
    if len(known) != 3 or known[2] == 0:
        raise im.fail(node, "needs start, limit and delta known before run time")
    n = max(math.ceil((known[1] - known[0]) / known[2]), 0)
    data = tuple(known[0] + k * known[2] for k in range(n)) if n <= MAX_DATA else None
    im.put(node, Const((n,), data, any(isinstance(v, float) for v in known)))


# -- patterns: nodes that together are one kind --------------------------------------------

Matcher = Callable[[_Importer, int], Fused | None]


def _times_self(kind: str, op: str) -> Matcher:
    """x * f(x) (either order): swish from Sigmoid, hswish from HardSigmoid."""

    def match(im: _Importer, i: int) -> Fused | None:
        node = im.nodes[i]
        x = node.input[0]
        mul = im.only(node.output[0])
        if mul is None or mul.op_type != "Mul" or im.other(mul, node.output[0]) != x:
            return None
        return Fused(kind, op, x, (i, im.nodes.index(mul)), ())

    return match


def _gelu(im: _Importer, i: int) -> Fused | None:
    """x * 0.5 * (1 + erf(x / sqrt 2)), rooted at the Erf, the Muls in either order."""
    erf = im.nodes[i]
    div_at = im.producer.get(erf.input[0])
    if div_at is None:
        return None
    div = im.nodes[div_at]
    if div.op_type != "Div" or not im.is_const(div.input[1]) or im.only(div.output[0]) is not erf:
        return None
    x = div.input[0]
    add = im.only(erf.output[0])
    if add is None or add.op_type != "Add" or not im.is_const(im.other(add, erf.output[0]) or ""):
        return None
    m1 = im.only(add.output[0])
    m2 = im.only(m1.output[0]) if m1 is not None and m1.op_type == "Mul" else None
    if m1 is None or m2 is None or m2.op_type != "Mul":
        return None
    others = {im.other(m1, add.output[0]), im.other(m2, m1.output[0])}
    if x not in others or not all(o == x or im.is_const(o or "") for o in others):
        return None
    nodes = (div_at, i, *(im.nodes.index(n) for n in (add, m1, m2)))
    return Fused("gelu", "Gelu (erf form)", x, nodes, ())


def _layernorm(im: _Importer, i: int) -> Fused | None:
    """(x - mean) / sqrt(mean((x - mean)^2) + eps) [* weight] [+ bias], rooted at the first
    ReduceMean, as PyTorch's TorchScript exporter writes nn.LayerNorm before opset 17."""
    mean = im.nodes[i]
    x = mean.input[0]
    sub = im.only(mean.output[0])
    if sub is None or sub.op_type != "Sub" or list(sub.input) != [x, mean.output[0]]:
        return None
    readers = [im.nodes[r] for r in im.consumers.get(sub.output[0], [])]
    ops = sorted(r.op_type for r in readers)
    if ops != ["Div", "Pow"] or sub.output[0] in im.outputs:
        return None
    pow_, div = sorted(readers, key=lambda r: r.op_type != "Pow")
    chain, at = [pow_], pow_
    for op in ("ReduceMean", "Add", "Sqrt"):
        nxt = im.only(at.output[0])
        if nxt is None or nxt.op_type != op:
            return None
        chain.append(nxt)
        at = nxt
    if im.only(at.output[0]) is not div or list(div.input) != [sub.output[0], at.output[0]]:
        return None
    members, weights, end = [mean, sub, *chain, div], [], div
    for op in ("Mul", "Add"):
        nxt = im.only(end.output[0])
        w = im.other(nxt, end.output[0]) if nxt is not None and nxt.op_type == op else None
        if w is None or not isinstance(im.values.get(w), Const):
            break
        members.append(nxt)
        weights.append(w)
        end = nxt
    nodes = tuple(sorted(im.nodes.index(n) for n in members))
    return Fused("layernorm", "LayerNormalization (decomposed)", x, nodes, tuple(weights))


def _shuffle(im: _Importer, i: int) -> Fused | None:
    """Reshape (N, g, C/g, H, W) - Transpose(0, 2, 1, 3, 4) - Reshape (N, C, H, W)."""
    t = im.nodes[i]
    if tuple(_attrs(t).get("perm", ())) != (0, 2, 1, 3, 4):
        return None
    first_at = im.producer.get(t.input[0])
    last = im.only(t.output[0])
    if first_at is None or last is None or last.op_type != "Reshape":
        return None
    first = im.nodes[first_at]
    if first.op_type != "Reshape" or im.only(first.output[0]) is not t:
        return None
    return Fused(
        "shuffle", "channel shuffle", first.input[0], (first_at, i, im.nodes.index(last)), ()
    )


def _linear_bias(im: _Importer, i: int) -> Fused | None:
    """MatMul(x, W) + b, the Linear PyTorch's exporters write when x is not 2-D (or not
    fused into a Gemm)."""
    mm = im.nodes[i]
    w = im.values.get(mm.input[1]) if len(mm.input) == 2 else None
    add = im.only(mm.output[0])
    if not isinstance(w, Const) or len(w.dims) != 2 or add is None or add.op_type != "Add":
        return None
    b = im.other(add, mm.output[0])
    bias = im.values.get(b or "")
    if not isinstance(bias, Const) or bias.dims not in ((w.dims[1],), (1, w.dims[1])):
        return None
    x = im.values.get(mm.input[0])
    if isinstance(x, Const):
        return None
    return Fused(
        "linear", "MatMul + Add", mm.input[0], (i, im.nodes.index(add)), (mm.input[1], b or "")
    )


MATCHERS: dict[str, Matcher] = {
    "Sigmoid": _times_self("swish", "x * Sigmoid(x)"),
    "HardSigmoid": _times_self("hswish", "x * HardSigmoid(x)"),
    "Erf": _gelu,
    "ReduceMean": _layernorm,
    "Transpose": _shuffle,
    "MatMul": _linear_bias,
}
"""Patterns by the op type of the node they are found from."""


def supported_ops() -> list[str]:
    """The ONNX op types convcost reads, sorted."""
    return sorted(HANDLERS)


# -- helpers --------------------------------------------------------------------------------


def _attrs(node: Any) -> dict[str, Any]:
    """A node's attributes as Python values (ints, floats, strings, tuples, tensors)."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.type == ATTR_INT:
            out[a.name] = a.i
        elif a.type == ATTR_INTS:
            out[a.name] = tuple(a.ints)
        elif a.type == ATTR_FLOAT:
            out[a.name] = a.f
        elif a.type == ATTR_FLOATS:
            out[a.name] = tuple(a.floats)
        elif a.type == ATTR_STRING:
            out[a.name] = a.s.decode("utf-8", "replace")
        elif a.type == ATTR_TENSOR:
            out[a.name] = a.t
    return out


def _dims(v: Any) -> Sequence[Any]:
    """The dims of a ValueInfoProto's tensor type."""
    return list(v.type.tensor_type.shape.dim)


def _declared(graph: Any) -> dict[str, tuple[int, ...]]:
    """The static shapes the graph declares for its values (value_info and outputs)."""
    out = {}
    for v in (*graph.value_info, *graph.output):
        t = v.type.tensor_type
        if t.HasField("shape"):
            dims = [d.dim_value if d.HasField("dim_value") else 0 for d in t.shape.dim]
            if all(d > 0 for d in dims):
                out[v.name] = tuple(dims)
    return out


def _tensor_data(t: Any, n: int, label: str) -> tuple[Any, ...] | None:
    """The values of a TensorProto of n elements, from its typed field or raw_data; None for
    types not read here."""
    if t.raw_data:
        code = ARRAY_CODES.get(t.data_type)
        if code is None:
            return None
        values = array(code)
        if len(t.raw_data) != n * values.itemsize:
            raise ConvcostError(f"cannot read {label}: tensor '{t.name}' has the wrong size")
        values.frombytes(t.raw_data)
        if sys.byteorder == "big":
            values.byteswap()
        return tuple(values)
    for field in ("int64_data", "int32_data", "float_data", "double_data", "uint64_data"):
        found = getattr(t, field)
        if len(found):
            return tuple(found)
    return () if n == 0 else None


def _per_channel(c: Const, x: Act) -> bool:
    """Whether constant `c` holds one value per channel of `x` (C, or C x 1 x 1), more than
    one."""
    aligned = (1,) * (len(x.dims) - len(c.dims)) + c.dims
    others = all(d == 1 for i, d in enumerate(aligned) if i != x.caxis)
    return others and len(aligned) == len(x.dims) and aligned[x.caxis] == x.dims[x.caxis] > 1


def _param_count(v: Value) -> int:
    """Elements of a float initializer used as a weight; scalars are constants, not params."""
    if isinstance(v, Const) and v.floating and numel(v.dims) > 1:
        return numel(v.dims)
    return 0


def _broadcast(im: _Importer, node: Any, a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """Numpy-style broadcast of two dims."""
    rank = max(len(a), len(b))
    pa, pb = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb, strict=True):
        if x != y and 1 not in (x, y):
            raise im.fail(node, f"cannot broadcast {list(a)} with {list(b)}")
        out.append(max(x, y))
    return tuple(out)


def _evaluate(op: str, a: Const, b: Const, dims: tuple[int, ...]) -> tuple[Any, ...] | None:
    """Element-wise arithmetic of two constants (a scalar broadcast over the other)."""
    if a.data is None or b.data is None or numel(dims) > MAX_DATA:
        return None
    n = numel(dims)
    if len(a.data) not in (1, n) or len(b.data) not in (1, n):
        return None
    xs = a.data * n if len(a.data) == 1 else a.data
    ys = b.data * n if len(b.data) == 1 else b.data
    floating = a.floating or b.floating
    try:
        if op == "Add":
            return tuple(x + y for x, y in zip(xs, ys, strict=True))
        if op == "Sub":
            return tuple(x - y for x, y in zip(xs, ys, strict=True))
        if op == "Mul":
            return tuple(x * y for x, y in zip(xs, ys, strict=True))
        if floating:
            return tuple(x / y for x, y in zip(xs, ys, strict=True))
        return tuple(
            (abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1)  # truncated, as C does
            for x, y in zip(xs, ys, strict=True)
        )
    except (ZeroDivisionError, OverflowError):
        return None


def _matmul_dims(im: _Importer, node: Any, a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
        raise im.fail(node, f"cannot multiply {list(a)} by {list(b)}")
    return (*_broadcast(im, node, a[:-2], b[:-2]), a[-2], b[-1])


def _reshaped(dims: Sequence[int], target: Sequence[int], allowzero: bool) -> tuple[int, ...]:
    """ONNX Reshape's output dims: 0 copies the input's dim (unless allowzero), -1 is
    inferred."""
    out = [
        dims[k] if v == 0 and not allowzero and k < len(dims) else v for k, v in enumerate(target)
    ]
    total = numel(dims)
    if out.count(-1) > 1 or any(v < -1 for v in out):
        raise ValueError(f"bad reshape target {list(target)}")
    if -1 in out:
        known = numel(v for v in out if v != -1)
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape {list(dims)} to {list(target)}")
        out[out.index(-1)] = total // known
    if numel(out) != total:
        raise ValueError(f"cannot reshape {list(dims)} to {list(target)}")
    return tuple(out)


def _shown_dims(dims: Sequence[int]) -> str:
    return "x".join(str(d) if d > 0 else "?" for d in dims) or "a scalar"


def _producer(model: Any) -> str:
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    who = " ".join(p for p in (model.producer_name, model.producer_version) if p)
    return f"{who + ', ' if who else ''}opset {opset}"


def _paths(modules: Sequence[str], layers: Sequence[LayerCost]) -> list[str]:
    """Unique layer paths: a layer's module path alone if no other layer has it; layers
    sharing one get their kind appended ('layer1.0.add') where kinds differ, and a number
    where they repeat ('layer1.0.relu', 'layer1.0.relu2'); without a module, the kind."""
    from collections import Counter

    by_module = Counter(modules)
    kinds: dict[str, set[str]] = {}
    for m, x in zip(modules, layers, strict=True):
        kinds.setdefault(m, set()).add(x.kind)
    bases = []
    for m, x in zip(modules, layers, strict=True):
        if not m:
            bases.append(x.kind)
        elif by_module[m] == 1 or len(kinds[m]) == 1:
            bases.append(m)
        else:
            bases.append(f"{m}.{x.kind}")
    used: set[str] = set()
    out = []
    for base in bases:
        path, n = base, 1
        while path in used:
            n += 1
            path = f"{base}{'_' if base[-1:].isdigit() else ''}{n}"
        used.add(path)
        out.append(path)
    return out
