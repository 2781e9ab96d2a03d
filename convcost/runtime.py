"""Running a network in ONNX Runtime: the one place convcost times real inference (`measure`,
`calibrate`). onnxruntime is an optional extra, `pip install 'convcost[measure]'`, imported
only here and only when something is run.

A session runs on the CPU execution provider with `threads` intra-op threads (one by default,
for repeatable figures), one inter-op thread, sequential execution and every graph
optimisation ORT has (its fusions are part of what is measured). Inputs are zeros: the time
of a dense CNN does not depend on the values. ORT writes files (its profile, the optimised
graph) only where it is told, never into the working folder.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from convcost.errors import ConvcostError

INSTALL = "pip install 'convcost[measure]'"
MAX_RUNS = 100_000
"""Timed (or warm-up) runs at most: a bound on every loop here."""
MAX_PROFILE_BYTES = 1 << 30
"""The largest profile read back: 1 GiB (each node's event per run is about 1 KB)."""


class Machine(NamedTuple):
    """What a measurement ran on, as measurements must say."""

    cpu: str
    cores: int
    threads: int
    onnxruntime: str
    python: str

    def describe(self) -> str:
        """'AMD EPYC, 2 cores, 1 thread, onnxruntime 1.32.0, Python 3.11.7'."""
        threads = f"{self.threads} thread" + ("" if self.threads == 1 else "s")
        return (
            f"{self.cpu}, {self.cores} cores, {threads}, onnxruntime {self.onnxruntime}, "
            f"Python {self.python}"
        )


def onnxruntime() -> Any:
    """The onnxruntime package, or a ConvcostError saying how to install it."""
    try:
        import onnxruntime as ort  # type: ignore[import-untyped]  # no stubs
    except ImportError:
        raise ConvcostError(f"measuring needs onnxruntime: {INSTALL}") from None
    return ort


def session(
    model: str | bytes,
    threads: int = 1,
    profile: str | None = None,
    optimized: str | None = None,
) -> Any:
    """An InferenceSession of `model` (a path or the serialized model) on the CPU. With
    `profile`, a file prefix (in a temporary folder: ORT would write into the working folder
    without one), ORT's profiler records every node's time (`profile_events` reads it); with
    `optimized`, the graph ORT runs, after its fusions, is saved to that path."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 4  # fatal only: ORT's errors reach the user as ConvcostError
    if profile is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile
    if optimized is not None:  # its weights in a file beside it: it is read for its nodes
        options.optimized_model_filepath = optimized
        weights = os.path.basename(optimized) + ".data"
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", weights
        )
    try:
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # ORT raises its own exception types, one per failure
        raise ConvcostError(f"onnxruntime cannot load the model: {str(e)[:300]}") from None


def zeros(sess: Any, batch: int = 1) -> dict[str, Any]:
    """A feed of zeros for every input of `sess`, the batch dimension (first) set to `batch`."""
    import numpy as np

    feed = {}
    for x in sess.get_inputs():
        dims = [d if isinstance(d, int) and d > 0 else 1 for d in x.shape]
        if dims:
            dims[0] = batch
        feed[x.name] = np.zeros(dims, dtype=np.float32)
    return feed


def timed(
    sess: Any,
    feed: dict[str, Any],
    runs: int,
    warmup: int,
    step: Callable[[], None] | None = None,
) -> list[float]:
    """Seconds of each of `runs` runs, after `warmup` untimed ones; `step` is called after
    every run (a progress bar)."""
    if not (0 < runs <= MAX_RUNS and 0 <= warmup <= MAX_RUNS):
        raise ConvcostError(f"runs must be 1 to {MAX_RUNS:,} and warmup 0 to {MAX_RUNS:,}")
    outputs = [o.name for o in sess.get_outputs()]
    out = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        try:
            sess.run(outputs, feed)
        except Exception as e:  # ORT's own exception types: a shape it cannot run, memory
            raise ConvcostError(f"onnxruntime cannot run the model: {str(e)[:300]}") from None
        if i >= warmup:
            out.append(time.perf_counter() - start)
        if step is not None:
            step()
    return out


def profile_events(sess: Any) -> list[dict[str, Any]]:
    """End the profiling of `sess` (made with `profile`) and read its events back (Chrome's
    trace format: dicts with cat, name, ts and dur in microseconds, args)."""
    from convcost.files import read_bytes

    path = sess.end_profiling()
    try:
        events = json.loads(read_bytes(path, path, "onnxruntime profile", MAX_PROFILE_BYTES))
    except ValueError as e:
        raise ConvcostError(f"cannot read onnxruntime's profile {path}: {e}") from None
    if not isinstance(events, list):
        raise ConvcostError(f"cannot read onnxruntime's profile {path}: not a list of events")
    return [e for e in events if isinstance(e, dict)]


def machine(threads: int) -> Machine:
    """This machine's CPU model and cores, the threads used, and the versions that matter."""
    return Machine(
        _cpu(), os.cpu_count() or 1, threads, onnxruntime().__version__, platform.python_version()
    )


def _cpu() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f.read(1 << 20).splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
