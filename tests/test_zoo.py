"""Every built-in network against published numbers; each assertion cites its source.

Exact ground truth is the reference implementation's parameter count (pytorchcv 0.0.74's
own `_test()` asserts on `weight_count`; torchvision 0.29's weights `meta["num_params"]`).
MACs are checked against the papers' tables within their printed rounding, and against
torchvision's `meta["_ops"]` (GFLOPS that are MACs) to its two printed decimals.
"""

from __future__ import annotations

import json

import pytest

from convcost import analyze_name
from convcost.zoo import builtin_names


def totals(name: str, **sets: object) -> tuple[int, int]:
    r = analyze_name(name, {k: str(v) for k, v in sets.items()})
    return r.totals.macs, r.totals.params


def in_paper_millions(macs: int, printed: float) -> bool:
    """The paper prints whole millions, rounded or truncated: printed - 0.5 <= M < printed + 1."""
    return printed - 0.5 <= macs / 1e6 < printed + 1


# -- VGG16 -------------------------------------------------------------------------------------


def test_vgg16():
    macs, params = totals("vgg16")
    assert params == 138_357_544  # torchvision VGG16_Weights.IMAGENET1K_V1.meta["num_params"]
    assert round(macs / 1e9, 2) == 15.47  # torchvision meta["_ops"] = 15.47 (GFLOPS = GMACs)
    assert abs(macs / 15_300e6 - 1) < 0.015  # MobileNet v1 Table 8 / ShuffleNet Table 6: 15300M


def test_vgg16_first_conv_is_the_seed_example():
    # seed 001: 86,704,128 mult-adds, 1,728 weights (+ 64 biases in torchvision's layer)
    first = analyze_name("vgg16").layers[0]
    assert (first.cost.macs, first.cost.params) == (86_704_128, 1_728 + 64)


# -- MobileNet v1 -------------------------------------------------------------------------------

# width, pytorchcv model, its weight_count, paper Table 6: M mult-adds, M params
MOBILENET_WIDTHS = [
    (1.0, "mobilenet_w1", 4_231_976, 569, 4.2),
    (0.75, "mobilenet_w3d4", 2_585_560, 325, 2.6),
    (0.5, "mobilenet_wd2", 1_331_592, 149, 1.3),
    (0.25, "mobilenet_wd4", 470_072, 41, 0.5),
]


@pytest.mark.parametrize(
    ("width", "model", "count", "paper_macs", "paper_params"), MOBILENET_WIDTHS
)
def test_mobilenet_v1_widths(width, model, count, paper_macs, paper_params):
    macs, params = totals("mobilenet_v1", width=width)
    assert params == count  # pytorchcv models/mobilenet.py _test(): weight_count of `model`
    assert in_paper_millions(macs, paper_macs)  # Howard et al. 2017, Table 6
    assert round(params / 1e6, 1) == paper_params  # Table 6 (weights + BN; the paper rounds)


@pytest.mark.parametrize(
    ("resolution", "paper_macs"), [(224, 569), (192, 418), (160, 290), (128, 186)]
)
def test_mobilenet_v1_resolutions(resolution, paper_macs):
    macs, params = totals("mobilenet_v1", resolution=resolution)
    assert in_paper_millions(macs, paper_macs)  # Howard et al. 2017, Table 7
    assert params == 4_231_976  # Table 7: 4.2M at every resolution (resolution changes MACs only)


def test_mobilenet_v1_exact_macs():
    # the analytic count of Table 1 (conv + fc, 1000 classes): 568,740,352, i.e. 568.7M,
    # printed as 569M in Tables 4, 6, 7, 8
    assert totals("mobilenet_v1")[0] == 568_740_352
    assert in_paper_millions(totals("mobilenet_v1", width=0.5, resolution=160)[0], 76)  # Table 9


