"""Calibrate a device profile on this machine: time micro-benchmarks in ONNX Runtime, fit the
latency model's figures (convcost/latency.py) to them, and check the fit on held-out ones.

Each micro-benchmark is a small network written as a spec (BENCHMARKS), chosen to span what
the model must know: dense 3x3 and 1x1 convolutions over sizes and channel ratios (ShuffleNet
V2's G1), depthwise convolutions, group convolutions at g = 1, 2, 4, 8 with equal MACs (G2),
parallel branches (G3), element-wise add, activations, concat, shuffle, pooling (G4), and fully
connected layers. Each is exported (onnx_export.export_onnx) to a temporary folder, removed
afterwards, and timed with convcost.runtime: the median of its runs, less the median of an
empty run (a graph of one tiny Relu: the runtime's fixed cost per call, which no layer has).

The model is linear in its figures once `combine: sum` is chosen: a network's time is

    sum over its nodes of  work_c / rate_c + bytes / bandwidth + launch + groups * group_us

with one rate per category c (standard, pointwise, depthwise, group, fc, other), so the fit
is a non-negative least squares on relative error: each benchmark's row and its measured time
divided by that time (Lawson and Hanson's active-set method; numpy, imported when fitting).
Every FUSIONS entry is on, as ONNX Runtime fuses them all. The benchmarks are loaded in an
order that covers every family first, then timed round-robin for the rest of the budget (see
`calibrate`); every fourth one measured is held out of the fit, and the profile's median
absolute error on those is reported. Only fp32 is measured: the profile's fp16 and int8 rates
are its fp32 rate, and it says so.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from convcost.errors import ConvcostError
from convcost.expand import analyze
from convcost.files import check_writable, write_output
from convcost.latency import FUSIONS, RANGES, Device, estimate, layer_terms, parse_device
from convcost.layers import CATEGORIES
from convcost.onnx_export import export_onnx
from convcost.report import Report
from convcost.runtime import Machine, machine, session, timed, zeros
from convcost.spec import load_spec

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[float, str], None]
"""Called before each step with the fraction of the budget used (0 to 1) and what runs."""

MIN_BUDGET_S = 1.0
MAX_BUDGET_S = 3600.0
"""A budget's range: a second (a coarse fit of the first few benchmarks) to an hour."""
HOLD_OUT_EVERY = 4
"""Every fourth benchmark measured is held out of the fit (the 4th, 8th, ...)."""
MAX_RUNS = 10_000
"""Rounds of timed runs at most (each benchmark runs once a round): the budget ends them."""
SETUP_SHARE = 0.5
"""Of the budget, what building, exporting and loading the benchmarks may take; the rest
times them, round-robin."""
WARMUP = 2
"""Untimed runs before the timed ones (ORT allocates and packs weights on the first)."""
SETUP_GUESS_S = 0.15
"""Time to build, export and load one benchmark before any has been: a guess, replaced by the
mean of those done."""
FIT_RESERVE_S = 0.2
"""Kept back from the budget for the fit and the profile."""
FUSE = FUSIONS
"""ONNX Runtime's CPU provider does every fusion FUSIONS names (seen in its optimized graphs)."""
COLUMNS = (*CATEGORIES, "bytes", "nodes", "groups")
"""The fitted unknowns: seconds per unit of work of each category, per byte, per node, and per
group of a group conv."""
SIG = 4
"""Significant digits of the figures written in a profile."""


class Benchmark(NamedTuple):
    """One micro-benchmark: a name, its family (what it probes) and its spec's layers."""

    name: str
    family: str
    c: int
    h: int
    layers: str  # YAML flow list of the spec's layers


def _conv(
    out: int, k: int = 1, groups: int = 1, stride: int = 1, act: str = "relu", bn: bool = True
) -> str:
    """A conv layer, with a batch norm (unless `bn` is false) and `act` after it."""
    norm = "true" if bn else "false"
    return (
        f"conv: {{out: {out}, k: {k}, groups: {groups}, stride: {stride}, bn: {norm}, act: {act}}}"
    )


def _dw(k: int, act: str) -> str:
    return f"dwconv: {{k: {k}, bn: true, act: {act}}}"


