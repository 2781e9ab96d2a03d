"""The options commands share (format, output, precision, device, convention, --set), the one
KEY=VALUE parser (--set, --expect, NAME@KEY=VALUE) and `layer`'s sizes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from convcost.checks import UNKNOWN_MODES

FORMATS = ("table", "json", "csv", "markdown", "latex")
CONVENTIONS = ("paper", "ptflops", "fvcore", "thop", "torch")
"""The names of convcost.conventions.CONVENTIONS (kept here so --help need not import it)."""
METRICS = ("macs", "params", "mem_access", "latency", "top1")
"""The axes of `convcost plot` (convcost.plot.AXES)."""


def output_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--output/-o FILE, kept in the context for `emit`; `-` is standard output (None)."""
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        expose_value=False,
        callback=lambda ctx, _param, value: ctx.meta.__setitem__(
            "output", None if value == "-" else value
        ),
        help="Write to FILE (atomically: whole or not at all) instead of standard output; "
        "- is standard output.",
    )(fn)


def format_only_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--format/-f alone, for a command whose -o is a file of its own (calibrate)."""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format; json and csv carry exact integers.",
    )(fn)


def format_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--format/-f and --output/-o, shared by every command."""
    return format_only_option(output_option(fn))


def precision_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--precision, for bytes: memory traffic, weights and peak activations."""
    return click.option(
        "--precision",
        type=click.Choice(["fp32", "fp16", "int8"]),
        default="fp32",
        show_default=True,
        help="Bytes per element for memory sizes and traffic.",
    )(fn)


def device_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--device, for a roofline latency estimate."""
    return click.option(
        "--device",
        metavar="NAME|FILE",
        help="Estimate latency on a device profile (`convcost devices`), or a profile file.",
    )(fn)


def convention_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--convention, to count as another tool does."""
    return click.option(
        "--convention",
        type=click.Choice(CONVENTIONS),
        help="Also count as this tool does, exactly (see `convcost explain`).",
    )(fn)


def sets_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--set NAME=VALUE, repeatable: override a spec param."""
    return click.option(
        "--set",
        "sets",
        multiple=True,
        callback=parse_sets,
        metavar="NAME=VALUE",
        help="Override a spec param, e.g. --set width=0.5 (repeatable).",
    )(fn)


def _keep(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A callback keeping an option's value in the context, for cli/networks.py."""
    return lambda ctx, _param, value: ctx.meta.__setitem__(key, value)


def input_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--input, an ONNX file's input sizes where the graph leaves them open."""
    return click.option(
        "--input",
        "onnx_input",
        metavar="NxCxHxW",
        expose_value=False,
        callback=_keep("onnx_input"),
        help="ONNX files: the input's sizes where the graph leaves them open, e.g. "
        "1x3x224x224 (or HxWxC).",
    )(fn)


def onnx_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--input and --unknown, for ONNX files."""
    fn = click.option(
        "--unknown",
        type=click.Choice(UNKNOWN_MODES),
        default="error",
        show_default=True,
        expose_value=False,
        callback=_keep("onnx_unknown"),
        help="ONNX files: an op convcost has no layer kind for is an error, or counted as "
        "free (zero) and listed.",
    )(fn)
    return input_option(fn)


def pair(text: str) -> tuple[str, str] | None:
    """'NAME=VALUE' -> (NAME, VALUE), stripped; None unless both are there. The one parser of
    --set, --expect and NAME@KEY=VALUE,... (each caller says what it expected)."""
    name, eq, value = text.partition("=")
    name, value = name.strip(), value.strip()
    return (name, value) if eq and name and value else None


def parse_sets(
    _ctx: click.Context, _param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    """--set NAME=VALUE (repeatable) -> {NAME: VALUE}."""
    out = {}
    for v in values:
        kv = pair(v)
        if kv is None:
            raise click.BadParameter(f"expected NAME=VALUE, e.g. width=0.5; got {v!r}")
        out[kv[0]] = kv[1]
    return out


class Size(click.IntRange):
    """A size for `layer`: a whole number from 1 to limits.MAX_SIZE, the limit a spec has. A
    number with more digits than that limit is refused before it is converted (Python refuses
    to convert 4,300 digits), and a long one is shortened in the message."""

    def __init__(self) -> None:
        from convcost.limits import MAX_SIZE

        super().__init__(min=1, max=MAX_SIZE)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            digits = value.strip().removeprefix("+").lstrip("0")
            if digits.isdigit() and len(digits) > len(str(self.max)):
                shown = value if len(value) <= 40 else f"{value[:25]}...{value[-12:]}"
                self.fail(f"{shown} is larger than {self.max:,}, the limit on any size", param, ctx)
        return super().convert(value, param, ctx)
