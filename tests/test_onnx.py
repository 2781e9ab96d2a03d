"""Reading ONNX (convcost/onnx_import.py, docs/onnx.md): real exports of torchvision models give
torch's exact conv+fc MACs and the graph's own params; every op's attributes are read as ONNX
defines them; every bad input is one clear error, exit 2."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

import convcost
from convcost import onnx_import
from convcost.onnx_import import import_onnx

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "onnx"
TORCH = json.loads((FIXTURES / "torch_counts.json").read_text(encoding="utf-8"))
"""Per model, the conv+fc MACs and the per-layer list counted in torch 2.14.1 with forward
hooks (scripts/export_onnx_fixtures.py wrote them with the fixtures)."""
MODELS = [m for m in TORCH if not m.startswith("_")]
EXPORTERS = ("ts13", "dynamo18")

PARAMS = {
    "resnet18": 11_684_712,
    "mobilenet_v2": 3_487_816,
    "shufflenet_v2_x1_0": 2_270_514,
    "squeezenet1_0": 1_248_424,
    # 8,040,040 float initializer elements, of which 68,672 are BatchNorm's running mean and
    # variance (densenet's norm1 layers come before a convolution, and are not folded)
    "densenet121": 7_971_368,
    "efficientnet_b0": 5_267_540,
    "convnext_tiny": 28_589_128,
    "regnet_y_400mf": 4_330_568,
    "mobilenet_v3_small": 2_536_800,
    "inception_v3": 23_817_352,
}
"""Params of each export: the float initializer elements its layers use as weights, biases,
scales and shifts (BatchNorm's running statistics and scalar constants left out). Exports of
eval-mode models fold BatchNorm into the convolution before it, so these are below torch's
parameter counts, which include every folded BatchNorm's gamma and beta."""
CONV_FC = ("standard", "depthwise", "pointwise", "group", "fc")


def fixture(model: str, exporter: str) -> str:
    return str(FIXTURES / f"{model}.{exporter}.onnx")


def graph_params(path: str) -> int:
    """Counted from the graph with the onnx package: float initializers read by nodes, minus
    BatchNormalization's inputs 3 and 4 and scalars."""
    model = onnx.load(path, load_external_data=False)
    inits = {t.name: t for t in model.graph.initializer}
    used = {
        name
        for node in model.graph.node
        for k, name in enumerate(node.input)
        if name in inits and not (node.op_type == "BatchNormalization" and k >= 3)
    }
    floats = (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE)
    sizes = [math.prod(inits[n].dims) for n in used if inits[n].data_type in floats]
    return sum(s for s in sizes if s > 1)


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("model", MODELS)
def test_conv_fc_macs_equal_torch(model, exporter):
    # tests/fixtures/onnx/torch_counts.json: torch's counts of the same model
    report = import_onnx(fixture(model, exporter))
    want = TORCH[model]
    layers = [x for x in report.layers if x.category in CONV_FC]
    assert sum(x.cost.macs for x in layers) == want["macs"]
    # layer by layer, named by the module paths torch names them by
    assert sorted((x.path, x.cost.macs) for x in layers) == sorted(
        (name, macs) for name, _, macs in want["layers"]
    )
    assert report.input.hwc() == [*want["input"][2:], want["input"][1]]


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("model", MODELS)
def test_params_are_the_graphs_own(model, exporter):
    path = fixture(model, exporter)
    report = import_onnx(path)
    assert report.totals.params == PARAMS[model] == graph_params(path)
    paths = [x.path for x in report.layers]
    assert len(set(paths)) == len(paths)


def test_same_network_as_the_builtin_spec(run):
    # MobileNet v2 from torchvision's export and from convcost's own spec: the same conv+fc
    # MACs; params differ by the batch norms the export folded into its convolutions
    data = json.loads(
        ok(run, "compare", "mobilenet_v2", str(FIXTURES / "mobilenet_v2.ts13.onnx"), "-f", "json")
    )
    spec, graph = data
    assert spec["totals"]["macs"] == graph["totals"]["macs"] == TORCH["mobilenet_v2"]["macs"]
    assert spec["totals"]["params"] - graph["totals"]["params"] == 17_056  # BN's beta, folded
    assert spec["memory"]["peak_activations"] == graph["memory"]["peak_activations"]


def ok(run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(run, *args: str) -> str:
    """The first line of the error of a command that must exit 2."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()[0]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_analyze_formats(run, fmt):
    path = str(FIXTURES / "resnet18.ts13.onnx")
    out = ok(run, "analyze", path, "-f", fmt)
    if fmt == "json":
        data = json.loads(out)
        assert data["network"] == "resnet18.ts13"
        assert data["totals"]["macs"] == TORCH["resnet18"]["macs"]
        assert [x["path"] for x in data["layers"][:4]] == [
            "conv1",
            "relu",
            "maxpool",
            "layer1.0.conv1",
        ]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sum(int(r["macs"]) for r in rows) == TORCH["resnet18"]["macs"]
    else:
        assert "resnet18.ts13.onnx" in out and "layer4.1.conv2" in out


@pytest.mark.parametrize(
    "extra",
    [
        ["--by", "block", "--depth", "2"],
        ["--by", "category"],
        ["--device", "mobile-cpu"],
        ["--convention", "fvcore"],
    ],
)
def test_analyze_options(run, extra):
    data = json.loads(
        ok(run, "analyze", str(FIXTURES / "shufflenet_v2_x1_0.dynamo18.onnx"), *extra, "-f", "json")
    )
    assert data["totals"]["macs"] == TORCH["shufflenet_v2_x1_0"]["macs"]
    if "block" in extra:
        assert "stage2.1" in [g["name"] for g in data["groups"]]


def test_block_paths_follow_modules():
    report = import_onnx(str(FIXTURES / "shufflenet_v2_x1_0.ts13.onnx"))
    blocks = report.by_block(1)
    assert list(blocks) == ["conv1", "maxpool", "stage2", "stage3", "stage4", "conv5", "gap", "fc"]
    kinds = {x.path: x.kind for x in report.layers}
    assert kinds["stage2.0.shuffle"] == "shuffle"  # Reshape - Transpose - Reshape
    assert kinds["stage2.0.concat"] == "concat"


@pytest.mark.parametrize("command", ["advise", "explain"])
def test_other_commands(run, command):
    out = ok(run, command, str(FIXTURES / "mobilenet_v3_small.ts13.onnx"), "-f", "json")
    assert json.loads(out)


def test_check(run):
    path = str(FIXTURES / "efficientnet_b0.dynamo18.onnx")
    assert ok(run, "check", path, "--expect", f"macs={TORCH['efficientnet_b0']['macs']}")
    result = run("check", path, "--max-params", "5M")
    assert result.exit_code == 1


def test_plot(run, tmp_path):
    out = tmp_path / "p.svg"
    ok(run, "plot", "mobilenet_v2", str(FIXTURES / "mobilenet_v2.ts13.onnx"), "-o", str(out))
    assert out.stat().st_size > 0
    # a graph has no published accuracies: --y top1 says so instead of plotting nothing
    onnx = str(FIXTURES / "mobilenet_v2.ts13.onnx")
    first = refused(run, "plot", onnx, "--y", "top1", "-o", str(out))
    assert "no published top-1 accuracy for" in first and "mobilenet_v2.ts13.onnx" in first


def test_python_api():
    report = convcost.analyze(FIXTURES / "squeezenet1_0.ts13.onnx")
    assert report.totals.macs == TORCH["squeezenet1_0"]["macs"]
    assert report.to_dict()["layers"][0]["path"] == "features.0"
    with pytest.raises(convcost.ConvcostError, match="an ONNX file has no params: got 'width'"):
        convcost.analyze(FIXTURES / "squeezenet1_0.ts13.onnx", width=0.5)
    with pytest.raises(convcost.ConvcostError, match="unknown must be one of error, zero"):
        convcost.analyze(FIXTURES / "squeezenet1_0.ts13.onnx", unknown="skip")


# -- small graphs: every attribute as ONNX defines it -----------------------------------


def write(tmp_path: Path, nodes, inits=(), dims=(1, 3, 8, 8), name="m.onnx", opset=13) -> str:
    """A model of `nodes` reading 'x' (of `dims`; a str is a dynamic size) into 'y'."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, "g", [x], [y], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return str(path)


def weight(name: str, *dims: int) -> TensorProto:
    return helper.make_tensor(name, TensorProto.FLOAT, dims, [0.5] * math.prod(dims))


def conv(x="x", y="y", w="w", **attrs) -> onnx.NodeProto:
    return helper.make_node("Conv", [x, w], [y], name="conv", **attrs)


@pytest.mark.parametrize(
    ("attrs", "out"),
    [
        ({"pads": [0, 1, 2, 3]}, (8, 10)),  # ONNX: [top, left, bottom, right]
        ({"strides": [2, 2], "auto_pad": "SAME_UPPER"}, (4, 4)),
        ({"strides": [2, 2], "auto_pad": "SAME_LOWER"}, (4, 4)),
        ({"auto_pad": "VALID", "dilations": [2, 2]}, (4, 4)),
        ({"strides": [2, 1], "pads": [1, 1, 1, 1]}, (4, 8)),
    ],
)
def test_conv_windows(tmp_path, attrs, out):
    path = write(tmp_path, [conv(**attrs)], [weight("w", 4, 3, 3, 3)])
    (layer,) = import_onnx(path).layers
    assert (layer.out.h, layer.out.w) == out
    assert inferred(path) == [1, 4, *out]
    assert layer.cost.macs == 4 * 3 * 9 * out[0] * out[1]


def inferred(path: str) -> list[int]:
    """The output's dims as onnx's own shape inference computes them."""
    model = onnx.shape_inference.infer_shapes(onnx.load(path), strict_mode=True)
    return [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]


@pytest.mark.parametrize(
    "attrs",
    [
        {"strides": [2, 2], "pads": [1, 1, 1, 1]},
        {"strides": [2, 2], "pads": [1, 0, 1, 0], "output_padding": [1, 1]},
        {"strides": [2, 3], "auto_pad": "SAME_UPPER"},
        {"strides": [2, 2], "auto_pad": "SAME_LOWER", "dilations": [2, 1]},
        {"strides": [2, 2], "output_shape": [15, 16]},
        {"group": 3, "auto_pad": "VALID"},
    ],
)
def test_conv_transpose(tmp_path, attrs):
    groups = attrs.get("group", 1)
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], **attrs)
    path = write(tmp_path, [node], [weight("w", 3, 6 // groups, 4, 4), weight("b", 6)])
    (layer,) = import_onnx(path).layers
    assert layer.kind == "deconv" and layer.cost.params == 3 * 6 // groups * 16 + 6
    assert [1, layer.out.c, layer.out.h, layer.out.w] == inferred(path)
    assert layer.cost.macs == 3 * (6 // groups) * 16 * 8 * 8  # every input position


@pytest.mark.parametrize(
    ("inputs", "attrs", "out"),
    [
        (["x", "", "", "sizes"], {"mode": "nearest"}, "20x12x3"),
        (["x", "", "scales"], {"mode": "linear"}, "16x16x3"),
    ],
)
def test_resize(tmp_path, inputs, attrs, out):
    inits = [
        helper.make_tensor("sizes", TensorProto.INT64, [4], [1, 3, 20, 12]),
        helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, 2, 2]),
    ]
    path = write(tmp_path, [helper.make_node("Resize", inputs, ["y"], **attrs)], inits)
    (layer,) = import_onnx(path).layers
    assert layer.kind == "upsample" and str(layer.out) == out
    assert layer.args["bilinear"] == (attrs["mode"] == "linear")


def test_channels_last_block(tmp_path):
    # ConvNeXt's block as the dynamo exporter writes it: permute, LayerNorm, Linear, Gelu,
    # Linear, permute back, layer scale
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
        helper.make_node("LayerNormalization", ["t", "g", "b"], ["n"], axis=-1),
        helper.make_node("MatMul", ["n", "w1"], ["h"]),
        helper.make_node("Gelu", ["h"], ["a"]),
        helper.make_node("MatMul", ["a", "w2"], ["o"]),
        helper.make_node("Add", ["o", "b2"], ["ob"]),
        helper.make_node("Transpose", ["ob"], ["back"], perm=[0, 3, 1, 2]),
        helper.make_node("Mul", ["gamma", "back"], ["y"]),
    ]
    inits = [weight("g", 4), weight("b", 4), weight("w1", 4, 16), weight("w2", 16, 4)]
    inits += [weight("b2", 4), weight("gamma", 4, 1, 1)]
    report = import_onnx(write(tmp_path, nodes, inits, dims=(1, 4, 8, 8), opset=20))
    assert [(x.kind, str(x.out)) for x in report.layers] == [
        ("layernorm", "8x8x4"),
        ("pwlinear", "8x8x16"),
        ("gelu", "8x8x16"),
        ("pwlinear", "8x8x4"),
        ("scale", "8x8x4"),
    ]
    assert [x.category for x in report.layers].count("fc") == 2
    assert report.totals.macs == 2 * 4 * 16 * 64
    assert report.totals.params == 8 + 64 + 64 + 4 + 4


@pytest.mark.parametrize("op", ["Mul", "Add"])
def test_element_wise_with_a_scalar_is_unknown(tmp_path, op):
    nodes = [helper.make_node(op, ["x", "half"], ["y"], name="n")]
    path = write(tmp_path, nodes, [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])])
    with pytest.raises(convcost.ConvcostError, match=f"no layer kind for {op} with a constant"):
        import_onnx(path)