def _se(c: int, act: str, gate: str) -> str:
    """Squeeze-and-excitation on `c` channels: gap, 1x1 to c / 4, 1x1 back, a gate, a product."""
    squeeze = f"conv: {{out: {c // 4}, act: {act}}}, conv: {{out: {c}, act: {gate}}}"
    return f"{{parallel: {{merge: mul, branches: [[], [gap, {squeeze}]]}}}}"


def _repeat(n: int, *layers: str) -> str:
    return f"repeat: {{times: {n}, layers: [{', '.join(layers)}]}}"


def _branches(n: int, c: int) -> str:
    """`n` parallel 1x1 convs of c / n channels each, concatenated (one conv if n is 1)."""
    if n == 1:
        return _conv(c)
    convs = ", ".join(f"[{_conv(c // n)}]" for _ in range(n))
    return f"{{parallel: {{merge: concat, branches: [{convs}]}}}}"


def _benchmarks() -> dict[str, list[Benchmark]]:
    """Every micro-benchmark, per family, each list from the most telling to the least."""
    dense = [
        Benchmark(f"dense3x3 {h}x{h}x{c}", "dense", c, h, f"[{_repeat(2, _conv(c, 3))}]")
        for h, c in [(28, 64), (14, 128), (56, 32), (7, 256), (28, 128), (14, 256)]
    ]
    dense.insert(2, Benchmark("stem 3x3 s2 224x224x3", "dense", 3, 224, f"[{_conv(32, 3, 1, 2)}]"))
    g1 = [  # ShuffleNet V2 Table 1: c1 -> c2 -> c1 at equal MACs
        Benchmark(
            f"1x1 {c1}:{c2} {h}x{h}", "pointwise", c1, h, f"[{_repeat(2, _conv(c2), _conv(c1))}]"
        )
        for h, c1, c2 in [
            (28, 64, 64),
            (28, 45, 90),
            (28, 26, 156),
            (14, 128, 128),
            (56, 32, 32),
            (14, 90, 180),
            (7, 256, 512),
            (112, 32, 64),
            (28, 18, 216),
        ]
    ]
    dw = [
        Benchmark(
            f"dw{k}x{k} s{s} {h}x{h}x{c}",
            "depthwise",
            c,
            h,
            f"[{_repeat(2, f'dwconv: {{k: {k}, stride: {s}, bn: true, act: relu}}')}]",
        )
        for h, c, k, s in [
            (56, 64, 3, 1),
            (14, 256, 3, 1),
            (112, 32, 3, 1),
            (28, 128, 5, 1),
            (7, 512, 3, 1),
            (56, 128, 3, 2),
        ]
    ]
    group = [  # ShuffleNet V2 Table 2: g = 1, 2, 4, 8 at equal MACs
        Benchmark(f"1x1 g{g} {h}x{h}x{c}", "group", c, h, f"[{_repeat(3, _conv(c, 1, g))}]")
        for h, c, g in [(28, 90, 2), (28, 128, 4), (28, 184, 8), (28, 64, 1), (28, 240, 3)]
    ]
    group.append(
        Benchmark("3x3 g32 28x28x128", "group", 128, 28, f"[{_repeat(2, _conv(128, 3, 32))}]")
    )
    group.append(
        Benchmark("1x1 g8 14x14x384", "group", 384, 14, f"[{_repeat(3, _conv(384, 1, 8))}]")
    )
    branches = [  # G3: the same MACs in 1, 2 or 4 parallel branches
        Benchmark(f"{n} branches {h}x{h}x{c}", "branches", c, h, f"[{_branches(n, c)}, {_conv(c)}]")
        for h, c, n in [(28, 128, 4), (28, 128, 2), (28, 128, 1), (14, 256, 4)]
    ]
    same = "branches: [[], []]"
    ew = [
        Benchmark(f"{what} {h}x{h}x{c}", "elementwise", c, h, layers)
        for h, c in [(28, 128), (56, 64), (14, 256)]
        for what, layers in [
            ("add", f"[{_repeat(3, f'parallel: {{merge: add, {same}}}')}]"),
            ("relu", "[relu, relu, relu]"),
            ("concat", f"[{_repeat(2, f'parallel: {{merge: concat, {same}}}')}]"),
            ("shuffle", "[shuffle: {groups: 2}, shuffle: {groups: 2}, shuffle: {groups: 2}]"),
            ("swish", "[swish, swish, swish]"),
            ("maxpool", "[maxpool: {k: 3, stride: 1, pad: 1}, maxpool: {k: 3, stride: 2, pad: 1}]"),
            ("bn", "[bn, bn, bn]"),
            (
                "squeeze-excite",
                "[{parallel: {merge: mul, branches: [[], [gap, "
                f"{_conv(c // 4, bn=False)}, {_conv(c, act='hsigmoid', bn=False)}]]}}}}]",
            ),
        ]
    ]
    fc = [
        Benchmark(f"fc {n}->{out}", "fc", n, 1, f"[fc: {{out: {out}}}, fc: {{out: {out}}}]")
        for n, out in [(1024, 1000), (4096, 2048), (2048, 1000), (1280, 1280), (9216, 1024)]
    ]
    blocks = [  # the zoo's units, for the layers around their convolutions as networks run them
        Benchmark(f"{what} {h}x{h}x{c}", "blocks", c, h, f"[{_repeat(2, layers)}]")
        for what, h, c, layers in [
            (
                "inverted residual",
                28,
                32,
                f"{{residual: {{layers: [{_conv(192)}, "
                f"{_dw(3, 'relu6')}, {_conv(32, act='none')}]}}}}",
            ),
            (
                "shuffle v2 unit",
                28,
                116,
                "{parallel: {split: true, merge: concat, branches: "
                f"[[], [{_conv(58)}, {_dw(3, 'none')}, {_conv(58)}]]}}}}, shuffle: {{groups: 2}}",
            ),
            (
                "bottleneck",
                14,
                256,
                f"{{residual: {{layers: [{_conv(64)}, {_conv(64, 3)}, "
                f"{_conv(256, act='none')}]}}}}, relu",
            ),
            (
                "shuffle v1 unit",
                28,
                240,
                f"{{residual: {{layers: [{_conv(60, 1, 3)}, "
                f"shuffle: {{groups: 3}}, {_dw(3, 'none')}, "
                f"{_conv(240, 1, 3, act='none')}]}}}}, relu",
            ),
            (
                "se-hswish unit",
                28,
                40,
                f"{{residual: {{layers: [{_conv(120, act='hswish')}, "
                f"{_dw(5, 'hswish')}, {_se(120, 'relu', 'hsigmoid')}, {_conv(40, act='none')}]}}}}",
            ),
            (
                "resnext unit",
                28,
                256,
                f"{{residual: {{layers: [{_conv(256)}, {_conv(256, 3, 32)}, "
                f"{_conv(256, act='none')}]}}}}, relu",
            ),
            (
                "mbconv swish",
                28,
                40,
                f"{{residual: {{layers: [{_conv(240, act='swish')}, "
                f"{_dw(3, 'swish')}, {_se(240, 'swish', 'sigmoid')}, {_conv(40, act='none')}]}}}}",
            ),
            (
                "dense unit",
                28,
                128,
                "{parallel: {merge: concat, branches: [[], [bn, relu, "
                f"{_conv(128)}, {_conv(32, 3, bn=False, act='none')}]]}}}}",
            ),
        ]
    ]
    return {
        "blocks": blocks,
        "dense": dense,
        "pointwise": g1,
        "depthwise": dw,
        "group": group,
        "branches": branches,
        "elementwise": ew,
        "fc": fc,
    }


