"""Check the newer layer kinds (deconv, layernorm, gelu, scale, pwlinear, upsample) against
PyTorch and the real counters: one tiny module per case, and a ConvNeXt block and ConvNeXt-T
from torchvision.

Needs PyTorch and the four counters, which are never a test or CI dependency (as for
scripts/check_conventions.py):

    pip install torch==2.14.1 torchvision==0.29.1
    pip install --no-deps ptflops==0.7.5 thop==0.1.1.post2209072238 fvcore==0.1.5.post20221221
    pip install iopath yacs tabulate termcolor tqdm pytest
    python scripts/check_kinds.py

For each case: the module's output shape and parameter count against convcost's, and the
totals of ptflops (get_model_complexity_info, default pytorch backend), fvcore
(FlopCountAnalysis.total), thop (profile) and torch.utils.flop_counter.FlopCounterMode against
convcost's under the same convention. The rows it prints are asserted in
tests/test_conventions.py (MEASURED_KINDS), whose ConvNeXt specs it analyzes. Exit status 1 if
anything differs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from check_conventions import TOOLS, measure, quiet
from torch import nn
from torchvision.models import convnext_tiny
from torchvision.models.convnext import CNBlock, LayerNorm2d

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_conventions import CONVNEXT_BLOCK, CONVNEXT_T, spec_of  # the specs the tests analyze

from convcost.conventions import counted
from convcost.expand import analyze
from convcost.spec import load_spec


class ChannelsLast(nn.Module):
    """`m` on the input permuted to N x H x W x C, the result permuted back (ConvNeXt's MLP)."""

    def __init__(self, m: nn.Module) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.m(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """A C x 1 x 1 parameter times the input, as torchvision's CNBlock writes it."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.layer_scale = nn.Parameter(torch.ones(c, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_scale * x


class Call(nn.Module):
    """A call of torch.nn.functional's `name` (gelu, interpolate), looked up at each call as
    ptflops patches it, in a module the tools have no hook for."""

    def __init__(self, name: str, **kwargs: object) -> None:
        super().__init__()
        self.name, self.kwargs = name, kwargs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(F, self.name)(x, **self.kwargs)


SMALL = (4, 5, 7)
CASES: list[tuple[str, tuple[int, int, int], Callable[[], nn.Module]]] = [
    (
        "deconv: {out: 6, k: 3, stride: 2, pad: 1, output_padding: 1, groups: 2, bias: true}",
        SMALL,
        lambda: nn.ConvTranspose2d(4, 6, 3, 2, 1, output_padding=1, groups=2),
    ),
    (
        "deconv: {out: 6, k: 4, stride: 2, pad: 1}",
        SMALL,
        lambda: nn.ConvTranspose2d(4, 6, 4, 2, 1, bias=False),
    ),
    (
        "deconv: {out: 6, k: [3, 2], stride: [2, 3], pad: [0, 1], output_padding: [1, 2], "
        "dilation: [2, 1]}",
        SMALL,
        lambda: nn.ConvTranspose2d(
            4, 6, (3, 2), (2, 3), (0, 1), (1, 2), dilation=(2, 1), bias=False
        ),
    ),
    (
        "deconv: {out: 4, k: 2, stride: 2, groups: 4}",
        SMALL,
        lambda: nn.ConvTranspose2d(4, 4, 2, 2, groups=4, bias=False),
    ),
    ("layernorm", SMALL, lambda: ChannelsLast(nn.LayerNorm(4))),
    ("layernorm: {torch: LayerNorm2d}", SMALL, lambda: LayerNorm2d(4)),
    ("gelu", SMALL, nn.GELU),
    ("gelu: {torch: F.gelu}", SMALL, lambda: Call("gelu")),
    ("scale", SMALL, lambda: LayerScale(4)),
    ("pwlinear: {out: 16}", SMALL, lambda: ChannelsLast(nn.Linear(4, 16))),
    ("pwlinear: {out: 16, bias: false}", SMALL, lambda: ChannelsLast(nn.Linear(4, 16, bias=False))),
    ("upsample: {scale_factor: 2}", SMALL, lambda: nn.Upsample(scale_factor=2)),
    ("upsample: {scale_factor: [2, 3]}", SMALL, lambda: nn.Upsample(scale_factor=(2, 3))),
    (
        "upsample: {scale_factor: 2, bilinear: true}",
        SMALL,
        lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
    ),
    (
        "upsample: {size: [8, 9], bilinear: true}",
        SMALL,
        lambda: nn.Upsample(size=(8, 9), mode="bilinear"),
    ),
    ("upsample: {size: [8, 9]}", SMALL, lambda: nn.Upsample(size=(8, 9))),
    (
        "upsample: {scale_factor: 2, torch: F.interpolate}",
        SMALL,
        lambda: Call("interpolate", scale_factor=2),
    ),
    (
        "upsample: {size: [8, 9], bilinear: true, torch: F.interpolate}",
        SMALL,
        lambda: Call("interpolate", size=(8, 9), mode="bilinear"),
    ),
    (CONVNEXT_BLOCK, (96, 56, 56), lambda: CNBlock(96, 1e-6, 0.0)),
    (CONVNEXT_T, (3, 224, 224), convnext_tiny),
]
"""(spec layers, input C x H x W, the PyTorch module computing them)."""


def main() -> None:
    quiet()
    bad = 0
    for layers, shape, build in CASES:
        model = build()
        report = analyze(load_spec(spec_of(layers, shape), "check.yaml"))
        theirs = measure(model, shape)
        with torch.no_grad():
            out = tuple(model.eval()(torch.zeros(1, *shape)).shape[1:])
        out += (1,) * (3 - len(out))  # a classifier's N x classes is classes x 1 x 1
        params = sum(p.numel() for p in model.parameters())
        ours = {t: counted(report, t).total for t in TOOLS}
        y = report.layers[-1].out
        same = ours == theirs and (y.c, y.h, y.w) == out and report.totals.params == params
        row = (params, *(theirs[t] for t in TOOLS))
        title = " ".join(layers.split())[:70]
        print(f"{'OK  ' if same else 'DIFF'} {title} {out} params, {', '.join(TOOLS)} = {row}")
        if not same:
            print(f"     convcost: {y} params {report.totals.params} {ours}")
        bad += not same
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
