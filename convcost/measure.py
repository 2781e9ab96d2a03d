"""Measuring a network in ONNX Runtime (`convcost measure`): its time per run and per layer.

What is measured, and how:

- The model: a spec's Report exported by onnx_export (random weights, `batch` images) into a
  temporary folder, removed afterwards whatever happens; or an ONNX file as it is.
- The whole network: a session (runtime.session: CPU, `threads` intra-op threads, every
  graph optimisation) fed zeros, run `warmup` times untimed, then `runs` times, each run timed
  with perf_counter (runtime.timed). Reported: the median and the spread of those runs.
- Per layer: a second session with ORT's profiler on, run once untimed and then
  `profile_runs` times. Each ORT node's kernel time is its median over those runs, and the
  profiled run's total is the median of ORT's `model_run` events (the profiler's own work
  makes it somewhat slower than an unprofiled run).
- From ORT's nodes to layers: ORT runs an optimised graph (saved into the temporary folder)
  in which it has fused nodes: a batch norm folded into the Conv before it, Conv + activation
  as FusedConv, and with NCHWc layouts a Conv that also adds a residual and applies an
  activation. Each ORT node computes the layers it is anchored to (its name is the name of an
  original node, or, for an NCHWc node, of the tensor it replaced; or it writes an original
  tensor), plus the layers whose outputs vanished from the optimised graph inside it: a chain
  of vanished layers up to its anchor that starts at a conv or fc layer (Conv, BN, activation
  folded into the activation's node), and a vanished layer after it whose other inputs it
  reads (an Add fused into the Conv before it). A node's time goes to the first of its layers
  (in the network's order); the others are "fused into" that one. ORT's layout conversions
  (ReorderInput, ReorderOutput) and nodes of no layer are "other ORT nodes"; the profiled
  run's time outside every node is its own remainder. The rows sum to the profiled total.
"""

from __future__ import annotations

import bisect
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from convcost import runtime
from convcost.errors import ConvcostError
from convcost.onnx_export import export_onnx
from convcost.report import Report

MAX_BATCH = 4096
"""Images per run at most (`--batch`)."""
THREADS_PER_CPU = 4
"""Intra-op threads at most, per logical CPU (`--threads`)."""
MAX_WARMUP = 10_000
MAX_RUNS = 10_000
PROFILE_RUNS = 10
"""Profiled runs at most: per-layer medians need a few, and each writes an event per node."""
LAYOUT_OPS = frozenset({"ReorderInput", "ReorderOutput"})
"""ORT's conversions to and from its blocked (NCHWc) layout: the work of no layer."""
NCHWC_SUFFIX = "_nchwc"
"""ORT names a node it rewrites to NCHWc by the tensor that node wrote, plus this suffix."""
KERNEL_SUFFIX = "_kernel_time"
"""ORT's profiler names a node's event by the node, plus this suffix."""

Step = Callable[[], None]


class Spread(NamedTuple):
    """Milliseconds of timed runs: their median and how they spread."""

    median: float
    min: float
    p10: float
    p90: float
    max: float
    iqr: float  # the interquartile range (p75 - p25) relative to the median

    def scaled(self, factor: float) -> Spread:
        """Every time multiplied by `factor` (per image: 1 / batch); the relative IQR kept."""
        f = factor
        return Spread(
            self.median * f, self.min * f, self.p10 * f, self.p90 * f, self.max * f, self.iqr
        )


class LayerTime(NamedTuple):
    """One layer's measured time: the ORT nodes whose time it carries and their sum, or the
    layer whose row carries its time."""

    ms: float  # 0.0 without nodes of its own
    nodes: tuple[str, ...]  # ORT nodes (by name) whose time is this layer's
    fused_into: int | None  # the index of the layer carrying its time, if another does


class OrtNode(NamedTuple):
    """An ORT node of no layer (a layout conversion, or one convcost cannot place)."""

    name: str
    op: str
    ms: float