def test_mobilenet_v1_table2_breakdown(run):
    # Howard et al. 2017, Table 2: share of mult-adds and of parameters by layer type.
    data = json.loads(run("analyze", "mobilenet_v1", "--by", "category", "-f", "json").stdout)
    groups = {g["name"]: g for g in data["groups"]}
    macs = data["totals"]["macs"]
    # the paper's parameter shares are over conv and fc weights: batch norm ("other") and the
    # classifier's 1000 biases excluded
    groups["fc"]["params"] -= 1000
    weights = sum(g["params"] for name, g in groups.items() if name != "other")

    def share(name: str, field: str, whole: int) -> float:
        return round(100 * groups[name][field] / whole, 2)

    assert share("pointwise", "macs", macs) == 94.86  # Table 2: Conv 1x1 94.86%
    assert share("depthwise", "macs", macs) == 3.06  # Table 2: Conv DW 3x3 3.06%
    assert share("fc", "macs", macs) == 0.18  # Table 2: Fully Connected 0.18%
    # Table 2 prints 1.19% for the first 3x3 conv; Table 1's own layers give 1.91% and the
    # printed shares sum to 99.29%: a transposed-digit typo in the paper.
    assert share("standard", "macs", macs) == 1.91
    assert sum(
        share(c, "macs", macs) for c in ("pointwise", "depthwise", "fc")
    ) + 1.19 == pytest.approx(99.29)
    assert share("pointwise", "params", weights) == 74.59  # Table 2: 74.59%
    assert share("depthwise", "params", weights) == 1.06  # Table 2: 1.06%
    assert share("standard", "params", weights) == 0.02  # Table 2: 0.02%
    assert share("fc", "params", weights) == 24.33  # Table 2: 24.33%


# -- ShuffleNet v1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "count", "paper_macs"),
    [
        (1, 1_531_936, 143),
        (2, 1_733_848, 140),
        (3, 1_865_728, 137),
        (4, 1_968_344, 133),
        (8, 2_434_768, 137),
    ],
)
def test_shufflenet_v1_groups(groups, count, paper_macs):
    macs, params = totals("shufflenet_v1", groups=groups)
    assert params == count  # pytorchcv models/shufflenet.py _test(): shufflenet_g{groups}_w1
    # Zhang et al. 2017, Table 1 (its "FLOPs" are mult-adds): within 1.5%; the paper's own
    # arithmetic is not published (g=4 and g=8 come out 1.0% above it)
    assert abs(macs / (paper_macs * 1e6) - 1) < 0.015


@pytest.mark.parametrize(
    ("groups", "width", "count"),
    [
        (1, 0.75, 975_214),
        (3, 0.75, 1_238_266),
        (1, 0.5, 534_484),
        (3, 0.5, 718_324),
        (1, 0.25, 209_746),
        (3, 0.25, 305_902),
    ],
)
def test_shufflenet_v1_widths_pytorchcv(groups, width, count):
    # pytorchcv models/shufflenet.py _test(): shufflenet_g{1,3}_{w3d4,wd2,wd4}
    assert totals("shufflenet_v1", groups=groups, width=width)[1] == count


@pytest.mark.parametrize(
    ("width", "groups", "flops", "params"),
    [
        (2.0, 3, 524, 5.4),
        (1.5, 3, 292, 3.4),
        (1.0, 3, 138, 1.9),
        (1.0, 8, 138, 2.4),
        (0.5, 3, 38, 0.7),
    ],
)
def test_shufflenet_v1_megvii_release(width, groups, flops, params):
    # megvii-model/ShuffleNet-Series ShuffleNetV1/README.md: FLOPs (mult-adds) and params.
    # Its counting tool is not published: MACs within its printed rounding (0.5M) or 1%,
    # whichever is larger; params within the printed 0.05M
    # plus the 1000 classifier biases Megvii's bias-free classifier lacks. (Its 0.5x g=8 uses a
    # 16-channel stem that no width rule gives; not built here.)
    macs, count = totals("shufflenet_v1", width=width, groups=groups)
    assert abs(macs / 1e6 - flops) <= max(0.5, 0.01 * flops)
    assert abs(count - params * 1e6) <= 0.05e6 + 1000


