"""--convention and `convcost explain`: other tools' totals, exactly, and why they differ."""

from __future__ import annotations

import csv
import io
import json

import pytest

import convcost
from convcost.cli.options import CONVENTIONS as CLI_NAMES
from convcost.conventions import CONVENTIONS, counted, explain
from convcost.expand import analyze
from convcost.spec import load_spec
from convcost.zoo import builtin_names

# What the tools themselves reported for each built-in network's reference implementation
# (torchvision 0.29.1 / pytorchcv 0.0.74 / the MobileNeXt authors' mnext.py; batch 1, eval),
# measured by `python scripts/check_conventions.py` with ptflops 0.7.5
# (get_model_complexity_info, default pytorch backend), fvcore 0.1.5.post20221221
# (FlopCountAnalysis.total), thop 0.1.1.post2209072238 (profile) and torch 2.14.1
# (torch.utils.flop_counter.FlopCounterMode.get_total_flops).
# (network, params, resolution, ptflops, fvcore, thop, torch)
MEASURED = [
    ("vgg16", {}, 224, 15523225576, 15470289408, 15470314496, 30940528640),
    ("shufflenet_v2", {}, 224, 152387568, 148808392, 152708792, 289815984),
    ("vgg16", {}, 160, 7980580840, 7953560064, 7953585152, 15907094528),
    ("shufflenet_v2", {}, 160, 78250800, 76424200, 78414200, 148868400),
    ("vgg16", {}, 96, 2952151016, 2942407168, 2942432256, 5884805120),
    ("shufflenet_v2", {}, 96, 28826288, 28168072, 28884472, 54903344),
    ("mobilenet_v1", {"width": 1.0}, 224, 589012456, 578825728, 588912128, 1137480704),
    ("mobilenet_v1", {"width": 0.75}, 224, 340604776, 332964480, 340529280, 650800896),
    ("mobilenet_v1", {"width": 0.5}, 224, 159633640, 154539776, 159582976, 298994176),
    ("mobilenet_v1", {"width": 0.25}, 224, 46099048, 43551616, 46073216, 82060544),
    ("shufflenet_v1", {"groups": 1, "width": 1.0}, 224, 151490728, 146903328, 150789408, 286157952),
    ("shufflenet_v1", {"groups": 2, "width": 1.0}, 224, 151772744, 145928592, 151099088, 281673024),
    ("shufflenet_v1", {"groups": 3, "width": 1.0}, 224, 150200104, 143458272, 149546208, 274921344),
    ("shufflenet_v1", {"groups": 4, "width": 1.0}, 224, 148521768, 141061792, 147883680, 268679552),
    ("shufflenet_v1", {"groups": 8, "width": 1.0}, 224, 157596904, 147623424, 157014144, 276731904),
    ("shufflenet_v1", {"groups": 1, "width": 0.75}, 224, 88851736, 85410936, 88325496, 165085344),
    ("shufflenet_v1", {"groups": 3, "width": 0.75}, 224, 89294968, 84238344, 88804296, 159480288),
    ("shufflenet_v1", {"groups": 1, "width": 0.5}, 224, 42723784, 40429584, 42372624, 77034816),
    ("shufflenet_v1", {"groups": 3, "width": 0.5}, 224, 43960072, 40588656, 43632624, 75179712),
    ("shufflenet_v1", {"groups": 1, "width": 0.25}, 224, 13106872, 11959272, 12930792, 22006368),
    ("shufflenet_v1", {"groups": 3, "width": 0.25}, 224, 14195416, 12509208, 14031192, 22019616),
    ("shufflenet_v2", {"width": 0.5}, 224, 44770632, 42524256, 44572064, 80952896),
    ("shufflenet_v2", {"width": 1.0}, 224, 152387568, 148808392, 152708792, 289815984),
    ("shufflenet_v2", {"width": 1.5}, 224, 306049608, 301294432, 306829472, 591518784),
    ("shufflenet_v2", {"width": 2.0}, 224, 596929776, 590741448, 598229432, 1166506928),
    ("alexnet", {}, 224, 716441128, 714197696, 714206912, 1428376960),
    ("squeezenet1_0", {}, 224, 836821960, 819093576, 819094576, 1637849152),
    ("squeezenet1_1", {}, 224, 359982728, 349320936, 349321936, 698303872),
    ("resnet18", {}, 224, 1825313768, 1819065856, 1824033792, 3628146688),
    ("resnet50", {}, 224, 4132436968, 4111512576, 4133742592, 8178368512),
    ("resnext50_32x4d", {}, 224, 4286878696, 4259381248, 4288184320, 8460959744),
    ("googlenet", {}, 224, 1513907448, 1504878688, 1511332032, 2996752384),
    ("inception_v3", {}, 299, 5747660552, 5731282144, 5749219168, 11426432192),
    ("mobilenet_v3_large", {}, 224, 231316416, 226033824, 234838456, 433179520),
    ("mobilenet_v3_small", {}, 224, 60910032, 59649536, 62477944, 113020800),
    ("seresnet50", {}, 224, 3912690168, 3887181824, 3908373248, 7720976384),
    ("xception", {}, 299, 8442157904, 8399677800, 8441954152, 16714806992),
    ("mnasnet_a1", {}, 224, 336609954, 324620128, 337069112, 623158144),
    ("ghostnet", {}, 224, 154029760, 148343152, 155426992, 281521760),
    ("igcv3", {}, 224, 341411560, 336383552, 359798208, 625940352),
    ("fbnet_c", {}, 224, 409766920, 397983968, 411009760, 769920320),
    ("mobilenet_v2", {"width": 0.35}, 224, 67698344, 65074080, 70736912, 118571616),
    ("mobilenet_v2", {"width": 0.5}, 224, 107804648, 104474784, 111692288, 194263680),
    ("mobilenet_v2", {"width": 0.75}, 224, 226182376, 220843120, 232491008, 418139584),
    ("mobilenet_v2", {"width": 1.0}, 224, 320300008, 314193216, 327486720, 601548544),
    ("mobilenet_v2", {"width": 1.4}, 224, 610186408, 601430480, 620489520, 1164391648),
    ("mnasnet1_0", {"width": 0.5}, 224, 115966088, 110586848, 116717728, 208911936),
    ("mnasnet1_0", {"width": 0.75}, 224, 233339512, 225023408, 234553712, 430986208),
    ("mnasnet1_0", {"width": 1.0}, 224, 334926312, 325329152, 336242432, 628831744),
    ("mnasnet1_0", {"width": 1.3}, 224, 553944552, 541067136, 555771840, 1052724864),
    ("resnet50", {}, 160, 2109389800, 2098713600, 2110056448, 4174643200),
    ("mobilenet_v2", {}, 160, 164045800, 160929600, 167712000, 308166400),
    ("resnet50", {}, 128, 1350747112, 1343913984, 1351174144, 2673246208),
    ("mobilenet_v2", {}, 128, 105450472, 103455744, 107796480, 198148096),
    ("mobilenext", {"width": 0.75}, 224, 224594776, 220325680, 232663200, 415853440),
    ("mobilenext", {"width": 1.0}, 224, 333165448, 327532192, 343660352, 622685184),
    ("mobilenext", {"width": 1.4}, 224, 619212208, 611212056, 634018840, 1176638512),
    ("regnet_y_400mf", {}, 224, 418388672, 410406088, 418183352, 803685696),
    ("densenet121", {}, 224, 2899843048, 2865546752, 2897007104, 5668323328),
    ("efficientnet_b0", {}, 224, 410196896, 401659392, 415145024, 771629504),
    ("convnext_tiny", {}, 224, 4488347368, 4470437376, 4464149760, 8911062528),
]