def ordered() -> list[Benchmark]:
    """Every benchmark, round-robin over the families, so that any prefix spans them all."""
    families = list(_benchmarks().values())
    longest = max(len(f) for f in families)
    return [f[i] for i in range(longest) for f in families if i < len(f)]


def spec_text(b: Benchmark) -> str:
    """The spec of benchmark `b`."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", b.name).strip("_")
    return (
        f"name: {slug}\ntitle: '{b.name}'\ninput: {{c: {b.c}, h: {b.h}, w: {b.h}}}\n"
        f"layers: {b.layers}\n"
    )


def report_of(b: Benchmark) -> Report:
    """The costed report of benchmark `b`."""
    return analyze(load_spec(spec_text(b), f"<calibrate: {b.name}>"))


EMPTY = Benchmark("empty run", "baseline", 8, 1, "[relu]")
"""A graph of one Relu on 8 numbers: the runtime's fixed cost per run."""


class Measured(NamedTuple):
    """One benchmark as measured, fitted and judged."""

    name: str
    family: str
    macs: int
    runs: int
    measured_ms: float  # median over the runs, less the empty run's median
    fitted_ms: float  # the calibrated profile's estimate
    held_out: bool  # not used in the fit

    @property
    def error_pct(self) -> float:
        """(fitted - measured) / measured, in percent."""
        return (self.fitted_ms - self.measured_ms) / self.measured_ms * 100