def test_shufflenet_v1_table2_levels():
    # Zhang et al. 2017, Table 2: 1x ~140, 0.5x ~38 MFLOPs at g=3 (Table 5/8: 0.5x = 38M)
    assert round(totals("shufflenet_v1", width=1.0)[0] / 1e6) in (137, 138)
    assert round(totals("shufflenet_v1", width=0.5)[0] / 1e6) == 38
    # Table 2 prints 13 MFLOPs for 0.25x; pytorchcv's shufflenet_g3_wd4 (int(c * 0.25) channels)
    # gives 11.0M: the paper does not say how it rounds channels at 0.25x (see the spec's doc)
    assert round(totals("shufflenet_v1", width=0.25)[0] / 1e5) == 110


def test_shufflenet_v1_alias_is_the_headline_model():
    # `shufflenet` = ShuffleNet v1 1x g=3, the paper's headline (Table 1: 137M)
    assert totals("shufflenet") == totals("shufflenet_v1", groups=3, width=1.0)


# -- ShuffleNet v2 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "count", "ops", "paper_macs", "paper_params"),
    [
        (0.5, 1_366_792, 0.04, 41, 1.4),
        (1.0, 2_278_604, 0.145, 146, 2.3),
        (1.5, 3_503_624, 0.296, 299, 3.5),
        (2.0, 7_393_996, 0.583, 591, 7.4),
    ],
)
def test_shufflenet_v2(width, count, ops, paper_macs, paper_params):
    macs, params = totals("shufflenet_v2", width=width)
    # torchvision ShuffleNet_V2_X*_Weights.IMAGENET1K_V1.meta: num_params and _ops (GFLOPS=GMACs)
    assert params == count
    assert round(macs / 1e9, len(str(ops)) - 2) == ops
    # Ma et al. 2018, Table 5: FLOPs (= mult-adds) within 1.5%, params to the printed 0.1M
    assert abs(macs / (paper_macs * 1e6) - 1) < 0.015
    assert round(params / 1e6, 1) == paper_params


def test_every_builtin_is_tested_here():
    tested = {"vgg16", "mobilenet_v1", "shufflenet_v1", "shufflenet_v2"} | {
        name for name, *_ in IMPLEMENTATION_COUNTS
    }
    assert set(builtin_names()) == tested


# torchvision's RegNet configurations (regnet.py, BlockParams.from_init_params arguments)
Y800 = {"depth": 14, "w_0": 56, "w_a": 38.84, "w_m": 2.4, "group_width": 16}
Y1_6 = {"depth": 27, "w_0": 48, "w_a": 20.71, "w_m": 2.65, "group_width": 24}
X400 = {"depth": 22, "w_0": 24, "w_a": 24.48, "w_m": 2.54, "group_width": 16, "se_ratio": 0}


# -- every conv and fc layer equal to the reference implementation -------------------------------
# Totals printed by scripts/check_against_torch.py (torch 2.14.1, torchvision 0.29.1, pytorchcv
# 0.0.74: forward hooks on every Conv2d and Linear), which also found every layer's MACs and
# params equal, in order. Asserted here so CI checks them without torch.


