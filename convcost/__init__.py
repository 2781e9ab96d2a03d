"""convcost: exact, framework-free cost of convolutional networks from YAML specs.

The Python API (nothing heavy is imported until it is used):

>>> import convcost
>>> report = convcost.analyze("mobilenet_v1", width=0.5, resolution=160)
>>> report.totals.macs, report.totals.params
(76524800, 1331592)
>>> report.to_dict()["memory"]["peak_at"]
'stage1.unit1.pw'
>>> print(report.to_markdown(by="category").splitlines()[4])
| standard conv | 2.76M | 3.61% | 432 | 0.03% | 102.4K | 701.7 KiB | 3.85 |
>>> convcost.layer("dwsep", "64x64x3", out=4, k=3).totals.macs  # seed notes: 159,744
159744
>>> convcost.counted(convcost.analyze("mobilenet_v2"), "ptflops").total  # ptflops 0.7.5
320300008
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from collections.abc import Mapping

    from convcost.analysis import Report
    from convcost.conventions import Counted


def analyze(spec: str, /, **params: float | int | bool | str) -> Report:
    """Analyze a built-in network (by name or alias) or a spec file (by path).

    Keyword arguments override the spec's params: `analyze("mobilenet_v1", width=0.5)`;
    strings are expressions over the other params, as with `--set`.
    """
    return analyze_name(spec, {k: _expression(v) for k, v in params.items()})


def analyze_name(name_or_path: str, overrides: Mapping[str, str] | None = None) -> Report:
    """Like `analyze`, with the params as `--set` takes them: {"width": "0.5"}."""
    from convcost.analysis import analyze as run
    from convcost.zoo import load

    return run(load(name_or_path), overrides)


def layer(kind: str, shape: str, **options: int | bool | None) -> Report:
    """One layer as `convcost layer` builds it: kind conv, pw, dw or dwsep; shape 'HxWxC';
    options out, k, stride, pad, groups, bias, bn (see convcost.analysis.LayerOptions)."""
    from convcost.analysis import LayerOptions, layer_report
    from convcost.shapes import parse_hwc

    return layer_report(kind, parse_hwc(shape), LayerOptions(**options))  # type: ignore[arg-type]


def counted(report: Report, convention: str, by: str = "layer", depth: int = 1) -> Counted:
    """What another tool reports for `report`: convention paper, ptflops, fvcore, thop or
    torch (see convcost.conventions); `.total`, `.layers`, and `.groups` for `by`."""
    from convcost.conventions import counted as count

    return count(report, convention, by, depth)


def _expression(value: float | int | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
