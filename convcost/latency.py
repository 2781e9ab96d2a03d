"""A latency estimate per layer, from a device profile: a roofline that knows layer kinds.

For each layer that runs a node of its own (times in seconds; docs/devices.md states the same):

    work     = (FLOPs / 2) / (peak MAC/s at the precision * efficiency of its category)
    memory   = memory access (elements) * bytes per element / bandwidth
    overhead = launches * launch_us + groups * group_us            (microseconds)
    time     = combine(work, memory) + overhead * 1e-6,   combine = max (a roofline) or sum

FLOPs / 2 counts a MAC as one unit of work and an element-wise operation as half of one; the
category (standard, pointwise, depthwise, group, fc, other) picks the efficiency, so each kind
of convolution has its own throughput. `launches` is 1, or the group count for a group conv
on a `group_launches: per_group` device; `groups` (group_us) is a group conv's group count, 0
for every other layer: the cost of looping over small per-group products. The layer is
compute- or memory-bound by which of work and memory is larger.

Fusions (`fuse`, FUSIONS): a layer the runtime folds into the node before it (a batch norm or
activation after a conv, an activation after an add, an add after a conv) costs no time of its
own: its work, traffic and launch are taken as absorbed by that node. Views (split, flatten,
dropout, identity) run no kernel and cost nothing.

What this model leaves out, honestly: caches (every access is charged at the one bandwidth),
layout conversions a runtime inserts, overlap between layers, and multi-threading beyond the
profile's figures. A shipped profile's figures are assumptions; a calibrated one
(convcost/calibrate.py) is fitted to one machine's measurements and says how well it fits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

import yaml

from convcost.checks import Grouping
from convcost.errors import Loc, SpecError, did_you_mean, unknown
from convcost.files import read_text
from convcost.layers import CATEGORIES, Category
from convcost.memory import PRECISIONS
from convcost.report import Report, group_sums
from convcost.yamlnodes import Reader
from convcost.zoo import BUILTIN

KEYS = (
    "name",
    "title",
    "source",
    "peak_gmacs",
    "bandwidth_gbs",
    "launch_us",
    "group_launches",
    "group_us",
    "efficiency",
    "combine",
    "fuse",
    "copy_splits",
)
REQUIRED = {
    "name": "a short name for captions",
    "peak_gmacs": "peak GMAC/s at fp32, fp16 and int8",
    "bandwidth_gbs": "memory bandwidth in GB/s",
    "launch_us": "overhead per kernel launch in microseconds",
}
"""The keys a profile must have, with what each means (for the message when one is missing)."""
GROUP_LAUNCHES = ("once", "per_group")
COMBINE = ("max", "sum")
"""How a layer's work and memory times combine: max (they overlap: the classic roofline) or
sum (they do not: a core waits for its data, which a least-squares fit can also estimate)."""
FUSIONS = ("conv_bn", "conv_act", "bn_act", "add_act", "conv_add")
"""What a runtime folds into the node before it (ONNX Runtime's CPU provider does all five):
conv_bn, a batch norm after a conv (into its weights); conv_act, an activation after a conv or
fc (or its fused batch norm); bn_act, an activation after a batch norm that runs alone; add_act,
an activation after an add; conv_add, an add of two inputs into the conv that wrote one of
them. Each applies only when the node before has no other reader."""
DOC_HINT = "docs/devices.md describes every key of a device profile, with an example"


class Device(NamedTuple):
    """A device profile: docs/devices.md describes every key; convcost/devices/*.yaml ship."""

    name: str
    title: str
    source: str
    peak_gmacs: dict[str, float]  # per precision
    bandwidth_gbs: float
    launch_us: float
    group_launches: str  # "per_group": a group conv runs one kernel per group; or "once"
    efficiency: dict[str, float]  # per layer category, in (0, 1]
    group_us: float = 0.0  # microseconds per group of a group conv
    combine: str = "max"  # of work and memory: COMBINE
    fuse: tuple[str, ...] = ()  # the FUSIONS the runtime does
    copy_splits: bool = False  # a channel split is a copy (a node), not a view


class LayerTime(NamedTuple):
    """One layer's estimated time and what bounds it: "compute", "memory", "fused" (folded
    into the node before it: no time of its own) or "" (a view)."""

    ms: float
    bound: str


def devices_dir() -> str:
    """The profiles shipped in the package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "devices")


def device_names() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(f[:-5] for f in os.listdir(devices_dir()) if f.endswith(".yaml"))


def load_device(arg: str) -> Device:
    """A profile file by path (ARG ends in .yaml/.yml, contains a path separator, or is a
    file), else a shipped profile by name (labelled builtin:devices/NAME.yaml in messages, never
    a file of that name in the working folder), else whatever ARG names here (a folder gets
    its message), as `convcost.zoo.load` resolves a network."""
    if arg.endswith((".yaml", ".yml")) or "/" in arg or os.sep in arg or os.path.isfile(arg):
        return parse_device(read_profile(arg), arg)
    names = device_names()
    if arg not in names and os.path.lexists(arg):
        return parse_device(read_profile(arg), arg)
    if arg not in names:
        raise SpecError(
            unknown("device", arg, names),
            hint=f"the shipped profiles are {', '.join(names)} (`convcost devices`); "
            "or give the path of a profile file (docs/devices.md)",
        )
    return parse_device(
        read_profile(os.path.join(devices_dir(), f"{arg}.yaml")), f"{BUILTIN}devices/{arg}.yaml"
    )


def read_profile(path: str) -> str:
    """The text of a profile file, read bounded whatever `path` is (convcost.files.read_bytes);
    any reason it cannot be read is a SpecError naming it."""
    return read_text(path, f"device profile {path}", "profile file")


DECIMAL = re.compile(
    r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|nan)",
    re.IGNORECASE,
)
"""A number as a profile may write it: decimal (no leading 0, no _), or YAML's .inf and .nan."""


def decimal(node: yaml.Node) -> float | None:
    """The value of a plain scalar YAML reads as a decimal number, as a float (inf when too
    large for one, however many digits); None for anything else."""
    text = str(node.value)
    if getattr(node, "style", None) or not DECIMAL.fullmatch(text):
        return None
    special = text.lstrip("+-").lower() in (".inf", ".nan")
    return float(text.replace(".", "", 1) if special else text)


RANGES: dict[str, tuple[float, float, str]] = {
    "peak_gmacs": (0.001, 10_000_000, "GMAC/s"),
    "bandwidth_gbs": (0.001, 1_000_000, "GB/s"),
    "launch_us": (0.001, 1_000_000, "us"),
    "group_us": (0.001, 1_000_000, "us"),
    "efficiency": (0.001, 1.0, ""),
}
"""The plausible range of each figure of a profile (low, high, unit), both ends included: from
a microcontroller to far beyond any accelerator, so that no estimate overflows or vanishes."""


def parse_device(text: str, file: str) -> Device:
    """Validate a device profile read from `file` (named in messages; its stem is the default
    title). Every problem is located, and all of them are reported in one SpecError."""
    p = Reader(file, text)
    root = p.root
    if root is None:
        raise SpecError("the device profile is empty", Loc(file, 1), hint=DOC_HINT)
    top = p.mapping(root, "the device profile")  # not a mapping, or a duplicate key: stop here
    problems: list[SpecError] = []

    def check_keys(node: yaml.Node, given: Mapping[str, Any], allowed: Any, what: str) -> None:
        for key, (k, _) in given.items():
            if key not in allowed:
                problems.append(
                    p.fail(
                        k,
                        unknown("key", key, allowed, f" in {what}"),
                        hint="allowed: " + ", ".join(allowed),
                    )
                )
        for key in required[what]:
            if key not in given:
                problems.append(
                    p.fail(node, f"{what} needs '{key}' ({required[what][key]})", hint=DOC_HINT)
                )

    def number(node: yaml.Node, what: str, key: str) -> float | None:
        """A positive, finite number within RANGES[key]; else a problem, and None."""
        low, high, unit = RANGES[key]
        if not isinstance(node, yaml.ScalarNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            problems.append(p.fail(node, f"{what} must be a positive number, got {kind}"))
            return None
        raw = str(node.value)  # as written: no float repr, and an int of any length
        written = raw if len(raw) <= 40 else f"{raw[:25]}...{raw[-12:]}"
        try:
            v = p.value(node).raw
        except (SpecError, ValueError) as e:  # ValueError: an int Python will not convert
            v = decimal(node)  # a plain decimal the reader refuses for its size: out of range
            if v is None:  # an alias, a date, a number written in another base, ...
                problems.append(
                    e
                    if isinstance(e, SpecError)
                    else p.fail(node, f"{what} must be a positive number, got '{written}'")
                )
                return None
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v or v <= 0:
            shown = "nothing" if v is None else repr(v)
            problems.append(p.fail(node, f"{what} must be a positive number, got {shown}"))
            return None
        per = f" {unit}" if unit else ""
        if v > high:  # inf and the largest ints too (compared as ints: no float overflow)
            problems.append(p.fail(node, f"{what} must be at most {high:,}{per}, got {written}"))
            return None
        if v < low:
            problems.append(p.fail(node, f"{what} must be at least {low:,}{per}, got {written}"))
            return None
        return float(v)

    def fusions(node: yaml.Node) -> tuple[str, ...]:
        """`fuse`: a list of distinct FUSIONS names (the empty list: none)."""
        try:
            items = p.sequence(node, "fuse")
        except SpecError as e:
            problems.append(e)
            return ()
        out: list[str] = []
        for item in items:
            try:
                name = p.string(item, "each fusion")
            except SpecError as e:
                problems.append(e)
                continue
            if name not in FUSIONS:
                problems.append(
                    p.fail(
                        item,
                        unknown("fusion", name, FUSIONS),
                        hint="allowed: " + ", ".join(FUSIONS),
                    )
                )
            elif name in out:
                problems.append(p.fail(item, f"fusion '{name}' is listed twice"))
            else:
                out.append(name)
        return tuple(out)

    def boolean(key: str) -> bool:
        """A true or false; False when absent."""
        if key not in top:
            return False
        node = top[key][1]
        try:
            v = p.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        except SpecError:
            v = None
        if isinstance(v, bool):
            return v
        problems.append(p.fail(node, f"{key} must be true or false"))
        return False

    def string(key: str, default: str) -> str:
        if key not in top:
            return default
        try:
            return p.string(top[key][1], key)
        except SpecError as e:
            problems.append(e)
            return default

    def one_of(key: str, allowed: tuple[str, ...]) -> str:
        """A text among `allowed` (the first by default); else a problem, and the default."""
        value = string(key, allowed[0])
        if value not in allowed:
            problems.append(
                p.fail(
                    top[key][1],
                    f"{key} must be one of {', '.join(allowed)}, got '{value}'"
                    f"{did_you_mean(value, allowed)}",
                )
            )
            return allowed[0]
        return value

    def table(key: str, example: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if key not in top:
            return {}
        node = top[key][1]
        if not isinstance(node, yaml.MappingNode):
            problems.append(p.fail(node, f"{key} must be a mapping, e.g. {key}: {example}"))
            return {}
        try:
            given = p.mapping(node, key)
        except SpecError as e:  # a duplicate key
            problems.append(e)
            return {}
        check_keys(node, given, allowed[key], key)
        return given

    allowed = {"peak_gmacs": tuple(PRECISIONS), "efficiency": CATEGORIES}
    required: dict[str, dict[str, str]] = {
        "the device profile": REQUIRED,
        "peak_gmacs": {k: f"GMAC/s at {k}" for k in PRECISIONS},
        "efficiency": {},
    }
    check_keys(root, top, KEYS, "the device profile")
    name = string("name", "")
    title = string("title", os.path.splitext(os.path.basename(file))[0])
    source = string("source", "")
    peaks = table("peak_gmacs", "{fp32: 8, fp16: 8, int8: 16}")
    peak_gmacs = {
        k: number(v, f"peak_gmacs.{k}", "peak_gmacs")
        for k, (_, v) in peaks.items()
        if k in PRECISIONS
    }
    given = table("efficiency", "{depthwise: 0.3, group: 0.4}")
    efficiency = {c: 1.0 for c in CATEGORIES} | {
        c: number(v, f"efficiency.{c}", "efficiency")
        for c, (_, v) in given.items()
        if c in CATEGORIES
    }
    bandwidth = (
        number(top["bandwidth_gbs"][1], "bandwidth_gbs", "bandwidth_gbs")
        if "bandwidth_gbs" in top
        else None
    )
    launch = number(top["launch_us"][1], "launch_us", "launch_us") if "launch_us" in top else None
    group_launches = one_of("group_launches", GROUP_LAUNCHES)
    group_us = number(top["group_us"][1], "group_us", "group_us") if "group_us" in top else 0.0
    combine = one_of("combine", COMBINE)
    fuse = fusions(top["fuse"][1]) if "fuse" in top else ()
    copy_splits = boolean("copy_splits")
    raise_problems(problems, file)
    assert bandwidth is not None and launch is not None  # else a problem was reported
    return Device(
        name,
        title,
        source,
        {k: v for k, v in peak_gmacs.items() if v is not None},
        bandwidth,
        launch,
        group_launches,
        {c: v for c, v in efficiency.items() if v is not None},
        group_us or 0.0,
        combine,
        fuse,
        copy_splits,
    )


def raise_problems(problems: list[SpecError], file: str) -> None:
    """Raise nothing, the one problem as it is, or one SpecError listing every problem (in the
    order of the file, each with its file:line:col)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        problems.sort(key=lambda e: (e.loc.line, e.loc.col) if e.loc else (0, 0))
        lines = [f"  {e.loc}: {e.message}" if e.loc else f"  {e.message}" for e in problems]
        raise SpecError(
            f"{file}: {len(problems)} problems in the device profile:\n" + "\n".join(lines),
            hint=DOC_HINT,
        )


class Terms(NamedTuple):
    """What one layer that runs a node of its own asks of any device: the work (FLOPs / 2) of
    its category, the elements it moves, and a group conv's group count (0 otherwise)."""

    category: Category
    work: float
    elements: int
    groups: int


def fused(report: Report, fuse: Collection[str]) -> list[bool]:
    """Per layer, whether the runtime folds it into the node before it (FUSIONS in `fuse`).

    A layer fuses only into the one layer it reads, and only when it is that layer's sole
    reader, each as its kind's `fuses` says (layers.Fuses): a bn into a conv (conv_bn); an
    activation that fuses into a conv or fc, with or without its fused bn (conv_act), into a bn
    that runs alone (bn_act), or into an add (add_act); an add of two inputs into a conv (with
    or without its fused bn, not after its fused activation) that wrote one of them
    (conv_add). Nothing fuses after an activation.
    """
    sources = [x.sources or (i - 1,) for i, x in enumerate(report.layers)]
    readers = [0] * len(sources)
    for s in sources:
        for j in s:
            if j >= 0:
                readers[j] += 1
    # what each layer's output comes from, as the next layer may fuse into it
    node = [""] * len(sources)
    out = [False] * len(sources)
    for i, x in enumerate(report.layers):
        s = sources[i]
        before = node[s[0]] if len(s) == 1 and s[0] >= 0 and readers[s[0]] == 1 else ""
        role = x.facts.fuses
        if role == "bn" and before == "conv" and "conv_bn" in fuse:
            out[i], node[i] = True, "conv"
        elif role == "act" and (
            (before in ("conv", "fc") and "conv_act" in fuse)
            or (before == "bn" and "bn_act" in fuse)
            or (before == "add" and "add_act" in fuse)
        ):
            out[i], node[i] = True, "act"
        elif (
            role == "add"
            and len(s) == 2
            and "conv_add" in fuse
            and any(j >= 0 and readers[j] == 1 and node[j] == "conv" for j in s)
        ):
            out[i], node[i] = True, "add"
        elif role != "act":  # what the next layer may fuse into ("" for none)
            node[i] = role
    return out


def layer_terms(
    report: Report, fuse: Collection[str], copy_splits: bool = False
) -> list[Terms | None]:
    """Each layer's Terms; None for a view or a layer fused into the node before it.

    A pwlinear (a Linear at every position) is a matrix product of H * W rows, as a 1x1 conv
    is, so its work takes the pointwise efficiency; `fc` stands for the classifier's
    matrix-vector product (one row), whose weights are each used once. With `copy_splits`, a
    split is not a view but a copy (ONNX Runtime's Split node): one node, and the elements it
    reads and writes (2 x its output).
    """
    skip = fused(report, fuse)
    out: list[Terms | None] = []
    for x, f in zip(report.layers, skip, strict=True):
        if copy_splits and x.kind == "split":
            out.append(Terms("other", 0.0, 2 * x.out.numel, 0))
        elif x.facts.storage == "view" or f:
            out.append(None)
        else:
            category: Category = "pointwise" if x.kind == "pwlinear" else x.category
            groups = x.groups if x.category == "group" else 0
            out.append(Terms(category, x.cost.flops / 2, x.cost.mem_access, groups))
    return out


def estimate(report: Report, device: Device, precision: str = "fp32") -> list[LayerTime]:
    """Each layer's time (see the module docstring): views 0 ms, bound ""; layers fused into
    the node before them 0 ms, bound "fused"."""
    peak = device.peak_gmacs[precision] * 1e9
    bandwidth = device.bandwidth_gbs * 1e9
    size = PRECISIONS[precision]
    per_group = device.group_launches == "per_group"
    skip = fused(report, device.fuse)
    out = []
    for t, f in zip(layer_terms(report, device.fuse, device.copy_splits), skip, strict=True):
        if t is None:
            out.append(LayerTime(0.0, "fused" if f else ""))
            continue
        work = t.work / (peak * device.efficiency[t.category])
        memory = t.elements * size / bandwidth
        both = max(work, memory) if device.combine == "max" else work + memory
        launches = t.groups if per_group and t.groups else 1
        overhead = launches * device.launch_us + t.groups * device.group_us
        seconds = both + overhead * 1e-6
        out.append(LayerTime(seconds * 1e3, "compute" if work >= memory else "memory"))
    return out


class Timing(NamedTuple):
    """Estimated times of a report on a device, per layer, per --by group and in total."""

    layers: list[LayerTime]
    groups: dict[str, float]  # per category or block, in the report's order ({} by layer)
    total_ms: float
    caption: str  # the device, precision and model, one line


def timing(
    report: Report, device: Device, precision: str = "fp32", by: Grouping = "layer", depth: int = 1
) -> Timing:
    """Estimate every layer, and sum per group for --by category/block."""
    layers = estimate(report, device, precision)
    groups = group_sums(report.layers, [t.ms for t in layers], by, depth) if by != "layer" else {}
    called = device.name if device.title == device.name else f"{device.name} ({device.title})"
    caption = (
        f"est. ms: roofline on {called} at {precision}, batch 1; "
        f"{device.combine}(work, memory) + overhead per node, "
        + (f"fusing {', '.join(device.fuse)}" if device.fuse else "no fusion")
    )
    return Timing(layers, groups, sum(t.ms for t in layers), caption)
