"""Hostile arguments (issue 13): the Python API raises ConvcostError for anything it cannot
take, never another exception; `layer` holds every size to the spec limit; JSON output never
holds NaN or Infinity."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import convcost
from convcost.errors import ConvcostError
from convcost.limits import MAX_SIZE
from convcost.render import backends
from convcost.zoo import builtin_names

# -- the API: a result or a ConvcostError, whatever the arguments --------------------------------


class Huge(int):
    """An int of 5,001 digits that hypothesis can print (Python refuses to print a plain one)."""

    def __repr__(self) -> str:
        return "-10**5000" if self < 0 else "10**5000"


HUGE = st.sampled_from([Huge(10**5000), Huge(-(10**5000))])
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**64), max_value=2**64),
    HUGE,
    st.sampled_from([MAX_SIZE, MAX_SIZE + 1, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12).filter(lambda t: t != "-"),  # "-" reads standard input
    st.binary(max_size=4),
    st.tuples(st.integers(-2, 9), st.integers(-2, 9)),
    st.lists(st.integers(-2, 9), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`valid` three times in four, else JUNK: most calls get far enough to compute."""
    return st.sampled_from(range(4)).flatmap(lambda i: JUNK if i == 3 else valid)


NETWORKS = st.sampled_from(["mobilenet_v1", "shufflenet_v1", "mobilenet_v2"])
PARAMS = st.sampled_from(["width", "resolution", "classes", "groups", "stride_in_3x3", "bogus"])
VALUES = mostly(
    st.one_of(
        st.integers(1, 600),
        st.floats(0.05, 3),
        st.sampled_from(["0.5", "width / 2", "abc", "", "1 +", "10 ** 30", "true", "a\0b"]),
    )
)
SIZES = st.integers(1, 40) | st.sampled_from([-1, 0, MAX_SIZE, MAX_SIZE + 1])
SHAPES = mostly(
    st.builds(lambda h, w, c: f"{h}x{w}x{c}", SIZES, SIZES, SIZES)
    | st.sampled_from(["8x8x3", "1x1x" + "9" * 5000, "8x8", "axbxc", f"{MAX_SIZE}x1x1"])
)
KINDS = st.sampled_from(["conv", "pw", "dw", "dwsep", "dwconv", "pwconv"])
OPTIONS = st.fixed_dictionaries(
    {"out": mostly(SIZES)},
    optional={
        "k": mostly(SIZES),
        "stride": mostly(SIZES),
        "pad": mostly(st.sampled_from(["same", "valid", 0, 1, (1, 1, 0, 0), (0, 1)])),
        "groups": mostly(st.sampled_from([1, 2, 3, 4])),
        "bias": mostly(st.booleans()),
        "bn": mostly(st.booleans()),
        "kernel": JUNK,
    },
)
REPORT = convcost.analyze("shufflenet_v2")
REPORTS = mostly(st.just(REPORT))
CONVENTIONS = mostly(st.sampled_from(["paper", "ptflops", "fvcore", "thop", "torch"]))
GROUPINGS = mostly(st.sampled_from(["layer", "category", "block"]))
DEPTHS = mostly(st.integers(1, 4))
PRECISIONS = mostly(st.sampled_from(["fp32", "fp16", "int8"]))


def result_or_error(call: Callable[[], Any]) -> Any:
    """The call's result, or None if it raised ConvcostError with a message; any other
    exception fails the test."""
    try:
        return call()
    except ConvcostError as e:
        assert e.message.strip() and len(e.message) < 1000, e.message
        return None


def valid_json(report: Any) -> None:
    """A report the API returned turns into strict JSON."""
    if report is not None:
        json.dumps(report.to_dict(), allow_nan=False)


@given(spec=JUNK)
def test_analyze_any_spec(spec):
    result_or_error(lambda: convcost.analyze(spec))


@given(spec=NETWORKS, params=st.dictionaries(PARAMS, VALUES, max_size=3))
def test_analyze(spec, params):
    valid_json(result_or_error(lambda: convcost.analyze(spec, **params)))


