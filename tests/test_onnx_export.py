"""Writing ONNX (convcost/onnx_export.py): every built-in network exported and read back by
convcost/onnx_import.py gives the spec's layers, cost for cost, under the same paths; the
models are valid (onnx's checker with shape inference) and onnxruntime runs them."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto

import convcost
from convcost import onnx_export
from convcost.layers import KINDS
from convcost.onnx_export import build_model, export_onnx
from convcost.onnx_import import import_onnx
from convcost.report import Report
from convcost.shapes import Shape
from convcost.zoo import builtin_names

ROOT = Path(__file__).resolve().parent.parent

EVERY_KIND = """
name: every_kind
input: {c: 3, h: 33, w: 31}
layers:
  - conv: {out: 8, k: 4, stride: 2, bias: true, bn: true, act: relu, name: stem}
  - conv: {out: 4, name: side}                 # read by nothing: a second graph output
  - conv: {out: 8, k: 3, pad: [0, 1, 2, 1], dilation: 2, act: swish, name: asym, from: stem}
  - dwconv: {k: 5, stride: 2, mult: 2, act: hswish, name: dw}
  - maxpool: {k: 3, stride: 1, pad: same, dilation: 2, name: mp}   # pads past half the kernel
  - avgpool: {k: 3, stride: 2, pad: 1, ceil: true, name: ap}
  - deconv: {out: 16, k: 4, stride: 2, pad: 1, output_padding: 1, groups: 2, bias: true,
             act: relu6, name: up}
  - upsample: {scale_factor: 2, name: near}
  - upsample: {size: [20, 24], bilinear: true, name: bilinear}
  - layernorm                                  # channels last, as the two pwlinears
  - pwlinear: {out: 24, act: gelu, name: pw1}
  - pwlinear: {out: 16, bias: false, name: pw2}
  - scale
  - parallel: {merge: add, name: three,
               branches: [[], [conv: {out: 16, k: 3}], [conv: {out: 16, act: sigmoid}]]}
  - parallel: {merge: concat, name: cat,
               branches: [[], [maxpool: {k: 3, stride: 1, pad: 1}], [conv: {out: 8}]]}
  - channel_shuffle: {groups: 4}
  - parallel: {merge: concat, split: true, name: halves,
               branches: [[], [conv: {out: 20, k: 3, act: hsigmoid}]]}
  - parallel: {merge: mul, name: se,
               branches: [[], [gap, fc: {out: 8, act: relu}, fc: {out: 40, act: sigmoid}]]}
  - adaptive_avgpool: {size: [2, 3]}
  - identity
  - flatten
  - linear: {out: 32, bn: true, act: relu, name: fc1}
  - dropout
  - layernorm: {name: ln_flat}                 # on (1, C)
  - pwlinear: {out: 32, name: pw_flat}
  - scale: {name: scale_flat}
  - residual: {layers: [fc: {out: 32, name: inner}]}
  - fc: {out: 10, bias: false, name: head}
"""
"""Every layer kind, each way the exporter writes it."""

READ_BACK = {"dwconv": "conv", "linear": "fc", "channel_shuffle": "shuffle"}
READ_BACK["adaptive_avgpool"] = "avgpool"
"""The kind the importer gives a layer of these kinds: a Conv, Gemm, ... knows no more."""


def costed(report: Report) -> list[tuple[Any, ...]]:
    """The report's layers but views (split, flatten, dropout, identity: no layer in an ONNX
    graph, and free), as (path, kind as read back, cost, output, sources), each source
    followed through views to the layer it reads."""
    index, kept = {-1: -1}, []
    for i, x in enumerate(report.layers):
        sources = tuple(index[s] for s in x.sources or (i - 1,))
        if x.facts.storage == "view":
            index[i] = sources[0]
            continue
        index[i] = len(kept)
        kept.append((x.path, READ_BACK.get(x.kind, x.kind), x.cost, x.out, sources))
    return kept


def layers_of(report: Report) -> list[tuple[Any, ...]]:
    return [(x.path, x.kind, x.cost, x.out, x.sources) for x in report.layers]


def assert_same(want: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> None:
    """Equal layer lists; else the first layer that differs."""
    for a, b in zip(want, got, strict=False):
        assert a == b, f"first difference:\n  spec {a}\n  onnx {b}"
    assert len(want) == len(got)


def graph_only(model: onnx.ModelProto) -> onnx.ModelProto:
    """`model` with its weights' values gone (external data in no file), as the importer reads
    it: only dims count."""
    for t in model.graph.initializer:
        if t.data_type == TensorProto.FLOAT and len(t.raw_data) >= 1024:
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            t.external_data.add(key="location", value="absent.data")
    return model


def round_trip(report: Report, tmp_path: Path, opset: int = 18) -> Report:
    model = build_model(report, opset)
    assert weight_params(model) == report.totals.params
    path = tmp_path / f"{report.network}.onnx"
    path.write_bytes(graph_only(model).SerializeToString())
    return import_onnx(str(path))


def weight_params(model: onnx.ModelProto) -> int:
    """The graph's params counted by the onnx package: float initializers of more than one
    element, but BatchNormalization's running mean and variance."""
    stats = {
        name
        for node in model.graph.node
        if node.op_type == "BatchNormalization"
        for name in node.input[3:]
    }
    sizes = [
        math.prod(t.dims)
        for t in model.graph.initializer
        if t.data_type == TensorProto.FLOAT and t.name not in stats
    ]
    return sum(n for n in sizes if n > 1)


