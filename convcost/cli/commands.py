"""The `convcost` commands. Each reads its input, builds its view (convcost/render/) and
emits it; each loads what it uses when it runs."""

from __future__ import annotations

import gc
import sys
from typing import Any

import click

from convcost import __version__
from convcost.checks import COMPARE_BY, GROUPINGS, CompareBy, Grouping, is_onnx
from convcost.cli.networks import (
    analyzed,
    counted,
    networks,
    printable_name,
    reports,
    timed,
    zoo,
)
from convcost.cli.options import (
    METRICS,
    Size,
    convention_option,
    device_option,
    format_only_option,
    format_option,
    input_option,
    onnx_options,
    output_option,
    pair,
    precision_option,
    sets_option,
)
from convcost.cli.output import emit, progress, write_atomic
from convcost.errors import ConvcostError, ExitStatus


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
@onnx_options
@click.option(
    "--by",
    type=click.Choice(GROUPINGS),
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
    by: Grouping,
    depth: int,
    precision: str,
    device: str | None,
    convention: str | None,
    fmt: str,
) -> None:
    """Cost of every layer of SPEC (a .yaml file, a built-in name or an .onnx file), and
    totals.

    \b
    convcost analyze specs/mobilenet_v1.yaml
    convcost analyze model.onnx --input 1x3x224x224
    convcost analyze mobilenet_v1 --set width=0.5 --set resolution=160
    convcost analyze mobilenet_v1 --by category
    convcost analyze shufflenet_v2 --device mobile-cpu
    convcost analyze mobilenet_v2 --convention ptflops
    """
    from convcost.memory import memory
    from convcost.render import analyze as view

    given = click.get_current_context().get_parameter_source("depth")
    if by != "block" and given is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError(
            f"--depth applies to --by block only (this is --by {by}): add --by block, or drop "
            "--depth"
        )
    report = analyzed(spec, sets)
    mem = memory(report, precision)
    timing = timed(report, device, precision, by, depth)
    counts = counted(report, convention, by, depth)
    emit(fmt, view.build(report, mem, by, depth, timing, counts))


