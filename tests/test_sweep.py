"""`convcost sweep`: the cross product of param values, reproducing the papers' tables."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcost import sweep as sweep_module
from convcost.errors import ConvcostError
from convcost.expand import analyze
from convcost.layers import COST_FIELDS, Cost, _bins
from convcost.render import backends
from convcost.render import sweep as sweep_view
from convcost.shapes import out_size
from convcost.spec import Spec
from convcost.sweep import Sweep, pareto, parse, spatial_params, sweep
from convcost.zoo import builtin, load


def rows(run, *args: str) -> list[dict[str, str]]:
    result = run("sweep", *args, "-f", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_values():
    assert parse("w", "1,0.75, 0.5") == ["1", "0.75", "0.5"]
    assert parse("g", "1..4") == range(1, 5)


def test_mobilenet_tables_6_and_7(run):
    # Howard et al. 2017, Table 6 (width) and Table 7 (resolution): 569/325/149/41 M and
    # 569/418/290/186 M mult-adds (the paper rounds or truncates to whole millions)
    t6 = rows(run, "mobilenet_v1", "--set", "width=1,0.75,0.5,0.25")
    assert [int(r["macs"]) // 10**6 for r in t6] == [568, 325, 149, 41]
    t7 = rows(run, "mobilenet_v1", "--set", "resolution=224,192,160,128")
    assert [int(r["macs"]) // 10**6 for r in t7] == [568, 418, 290, 186]
    assert {r["params"] for r in t7} == {"4231976"}


def test_shufflenet_table1_groups_range(run):
    # Zhang et al. 2017, Table 1: g = 1, 2, 3, 4, 8; 5-7 are not in the table: kept as errors
    table = rows(run, "shufflenet_v1", "--set", "groups=1..8")
    assert [r["groups"] for r in table] == [str(g) for g in range(1, 9)]
    assert [round(int(r["macs"]) / 1e6) for r in table if r["macs"]] == [143, 141, 137, 134, 138]
    assert all("no entry" in r["error"] for r in table[4:7])


def test_cross_product_and_pareto(run):
    data = json.loads(
        run(
            "sweep",
            "mobilenet_v1",
            "--set",
            "width=1,0.5",
            "--set",
            "resolution=224,128",
            "-f",
            "json",
        ).stdout
    )
    assert [p["values"] for p in data["points"]] == [
        {"width": 1, "resolution": 224},
        {"width": 1, "resolution": 128},
        {"width": 0.5, "resolution": 224},
        {"width": 0.5, "resolution": 128},
    ]
    front = rows(
        run,
        "mobilenet_v1",
        "--set",
        "width=1,0.5",
        "--set",
        "resolution=224,128",
        "--pareto",
        "params",
    )
    assert [(r["width"], r["resolution"]) for r in front] == [("0.5", "128")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "widht=1,2"], "unknown param 'widht'"),
        (["--set", "width=1,,2"], "an empty value in the list"),
        (["--set", "resolution=300..200"], "the range is empty"),
        (["--set", "resolution=1..1000", "--set", "width=1..1000"], "the limit is 100,000"),
        ([], "give the values to sweep"),
    ],
)
def test_bad_sweeps(run, args, message):
    result = run("sweep", "mobilenet_v1", *args)
    assert result.exit_code == 2 and message in result.stderr


# -- the vectorised sweep equals the per-point path, exactly ----------------------------------


def per_point(spec: Spec, chosen: dict[str, str]) -> tuple[Cost | None, str]:
    """What `analyze` says about one point: its totals, or its located error."""
    try:
        return analyze(spec, chosen).totals, ""
    except ConvcostError as e:
        return None, (f"{e.loc}: " if e.loc else "") + e.message


def assert_exact(spec: Spec, sets: dict[str, str]) -> Sweep:
    result = sweep(spec, sets)
    combos = itertools.product(*(map(str, parse(n, v)) for n, v in sets.items()))
    assert [p.values for p in result] == [dict(zip(sets, c, strict=True)) for c in combos]
    for p in result:
        assert (p.totals, p.error) == per_point(spec, p.values), p.values
    return result


@pytest.mark.parametrize(
    ("name", "sets"),
    [
        # spatial name first: the last name (width) varies fastest
        ("mobilenet_v1", {"resolution": "1..40", "width": "1,0.75,0.5,0.25"}),
        ("shufflenet_v1", {"groups": "1..8", "resolution": "8..40"}),  # 5-7: no such groups
        ("shufflenet_v2", {"width": "0.5,1,1.5", "resolution": "1..30"}),
        ("vgg16", {"resolution": "1..64"}),  # adaptive pooling; below 32 a pool does not fit
        ("squeezenet1_0", {"resolution": "1..64"}),  # ceil-mode pools
        ("googlenet", {"resolution": "1..48"}),
        ("mobilenet_v3_small", {"resolution": "1..40"}),  # squeeze-and-excite: mul broadcasts
        ("resnet50", {"stride_in_3x3": "true,false", "resolution": "16..40"}),
    ],
)
def test_vectorised_equals_per_point(name, sets):
    result = assert_exact(builtin(name), sets)
    assert result.batched > (len(result) - len(result.errors)) // 2  # it did run vectorised


@settings(deadline=None, max_examples=settings.default.max_examples // 4)  # 10 ms each
@given(
    name=st.sampled_from(["mobilenet_v1", "vgg16", "squeezenet1_1", "shufflenet_v2"]),
    sizes=st.lists(st.integers(1, 400), min_size=1, max_size=8),
)
def test_vectorised_equals_per_point_on_random_resolutions(name, sizes):
    assert_exact(builtin(name), {"resolution": ",".join(map(str, sizes))})


HUGE = """
name: huge
params: {r: 8, c: 1024}
input: {c: 3, h: r, w: r}
layers:
  - conv: {out: c, k: 1}
  - conv: {out: c, k: 1}