@pytest.mark.parametrize(
    ("name", "sets", "macs", "params"),
    [
        ("vgg16", {"resolution": 160}, 7_953_547_264, 138_357_544),  # torchvision vgg16
        ("vgg16", {"resolution": 96}, 2_942_402_560, 138_357_544),
        ("shufflenet_v2", {"resolution": 160}, 74_434_200, 2_278_604),  # shufflenet_v2_x1_0
        ("shufflenet_v2", {"resolution": 96}, 27_451_672, 2_278_604),
        ("shufflenet_v2", {"width": 0.5}, 40_476_448, 1_366_792),  # shufflenet_v2_x0_5
        ("shufflenet_v2", {"width": 1.5}, 295_759_392, 3_503_624),  # shufflenet_v2_x1_5
        ("shufflenet_v2", {"width": 2.0}, 583_253_464, 7_393_996),  # shufflenet_v2_x2_0
        ("mobilenet_v1", {"width": 0.75}, 325_400_448, 2_585_560),  # pytorchcv mobilenet_w3d4
        ("mobilenet_v1", {"width": 0.25}, 41_030_272, 470_072),  # pytorchcv mobilenet_wd4
        ("shufflenet_v1", {"groups": 1}, 143_078_976, 1_531_936),  # pytorchcv shufflenet_g1_w1
        ("shufflenet_v1", {"groups": 8}, 138_365_952, 2_434_768),  # pytorchcv shufflenet_g8_w1
        ("shufflenet_v1", {"groups": 1, "width": 0.75}, 82_542_672, 975_214),  # g1_w3d4
        ("shufflenet_v1", {"groups": 3, "width": 0.25}, 11_009_808, 305_902),  # g3_wd4
        ("regnet_y_400mf", {"resolution": 160}, 205_562_016, 4_344_144),  # regnet_y_400mf
        ("regnet_y_400mf", Y800, 833_856_256, 6_432_512),  # regnet_y_800mf
        ("regnet_y_400mf", Y1_6, 1_612_076_160, 11_202_430),  # regnet_y_1_6gf
        ("regnet_y_400mf", X400, 413_812_608, 5_495_976),  # regnet_x_400mf
        ("densenet121", {"resolution": 160}, 1_446_502_400, 7_978_856),  # densenet121
        ("densenet121", {"n3": 32, "n4": 32}, 3_359_843_328, 14_149_480),  # densenet169
        ("densenet121", {"n3": 48, "n4": 32}, 4_291_365_888, 20_013_928),  # densenet201
        ("densenet121", {"growth": 48, "n3": 36, "n4": 24}, 7_727_907_072, 28_681_000),  # 161
        ("efficientnet_b0", {"resolution": 160}, 197_778_400, 5_288_548),  # efficientnet_b0
        ("efficientnet_b0", {"depth": 1.1, "resolution": 240}, 686_802_832, 7_794_184),  # _b1
        (
            "efficientnet_b0",
            {"width": 1.1, "depth": 1.2, "resolution": 288},
            1_087_529_456,
            9_109_994,
        ),  # _b2
        ("convnext_tiny", {"resolution": 160}, 2_273_606_400, 28_589_128),  # convnext_tiny
        ("convnext_tiny", {"depth3": 27}, 8_683_712_256, 50_223_688),  # convnext_small
        ("convnext_tiny", {"dim": 128, "depth3": 27}, 15_354_729_472, 88_591_464),  # _base
        ("convnext_tiny", {"dim": 192, "depth3": 27}, 34_361_433_600, 197_767_336),  # _large
    ],
)
def test_macs_equal_reference_implementation(name, sets, macs, params):
    assert totals(name, **sets) == (macs, params)


# -- the seed zoo (issue 4): each network against its implementation's published count --------

