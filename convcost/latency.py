"""A roofline latency estimate per layer, from a device profile.

For each layer that runs a kernel:

    compute = (FLOPs / 2) / (peak MAC/s at the precision * efficiency of its category)
    memory  = memory access (elements) * bytes per element / bandwidth
    time    = max(compute, memory) + launch overhead (x groups for a group conv on devices
              whose runtimes loop over groups, `group_launches: per_group`)

and the layer is compute- or memory-bound by which term is larger. Views (split, flatten,
dropout) run no kernel and cost nothing. FLOPs / 2 counts a MAC as one unit of work and
element-wise operations as half of one.

What this model leaves out, honestly: caches (every access is charged at DRAM bandwidth, as
ShuffleNet V2's MAC does), operator fusion (batch norm and activations are separate kernels),
overlap between layers, multi-threading effects beyond the profile's peak, and anything
measured: efficiencies are the profile's assumptions. Use it to rank designs and to see which
layers are memory-bound, not to predict milliseconds on a particular phone.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from convcost.analysis import Report, group_of
from convcost.errors import Loc, SpecError, did_you_mean
from convcost.layers import CATEGORIES, KINDS
from convcost.memory import PRECISIONS
from convcost.spec import Parser, compose

KEYS = (
    "name",
    "title",
    "source",
    "peak_gmacs",
    "bandwidth_gbs",
    "launch_us",
    "group_launches",
    "efficiency",
)
GROUP_LAUNCHES = ("once", "per_group")


class Device(NamedTuple):
    """A device profile (see convcost/devices/*.yaml for the shipped ones and their sources)."""

    name: str
    title: str
    source: str
    peak_gmacs: dict[str, float]  # per precision
    bandwidth_gbs: float
    launch_us: float
    group_launches: str  # "per_group": a group conv runs one kernel per group; or "once"
    efficiency: dict[str, float]  # per layer category, in (0, 1]


class LayerTime(NamedTuple):
    """One layer's estimated time and what bounds it ("compute", "memory" or "" for views)."""

    ms: float
    bound: str


def devices_dir() -> str:
    """The profiles shipped in the package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "devices")


def device_names() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(f[:-5] for f in os.listdir(devices_dir()) if f.endswith(".yaml"))


def load_device(arg: str) -> Device:
    """A shipped profile by name, or a profile file by path."""
    path = arg
    if not (arg.endswith((".yaml", ".yml")) or os.sep in arg or os.path.isfile(arg)):
        names = device_names()
        if arg not in names:
            raise SpecError(
                f"unknown device '{arg}'{did_you_mean(arg, names)}",
                hint="`convcost devices` lists the profiles; or give a path to a .yaml",
            )
        path = os.path.join(devices_dir(), f"{arg}.yaml")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read device profile {path}: {e}") from None
    return parse_device(text, path if path == arg else f"devices/{arg}.yaml")


def parse_device(text: str, file: str) -> Device:
    """Validate a device profile; every bad value is a located error."""
    root = compose(text, file)
    if root is None:
        raise SpecError("the device profile is empty", Loc(file, 1))
    p = Parser(file, text)
    top = p.mapping(root, "the device profile")
    p.check_keys(top, KEYS, "the device profile")
    p.require_keys(root, top, KEYS[:6], "the device profile")

    def number(node: object, what: str, at_most: float | None = None) -> float:
        value = p.value(node)  # type: ignore[arg-type]
        v = value.raw
        if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
            raise SpecError(f"{what} must be a positive number, got {v!r}", value.loc)
        if at_most is not None and v > at_most:
            raise SpecError(f"{what} must be at most {at_most}, got {v!r}", value.loc)
        return float(v)

    peaks = p.mapping(top["peak_gmacs"][1], "peak_gmacs")
    p.check_keys(peaks, tuple(PRECISIONS), "peak_gmacs")
    p.require_keys(top["peak_gmacs"][1], peaks, tuple(PRECISIONS), "peak_gmacs")
    group_launches = "once"
    if "group_launches" in top:
        group_launches = p.string(top["group_launches"][1], "group_launches")
        if group_launches not in GROUP_LAUNCHES:
            raise p.fail(
                top["group_launches"][1],
                f"group_launches must be one of {', '.join(GROUP_LAUNCHES)}, "
                f"got '{group_launches}'",
            )
    efficiency = {c: 1.0 for c in CATEGORIES}
    if "efficiency" in top:
        given = p.mapping(top["efficiency"][1], "efficiency")
        p.check_keys(given, CATEGORIES, "efficiency")
        efficiency |= {c: number(v, f"efficiency.{c}", 1.0) for c, (_, v) in given.items()}
    return Device(
        p.string(top["name"][1], "name"),
        p.string(top["title"][1], "title"),
        p.string(top["source"][1], "source"),
        {k: number(v, f"peak_gmacs.{k}") for k, (_, v) in peaks.items()},
        number(top["bandwidth_gbs"][1], "bandwidth_gbs"),
        number(top["launch_us"][1], "launch_us"),
        group_launches,
        efficiency,
    )


def estimate(report: Report, device: Device, precision: str = "fp32") -> list[LayerTime]:
    """Each layer's roofline time (see the module docstring)."""
    peak = device.peak_gmacs[precision] * 1e9
    bandwidth = device.bandwidth_gbs * 1e9
    size = PRECISIONS[precision]
    out = []
    for x in report.layers:
        if KINDS[x.kind].storage == "view":
            out.append(LayerTime(0.0, ""))
            continue
        compute = (x.cost.flops / 2) / (peak * device.efficiency[x.category])
        memory = x.cost.mem_access * size / bandwidth
        launches = 1
        if x.category == "group" and device.group_launches == "per_group":
            launches = int(x.args["groups"])
        seconds = max(compute, memory) + launches * device.launch_us * 1e-6
        out.append(LayerTime(seconds * 1e3, "compute" if compute >= memory else "memory"))
    return out


class Timing(NamedTuple):
    """Estimated times of a report on a device, per layer, per --by group and in total."""

    layers: list[LayerTime]
    groups: dict[str, float]  # per category or block, in the report's order ({} by layer)
    total_ms: float
    caption: str  # the device, precision and model, one line


def timing(
    report: Report, device: Device, precision: str = "fp32", by: str = "layer", depth: int = 1
) -> Timing:
    """Estimate every layer, and sum per group for --by category/block."""
    layers = estimate(report, device, precision)
    groups: dict[str, float] = {}
    if by != "layer":
        for x, t in zip(report.layers, layers, strict=True):
            key = group_of(x, by, depth)
            groups[key] = groups.get(key, 0.0) + t.ms
    caption = (
        f"est. ms: roofline on {device.name} ({device.title}) at {precision}, batch 1; "
        "max(compute, memory) + launch per layer, no fusion or caches"
    )
    return Timing(layers, groups, sum(t.ms for t in layers), caption)
