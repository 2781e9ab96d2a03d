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

Every function checks its arguments: bad ones raise ConvcostError (or a subclass, such as
SpecError) with one clear message, as the command line prints them; docs/api.md lists them.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from convcost.checks import choice, flag, grouping, is_onnx, shown, whole
from convcost.errors import ConvcostError, did_you_mean

__version__ = "0.1.0"
__all__ = ["ConvcostError", "__version__", "analyze", "analyze_name", "counted", "layer"]

if TYPE_CHECKING:
    from convcost import report
    from convcost.api import Report
    from convcost.conventions import Counted
    from convcost.shapes import Pad

Param = float | int | bool | str
"""A param's value: a number, true or false (for a param whose default is), or an expression
over the other params, as `--set` takes it."""
LAYER_KINDS = {
    "conv": "conv",
    "pw": "pw",
    "dw": "dw",
    "dwsep": "dwsep",
    "dwconv": "dw",
    "pwconv": "pw",
}
"""`layer`'s kinds, as `convcost layer` takes them (dwconv and pwconv are dw and pw)."""
LAYER_OPTIONS = ("out", "k", "stride", "pad", "groups", "bias", "bn")
ONNX_OPTIONS = ("input", "unknown")
"""What `analyze` takes for an ONNX file, as `convcost analyze --input --unknown`."""


def analyze(spec: str | os.PathLike[str], /, **params: Param) -> Report:
    """Analyze a built-in network (by name or alias), a spec file (by path; "-" is standard
    input) or an ONNX file (a path ending in .onnx).

    Keyword arguments override the spec's params: numbers (`width=0.5`, `resolution=160`),
    True or False for a param whose default is true or false, or strings, which are
    expressions over the other params as `--set` takes them (`classes="10 * 100"`). An ONNX
    file takes the command line's options instead: `input="1x3x224x224"` and
    `unknown="zero"` (docs/onnx.md).
    """
    return analyze_name(spec, params)


def analyze_name(
    name_or_path: str | os.PathLike[str], overrides: Mapping[str, Param] | None = None
) -> Report:
    """Like `analyze`, with the params as a mapping: {"width": 0.5} or {"width": "0.5"}."""
    from convcost.api import Report
    from convcost.expand import analyze as run
    from convcost.expand import resolve_params
    from convcost.zoo import load

    if isinstance(name_or_path, os.PathLike):
        name_or_path = os.fspath(name_or_path)
    if not isinstance(name_or_path, str):
        raise ConvcostError(
            f"a spec is a network name or a file path (a str), got {shown(name_or_path)}"
        )
    if "\0" in name_or_path:
        raise ConvcostError(f"a spec name or path has no NUL character, got {shown(name_or_path)}")
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise ConvcostError(
            f"params are a mapping such as {{'width': 0.5}}, got {shown(overrides)}"
        )
    if is_onnx(name_or_path):  # an ONNX file, as the command line takes it
        return Report._make(_onnx(name_or_path, overrides))
    spec = load(name_or_path)
    defaults = resolve_params(spec) if overrides else {}
    sets = {}
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise ConvcostError(f"param names are strings, got {shown(key)}")
        sets[key] = _expression(key, value, defaults.get(key))
    return Report._make(run(spec, sets))


def layer(kind: str, shape: str, **options: int | bool | str | tuple[int, ...] | None) -> Report:
    """One layer as `convcost layer` builds it: kind conv, pw, dw or dwsep (dwconv and pwconv
    too); shape 'HxWxC'; options out (output channels), k (kernel: 3, pw 1), stride (1),
    pad ('same', 'valid', N, (H, W) or (top, bottom, left, right)), groups (1), bias and bn
    (False): see docs/api.md."""
    from convcost.api import Report
    from convcost.calculator import LayerOptions, layer_report
    from convcost.limits import MAX_SIZE
    from convcost.shapes import parse_hwc

    kind = LAYER_KINDS[choice(kind, "kind", LAYER_KINDS)]
    if not isinstance(shape, str):
        raise ConvcostError(f"shape is a string 'HxWxC' such as '64x64x3', got {shown(shape)}")
    x = parse_hwc(shape)
    for key in options:
        if key not in LAYER_OPTIONS:
            raise ConvcostError(
                f"unknown option '{key}'{did_you_mean(key, LAYER_OPTIONS)}",
                hint="options: " + ", ".join(LAYER_OPTIONS),
            )
    out = options.get("out")
    if out is None and kind != "dw":
        raise ConvcostError(f"layer '{kind}' needs out= (output channels)")
    size = {
        key: whole(options.get(key, default), key, 1, MAX_SIZE)
        for key, default in (("k", 1 if kind == "pw" else 3), ("stride", 1), ("groups", 1))
    }
    flags = {key: flag(options.get(key, False), key) for key in ("bias", "bn")}
    return Report._make(
        layer_report(
            kind,
            x,
            LayerOptions(
                None if out is None else whole(out, "out", 1, MAX_SIZE),
                size["k"],
                size["stride"],
                _pad(options.get("pad")),
                size["groups"],
                flags["bias"],
                flags["bn"],
            ),
        )
    )


