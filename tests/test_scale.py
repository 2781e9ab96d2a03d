"""Scale (issue 13): the expansion's work is bounded and linear inside the limits. Hangs are
caught by running the CLI in a subprocess with a timeout; growth is measured by counting
function calls, or by comparing two runs of the same size, not by absolute times."""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcost import expand
from convcost.errors import ConvcostError, SpecError
from convcost.expand import analyze
from convcost.limits import MAX_LAYERS, MAX_STEPS
from convcost.report import run_layer
from convcost.spec import Spec, load_spec

HEAD = "name: t\ninput: {c: 8, h: 8, w: 8}\n"


def cli(path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convcost", "analyze", str(path), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def empty_repeats(body: str) -> str:
    return (
        HEAD + "layers:\n  - repeat:\n      times: 100000\n      layers:\n"
        "        - repeat:\n            times: 100000\n"
        f"            layers: [{body}]\n"
    )


def test_nested_repeats_adding_no_layer_are_refused(tmp_path: Path) -> None:
    # 10^10 visits adding no layer once ran for hours: the step budget stops them (~2 s)
    path = tmp_path / "empty.yaml"
    path.write_text(empty_repeats("relu: {when: false}"))
    result = cli(path, timeout=30)
    first = result.stderr.splitlines()[0]
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert first == (
        f"error: {path}:7:11: repeat10: expanding this repeat (100,000 times) takes more "
        f"than {MAX_STEPS:,} steps, adding 0 layers"
    )
    assert "inside repeat at line 4 (100,000 times)" in result.stderr


def test_nested_repeats_of_empty_groups_are_refused() -> None:
    spec = load_spec(empty_repeats("group: {layers: []}"), "net.yaml")
    with mock.patch.object(expand, "MAX_STEPS", 10_000), pytest.raises(SpecError) as e:
        analyze(spec)
    assert e.value.format().splitlines()[0] == (
        "net.yaml:7:11: repeat1: expanding this repeat (100,000 times) takes more than "
        "10,000 steps, adding 0 layers"
    )


WIDE = "[" + ", ".join(["[]"] * 1000) + "]"


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        # nothing to repeat: no step at all, done at once (it looped 10^10 times)
        ("- repeat: {times: 100000, layers: []}", ""),
        # 1,000 empty branches per visit (one merge layer with 1,000 inputs each)
        ("- parallel: {merge: add, branches: " + WIDE + "}", "adding 999 layers"),
        # 1,000 block arguments bound per use
        ("- b", "adding 0 layers"),
    ],
)
def test_work_without_visits_is_bounded(tmp_path: Path, inner: str, message: str) -> None:
    args = ", ".join(f"a{i}: {i}" for i in range(1000))
    path = tmp_path / "work.yaml"
    path.write_text(
        HEAD + "blocks:\n  b:\n    args: {" + args + "}\n    layers: []\n"
        "layers:\n  - repeat:\n      times: 100000\n      layers:\n        " + inner + "\n"
    )
    result = cli(path, timeout=30)  # about 1 s
    assert "Traceback" not in result.stderr, result.stderr
    if not message:
        assert result.returncode == 0 and json.loads(result.stdout)["layers"] == []
        return
    assert result.returncode == 2 and result.stderr.splitlines()[0] == (
        f"error: {path}:8:5: repeat: expanding this repeat (100,000 times) takes more than "
        f"{MAX_STEPS:,} steps, {message}"
    )


def test_long_expressions_take_more_steps() -> None:
    # the repeat, then 1,000 visits evaluating 320 characters each: 1 + 1,000 x (1 + 320 / 32)
    expression = "C > 100000 or " * 22 + "C > 10000000"
    assert len(expression) == 320
    text = (
        HEAD + "layers:\n  - repeat:\n      times: 1000\n"
        f'      layers: [relu: {{when: "{expression}"}}]\n'
    )
    with mock.patch.object(expand, "MAX_STEPS", 11_001):
        assert analyze(load_spec(text, "net.yaml")).layers == ()
    with mock.patch.object(expand, "MAX_STEPS", 11_000), pytest.raises(SpecError) as e:
        analyze(load_spec(text, "net.yaml"))
    assert e.value.message.endswith("takes more than 11,000 steps, adding 0 layers")