class Calibration(NamedTuple):
    """A calibrated profile, its text (a device profile YAML), and the evidence for it."""

    device: Device
    text: str
    machine: Machine
    budget_s: float
    elapsed_s: float
    empty_ms: float  # the runtime's fixed cost per run, subtracted from every measurement
    rows: list[Measured]

    @property
    def held_out_error_pct(self) -> float | None:
        """Median |error| % over the held-out benchmarks; None if none was held out."""
        return _median_abs([r.error_pct for r in self.rows if r.held_out])

    @property
    def fit_error_pct(self) -> float | None:
        """Median |error| % over the fitted benchmarks."""
        return _median_abs([r.error_pct for r in self.rows if not r.held_out])


def _median_abs(values: Sequence[float]) -> float | None:
    return statistics.median(abs(v) for v in values) if values else None


def check_budget(budget_s: float) -> float:
    """`budget_s` if it is a number of seconds from MIN_BUDGET_S to MAX_BUDGET_S."""
    if (
        isinstance(budget_s, bool)
        or not isinstance(budget_s, int | float)
        or not MIN_BUDGET_S <= budget_s <= MAX_BUDGET_S
    ):
        raise ConvcostError(
            f"the budget must be {MIN_BUDGET_S:g} to {MAX_BUDGET_S:g} seconds, got {budget_s!r}"
        )
    return float(budget_s)


def check_threads(threads: int) -> int:
    """`threads` if it is a whole number from 1 to this machine's CPU count."""
    most = os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= most:
        raise ConvcostError(f"threads must be a whole number from 1 to {most}, got {threads!r}")
    return threads


BUDGET = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(s|m|min)?\s*")


def parse_budget(text: str) -> float:
    """A budget as the command line takes it: seconds ("90", "60s", "1.5s") or minutes ("2m",
    "2min"); checked by `check_budget`."""
    m = BUDGET.fullmatch(text) if isinstance(text, str) and len(text) < 40 else None
    if m is None:
        raise ConvcostError(
            f"a budget is seconds or minutes, such as 90, 60s or 2m; got {text!r}"[:200]
        )
    return check_budget(float(m.group(1)) * (60 if m.group(2) in ("m", "min") else 1))