def test_group_conv_bias_and_category(tmp_path):
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], group=3, pads=[1, 1, 1, 1])
    path = write(tmp_path, [node], [weight("w", 6, 1, 3, 3), weight("b", 6)])
    (layer,) = import_onnx(path).layers
    assert layer.category == "depthwise" and layer.cost.params == 6 * 9 + 6


def test_pools_and_pad_folded(tmp_path):
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"]),
        helper.make_node("MaxPool", ["p"], ["m"], kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node(
            "AveragePool", ["m"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1
        ),
    ]
    pads = helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 0, 0])
    maxpool, avgpool = import_onnx(write(tmp_path, nodes, [pads])).layers
    assert maxpool.args["pad"] == (1, 0, 1, 0)  # top and left, folded from the Pad
    assert str(maxpool.out) == "4x4x3" and str(avgpool.out) == "2x2x3"  # floor would be 1x1


@pytest.mark.parametrize(
    "attrs",
    [
        {"auto_pad": "SAME_UPPER", "dilations": [2, 2]},
        {"pads": [2, 2, 2, 2], "dilations": [2, 2]},  # SAME's numbers
    ],
)
def test_pool_pads_of_same_beyond_half_the_kernel(tmp_path, attrs):
    # TensorFlow's SAME pads a 3x3 window of dilation 2 by 2, more than PyTorch lets a pool be
    # padded by (1): read as convcost's pad 'same', which allows it
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], **attrs)
    (layer,) = import_onnx(write(tmp_path, [node])).layers
    assert layer.args["pad"] == "same" and str(layer.out) == "8x8x3"