IMPLEMENTATION_COUNTS = [
    # name, params, where the count is published; MACs as scripts/check_against_torch.py found
    # them equal to the implementation, layer by layer
    ("alexnet", 61_100_840, 714_188_480),  # torchvision AlexNet_Weights meta num_params
    ("squeezenet1_0", 1_248_424, 818_924_576),  # torchvision SqueezeNet1_0_Weights meta
    ("squeezenet1_1", 1_235_496, 349_151_936),  # torchvision SqueezeNet1_1_Weights meta
    ("resnet18", 11_689_512, 1_814_073_344),  # torchvision ResNet18_Weights meta
    ("resnet50", 25_557_032, 4_089_184_256),  # torchvision ResNet50_Weights meta
    ("resnext50_32x4d", 25_028_904, 4_230_479_872),  # torchvision ResNeXt50_32X4D_Weights meta
    ("googlenet", 6_624_904, 1_498_376_192),  # torchvision GoogLeNet_Weights meta
    ("inception_v3", 23_834_568, 5_713_216_096),  # torchvision inception_v3(aux_logits=False)
    ("mobilenet_v2", 3_504_872, 300_774_272),  # torchvision MobileNet_V2_Weights meta
    ("mobilenet_v3_large", 5_483_032, 216_589_760),  # torchvision MobileNet_V3_Large meta
    ("mobilenet_v3_small", 2_542_856, 56_510_400),  # torchvision MobileNet_V3_Small meta
    ("mnasnet1_0", 4_383_312, 314_415_872),  # torchvision MNASNet1_0_Weights meta
    ("seresnet50", 28_088_024, 3_860_488_192),  # pytorchcv seresnet.py _test() weight_count
    ("xception", 22_855_952, 8_357_403_496),  # pytorchcv xception.py _test(); Xception Table 3
    ("mnasnet_a1", 3_887_038, 311_579_072),  # pytorchcv mnasnet.py _test() weight_count
    ("ghostnet", 5_180_840, 140_760_880),  # pytorchcv ghostnet.py _test() weight_count
    ("igcv3", 3_491_688, 312_970_176),  # pytorchcv igcv3.py _test(): igcv3_w1
    ("fbnet_c", 5_572_200, 384_960_160),  # pytorchcv fbnet.py _test(): fbnet_cb
    ("mobilenext", 3_535_416, 311_342_592),  # the authors' mnext.py, counted by torch hooks
    ("regnet_y_400mf", 4_344_144, 401_842_848),  # torchvision RegNet_Y_400MF_Weights meta
    ("densenet121", 7_978_856, 2_834_161_664),  # torchvision DenseNet121_Weights meta
    ("efficientnet_b0", 5_288_548, 385_814_752),  # torchvision EfficientNet_B0_Weights meta
    ("convnext_tiny", 28_589_128, 4_455_531_264),  # torchvision ConvNeXt_Tiny_Weights meta
]


@pytest.mark.parametrize(("name", "params", "macs"), IMPLEMENTATION_COUNTS)
def test_zoo_equals_its_implementation(name, params, macs):
    assert totals(name) == (macs, params)


@pytest.mark.parametrize(
    ("name", "ops"),
    [
        ("alexnet", 0.714),
        ("squeezenet1_0", 0.819),
        ("squeezenet1_1", 0.349),
        ("resnet18", 1.814),
        ("resnet50", 4.089),
        ("resnext50_32x4d", 4.23),
        ("googlenet", 1.498),
        ("inception_v3", 5.713),
        ("mobilenet_v2", 0.301),
        ("mobilenet_v3_large", 0.217),
        ("mobilenet_v3_small", 0.057),
        ("mnasnet1_0", 0.314),
        ("regnet_y_400mf", 0.402),
        ("densenet121", 2.834),
        ("efficientnet_b0", 0.386),
        ("convnext_tiny", 4.456),
    ],
)
def test_zoo_macs_equal_torchvision_gflops(name, ops):
    # torchvision 0.29 weights meta["_ops"] (GFLOPS that are MACs), to its printed digits
    assert round(totals(name)[0] / 1e9, len(str(ops)) - 2) == ops


@pytest.mark.parametrize(
    ("width", "count", "ops"),
    [(0.5, 2_218_512, 0.104), (0.75, 3_170_208, 0.215), (1.3, 6_282_256, 0.526)],
)
def test_mnasnet_widths(width, count, ops):
    # torchvision MNASNet0_5 / 0_75 / 1_3 weights meta: num_params and _ops
    macs, params = totals("mnasnet1_0", width=width)
    assert params == count and round(macs / 1e9, 3) == ops