@cli.command()
@click.argument("specs", nargs=-1)
@onnx_options
@click.option(
    "--all", "everything", is_flag=True, help="The whole built-in zoo (also the default)."
)
@click.option(
    "--by",
    type=click.Choice(COMPARE_BY),
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
    by: CompareBy,
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
    from convcost.memory import memory
    from convcost.render import compare as view

    if everything and specs:
        raise click.UsageError("give network names or --all, not both")
    labels, costed = zip(*reports(specs), strict=True)
    mems = [memory(r, precision) for r in costed]
    timings = [t for r in costed if (t := timed(r, device, precision)) is not None]
    counts = [c for r in costed if (c := counted(r, convention)) is not None]
    emit(fmt, view.build(by, list(labels), list(costed), mems, timings, counts, zoo=not specs))


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
    from convcost.calculator import LayerOptions
    from convcost.render import layer as view
    from convcost.shapes import parse_hwc, parse_pad

    kind = {"dwconv": "dw", "pwconv": "pw"}.get(kind, kind)
    k = kernel if kernel is not None else (1 if kind == "pw" else 3)
    pad = None if padding is None else parse_pad(padding)
    opts = LayerOptions(out, k, stride, None if pad == "same" else pad, groups, bias, bn)
    emit(fmt, view.build(kind, parse_hwc(inp), opts, precision))


@cli.command()
@click.argument("spec")
@sets_option
@onnx_options
@format_option
def advise(spec: str, sets: dict[str, str], fmt: str) -> None:
    """What ShuffleNet V2's four guidelines say about SPEC, and what fixing it would save.

    G1 equal 1x1 widths, G2 few groups, G3 little fragmentation, G4 light element-wise
    traffic (Ma et al. 2018, Sec. 2). Ends with a one-line verdict.

    \b
    convcost advise shufflenet_v1 --set groups=8
    convcost advise mobilenet_v2 -f json
    """
    from convcost.render import advise as view

    emit(fmt, view.build(analyzed(spec, sets)))


@cli.command()
@click.argument("spec")
@sets_option
@onnx_options
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
    from convcost.render import explain as view

    emit(fmt, view.build(analyzed(spec, sets)))


@cli.command()
@format_option
def devices(fmt: str) -> None:
    """The device profiles for --device: peak MAC/s, bandwidth, launch overhead, sources."""
    from convcost.render import devices as view

    emit(fmt, view.build())


@cli.command()
@click.argument("spec")
@sets_option
@onnx_options
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
    from convcost.budget import limits
    from convcost.render import check as view

    maxima = {
        "macs": max_macs,
        "flops": max_flops,
        "params": max_params,
        "activations": max_activations,
        "mem_access": max_mem_access,
    }
    given = limits(maxima, [(item, pair(item)) for item in expect])
    if not given:
        raise click.UsageError("give at least one --max-... bound or --expect")
    checked = view.build(analyzed(spec, sets), given)
    emit(fmt, checked)
    if not checked.ok:
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
    from convcost.render import sweep as view
    from convcost.zoo import load

    if not sets:
        raise click.UsageError("give the values to sweep with --set NAME=V1,V2,... or A..B")
    if is_onnx(spec):
        raise ConvcostError(
            f"{printable_name(spec)} is an ONNX file: sweep varies a YAML spec's params"
        )
    emit(fmt, view.build(load(spec), sets, pareto))


@cli.command()
@click.argument("specs", nargs=-1)
@onnx_options
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
    from convcost.latency import load_device
    from convcost.plot import image_format
    from convcost.render import plot as view

    if x == y:
        raise click.UsageError("--x and --y must be different metrics")
    if "latency" in (x, y) and device is None:
        raise click.UsageError("the latency axis needs --device NAME|FILE (`convcost devices`)")
    fmt = image_format(output)
    nets = networks(specs)
    profile = load_device(device) if device is not None and "latency" in (x, y) else None
    write_atomic(output, view.build(nets, x, y, profile, precision).image(fmt, labels))


@cli.command()
@click.argument("spec")
@sets_option
@onnx_options
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="ONNX Runtime's intra-op threads, 1 to 4 per CPU (1 gives repeatable times).",
)
@click.option("--runs", type=int, default=20, show_default=True, help="Timed runs, 1 to 10,000.")
@click.option(
    "--warmup", type=int, default=5, show_default=True, help="Untimed runs first, 0 to 10,000."
)
@click.option("--batch", type=int, default=1, show_default=True, help="Images per run, 1 to 4,096.")
@precision_option
@device_option
@format_option
def measure(
    spec: str,
    sets: dict[str, str],
    threads: int,
    runs: int,
    warmup: int,
    batch: int,
    precision: str,
    device: str | None,
    fmt: str,
) -> None:
    """Time SPEC (a .yaml file, a built-in name or an .onnx file) in ONNX Runtime on this
    machine: the whole network's median and spread over --runs, and each layer's time.

    A spec runs as `convcost export` writes it (random weights), from a temporary folder; an
    ONNX file runs as it is. Per layer, ORT's profiler times each node of the graph ORT
    optimised; a layer ORT fused into another's node (a batch norm into its conv) shows the
    layer carrying its time. With --device, each layer's roofline estimate beside it. Needs
    onnxruntime: pip install 'convcost[measure]'.

    \b
    convcost measure mobilenet_v2
    convcost measure resnet18 --set resolution=160 --batch 8 --threads 2
    convcost measure model.onnx --input 1x3x224x224 --device desktop-cpu -f json
    """
    import itertools

    from convcost import measure as engine
    from convcost.render import measure as view

    engine.check_options(threads, runs, warmup, batch)
    report = analyzed(spec, sets)
    estimate = timed(report, device, precision)
    total = engine.steps(runs, warmup)
    with progress(f"measuring {printable_name(spec)}", total) as update:
        done = itertools.count(1)

        def step() -> None:
            if update is not None:
                update(next(done), "")

        onnx_file = spec if is_onnx(spec) else None
        m = engine.measure(report, onnx_file, threads, runs, warmup, batch, step)
    emit(fmt, view.build(m, estimate))


@cli.command()
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The device profile to write (YAML, atomically), for --device FILE.",
)
@click.option(
    "--budget",
    default="60s",
    show_default=True,
    metavar="TIME",
    help="Time to spend measuring: 90, 90s, 2m (1 s to 1 h).",
)
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="ONNX Runtime's intra-op threads, as the profile will be used.",
)
@format_only_option
def calibrate(output: str, budget: str, threads: int, fmt: str) -> None:
    """Measure micro-benchmarks in ONNX Runtime on this machine, fit the latency model to them
    and write a device profile for --device.

    Dense 3x3 and 1x1 convolutions over sizes and channel ratios, depthwise and group
    convolutions (g = 1, 2, 4, 8 at equal MACs), parallel branches, element-wise layers, fully
    connected layers and the zoo's units; every fourth is held out and the fit judged on it.
    Needs onnxruntime: pip install 'convcost[measure]'.

    \b
    convcost calibrate -o my-cpu.yaml
    convcost compare --all --device my-cpu.yaml
    """
    from convcost import calibrate as engine
    from convcost.render import calibrate as view

    seconds = engine.parse_budget(budget)
    engine.check_threads(threads)
    with progress("calibrating", 1.0) as update:
        calibration = engine.run(output, seconds, threads, update)
    emit(fmt, view.build(calibration, output))


