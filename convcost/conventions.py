"""Other tools' counting conventions, rule by rule, so that convcost can give their totals exactly.

Counters disagree because each counts different operations: the papers count the
multiply-accumulates of convolution and fully connected layers only; ptflops adds biases, batch
norm, activations and pooling; fvcore adds batch norm and adaptive pooling; thop counts batch norm
twice over; torch's FlopCounterMode counts 2 FLOPs per MAC. And the hook-based tools only see
what the model calls: ptflops counts an `nn.ReLU` module twice (its module hook, then its
patched `F.relu`), a bare `F.relu` once, and `x + y` not at all. So every rule below is keyed by
the PyTorch call that computes a layer, as the tools key theirs by module type or aten op; a
layer's call is its kind's usual module unless the spec says otherwise (`torch: F.relu`, see
`layers.register`). A call a convention does not list counts 0 there.

Each rule was read from the tool's source (ptflops 0.7.5 pytorch_ops.py / pytorch_engine.py,
fvcore 0.1.5 flop_count.py / jit_handles.py, thop 0.1.1 profile.py / vision/basic_hooks.py /
calc_func.py, torch 2.x utils/flop_counter.py) and the totals checked against the tools
themselves on every built-in network's reference implementation
(scripts/check_conventions.py). All counts are per sample and exact ints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from convcost.analysis import LayerCost, Report, group_sums
from convcost.errors import ConvcostError, did_you_mean
from convcost.layers import KINDS


class Rule(NamedTuple):
    """How one tool counts one PyTorch call: the formula in words, and as a function."""

    text: str
    count: Callable[[LayerCost], int]


class Convention(NamedTuple):
    """A counting convention: whose it is, what unit it reports, its rules by PyTorch call."""

    name: str
    tool: str
    unit: str
    summary: str
    rules: dict[str, Rule]


def _macs(x: LayerCost) -> int:
    return x.cost.macs


def _out(x: LayerCost) -> int:
    return x.out.numel


def _in(x: LayerCost) -> int:
    return x.inputs[0].numel


def _bias(x: LayerCost) -> bool:
    return bool(x.args.get("bias", KINDS[x.kind].args["bias"].default))


def _thop_adaptive(x: LayerCost) -> int:
    """thop's adaptive pooling: (H_in/H_out * W_in/W_out + 1) * output elements, computed in
    float64 and truncated, as thop does (calc_func.calculate_adaptive_avg)."""
    i, y = x.inputs[0], x.out
    return int((i.h / y.h * (i.w / y.w) + 1) * y.numel)


_MACS = Rule("MACs", _macs)
_OUT = Rule("output elements", _out)
_IN = Rule("input elements", _in)
_IN2 = Rule("2 x input elements (module hook + patched functional)", lambda x: 2 * _in(x))
_BN2 = Rule("2 x elements (affine: scale, shift)", lambda x: 2 * _in(x))
_MERGE = Rule("output elements per call", lambda x: (len(x.inputs) - 1) * _out(x))

CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "paper",
            "the papers (MobileNet, ShuffleNet), torchvision's GFLOPS",
            "MACs",
            "multiply-accumulates of conv and fc layers only; no bias, BN, activation, pool",
            {"nn.Conv2d": _MACS, "nn.Linear": _MACS},
        ),
        Convention(
            "ptflops",
            "ptflops 0.7.5, pytorch backend",
            "MACs",
            "conv and fc MACs + bias; BN, activations and pools per element; module hooks plus "
            "patched torch.nn.functional, so a module calling a patched function counts twice",
            {
                "nn.Conv2d": Rule(
                    "MACs + output elements if bias",
                    lambda x: _macs(x) + (_out(x) if _bias(x) else 0),
                ),
                "nn.Linear": Rule(
                    "MACs + outputs if bias", lambda x: _macs(x) + (x.out.c if _bias(x) else 0)
                ),
                "nn.BatchNorm2d": _BN2,
                "nn.ReLU": Rule(
                    "2 x output elements (module hook + patched F.relu)", lambda x: 2 * _out(x)
                ),
                "F.relu": _OUT,
                "nn.ReLU6": Rule("output elements (calls F.hardtanh, not patched)", _out),
                "F.relu6": _OUT,
                "nn.SiLU": Rule("output elements (no module hook; patched F.silu)", _out),
                "F.silu": _OUT,
                "nn.MaxPool2d": _IN2,
                "nn.AvgPool2d": _IN2,
                "nn.AdaptiveAvgPool2d": _IN2,
                "F.max_pool2d": _IN,
                "F.avg_pool2d": _IN,
                "F.adaptive_avg_pool2d": _IN,
                "torch.add": _MERGE,
                "torch.mul": _MERGE,
            },
        ),
        Convention(
            "fvcore",
            "fvcore 0.1.5 FlopCountAnalysis",
            "MACs",
            "one fused multiply-add = one flop: conv and fc MACs (no bias), batch norm, "
            "adaptive average pooling; every other op is skipped",
            {
                "nn.Conv2d": _MACS,
                "nn.Linear": _MACS,
                "nn.BatchNorm2d": _BN2,
                "nn.AdaptiveAvgPool2d": _IN,
                "F.adaptive_avg_pool2d": _IN,
            },
        ),
        Convention(
            "thop",
            "thop 0.1.1 profile",
            "MACs",
            "conv and fc MACs (no bias); batch norm 2 per element, doubled when affine; "
            "average pools; modules only (functional calls are invisible)",
            {
                "nn.Conv2d": _MACS,
                "nn.Linear": _MACS,
                "nn.BatchNorm2d": Rule(
                    "4 x elements (2 per element, doubled for affine)", lambda x: 4 * _in(x)
                ),
                "nn.AvgPool2d": _OUT,
                "nn.AdaptiveAvgPool2d": Rule(
                    "(H_in/H_out * W_in/W_out + 1) x outputs, in float64", _thop_adaptive
                ),
            },
        ),
        Convention(
            "torch",
            "torch.utils.flop_counter.FlopCounterMode",
            "FLOPs",
            "2 FLOPs per MAC of convolutions and matrix products; nothing else",
            {
                "nn.Conv2d": Rule("2 x MACs", lambda x: 2 * _macs(x)),
                "nn.Linear": Rule("2 x MACs", lambda x: 2 * _macs(x)),
            },
        ),
    )
}
"""The conventions `--convention` accepts, by name."""


def count(layer: LayerCost, convention: Convention) -> int:
    """What `convention` counts for one layer (0 for a call it does not list)."""
    rule = convention.rules.get(layer.torch)
    return rule.count(layer) if rule else 0


class Counted(NamedTuple):
    """A report counted under one convention: per layer, per --by group, in total."""

    convention: Convention
    layers: list[int]
    groups: dict[str, int]  # per category or block, in the report's order ({} by layer)
    total: int

    @property
    def caption(self) -> str:
        """The convention in one line, with its unit and exact total."""
        c = self.convention
        return f"{c.name} = {c.tool}, {self.total:,} {c.unit} in all: {c.summary}"


def counted(report: Report, name: str, by: str = "layer", depth: int = 1) -> Counted:
    """Count every layer of `report` as the named convention does; group for --by."""
    if name not in CONVENTIONS:
        raise ConvcostError(
            f"unknown convention {name!r}{did_you_mean(name, CONVENTIONS)}",
            hint="conventions: " + ", ".join(CONVENTIONS),
        )
    convention = CONVENTIONS[name]
    layers = [count(x, convention) for x in report.layers]
    groups = group_sums(report.layers, layers, by, depth) if by != "layer" else {}
    return Counted(convention, layers, groups, sum(layers))


class Call(NamedTuple):
    """One PyTorch call of a network, as every convention counts it (`explain`)."""

    torch: str
    kinds: tuple[str, ...]
    layers: int
    counts: dict[str, int]  # by convention name
    rules: dict[str, str]  # by convention name; "" where it counts nothing


def explain(report: Report) -> list[Call]:
    """Every PyTorch call in `report` (in order of first use) with what each convention counts
    for all its layers together; each convention's counts sum to its total."""
    layers: dict[str, list[LayerCost]] = {}
    for x in report.layers:
        layers.setdefault(x.torch, []).append(x)
    out = []
    for call, xs in layers.items():
        rules = {n: c.rules[call].text if call in c.rules else "" for n, c in CONVENTIONS.items()}
        counts = {n: sum(count(x, c) for x in xs) for n, c in CONVENTIONS.items()}
        kinds = tuple(dict.fromkeys(x.kind for x in xs))
        out.append(Call(call, kinds, len(xs), counts, rules))
    return out
