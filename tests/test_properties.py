"""Properties that must hold for every input (hypothesis)."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcost.calculator import LayerOptions, compare_separable
from convcost.errors import ConvcostError
from convcost.expand import analyze
from convcost.layers import KINDS, Cost
from convcost.report import Report
from convcost.shapes import Shape, out_size
from convcost.spec import load_spec
from convcost.zoo import builtin, builtin_names

sizes = st.integers(1, 64)


@given(
    h=sizes,
    w=sizes,
    m=st.integers(1, 256),
    n=st.integers(1, 256),
    k=st.sampled_from([1, 3, 5, 7]),
    stride=st.integers(1, 3),
)
def test_separable_ratio_is_one_over_n_plus_one_over_k2(h, w, m, n, k, stride):
    # MobileNet v1, Sec. 3.1: (K^2 M D^2 + M N D^2) / (K^2 M N D^2) = 1/N + 1/K^2, exactly
    c = compare_separable(Shape(m, h, w), LayerOptions(out=n, k=k, stride=stride))
    assert c.macs_ratio == c.formula == Fraction(1, n) + Fraction(1, k * k)
    assert c.params_ratio == c.formula  # no bias, no batch norm


@given(
    size=st.integers(1, 100),
    k=st.integers(1, 9),
    stride=st.integers(1, 4),
    pad=st.integers(0, 4),
    dilation=st.integers(1, 3),
)
def test_out_size_counts_window_positions(size, k, stride, pad, dilation):
    span = dilation * (k - 1) + 1
    positions = len(range(0, size + 2 * pad - span + 1, stride))
    if positions == 0:
        return
    assert out_size(size, k, stride, pad, dilation) == positions


@given(
    c=st.integers(1, 16),
    g=st.integers(1, 8),
    o=st.integers(1, 16),
    hw=sizes,
    k=st.sampled_from([1, 3]),
)
def test_groups_divide_macs_and_params(c, g, o, hw, k):
    dense = KINDS["conv"].apply([Shape(c * g, hw, hw)], {"out": o * g, "k": k})
    grouped = KINDS["conv"].apply([Shape(c * g, hw, hw)], {"out": o * g, "k": k, "groups": g})
    assert grouped.cost.macs * g == dense.cost.macs
    assert grouped.cost.params * g == dense.cost.params


def _sum(costs) -> Cost:
    total = Cost()
    for c in costs:
        total += c
    return total


def check_additive(r: Report) -> None:
    assert r.totals == _sum(x.cost for x in r.layers) == _sum(r.by_category().values())
    for depth in (1, 2, 3):
        assert _sum(r.by_block(depth).values()) == r.totals
    for x in r.layers:
        assert all(isinstance(v, int) and v >= 0 for v in vars_of(x.cost))


def vars_of(cost: Cost) -> list[int]:
    return [cost.macs, cost.flops, cost.params, cost.activations, cost.mem_access]


@settings(deadline=None)
@given(width=st.sampled_from([0.25, 0.5, 0.75, 1.0]), resolution=st.integers(32, 256))
def test_mobilenet_additive_and_monotone(width, resolution):
    spec = builtin("mobilenet_v1")
    r = analyze(spec, {"width": str(width), "resolution": str(resolution)})
    check_additive(r)
    wider = analyze(spec, {"width": str(width + 0.25), "resolution": str(resolution)})
    assert wider.totals.macs >= r.totals.macs and wider.totals.params >= r.totals.params
    bigger = analyze(spec, {"width": str(width), "resolution": str(resolution + 32)})
    assert bigger.totals.macs >= r.totals.macs and bigger.totals.params == r.totals.params


@settings(deadline=None)
@given(groups=st.sampled_from([1, 2, 3, 4, 8]), resolution=st.integers(32, 320))
def test_shufflenets_additive(groups, resolution):
    check_additive(
        analyze(builtin("shufflenet_v1"), {"groups": str(groups), "resolution": str(resolution)})
    )
    check_additive(analyze(builtin("shufflenet_v2"), {"resolution": str(resolution)}))


# -- fuzz: random small specs analyse cleanly or fail with a located ConvcostError -----------------

ARG_VALUES = st.one_of(
    st.integers(-1, 12),
    st.integers(1, 64),
    st.integers(1, 8),
    st.integers(1, 3),
    st.sampled_from(
        [
            "C",
            "C // 2",
            "2 * C",
            "x",
            "1.5",
            "C / 0",
            "relu",
            True,
            None,
            1.5,
            [3, 1],
            [1, 2, 3],
            "hswish",
            "none",
        ]
    ),
)
LAYER_KINDS = sorted(k for k in KINDS if k not in ("add", "mul", "concat"))  # merges: parallel
SUGAR = ("bn", "act")


class NoAliasDumper(yaml.SafeDumper):
    """Write repeated objects out in full (specs refuse YAML aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def layer_of(kind: str) -> st.SearchStrategy[Any]:
    """One layer of `kind`: its required args usually given, some optional ones, rare typos."""
    required = [a for a, arg in KINDS[kind].args.items() if arg.required]
    optional = [a for a, arg in KINDS[kind].args.items() if not arg.required]
    optional += list(SUGAR) if KINDS[kind].sugar else []
    keys = st.lists(st.sampled_from(optional), max_size=2) if optional else st.just([])
    typo = st.sampled_from([[]] * 19 + [["bogus"]])
    drop = st.sampled_from([[]] * 9 + [required[:1]])

    def build(extra: list[str], bad: list[str], dropped: list[str], values: list[Any]) -> Any:
        names = [a for a in required if a not in dropped] + extra + bad
        args = dict(zip(names, values, strict=False))
        return {kind: args} if args else kind

    return st.builds(build, keys, typo, drop, st.lists(ARG_VALUES, min_size=6, max_size=6))


def items(depth: int = 0) -> st.SearchStrategy[list[Any]]:
    """Random layer lists: mostly plausible layers, some nesting, some mistakes."""
    layer = st.sampled_from(LAYER_KINDS).flatmap(layer_of)
    if depth >= 2:
        return st.lists(layer, min_size=1, max_size=4)
    inner = st.deferred(lambda: items(depth + 1))
    nested = st.one_of(
        st.builds(
            lambda m, b, split: {"parallel": {"merge": m, "split": split, "branches": [[], b]}},
            st.sampled_from(["add", "concat", "mul"]),
            inner,
            st.booleans(),
        ),
        st.builds(lambda t, b: {"repeat": {"times": t, "layers": b}}, st.integers(0, 3), inner),
        st.builds(lambda b: {"residual": {"layers": b}}, inner),
    )
    return st.lists(st.one_of(layer, layer, layer, nested), min_size=1, max_size=4)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers=items(), c=st.integers(1, 8), hw=st.integers(1, 16))