@pytest.mark.parametrize(
    ("name", "sets", "paper_macs", "tolerance"),
    [
        ("alexnet", {}, 720e6, 0.01),  # MobileNet v1 Table 9; ShuffleNet Table 6: 720M
        ("googlenet", {}, 1.5e9, 0.01),  # GoogLeNet Sec. 5: 1.5 billion multiply-adds
        ("resnet18", {}, 1.8e9, 0.01),  # ResNet Table 1: 1.8 x 10^9
        ("resnet50", {"stride_in_3x3": "false"}, 3.86e9, 0.001),  # SENet Sec. 4: 3.86 GFLOPs
        ("resnext50_32x4d", {}, 4.2e9, 0.01),  # ResNeXt Table 1: 4.2 x 10^9 FLOPs
        ("seresnet50", {}, 3.87e9, 0.003),  # SENet Sec. 4: 3.87 GFLOPs (ours: 3.860)
        ("mobilenet_v2", {}, 300e6, 0.01),  # MobileNet v2 Table 4: 300M
        ("mobilenet_v2", {"width": 1.4}, 585e6, 0.01),  # Table 4: 585M (TF release: 582M)
        ("mobilenet_v3_large", {}, 217e6, 0.005),  # TF release 217M (paper Table 3: 219M)
        ("mnasnet_a1", {}, 312e6, 0.005),  # MnasNet Sec. 6.1 / Table 1: 312M
        ("ghostnet", {}, 141e6, 0.005),  # GhostNet Table 7: 141M (README: 142M MAdds)
        ("mobilenext", {"width": 1.4}, 590e6, 0.005),  # authors' README: 590M at 1.40
        ("regnet_y_400mf", {}, 0.4e9, 0.01),  # pycls MODEL_ZOO (the paper's): 0.4B flops
        ("efficientnet_b0", {}, 0.39e9, 0.015),  # EfficientNet Table 2: B0 0.39B FLOPs
        ("convnext_tiny", {}, 4.5e9, 0.01),  # ConvNeXt Table 1: 4.5G FLOPs (fvcore's: MACs)
    ],
)
def test_zoo_macs_against_papers(name, sets, paper_macs, tolerance):
    assert abs(totals(name, **sets)[0] / paper_macs - 1) < tolerance


def test_paper_figures_that_the_implementations_do_not_reproduce():
    # Kept visible on purpose: convcost follows the implementation and shows the paper beside it.
    # MobileNet v3 Table 3: Small 1.0 = 66M, 2.9M; torchvision's model is 56.5M, 2.54M.
    assert totals("mobilenet_v3_small") == (56_510_400, 2_542_856)
    # MobileNeXt README: 1.00 = 300M, 3.5M; the authors' own code counts 311.3M (3.5M params).
    macs, params = totals("mobilenext")
    assert round(params / 1e6, 1) == 3.5 and round(macs / 1e6) == 311
    # FBNet Table 2: FBNet-C 375M FLOPs (mult-adds); pytorchcv's fbnet_cb counts 385.0M
    assert round(totals("fbnet_c")[0] / 1e6) == 385


def test_resnext_pointwise_share(run, spec_file):
    # ShuffleNet (Zhang et al. 2017) Sec. 3.1: in a ResNeXt unit with cardinality 32 the
    # pointwise convolutions take 93.4% of the mult-adds. One stride-1 unit of ResNeXt-50
    # stage 1 (256 -> 128 -> 256 channels, 3x3 in 32 groups) on 56x56:
    path = spec_file(
        "name: resnext_unit\ninput: {c: 256, h: 56, w: 56}\nlayers:\n"
        "  - residual:\n      layers:\n"
        "        - conv: {out: 128}\n        - conv: {out: 128, k: 3, groups: 32}\n"
        "        - conv: {out: 256}\n"
    )
    data = json.loads(run("analyze", path, "--by", "category", "-f", "json").stdout)
    groups = {g["name"]: g["macs"] for g in data["groups"]}
    assert round(100 * groups["pointwise"] / data["totals"]["macs"], 1) == 93.4
    assert groups["pointwise"] == 2 * 56 * 56 * 256 * 128  # hw * 2cm (Sec. 3.2)
    assert groups["group"] == 56 * 56 * 9 * 128 * 128 // 32  # hw * 9m^2 / g


def compared(run, *names: str) -> dict[str, dict]:
    data = json.loads(run("compare", *names, "-f", "json").stdout)
    return {d["label"]: d for d in data}


