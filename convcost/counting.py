"""Other tools' counting conventions and the rules they count layers by.

Counters disagree because each counts different operations: the papers count the
multiply-accumulates of convolution and fully connected layers only; ptflops adds biases, batch
norm, activations and pooling; fvcore adds batch norm and adaptive pooling; thop counts batch norm
twice over; torch's FlopCounterMode counts 2 FLOPs per MAC. And the hook-based tools only see
what the model calls: ptflops counts an `nn.ReLU` module twice (its module hook, then its
patched `F.relu`), a bare `F.relu` once, and `x + y` not at all. So a layer kind declares, for
each PyTorch call that computes it, how every convention here counts it (`counts(...)`, given to
`layers.register`), as the tools key their rules by module type or aten op.

Each rule was read from the tool's source (ptflops 0.7.5 pytorch_ops.py / pytorch_engine.py,
fvcore 0.1.5 flop_count.py / jit_handles.py, thop 0.1.1 profile.py / vision/basic_hooks.py /
calc_func.py, torch 2.x utils/flop_counter.py) and the totals checked against the tools
themselves on every built-in network's reference implementation
(scripts/check_conventions.py), and for the kinds no built-in uses (deconv, layernorm, gelu,
scale, pwlinear, upsample) on one module each and torchvision's ConvNeXt-T
(scripts/check_kinds.py). All counts are per sample and exact ints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from convcost.report import LayerCost


class Rule(NamedTuple):
    """How one tool counts one PyTorch call: the formula in words ("" if it counts nothing),
    and as a function of the costed layer."""

    text: str
    count: Callable[[LayerCost], int]


class Convention(NamedTuple):
    """A counting convention: whose it is, what unit it reports, what it counts in one line."""

    name: str
    tool: str
    unit: str
    summary: str


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            "paper",
            "the papers (MobileNet, ShuffleNet), torchvision's GFLOPS",
            "MACs",
            "multiply-accumulates of conv and fc layers only; no bias, BN, activation, pool",
        ),
        Convention(
            "ptflops",
            "ptflops 0.7.5, pytorch backend",
            "MACs",
            "conv and fc MACs + bias; BN, activations and pools per element; module hooks plus "
            "patched torch.nn.functional, so a module calling a patched function counts twice",
        ),
        Convention(
            "fvcore",
            "fvcore 0.1.5 FlopCountAnalysis",
            "MACs",
            "one fused multiply-add = one flop: conv and fc MACs (no bias), batch norm, "
            "adaptive average pooling; every other op is skipped",
        ),
        Convention(
            "thop",
            "thop 0.1.1 profile",
            "MACs",
            "conv and fc MACs (no bias); batch norm 2 per element, doubled when affine; "
            "average pools; modules only (functional calls are invisible)",
        ),
        Convention(
            "torch",
            "torch.utils.flop_counter.FlopCounterMode",
            "FLOPs",
            "2 FLOPs per MAC of convolutions and matrix products; nothing else",
        ),
    )
}
"""The conventions `--convention` accepts, by name."""

Counts = dict[str, Rule]
"""How every convention counts one PyTorch call, by convention name."""


def counts(**rules: Rule) -> Counts:
    """One PyTorch call's rules, one per convention, each a rule or IGNORED: a convention left
    out is a bug, refused when the kind is registered."""
    if set(rules) != set(CONVENTIONS):
        missing, unknown = set(CONVENTIONS) - set(rules), set(rules) - set(CONVENTIONS)
        raise RuntimeError(
            f"counts() needs a rule (or IGNORED) for every convention: missing {sorted(missing)}, "
            f"unknown {sorted(unknown)}"
        )
    return {name: rules[name] for name in CONVENTIONS}


def _macs(x: LayerCost) -> int:
    return x.cost.macs


def _out(x: LayerCost) -> int:
    return x.out.numel


def _in(x: LayerCost) -> int:
    return x.inputs[0].numel


def arg(x: LayerCost, name: str) -> Any:
    """A layer's argument `name`: as the spec gave it, else its kind's default."""
    return x.args.get(name, x.facts.args[name].default)


def bias(x: LayerCost) -> bool:
    """Whether the layer has a bias (its `bias` argument, else the kind's default)."""
    return bool(arg(x, "bias"))


IGNORED = Rule("", lambda x: 0)
"""Counted as 0: the tool does not see or does not count the call."""
UNCOUNTED = counts(**dict.fromkeys(CONVENTIONS, IGNORED))
"""A call that no convention counts (views, copies, most activations)."""

MACS = Rule("MACs", _macs)
TWICE_MACS = Rule("2 x MACs", lambda x: 2 * _macs(x))
OUTPUTS = Rule("output elements", _out)
INPUTS = Rule("input elements", _in)
MODULE_AND_FUNCTION = Rule(
    "2 x input elements (module hook + patched functional)", lambda x: 2 * _in(x)
)
AFFINE = Rule("2 x elements (affine: scale, shift)", lambda x: 2 * _in(x))
MERGE = Rule("output elements per call", lambda x: (len(x.inputs) - 1) * _out(x))
