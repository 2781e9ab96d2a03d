"""The networks and analyses commands ask for: specs by name or path with their params
(NAME@KEY=VALUE,...), the whole zoo, and --device / --convention when given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from convcost.cli.options import pair
from convcost.errors import ConvcostError

if TYPE_CHECKING:
    from convcost.checks import Grouping
    from convcost.conventions import Counted
    from convcost.latency import Timing
    from convcost.report import Report
    from convcost.spec import Spec


def networks(specs: Sequence[str]) -> list[tuple[str, Spec, Report]]:
    """(label, spec, report) for each NAME[@KEY=VALUE,...]; with none, the whole zoo."""
    from convcost.expand import analyze as run
    from convcost.zoo import builtin, builtin_names, load

    if not specs:  # by exact name: a file called 'vgg16' in the working folder is not it
        return [(name, builtin(name), run(builtin(name))) for name in builtin_names()]
    out = []
    for label in specs:
        name, sets = split_at(label)
        spec = load(name)
        if name == "-":  # standard input: called by the name it gives itself
            label = (spec.name or "<stdin>") + label[len(name) :]
        out.append((printable_name(label), spec, run(spec, sets)))
    return out


def printable_name(text: str) -> str:
    """A file name as text any output can hold (a UTF-8 terminal, JSON, matplotlib): bytes
    that are not UTF-8 (which Python keeps as lone surrogates) written as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def split_at(arg: str) -> tuple[str, dict[str, str]]:
    """'mobilenet_v1@width=0.5,resolution=160' -> ('mobilenet_v1', {...}); also for a path
    ('specs/net.yaml@width=0.5'), unless a file of that whole name exists."""
    import os

    name, at, rest = arg.rpartition("@")
    if not at or os.path.isfile(arg):
        return arg, {}
    sets = {}
    for item in rest.split(","):
        kv = pair(item)
        if kv is None:
            raise ConvcostError(f"bad params in {arg!r}: expected NAME@KEY=VALUE,KEY=VALUE")
        sets[kv[0]] = kv[1]
    return name, sets


def analyzed(spec: str, sets: dict[str, str]) -> Report:
    """The report of SPEC (a file or a built-in name) with --set params."""
    from convcost.expand import analyze as run
    from convcost.zoo import load

    return run(load(spec), sets)


def timed(
    report: Report, device: str | None, precision: str, by: Grouping = "layer", depth: int = 1
) -> Timing | None:
    """The roofline estimate on --device, if one was given."""
    if device is None:
        return None
    from convcost.latency import load_device, timing

    return timing(report, load_device(device), precision, by, depth)


def counted(
    report: Report, convention: str | None, by: Grouping = "layer", depth: int = 1
) -> Counted | None:
    """The report counted as --convention does, if one was given."""
    if convention is None:
        return None
    from convcost.conventions import counted as count

    return count(report, convention, by, depth)