def every_kind(spec_file) -> Report:
    return convcost.analyze(spec_file(EVERY_KIND))


def test_every_kind_has_an_emitter(spec_file):
    assert sorted(set(KINDS) - set(onnx_export.EMITTERS)) == []
    # and EVERY_KIND, which the tests below export, has a layer of each (or of an alias)
    used = {x.facts.fn for x in every_kind(spec_file).layers}
    assert sorted(k for k, kind in KINDS.items() if kind.fn not in used) == []


# -- round trips: export, import, the same layers ---------------------------------------------

VARIANTS = [
    ("mobilenet_v1", {"width": 0.5, "resolution": 160}),
    ("shufflenet_v1", {"groups": 8}),
    ("mobilenet_v2", {"width": 1.4}),
    ("shufflenet_v2", {"width": 0.5, "resolution": 160}),
]


@pytest.mark.parametrize("name", builtin_names())
def test_round_trip_every_builtin(name, tmp_path):
    report = convcost.analyze(name)
    back = round_trip(report, tmp_path)
    assert_same(costed(report), layers_of(back))
    assert back.totals == report.totals


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=str)
def test_round_trip_other_params(name, params, tmp_path):
    report = convcost.analyze(name, **params)
    assert_same(costed(report), layers_of(round_trip(report, tmp_path)))


def test_round_trip_named_outputs(tmp_path):
    # HRNet's exchange: outputs read by name, n-way graphs that are not series-parallel
    report = convcost.analyze(ROOT / "examples" / "hrnet_exchange.yaml")
    assert_same(costed(report), layers_of(round_trip(report, tmp_path)))


def test_n_way_add_is_a_sum(spec_file, tmp_path):
    report = every_kind(spec_file)
    model = build_model(report)
    (node,) = [n for n in model.graph.node if n.name == "three.add"]
    assert node.op_type == "Sum" and len(node.input) == 3
    (layer,) = [x for x in round_trip(report, tmp_path).layers if x.path == "three.add"]
    assert len(layer.inputs) == 3 and layer.cost.flops == 2 * layer.out.numel


def test_names_follow_paths(spec_file):
    model = build_model(every_kind(spec_file))
    nodes = {n.name: n for n in model.graph.node}
    assert list(nodes["stem"].input) == ["input", "stem.weight", "stem.bias"]
    assert nodes["stem"].output[0] == "stem"
    assert list(nodes["stem+bn"].input[1:]) == [
        "stem+bn.weight",
        "stem+bn.bias",
        "stem+bn.running_mean",
        "stem+bn.running_var",
    ]
    assert [o.name for o in model.graph.output] == ["side", "head"]
    pads = {a.name: list(a.ints) for a in nodes["asym"].attribute}["pads"]
    assert pads == [0, 2, 1, 1]  # [0, 1, 2, 1] in ONNX's order: top, left, bottom, right


# -- opsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opset", "written", "absent"),
    [
        (13, {"ReduceMean", "Erf", "HardSigmoid"}, {"LayerNormalization", "Gelu", "HardSwish"}),
        (17, {"LayerNormalization", "Erf", "HardSwish"}, {"Gelu"}),
        (18, {"LayerNormalization", "Erf", "HardSwish"}, {"Gelu"}),
        (21, {"LayerNormalization", "Gelu", "HardSwish"}, {"Erf", "ReduceMean"}),
    ],
)
def test_opsets(opset, written, absent, spec_file, tmp_path):
    report = every_kind(spec_file)
    model = build_model(report, opset)
    onnx.checker.check_model(model, full_check=True)
    ops = {n.op_type for n in model.graph.node}
    assert written <= ops and not absent & ops
    assert model.opset_import[0].version == opset
    assert_same(costed(report), layers_of(round_trip(report, tmp_path, opset)))
    # onnx's own shape inference gives every layer's output the size convcost computes
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    dims = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.value_info
    }
    dims.update(
        {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.output}
    )
    for x in report.layers:
        c, h, w = x.out
        assert dims[x.path] in ([1, c, h, w], [1, h, w, c], [1, c * h * w]), x.path


