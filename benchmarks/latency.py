"""Measured latency of every built-in network against convcost's estimates (issue 16).

Run from anywhere, with the interpreter convcost is installed in (onnx and onnxruntime too):

    python benchmarks/latency.py [--runs 5] [--budget 60] [--profile FILE] [--save FILE]

Each built-in network (the zoo, default params, batch 1) is exported to ONNX in a temporary
folder and timed in ONNX Runtime on one thread (convcost.runtime: every graph optimisation; the
median of --runs runs after one warm-up, taken round-robin over the networks). The estimate
comes from a profile calibrated on this machine first (convcost.calibrate with --budget
seconds; or --profile FILE, a profile written before), and from each shipped profile. Printed
per network: MACs, the calibrated estimate, the measured time and the error; then, per profile,
the Spearman rank correlation of estimate vs measured and of MACs vs measured over the networks
under 1 GMAC and over all, and the median |error|. Targets (issue 16): Spearman >= 0.97 under 1
GMAC and median |error| <= 15% for the calibrated profile. A report, not a test: exit 1 only if
something fails to run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping

from convcost import analyze_name
from convcost.calibrate import calibrate
from convcost.files import write_output
from convcost.latency import device_names, estimate, load_device
from convcost.onnx_export import export_onnx
from convcost.report import Report
from convcost.runtime import machine, session, timed, zeros
from convcost.zoo import builtin_names

SMALL_MACS = 1_000_000_000
"""The issue's subset: networks under 1 GMAC."""
WARMUP = 1


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):  # bounded: i grows by at least 1 per pass
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rho: Pearson's correlation of the ranks (ties at mean rank)."""
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    return float(cov / (va * vb) ** 0.5)


def measure(reports: Mapping[str, Report], runs: int) -> dict[str, float]:
    """Median ms of each network, one thread, batch 1. Runs go round-robin over the networks
    (every session open at once), so a burst of load on the machine hits them all alike rather
    than one network's runs."""
    with tempfile.TemporaryDirectory(prefix="convcost-latency-") as folder:
        sessions = {}
        for name, report in reports.items():
            path = os.path.join(folder, f"{name}.onnx")
            export_onnx(report, path)
            sess = session(path, 1)
            sessions[name] = (sess, zeros(sess))
            timed(sess, sessions[name][1], WARMUP, 0)
        times: dict[str, list[float]] = {name: [] for name in reports}
        for r in range(runs):
            for name, (sess, feed) in sessions.items():
                times[name] += timed(sess, feed, 1, 0)
            print(f"  round {r + 1} of {runs}", file=sys.stderr, flush=True)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def summary(
    label: str, names: list[str], macs: dict[str, int], est: dict[str, float], ms: dict[str, float]
) -> str:
    """One line: Spearman of the estimate and of MACs vs measured (under 1 GMAC, all), and
    the median |error|."""
    small = [n for n in names if macs[n] < SMALL_MACS]

    def rho(subset: list[str], x: dict[str, float] | dict[str, int]) -> float:
        return spearman([float(x[n]) for n in subset], [ms[n] for n in subset])

    errors = [abs(est[n] - ms[n]) / ms[n] * 100 for n in names]
    return (
        f"{label:14s} {rho(small, est):8.3f} {rho(small, macs):8.3f} "
        f"{rho(names, est):8.3f} {rho(names, macs):8.3f} {statistics.median(errors):9.1f}%"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per network (median)")
    parser.add_argument("--budget", type=float, default=60, help="calibration budget, seconds")
    parser.add_argument("--profile", help="a calibrated profile to use instead of calibrating")
    parser.add_argument("--save", help="write the calibrated profile to this file")
    args = parser.parse_args()
    print(f"machine: {machine(1).describe()}")
    start = time.perf_counter()
    if args.profile:
        calibrated = load_device(args.profile)
        print(f"profile: {args.profile} ({calibrated.title})")
    else:
        cal = calibrate(args.budget, 1, None)
        calibrated = cal.device
        held = cal.held_out_error_pct
        print(
            f"calibrated in {cal.elapsed_s:.1f} s (budget {args.budget:g} s): {len(cal.rows)} "
            "micro-benchmarks, held-out median |error| "
            + (f"{held:.1f}%" if held is not None else "n/a")
        )
        if args.save:
            write_output(args.save, cal.text)
    names = builtin_names()
    reports = {n: analyze_name(n) for n in names}
    macs = {n: r.totals.macs for n, r in reports.items()}
    ms = measure(reports, args.runs)
    profiles = {"calibrated": calibrated} | {d: load_device(d) for d in device_names()}
    est = {
        label: {n: sum(t.ms for t in estimate(r, d)) for n, r in reports.items()}
        for label, d in profiles.items()
    }
    print(f"\n{'network':20s} {'MACs':>9s} {'est. ms':>9s} {'measured':>9s} {'error':>8s}")
    for n in sorted(names, key=lambda n: ms[n]):
        e = est["calibrated"][n]
        print(
            f"{n:20s} {macs[n] / 1e6:8.1f}M {e:9.2f} {ms[n]:9.2f} "
            f"{(e - ms[n]) / ms[n] * 100:+7.1f}%"
        )
    small = sum(1 for n in names if macs[n] < SMALL_MACS)
    print(
        f"\nSpearman rank correlation with measured latency ({small} networks under 1 GMAC, "
        f"all {len(names)}); median |error| over all:"
    )
    print(
        f"{'profile':14s} {'est <1G':>8s} {'MACs <1G':>8s} {'est all':>8s} {'MACs all':>8s} "
        f"{'|error|':>10s}"
    )
    for label in profiles:
        print(summary(label, names, macs, est[label], ms))
    print(
        "\ntargets (issue 16, calibrated profile): Spearman >= 0.97 under 1 GMAC, median |error| "
        f"<= 15%; {args.runs} runs per network; {time.perf_counter() - start:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