def test_sum_is_an_n_way_add(tmp_path):
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Sigmoid", ["x"], ["b"]),
        helper.make_node("Sum", ["x", "a", "b"], ["y"], name="sum"),
    ]
    add = import_onnx(write(tmp_path, nodes)).layers[-1]
    assert add.kind == "add" and add.sources == (-1, 0, 1)
    assert add.cost.flops == 2 * 3 * 64 and add.cost.mem_access == 4 * 3 * 64
    one = [helper.make_node("Sum", ["x"], ["y"])]
    assert import_onnx(write(tmp_path, one, name="one.onnx")).layers == ()  # the identity
    half = [helper.make_node("Sum", ["x", "half"], ["y"], name="s")]
    inits = [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])]
    with pytest.raises(convcost.ConvcostError, match="no layer kind for Sum"):
        import_onnx(write(tmp_path, half, inits, name="half.onnx"))


def test_shape_arithmetic_is_free(tmp_path):
    # the chunk of PyTorch's TorchScript exporter: Shape -> Gather -> Add -> Div -> Mul -> Slice
    ints = {"one": [1], "two": [2], "zero": [0]}
    inits = [helper.make_tensor(k, TensorProto.INT64, [1], v) for k, v in ints.items()]
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "one"], ["c"], axis=0),
        helper.make_node("Add", ["c", "one"], ["c1"]),
        helper.make_node("Div", ["c1", "two"], ["half"]),
        helper.make_node("Slice", ["x", "zero", "half", "one"], ["a"]),
        helper.make_node("Relu", ["a"], ["y"]),
    ]
    path = write(tmp_path, nodes, inits, dims=(1, 4, 8, 8))
    (relu,) = import_onnx(path).layers
    assert str(relu.inputs[0]) == "8x8x2"