@pytest.mark.parametrize(("name", "sets", "res", "ptflops", "fvcore", "thop", "torch"), MEASURED)
def test_totals_equal_each_tool(name, sets, res, ptflops, fvcore, thop, torch):
    report = convcost.analyze(name, **sets, resolution=res)
    got = {t: counted(report, t).total for t in ("ptflops", "fvcore", "thop", "torch")}
    assert got == {"ptflops": ptflops, "fvcore": fvcore, "thop": thop, "torch": torch}


def test_every_builtin_network_is_measured():
    assert {row[0] for row in MEASURED} == set(builtin_names())


def test_the_issues_mobilenet_v2_figures():
    # Issue 7: torchvision MobileNet v2, conv+fc 300.8M, ptflops 320.3M, fvcore 314.2M.
    report = convcost.analyze("mobilenet_v2")
    assert round(counted(report, "paper").total / 1e6, 1) == 300.8
    assert round(counted(report, "ptflops").total / 1e6, 1) == 320.3
    assert round(counted(report, "fvcore").total / 1e6, 1) == 314.2


@pytest.mark.parametrize("name", ["vgg16", "mobilenet_v1", "shufflenet_v2", "resnet50"])
def test_paper_is_macs_and_torch_twice_that(name):
    report = convcost.analyze(name)
    assert counted(report, "paper").total == report.totals.macs
    assert counted(report, "torch").total == 2 * report.totals.macs


