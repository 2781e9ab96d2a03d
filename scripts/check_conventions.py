"""Check `--convention` against the real counters on every built-in network's reference model.

Needs PyTorch and the four counters, which are never a test or CI dependency:

    pip install torch==2.14.1 torchvision==0.29.1 && pip install --no-deps pytorchcv
    pip install --no-deps ptflops==0.7.5 thop==0.1.1.post2209072238 fvcore==0.1.5.post20221221
    pip install iopath yacs tabulate termcolor
    export MOBILENEXT_PY=.../MobileNeXt/mobilenext/codebase/models/mnext.py  # optional
    python scripts/check_conventions.py

Builds every case of scripts/check_against_torch.py (57 variants), runs ptflops
(get_model_complexity_info, default pytorch backend), fvcore (FlopCountAnalysis.total), thop
(profile) and torch.utils.flop_counter.FlopCounterMode on it, and compares each total with
convcost's under the same convention. The totals it prints are asserted in
tests/test_conventions.py. Exit status 1 if any differs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
from fvcore.nn import FlopCountAnalysis
from ptflops import get_model_complexity_info
from thop import profile
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import convcost
from convcost.conventions import counted

TOOLS = ("ptflops", "fvcore", "thop", "torch")


def measure(model: nn.Module, shape: tuple[int, int, int]) -> dict[str, int]:
    """Each tool's total for one forward pass of a 1 x C x H x W input (`shape`)."""
    x = torch.zeros(1, *shape)
    model.eval()
    out = {}
    with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
        macs, _ = get_model_complexity_info(
            model, shape, as_strings=False, print_per_layer_stat=False, verbose=False
        )
        out["ptflops"] = int(macs)
        fv = FlopCountAnalysis(model, x)
        fv.unsupported_ops_warnings(False)
        fv.uncalled_modules_warnings(False)
        out["fvcore"] = int(fv.total())
        ops, _ = profile(model, inputs=(x,), verbose=False)
        out["thop"] = int(ops)
        with FlopCounterMode(display=False) as fc:
            model(x)
        out["torch"] = int(fc.get_total_flops())
    return out


def quiet() -> None:
    """Silence the counters' warnings (unsupported ops, uncalled modules, deprecations)."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


def main() -> None:
    from check_against_torch import cases  # needs pytorchcv

    quiet()
    bad = 0
    for name, sets, res, build in cases():
        theirs = measure(build(), (3, res, res))
        params: dict[str, Any] = {**sets, "resolution": res}
        report = convcost.analyze(name, **params)
        ours = {t: counted(report, t).total for t in TOOLS}
        same = ours == theirs
        cells = " ".join(
            f"{t}={theirs[t]}" + ("" if ours[t] == theirs[t] else f"/{ours[t]}") for t in TOOLS
        )
        print(f"{'OK  ' if same else 'DIFF'} {name} {sets} @{res}: {cells}", flush=True)
        bad += not same
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
