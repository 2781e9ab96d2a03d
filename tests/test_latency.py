"""The roofline latency estimate (convcost.latency) and device profiles."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from convcost import analyze_name, layers
from convcost.calculator import LayerOptions, layer_report
from convcost.latency import device_names, estimate, load_device, parse_device
from convcost.shapes import parse_hwc

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


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
    assert {x["bound"] for x in data["layers"]} <= {"compute", "memory", "fused", "view"}
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
        (GOOD.replace("int8: 20", "int8: 20, int4: 20"), 4, "unknown key 'int4' in peak_gmacs"),
        (GOOD + "efficiency: {depthwise: 2}\n", 7, "efficiency.depthwise must be at most 1.0"),
        (GOOD + "efficiency: {dw: 0.5}\n", 7, "unknown key 'dw' in efficiency"),
        (GOOD + "group_launches: sometimes\n", 7, "group_launches must be one of"),
        (GOOD.replace("launch_us: 1\n", ""), 1, "the device profile needs 'launch_us'"),
        (GOOD + "group_launches: per-group\n", 7, "(did you mean 'per_group'?)"),
        (GOOD.replace("launch_us: 1", "launch_us: .nan"), 6, "launch_us must be a positive"),
        (GOOD.replace("launch_us: 1", "launch_us: [1]"), 6, "launch_us must be a positive"),
        (GOOD.replace("{fp32: 10, fp16: 10, int8: 20}", "10"), 4, "peak_gmacs must be a mapping"),
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


def test_every_missing_and_bad_key_in_one_message(run, spec_file):
    path = spec_file("name: x\n", "few.yaml")
    result = run("analyze", "vgg16", "--device", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: 3 problems in the device profile:"
    for key in ("peak_gmacs", "bandwidth_gbs", "launch_us"):
        assert f"  {path}:1:1: the device profile needs '{key}'" in result.stderr
    # missing, unknown (with did-you-mean) and bad values, nested ones too: all at once, in order
    text = "name: x\npeak_gmacs: {fp32: 1, fp61: 2}\nbandwith_gbs: 4\nlaunch_us: 0\n"
    path = spec_file(text + "efficiency: {depthwise: 3}\n", "many.yaml")
    result = run("analyze", "vgg16", "--device", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[1:-1] == [
        f"  {path}:1:1: the device profile needs 'bandwidth_gbs' (memory bandwidth in GB/s)",
        f"  {path}:2:13: peak_gmacs needs 'fp16' (GMAC/s at fp16)",
        f"  {path}:2:13: peak_gmacs needs 'int8' (GMAC/s at int8)",
        f"  {path}:2:23: unknown key 'fp61' in peak_gmacs (did you mean 'fp16'?)",
        f"  {path}:3:1: unknown key 'bandwith_gbs' in the device profile"
        " (did you mean 'bandwidth_gbs'?)",
        f"  {path}:4:12: launch_us must be a positive number, got 0",
        f"  {path}:5:25: efficiency.depthwise must be at most 1.0, got 3",
    ]
    assert result.stderr.splitlines()[0] == f"error: {path}: 7 problems in the device profile:"
    assert "docs/devices.md" in result.stderr.splitlines()[-1]


def test_title_and_source_optional(run, spec_file):
    text = GOOD.replace("title: t\n", "").replace("source: s\n", "")
    d = parse_device(text, "profiles/board.yaml")
    assert (d.name, d.title, d.source) == ("mine", "board", "")
    data = json.loads(
        run(
            "analyze", "mobilenet_v1", "--device", spec_file(text, "board.yaml"), "-f", "json"
        ).stdout
    )
    assert data["totals"]["latency_ms"] > 0
    assert "roofline on mine (board) at fp32" in data["device"]
    # a title equal to the name is not repeated
    data = json.loads(
        run(
            "analyze", "mobilenet_v1", "--device", spec_file(text, "mine.yaml"), "-f", "json"
        ).stdout
    )
    assert "roofline on mine at fp32" in data["device"]


def test_device_that_is_a_directory(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nets").mkdir(exist_ok=True)
    for arg in (str(tmp_path), "nets/", "nets"):  # paths, and a bare name that is a folder
        result = run("analyze", "vgg16", "--device", arg)
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[0].startswith(
            f"error: cannot read device profile {arg}: it is a directory"
        )


def test_device_file_missing_or_name_unknown(run, tmp_path):
    missing = str(tmp_path / "my-phone.yaml")
    result = run("analyze", "vgg16", "--device", missing)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot read device profile {missing}: no such file"
    ]
    result = run("analyze", "vgg16", "--device", "phone")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: unknown device 'phone'\n")
    assert ", ".join(device_names()) in result.stderr  # the hint lists the shipped names


# -- docs/devices.md stays true ------------------------------------------------------------------

DOC = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
DOC_PROFILES = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)


def test_doc_profiles_work(run, tmp_path):
    assert len(DOC_PROFILES) >= 2  # the complete example first, then the smallest one
    for i, text in enumerate(DOC_PROFILES):
        path = tmp_path / f"profile{i}.yaml"
        path.write_text(text, encoding="utf-8")
        result = run("analyze", "mobilenet_v1", "--device", str(path), "-f", "json")
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["totals"]["latency_ms"] > 0
        assert all(x["latency_ms"] >= 0 for x in data["layers"])
        if i == 0:  # every key, and the doc's worked example of the first two layers
            assert set(parse_device(text, "x").efficiency.values()) != {1.0}
            for layer in data["layers"][:2]:
                assert f"**{layer['latency_ms']:.6f} ms**" in DOC


def test_doc_bad_profile_message(run, tmp_path, monkeypatch):
    (text, command, shown) = re.findall(
        r"```console\n\$ cat bad.yaml\n(.*?)\$ convcost (.*?)\n(.*?)\n```", DOC, flags=re.S
    )[0]
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(text, encoding="utf-8")
    result = run(*command.split())
    assert result.exit_code == 2 and result.stderr.splitlines() == shown.splitlines()


def test_doc_lists_the_shipped_profiles():
    for name in device_names():
        d = load_device(name)
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{name}` |"))
        peaks = " / ".join(f"{d.peak_gmacs[p]:g}" for p in ("fp32", "fp16", "int8"))
        figures = f"| {peaks} | {d.bandwidth_gbs:g} | {d.launch_us:g} | {d.group_launches} |"
        assert row.endswith(figures)


def test_a_shipped_profile_is_never_a_file_of_its_name(run, tmp_path, monkeypatch):
    # a folder (or stray file) called `gpu` in the working folder does not shadow the profile
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gpu").mkdir()
    result = run("analyze", "mobilenet_v1", "--device", "gpu", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["device"].startswith("est. ms: roofline on gpu ")


# -- every figure has a plausible range (issue 13) ------------------------------------------------

HUGE = "1" + "0" * 5000  # more digits than Python converts to an int


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "fp32: 10",
            "fp32: 1.0e-300",
            "peak_gmacs.fp32 must be at least 0.001 GMAC/s, got 1.0e-300",
        ),
        (
            "int8: 20",
            "int8: 1.0e+300",
            "peak_gmacs.int8 must be at most 10,000,000 GMAC/s, got 1.0e+300",
        ),
        ("fp16: 10", f"fp16: {HUGE}", "peak_gmacs.fp16 must be at most 10,000,000 GMAC/s"),
        (
            "bandwidth_gbs: 5",
            "bandwidth_gbs: 1.0e-300",
            "bandwidth_gbs must be at least 0.001 GB/s",
        ),
        (
            "bandwidth_gbs: 5",
            "bandwidth_gbs: 1.0e+300",
            "bandwidth_gbs must be at most 1,000,000 GB/s",
        ),
        ("bandwidth_gbs: 5", f"bandwidth_gbs: 1{'0' * 400}", "bandwidth_gbs must be at most"),
        ("bandwidth_gbs: 5", f"bandwidth_gbs: {HUGE}", "bandwidth_gbs must be at most"),
        ("bandwidth_gbs: 5", "bandwidth_gbs: .inf", "bandwidth_gbs must be at most"),
        (
            "launch_us: 1",
            "launch_us: 1.0e-300",
            "launch_us must be at least 0.001 us, got 1.0e-300",
        ),
        ("launch_us: 1", "launch_us: 1.0e+300", "launch_us must be at most 1,000,000 us"),
        (
            "launch_us: 1",
            "launch_us: 1\nefficiency: {fc: 1.0e-300}",
            "efficiency.fc must be at least 0.001",
        ),
    ],
)
def test_figures_out_of_range(run, spec_file, old, new, message):
    text = GOOD.replace(old, new)
    assert text != GOOD
    path = spec_file(text, "bad.yaml")
    result = run("analyze", "vgg16", "--device", path, "-f", "json")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert re.match(rf"error: {re.escape(path)}:\d+:\d+: ", first) and message in first, first
    assert len(first) < 200 + len(path)  # a 5,000-digit figure is shortened


@pytest.mark.parametrize("end", [0, 1])
def test_figures_at_the_ends_of_their_ranges(run, spec_file, tmp_path, end):
    low, high = (
        "peak_gmacs: {fp32: 0.001, fp16: 0.001, int8: 0.001}\nbandwidth_gbs: 0.001\n"
        "launch_us: 0.001\nefficiency: {depthwise: 0.001}\n",
        "peak_gmacs: {fp32: 10000000, fp16: 10000000, int8: 10000000}\n"
        "bandwidth_gbs: 1000000\nlaunch_us: 1000000\nefficiency: {depthwise: 1}\n",
    )
    text = "name: ends\n" + (low, high)[end]
    result = run("analyze", "vgg16", "--device", spec_file(text, "ends.yaml"), "-f", "json")
    assert result.exit_code == 0, result.stderr
    latency = json.loads(result.stdout)["totals"]["latency_ms"]
    assert math.isfinite(latency) and latency > 0
    # just beyond the ends: every figure refused (efficiency's 1 is the top of its scale)
    beyond = text.replace("0.001", "0.0009").replace("000000", "000001").replace(": 1}", ": 1.1}")
    result = run("analyze", "vgg16", "--device", spec_file(beyond, "beyond.yaml"), "-f", "json")
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {tmp_path}")
    assert "6 problems in the device profile" in result.stderr.splitlines()[0]


# -- the kind-aware model (issue 16): fusions, groups, element-wise work, combine -----------------

KINDS = GOOD + "combine: sum\nefficiency: {standard: 0.5, pointwise: 0.5, group: 0.25}\n"
"""10 GMAC/s peak, 5 GB/s, 1 us per node; work and memory add up."""


def spec_report(spec_file, layers: str, c: int = 8, hw: int = 4):
    return analyze_name(
        spec_file(f"name: t\ninput: {{c: {c}, h: {hw}, w: {hw}}}\nlayers: {layers}\n")
    )


def test_conv_bn_relu_fused_is_one_node(spec_file):
    # a 1x1 conv 8 -> 8 on 4x4 with bn and relu: with conv_bn and conv_act the bn and relu cost
    # no node of their own (ONNX Runtime folds them into the conv), else three nodes
    r = spec_report(spec_file, "[conv: {out: 8, bn: true, act: relu}]")
    assert [x.kind for x in r.layers] == ["conv", "bn", "relu"]
    fused = parse_device(KINDS + "fuse: [conv_bn, conv_act]\n", "x")
    conv, bn, relu = estimate(r, fused)
    macs, traffic = 16 * 8 * 8, (16 * 8 * 2 + 64) * 4  # MACs; (in + out + weights) x 4 bytes
    assert conv.ms == pytest.approx((macs / (10e9 * 0.5) + traffic / 5e9 + 1e-6) * 1e3)
    assert bn == relu == (0.0, "fused")  # folded into the conv: no time of its own
    alone = estimate(r, parse_device(KINDS, "x"))
    assert alone[0] == conv and all(t.ms > 1e-3 for t in alone)  # 1 us launch each
    # a conv read by two layers keeps its bn: the runtime cannot fold it
    two = spec_report(spec_file, "[conv: {out: 8, name: c}, bn, relu: {from: c}]")
    assert [t.ms > 0 for t in estimate(two, fused)] == [True, True, True]


def test_add_relu_and_conv_add_fusions(spec_file):
    layers = "[residual: {layers: [conv: {out: 8, bn: true}]}, relu]"
    r = spec_report(spec_file, layers)
    assert [x.kind for x in r.layers] == ["conv", "bn", "add", "relu"]
    alone = estimate(r, parse_device(KINDS + "fuse: [conv_bn, add_act]\n", "x"))
    assert [t.ms > 0 for t in alone] == [True, False, True, False]
    every = estimate(r, parse_device(KINDS + "fuse: [conv_bn, add_act, conv_add]\n", "x"))
    assert [t.ms > 0 for t in every] == [True, False, False, False]  # ResNet's block: one node


def test_elementwise_layers_are_memory_bound(spec_file):
    # relu on 8x4x4: 128 FLOPs (64 units of work), 256 elements moved
    r = spec_report(spec_file, "[relu]")
    (t,) = estimate(r, parse_device(KINDS, "x"))
    work, memory = 64 / 10e9, 256 * 4 / 5e9
    assert t.bound == "memory" and memory > 10 * work
    assert t.ms == pytest.approx((work + memory + 1e-6) * 1e3)
    (m,) = estimate(r, parse_device(KINDS.replace("combine: sum", "combine: max"), "x"))
    assert m.ms == pytest.approx((memory + 1e-6) * 1e3)  # the classic roofline


def test_group_count_raises_time_at_equal_macs(spec_file):
    # ShuffleNet V2 G2 (Table 2): at equal MACs more groups run slower; here because each group
    # costs group_us (2 us): a 1x1 conv 16 -> 16 with 4 groups on 4x4 pays 4 x 2 us
    device = parse_device(KINDS + "group_us: 2\n", "x")
    r = spec_report(spec_file, "[conv: {out: 16, groups: 4}]", c=16)
    (t,) = estimate(r, device)
    macs, traffic = 16 * 16 * 16 // 4, (16 * 16 * 2 + 16 * 4) * 4
    assert t.ms == pytest.approx((macs / (10e9 * 0.25) + traffic / 5e9 + 1e-6 + 4 * 2e-6) * 1e3)
    times = []
    for g, c in [(1, 128), (2, 180), (4, 256), (8, 360)]:  # examples/g2_groups.yaml's settings
        report = analyze_name(str(EXAMPLES / "g2_groups.yaml"), {"groups": g, "c": c})
        times.append(sum(t.ms for t in estimate(report, device)))
    assert times == sorted(times)
    # per_group launches: each group is a node (1 us each) on top of its group_us
    per = parse_device(KINDS + "group_us: 2\ngroup_launches: per_group\n", "x")
    assert estimate(r, per)[0].ms == pytest.approx(t.ms + 3e-3)


def test_g1_unequal_channels_slower_on_mobile_cpu(run):
    # ShuffleNet V2 Table 1 (G1), ARM: at (nearly) fixed FLOPs, c1:c2 = 1:1, 1:2, 1:6, 1:12 run
    # slower and slower; the settings' MACs differ by up to 5.5%, so the time per MAC is what
    # must rise. With work and memory added (combine sum) memory access shows in every 1x1 conv
    specs = [
        f"{EXAMPLES / 'g1_channels.yaml'}@c1={a},c2={b}"
        for a, b in [(32, 32), (22, 44), (13, 78), (9, 108)]  # the paper's ARM settings
    ]
    data = json.loads(run("compare", *specs, "--device", "mobile-cpu", "-f", "json").stdout)
    per_mac = [d["totals"]["latency_ms"] / d["totals"]["macs"] for d in data]
    assert per_mac == sorted(per_mac) and per_mac[-1] > 1.05 * per_mac[0]


def test_pwlinear_is_timed_as_pointwise_and_splits_as_copies(spec_file):
    r = spec_report(spec_file, "[pwlinear: {out: 8, bias: false}]")
    d = parse_device(KINDS.replace("group: 0.25", "fc: 0.01"), "x")  # fc is far slower
    assert r.layers[0].category == "fc"
    (t,) = estimate(r, d)
    work, memory = 16 * 8 * 8 / (10e9 * 0.5), (128 * 2 + 64) * 4 / 5e9
    assert t.ms == pytest.approx((work + memory + 1e-6) * 1e3)
    s = spec_report(spec_file, "[parallel: {split: true, merge: concat, branches: [[], [relu]]}]")
    assert [x.kind for x in s.layers] == ["split", "split", "relu", "concat"]
    views = estimate(s, parse_device(KINDS, "x"))
    copies = estimate(s, parse_device(KINDS + "copy_splits: true\n", "x"))
    assert views[0] == (0.0, "")
    assert copies[0].ms == pytest.approx((64 * 2 * 4 / 5e9 + 1e-6) * 1e3)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("combine: add\n", "combine must be one of max, sum, got 'add'"),
        ("fuse: [conv_bn, conv_relu]\n", "unknown fusion 'conv_relu'"),
        ("fuse: [conv_bn, conv_bn]\n", "fusion 'conv_bn' is listed twice"),
        ("fuse: conv_bn\n", "fuse must be a list"),
        ("copy_splits: 1\n", "copy_splits must be true or false"),
        ("group_us: -1\n", "group_us must be a positive number"),
    ],
)
def test_bad_kind_aware_keys(run, spec_file, extra, message):
    path = spec_file(GOOD + extra, "bad.yaml")
    result = run("analyze", "vgg16", "--device", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {path}:7:") and message in result.stderr


def test_new_keys_default_to_the_old_model():
    # a profile without them: max(work, memory), no fusion, no cost per group, splits are views
    d = parse_device(GOOD, "x")
    assert (d.combine, d.fuse, d.group_us, d.copy_splits) == ("max", (), 0.0, False)


def test_what_each_kind_fuses_as_is_registered():
    # ONNX Runtime's CPU provider: Conv+BatchNormalization folding, FusedConv activations
    # (Relu, Clip, Sigmoid, HardSigmoid, and HardSwish in its NCHWc convolutions), Add+Relu;
    # seen in the optimized graphs of the zoo (docs/devices.md)
    roles = {name: k.fuses for name, k in layers.KINDS.items() if k.fuses}
    assert roles == {
        "conv": "conv",
        "dwconv": "conv",
        "fc": "fc",
        "linear": "fc",
        "bn": "bn",
        "relu": "act",
        "relu6": "act",
        "sigmoid": "act",
        "hsigmoid": "act",
        "hswish": "act",
        "add": "add",
    }