def test_mobilenet_table8_against_googlenet_and_vgg16(run):
    # MobileNet v1 Table 8 and Sec. 4.7: "nearly as accurate as VGG16 while being 32 times
    # smaller and 27 times less compute intensive"; smaller than GoogLeNet and "more than 2.5
    # times less computation". Ratios from `compare`, MobileNet first:
    d = compared(run, "mobilenet_v1", "googlenet", "vgg16")
    assert int(d["vgg16"]["ratio_to_first"]["params"]) == 32
    assert int(d["vgg16"]["ratio_to_first"]["macs"]) == 27
    assert d["googlenet"]["ratio_to_first"]["macs"] > 2.5
    assert d["googlenet"]["ratio_to_first"]["params"] > 1


def test_mobilenet_table9_against_alexnet_and_squeezenet(run):
    # MobileNet v1 Table 9 / Sec. 4.7: 0.50 MobileNet-160 is "45x smaller and 9.4x less
    # compute than AlexNet" (60M params, 720M mult-adds there; torchvision's AlexNet has 61.1M
    # and 714M), and "about the same size" as SqueezeNet "and 22x less computation" (which
    # takes SqueezeNet at 1700M). With torchvision's SqueezeNet 1.0 (819M, the figure
    # ShuffleNet's Table 6 gives as 833M) the compute ratio is 10.7x, not 22x.
    d = compared(run, "mobilenet_v1@width=0.5,resolution=160", "alexnet", "squeezenet1_0")
    alexnet, squeezenet = d["alexnet"]["ratio_to_first"], d["squeezenet1_0"]["ratio_to_first"]
    assert abs(alexnet["params"] / 45 - 1) < 0.05
    assert abs(alexnet["macs"] / 9.4 - 1) < 0.02
    assert abs(squeezenet["params"] - 1) < 0.07  # the paper's own: 1.25M / 1.32M = 0.947
    assert round(squeezenet["macs"], 1) == 10.7


def test_mobilenet_table10_dogs_heads(run):
    # MobileNet v1 Table 10 (Stanford Dogs, 120 classes): 1.0 MobileNet-224 3.3M params,
    # 0.75 MobileNet-224 1.9M; mult-adds 569M and 325M as on ImageNet (the head is tiny)
    d = compared(run, "mobilenet_v1@classes=120", "mobilenet_v1@classes=120,width=0.75")
    assert round(d["mobilenet_v1@classes=120"]["totals"]["params"] / 1e6, 1) == 3.3
    assert round(d["mobilenet_v1@classes=120,width=0.75"]["totals"]["params"] / 1e6, 1) == 1.9
    assert round(d["mobilenet_v1@classes=120"]["totals"]["macs"] / 1e6) == 568  # 569 printed


def test_alias_index_agrees_with_the_specs():
    # zoo.aliases() scans each spec's `aliases: [...]` line instead of parsing the zoo
    from convcost.zoo import aliases, builtin

    parsed = {a: name for name in builtin_names() for a in builtin(name).aliases}
    assert aliases() == parsed
    assert parsed["shufflenet"] == "shufflenet_v1" and parsed["senet"] == "seresnet50"


@pytest.mark.parametrize("name", builtin_names())
def test_every_published_top1_is_reachable(name):
    # each built-in has a top-1 accuracy at its defaults, and every entry is found again from
    # its own `at` (the network builds with those params and no earlier entry shadows it)
    from convcost.expand import analyze, published_top1
    from convcost.zoo import builtin

    spec = builtin(name)
    assert published_top1(spec, analyze(spec).params) is not None
    for t in spec.top1:
        sets = {k: str(v.raw) for k, v in t.at.items()}
        assert published_top1(spec, analyze(spec, sets).params) is t
        assert 0 < t.value <= 100 and len(t.source) > 10


def test_list_shows_top1_with_its_source(run):
    # MobileNet v1 Tables 6 and 8: 1.0 MobileNet-224 70.6%, 0.25 MobileNet-224 50.6%
    data = {d["name"]: d for d in json.loads(run("list", "-f", "json").stdout)}
    top1 = data["mobilenet_v1"]["top1"]
    assert top1[0] == {"value": 70.6, "source": top1[0]["source"], "at": {}}
    assert {"value": 50.6, "source": "Table 6 (0.25 MobileNet-224)", "at": {"width": 0.25}} in top1
    assert "70.6%" in run("list").stdout