class Measurement(NamedTuple):
    """What `measure` found: the runs' times, each layer's, and the remainders."""

    report: Report
    machine: runtime.Machine
    batch: int
    runs: int
    warmup: int
    times: list[float]  # each timed run, ms
    spread: Spread  # of `times`
    profile_runs: int
    profiled_ms: float  # the median profiled run (ORT's model_run), ms
    layers: list[LayerTime]  # one per report layer
    other: list[OrtNode]  # ORT nodes of no layer
    between_ms: float  # profiled_ms minus every node's time: ORT's work outside nodes


def check_options(threads: int, runs: int, warmup: int, batch: int) -> None:
    """Each option within its range, or a ConvcostError naming it."""
    cpus = os.cpu_count() or 1
    bounds = {
        "threads": (threads, 1, cpus * THREADS_PER_CPU, f" ({THREADS_PER_CPU} per CPU here)"),
        "runs": (runs, 1, MAX_RUNS, ""),
        "warmup": (warmup, 0, MAX_WARMUP, ""),
        "batch": (batch, 1, MAX_BATCH, ""),
    }
    for name, (value, low, high, why) in bounds.items():
        if not low <= value <= high:
            raise ConvcostError(f"--{name} must be {low} to {high:,}{why}, got {value:,}")


def measure(
    report: Report,
    onnx_file: str | None = None,
    threads: int = 1,
    runs: int = 20,
    warmup: int = 5,
    batch: int = 1,
    step: Step | None = None,
) -> Measurement:
    """Time `report`'s network in ONNX Runtime: exported from the report, or `onnx_file` (whose
    report `report` is) as it is; see the module docstring. `step` is called after every run,
    timed or not (`steps` says how many there are)."""
    check_options(threads, runs, warmup, batch)
    machine = runtime.machine(threads)  # onnxruntime missing: said before anything is written
    with tempfile.TemporaryDirectory(prefix="convcost-measure-") as folder:
        if onnx_file is None:
            model = os.path.join(folder, "model.onnx")
            export_onnx(report, model, batch=batch)
            tensors = _exported_tensors(report, model)
        else:
            model, tensors = onnx_file, _imported_tensors(report, onnx_file)
        sess = runtime.session(model, threads)
        feed = _feed(sess, batch, onnx_file)
        times = [1e3 * s for s in runtime.timed(sess, feed, runs, warmup, step)]
        del sess
        profile_runs = min(runs, PROFILE_RUNS)
        optimized = os.path.join(folder, "optimized.onnx")
        sess = runtime.session(model, threads, os.path.join(folder, "profile"), optimized)
        runtime.timed(sess, feed, profile_runs, 1, step)
        events = runtime.profile_events(sess)
        del sess
        original, ort = _graph(model), _graph(optimized)
    node_ms, profiled_ms = _node_times(events, profile_runs)
    layers, other = attribute(report, tensors, original, ort, node_ms)
    between = profiled_ms - sum(node_ms.values())
    return Measurement(
        report,
        machine,
        batch,
        runs,
        warmup,
        times,
        spread(times),
        profile_runs,
        profiled_ms,
        layers,
        other,
        between,
    )


def steps(runs: int, warmup: int) -> int:
    """How many times `measure` calls its `step`: every run, timed, warm-up or profiled."""
    return warmup + runs + 1 + min(runs, PROFILE_RUNS)


def spread(times: Sequence[float]) -> Spread:
    """The median, min, 10th and 90th percentiles, max and relative IQR of `times` (at least
    one), percentiles interpolated linearly between the sorted times."""
    xs = sorted(times)
    median = statistics.median(xs)
    iqr = _percentile(xs, 75) - _percentile(xs, 25)
    return Spread(
        median,
        xs[0],
        _percentile(xs, 10),
        _percentile(xs, 90),
        xs[-1],
        iqr / median if median > 0 else 0.0,
    )


def _percentile(xs: Sequence[float], p: float) -> float:
    """The p-th percentile of sorted `xs`, linear between the two nearest (numpy's default)."""
    at = (len(xs) - 1) * p / 100
    low = int(at)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (at - low)