def test_random_specs_never_crash(layers, c, hw):
    spec = {"name": "fuzz", "input": {"c": c, "h": hw, "w": hw}, "layers": layers}
    text = yaml.dump(spec, Dumper=NoAliasDumper, sort_keys=False)
    try:
        r = analyze(load_spec(text, "fuzz.yaml"))
    except ConvcostError as e:
        assert e.loc is not None, (text, e.format())
        assert e.loc.line <= text.count("\n"), (text, e.format())
        return
    check_additive(r)
    render_everything(r)


# -- fuzz: mutations of every built-in spec, through every renderer ------------------------------

REPLACEMENTS = ["0", "-1", "1.5", "x", "null", "10**30", "[1, 2]", "1e308", "true", "''", "{}"]


@st.composite
def mutated_builtin(draw: st.DrawFn) -> tuple[str, str]:
    """A built-in spec with one to three lines deleted, duplicated, re-indented, a number
    replaced by something hostile, or an anchor and alias added."""
    name = draw(st.sampled_from(builtin_names()))
    lines = builtin(name).text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "number", "alias"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i]
        elif op == "number":
            numbers = re.findall(r"\b\d+\b", lines[i])
            if numbers:
                old = draw(st.sampled_from(numbers))
                lines[i] = lines[i].replace(old, draw(st.sampled_from(REPLACEMENTS)), 1)
        else:
            lines[i] = re.sub(r"^(\s*- \w+:) ", r"\1 &a ", lines[i], count=1)
            lines.insert(draw(st.integers(i, len(lines))), "  - *a")
        if not lines:
            lines = ["x"]
    return name, "\n".join(lines) + "\n"


def render_everything(report: Report) -> None:
    """Every renderer on a report: JSON must round-trip, the rest must not raise."""
    import io

    from convcost.latency import load_device, timing
    from convcost.memory import memory
    from convcost.render import advise, analyze, backends, table

    mem = memory(report)
    for by in ("layer", "category", "block"):
        view = analyze.build(report, mem, by, 2, timing(report, load_device("gpu"), "fp32", by, 2))
        data = json.loads(view.json())
        assert data["totals"]["macs"] == report.totals.macs
        view.csv()
        backends.markdown(view.grids()[0])
    table.print_table(analyze.build(report, mem).grids()[0], file=io.StringIO())
    json.loads(advise.build(report).json())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_builtin())
def test_mutated_builtins_never_crash(case):
    name, text = case
    try:
        report = analyze(load_spec(text, f"{name}.yaml"))
    except ConvcostError as e:
        assert e.loc is not None, (text, e.format())
        return
    check_additive(report)
    render_everything(report)
