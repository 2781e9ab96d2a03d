"""The Python API (convcost.analyze, convcost.layer, Report.to_dict/to_markdown) and its
doctests."""

from __future__ import annotations

import doctest
import json

import convcost
import convcost.pareto


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
