"""Layer-by-layer check of the built-in specs against their reference implementations.

Needs PyTorch, torchvision and pytorchcv, which are never a test or CI dependency:

    pip install torch==2.14.1 torchvision==0.29.1 && pip install --no-deps pytorchcv
    export MOBILENEXT_PY=.../MobileNeXt/mobilenext/codebase/models/mnext.py  # optional
    python scripts/check_against_torch.py

(MOBILENEXT_PY, optional: the authors' model file, from github.com/yitu-opensource/MobileNeXt.)

Builds each model with random weights, records every Conv2d and Linear in execution order with
forward hooks (MACs = output elements * in_channels / groups * kernel area; Linear: in * out
at every position), and compares that list and the model's parameter total with convcost's
conv and fc layers. The totals it prints are asserted in tests/test_zoo.py. Exit status 1 if
anything differs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import torch
import torchvision.models as tvm
from pytorchcv.model_provider import get_model
from torch import nn

Rows = list[tuple[int, int]]  # (MACs, params) per conv / fc layer


def reference(model: nn.Module, res: int) -> tuple[Rows, int]:
    """Conv and Linear layers of a forward pass at res x res, and the model's parameters."""
    rows: Rows = []

    def hook(m: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            macs = out.numel() * (m.in_channels // m.groups) * kh * kw
        else:  # a Linear at every position of its input (ConvNeXt's channels-last MLP)
            macs = out.numel() // m.out_features * m.in_features * m.out_features
        rows.append((macs, sum(p.numel() for p in m.parameters())))

    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.Linear):
            m.register_forward_hook(hook)
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, res, res))
    return rows, sum(p.numel() for p in model.parameters())