def calibrate(
    budget_s: float,
    threads: int = 1,
    progress: Progress | None = None,
    name: str = "calibrated",
) -> Calibration:
    """Measure the benchmarks that fit in `budget_s` seconds on `threads` threads, fit a profile
    named `name` to them and judge it on the held-out ones (see the module docstring).

    The budget bounds the whole run, less FIT_RESERVE_S for the fit. First each benchmark is
    built, exported, loaded and run WARMUP times, while the mean setup so far fits in
    SETUP_SHARE of the budget; then all of them run round-robin, one timed run each per round,
    until the budget is spent (MAX_RUNS rounds at most): a burst of load on the machine then
    hits every benchmark alike instead of a few. Each benchmark's time is the median of its
    rounds (its last warm-up run if no round fitted), less the empty run's.
    """
    budget_s, threads = check_budget(budget_s), check_threads(threads)
    start = time.perf_counter()
    deadline = start + budget_s - FIT_RESERVE_S
    setup_deadline = start + SETUP_SHARE * (budget_s - FIT_RESERVE_S)
    here = machine(threads)
    loaded: list[tuple[Benchmark, Report, Any, dict[str, Any], float]] = []  # with a first time
    setups: list[float] = []
    with tempfile.TemporaryDirectory(prefix="convcost-calibrate-") as folder:
        for i, b in enumerate([EMPTY, *ordered()]):  # the empty run first: never short of time
            now = time.perf_counter()
            setup = statistics.fmean(setups) if setups else SETUP_GUESS_S
            if i and now + setup > setup_deadline:
                break
            if progress is not None:
                progress(min((now - start) / budget_s, 1.0), b.name)
            report = report_of(b)
            path = os.path.join(folder, f"b{i}.onnx")
            export_onnx(report, path)
            sess = session(path, threads)
            feed = zeros(sess)
            first = timed(sess, feed, 1, WARMUP - 1)[0]
            if i:  # the empty run's setup also imported onnx, onnxruntime and numpy
                setups.append(time.perf_counter() - now)
            loaded.append((b, report, sess, feed, first))
        times: list[list[float]] = [[] for _ in loaded]
        round_s = sum(first for *_, first in loaded)
        for r in range(MAX_RUNS):
            if time.perf_counter() + round_s > deadline:
                break
            if progress is not None:
                now = time.perf_counter()
                progress(min((now - start) / budget_s, 1.0), f"round {r + 1}")
            for (_, _, sess, feed, _), t in zip(loaded, times, strict=True):
                t += timed(sess, feed, 1, 0)
    medians = [
        statistics.median(t) if t else first for t, (*_, first) in zip(times, loaded, strict=True)
    ]
    empty = medians[0]
    done = [
        (b, report, len(t), max(m - empty, 1e-7))
        for (b, report, *_), t, m in zip(loaded[1:], times[1:], medians[1:], strict=True)
    ]
    if progress is not None:
        progress(min((time.perf_counter() - start) / budget_s, 1.0), "fitting")
    if len(done) < 2:
        raise ConvcostError(
            f"the budget of {budget_s:g} s measured {len(done)} benchmark(s): too few to fit "
            "a profile; give a larger budget"
        )
    held = [i % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1 for i in range(len(done))]
    fit_rows = [(d[1], d[3]) for d, h in zip(done, held, strict=True) if not h]
    theta = fit([r for r, _ in fit_rows], [s for _, s in fit_rows])
    elapsed = time.perf_counter() - start
    draft = profile_text(theta, name, here, budget_s, len(done), sum(held), None)
    device = parse_device(draft, f"<calibrated: {name}>")
    rows = [
        Measured(
            b.name,
            b.family,
            report.totals.macs,
            runs,
            seconds * 1e3,
            sum(t.ms for t in estimate(report, device)),
            h,
        )
        for (b, report, runs, seconds), h in zip(done, held, strict=True)
    ]
    error = _median_abs([r.error_pct for r in rows if r.held_out])
    text = profile_text(theta, name, here, budget_s, len(done), sum(held), error)
    return Calibration(
        parse_device(text, f"<calibrated: {name}>"),
        text,
        here,
        budget_s,
        elapsed,
        empty * 1e3,
        rows,
    )


def features(report: Report) -> list[float]:
    """A network's row of the fit, per COLUMNS: its work per category, its bytes (fp32), its
    nodes and its groups, summed over the layers that run a node (FUSE applied)."""
    row = dict.fromkeys(COLUMNS, 0.0)
    for t in layer_terms(report, FUSE, copy_splits=True):
        if t is not None:
            row[t.category] += t.work
            row["bytes"] += 4 * t.elements
            row["nodes"] += 1
            row["groups"] += t.groups
    return list(row.values())


def fit(reports: Sequence[Report], seconds: Sequence[float]) -> dict[str, float]:
    """Per COLUMNS, the non-negative seconds per unit that minimise the sum of squared relative
    errors of the networks' times: nnls(A / t, 1), each column scaled to unit norm first."""
    import numpy as np

    a = np.array([features(r) for r in reports], dtype=np.float64)
    t = np.array(seconds, dtype=np.float64)
    a /= t[:, None]
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    x = nnls(a / norms, np.ones(len(t)))
    return dict(zip(COLUMNS, (float(v) for v in x / norms), strict=True))


