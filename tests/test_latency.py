"""The roofline latency estimate (convcost.latency) and device profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convcost import analyze_name
from convcost.analysis import LayerOptions, layer_report
from convcost.latency import device_names, estimate, load_device, parse_device
from convcost.shapes import parse_hwc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def total_ms(name: str, device: str, **sets: str) -> float:
    return sum(t.ms for t in estimate(analyze_name(name, sets), load_device(device)))


def test_one_layer_by_hand():
    # 3x3 conv 64 -> 64 on 56x56, no bias, on the gpu profile at fp32:
    # compute = MACs / (5670e9 * 0.5), memory = mem_access * 4 / 484e9, plus 5 us
    r = layer_report("conv", parse_hwc("56x56x64"), LayerOptions(out=64, k=3))
    (t,) = estimate(r, load_device("gpu"))
    macs = 56 * 56 * 64 * 64 * 9
    traffic = (56 * 56 * 64 * 2 + 64 * 64 * 9) * 4
    compute, memory = macs / (5670e9 * 0.5), traffic / 484e9
    assert t.bound == "compute" and compute > memory
    assert t.ms == pytest.approx((max(compute, memory) + 5e-6) * 1e3)


def test_views_cost_no_time():
    r = analyze_name("shufflenet_v2")
    times = estimate(r, load_device("mobile-cpu"))
    splits = [t for x, t in zip(r.layers, times, strict=True) if x.kind == "split"]
    assert splits and all(t.ms == 0 and t.bound == "" for t in splits)


def test_shufflenet_v2_fastest_at_equal_flops_on_gpu():
    # ShuffleNet V2 Sec. 4 / Fig. 1: at ~140-150 MFLOPs ShuffleNet v2 1x runs faster on GPU than
    # ShuffleNet v1 (g=3) and than MobileNet v2 (which also has twice its FLOPs)
    v2 = total_ms("shufflenet_v2", "gpu")
    assert v2 < total_ms("shufflenet_v1", "gpu")
    assert v2 < total_ms("mobilenet_v2", "gpu")


def g2_times(run, device: str) -> list[float]:
    specs = [
        f"{EXAMPLES / 'g2_groups.yaml'}@groups={g},c={c}"
        for g, c in [(1, 128), (2, 180), (4, 256), (8, 360)]
    ]
    data = json.loads(run("compare", *specs, "--device", device, "-f", "json").stdout)
    macs = [d["totals"]["macs"] for d in data]
    assert max(macs) / min(macs) < 1.02  # the settings keep FLOPs fixed (within 1.1%)
    return [d["totals"]["latency_ms"] for d in data]


def test_more_groups_at_fixed_flops_is_slower(run):
    # ShuffleNet V2 Table 2 (G2), GPU: g = 1, 2, 4, 8 at fixed FLOPs run slower and slower
    times = g2_times(run, "gpu")
    assert times == sorted(times)
    # on the phone core the model is compute-bound: any grouping is slower than none, but
    # between g = 4 and g = 8 the 1.1% fewer MACs of the g = 8 setting outweigh its launches
    phone = g2_times(run, "mobile-cpu")
    assert phone[0] < min(phone[1:])


def test_g1_example_mac_rises(run):
    # ShuffleNet V2 Table 1 (G1): c1:c2 = 1:1 ... 1:12 at fixed FLOPs; memory access rises
    specs = [
        f"{EXAMPLES / 'g1_channels.yaml'}@c1={a},c2={b}"
        for a, b in [(128, 128), (90, 180), (52, 312), (36, 432)]
    ]
    data = json.loads(run("compare", *specs, "-f", "json").stdout)
    traffic = [d["totals"]["mem_access"] for d in data]
    assert traffic == sorted(traffic) and traffic[-1] > 1.8 * traffic[0]


def test_analyze_with_device_json(run):
    data = json.loads(run("analyze", "mobilenet_v1", "--device", "mobile-cpu", "-f", "json").stdout)
    assert data["totals"]["latency_ms"] == pytest.approx(
        sum(x["latency_ms"] for x in data["layers"])
    )
    assert {x["bound"] for x in data["layers"]} <= {"compute", "memory", "view"}
    assert "mobile-cpu" in data["device"]


def test_analyze_and_compare_tables_with_device(run):
    out = run("analyze", "shufflenet_v2", "--device", "gpu", "--by", "category").stdout
    assert "est. ms" in out and "roofline on gpu" in " ".join(out.split())
    out = run("compare", "shufflenet_v2", "shufflenet", "--device", "gpu").stdout
    assert "rank" in out
    csv = run("analyze", "vgg16", "--device", "desktop-cpu", "-f", "csv").stdout
    assert csv.splitlines()[0].endswith(",latency_ms,bound")


def test_shipped_profiles_and_devices_command(run):
    assert device_names() == ["desktop-cpu", "gpu", "mobile-cpu"]
    for name in device_names():
        d = load_device(name)
        assert d.name == name and d.source and set(d.peak_gmacs) == {"fp32", "fp16", "int8"}
    out = run("devices").stdout
    assert "mobile-cpu" in out and "Cortex-A72" in out
    assert len(json.loads(run("devices", "-f", "json").stdout)) == 3


GOOD = """name: mine
title: t
source: s
peak_gmacs: {fp32: 10, fp16: 10, int8: 20}
bandwidth_gbs: 5
launch_us: 1
"""


def test_custom_profile_file(run, spec_file):
    path = spec_file(GOOD, "mine.yaml")
    data = json.loads(run("analyze", "mobilenet_v1", "--device", path, "-f", "json").stdout)
    assert data["totals"]["latency_ms"] > 0
    assert parse_device(GOOD, "x").efficiency["depthwise"] == 1.0  # unspecified: no penalty


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            GOOD.replace("bandwidth_gbs: 5", "bandwidth_gbs: -5"),
            5,
            "bandwidth_gbs must be a positive",
        ),
        (GOOD.replace("launch_us: 1", "launch_us: fast"), 6, "launch_us must be a positive number"),
        (GOOD.replace("int8: 20", "int4: 20"), 4, "unknown key 'int4' in peak_gmacs"),
        (GOOD + "efficiency: {depthwise: 2}\n", 7, "efficiency.depthwise must be at most 1.0"),
        (GOOD + "efficiency: {dw: 0.5}\n", 7, "unknown key 'dw' in efficiency"),
        (GOOD + "group_launches: sometimes\n", 7, "group_launches must be one of"),
        (GOOD.replace("source: s\n", ""), 1, "the device profile needs 'source'"),
        (GOOD + "bogus: 1\n", 7, "unknown key 'bogus'"),
    ],
)
def test_bad_profiles(run, spec_file, text, line, message):
    path = spec_file(text, "bad.yaml")
    result = run("analyze", "vgg16", "--device", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {path}:{line}:") and message in result.stderr


def test_unknown_device_and_precision(run):
    result = run("analyze", "vgg16", "--device", "gpus")
    assert result.exit_code == 2 and "unknown device 'gpus' (did you mean 'gpu'?)" in result.stderr
    result = run("analyze", "vgg16", "--precision", "fp64")
    assert result.exit_code == 2 and "fp64" in result.stderr
