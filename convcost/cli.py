"""The `convcost` command line. Imports only click at startup; each command loads what it uses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from convcost import __version__
from convcost.errors import ConvcostError, ExitStatus, plural

if TYPE_CHECKING:
    from convcost.conventions import Counted
    from convcost.latency import Timing
    from convcost.report import Report
    from convcost.spec import Spec
    from convcost.table import Grid

FORMATS = ("table", "json", "csv", "markdown", "latex")
CONVENTIONS = ("paper", "ptflops", "fvcore", "thop", "torch")
"""The names of convcost.conventions.CONVENTIONS (kept here so --help need not import it)."""
METRICS = ("macs", "params", "mem_access", "latency", "top1")
"""The axes of `convcost plot` (convcost.plot.AXES)."""


class Group(click.Group):
    """Turns every ConvcostError into one message on stderr and exit status 2, and a reader
    that stops early (`convcost ... | head`) into exit status 0."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConvcostError as e:
            from convcost.zoo import source_text

            click.echo("error: " + e.format(source_text(e.loc.file) if e.loc else None), err=True)
            ctx.exit(ExitStatus.BAD_INPUT)
        except BrokenPipeError:  # the reader has all it wants; nothing more reaches the pipe,
            import contextlib  # not even Python's flush at exit
            import os

            with contextlib.suppress(OSError, ValueError):  # ValueError: click's test runner
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitStatus.OK)


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