"""


def test_overflow_goes_point_by_point(spec_file):
    # at r = 2^24 and c = 2^20 MACs are about 2^88: int64 would wrap; those points are costed
    # one by one with Python ints, and the rest of their batch still runs vectorised
    spec = load(spec_file(HUGE))
    r = [*range(1, 41), 2**24, *range(41, 61)]
    result = assert_exact(spec, {"c": "1048576", "r": ",".join(map(str, r))})
    huge = result[40].totals
    assert huge is not None and huge.macs > 2**63 and 40 in result.exact
    assert result.batched >= 50


def test_bound_forces_the_per_point_path(monkeypatch):
    monkeypatch.setattr(sweep_module, "LIMIT", 1000)
    result = assert_exact(builtin("mobilenet_v1"), {"resolution": "30..50"})
    assert result.batched == 0


def test_batches_of_at_most_batch_points(monkeypatch, spec_file):
    # several batches per combination share one bound, or bound themselves when it fails
    monkeypatch.setattr(sweep_module, "BATCH", 4)
    result = assert_exact(builtin("vgg16"), {"resolution": "28..60", "classes": "10,1000"})
    assert len(result.errors) == 8 and result.batched >= 40
    r = [*range(1, 20), 2**24, *range(20, 30)]
    result = assert_exact(load(spec_file(HUGE)), {"c": "1048576", "r": ",".join(map(str, r))})
    assert result.batched >= 20


def test_arrays_reaching_an_expression_go_point_by_point(spec_file):
    # `H` is an array in a vectorised run: the expression refuses it and the points go one by one
    spec = load(
        spec_file(
            "name: n\nparams: {r: 8}\ninput: {c: 3, h: r, w: r}\n"
            'layers:\n  - conv: {out: 4, k: "min(3, H)"}\n  - gap\n'
        )
    )
    assert spatial_params(spec, {"r": ["1", "2"]}) == {"r"}
    assert assert_exact(spec, {"r": "1..9"}).batched == 0


def test_channels_that_are_arrays(spec_file):
    # after a flatten the channel count is an array too (c * h * w): a 1x1 conv and an fc on it
    spec = load(
        spec_file(
            "name: n\nparams: {r: 8}\ninput: {c: 3, h: r, w: r}\nlayers:\n"
            "  - conv: {out: 4, k: 3, stride: 2}\n  - flatten\n  - conv: {out: 5}\n"
            "  - fc: {out: 10}\n"
        )
    )
    assert assert_exact(spec, {"r": "1..30"}).batched > 20


@pytest.mark.parametrize(
    ("text", "swept", "spatial"),
    [
        # a param defined from resolution, feeding only the input size: still spatial
        (
            "params: {res: 32, half: res // 2, w: 1}\ninput: {c: 3, h: half, w: half}\n"
            "layers: [{conv: {out: 'int(8 * w)'}}]",
            ["res", "w"],
            {"res"},
        ),
        # resolution also read by a layer: structural
        (
            "params: {res: 32, w: 1}\ninput: {c: 3, h: res, w: res}\n"
            "layers: [{conv: {out: 8, k: 'res // 16'}}]",
            ["res", "w"],
            set(),
        ),
        # the input size depends on a structural param: nothing is batched
        (
            "params: {res: 32, w: 1}\ninput: {c: 3, h: 'res * w', w: res}\n"
            "layers: [{conv: {out: 'int(8 * w)'}}]",
            ["res", "w"],
            set(),
        ),
        # an expression that cannot be parsed might read anything
        (
            "params: {res: 32, w: 1}\ninput: {c: 3, h: res, w: res}\n"
            "layers: [{conv: {out: 'int(8 * w'}}]",
            ["res"],
            set(),
        ),
    ],
)
def test_spatial_params(spec_file, text, swept, spatial):
    spec = load(spec_file("name: n\n" + text + "\n"))
    assert spatial_params(spec, {n: ["1"] for n in swept}) == spatial


def test_mobilenet_resolution_is_spatial():
    spec = builtin("mobilenet_v1")
    assert spatial_params(spec, {"width": ["1"], "resolution": ["224"]}) == {"resolution"}


# -- output: the column-wise renderers write what per-point rendering would --------------------


def typed(values: dict[str, str]) -> dict[str, object]:
    return {k: json.loads(v) if v != "true" else True for k, v in values.items()}


def reference_json(points: Sweep, network: str) -> str:
    everything = points.subset(list(range(points.size)))
    return backends.to_json(
        {
            "network": network,
            "points": [
                {"values": typed(p.values), "totals": p.totals._asdict()}
                for p in points
                if p.totals
            ],
            "failed": [
                {"values": typed(p.values), "error": p.error} for p in everything if not p.totals
            ],
        }
    )


def reference_csv(points: Sweep) -> str:
    # failed points are rows in their place, also after --pareto (which keeps none of them)
    shown = set(points.numbers()) | set(points.errors)
    rows = [
        [*p.values.values(), *(p.totals if p.totals else [""] * 5), p.error]
        for p in points.subset(sorted(shown))
    ]
    return backends.to_csv([*points.names, *COST_FIELDS, "error"], rows)


@pytest.mark.parametrize("piece", [3, 10_000])
def test_renderers_match_point_by_point_rendering(monkeypatch, spec_file, piece):
    monkeypatch.setattr(sweep_view, "PIECE", piece)
    sweeps = [
        sweep(builtin("shufflenet_v1"), {"groups": "2..6", "resolution": "224,96"}),  # errors
        sweep(load(spec_file(HUGE)), {"c": "4,1048576", "r": "3,16777216"}),  # > int64
        sweep(builtin("vgg16"), {"resolution": "8..12"}),  # every point failed
    ]
    sweeps += [pareto(s) for s in sweeps]
    for s in sweeps:
        shown = sweep_view.SweepView("net", "", s)
        assert "".join(shown.json()) == reference_json(s, "net")
        assert "".join(shown.csv()) == reference_csv(s)


def test_pareto_is_the_brute_force_front():
    s = sweep(
        builtin("shufflenet_v1"), {"groups": "1..8", "width": "0.5,1", "resolution": "96..99"}
    )
    ok = [p for p in s if p.totals]
    front = [
        p
        for p in ok
        if not any(
            (q.totals.macs, q.totals.params) != (p.totals.macs, p.totals.params)
            and q.totals.macs <= p.totals.macs
            and q.totals.params <= p.totals.params
            for q in ok
        )
    ]
    assert list(pareto(s)) == front


def test_output_file(run, tmp_path):
    out = tmp_path / "sweep.json"
    result = run(
        "sweep", "mobilenet_v1", "--set", "resolution=1..300", "-f", "json", "-o", str(out)
    )
    assert result.exit_code == 0 and result.stdout == ""
    points = json.loads(out.read_text())["points"]
    assert [p["values"]["resolution"] for p in points] == list(range(1, 301))


# -- the premises of the overflow bound (sweep.py's docstring) ------------------------------------


def test_output_sizes_never_shrink_as_the_input_grows():
    for k, s, p, d, ceil in itertools.product(range(1, 6), range(1, 5), range(4), (1, 2), (0, 1)):
        sizes = []
        for size in range(1, 50):
            try:
                sizes.append(out_size(size, k, s, p, d, bool(ceil)))
            except ConvcostError:
                assert not sizes  # once a kernel fits, it fits every larger input
        assert sizes == sorted(sizes)


def test_adaptive_bins_at_most_double_at_a_smaller_input():
    for n in range(1, 30):
        for big in range(1, 80):
            for small in range(1, big + 1):
                assert _bins(small, n) < 2 * _bins(big, n)


# -- failures and bad values (issue 12): exit codes, what is listed, what is refused ----------


def _boom(*args: object, **kwargs: object) -> None:
    raise AssertionError("a point was costed")


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["width=0.1..0.5"], "error: --set width=0.1..0.5: a range A..B needs whole numbers"),
        (["width=abc"], "error: --set width=abc: unknown name 'abc'"),
        (["width=1,abc"], "error: --set width=1,abc: unknown name 'abc'"),
        (["width=1,(2"], "error: --set width=1,(2: cannot parse expression '(2'"),
        (["resolution=1..4,8"], "error: --set resolution=1..4,8: a range A..B is given alone"),
        (["width=resolution // 224"], "error: --set width=resolution // 224: 'resolution' comes"),
        (["width=1/0"], "error: --set width=1/0: in expression '1/0'"),
        (["width=1", "resolution=224,abc"], "error: --set resolution=224,abc: unknown name"),
    ],
)
def test_values_that_cannot_be_evaluated_exit_2_before_any_point(run, monkeypatch, sets, message):
    monkeypatch.setattr(sweep_module, "analyze", _boom)
    monkeypatch.setattr(sweep_module, "input_shape", _boom)
    result = run("sweep", "mobilenet_v1", *(a for s in sets for a in ("--set", s)))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(message), result.stderr
    assert result.stdout == ""


def test_a_value_reading_an_earlier_param_is_evaluated_at_each_point(run, spec_file):
    # --set values are expressions over the params before them: not refused up front; JSON
    # gives such a value as its text, the constants as numbers
    net = spec_file(
        "name: n\nparams: {a: 2, b: 3}\ninput: {c: 3, h: 8, w: 8}\nlayers:\n"
        "  - conv: {out: 'a * b', k: 1}\n"
    )
    result = run("sweep", net, "--set", "a=1,2", "--set", "b=a + 1,4", "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [p["values"] for p in data["points"]] == [
        {"a": 1, "b": "a + 1"},
        {"a": 1, "b": 4},
        {"a": 2, "b": "a + 1"},
        {"a": 2, "b": 4},
    ]
    assert [p["totals"]["params"] for p in data["points"]] == [3 * 2, 3 * 4, 3 * 6, 3 * 8]


def _first_error_line(run, *args: str) -> str:
    result = run("analyze", *args)
    assert result.exit_code == 2
    return result.stderr.splitlines()[0]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_every_point_failing_exits_2_with_the_first_error(run, fmt):
    # ShuffleNet v1 has no 5 or 6 groups (its table has 1, 2, 3, 4, 8)
    result = run("sweep", "shufflenet_v1", "--set", "groups=5,6", "-f", fmt)
    assert result.exit_code == 2 and "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == _first_error_line(run, "shufflenet_v1", "--set", "groups=5")
    assert "all 2 points of the sweep failed; this is the first (groups=5)" in result.stderr


def test_every_point_failing_in_a_vectorised_sweep_and_a_single_point(run):
    # vgg16's pools do not fit below 32 pixels: every batch fails, each point alone; the first
    # error is the first point's, whatever order the points failed in
    result = run("sweep", "vgg16", "--set", "resolution=8..12")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == _first_error_line(run, "vgg16", "--set", "resolution=8")
    result = run("sweep", "shufflenet_v1", "--set", "groups=7")
    assert result.exit_code == 2
    assert "the sweep's only point failed (groups=7)" in result.stderr


def test_some_points_failing_exit_0_and_are_listed(run):
    args = ["sweep", "shufflenet_v1", "--set", "groups=3..6"]
    table = run(*args)
    assert table.exit_code == 0 and "Traceback" not in table.stderr
    assert "ShuffleNet v1: 4 points, 2 failed" in table.stdout
    assert "2 of 4 points failed:" in table.stdout
    assert "groups=5: " in table.stdout and "groups=6: " in table.stdout

    data = json.loads(run(*args, "-f", "json").stdout)
    assert [p["values"] for p in data["points"]] == [{"groups": 3}, {"groups": 4}]
    assert all(set(p) == {"values", "totals"} for p in data["points"])
    assert [f["values"] for f in data["failed"]] == [{"groups": 5}, {"groups": 6}]
    assert "no entry 5 in 'stage_out'" in data["failed"][0]["error"]

    table = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv").stdout)))
    assert [(r["groups"], bool(r["macs"]), bool(r["error"])) for r in table] == [
        ("3", True, False),
        ("4", True, False),
        ("5", False, True),
        ("6", False, True),
    ]


def test_failed_points_are_listed_after_pareto_too(run):
    args = ["sweep", "shufflenet_v1", "--set", "groups=3..6", "--pareto", "params"]
    table = run(*args)
    assert table.exit_code == 0
    assert "4 points, 2 on the Pareto front of MACs and params, 2 failed" in table.stdout
    assert "2 of 4 points failed:" in table.stdout
    data = json.loads(run(*args, "-f", "json").stdout)
    assert [f["values"] for f in data["failed"]] == [{"groups": 5}, {"groups": 6}]
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv").stdout)))
    assert [r["groups"] for r in rows if r["error"]] == ["5", "6"]


def test_json_values_are_numbers_as_in_analyze(run):
    data = json.loads(
        run(
            "sweep",
            "mobilenet_v1",
            "--set",
            "width=1,0.75,3/4",
            "--set",
            "resolution=224",
            "-f",
            "json",
        ).stdout
    )
    values = [p["values"] for p in data["points"]]
    assert values == [
        {"width": 1, "resolution": 224},
        {"width": 0.75, "resolution": 224},
        {"width": 0.75, "resolution": 224},
    ]
    assert type(values[0]["width"]) is int and type(values[1]["width"]) is float
    for text, shown in zip(["1", "0.75", "3/4"], values, strict=True):
        analyzed = json.loads(
            run("analyze", "mobilenet_v1", "--set", f"width={text}", "-f", "json").stdout
        )
        assert analyzed["params"]["width"] == shown["width"]
        assert type(analyzed["params"]["width"]) is type(shown["width"])


def test_one_point_is_singular(run):
    result = run("sweep", "mobilenet_v1", "--set", "resolution=224")
    assert result.exit_code == 0
    assert "MobileNet v1: 1 point" in result.stdout and "1 points" not in result.stdout
    result = run("sweep", "shufflenet_v1", "--set", "groups=4..5")
    assert "2 points, 1 failed" in result.stdout and "1 of 2 points failed:" in result.stdout


def test_ranges_are_counted_from_their_bounds():
    import tracemalloc

    parsed = sweep_module.parse("width", "0..1000000000000")
    assert parsed == range(0, 10**12 + 1) and sweep_module.count(parsed) == 10**12 + 1
    assert sweep_module.count(sweep_module.parse("r", "-10..10")) == 21
    tracemalloc.start()
    try:
        with pytest.raises(ConvcostError, match="3,000,000 points; the limit is 100,000"):
            sweep(builtin("mobilenet_v1"), {"resolution": "1..3000000"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # building 3,000,000 values would take about 200 MiB


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("width=0..1000000000000", "the sweep has 1,000,000,000,001 points; the limit is 100,000"),
        (
            "resolution=1..99999999999999999999",
            "--set resolution=1..99999999999999999999: 99999999999999999999 is beyond the "
            "largest value a param may take",
        ),
    ],
)
def test_a_huge_range_is_refused_quickly(values, message):
    # 10^12 values would never fit in memory: the count is refused from the bounds (run under
    # a 1 GiB address-space limit, so a regression fails with a MemoryError, not a dead machine)
    resource = pytest.importorskip("resource")
    import os
    import subprocess
    import sys
    import time

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "convcost", "sweep", "mobilenet_v1", "--set", values],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: " + message), result.stderr
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_broken_pipe_exits_0(fmt):
    # `convcost sweep ... | head -1`: the reader leaves after one line
    import subprocess
    import sys

    proc = subprocess.Popen(
        [
            sys.executable,
            *("-m", "convcost", "sweep", "mobilenet_v1", "--set", "resolution=1..20000"),
            *("-f", fmt),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Error" not in err
