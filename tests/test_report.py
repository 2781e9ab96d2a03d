"""`convcost report`: the page embeds exactly what `analyze -f json` prints, has a row and a
graph node (or its block's) for every layer, stands alone, and its parts are right: the graph's
tree and sums, the formulas with their numbers, the Pareto chart. The browser's side is in
test_browser.py."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from convcost.expand import analyze
from convcost.formulas import lines
from convcost.layers import KINDS, Cost
from convcost.memory import memory
from convcost.render import analyze as analyze_view
from convcost.render import report as view
from convcost.report import run_layer
from convcost.shapes import Shape
from convcost.zoo import load

ROOT = Path(__file__).resolve().parent.parent
ONNX = ROOT / "tests" / "fixtures" / "onnx"
DATA = re.compile(r'<script type="application/json" id="convcost-data">(.*?)</script>', re.S)


def page_data(text: str) -> dict:
    """The data embedded in a page."""
    found = DATA.findall(text)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture
def report(run, tmp_path):
    """Write `convcost report ARGS -o FILE` and return the page's text."""

    def write(*args: str) -> str:
        out = tmp_path / "page.html"
        result = run("report", *args, "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert result.stdout == ""
        return out.read_text(encoding="utf-8")

    return write


CASES = [
    ("mobilenet_v2",),
    ("shufflenet_v2", "--device", "mobile-cpu", "--convention", "ptflops"),
    ("inception_v3", "--set", "resolution=320", "--precision", "fp16"),
    (str(ONNX / "resnet18.ts13.onnx"),),
]


@pytest.mark.parametrize("args", CASES, ids=[a[0].rsplit("/", 1)[-1] for a in CASES])
def test_the_page_embeds_exactly_what_analyze_prints(run, report, args):
    page = report(*args)
    result = run("analyze", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert page_data(page)["analyze"] == json.loads(result.stdout)


@pytest.mark.parametrize("name", ["inception_v3", "shufflenet_v2", "densenet121"])
def test_every_layer_has_a_row_and_one_leaf_and_blocks_sum_their_layers(report, name):
    page = report(name)
    data = page_data(page)
    layers = data["analyze"]["layers"]
    rows = re.findall(r'<tr data-path="([^"]*)" data-index="(\d+)">', page)
    assert [(x["path"], str(i)) for i, x in enumerate(layers)] == rows
    nodes = data["nodes"]
    leaves = sorted(n["layer"] for n in nodes if n["layer"] >= 0)
    assert leaves == list(range(len(layers)))
    for n in nodes:
        if n["layer"] >= 0:
            assert n["path"] == layers[n["layer"]]["path"]
            assert n["children"] == []
        for child in n["children"]:
            assert nodes[child]["parent"] == nodes.index(n)
        under = layers[n["first"] : n["last"] + 1]
        assert n["layers"] == len(under)
        assert n["v"]["macs"] == sum(x["macs"] for x in under)
        assert n["v"]["params"] == sum(x["params"] for x in under)
        assert n["v"]["mem"] == sum(x["mem_access_bytes"] for x in under)
    assert nodes[0]["v"]["macs"] == data["analyze"]["totals"]["macs"]
    assert data["opened"][0] == 0


def test_a_long_list_is_cut_into_runs_and_the_first_graph_stays_small(spec_file):
    n = 2_500
    spec = load(
        spec_file("name: long\ninput: {c: 8, h: 8, w: 8}\nlayers:\n" + "  - conv: {out: 8}\n" * n)
    )
    report = analyze(spec)
    rows = analyze_view.build(report, memory(report)).layers
    nodes = view.tree(report, rows)
    assert max(len(x.children) for x in nodes) <= view.MAX_CHILDREN
    assert sorted(x.layer for x in nodes if x.layer >= 0) == list(range(n))
    assert [nodes[i].path for i in nodes[0].children][:2] == ["[1-1024]", "[1025-2048]"]
    assert nodes[nodes[0].children[0]].layers == 1_024
    opened = view.opened(nodes)
    shown = [i for i, x in enumerate(nodes) if x.parent in opened and i not in opened]
    assert 0 < len(shown) <= view.SHOWN_NODES
    assert nodes[0].cost == report.totals


def test_the_page_stands_alone(report):
    page = report("mobilenet_v2")
    assert "<link" not in page
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", page) is None
    assert "@import" not in page
    assert re.search(r"url\(\s*['\"]?(?:https?:|//)", page) is None
    assert "dagre" in page and "MIT" in page  # the vendored library, credited
    licence = ROOT / "convcost" / "render" / "assets" / "LICENSE-dagre.txt"
    assert "Permission is hereby granted" in licence.read_text(encoding="utf-8")


def test_a_name_cannot_end_the_embedded_data(run, report, spec_file):
    name = "</script><script>alert(1)</script>"
    path = spec_file(
        f"name: n\ninput: {{c: 3, h: 8, w: 8}}\nlayers:\n  - conv: {{out: 4, name: '{name}'}}\n"
    )
    page = report(path)
    data = page_data(page)
    assert data["analyze"]["layers"][0]["path"] == name
    assert "<script>alert(1)" not in page


def test_the_header_names_every_total_and_the_device(report):
    page = report("shufflenet_v2", "--device", "mobile-cpu")
    for label in (
        "MACs",
        "FLOPs",
        "params",
        "activations",
        "memory access",
        "peak activation memory",
        "weights",
        "estimated latency",
    ):
        assert f"<dt>{label}</dt>" in page
    # torchvision ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1.meta num_params, exactly
    assert '<span class="exact">2,278,604</span>' in page
    assert "mobile-cpu" in page


def test_compare_puts_the_others_beside_it(report):
    page = report("mobilenet_v2", "--compare", "vgg16", "--compare", "shufflenet_v2")
    compare = re.search(r'<table class="grid" id="compare-1">.*?</table>', page, re.S)
    assert compare is not None
    for title in ("mobilenet_v2", "vgg16", "shufflenet_v2"):
        assert title in compare.group(0)


def test_the_pareto_chart_marks_this_network_and_the_front():
    from convcost.cache import builtin_report
    from convcost.zoo import builtin, builtin_names

    zoo = [(n, builtin(n), builtin_report(n), None) for n in builtin_names()]
    mine = builtin_report("mobilenet_v2")
    points = view.pareto(mine, builtin("mobilenet_v2"), None, zoo)
    this = [p for p in points if p.this]
    assert len(this) == 1 and this[0].top1 == 72.0  # Sandler et al. 2018, Table 4 (its top1:)
    assert sum(p.label == "mobilenet_v2" for p in points) == 0  # not twice
    placed = [p for p in points if p.top1 is not None]
    for p in placed:  # on the front exactly when nothing is cheaper and more accurate
        beaten = any(
            q.macs <= p.macs
            and (q.top1 or 0) >= (p.top1 or 0)
            and (q.macs, q.top1) != (p.macs, p.top1)
            for q in placed
        )
        assert p.front == (not beaten), p.label


def test_a_network_without_a_published_top1_is_said_so(report):
    page = report("mobilenet_v2", "--set", "width=0.8")
    assert "has no published top-1 at these params" in page


def test_formulas_put_the_layers_numbers_in():
    report = analyze(load("mobilenet_v2"))
    stem = lines(report.layers[0])  # conv 3x3, stride 2: 224x224x3 -> 112x112x32
    assert [x.numbers for x in stem[:2]] == [
        "weights    = 3 * 3 * (3 / 1) * 32",
        "MACs       = weights * 112 * 112",
    ]
    assert stem[1].counts == (("MACs", 3 * 3 * 3 * 32 * 112 * 112),)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kinds_formula_lines_give_its_counts(kind):
    facts = KINDS[kind]
    x = Shape(4, 8, 8)
    layer = run_layer(kind, [x, x] if facts.variadic else [x], facts.example, kind)
    fields = Cost._fields
    for line in lines(layer):
        for name, value in line.counts:
            field = {"MACs": "macs", "FLOPs": "flops"}.get(name, name)
            assert field in fields
            assert value == getattr(layer.cost, field)
        assert line.numbers.split("=", 1)[0] == line.formula.split("=", 1)[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("mobilenet_v2", "-o", "{tmp}/no/such/folder/m.html"), "no/such/folder"),
        (("no_such_net", "-o", "{tmp}/m.html"), "no_such_net"),
        (("mobilenet_v2", "--compare", "no_such_net", "-o", "{tmp}/m.html"), "no_such_net"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(run, tmp_path, args, message):
    result = run("report", *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_is_required(run):
    result = run("report", "mobilenet_v2")
    assert result.exit_code == 2
    assert "--output" in result.stderr


DOC_COMMANDS = [
    (page.name, line)
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for line in re.findall(r"^(?:\$ )?(convcost report [^\n]*)$", page.read_text("utf-8"), re.M)
]


def test_the_docs_show_the_report():
    assert {page for page, _ in DOC_COMMANDS} >= {"README.md", "report.md"}


@pytest.mark.parametrize(("page", "line"), DOC_COMMANDS, ids=[c for _, c in DOC_COMMANDS])
def test_every_report_command_in_the_docs_runs(run, tmp_path, monkeypatch, page, line):
    args = shlex.split(line, comments=True)[2:]
    monkeypatch.chdir(tmp_path)
    for i, a in enumerate(args):
        if a.endswith(".onnx"):
            args[i] = str(ONNX / "resnet18.ts13.onnx")
    result = run("report", *args)
    assert result.exit_code == 0, result.stderr
    written = args[args.index("-o") + 1]
    assert page_data((tmp_path / written).read_text(encoding="utf-8"))["analyze"]["layers"]