def test_cli_names_are_the_conventions():
    assert tuple(CONVENTIONS) == CLI_NAMES


NET = """
name: t
input: {c: 3, h: 8, w: 8}
defaults:
  relu: {torch: RELU}
layers:
  - conv: {out: 4, k: 3, bias: true, act: relu}
  - relu: {torch: nn.ReLU}
  - maxpool: {k: 2, torch: F.max_pool2d}
  - gap
  - fc: {out: 10}
"""


def test_the_torch_call_decides_what_hook_based_tools_see():
    report = analyze(load_spec(NET.replace("RELU", "F.relu"), "net.yaml"))
    assert [x.torch for x in report.layers] == [
        "nn.Conv2d",
        "F.relu",
        "nn.ReLU",
        "F.max_pool2d",
        "nn.AdaptiveAvgPool2d",
        "nn.Linear",
    ]
    conv_macs, act, fc_macs = 4 * 64 * 27, 4 * 64, 40
    ptflops = counted(report, "ptflops").layers
    # conv + bias per output; F.relu once; nn.ReLU twice (hook + patched F.relu);
    # F.max_pool2d once and nn.AdaptiveAvgPool2d twice, over the input; fc + bias.
    assert ptflops == [conv_macs + act, act, 2 * act, act, 2 * 64, fc_macs + 10]
    # thop: no bias, no ReLU or max pool; adaptive pool (4/1 * 4/1 + 1) per output.
    assert counted(report, "thop").layers == [conv_macs, 0, 0, 0, 17 * 4, fc_macs]
    assert counted(report, "fvcore").layers == [conv_macs, 0, 0, 0, 64, fc_macs]


def test_a_wrong_torch_call_is_a_located_error(run, spec_file):
    path = spec_file(NET.replace("RELU", "nn.Relu"))
    r = run("analyze", path)
    assert r.exit_code == 2
    assert "net.yaml:5" in r.stderr
    assert "'relu' is not computed by torch call 'nn.Relu'" in r.stderr
    assert "did you mean 'nn.ReLU'" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("name", ["mobilenet_v2", "inception_v3", "shufflenet_v1"])
def test_explain_columns_sum_to_each_total(name):
    report = convcost.analyze(name)
    calls = explain(report)
    assert sum(c.layers for c in calls) == len(report.layers)
    for conv in CONVENTIONS:
        assert sum(c.counts[conv] for c in calls) == counted(report, conv).total
        for c in calls:  # a call a convention has no rule for counts nothing there
            assert c.rules[conv] or c.counts[conv] == 0


def test_explain_table_names_the_tools_and_units(run):
    r = run("explain", "mobilenet_v2")
    assert r.exit_code == 0, r.stderr
    for text in ("ptflops 0.7.5", "fvcore 0.1.5", "thop 0.1.1", "FlopCounterMode", "1e6"):
        assert text in " ".join(r.stdout.split())
    total = next(line for line in r.stdout.splitlines() if line.strip().startswith("total"))
    assert total.split()[-5:] == ["300.8M", "320.3M", "314.2M", "327.5M", "601.5M"]


def test_explain_json_and_csv(run):
    data = json.loads(run("explain", "resnet18", "-f", "json").stdout)
    totals = {c["name"]: c["total"] for c in data["conventions"]}
    report = convcost.analyze("resnet18")
    assert totals == {n: counted(report, n).total for n in CONVENTIONS}
    rows = list(csv.DictReader(io.StringIO(run("explain", "resnet18", "-f", "csv").stdout)))
    for n in CONVENTIONS:
        assert sum(int(r["count"]) for r in rows if r["convention"] == n) == totals[n]