def format_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--format/-f and --output/-o, shared by every command."""
    fn = output_option(fn)
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format; json and csv carry exact integers.",
    )(fn)


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


def emit(
    fmt: str, grid: Callable[[], Grid | list[Grid]], text: Callable[[str], str | Iterable[str]]
) -> None:
    """Print tables (rich) or Markdown from `grid()` (one Grid or several), or json/csv from
    `text(fmt)` (a text, or its pieces in order); to the --output file instead when one was
    given."""
    output = click.get_current_context().meta.get("output")
    made = grid() if fmt in ("table", "markdown", "latex") else []
    grids = made if isinstance(made, list) else [made]
    result: str | Iterable[str]
    if fmt == "table":
        from convcost.table import print_table

        if output is None:
            for g in grids:
                print_table(g)
            return
        import io

        buf = io.StringIO()
        for g in grids:
            print_table(g, file=buf)
        result = buf.getvalue()
    elif fmt in ("markdown", "latex"):
        from convcost import render

        to_text = render.markdown if fmt == "markdown" else render.latex
        result = "\n".join(to_text(g) for g in grids)
    else:
        result = text(fmt)
    if output is None:
        for piece in [result] if isinstance(result, str) else result:
            click.echo(piece, nl=False)
    else:
        write_atomic(output, result)


def write_atomic(path: str, text: str | bytes | Iterable[str]) -> None:
    """Write `text` (or bytes, or text in pieces) to --output `path`: a regular file is
    replaced atomically (whole or untouched, through symlinks, no temporary file left even on
    Ctrl-C or SIGTERM), a device or FIFO written in place; see convcost.files.write_output."""
    from convcost.files import write_output

    write_output(path, text)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="convcost")
def cli() -> None:
    """Exact cost of convolutional networks: MACs, params, activations, memory access.

    Networks are YAML specs: a file path, or the name of a built-in network
    (`convcost list`).
    """


@cli.command()
@click.argument("spec")
@sets_option
@click.option(
    "--by",
    type=click.Choice(["layer", "category", "block"]),
    default="layer",
    show_default=True,
    help="One row per layer, per layer category, or per block.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --by block: how many path segments make a block.",
)
@precision_option
@device_option
@convention_option
@format_option
def analyze(
    spec: str,
    sets: dict[str, str],
    by: str,
    depth: int,
    precision: str,
    device: str | None,
    convention: str | None,
    fmt: str,
) -> None:
    """Cost of every layer of SPEC (a .yaml file or a built-in name), and totals.

    \b
    convcost analyze specs/mobilenet_v1.yaml
    convcost analyze mobilenet_v1 --set width=0.5 --set resolution=160
    convcost analyze mobilenet_v1 --by category
    convcost analyze shufflenet_v2 --device mobile-cpu
    convcost analyze mobilenet_v2 --convention ptflops
    """
    from convcost import render
    from convcost.memory import memory

    given = click.get_current_context().get_parameter_source("depth")
    if by != "block" and given is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError(
            f"--depth applies to --by block only (this is --by {by}): add --by block, or drop "
            "--depth"
        )
    report = _analyze(spec, sets)
    mem = memory(report, precision)
    timed = _timing(report, device, precision, by, depth)
    counted = _counted(report, convention, by, depth)
    emit(
        fmt,
        lambda: render.analyze_grid(report, mem, by, depth, timed, counted),
        lambda f: (
            render.analyze_json(report, mem, by, depth, timed, counted)
            if f == "json"
            else render.analyze_csv(report, mem, by, depth, timed, counted)
        ),
    )


@cli.command()
@click.argument("specs", nargs=-1)
@click.option(
    "--all", "everything", is_flag=True, help="The whole built-in zoo (also the default)."
)
@click.option(
    "--by",
    type=click.Choice(["network", "category"]),
    default="network",
    show_default=True,
    help="Totals per network, or each network's split by category.",
)
@precision_option
@device_option
@convention_option
@format_option
def compare(
    specs: tuple[str, ...],
    everything: bool,
    by: str,
    precision: str,
    device: str | None,
    convention: str | None,
    fmt: str,
) -> None:
    """Each network's totals, and each as a multiple of the first network's.

    Give params per network with NAME@KEY=VALUE,KEY=VALUE. With no names (or --all),
    the whole zoo, sorted by MACs, against VGG16.

    \b
    convcost compare vgg16 shufflenet mobilenet_v1 shufflenet_v2
    convcost compare mobilenet_v1 mobilenet_v1@width=0.5,resolution=160
    convcost compare --all
    convcost compare shufflenet_v2 shufflenet mobilenet_v2 --device gpu
    convcost compare mobilenet_v2 resnet50 --convention fvcore
    """
    from convcost import render

    if everything and specs:
        raise click.UsageError("give network names or --all, not both")
    nets = _networks(specs)
    if not specs:
        nets.sort(key=lambda n: (n[0] != "vgg16", -n[2].totals.macs))
    specs = tuple(label for label, _, _ in nets)
    reports = [r for _, _, r in nets]
    from convcost.memory import memory

    mems = [memory(r, precision) for r in reports]
    timings = [t for r in reports if (t := _timing(r, device, precision)) is not None]
    counts = [c for r in reports if (c := _counted(r, convention)) is not None]
    emit(
        fmt,
        lambda: render.compare_grid(reports, mems, specs, by, timings, counts),
        lambda f: (
            render.compare_json(reports, mems, specs, by, timings, counts)
            if f == "json"
            else render.compare_csv(reports, mems, specs, by, timings, counts)
        ),
    )


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


@cli.command()
@click.argument("kind", type=click.Choice(["conv", "dw", "pw", "dwsep", "dwconv", "pwconv"]))
@click.option("--in", "inp", required=True, metavar="HxWxC", help="Input shape, e.g. 64x64x3.")
@click.option("--out", type=Size(), help="Output channels.")
@click.option(
    "-k",
    "--kernel",
    type=Size(),
    default=None,
    help="Kernel size  [default: 3; pw is always 1]",
)
@click.option("-s", "--stride", type=Size(), default=1, show_default=True)
@click.option(
    "-p",
    "--padding",
    metavar="PAD",
    default=None,
    help="same, valid, N, H,W or T,B,L,R (top,bottom,left,right)  [default: same: out = "
    "ceil(in/stride) with total padding max((out-1)*stride+k-in, 0), half of it before, the "
    "rest after, as TensorFlow's SAME]",
)
@click.option(
    "-g",
    "--groups",
    type=Size(),
    default=1,
    show_default=True,
    help="Groups (conv and pw).",
)
@click.option("--bias/--no-bias", default=False, show_default=True)
@click.option(
    "--bn/--no-bn",
    default=False,
    show_default=True,
    help="Follow each convolution with batch norm.",
)
@precision_option
@format_option
def layer(
    kind: str,
    inp: str,
    out: int | None,
    kernel: int | None,
    stride: int,
    padding: str | None,
    groups: int,
    bias: bool,
    bn: bool,
    precision: str,
    fmt: str,
) -> None:
    """Cost of one layer: conv, dw (depthwise), pw (pointwise) or dwsep (both);
    dwconv and pwconv are dw and pw, as the spec names them.

    dwsep also shows the standard KxK conv it replaces and the ratio of the two,
    as an exact fraction beside MobileNet v1's 1/N + 1/K^2. A 1x1 conv (stride 1,
    one group) also shows ShuffleNet V2's G1 lower bound on its memory access.

    \b
    convcost layer dwsep --in 64x64x3 --out 4 -k 3
    convcost layer conv --in 56x56x240 --out 60 -k 1 -g 3
    convcost layer pw --in 64x64x4 --out 2 -g 2
    """
    from convcost import render
    from convcost.calculator import LayerOptions, compare_separable, layer_report
    from convcost.guidelines import g1_bound
    from convcost.memory import memory
    from convcost.shapes import parse_hwc, parse_pad

    kind = {"dwconv": "dw", "pwconv": "pw"}.get(kind, kind)
    k = kernel if kernel is not None else (1 if kind == "pw" else 3)
    pad = None if padding is None else parse_pad(padding)
    opts = LayerOptions(out, k, stride, None if pad == "same" else pad, groups, bias, bn)
    x = parse_hwc(inp)
    report = layer_report(kind, x, opts)
    mem = memory(report, precision)
    comparison = compare_separable(x, opts) if kind == "dwsep" else None
    g1 = None
    if k == 1 and groups == 1 and stride == 1 and kind in ("conv", "pw"):
        conv = report.layers[0]
        g1 = (conv.cost.mem_access, g1_bound(x.h * x.w, x.c, conv.out.c))
    emit(
        fmt,
        lambda: render.layer_grid(report, mem, comparison, g1),
        lambda f: (
            render.layer_json(report, mem, comparison, g1)
            if f == "json"
            else render.layer_csv(report, mem, comparison)
        ),
    )


@cli.command()
@click.argument("spec")
@sets_option
@format_option
def advise(spec: str, sets: dict[str, str], fmt: str) -> None:
    """What ShuffleNet V2's four guidelines say about SPEC, and what fixing it would save.

    G1 equal 1x1 widths, G2 few groups, G3 little fragmentation, G4 light element-wise
    traffic (Ma et al. 2018, Sec. 2). Ends with a one-line verdict.

    \b
    convcost advise shufflenet_v1 --set groups=8
    convcost advise mobilenet_v2 -f json
    """
    from convcost import render
    from convcost.guidelines import advise as find
    from convcost.guidelines import verdict

    report = _analyze(spec, sets)
    findings = find(report)
    line = verdict(report, findings)
    emit(
        fmt,
        lambda: render.advise_grid(report, findings, line),
        lambda f: (
            render.advise_json(report, findings, line)
            if f == "json"
            else render.advise_csv(findings)
        ),
    )


@cli.command()
@click.argument("spec")
@sets_option
@format_option
def explain(spec: str, sets: dict[str, str], fmt: str) -> None:
    """Why ptflops, fvcore, thop, torch and the papers give SPEC different totals.

    One row per PyTorch call the network makes (nn.Conv2d, nn.BatchNorm2d, F.relu, ...) with
    what each tool counts for it, then the rule each count follows. Each column sums to that
    tool's total, exactly; the difference of two columns, row by row, is why two tools disagree.

    \b
    convcost explain mobilenet_v2
    convcost explain resnet50 -f json
    """
    from convcost import render
    from convcost.conventions import explain as calls_of

    report = _analyze(spec, sets)
    calls = calls_of(report)
    emit(
        fmt,
        lambda: render.explain_grids(report, calls),
        lambda f: render.explain_json(report, calls) if f == "json" else render.explain_csv(calls),
    )


@cli.command()
@format_option
def devices(fmt: str) -> None:
    """The device profiles for --device: peak MAC/s, bandwidth, launch overhead, sources."""
    from convcost import render
    from convcost.latency import device_names, load_device

    profiles = [load_device(name) for name in device_names()]
    emit(
        fmt,
        lambda: render.devices_grid(profiles),
        lambda f: render.devices_json(profiles) if f == "json" else render.devices_csv(profiles),
    )


@cli.command()
@click.argument("spec")
@sets_option
@click.option(
    "--max-macs", metavar="AMOUNT", multiple=True, help="Fail if MACs exceed this, e.g. 600M."
)
@click.option("--max-flops", metavar="AMOUNT", multiple=True, help="Fail if FLOPs exceed this.")
@click.option(
    "--max-params", metavar="AMOUNT", multiple=True, help="Fail if params exceed this, e.g. 4.5M."
)
@click.option(
    "--max-activations", metavar="AMOUNT", multiple=True, help="Fail if activations exceed this."
)
@click.option(
    "--max-mem-access", metavar="AMOUNT", multiple=True, help="Fail if memory access exceeds this."
)
@click.option(
    "--expect",
    multiple=True,
    metavar="NAME=AMOUNT",
    help="Fail unless a total equals this exactly, e.g. --expect macs=568740352 (repeatable).",
)
@format_option
def check(
    spec: str,
    sets: dict[str, str],
    max_macs: tuple[str, ...],
    max_flops: tuple[str, ...],
    max_params: tuple[str, ...],
    max_activations: tuple[str, ...],
    max_mem_access: tuple[str, ...],
    expect: tuple[str, ...],
    fmt: str,
) -> None:
    """Gate a network's cost in CI: exit 0 if every bound holds, 1 if one is exceeded.

    Amounts take SI suffixes (K, M, G, T) and are compared exactly. Every bound and
    expectation given is checked, a repeated one too. Bad input exits 2.

    \b
    convcost check mobilenet_v1 --max-macs 600M --max-params 4.5M
    convcost check mobilenet_v1 --expect macs=568740352 --expect params=4231976
    """
    from convcost import budget, render

    given = {
        "macs": max_macs,
        "flops": max_flops,
        "params": max_params,
        "activations": max_activations,
        "mem_access": max_mem_access,
    }
    maxima = [
        (k, budget.amount(v, f"--max-{k.replace('_', '-')}"))
        for k, values in given.items()
        for v in values
    ]
    expected = []
    for item in expect:
        kv = pair(item)
        if kv is None:
            raise ConvcostError(
                f"--expect '{budget.brief(item)}': expected NAME=AMOUNT, e.g. macs=568740352"
            )
        name, value = kv
        expected.append(
            (budget.quantity(name), budget.amount(value, f"--expect {budget.brief(name)}"))
        )
    if not maxima and not expected:
        raise click.UsageError("give at least one --max-... bound or --expect")
    report = _analyze(spec, sets)
    checks = budget.check(report, maxima, expected)
    emit(
        fmt,
        lambda: render.check_grid(report, checks),
        lambda f: render.check_json(report, checks) if f == "json" else render.check_csv(checks),
    )
    if not all(c.ok for c in checks):
        click.get_current_context().exit(ExitStatus.OVER_BUDGET)


@cli.command()
@click.argument("spec")
@sets_option
@click.option(
    "--pareto",
    type=click.Choice(["params", "mem_access"]),
    help="Keep only the points no other beats on both MACs and this.",
)
@format_option
def sweep(spec: str, sets: dict[str, str], pareto: str | None, fmt: str) -> None:
    """Totals for every combination of param values: lists (1,0.75,0.5) or ranges (1..8).

    A value is a number or an expression, as with --set elsewhere; a range A..B takes whole
    numbers and includes both ends. At most 100,000 points. An unknown param, a value that
    cannot be evaluated at any point (0.1..0.5, abc) or too many points exits 2 before any
    point is costed.

    Points the network cannot take (ShuffleNet v1 with 5 groups) are listed with their error,
    and the sweep still exits 0: table rows show - and the errors follow the table; csv fills
    the error column; json lists them under "failed" (values and error), apart from "points".
    With --pareto, failed points are listed too. If every point fails, the sweep exits 2 with
    the first point's error.

    \b
    convcost sweep mobilenet_v1 --set width=1,0.75,0.5,0.25       # Table 6
    convcost sweep mobilenet_v1 --set resolution=224,192,160,128  # Table 7
    convcost sweep shufflenet_v1 --set groups=1..8                # Table 1
    """
    from convcost import render
    from convcost import sweep as sweeps
    from convcost.zoo import load

    if not sets:
        raise click.UsageError("give the values to sweep with --set NAME=V1,V2,... or A..B")
    loaded = load(spec)
    points = sweeps.sweep(loaded, sets)
    error = points.all_failed()
    if error is not None:
        raise error
    total, failed = len(points), len(points.errors)
    title = f"{loaded.title or loaded.name}: {plural(total, 'point')}"
    if pareto:
        points = sweeps.pareto(points, pareto)
        title += f", {len(points):,} on the Pareto front of MACs and {pareto}"
    if failed:
        title += f", {failed:,} failed"
    emit(
        fmt,
        lambda: render.sweep_grid(points, title),
        lambda f: (
            render.sweep_json(points, loaded.name) if f == "json" else render.sweep_csv(points)
        ),
    )


@cli.command()
@click.argument("specs", nargs=-1)
@click.option(
    "--x", "x", type=click.Choice(METRICS), default="macs", show_default=True, help="x axis."
)
@click.option(
    "--y", "y", type=click.Choice(METRICS), default="params", show_default=True, help="y axis."
)
@click.option("--labels/--no-labels", default=True, show_default=True, help="Name each point.")
@precision_option
@device_option
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The image to write: .png, .svg or .pdf (atomically).",
)
def plot(
    specs: tuple[str, ...],
    x: str,
    y: str,
    labels: bool,
    precision: str,
    device: str | None,
    output: str,
) -> None:
    """Scatter networks on two metrics, with their Pareto front (default: the whole zoo).

    Costs are on log axes; top1 is the published ImageNet top-1 accuracy, from the spec's
    `top1:` (sources: `convcost list -f json`); latency needs --device. Give params per
    network with NAME@KEY=VALUE,KEY=VALUE. Needs matplotlib: pip install 'convcost[plot]'.

    \b
    convcost plot -o zoo.png
    convcost plot --x macs --y top1 -o accuracy.svg
    convcost plot mobilenet_v1 mobilenet_v1@width=0.5 shufflenet_v2 --y mem_access -o m.png
    convcost plot --x latency --y top1 --device mobile-cpu -o latency.png
    """
    from convcost import plot as plots
    from convcost.render import CONVENTION

    if x == y:
        raise click.UsageError("--x and --y must be different metrics")
    if "latency" in (x, y) and device is None:
        raise click.UsageError("the latency axis needs --device NAME|FILE (`convcost devices`)")
    fmt = plots.image_format(output)
    captions = [CONVENTION]
    points = []
    for label, spec, report in _networks(specs):
        metrics: dict[str, float] = {
            "macs": report.totals.macs,
            "params": report.totals.params,
            "mem_access": report.totals.mem_access,
        }
        if "latency" in (x, y):
            timed = _timing(report, device, precision)
            assert timed is not None
            metrics["latency"] = timed.total_ms
            if timed.caption not in captions:
                captions.append(timed.caption)
        if "top1" in (x, y):
            metrics["top1"] = _top1(label, spec, report)
        for axis in (x, y):
            if axis not in plots.HIGHER_IS_BETTER and metrics[axis] <= 0:  # a log axis
                raise ConvcostError(
                    f"{label} has {metrics[axis]:g} {axis}: a log axis cannot place it",
                    hint=f"leave it out, or plot another metric than {axis}",
                )
        points.append(plots.Point(label, metrics))
    if "top1" in (x, y):
        captions.append(
            "top-1: as published for this model (a paper, else torchvision's weights; "
            "each source: convcost list -f json)"
        )
    write_atomic(output, plots.render(points, x, y, fmt, captions, labels))


def printable_name(text: str) -> str:
    """A file name as text any output can hold (a UTF-8 terminal, JSON, matplotlib): bytes
    that are not UTF-8 (which Python keeps as lone surrogates) written as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _top1(label: str, spec: Spec, report: Report) -> float:
    """The published top-1 accuracy of `report`'s network at its params; an error if unknown."""
    from convcost.errors import SpecError
    from convcost.expand import published_top1

    found = published_top1(spec, report.params)
    if found is None:
        known = [t.where() for t in spec.top1]
        raise SpecError(
            f"no published top-1 accuracy for {label}",
            hint="the spec has one at: " + "; ".join(known) if known else "the spec has no top1:",
        )
    return found.value