def test_blocks_multiplying_without_repeats_are_refused() -> None:
    # blocks using the next one twice, 25 deep: 2^25 visits with no repeat at all
    blocks = "".join(f"  b{i}:\n    layers: [b{i + 1}, b{i + 1}]\n" for i in range(25))
    text = HEAD + "blocks:\n" + blocks + "  b25:\n    layers: [relu: {when: false}]\nlayers: [b0]\n"
    with mock.patch.object(expand, "MAX_STEPS", 10_000), pytest.raises(SpecError) as e:
        analyze(load_spec(text, "net.yaml"))
    assert e.value.message == "the expansion takes more than 10,000 steps, adding 0 layers"
    assert e.value.loc is not None and e.value.path.startswith("b0.b1_1.b2_1.")
    assert e.value.hint.endswith("in block 'b0' used at net.yaml:56:10")


def _calls(spec: Spec) -> int:
    profile = cProfile.Profile()
    profile.runcall(analyze, spec)
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined, no-any-return]


def test_unnamed_residuals_are_named_in_linear_time() -> None:
    # naming each unnamed parallel scanned all its siblings: 33,333 residuals took 113 s
    def residuals(n: int) -> Spec:
        return load_spec(HEAD + "layers:\n" + "  - residual: {layers: [relu]}\n" * n, "net.yaml")

    small, large = _calls(residuals(1000)), _calls(residuals(4000))
    assert large / small < 5, (small, large)  # linear: 4; it was 15


