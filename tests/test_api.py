"""The Python API (convcost.analyze, convcost.layer, Report.to_dict/to_markdown) and its
doctests."""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import pytest

import convcost
import convcost.pareto
from convcost.errors import ConvcostError


def test_doctests():
    result = doctest.testmod(convcost)
    assert result.attempted >= 5 and result.failed == 0
    result = doctest.testmod(convcost.pareto)
    assert result.attempted == 1 and result.failed == 0


def test_analyze_with_params():
    # MobileNet v1 Table 9: 0.50 MobileNet-160, 76M mult-adds, 1.32M params
    r = convcost.analyze("mobilenet_v1", width=0.5, resolution=160)
    assert int(r.totals.macs / 1e6) == 76 and round(r.totals.params / 1e6, 2) == 1.33  # 76.5M
    assert convcost.analyze("resnet50", stride_in_3x3=False).totals.macs == 3_857_973_248


def test_to_dict_is_the_json_output(run):
    r = convcost.analyze("shufflenet_v2")
    assert json.loads(run("analyze", "shufflenet_v2", "-f", "json").stdout) == r.to_dict()
    assert r.to_markdown().splitlines()[2].startswith("| layer | kind |")


def test_layer():
    # seed 001: a depthwise separable 3x3 conv, 64x64x3 -> 4: 159,744 mult-adds, 39 params
    r = convcost.layer("dwsep", "64x64x3", out=4, k=3)
    assert (r.totals.macs, r.totals.params) == (159_744, 39)


# -- docs/api.md and the API's argument checks (issue 13) ----------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_docs_api_examples_run():
    # every example in docs/api.md, outputs and error messages alike, is what the API does
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False)
    assert result.attempted >= 40 and result.failed == 0


REPORT = convcost.analyze("mobilenet_v1")

