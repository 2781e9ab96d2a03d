"""`convcost import`: an ONNX model written as a spec that analyzes to the same costs, layer by
layer (convcost/render/as_spec.py), for every exported fixture of tests/fixtures/onnx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convcost.errors import ConvcostError
from convcost.expand import analyze
from convcost.memory import memory
from convcost.onnx_import import import_onnx
from convcost.render.as_spec import spec_text
from convcost.spec import load_spec

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "onnx"
MODELS = sorted(FIXTURES.glob("*.onnx"))


def costed(report):
    """(kind, cost) of every layer but the split views a spec writes for channel splits."""
    return [(x.kind, x.cost) for x in report.layers if x.kind != "split"]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_the_spec_of_a_model_costs_what_the_model_does(model):
    onnx = import_onnx(str(model), None, "error", model.name)
    text = spec_text(onnx, model.stem, model.name)
    spec = analyze(load_spec(text, "written.yaml"))
    assert costed(spec) == costed(onnx)
    assert spec.totals == onnx.totals
    assert memory(spec, "fp32") == memory(onnx, "fp32")  # the same graph: the same peak
    # every layer is named after its node
    assert {x.path for x in onnx.layers} <= {x.path for x in spec.layers}


def test_a_written_spec_sweeps_its_resolution(run, tmp_path):
    out = tmp_path / "resnet18.yaml"
    result = run("import", str(FIXTURES / "resnet18.ts13.onnx"), "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    swept = run("sweep", str(out), "--set", "resolution=224,160", "-f", "json")
    macs = [p["totals"]["macs"] for p in json.loads(swept.stdout)["points"]]
    # torchvision resnet18's conv+fc MACs (tests/test_zoo.py) at 224; fewer at 160
    assert macs[0] == 1_814_073_344 and macs[1] < macs[0]


def test_import_prints_the_spec_without_output(run):
    result = run("import", str(FIXTURES / "squeezenet1_0.ts13.onnx"), "--name", "sq")
    assert result.exit_code == 0
    assert result.stdout.startswith('convcost: 1\nname: "sq"\n')
    assert '  - concat: {name: "features.3", from: [' in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["resnet18"], "import reads an ONNX file"),
        (["missing.onnx"], "missing.onnx"),
    ],
)
def test_bad_arguments(run, args, message):
    result = run("import", *args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_reshape_a_spec_cannot_say_is_refused_by_name():
    onnx = import_onnx(str(FIXTURES / "resnet18.ts13.onnx"), None, "error", "r.onnx")
    i = next(i for i, x in enumerate(onnx.layers) if x.kind == "fc")
    fc = onnx.layers[i]
    odd = fc._replace(inputs=(fc.inputs[0]._replace(h=2, c=fc.inputs[0].c // 4),))
    layers = (*onnx.layers[:i], odd, *onnx.layers[i + 1 :])
    with pytest.raises(ConvcostError, match=f"layer {fc.path} reads .* which a spec cannot write"):
        spec_text(onnx._replace(layers=layers), "r", "r.onnx")
