"""`convcost measure` (convcost/measure.py, convcost/render/measure.py): a small network timed in
ONNX Runtime through the engine and the CLI. No assertion is about speed: times are only
positive, and the rows add up to the profiled run as the view says."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import convcost
from convcost import measure as engine
from convcost.latency import load_device, timing
from convcost.render import measure as view
from convcost.render.table import lines

pytest.importorskip("onnxruntime")

SCHEMA = json.loads((Path(convcost.__file__).parent / "schemas" / "measure.json").read_text())
NET = ("squeezenet1_1", "--set", "resolution=64")
FAST = ("--runs", "3", "--warmup", "1")


@pytest.fixture(scope="module")
def measured() -> engine.Measurement:
    """SqueezeNet 1.1 at 64x64, measured once for the module's tests."""
    return engine.measure(convcost.analyze("squeezenet1_1", resolution=64), runs=3, warmup=1)


@pytest.fixture(autouse=True)
def clean_folders(tmp_path, monkeypatch):
    """Every test runs in an empty working folder with its own temporary folder, and leaves
    both empty (whatever ORT or the export write goes into a folder removed afterwards)."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))  # for the subprocesses
    yield
    # importing onnxruntime (1.32, in a subprocess here) writes its telemetry's session id to
    # $TMPDIR/.ses, whatever convcost does: not convcost's file
    assert sorted(set(os.listdir(tmp)) - {".ses"}) == []
    assert sorted(os.listdir(cwd)) == []


def validate(text: str) -> dict:
    data = json.loads(text)
    Draft202012Validator.check_schema(SCHEMA)
    Draft202012Validator(SCHEMA).validate(data)
    return data


# -- the engine ------------------------------------------------------------------------------


def test_every_layer_has_a_time_or_the_layer_carrying_it(measured):
    report = measured.report
    assert len(measured.layers) == len(report.layers)
    for x, t in zip(report.layers, measured.layers, strict=True):
        if t.nodes:
            assert t.ms > 0 and t.fused_into is None, x.path
        elif x.facts.storage == "view":
            assert t.fused_into is None and t.ms == 0, x.path
        else:
            assert t.fused_into is not None, f"{x.path} has no time and no layer carrying it"
            carrier = measured.layers[t.fused_into]
            assert carrier.nodes and carrier.ms > 0, x.path
    # ORT folds every ReLU into the convolution before it
    by_path = {x.path: t for x, t in zip(report.layers, measured.layers, strict=True)}
    assert report.layers[by_path["conv1+relu"].fused_into].path == "conv1"  # type: ignore[index]
    assert by_path["fire2.concat"].nodes == ("fire2.concat",)


def test_the_rows_add_up_to_the_profiled_run(measured):
    rows = sum(t.ms for t in measured.layers) + sum(o.ms for o in measured.other)
    assert math.isclose(rows + measured.between_ms, measured.profiled_ms, rel_tol=1e-9)
    assert measured.profiled_ms > 0 and all(o.ms >= 0 for o in measured.other)
    assert {o.op for o in measured.other} <= {"ReorderInput", "ReorderOutput"}


def test_the_spread_of_the_runs(measured):
    s = measured.spread
    assert len(measured.times) == 3 and all(t > 0 for t in measured.times)
    assert s.min <= s.p10 <= s.median <= s.p90 <= s.max and s.iqr >= 0
    assert s.min == min(measured.times) and s.max == max(measured.times)
    assert engine.spread([5.0, 1.0, 3.0, 2.0, 4.0]) == pytest.approx((3, 1, 1.4, 4.6, 5, 2 / 3))
    assert engine.spread([2.0]) == (2.0, 2.0, 2.0, 2.0, 2.0, 0.0)


def test_the_view_with_an_estimate(measured):
    est = timing(measured.report, load_device("desktop-cpu"))
    v = view.build(measured, est)
    data = validate(v.json())
    assert data["estimate_ms"] > 0 and data["ratio"] > 0
    for layer, row in zip(data["layers"], v.rows, strict=True):
        assert layer["estimate_ms"] is not None
        assert (layer["ratio"] is None) == (not row.nodes)
    (grid,) = v.grids()
    assert grid.header[-2:] == ["est. ms", "x est."]
    assert all(len(text) <= 80 for _, text in lines(grid, 80))
    assert "desktop-cpu" in grid.caption and measured.machine.describe() in grid.caption


def test_a_table_fits_80_columns(measured):
    (grid,) = view.build(measured).grids()
    assert all(len(text) <= 80 for _, text in lines(grid, 80))
    assert [r[0] for r in grid.rows][-2:] == [view.OTHER, view.BETWEEN]


def test_options_out_of_range_are_refused():
    report = convcost.analyze("squeezenet1_1", resolution=64)
    for bad in ({"threads": 0}, {"runs": 0}, {"warmup": -1}, {"batch": 4097}):
        with pytest.raises(convcost.ConvcostError, match=f"--{next(iter(bad))} must be"):
            engine.measure(report, **bad)


# -- the command -----------------------------------------------------------------------------


def test_cli_table(run):
    r = run("measure", *NET, *FAST)
    assert r.exit_code == 0, r.stderr
    report = convcost.analyze("squeezenet1_1", resolution=64)
    for x in report.layers:
        assert f"  {x.path} " in r.stdout
    assert "profiled run" in r.stdout and "measured in ONNX Runtime, batch 1" in r.stdout
    assert r.stderr == ""  # no progress bar off a terminal


def test_cli_json_csv_and_batch(run):
    r = run("measure", *NET, *FAST, "--batch", "2", "-f", "json")
    assert r.exit_code == 0, r.stderr
    data = validate(r.stdout)
    assert data["batch"] == 2 and "device" not in data and "estimate_ms" not in data["layers"][0]
    assert data["run_ms_per_image"]["median"] == pytest.approx(data["run_ms"]["median"] / 2)
    r = run("measure", *NET, *FAST, "--device", "mobile-cpu", "-f", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[-2]["path"] == view.OTHER and rows[-1]["path"] == view.BETWEEN
    assert all(float(row["estimate_ms"]) >= 0 for row in rows[:-2])


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_cli_markdown_and_latex(run, fmt):
    r = run("measure", *NET, "--runs", "1", "--warmup", "0", "-f", fmt)
    assert r.exit_code == 0 and "fire9.concat" in r.stdout


def test_cli_onnx_file(run, tmp_path):
    path = str(tmp_path / "net.onnx")
    assert run("export", *NET, "-o", path).exit_code == 0
    r = run("measure", path, *FAST, "--device", "desktop-cpu", "-f", "json")
    assert r.exit_code == 0, r.stderr
    data = validate(r.stdout)
    paths = [x.path for x in convcost.analyze(path).layers]
    assert [x["path"] for x in data["layers"]] == paths
    assert sum(1 for x in data["layers"] if x["nodes"]) >= 26  # every conv has its node
    r = run("measure", path, "--runs", "1", "--batch", "2")  # exported with a batch of 1
    assert r.exit_code == 2 and "fixed batch of 1" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--threads", "0"],
        ["--threads", str((os.cpu_count() or 1) * 4 + 1)],
        ["--runs", "0"],
        ["--runs", "10001"],
        ["--warmup", "-1"],
        ["--warmup", "10001"],
        ["--batch", "0"],
        ["--batch", "4097"],
        ["--device", "no-such-device"],
    ],
    ids=" ".join,
)
def test_cli_bad_options_exit_2(run, args):
    r = run("measure", *NET, *args)
    assert r.exit_code == 2 and r.stderr.startswith("error: "), r.stderr
    assert args[0].lstrip("-") in r.stderr or "device" in r.stderr


def test_cli_set_on_an_onnx_file_exits_2(run, tmp_path):
    path = str(tmp_path / "net.onnx")
    run("export", *NET, "-o", path)
    r = run("measure", path, "--set", "width=2")
    assert r.exit_code == 2 and "no params to set" in r.stderr


def test_cli_without_onnxruntime(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime fails
    r = run("measure", *NET, *FAST)
    assert r.exit_code == 2
    assert "measuring needs onnxruntime: pip install 'convcost[measure]'" in r.stderr
    assert "Traceback" not in r.stderr


def test_in_a_terminal_a_progress_bar_then_a_table_of_80_columns():
    import tty_run

    status, out = tty_run.in_terminal(["measure", *NET, *FAST], 80, cwd=os.getcwd())
    assert status == 0, out
    assert "measuring squeezenet1_1" in out and "100%" in out  # rich's bar, on stderr
    assert "profiled run" in out and "(between nodes)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_help_loads_neither_onnx_nor_onnxruntime_nor_numpy():
    code = (
        "import sys\nfrom convcost.cli import cli\n"
        "try:\n    cli(['measure', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(out.split("MODULES", 1)[1].split())
    assert not {"onnx", "onnxruntime", "numpy"} & loaded