def convcost(name: str, sets: dict[str, Any], res: int) -> tuple[Rows, int]:
    """The same list from `convcost analyze -f json`."""
    args = ["convcost", "analyze", name, "-f", "json", "--set", f"resolution={res}"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    data = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    rows = [
        (x["macs"], x["params"])
        for x in data["layers"]
        if x["kind"] in ("conv", "dwconv", "fc", "pwlinear")
    ]
    return rows, data["totals"]["params"]


REGNETS = {  # torchvision's BlockParams.from_init_params arguments (regnet.py)
    "y_800mf": {"depth": 14, "w_0": 56, "w_a": 38.84, "w_m": 2.4, "group_width": 16},
    "y_1_6gf": {"depth": 27, "w_0": 48, "w_a": 20.71, "w_m": 2.65, "group_width": 24},
    "x_400mf": {
        "depth": 22,
        "w_0": 24,
        "w_a": 24.48,
        "w_m": 2.54,
        "group_width": 16,
        "se_ratio": 0,
    },
}


def cases() -> list[tuple[str, dict[str, Any], int, Callable[[], nn.Module]]]:
    """(spec, params, resolution, reference model) for every variant the implementations have."""
    out: list[tuple[str, dict[str, Any], int, Callable[[], nn.Module]]] = []
    for res in (224, 160, 96):
        out.append(("vgg16", {}, res, tvm.vgg16))
        out.append(("shufflenet_v2", {}, res, tvm.shufflenet_v2_x1_0))
    # pytorchcv's MobileNet pools with a fixed 7x7 window, so it only runs at 224
    for w, n in [(1.0, "w1"), (0.75, "w3d4"), (0.5, "wd2"), (0.25, "wd4")]:
        out.append(("mobilenet_v1", {"width": w}, 224, lambda n=n: get_model(f"mobilenet_{n}")))
    variants = [(g, 1.0, "w1") for g in (1, 2, 3, 4, 8)]
    variants += [
        (g, w, n) for w, n in [(0.75, "w3d4"), (0.5, "wd2"), (0.25, "wd4")] for g in (1, 3)
    ]
    for g, w, n in variants:
        out.append(
            (
                "shufflenet_v1",
                {"groups": g, "width": w},
                224,
                lambda g=g, n=n: get_model(f"shufflenet_g{g}_{n}"),
            )
        )
    for w, n in [(0.5, "x0_5"), (1.0, "x1_0"), (1.5, "x1_5"), (2.0, "x2_0")]:
        out.append(("shufflenet_v2", {"width": w}, 224, getattr(tvm, f"shufflenet_v2_{n}")))
    out += [
        ("alexnet", {}, 224, tvm.alexnet),
        ("squeezenet1_0", {}, 224, tvm.squeezenet1_0),
        ("squeezenet1_1", {}, 224, tvm.squeezenet1_1),
        ("resnet18", {}, 224, tvm.resnet18),
        ("resnet50", {}, 224, tvm.resnet50),
        ("resnext50_32x4d", {}, 224, tvm.resnext50_32x4d),
        ("googlenet", {}, 224, lambda: tvm.googlenet(aux_logits=False, init_weights=False)),
        ("inception_v3", {}, 299, lambda: tvm.inception_v3(aux_logits=False, init_weights=False)),
        ("mobilenet_v3_large", {}, 224, tvm.mobilenet_v3_large),
        ("mobilenet_v3_small", {}, 224, tvm.mobilenet_v3_small),
        ("seresnet50", {}, 224, lambda: get_model("seresnet50")),
        ("xception", {}, 299, lambda: get_model("xception")),
        ("mnasnet_a1", {}, 224, lambda: get_model("mnasnet_a1")),
        ("ghostnet", {}, 224, lambda: get_model("ghostnet")),
        ("igcv3", {}, 224, lambda: get_model("igcv3_w1")),
        ("fbnet_c", {}, 224, lambda: get_model("fbnet_cb")),
    ]
    out += [
        ("convnext_tiny", {}, 224, tvm.convnext_tiny),
        ("convnext_tiny", {"depth3": 27}, 224, tvm.convnext_small),
        ("convnext_tiny", {"dim": 128, "depth3": 27}, 224, tvm.convnext_base),
        ("convnext_tiny", {"dim": 192, "depth3": 27}, 224, tvm.convnext_large),
        ("efficientnet_b0", {}, 224, tvm.efficientnet_b0),
        ("efficientnet_b0", {"depth": 1.1}, 240, tvm.efficientnet_b1),
        ("efficientnet_b0", {"width": 1.1, "depth": 1.2}, 288, tvm.efficientnet_b2),
        ("densenet121", {}, 224, tvm.densenet121),
        ("densenet121", {"n3": 32, "n4": 32}, 224, tvm.densenet169),
        ("densenet121", {"n3": 48, "n4": 32}, 224, tvm.densenet201),
        ("densenet121", {"growth": 48, "n3": 36, "n4": 24}, 224, tvm.densenet161),
        ("regnet_y_400mf", {}, 224, tvm.regnet_y_400mf),
        ("regnet_y_400mf", REGNETS["y_800mf"], 224, tvm.regnet_y_800mf),
        ("regnet_y_400mf", REGNETS["y_1_6gf"], 224, tvm.regnet_y_1_6gf),
        ("regnet_y_400mf", REGNETS["x_400mf"], 224, tvm.regnet_x_400mf),
    ]
    for res in (160, 192):
        out.append(("convnext_tiny", {}, res, tvm.convnext_tiny))
        out.append(("efficientnet_b0", {}, res, tvm.efficientnet_b0))
        out.append(("densenet121", {}, res, tvm.densenet121))
        out.append(("regnet_y_400mf", {}, res, tvm.regnet_y_400mf))
    for w in (0.35, 0.5, 0.75, 1.0, 1.4):
        out.append(("mobilenet_v2", {"width": w}, 224, lambda w=w: tvm.mobilenet_v2(width_mult=w)))
    for w, n in [(0.5, "0_5"), (0.75, "0_75"), (1.0, "1_0"), (1.3, "1_3")]:
        out.append(("mnasnet1_0", {"width": w}, 224, getattr(tvm, f"mnasnet{n}")))
    for res in (160, 128):
        out.append(("resnet50", {}, res, tvm.resnet50))
        out.append(("mobilenet_v2", {}, res, tvm.mobilenet_v2))
    mnext = os.environ.get("MOBILENEXT_PY")  # yitu-opensource/MobileNeXt .../models/mnext.py
    if mnext:
        spec = importlib.util.spec_from_file_location("mnext", mnext)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for w in (0.75, 1.0, 1.4):
            out.append(("mobilenext", {"width": w}, 224, lambda w=w: module.mnext(width_mult=w)))
    return out


def main() -> None:
    bad = 0
    for name, sets, res, build in cases():
        ref, ref_params = reference(build(), res)
        ours, our_params = convcost(name, sets, res)
        same = ref == ours and ref_params == our_params
        line = (
            f"{'OK  ' if same else 'DIFF'} {name} {sets} @{res}: {len(ref)}/{len(ours)} "
            f"conv+fc layers, MACs {sum(m for m, _ in ref)}/{sum(m for m, _ in ours)}, "
            f"params {ref_params}/{our_params}"
        )
        if not same:
            i = next(
                (i for i, (a, b) in enumerate(zip(ref, ours, strict=False)) if a != b),
                min(len(ref), len(ours)),
            )
            line += f"; first difference at conv/fc #{i}"
        print(line)
        bad += not same
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