def test_analyze_with_a_convention(run):
    data = json.loads(run("analyze", "googlenet", "--convention", "ptflops", "-f", "json").stdout)
    assert data["convention"]["name"] == "ptflops"
    assert data["convention"]["unit"] == "MACs"
    assert sum(x["counted"] for x in data["layers"]) == data["totals"]["counted"] == 1513907448
    by = json.loads(
        run("analyze", "googlenet", "--convention", "thop", "--by", "block", "-f", "json").stdout
    )
    assert sum(g["counted"] for g in by["groups"]) == by["totals"]["counted"] == 1511332032
    rows = list(
        csv.DictReader(
            io.StringIO(run("analyze", "googlenet", "--convention", "torch", "-f", "csv").stdout)
        )
    )
    assert sum(int(r["torch_flops"]) for r in rows) == 2996752384
    assert {r["torch"] for r in rows if r["kind"] == "relu"} == {"F.relu"}
    table = run("analyze", "googlenet", "--convention", "fvcore").stdout
    assert "fvcore MACs" in table and "1,504,878,688 MACs in all" in " ".join(table.split())


def test_compare_with_a_convention(run):
    data = json.loads(
        run(
            "compare", "mobilenet_v2", "shufflenet_v2", "--convention", "fvcore", "-f", "json"
        ).stdout
    )
    assert [d["totals"]["counted"] for d in data] == [314193216, 148808392]
    out = run("compare", "mobilenet_v2", "shufflenet_v2", "--convention", "fvcore").stdout
    assert "fvcore MACs" in out and "314.2M" in out and "148.8M" in out


def test_unknown_convention_is_a_usage_error(run):
    r = run("analyze", "vgg16", "--convention", "flopth")
    assert r.exit_code == 2 and "flopth" in r.stderr


def test_a_torch_call_must_be_text(run, spec_file):
    r = run("analyze", spec_file(NET.replace("RELU", "[F.relu]")))
    assert r.exit_code == 2
    assert "net.yaml:5" in r.stderr and "torch must be a text" in r.stderr


def test_the_api_names_an_unknown_convention():
    with pytest.raises(
        convcost.errors.ConvcostError, match=r"unknown convention 'ptflop'.*ptflops"
    ):
        convcost.counted(convcost.analyze("vgg16"), "ptflop")


# -- the newer kinds, each against the four tools ------------------------------------------------