HASHABLE = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE, st.floats(), st.text(max_size=8)
)


@given(
    spec=NETWORKS,
    overrides=mostly(st.dictionaries(PARAMS | HASHABLE, VALUES, max_size=2)),
)
def test_analyze_name(spec, overrides):
    valid_json(result_or_error(lambda: convcost.analyze_name(spec, overrides)))


@given(kind=JUNK, shape=JUNK, options=st.dictionaries(st.text(max_size=8), JUNK, max_size=3))
def test_layer_any_arguments(kind, shape, options):
    result_or_error(lambda: convcost.layer(kind, shape, **options))


@given(kind=KINDS, shape=SHAPES, options=OPTIONS)
def test_layer(kind, shape, options):
    valid_json(result_or_error(lambda: convcost.layer(kind, shape, **options)))


@given(report=REPORTS, convention=CONVENTIONS, by=GROUPINGS, depth=DEPTHS)
def test_counted(report, convention, by, depth):
    counted = result_or_error(lambda: convcost.counted(report, convention, by, depth))
    if counted is not None:
        assert counted.total == sum(counted.layers)


@given(by=GROUPINGS, depth=DEPTHS, precision=PRECISIONS)
def test_report_methods(by, depth, precision):
    result_or_error(lambda: REPORT.to_markdown(by, depth, precision))
    result_or_error(lambda: REPORT.to_dict(precision))
    blocks = result_or_error(lambda: REPORT.by_block(depth))
    if blocks is not None:
        assert sum(c.macs for c in blocks.values()) == REPORT.totals.macs


# -- convcost layer: every size within the spec limit, checked before it is converted ------------

BIG = "1" + "0" * 5000  # more digits than Python converts to an int
LONG = "1" + "0" * 2000  # converts, but fails later (float division) if accepted


@pytest.mark.parametrize(
    "args",
    [
        ["--in", f"1x1x{BIG}", "--out", "3"],
        ["--in", f"{LONG}x1x1", "--out", "3"],
        ["--in", f"{MAX_SIZE + 1}x8x8", "--out", "3"],
        ["--in", "8x8x3", "--out", LONG],
        ["--in", "8x8x3", "--out", BIG],
        ["--in", "8x8x3", "--out", str(MAX_SIZE + 1)],
        ["--in", "8x8x3", "--out", "8", "-k", LONG],
        ["--in", "8x8x3", "--out", "8", "-s", BIG],
        ["--in", "8x8x3", "--out", "8", "-g", LONG],
        ["--in", "8x8x3", "--out", "8", "-p", BIG],
        ["--in", "8x8x3", "--out", "8", "-p", f"1,{LONG}"],
        ["--in", "8x8x3", "--out", "8", "-p", f"0,0,0,{MAX_SIZE + 1}"],
    ],
    ids=lambda args: " ".join(a if len(a) < 12 else f"<{len(a)} chars>" for a in args),
)
def test_layer_sizes_over_the_limit_exit_2(run, args):
    result = run("layer", "conv", *args, "-f", "json")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stdout == ""
    message = [line for line in result.stderr.splitlines() if line.lower().startswith("error")]
    assert len(message) == 1 and len(message[0]) < 200  # one message; no 2,000-digit echo
    if "x" in args[1] and args[1] != "8x8x3":
        assert f"every size must be at most {MAX_SIZE:,}" in message[0]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "latex"])