def nnls(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """argmin ||a x - b|| subject to x >= 0: Lawson and Hanson's active-set method (1974,
    Solving Least Squares Problems, ch. 23), at most 3 * columns outer steps."""
    import numpy as np

    n = a.shape[1]
    x = np.zeros(n)
    free = np.zeros(n, dtype=bool)
    for _ in range(3 * n):
        w = a.T @ (b - a @ x)
        if free.all() or (w[~free] <= 1e-12).all():
            break
        free[int(np.argmax(np.where(free, -np.inf, w)))] = True
        for _ in range(n):  # each pass frees a column or ends
            z = np.zeros(n)
            z[free] = np.linalg.lstsq(a[:, free], b, rcond=None)[0]
            if (z[free] > 0).all():
                x = z
                break
            down = free & (z <= 0)
            alpha = float(np.min(x[down] / (x[down] - z[down])))
            x = x + alpha * (z - x)
            free &= x > 1e-15
            x[~free] = 0.0
    return x


def _figure(v: float, key: str) -> str:
    """`v` within RANGES[key], SIG significant digits, as a plain decimal (never 1e3: YAML
    reads that as text)."""
    low, high, _ = RANGES[key]
    v = min(max(v, low), high)
    digits = max(0, SIG - 1 - math.floor(math.log10(v)))
    return f"{round(v, digits):.{digits}f}"


def profile_text(
    theta: dict[str, float],
    name: str,
    here: Machine,
    budget_s: float,
    measured: int,
    held_out: int,
    error_pct: float | None,
) -> str:
    """The device profile YAML of fitted seconds per unit `theta` (see `fit`).

    rate_c = 1 / theta[c] (MAC/s); peak = the fastest fitted rate of the convolutions and fc;
    efficiency_c = rate_c / peak (1 where theta[c] is 0: no cost measurable); bandwidth = 1 /
    theta[bytes]; launch_us and group_us = theta[nodes] and theta[groups] in microseconds.
    Each figure is clamped to its range (latency.RANGES).
    """
    rates = {c: 1 / theta[c] for c in CATEGORIES if theta[c] > 0}
    convs = [rates[c] for c in CATEGORIES if c != "other" and c in rates]
    peak = max(convs) if convs else max(rates.values(), default=1e9)
    eff = {c: _figure(rates[c] / peak if c in rates else 1.0, "efficiency") for c in CATEGORIES}
    gmacs = _figure(peak / 1e9, "peak_gmacs")
    bandwidth = _figure(
        1 / theta["bytes"] / 1e9 if theta["bytes"] > 0 else math.inf, "bandwidth_gbs"
    )
    judged = (
        f"median |error| on the {held_out} held-out ones: {error_pct:.1f}%"
        if error_pct is not None
        else "none was held out (too small a budget), so the fit is not judged"
    )
    source = (
        f"Fitted by convcost calibrate to {measured} micro-benchmarks run in ONNX Runtime "
        f"{here.onnxruntime} (CPU provider, every graph optimisation, batch 1, median of runs) "
        f"on {here.describe()}, within a {budget_s:g} s budget; {judged}. Non-negative least "
        "squares on relative error; peak_gmacs is the fastest fitted rate, not a datasheet's. "
        "Measured at fp32 only: fp16 and int8 are given the fp32 rate."
    )
    machine_line = here.describe()
    threads = f"{here.threads} thread" + ("" if here.threads == 1 else "s")
    title = f"{here.cpu}, {threads}, ONNX Runtime {here.onnxruntime} (calibrated)"
    return "\n".join(
        [
            f"# {name}.yaml: calibrated by convcost calibrate on {machine_line}",
            f"# budget {budget_s:g} s: {measured} micro-benchmarks measured, {held_out} held out;",
            f"# {judged}",
            f"name: {_quoted(name)}",
            f"title: {_quoted(title)}",
            f"source: {_quoted(source)}",
            f"peak_gmacs: {{fp32: {gmacs}, fp16: {gmacs}, int8: {gmacs}}}  # GMAC/s",
            f"bandwidth_gbs: {bandwidth}",
            f"launch_us: {_figure(theta['nodes'] * 1e6, 'launch_us')}  # per node",
            "group_launches: once",
            f"group_us: {_figure(theta['groups'] * 1e6, 'group_us')}  # per group of a group conv",
            "combine: sum",
            f"fuse: [{', '.join(FUSE)}]",
            "copy_splits: true",
            "efficiency: {" + ", ".join(f"{c}: {v}" for c, v in eff.items()) + "}",
            "",
        ]
    )


def _quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON's escapes are YAML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def run(
    output: str, budget_s: float, threads: int = 1, progress: Progress | None = None
) -> Calibration:
    """Calibrate and write the profile to `output` atomically, named after the file (my-cpu
    for my-cpu.yaml): what `convcost calibrate -o FILE` does."""
    check_writable(output)  # not after the whole budget
    stem = os.path.splitext(os.path.basename(output))[0] or "calibrated"
    calibration = calibrate(budget_s, threads, progress, name=stem)
    write_output(output, calibration.text)
    return calibration
