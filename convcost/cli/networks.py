"""The networks and analyses commands ask for: specs by name or path with their params
(NAME@KEY=VALUE,...), ONNX files (with --input and --unknown), the whole zoo, and --device /
--convention when given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from convcost.checks import is_onnx
from convcost.cli.options import pair
from convcost.errors import ConvcostError

if TYPE_CHECKING:
    from convcost.checks import Grouping
    from convcost.conventions import Counted
    from convcost.latency import Timing
    from convcost.report import Report
    from convcost.spec import Spec


def networks(specs: Sequence[str]) -> list[tuple[str, Spec | None, Report]]:
    """(label, spec, report) for each NAME[@KEY=VALUE,...] (no spec for an ONNX file); with
    none, the whole zoo."""
    _refuse_input_option(specs)
    if not specs:
        return [(name, spec, report) for name, spec, report in zoo()]
    return [_network(label) for label in specs]


def reports(specs: Sequence[str]) -> list[tuple[str, Report]]:
    """(label, report) for each NAME[@KEY=VALUE,...]; with none, the whole zoo. Built-ins at
    their defaults come from the cache (convcost/cache.py), unparsed."""
    from convcost.cache import builtin_report
    from convcost.zoo import builtin_name, builtin_names

    _refuse_input_option(specs)
    if not specs:
        return [(name, builtin_report(name)) for name in builtin_names()]
    out = []
    for label in specs:
        name = builtin_name(label)  # no '@': a NAME@... is no built-in's name
        out.append((label, builtin_report(name)) if name else _network(label)[::2])
    return out


def zoo() -> list[tuple[str, Spec, Report]]:
    """(name, spec, report) of every built-in network at its defaults, by exact name: a file
    called 'vgg16' in the working folder is not it."""
    from convcost.cache import builtin_report
    from convcost.zoo import builtin, builtin_names

    return [(name, builtin(name), builtin_report(name)) for name in builtin_names()]


def _network(label: str) -> tuple[str, Spec | None, Report]:
    """(label, spec, report) of one NAME[@KEY=VALUE,...] (no spec for an ONNX file)."""
    from convcost.expand import analyze as run
    from convcost.zoo import load

    name, sets = split_at(label)
    if is_onnx(name):
        return printable_name(label), None, onnx_report(name, sets)
    spec = load(name)
    if name == "-":  # standard input: called by the name it gives itself
        label = (spec.name or "<stdin>") + label[len(name) :]
    return printable_name(label), spec, run(spec, sets)


def _refuse_input_option(specs: Sequence[str]) -> None:
    """--input is for ONNX files: refused when none is among `specs`."""
    if not any(is_onnx(split_at(label)[0]) for label in specs):
        _no_input_option()


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
    if is_onnx(spec):
        return onnx_report(spec, sets)
    _no_input_option()
    return _spec_report(spec, sets, None)


def network(spec: str, sets: dict[str, str]) -> tuple[Spec | None, Report, str]:
    """SPEC (a file, a built-in name or an .onnx file) with --set params: its spec (None for
    ONNX), its report (as `analyzed` gives it) and the file its layers' lines are in."""
    if is_onnx(spec):
        return None, onnx_report(spec, sets), printable_name(spec)
    _no_input_option()
    from convcost.zoo import load

    loaded = load(spec)
    return loaded, _spec_report(spec, sets, loaded), printable_name(loaded.file)


def _spec_report(spec: str, sets: dict[str, str], loaded: Spec | None) -> Report:
    """A built-in at its defaults from the cache; any other SPEC expanded from `loaded` (read
    now if None)."""
    from convcost.zoo import builtin_name, load

    name = None if sets else builtin_name(spec)
    if name is not None:
        from convcost.cache import builtin_report

        return builtin_report(name)
    from convcost.expand import analyze as run

    return run(loaded if loaded is not None else load(spec), sets)


def _no_input_option() -> None:
    """--input is for ONNX files: a spec's input follows its params."""
    if click.get_current_context().meta.get("onnx_input") is not None:
        raise click.UsageError(
            "--input applies to ONNX files; a spec's input follows its params "
            "(e.g. --set resolution=160)"
        )


def onnx_report(path: str, sets: dict[str, str]) -> Report:
    """The report of an ONNX file, read with the command's --input and --unknown."""
    from convcost.onnx_import import import_onnx

    if sets:
        raise ConvcostError(
            f"{printable_name(path)} is an ONNX file: it has no params to set",
            hint="--set and NAME@KEY=VALUE change a YAML spec's params",
        )
    meta = click.get_current_context().meta
    return import_onnx(
        path, meta.get("onnx_input"), meta.get("onnx_unknown", "error"), printable_name(path)
    )


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