BAD_CALLS = {
    "analyze(None)": (lambda: convcost.analyze(None), "a spec is a network name or a file path"),
    "analyze(123)": (lambda: convcost.analyze(123), "got int 123"),
    "analyze(b'...')": (lambda: convcost.analyze(b"mobilenet_v1"), "got bytes"),
    "analyze(NUL)": (lambda: convcost.analyze("a/\0b"), "no NUL character"),
    "width=True": (
        lambda: convcost.analyze("mobilenet_v1", width=True),
        "param 'width' takes a number, not True or False",
    ),
    "stride_in_3x3=1": (
        lambda: convcost.analyze("resnet50", stride_in_3x3=1),
        "param 'stride_in_3x3' takes True or False; got int 1",
    ),
    "a number for a table": (
        lambda: convcost.analyze("shufflenet_v1", stage_out=3),
        "param 'stage_out' takes an expression",
    ),
    "width=nan": (
        lambda: convcost.analyze("mobilenet_v1", width=math.nan),
        "param 'width' must be a finite number",
    ),
    "width=inf": (
        lambda: convcost.analyze("mobilenet_v1", width=-math.inf),
        "param 'width' must be a finite number",
    ),
    "width=10**5000": (
        lambda: convcost.analyze("mobilenet_v1", width=10**5000),
        "param 'width' is too large",
    ),
    "width=[1]": (
        lambda: convcost.analyze("mobilenet_v1", width=[1]),
        "param 'width' must be a number, True or False, or an expression string",
    ),
    "overrides a list": (
        lambda: convcost.analyze_name("mobilenet_v1", [("width", 1)]),
        "params are a mapping",
    ),
    "overrides key an int": (
        lambda: convcost.analyze_name("mobilenet_v1", {1: 2}),
        "param names are strings",
    ),
    "layer('bogus')": (
        lambda: convcost.layer("bogus", "8x8x3", out=8),
        "kind must be one of conv, pw, dw, dwsep",
    ),
    "layer(tuple shape)": (
        lambda: convcost.layer("conv", (8, 8, 3), out=8),
        "shape is a string 'HxWxC'",
    ),
    "layer(shape None)": (lambda: convcost.layer("conv", None, out=8), "got None"),
    "layer(huge shape)": (
        lambda: convcost.layer("conv", "1x1x" + "9" * 5000, out=8),
        "every size must be at most 16,777,216",
    ),
    "out=8.5": (
        lambda: convcost.layer("conv", "8x8x3", out=8.5),
        "out must be a whole number from 1 to 16,777,216; got float 8.5",
    ),
    "out='8'": (lambda: convcost.layer("conv", "8x8x3", out="8"), "got str '8'"),
    "out=None": (lambda: convcost.layer("conv", "8x8x3", out=None), "needs out="),
    "out=True": (lambda: convcost.layer("conv", "8x8x3", out=True), "got bool True"),
    "out=2**30": (lambda: convcost.layer("conv", "8x8x3", out=2**30), "16,777,216"),
    "kernel=3": (
        lambda: convcost.layer("conv", "8x8x3", out=8, kernel=3),
        "unknown option 'kernel'",
    ),
    "k=0": (lambda: convcost.layer("conv", "8x8x3", out=8, k=0), "k must be a whole number"),
    "bias='yes'": (
        lambda: convcost.layer("conv", "8x8x3", out=8, bias="yes"),
        "bias must be True or False",
    ),
    "bn=1": (lambda: convcost.layer("conv", "8x8x3", out=8, bn=1), "bn must be True or False"),
    "pad=(1, True)": (
        lambda: convcost.layer("conv", "8x8x3", out=8, pad=(1, True)),
        "each pad must be a whole number",
    ),
    "pad=(1, 2, 3)": (
        lambda: convcost.layer("conv", "8x8x3", out=8, pad=(1, 2, 3)),
        "pad must be 'same', 'valid'",
    ),
    "counted(None)": (lambda: convcost.counted(None, "ptflops"), "report is a Report"),
    "counted(['x'])": (
        lambda: convcost.counted(REPORT, ["x"]),
        "convention must be one of paper, ptflops",
    ),
    "counted(by='bogus')": (
        lambda: convcost.counted(REPORT, "paper", "bogus"),
        "by must be one of layer, category, block",
    ),
    "counted(depth=0)": (
        lambda: convcost.counted(REPORT, "paper", "block", 0),
        "depth must be a whole number of at least 1",
    ),
    "counted(depth without block)": (
        lambda: convcost.counted(REPORT, "paper", "layer", 2),
        "depth applies to by='block' only",
    ),
    "to_markdown(by='bogus')": (
        lambda: REPORT.to_markdown(by="bogus"),
        "by must be one of layer, category, block",
    ),
    "to_markdown(depth=0)": (
        lambda: REPORT.to_markdown(by="block", depth=0),
        "depth must be a whole number of at least 1",
    ),
    "to_markdown(precision=None)": (
        lambda: REPORT.to_markdown(precision=None),
        "precision must be one of fp32, fp16, int8",
    ),
    "to_dict(['fp32'])": (lambda: REPORT.to_dict(["fp32"]), "precision must be one of"),
    "by_block(-1)": (lambda: REPORT.by_block(-1), "depth must be a whole number of at least 1"),
    "by_block(True)": (lambda: REPORT.by_block(True), "got bool True"),
    "by_block(1.0)": (lambda: REPORT.by_block(1.0), "got float 1.0"),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_arguments_raise_convcost_error(name):
    call, message = BAD_CALLS[name]
    with pytest.raises(ConvcostError) as caught:
        call()
    assert message in str(caught.value)


def test_numbers_as_numbers():
    # width=0.5 is --set width=0.5; width=1 is the default (1.0). MobileNet v1 Tables 6 and 7:
    # 0.5 width 150M mult-adds, resolution 160 290M
    half = convcost.analyze("mobilenet_v1", width=0.5)
    assert half.totals == convcost.analyze_name("mobilenet_v1", {"width": "0.5"}).totals
    assert half.totals.macs == 149_497_088
    assert convcost.analyze("mobilenet_v1", width=1).totals == REPORT.totals
    assert convcost.analyze_name("mobilenet_v1", {"resolution": 160}).totals.macs == 290_675_200
    assert convcost.analyze(ROOT / "specs" / "mobilenet_v1.yaml").totals == REPORT.totals


def test_layer_options():
    # pw needs no k (it is 1); pad takes the forms --padding does, as Python values
    assert convcost.layer("pw", "56x56x240", out=60, groups=3).totals.macs == 56 * 56 * 80 * 60
    assert (
        convcost.layer("pwconv", "8x8x4", out=8).totals
        == convcost.layer("pw", "8x8x4", out=8).totals
    )
    assert convcost.layer("conv", "8x8x3", out=8, pad="valid").layers[0].out.h == 6
    assert convcost.layer("conv", "8x8x3", out=8, pad=(1, 1, 0, 0)).layers[0].out.w == 6
    assert convcost.layer("dw", "8x8x3").layers[0].out.c == 3