@cli.command("list")
@format_option
def list_(fmt: str) -> None:
    """The built-in networks: names, aliases, sources, default params and totals."""
    from convcost import render
    from convcost.expand import published_top1

    entries = [(s, r, published_top1(s, r.params)) for _, s, r in _networks(())]
    emit(
        fmt,
        lambda: render.list_grid(entries),
        lambda f: render.list_json(entries) if f == "json" else render.list_csv(entries),
    )


def _networks(specs: Sequence[str]) -> list[tuple[str, Spec, Report]]:
    """(label, spec, report) for each NAME[@KEY=VALUE,...]; with none, the whole zoo."""
    from convcost.expand import analyze as run
    from convcost.zoo import builtin, builtin_names, load

    if not specs:  # by exact name: a file called 'vgg16' in the working folder is not it
        return [(name, builtin(name), run(builtin(name))) for name in builtin_names()]
    out = []
    for label in specs:
        name, sets = _split_at(label)
        spec = load(name)
        if name == "-":  # standard input: called by the name it gives itself
            label = (spec.name or "<stdin>") + label[len(name) :]
        out.append((printable_name(label), spec, run(spec, sets)))
    return out


def _split_at(arg: str) -> tuple[str, dict[str, str]]:
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


def _timing(
    report: Report, device: str | None, precision: str, by: str = "layer", depth: int = 1
) -> Timing | None:
    """The roofline estimate on --device, if one was given."""
    if device is None:
        return None
    from convcost.latency import load_device, timing

    return timing(report, load_device(device), precision, by, depth)


def _counted(
    report: Report, convention: str | None, by: str = "layer", depth: int = 1
) -> Counted | None:
    """The report counted as --convention does, if one was given."""
    if convention is None:
        return None
    from convcost.conventions import counted

    return counted(report, convention, by, depth)


def _analyze(spec: str, sets: dict[str, str]) -> Report:
    from convcost.expand import analyze as run
    from convcost.zoo import load

    return run(load(spec), sets)


def main() -> None:
    """Console entry point."""
    cli()