def _fastest(spec: Spec, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        analyze(spec)
        best = min(best, time.perf_counter() - start)
    return best


def test_many_params_do_not_slow_every_layer() -> None:
    # every item visited copied the whole scope: 20,000 params x 20,000 layers took 4 s
    layers = "layers:\n" + "  - relu\n" * 8_000
    params = "params:\n" + "".join(f"  p{i}: {i}\n" for i in range(8_000))
    few, many = (load_spec(HEAD + p + layers, "net.yaml") for p in ("params: {p: 1}\n", params))
    assert _fastest(many) < 3 * _fastest(few)  # the same layers: about 1x; it was 5x


NOT_COSTED = (
    "import sys; from convcost import expand, cli; "
    "expand.run_layer = lambda *a, **k: sys.exit('a layer was costed'); cli.main()"
)


def test_a_flat_spec_over_the_limit_is_refused_before_expanding(tmp_path: Path) -> None:
    # 150,000 layers: refused once read, without costing the first 100,000 (about 2 s)
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "layers:\n" + "  - relu\n" * 150_000)
    result = subprocess.run(
        [sys.executable, "-c", NOT_COSTED, "analyze", str(path), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"error: {path}:{MAX_LAYERS + 4}:5: relu100001: "
        f"the network expands to more than {MAX_LAYERS:,} layers"
    )


@pytest.mark.parametrize("indent", ["", "      "])
def test_counting_first_refuses_where_the_expansion_would(indent: str) -> None:
    # relu11 is the first layer past a limit of 10: unconditional, it is counted before
    # expanding (also inside a group); under `when: true` the expansion finds it: one message
    def error(item: str) -> str:
        group = "  - relu\n  - group:\n      name: g\n      layers:\n" if indent else ""
        text = HEAD + "layers:\n" + group + f"{indent}  - {item}\n" * 12
        costed = None if "when" in item else AssertionError("a layer was costed")
        with (
            mock.patch.object(expand, "MAX_LAYERS", 10),
            mock.patch.object(expand, "run_layer", side_effect=costed, wraps=run_layer),
            pytest.raises(SpecError) as e,
        ):
            analyze(load_spec(text, "net.yaml"))
        return e.value.format()

    assert error("relu") == error("relu: {when: true}").replace("relu: {when: true}", "relu")
    path = "g.relu10" if indent else "relu11"
    assert f"{path}: the network expands to more than 10 layers" in error("relu")


# -- random nestings ----------------------------------------------------------------------

BLOCK = {"args": {"n": 2}, "layers": ["relu", {"repeat": {"times": "n", "layers": ["relu"]}}]}
USE_STEPS = 1 + 1 + 2  # on a path through a use of BLOCK: the use, its argument, 2 nested

ADDING = ["relu", "b", {"b": {"n": 1}}, {"relu": {"when": True}}]  # "b": a use of BLOCK
OTHERS = [
    {"conv": {"out": "C * 2", "k": 1}},  # then an add mismatches: a located ShapeError
    {"relu": {"when": False}},
    {"relu": {"when": "C > 8"}},
    {"relu": {"when": "i > 0"}},  # 'i' only inside a repeat
]


def nested(depth: int, adding: bool = False, least: int = 0) -> st.SearchStrategy[list[Any]]:
    """Lists of `least` to 2 items, containers nested at most `depth` deep; if `adding`, each
    visit of an item adds a layer (no `when: false`, no empty group or repeat)."""
    leaves = st.sampled_from(ADDING if adding else ADDING + OTHERS)
    if depth == 0:
        return st.lists(leaves, min_size=least, max_size=2)
    body, branch = nested(depth - 1, adding, int(adding)), nested(depth - 1, adding)
    times = st.sampled_from([1, 2, 3] if adding else [1, 2, 3, "i + 1", "i"])  # i = 0 first
    merge = "add" if adding else "concat"  # concat, then add: a located ShapeError
    containers = [
        st.builds(lambda c: {"group": {"layers": c}}, body),
        st.builds(lambda t, c: {"repeat": {"times": t, "layers": c}}, times, body),
        st.builds(lambda c: {"residual": {"layers": c}}, body),  # one empty branch at most
        st.builds(lambda a, b: {"parallel": {"branches": [a, b], "merge": merge}}, body, branch),
    ]
    if not adding:
        containers.append(st.builds(lambda c: {"group": {"layers": c, "when": False}}, body))
    return st.lists(st.one_of(leaves, *containers), min_size=least, max_size=2)


def bare(item: Any) -> tuple[str, Any]:
    kind = item if isinstance(item, str) else next(iter(item))
    return kind, {} if isinstance(item, str) else item[kind]


def children(item: Any) -> list[Any]:
    kind, body = bare(item)
    if kind == "parallel":
        return [*body["branches"][0], *body["branches"][1]]
    return list(body.get("layers", []))


def weight(item: Any) -> int:
    """The most steps on one path of nested items from `item` (limits.MAX_STEPS): a visit is
    1 (a `when` and its item are one visit), a block use 1 + its arguments."""
    if bare(item)[0] == "b":
        return USE_STEPS
    return 1 + max(map(weight, children(item)), default=0)


def spec_of(items: list[Any]) -> Spec:
    text = HEAD + "blocks: " + json.dumps({"b": BLOCK}) + "\nlayers: " + json.dumps(items)
    return load_spec(text + "\n", "net.yaml")


@given(nested(3))
def test_random_nestings_analyze_or_fail_located(items: list[Any]) -> None:
    try:
        report = analyze(spec_of(items))
    except ConvcostError as e:
        assert e.loc is not None and e.loc.file == "net.yaml", e
        assert re.match(r"net\.yaml:\d+:\d+: ", e.format()), e.format()
        return
    assert len(report.layers) <= MAX_LAYERS


@given(nested(3, adding=True, least=1))
def test_steps_are_at_most_path_weight_times_layers(items: list[Any]) -> None:
    # the budget's guarantee (limits.MAX_STEPS): when every visited item adds a layer and no
    # parallel has two empty branches, a step is charged to the first layer its item adds, a
    # layer gets the steps of at most one path: steps <= weight x layers
    report = analyze(spec_of(items))
    bound = max(map(weight, items)) * len(report.layers)
    assert bound <= 10 * len(report.layers) <= 10 * MAX_LAYERS == MAX_STEPS
    with mock.patch.object(expand, "MAX_STEPS", bound):
        assert analyze(spec_of(items)) == report