def test_se_gate_and_swish(tmp_path):
    nodes = [
        helper.make_node("Sigmoid", ["x"], ["s"]),
        helper.make_node("Mul", ["x", "s"], ["sw"]),  # x * sigmoid(x): swish
        helper.make_node("GlobalAveragePool", ["sw"], ["g"]),
        helper.make_node("Sigmoid", ["g"], ["gate"]),
        helper.make_node("Mul", ["gate", "sw"], ["y"]),  # sigmoid(y) * x: a gate
    ]
    kinds = [x.kind for x in import_onnx(write(tmp_path, nodes)).layers]
    assert kinds == ["swish", "gap", "sigmoid", "mul"]


def test_dynamic_input_needs_input_option(run, tmp_path):
    path = write(tmp_path, [conv()], [weight("w", 4, 3, 3, 3)], dims=("N", 3, "H", "W"))
    first = refused(run, "analyze", path)
    assert path in first and "--input NxCxHxW" in first
    for given in ("1x3x16x16", "16x16x3"):
        data = json.loads(ok(run, "analyze", path, "--input", given, "-f", "json"))
        assert data["input"] == [16, 16, 3]
    fixed = str(FIXTURES / "resnet18.ts13.onnx")
    assert "dim 2 is fixed at 224" in refused(run, "analyze", fixed, "--input", "1x3x160x160")
    assert "bad --input" in refused(run, "analyze", path, "--input", "3x16")