def _feed(sess: Any, batch: int, onnx_file: str | None) -> dict[str, Any]:
    """Zeros for every input of `sess`, `batch` images; a file whose batch is fixed at another
    number cannot take `batch`."""
    for x in sess.get_inputs():
        fixed = x.shape[0] if x.shape else None
        if isinstance(fixed, int) and fixed > 0 and fixed != batch:
            raise ConvcostError(
                f"{onnx_file}: the input '{x.name}' has a fixed batch of {fixed}, so it cannot "
                f"run --batch {batch}",
                hint="export the model with a dynamic batch (PyTorch: dynamic_axes or "
                "dynamic_shapes), or drop --batch",
            )
    return runtime.zeros(sess, batch)


# -- the graphs -----------------------------------------------------------------------------


class Node(NamedTuple):
    """A node of an ONNX graph, as the attribution reads it."""

    name: str
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def _graph(path: str) -> list[Node]:
    """The nodes of the ONNX model at `path`, in order (the weights are not read)."""
    import onnx

    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as e:  # protobuf's errors, an unreadable file
        raise ConvcostError(f"cannot read the ONNX model {path}: {str(e)[:300]}") from None
    return [Node(n.name, n.op_type, tuple(n.input), tuple(n.output)) for n in model.graph.node]


def _exported_tensors(report: Report, path: str) -> list[str | None]:
    """Each layer's output tensor in onnx_export's model: the output of its last node, which
    is named by the layer's path."""
    out = {n.name: n.outputs[0] for n in _graph(path) if n.outputs}
    return [out.get(x.path) for x in report.layers]


def _imported_tensors(report: Report, path: str) -> list[str | None]:
    """Each layer's output tensor in the ONNX file `report` was read from: the output of the
    node onnx_import made the layer of (the file read again)."""
    from convcost.onnx_import import import_onnx_tensors

    dims = str(report.params.get("input", "")) or None
    read, tensors = import_onnx_tensors(path, dims, "zero")  # unknown ops: decided already
    if [x.path for x in read.layers] != [x.path for x in report.layers]:
        raise ConvcostError(f"{path}: the report to measure is not this file's")
    return list(tensors)


# -- ORT's profile ----------------------------------------------------------------------------


def _node_times(events: Sequence[Mapping[str, Any]], runs: int) -> tuple[dict[str, float], float]:
    """Each ORT node's median time over the last `runs` profiled runs, ms, by node name (the
    times of nodes sharing a name added up within a run); and the median run's total."""
    windows = sorted(
        (float(e["ts"]), float(e["dur"]))
        for e in events
        if e.get("cat") == "Session" and e.get("name") == "model_run"
    )[-runs:]
    if len(windows) < runs:
        raise ConvcostError(
            f"onnxruntime's profile has {len(windows)} runs, {runs} were made: is another "
            "process profiling with the same file name?"
        )
    starts = [ts for ts, _ in windows]
    per_run: dict[str, list[float]] = {}  # in the order the nodes ran
    for e in sorted(events, key=lambda e: float(e.get("ts", 0))):
        name = str(e.get("name", ""))
        if e.get("cat") != "Node" or not name.endswith(KERNEL_SUFFIX):
            continue
        ts = float(e["ts"])
        k = bisect.bisect_right(starts, ts) - 1
        if k < 0 or ts > windows[k][0] + windows[k][1]:
            continue  # the warm-up run, or between runs
        durations = per_run.setdefault(name[: -len(KERNEL_SUFFIX)], [0.0] * runs)
        durations[k] += float(e["dur"]) / 1e3
    total = statistics.median(dur / 1e3 for _, dur in windows)
    return {name: statistics.median(ds) for name, ds in per_run.items()}, total


# -- from ORT's nodes to layers ---------------------------------------------------------------


