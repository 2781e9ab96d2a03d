"""`convcost.calibrate`: micro-benchmarks timed in ONNX Runtime, a profile fitted to them.

One calibration with a tiny budget runs for the whole module (a few seconds); nothing asserts
a time or a measured figure, only what the calibration must be whatever the machine.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import pytest

import convcost.calibrate
from convcost import analyze_name
from convcost.calibrate import (
    COLUMNS,
    FUSE,
    calibrate,
    check_threads,
    features,
    fit,
    nnls,
    ordered,
    parse_budget,
    profile_text,
    report_of,
)
from convcost.errors import ConvcostError
from convcost.latency import estimate, load_device, parse_device
from convcost.render import calibrate as view
from convcost.runtime import Machine
from convcost.zoo import builtin_names

pytest.importorskip("onnxruntime")
np = pytest.importorskip("numpy")

BUDGET_S = 4.0


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[view.CalibrateView, Path, Path]:
    """convcost.calibrate.run with a 4 s budget from an empty working folder, temporary files in
    a folder of their own: (the view, the working folder, the temporary folder)."""
    work = tmp_path_factory.mktemp("work")
    temp = tmp_path_factory.mktemp("temp")
    out = tmp_path_factory.mktemp("out") / "my-cpu.yaml"
    here, saved = os.getcwd(), tempfile.tempdir
    steps: list[tuple[float, str]] = []
    try:
        os.chdir(work)
        tempfile.tempdir = str(temp)
        c = convcost.calibrate.run(
            str(out), BUDGET_S, 1, lambda done, what: steps.append((done, what))
        )
        v = view.build(c, str(out))
    finally:
        os.chdir(here)
        tempfile.tempdir = saved
    assert steps and all(0 <= done <= 1 for done, _ in steps) and steps[-1][1] == "fitting"
    return v, work, temp


def test_profile_loads_and_estimates_every_builtin(calibrated):
    v, _, _ = calibrated
    device = load_device(v.output)  # the file `--device my.yaml` reads
    assert device == v.calibration.device and device.name == "my-cpu"
    assert device.combine == "sum" and device.fuse == FUSE and device.copy_splits
    text = Path(v.output).read_text(encoding="utf-8")
    assert text == v.calibration.text
    m = v.calibration.machine
    for fact in (m.cpu, m.onnxruntime, f"{BUDGET_S:g} s budget"):
        assert fact in device.source and fact in text
    for name in builtin_names():
        total = sum(t.ms for t in estimate(analyze_name(name), device))
        assert math.isfinite(total) and total > 0, name


def test_rows_fitted_and_held_out(calibrated):
    c = calibrated[0].calibration
    assert len(c.rows) >= 4  # the first round spans several families even in 4 s
    held = [r for r in c.rows if r.held_out]
    # every fourth benchmark measured is held out, in the order run
    assert [r.held_out for r in c.rows] == [i % 4 == 3 for i in range(len(c.rows))]
    assert c.held_out_error_pct == pytest.approx(
        sorted(abs(r.error_pct) for r in held)[len(held) // 2]
        if len(held) % 2
        else (
            sum(sorted(abs(r.error_pct) for r in held)[len(held) // 2 - 1 : len(held) // 2 + 1]) / 2
        )
    )
    for r in c.rows:
        assert r.measured_ms > 0 and r.fitted_ms > 0 and r.runs >= 1
        assert r.error_pct == pytest.approx((r.fitted_ms - r.measured_ms) / r.measured_ms * 100)
    assert f"{c.held_out_error_pct:.1f}%" in c.device.source
    names = [r.name for r in c.rows]
    assert names == [b.name for b in ordered()[: len(names)]]  # the order that spans families


def test_nothing_written_but_the_profile(calibrated):
    v, work, temp = calibrated
    assert list(work.iterdir()) == []  # not the working folder
    assert list(temp.iterdir()) == []  # the exported models are gone
    assert sorted(p.name for p in Path(v.output).parent.iterdir()) == ["my-cpu.yaml"]


def test_view_formats(calibrated):
    v, _, _ = calibrated
    data = json.loads(v.json())
    assert len(data["benchmarks"]) == len(v.calibration.rows)
    assert data["profile"]["name"] == "my-cpu" and data["machine"]["threads"] == 1
    lines = v.csv().splitlines()
    assert lines[0] == ",".join(view.COLUMNS) and len(lines) == 1 + len(v.calibration.rows)
    (grid,) = v.grids()
    assert len(grid.rows) == len(v.calibration.rows)
    assert "profile written to" in grid.caption and v.calibration.machine.cpu in grid.caption


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60s", 60), ("2m", 120), ("90", 90), ("1.5m", 90), (" 5 s ", 5), ("3min", 180), ("1", 1)],
)
def test_parse_budget(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "-5", "0s", "0.5", "2h", "61m", "1e3", "5 5"])
def test_bad_budget_text(text):
    with pytest.raises(ConvcostError, match="budget"):
        parse_budget(text)


@pytest.mark.parametrize("budget", [0, -1, 0.5, 3601, math.nan, math.inf, True, "60"])
def test_bad_budget(budget):
    with pytest.raises(ConvcostError, match="the budget must be 1 to 3600 seconds"):
        calibrate(budget, 1)


@pytest.mark.parametrize("threads", [0, -1, 1.0, True, "1", (os.cpu_count() or 1) + 1])
def test_bad_threads(threads):
    with pytest.raises(ConvcostError, match="threads must be a whole number from 1 to"):
        calibrate(5, threads)
    assert check_threads(1) == 1


def test_every_benchmark_builds():
    # every spec expands; the families the issue names are all there
    families = {b.family for b in ordered()}
    assert families == {
        "blocks",
        "dense",
        "pointwise",
        "depthwise",
        "group",
        "branches",
        "elementwise",
        "fc",
    }
    for b in ordered():
        assert report_of(b).layers, b.name
    # G2: the group convs at g = 1, 2, 4, 8 have equal MACs within 5%
    names = {"1x1 g1 28x28x64", "1x1 g2 28x28x90", "1x1 g4 28x28x128", "1x1 g8 28x28x184"}
    g2 = [report_of(b).totals.macs for b in ordered() if b.name in names]
    assert len(g2) == 4 and max(g2) / min(g2) < 1.05


def test_nnls_by_hand():
    # unconstrained least squares of x1 + x2 = 1, x1 - x2 = 3 is (2, -1); with x >= 0 it is
    # x2 = 0 and x1 minimising (x1 - 1)^2 + (x1 - 3)^2: x1 = 2
    a = np.array([[1.0, 1.0], [1.0, -1.0]])
    assert nnls(a, np.array([1.0, 3.0])) == pytest.approx([2.0, 0.0])
    assert nnls(a, np.array([3.0, 1.0])) == pytest.approx([2.0, 1.0])  # interior: exact
    assert nnls(a, np.array([-1.0, -1.0])) == pytest.approx([0.0, 0.0])


def test_fit_recovers_a_model_it_can_express():
    # times made by the model itself with known seconds per unit are fitted back exactly
    truth = dict.fromkeys(COLUMNS, 0.0) | {
        "standard": 1 / 30e9,
        "pointwise": 1 / 40e9,
        "depthwise": 1 / 10e9,
        "group": 1 / 20e9,
        "fc": 1 / 5e9,
        "other": 1 / 50e9,
        "bytes": 1 / 20e9,
        "nodes": 5e-6,
        "groups": 2e-6,
    }
    reports = [report_of(b) for b in ordered()[:40]]
    seconds = [
        sum(f * truth[c] for f, c in zip(features(r), COLUMNS, strict=True)) for r in reports
    ]
    got = fit(reports, seconds)
    for c in COLUMNS:
        assert got[c] == pytest.approx(truth[c], rel=1e-6, abs=1e-18), c


def test_profile_text_by_hand():
    theta = dict.fromkeys(COLUMNS, 0.0) | {
        "standard": 1 / 30e9,  # 30 GMAC/s
        "pointwise": 1 / 40e9,  # the fastest: peak 40 GMAC/s
        "depthwise": 1 / 10e9,
        "bytes": 1 / 25e9,  # 25 GB/s
        "nodes": 4.5e-6,
        "groups": 0.0,  # none measurable: the smallest figure allowed
    }
    m = Machine("Test CPU", 4, 1, "1.0", "3.11")
    d = parse_device(profile_text(theta, "t", m, 10, 8, 2, 12.34), "t.yaml")
    assert d.peak_gmacs == {"fp32": 40, "fp16": 40, "int8": 40}
    assert d.efficiency == {
        "standard": 0.75,
        "depthwise": 0.25,
        "pointwise": 1.0,
        "group": 1.0,  # not measured (theta 0): no penalty
        "fc": 1.0,
        "other": 1.0,
    }
    assert (d.bandwidth_gbs, d.launch_us, d.group_us) == (25, 4.5, 0.001)
    assert "median |error| on the 2 held-out ones: 12.3%" in d.source
    assert "Test CPU, 4 cores, 1 thread" in d.source
    no_held = profile_text(theta, "t", m, 10, 3, 0, None)
    assert "none was held out" in parse_device(no_held, "t.yaml").source


# -- the command ------------------------------------------------------------------------------


def test_the_command_writes_a_profile_and_reports(run, tmp_path, calibrated):
    out = tmp_path / "my-cpu.yaml"
    # 6 s: a cold start imports onnx, onnxruntime and numpy inside the budget
    result = run("calibrate", "-o", str(out), "--budget", "6s", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["output"] == str(out) and data["benchmarks"]
    assert load_device(str(out)).name == "my-cpu"
    compared = run("compare", "mobilenet_v2", "shufflenet_v2", "--device", str(out), "-f", "json")
    assert compared.exit_code == 0, compared.stderr
    rows = list(csv.reader(io.StringIO(calibrated[0].csv())))
    assert rows[0] == list(view.COLUMNS) and len(rows) == len(calibrated[0].calibration.rows) + 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--budget", "0s"], "budget"),
        (["--budget", "soon"], "budget"),
        (["--threads", "0"], "threads"),
    ],
)
def test_the_command_refuses_bad_options(run, tmp_path, args, message):
    out = tmp_path / "p.yaml"
    result = run("calibrate", "-o", str(out), *args)
    assert result.exit_code == 2 and message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.parametrize("where", ["missing/p.yaml", "."], ids=["no-folder", "a-directory"])
def test_an_unwritable_profile_is_refused_before_measuring(run, tmp_path, monkeypatch, where):
    monkeypatch.setattr(convcost.calibrate, "calibrate", lambda *a, **k: pytest.fail("measured"))
    result = run("calibrate", "-o", str(tmp_path / where), "--budget", "60s")
    assert result.exit_code == 2 and f"cannot write {tmp_path / where}" in result.stderr