def test_unknown_op_is_an_error(run, tmp_path):
    nodes = [conv(y="c"), helper.make_node("Tanh", ["c"], ["y"], name="act")]
    path = write(tmp_path, nodes, [weight("w", 4, 3, 3, 3)])
    result = run("analyze", path)
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()
    assert first == f"error: {path}: node 'act' (Tanh): convcost has no layer kind for Tanh"
    assert "supported ops: Add, AveragePool, BatchNormalization" in hint


def test_unknown_zero_counts_free_and_lists(run, tmp_path):
    nodes = [conv(y="c"), helper.make_node("Tanh", ["c"], ["y"], name="act")]
    path = write(tmp_path, nodes, [weight("w", 4, 3, 3, 3)])
    data = json.loads(ok(run, "analyze", path, "--unknown", "zero", "-f", "json"))
    assert data["params"] == {"input": "1x3x8x8", "unknown": "act (Tanh)"}
    assert [x["kind"] for x in data["layers"]] == ["conv"]
    assert "unknown=act (Tanh)" in ok(run, "analyze", path, "--unknown", "zero")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name: net\nlayers: []\n", "not an ONNX model"),
        (None, "not an ONNX model"),  # the first half of a real file
        (b"", "not an ONNX model (no graph)"),
    ],
)
def test_bad_files(run, tmp_path, content, message):
    path = tmp_path / "bad.onnx"
    whole = (FIXTURES / "resnet18.ts13.onnx").read_bytes()
    path.write_bytes(whole[: len(whole) // 2] if content is None else content)
    first = refused(run, "analyze", str(path))
    assert first.startswith(f"error: cannot read {path}: {message}")


def test_missing_file(run, tmp_path):
    assert refused(run, "analyze", str(tmp_path / "no.onnx")).endswith("no.onnx: no such file")


def test_input_is_for_onnx_files(run):
    result = run("analyze", "mobilenet_v1", "--input", "1x3x160x160")
    assert result.exit_code == 2 and "--input applies to ONNX files" in result.stderr
    result = run("compare", "mobilenet_v1", "vgg16", "--input", "1x3x160x160")
    assert result.exit_code == 2 and "--input applies to ONNX files" in result.stderr


def test_set_is_refused(run):
    path = str(FIXTURES / "resnet18.ts13.onnx")
    assert "it has no params to set" in refused(run, "analyze", path, "--set", "width=2")
    assert "it has no params to set" in refused(run, "compare", f"{path}@width=2")
    assert "sweep varies a YAML spec's params" in refused(run, "sweep", path, "--set", "w=1,2")


def test_without_the_onnx_package(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx fails, as if not installed
    monkeypatch.delitem(sys.modules, "onnx.onnx_ml_pb2", raising=False)
    onnx_import._schema.cache_clear()
    try:
        first = refused(run, "analyze", str(FIXTURES / "resnet18.ts13.onnx"))
    finally:
        onnx_import._schema.cache_clear()
    assert first == "error: reading ONNX files needs the onnx package: pip install 'convcost[onnx]'"


def _modules_after(*args: str) -> set[str]:
    code = (
        "import sys\nfrom convcost.cli import cli\n"
        f"try:\n    cli({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_imports_only_what_it_needs():
    # a spec loads no protobuf; an ONNX file loads protobuf (and onnx's generated schema,
    # not kept in sys.modules), neither the onnx package, numpy, yaml nor rich
    spec = _modules_after("analyze", "mobilenet_v1", "-f", "json")
    assert not {m for m in spec if m.startswith(("google", "onnx", "convcost.onnx"))}
    graph = _modules_after("analyze", str(FIXTURES / "mobilenet_v2.ts13.onnx"), "-f", "json")
    assert {"convcost.onnx_import", "google.protobuf"} <= graph
    assert not {"onnx", "numpy", "ml_dtypes", "yaml", "rich"} & graph


def test_onnx_imported_after_the_schema_still_works():
    code = (
        "from convcost.onnx_import import import_onnx\n"
        f"a = import_onnx({str(FIXTURES / 'resnet18.ts13.onnx')!r})\n"
        "import onnx\n"
        f"m = onnx.load({str(FIXTURES / 'resnet18.ts13.onnx')!r}, load_external_data=False)\n"
        "print(a.totals.macs, len(m.graph.node))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(TORCH["resnet18"]["macs"]), "49"]