def attribute(
    report: Report,
    tensors: Sequence[str | None],
    original: Sequence[Node],
    optimized: Sequence[Node],
    node_ms: Mapping[str, float],
) -> tuple[list[LayerTime], list[OrtNode]]:
    """Each layer's time from the times of ORT's nodes (`node_ms`, by name), and the nodes of
    no layer (see the module docstring): `tensors` is each layer's output tensor in the
    `original` graph, `optimized` the graph ORT ran."""
    n = len(report.layers)
    region = _regions(original, tensors)
    produced = {
        t: region[i] for i, node in enumerate(original) if i in region for t in node.outputs
    }
    names = Counter(node.name for node in original)
    by_name = {
        node.name: region[i]
        for i, node in enumerate(original)
        if node.name and names[node.name] == 1 and i in region
    }
    optimized = _named(optimized, node_ms)
    hosts: dict[str, set[int]] = {}  # ORT node -> the layers it computes
    ops: dict[str, str] = {}
    for node in optimized:
        ops.setdefault(node.name, node.op)
        if node.op in LAYOUT_OPS:
            continue
        found = hosts.setdefault(node.name, set())
        named = [by_name.get(k, produced.get(k)) for k in _keys(node.name) if k]
        found.update(next(([i] for i in named if i is not None), []))
        found.update(produced[t] for t in node.outputs if t in produced)
    owner: dict[int, str] = {}  # layer -> the first ORT node computing it
    for name, found in hosts.items():
        for i in found:
            owner.setdefault(i, name)
    kept = [i for i in range(n) if report.layers[i].facts.storage != "view"]
    vanished = {i for i in kept if i not in owner and tensors[i] is not None}
    _fold_chains(report, vanished, owner, hosts)
    _fold_merges(report, vanished, owner, hosts, optimized)
    _fold_helpers(hosts, optimized)
    return _times(report, hosts, node_ms, ops)


def _keys(name: str) -> list[str]:
    """The original node or tensor an ORT node's name may be made of, most precise first: the
    name; without the number ORT adds to keep names unique (`_token_12`); an NCHWc node's
    tensor (`conv1+relu_nchwc`) or batch norm (`norm1_bn_nchwc`); the name without what ORT
    appends after a '/' (`stem+swish/QuickGeluFusion/`)."""
    base = re.sub(r"_token_[0-9]+$", "", name)
    keys = [name, base]
    if base.endswith(NCHWC_SUFFIX):
        keys += [base.removesuffix(NCHWC_SUFFIX), base.removesuffix("_bn" + NCHWC_SUFFIX)]
    return keys + [base.rsplit("/", k)[0] for k in range(1, base.count("/") + 1)]


def _named(optimized: Sequence[Node], node_ms: Mapping[str, float]) -> list[Node]:
    """The optimized graph's nodes, each unnamed one (ORT inlines functions so, e.g.
    HardSwish's HardSigmoid and Mul) named as the profiler names it, OP_INDEX: for each op,
    its unnamed nodes in order and the profiled names OP_N no node has, in the order they
    ran, if there are as many of each."""
    names = {node.name for node in optimized}
    unnamed = [node for node in optimized if not node.name]
    rename: dict[int, str] = {}
    for op in {node.op for node in unnamed}:
        mine = [i for i, node in enumerate(optimized) if not node.name and node.op == op]
        profiled = [
            m for m in node_ms if m not in names and re.fullmatch(re.escape(op) + r"_[0-9]+", m)
        ]
        if len(profiled) == len(mine):
            rename.update(zip(mine, profiled, strict=True))
    return [node._replace(name=rename.get(i, node.name)) for i, node in enumerate(optimized)]


def _regions(original: Sequence[Node], tensors: Sequence[str | None]) -> dict[int, int]:
    """Original node -> the layer it is part of: the nodes writing the layer's output tensor
    or what only it reads, back to the tensors of other layers, the graph's inputs and its
    weights (layout views between two layers are the reader's)."""
    producer = {t: i for i, node in enumerate(original) for t in node.outputs}
    outputs = {t for t in tensors if t is not None}
    region: dict[int, int] = {}
    for layer, tensor in enumerate(tensors):
        todo = [producer[tensor]] if tensor in producer else []
        while todo:  # each node is taken once: at most len(original) iterations in all
            i = todo.pop()
            if i in region:
                continue
            region[i] = layer
            todo += [producer[t] for t in original[i].inputs if t in producer and t not in outputs]
    return region


def _sources(report: Report, i: int) -> list[int]:
    """The layers layer `i` reads, through views (-1: the network's input)."""
    out = []
    for s in report.layers[i].sources or (i - 1,):
        seen = 0
        while s >= 0 and report.layers[s].facts.storage == "view" and seen < len(report.layers):
            s, seen = (report.layers[s].sources or (s - 1,))[0], seen + 1
        out.append(s)
    return out