CONVNEXT_BLOCK = """
  - residual:
      layers:
        - dwconv: {k: 7, bias: true}
        - layernorm
        - pwlinear: {out: 4 * C, act: gelu}
        - pwlinear: {out: C // 4}
        - scale
"""
CONVNEXT_T = (
    "\nblocks:\n  cnblock:\n    layers:"
    + CONVNEXT_BLOCK.replace("\n  ", "\n      ")
    + """  stage:
    args: {n: required}
    layers: [repeat: {times: n, layers: [cnblock]}]
layers:
  - conv: {out: 96, k: 4, stride: 4, bias: true}
  - layernorm: {torch: LayerNorm2d}
  - stage: {n: 3}
  - layernorm: {torch: LayerNorm2d}
  - conv: {out: 192, k: 2, stride: 2, bias: true}
  - stage: {n: 3}
  - layernorm: {torch: LayerNorm2d}
  - conv: {out: 384, k: 2, stride: 2, bias: true}
  - stage: {n: 9}
  - layernorm: {torch: LayerNorm2d}
  - conv: {out: 768, k: 2, stride: 2, bias: true}
  - stage: {n: 3}
  - gap: {torch: nn.AdaptiveAvgPool2d}
  - layernorm: {torch: LayerNorm2d}
  - fc: {out: 1000}
"""
)
# What the tools reported for one PyTorch module per row (torch 2.14.1, torchvision 0.29.1;
# batch 1, eval), measured by `python scripts/check_kinds.py` with ptflops 0.7.5
# (get_model_complexity_info, pytorch backend), fvcore 0.1.5.post20221221
# (FlopCountAnalysis.total), thop 0.1.1.post2209072238 (profile) and
# torch.utils.flop_counter.FlopCounterMode; the script lists the module of each row (e.g.
# nn.ConvTranspose2d(4, 6, 3, 2, 1, output_padding=1, groups=2); nn.Linear and nn.LayerNorm
# between permutes to channels last; torchvision's CNBlock(96, 1e-6, 0.0) at 56x56 and
# convnext_tiny() at 224x224).
# (spec layers, input C x H x W, params, ptflops, fvcore, thop, torch)
MEASURED_KINDS = [
    (
        "deconv: {out: 6, k: 3, stride: 2, pad: 1, output_padding: 1, groups: 2, bias: true}",
        (4, 5, 7),
        114,
        4620,
        3780,
        15120,
        7560,
    ),
    ("deconv: {out: 6, k: 4, stride: 2, pad: 1}", (4, 5, 7), 384, 13440, 13440, 53760, 26880),
    (
        "deconv: {out: 6, k: [3, 2], stride: [2, 3], pad: [0, 1], output_padding: [1, 2], "
        "dilation: [2, 1]}",
        (4, 5, 7),
        144,
        5040,
        5040,
        40320,
        10080,
    ),
    ("deconv: {out: 4, k: 2, stride: 2, groups: 4}", (4, 5, 7), 16, 560, 560, 2240, 1120),
    ("layernorm", (4, 5, 7), 8, 140, 700, 560, 0),
    ("layernorm: {torch: LayerNorm2d}", (4, 5, 7), 8, 0, 700, 0, 0),
    ("gelu", (4, 5, 7), 0, 280, 0, 0, 0),
    ("gelu: {torch: F.gelu}", (4, 5, 7), 0, 140, 0, 0, 0),
    ("scale", (4, 5, 7), 4, 0, 0, 0, 0),
    ("pwlinear: {out: 16}", (4, 5, 7), 80, 2800, 2240, 2240, 4480),
    ("pwlinear: {out: 16, bias: false}", (4, 5, 7), 64, 2240, 2240, 2240, 4480),
    ("upsample: {scale_factor: 2}", (4, 5, 7), 0, 1120, 560, 560, 0),
    ("upsample: {scale_factor: [2, 3]}", (4, 5, 7), 0, 1680, 840, 840, 0),
    ("upsample: {scale_factor: 2, bilinear: true}", (4, 5, 7), 0, 1120, 2240, 6160, 0),
    ("upsample: {size: [8, 9], bilinear: true}", (4, 5, 7), 0, 576, 1152, 3168, 0),
    ("upsample: {size: [8, 9]}", (4, 5, 7), 0, 576, 288, 288, 0),
    ("upsample: {scale_factor: 2, torch: F.interpolate}", (4, 5, 7), 0, 560, 560, 0, 0),
    (
        "upsample: {size: [8, 9], bilinear: true, torch: F.interpolate}",
        (4, 5, 7),
        0,
        288,
        1152,
        0,
        0,
    ),
    (CONVNEXT_BLOCK, (96, 56, 56), 79296, 250478592, 247468032, 247166976, 491925504),
    (CONVNEXT_T, (3, 224, 224), 28589128, 4488347368, 4470437376, 4464149760, 8911062528),
]


def spec_of(layers: str, shape: tuple[int, int, int]) -> str:
    """A spec of `layers` (one layer written inline, or a spec's indented body) on `shape`."""
    c, h, w = shape
    body = layers if layers.startswith("\n") else f"\nlayers:\n  - {layers}\n"
    if "\nlayers:" not in body:
        body = "\nlayers:" + body
    return f"name: t\ninput: {{c: {c}, h: {h}, w: {w}}}{body}"


@pytest.mark.parametrize(
    ("layers", "shape", "params", "ptflops", "fvcore", "thop", "torch"), MEASURED_KINDS
)
def test_new_kinds_equal_each_tool(layers, shape, params, ptflops, fvcore, thop, torch):
    report = analyze(load_spec(spec_of(layers, shape), "net.yaml"))
    got = {t: counted(report, t).total for t in ("ptflops", "fvcore", "thop", "torch")}
    assert got == {"ptflops": ptflops, "fvcore": fvcore, "thop": thop, "torch": torch}
    assert report.totals.params == params  # sum(p.numel() for p in module.parameters())


def test_convnext_t_macs_are_torchvisions():
    # torchvision 0.29.1 ConvNeXt_Tiny_Weights.DEFAULT.meta: _ops 4.456 (GFLOPS: its conv and
    # fc MACs), num_params 28,589,128
    report = analyze(load_spec(spec_of(CONVNEXT_T, (3, 224, 224)), "net.yaml"))
    assert counted(report, "paper").total == report.totals.macs == 4455531264
    assert round(report.totals.macs / 1e9, 3) == 4.456
    assert report.totals.params == 28589128