@pytest.mark.parametrize("opset", [12, 99])
def test_opset_out_of_range(opset, spec_file):
    with pytest.raises(convcost.ConvcostError, match=f"opset {opset} is not supported"):
        build_model(every_kind(spec_file), opset)


# -- onnxruntime runs them --------------------------------------------------------------------


def run_onnxruntime(path: str, report: Report) -> list[np.ndarray]:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = report.input
    return session.run(None, {"input": np.zeros((1, x.c, x.h, x.w), dtype=np.float32)})


@pytest.mark.parametrize(
    ("name", "params", "external"),
    [
        ("squeezenet1_1", {}, False),  # pools in ceil mode, concat, dropout
        ("shufflenet_v2", {"width": 0.5}, False),  # split, shuffle
        ("mobilenet_v3_small", {"resolution": 128}, False),  # hswish, hsigmoid, SE
        ("googlenet", {"resolution": 128}, True),  # padded pools in ceil mode; a data file
    ],
    ids=str,
)
def test_onnxruntime_runs_builtins(name, params, external, tmp_path):
    report = convcost.analyze(name, **params)
    path = str(tmp_path / "net.onnx")
    export_onnx(report, path, external_from_bytes=0 if external else 10**9)
    assert os.path.exists(path + ".data") == external
    onnx.checker.check_model(path, full_check=True)
    (out,) = run_onnxruntime(path, report)
    assert out.size == report.layers[-1].out.numel and np.isfinite(out).all()


@pytest.mark.parametrize("opset", [13, 17, 18, 21])
def test_onnxruntime_runs_every_kind(opset, spec_file, tmp_path):
    report = every_kind(spec_file)
    path = str(tmp_path / "net.onnx")
    export_onnx(report, path, opset)
    side, head = run_onnxruntime(path, report)
    assert side.shape == (1, 4, 17, 16) and head.shape == (1, 10)
    assert np.isfinite(head).all()


def test_onnxruntime_drops_windows_in_the_padding(spec_file, tmp_path):
    # ceil mode: a window that would start in the right padding is dropped, as PyTorch and
    # onnxruntime do (4 -> 2, not 3; onnx 1.23's shape inference still keeps it)
    pool = "maxpool: {k: 2, stride: 3, pad: 1, ceil: true}"
    report = convcost.analyze(spec_file(f"name: n\ninput: {{c: 2, h: 4, w: 7}}\nlayers: [{pool}]"))
    assert str(report.layers[0].out) == "2x3x2"
    path = str(tmp_path / "net.onnx")
    export_onnx(report, path)
    (out,) = run_onnxruntime(path, report)
    assert out.shape == (1, 2, 2, 3)