def _fold_chains(
    report: Report, vanished: set[int], owner: dict[int, str], hosts: dict[str, set[int]]
) -> None:
    """Vanished layers folded into the node of a later layer: a chain of single-reader vanished
    layers ending at the layer a node computes, starting at a conv or fc layer or at a layer
    that node computes too (Conv, BN and activation as one FusedConv or NCHWc Conv)."""
    readers: dict[int, int] = {}
    for i in range(len(report.layers)):
        for source in _sources(report, i):
            readers[source] = readers.get(source, 0) + 1
    for i in sorted(owner):
        chain: list[int] = []
        up = _sources(report, i)
        while len(up) == 1 and up[0] in vanished and up[0] not in owner and readers[up[0]] == 1:
            chain.append(up[0])
            if report.layers[up[0]].category != "other":
                break  # the conv or fc layer the fused node starts at
            up = _sources(report, up[0])
        if not chain:
            continue
        starts = report.layers[chain[-1]].category != "other"
        if starts or (len(up) == 1 and owner.get(up[0]) == owner[i]):
            for j in chain:
                owner[j] = owner[i]
                hosts[owner[i]].add(j)


def _fold_merges(
    report: Report,
    vanished: set[int],
    owner: dict[int, str],
    hosts: dict[str, set[int]],
    optimized: Sequence[Node],
) -> None:
    """Vanished layers folded into the node of a layer they read (in order, so a chain folds
    whole): of the nodes computing their inputs, the one that reads the others' outputs (an
    Add into the Conv computing one of its inputs), else the one computing the latest."""
    reads = {node.name: set(node.inputs) for node in optimized}
    writes: dict[str, set[str]] = {}
    for node in optimized:
        writes.setdefault(node.name, set()).update(node.outputs)
    for i in sorted(vanished - set(owner)):
        candidates = [owner[s] for s in _sources(report, i) if s in owner]
        if not candidates:
            continue  # ORT removed it (nothing to compute), or convcost cannot place it

        def reads_others(h: str, candidates: list[str] = candidates) -> bool:
            return all(c == h or writes[c] & reads.get(h, set()) for c in candidates)

        fitting = [h for h in candidates if reads_others(h)]
        owner[i] = (fitting or candidates)[-1]
        hosts[owner[i]].add(i)


def _fold_helpers(hosts: dict[str, set[int]], optimized: Sequence[Node]) -> None:
    """ORT nodes of no layer (but layout conversions) whose outputs only one layer's nodes
    read are that layer's: the HardSigmoid of an inlined HardSwish, the Reshape ORT puts
    before a Gemm. Last node first, so a chain of them goes to the layer it leads to."""
    readers: dict[str, list[str]] = {}
    for node in optimized:
        for t in node.inputs:
            readers.setdefault(t, []).append(node.name)
    for node in reversed(optimized):
        if node.op in LAYOUT_OPS or hosts.get(node.name):
            continue
        firsts = {
            min(hosts[r]) if hosts.get(r) else None
            for t in node.outputs
            for r in readers.get(t, [])
        }
        if len(firsts) == 1 and None not in firsts:
            hosts[node.name] = {int(firsts.pop() or 0)}


def _times(
    report: Report,
    hosts: Mapping[str, set[int]],
    node_ms: Mapping[str, float],
    ops: Mapping[str, str],
) -> tuple[list[LayerTime], list[OrtNode]]:
    """Each node's time to the first layer it computes; the others fused into that one."""
    ms = [0.0] * len(report.layers)
    nodes: list[list[str]] = [[] for _ in report.layers]
    fused: dict[int, int] = {}
    other = []
    for name, t in node_ms.items():
        found = hosts.get(name)
        if not found:
            other.append(OrtNode(name, ops.get(name, "?"), t))
            continue
        first = min(found)
        ms[first] += t
        nodes[first].append(name)
        for j in found - {first}:
            fused.setdefault(j, first)
    layers = [
        LayerTime(ms[i], tuple(nodes[i]), None if nodes[i] else fused.get(i))
        for i in range(len(report.layers))
    ]
    return layers, sorted(other, key=lambda o: -o.ms)
