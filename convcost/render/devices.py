"""The view of `convcost devices`: the shipped device profiles; their table, JSON and CSV."""

from __future__ import annotations

from typing import NamedTuple

from convcost.latency import Device, device_names, load_device
from convcost.render.backends import to_csv, to_json
from convcost.render.table import Grid

PRECISIONS = ("fp32", "fp16", "int8")
"""The precisions of each profile's peak, in the order shown."""


class DevicesView(NamedTuple):
    """`convcost devices`: every shipped profile."""

    devices: list[Device]

    def grids(self) -> list[Grid]:
        """The profiles and where their figures come from."""
        header = ["name", "title", "source", "peak GMAC/s fp32/fp16/int8", "GB/s", "launch us"]
        rows = [
            [
                d.name,
                d.title,
                d.source.strip(),
                "/".join(f"{d.peak_gmacs[p]:g}" for p in PRECISIONS),
                f"{d.bandwidth_gbs:g}",
                f"{d.launch_us:g}",
            ]
            for d in self.devices
        ]
        caption = "Pass one to analyze/compare with --device NAME, or a profile file of your own."
        return [
            Grid("Device profiles", header, rows, None, caption, left=3, wrap=(1, 2), drop=(2,))
        ]

    def json(self) -> str:
        """Every profile, as its file gives it."""
        return to_json([d._asdict() for d in self.devices])

    def csv(self) -> str:
        """One row per profile."""
        rows = [
            [
                d.name,
                d.title,
                *(d.peak_gmacs[p] for p in PRECISIONS),
                d.bandwidth_gbs,
                d.launch_us,
            ]
            for d in self.devices
        ]
        header = [
            "name",
            "title",
            *(f"gmacs_{p}" for p in PRECISIONS),
            "bandwidth_gbs",
            "launch_us",
        ]
        return to_csv(header, rows)


def build() -> DevicesView:
    """The view of `devices`: the shipped profiles, by name."""
    return DevicesView([load_device(name) for name in device_names()])