@pytest.mark.parametrize("kind", ["conv", "dw", "pw", "dwsep"])
def test_layer_at_the_size_limit_renders(run, kind, fmt):
    big = str(MAX_SIZE)
    shape = ["--in", f"{big}x{big}x{big}", "--out", big]
    k = ["-k", "1"] if kind == "pw" else ["-k", big, "-s", big, "-p", f"{big},{big}"]
    result = run("layer", kind, *shape, *k, "--bias", "--bn", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        strict(result.stdout)
    shape[1] = f"{MAX_SIZE + 1}x{big}x{big}"  # one more is refused
    result = run("layer", kind, *shape, *k, "--bias", "--bn", "-f", fmt)
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# -- JSON output: never NaN or Infinity --------------------------------------------------------


def _refuse(constant: str) -> Any:
    raise AssertionError(f"{constant} in JSON output: not JSON")


def strict(text: str) -> Any:
    """json.loads that fails on NaN, Infinity and -Infinity (which json.loads accepts)."""
    return json.loads(text, parse_constant=_refuse)


def test_to_json_refuses_non_finite_numbers():
    assert strict(backends.to_json({"x": 0.5})) == {"x": 0.5}
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            backends.to_json({"totals": {"latency_ms": bad}})
        with pytest.raises(ValueError):
            backends.to_json([{"x": [bad]}])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='{}[]", :\\\nab') | st.floats(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='{}", :ab', max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.lists(JSON_VALUES, min_size=1, max_size=6))
def test_objects_are_the_items_encoded_one_by_one(items):
    """backends.objects encodes the list in one call and splits it at `, {"`: whatever the
    items (objects nested in them, empty ones, texts holding `}, {"`), the text is that of
    each item encoded alone, or the same ValueError for a NaN."""
    sep = ",\n    "
    try:
        expected = sep.join(backends.STRICT_JSON.encode(x) for x in items)
    except ValueError:
        with pytest.raises(ValueError):
            backends.objects(items, sep)
        return
    assert backends.objects(items, sep) == expected


def test_objects_split_only_between_items():
    items = [{"path": 'a}, {"b": 1'}, {"path": "x", "in": [{"n": 1}, {"m": 2}]}, {}, {"k": {}}]
    sep = ",\n    "
    assert backends.objects(items, sep) == sep.join(json.dumps(x) for x in items)
    assert backends.objects(items[:1], sep).count("\n") == 0


def analyze_views(report: Any, device: str | None, convention: str | None) -> Any:
    from convcost.cli.networks import counted, timed
    from convcost.memory import memory
    from convcost.render import analyze

    mem = memory(report, "fp16")
    return analyze.build(
        report, mem, timing=timed(report, device, "fp16"), counted=counted(report, convention)
    )


@pytest.mark.parametrize("name", builtin_names())
def test_layer_json_is_the_layer_data_encoded(name):
    """`analyze -f json` writes each layer with render.analyze.layer_json: the same text as
    STRICT_JSON encoding layer_data, for every layer of the zoo, with and without a device
    and a convention."""
    from convcost.cache import builtin_report
    from convcost.render.analyze import layer_data, layer_json

    report = builtin_report(name)
    for device, convention in ((None, None), ("mobile-cpu", "ptflops")):
        view = analyze_views(report, device, convention)
        timed, counted = device is not None, convention is not None
        for x, row in zip(report.layers, view.layers, strict=True):
            want = backends.STRICT_JSON.encode(layer_data(x, row, timed, counted))
            assert layer_json(x, row, timed, counted) == want


def test_layer_json_of_an_onnx_model():
    """An ONNX file's layers (paths from node names, lines from node indices) alike."""
    from pathlib import Path

    from convcost.onnx_import import import_onnx
    from convcost.render.analyze import layer_data, layer_json

    path = Path(__file__).resolve().parent / "fixtures" / "onnx" / "inception_v3.dynamo18.onnx"
    report = import_onnx(str(path), None, "error", path.name)
    view = analyze_views(report, "gpu", "thop")
    for x, row in zip(report.layers, view.layers, strict=True):
        want = backends.STRICT_JSON.encode(layer_data(x, row, True, True))
        assert layer_json(x, row, True, True) == want


@given(st.text(max_size=12), st.text(max_size=12))
def test_layer_json_escapes_as_json_does(path, torch):
    """Any path or torch call (quotes, backslashes, braces, control characters, lone
    surrogates, non-ASCII) is written as json writes it."""
    from convcost.cache import builtin_report
    from convcost.render.analyze import layer_data, layer_json

    report = builtin_report("shufflenet_v2")
    view = analyze_views(report, "mobile-cpu", "fvcore")
    x = report.layers[5]._replace(path=path, torch=torch)
    want = backends.STRICT_JSON.encode(layer_data(x, view.layers[5], True, True))
    assert layer_json(x, view.layers[5], True, True) == want
    assert json.loads(want)["path"] == path