@cli.command()
@click.argument("spec")
@sets_option
@click.option(
    "-o", "--output", required=True, metavar="FILE", help="The .onnx file to write (atomically)."
)
@click.option(
    "--opset",
    type=click.IntRange(min=1),
    default=18,
    show_default=True,
    help="ONNX opset: 13 to the installed onnx package's newest.",
)
def export(spec: str, sets: dict[str, str], output: str, opset: int) -> None:
    """Write a network as an ONNX model that onnxruntime runs, with random weights.

    Each layer's nodes are named by its path, so `convcost analyze net.onnx` gives the same
    layers and costs back. Weights over 100 MB go to FILE.data beside it. Needs the onnx
    package: pip install 'convcost[onnx]'.

    \b
    convcost export mobilenet_v2 -o mobilenet_v2.onnx
    convcost export shufflenet_v2 --set width=0.5 --opset 13 -o shufflenet.onnx
    """
    from convcost.onnx_export import export_onnx

    if is_onnx(spec):
        raise click.UsageError("export writes a spec's network; this is an ONNX file already")
    export_onnx(analyzed(spec, sets), output, opset)


@cli.command("import")
@click.argument("model")
@input_option
@click.option("--name", help="The spec's name  [default: the file's name without .onnx]")
@output_option
def import_(model: str, name: str | None) -> None:
    """Write an ONNX model as a spec that analyzes to the same costs, layer by layer.

    One item per layer, named after its node and reading the layers it reads with `from:`;
    edit it (a width, a group count) or sweep its `resolution`. Only the graph is read.

    \b
    convcost import resnet18.onnx -o resnet18.yaml
    convcost import model.onnx --input 1x3x224x224 --name mynet -o mynet.yaml
    """
    import os

    from convcost.cli.networks import onnx_report
    from convcost.render.as_spec import spec_text

    if not is_onnx(model):
        raise click.UsageError(f"import reads an ONNX file (.onnx), got {printable_name(model)!r}")
    report = onnx_report(model, {})
    stem = os.path.basename(model)[: -len(".onnx")] or "net"
    text = spec_text(report, name or printable_name(stem), printable_name(os.path.basename(model)))
    output = click.get_current_context().meta.get("output")
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


@cli.command()
@click.argument("spec")
@sets_option
@onnx_options
@precision_option
@device_option
@convention_option
@click.option(
    "--compare",
    "others",
    multiple=True,
    metavar="NAME",
    help="Put another network beside it (repeatable; NAME@KEY=VALUE,... for params).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The HTML page to write (atomically); - is standard output.",
)
def report(
    spec: str,
    sets: dict[str, str],
    precision: str,
    device: str | None,
    convention: str | None,
    others: tuple[str, ...],
    output: str,
) -> None:
    """One self-contained HTML page of SPEC: totals, the graph with every node's cost,
    every layer (sortable, linked with the graph), its formula with its numbers,
    breakdowns, advice, what each tool counts, and the zoo's Pareto chart.

    \b
    convcost report mobilenet_v2 -o mobilenet_v2.html
    convcost report shufflenet_v2 --device mobile-cpu --compare mobilenet_v2 -o s.html
    convcost report model.onnx --input 1x3x224x224 -o model.html
    """
    from convcost.cli.networks import network
    from convcost.memory import memory
    from convcost.render import report as view

    loaded, costed, source = network(spec, sets)
    mem = memory(costed, precision)
    beside = (
        [
            (label, r, memory(r, precision), timed(r, device, precision), counted(r, convention))
            for label, r in reports(others)
        ]
        if others
        else []
    )
    places = [(name, s, r, timed(r, device, precision)) for name, s, r in zoo()]
    page = view.build(
        costed,
        mem,
        loaded,
        source,
        timed(costed, device, precision),
        counted(costed, convention),
        beside,
        places,
        printable_name(device) if device else "",
    ).html()
    if output == "-":
        click.echo(page, nl=False)
    else:
        write_atomic(output, page)


@cli.command("list")
@format_option
def list_(fmt: str) -> None:
    """The built-in networks: names, aliases, sources, default params and totals."""
    from convcost.render import listing as view

    emit(fmt, view.build([(s, r) for _, s, r in zoo()]))


def main() -> None:
    """Console entry point, for one short run: the cycle collector stays off. A run of any
    command leaves a few hundred objects of cyclic garbage, all made at import (measured with
    gc.collect() at exit, the same for 200 timed runs as for 5), so collecting would only walk
    the long-lived objects a network is made of again and again: a tenth of a 10,000-layer run.
    """
    gc.disable()
    cli()