@pytest.mark.parametrize("opset", [13, 18])
def test_a_batch_computes_each_image_as_batch_1_does(opset, spec_file):
    # every constant holding the batch: flat <-> NCHW reshapes, the shuffle's, Resize's sizes
    ort = pytest.importorskip("onnxruntime")
    report = every_kind(spec_file)
    images = np.random.default_rng(1).random((3, 3, 33, 31), dtype=np.float32)

    def run(batch: int, x: np.ndarray) -> list[np.ndarray]:
        model = build_model(report, opset, batch=batch).SerializeToString()
        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        return session.run(None, {"input": x})

    side, head = run(3, images)
    assert side.shape == (3, 4, 17, 16) and head.shape == (3, 10)
    for k in range(3):
        one_side, one_head = run(1, images[k : k + 1])
        np.testing.assert_allclose(side[k : k + 1], one_side, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(head[k : k + 1], one_head, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("batch", [0, -1, 2.0, True])
def test_a_batch_is_a_whole_number_of_at_least_1(batch, spec_file):
    with pytest.raises(convcost.ConvcostError, match="batch must be a whole number"):
        build_model(every_kind(spec_file), batch=batch)


# -- files -------------------------------------------------------------------------------------


def test_weights_inline_below_the_threshold(spec_file, tmp_path):
    report = every_kind(spec_file)
    path = tmp_path / "net.onnx"
    export_onnx(report, str(path))
    assert sorted(os.listdir(tmp_path)) == ["net.onnx", "net.yaml"]
    assert path.read_bytes() == build_model(report).SerializeToString()  # seeded: the same


def test_weights_external_past_what_protobuf_takes(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "INLINE_LIMIT", 1000)  # 2 GB, really
    export_onnx(convcost.analyze("squeezenet1_1"), str(tmp_path / "net.onnx"))
    assert sorted(os.listdir(tmp_path)) == ["net.onnx", "net.onnx.data"]


def test_weights_external_above_the_threshold(tmp_path):
    report = convcost.analyze("mobilenet_v1", width=0.25, resolution=128)
    path = tmp_path / "net.onnx"
    path.write_bytes(b"an older model")
    export_onnx(report, str(path), external_from_bytes=0)
    assert sorted(os.listdir(tmp_path)) == ["net.onnx", "net.onnx.data"]  # no temporary left
    data = (tmp_path / "net.onnx.data").stat().st_size
    assert data == 4 * sum(
        math.prod(t.dims)
        for t in build_model(report).graph.initializer
        if t.data_type == TensorProto.FLOAT and 4 * math.prod(t.dims) >= 1024
    )
    assert path.stat().st_size < data / 10
    model = onnx.load(str(path))  # the data file found by its name, beside the model
    onnx.checker.check_model(model, full_check=True)
    assert weight_params(model) == report.totals.params
    assert_same(costed(report), layers_of(import_onnx(str(path))))


# -- what cannot be exported ----------------------------------------------------------------


def test_adaptive_pool_of_uneven_bins(spec_file):
    spec = "name: n\ninput: {c: 3, h: 10, w: 10}\nlayers: [adaptive_avgpool: {size: 3}]"
    report = convcost.analyze(spec_file(spec))
    with pytest.raises(convcost.ConvcostError) as e:
        build_model(report)
    assert e.value.path == "adaptive_avgpool"
    assert "from 10x10 to 3x3 cannot be exported to ONNX" in e.value.message


def test_product_of_three(spec_file):
    three = "parallel: {merge: mul, branches: [[], [], []]}"
    spec = f"name: n\ninput: {{c: 3, h: 8, w: 8}}\nlayers: [{three}]"
    with pytest.raises(convcost.ConvcostError, match="a product of 3 inputs") as e:
        build_model(convcost.analyze(spec_file(spec)))
    assert e.value.path == "parallel.mul"


def test_kind_without_an_emitter(spec_file, monkeypatch):
    monkeypatch.delitem(onnx_export.EMITTERS, "hswish")
    with pytest.raises(convcost.ConvcostError, match="layer kind 'hswish' cannot be") as e:
        build_model(every_kind(spec_file))
    assert e.value.path == "dw+hswish"


def test_no_layers():
    # an ONNX graph of views alone reads as a report without layers
    empty = Report.of("views", {}, Shape(3, 8, 8), ())
    with pytest.raises(convcost.ConvcostError, match="views has no layers to export"):
        build_model(empty)


def test_without_onnx(spec_file, monkeypatch):
    report = every_kind(spec_file)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(convcost.ConvcostError, match=r"pip install 'convcost\[onnx\]'"):
        export_onnx(report, "never.onnx")


def test_importing_the_exporter_imports_neither_onnx_nor_numpy():
    code = (
        "import sys, convcost.onnx_export; "
        "print(sorted(m for m in ('onnx', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the command ------------------------------------------------------------------------------


def test_export_command_writes_what_analyze_reads_back(run, tmp_path):
    out = tmp_path / "net.onnx"
    result = run("export", "shufflenet_v2", "--set", "width=0.5", "--opset", "13", "-o", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    back = run("analyze", str(out), "-f", "json")
    spec = run("analyze", "shufflenet_v2", "--set", "width=0.5", "-f", "json")
    import json

    assert json.loads(back.stdout)["totals"] == json.loads(spec.stdout)["totals"]
    assert onnx.load(str(out)).opset_import[0].version == 13


@pytest.mark.parametrize(
    "args, message",
    [
        (["mobilenet_v2", "--opset", "12"], "opset 12 is not supported"),
        (["model.onnx"], "an ONNX file already"),
        (["nonet"], "unknown network 'nonet'"),
        (["mobilenet_v2", "--set", "resolution=0"], "input must be at least 1x1x1"),
    ],
)
def test_export_command_bad_input(run, tmp_path, args, message):
    out = tmp_path / "x.onnx"
    result = run("export", *args, "-o", str(out))
    assert result.exit_code == 2 and message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr and not out.exists()