def zoo_commands() -> list[list[str]]:
    """Every command with JSON output, over the whole zoo and a few variants."""
    commands = [
        ["list"],
        ["devices"],
        ["compare", "--all"],
        ["compare", "--all", "--by", "category", "--device", "gpu", "--convention", "thop"],
        ["compare", "mobilenet_v1", "mobilenet_v1@width=0.25,resolution=128"],
        ["sweep", "mobilenet_v1", "--set", "width=1,0.75,0.5,0.25", "--set", "resolution=224,128"],
        ["sweep", "shufflenet_v1", "--set", "groups=1..8", "--pareto", "params"],
        ["layer", "dwsep", "--in", "64x64x3", "--out", "4", "-k", "3"],
        ["layer", "pw", "--in", "56x56x240", "--out", "60", "-g", "3", "--bn"],
        ["layer", "conv", "--in", "64x64x64", "--out", "64", "-k", "1"],
        ["analyze", "mobilenet_v1", "--set", "width=0.35", "--set", "resolution=96"],
        ["analyze", "shufflenet_v1", "--set", "groups=8", "--device", "gpu", "--by", "block"],
        ["analyze", "resnet50", "--set", "stride_in_3x3=false", "--precision", "fp16"],
    ]
    for name in builtin_names():
        commands += [
            ["analyze", name],
            [
                "analyze",
                name,
                "--by",
                "category",
                "--device",
                "mobile-cpu",
                "--convention",
                "fvcore",
            ],
            [
                "analyze",
                name,
                "--by",
                "block",
                "--depth",
                "2",
                "--device",
                "gpu",
                "--precision",
                "int8",
            ],
            ["analyze", name, "--device", "desktop-cpu", "--convention", "ptflops"],
            ["advise", name],
            ["explain", name],
            ["check", name, "--max-macs", "1T", "--expect", "params=1"],
        ]
    return commands


@pytest.mark.parametrize("command", zoo_commands(), ids=" ".join)
def test_every_json_output_is_strict_json(run, command):
    result = run(*command, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr  # check exits 1 (params is never 1)
    strict(result.stdout)


EXTREME_PROFILES = [
    "peak_gmacs: {fp32: 1, fp16: 1, int8: 1}\nbandwidth_gbs: 1.0e-308\nlaunch_us: 1\n",
    "peak_gmacs: {fp32: 1.0e-300, fp16: 1, int8: 1}\nbandwidth_gbs: 1\nlaunch_us: 1\n"
    "efficiency: {standard: 1.0e-300, pointwise: 1.0e-300, other: 1.0e-300}\n",
    "peak_gmacs: {fp32: 1.0e-300, fp16: 1.0e-300, int8: 1.0e-300}\nbandwidth_gbs: 1.0e-300\n"
    "launch_us: 1.0e+300\n",
    "peak_gmacs: {fp32: 1.0e+300, fp16: 1.0e+300, int8: 1.0e+300}\nbandwidth_gbs: 1.0e+300\n"
    "launch_us: 1.0e-300\n",
    "peak_gmacs: {fp32: 1, fp16: 1, int8: 1}\nbandwidth_gbs: 1\nlaunch_us: 1\n"
    "efficiency: {standard: 1.0e-300, pointwise: 1.0e-300, depthwise: 1.0e-300}\n",
]


@pytest.mark.parametrize("profile", EXTREME_PROFILES)
@pytest.mark.parametrize("command", [["analyze", "vgg16"], ["compare", "vgg16", "mobilenet_v1"]])
def test_extreme_device_profiles_never_print_non_finite_json(run, spec_file, profile, command):
    # such a profile made latencies inf or 0: now refused (exit 2) before any estimate
    path = spec_file("name: extreme\n" + profile, "extreme.yaml")
    result = run(*command, "--device", path, "-f", "json")
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        strict(result.stdout)
    else:
        assert result.exit_code == 2 and result.stdout == ""
