"""convcost: exact, framework-free cost of convolutional networks from YAML specs.

Public API (imports nothing heavy until used)::

    from convcost import analyze_name
    report = analyze_name("mobilenet_v1", {"width": "0.5"})
    report.totals.macs
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from collections.abc import Mapping

    from convcost.analysis import Report


def analyze_name(name_or_path: str, overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze a built-in network by name, or a spec file by path, with param overrides."""
    from convcost.analysis import analyze
    from convcost.zoo import load

    return analyze(load(name_or_path), overrides)
