"""Peak live activations and bytes (convcost.memory), against hand-counted graphs."""

from __future__ import annotations

import pytest

from convcost import analyze_name
from convcost.errors import ConvcostError
from convcost.expand import analyze
from convcost.memory import bytes_per_element, memory
from convcost.spec import load_spec


def mem_of(text: str):
    return memory(analyze(load_spec(text, "t.yaml")))


def test_chain_peak_is_input_plus_output_of_the_biggest_step():
    # input 8x8x4 (256), conv -> 8x8x16 (1024), relu in place, conv -> 8x8x2 (128)
    m = mem_of(
        "name: t\ninput: {c: 4, h: 8, w: 8}\nlayers:\n"
        "  - conv: {out: 16, name: a}\n  - relu\n  - conv: {out: 2, name: b}\n"
    )
    assert (m.peak_activations, m.peak_at) == (256 + 1024, "a")


def test_residual_keeps_the_shortcut_alive():
    # input 1024 elements (8x8x16); body conv 16 -> 16 (1024) then conv (1024): while the second
    # body conv runs, the input (still needed by the add), its input and its output are live
    m = mem_of(
        "name: t\ninput: {c: 16, h: 8, w: 8}\nlayers:\n"
        "  - residual:\n      layers: [conv: {out: 16, name: c1}, conv: {out: 16, name: c2}]\n"
    )
    assert (m.peak_activations, m.peak_at) == (3 * 1024, "residual.b2.c2")


def test_views_and_concat():
    # split is a view; concat copies: input (2048) + branch conv out (512) ... + concat out (2048)
    m = mem_of(
        "name: t\ninput: {c: 32, h: 8, w: 8}\nlayers:\n"
        "  - parallel:\n      split: true\n      merge: concat\n"
        "      branches: [[], [conv: {out: 16, name: c}]]\n"
    )
    assert (m.peak_activations, m.peak_at) == (2048 + 1024 + 2048, "parallel.concat")


def test_vgg16_and_mobilenet_sizes():
    # the weights a phone must hold at fp32: VGG16 528 MiB, MobileNet v1 16.1 MiB (issue 5:
    # "VGG16's 528 MB vs MobileNet's 17 MB", i.e. MiB and MB)
    vgg, mobile = memory(analyze_name("vgg16")), memory(analyze_name("mobilenet_v1"))
    assert round(vgg.weights_bytes / 2**20) == 528
    assert round(mobile.weights_bytes / 1e6) == 17
    # VGG16 peaks in block 1: two 224x224x64 maps at once
    assert (vgg.peak_activations, vgg.peak_at) == (2 * 224 * 224 * 64, "block1.conv2")
    assert memory(analyze_name("vgg16"), "int8").weights_bytes == 138_357_544


def test_peak_is_far_below_the_sum_of_outputs():
    r = analyze_name("resnet50")
    assert memory(r).peak_activations < r.totals.activations / 10


def test_unknown_precision():
    with pytest.raises(ConvcostError, match="unknown precision 'fp64'"):
        bytes_per_element("fp64")