def counted(report: Report, convention: str, by: str = "layer", depth: int = 1) -> Counted:
    """What another tool reports for `report`: convention paper, ptflops, fvcore, thop or
    torch (see convcost.conventions); `.total`, `.layers`, and `.groups` for `by` (category, or
    block with `depth` path segments)."""
    from convcost.conventions import CONVENTIONS
    from convcost.conventions import counted as count
    from convcost.report import Report

    if not isinstance(report, Report):
        raise ConvcostError(f"report is a Report (from convcost.analyze), got {shown(report)}")
    if not isinstance(convention, str):  # an unknown name: conventions.counted names it
        choice(convention, "convention", CONVENTIONS)
    return count(report, convention, grouping(by, depth), depth)


def _onnx(path: str, options: Mapping[str, Param]) -> report.Report:
    """An ONNX file's report; `options` as `analyze` takes them for one (input, unknown)."""
    from convcost.checks import UNKNOWN_MODES
    from convcost.onnx_import import import_onnx

    for key in options:
        if key not in ONNX_OPTIONS:
            raise ConvcostError(
                f"an ONNX file has no params: got {key!r}"
                if isinstance(key, str)
                else f"options are named by strings, got {shown(key)}",
                hint="an ONNX file takes input='1x3x224x224' and unknown='zero'",
            )
    given = options.get("input")
    if given is not None and not isinstance(given, str):
        raise ConvcostError(f"input is a string such as '1x3x224x224', got {shown(given)}")
    unknown = choice(options.get("unknown", "error"), "unknown", UNKNOWN_MODES)
    return import_onnx(path, given, unknown)


def _pad(value: object) -> Pad | None:
    """`layer`'s pad: None or 'same' (None), 'valid', N, (H, W) or (top, bottom, left, right),
    each from 0 to MAX_SIZE."""
    from convcost.limits import MAX_SIZE

    if value is None or (isinstance(value, str) and value == "same"):
        return None
    if isinstance(value, str) and value == "valid":
        return "valid"
    if isinstance(value, tuple | list) and len(value) in (2, 4):
        sides = tuple(whole(v, "each pad", 0, MAX_SIZE) for v in value)
        return sides  # type: ignore[return-value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return whole(value, "pad", 0, MAX_SIZE)
    raise ConvcostError(
        "pad must be 'same', 'valid', a whole number, (height, width) or (top, bottom, left, "
        f"right); got {shown(value)}"
    )


def _expression(key: str, value: object, default: object) -> str:
    """A param override as `--set` takes it: a number, True or False, or an expression, checked
    against the kind of the param's default (numbers only where the default is a number)."""
    from convcost.expr import MAX_MAGNITUDE

    if isinstance(value, str):
        return value
    is_flag = isinstance(default, bool)
    is_number = isinstance(default, int | float) and not is_flag
    if isinstance(value, bool):
        if default is None or is_flag:  # an unknown key: resolve_params names it
            return "true" if value else "false"
        raise ConvcostError(f"param '{key}' takes a number, not True or False; got {value}")
    if isinstance(value, numbers.Real) and default is not None and not is_number:
        takes = "True or False" if is_flag else f"an expression (its default is {shown(default)})"
        raise ConvcostError(f"param '{key}' takes {takes}; got {shown(value)}")
    if isinstance(value, numbers.Integral):
        if abs(int(value)) > MAX_MAGNITUDE:
            raise ConvcostError(f"param '{key}' is too large (limit {MAX_MAGNITUDE:.0e})")
        return str(int(value))
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:  # a Fraction beyond any float
            raise ConvcostError(f"param '{key}' is too large (limit {MAX_MAGNITUDE:.0e})") from None
        if not math.isfinite(number):
            raise ConvcostError(f"param '{key}' must be a finite number; got {number}")
        return repr(number)
    raise ConvcostError(
        f"param '{key}' must be a number, True or False, or an expression string; "
        f"got {shown(value)}"
    )
