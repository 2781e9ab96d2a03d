"""The spec language: features, and every bad input -> one located message, exit status 2."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from convcost.expand import analyze, published_top1
from convcost.spec import load_spec

HEAD = """\
name: t
input: {c: 3, h: 32, w: 32}
"""


def net(body: str, head: str = HEAD) -> str:
    return head + textwrap.dedent(body)


def failing(run, *args: str) -> str:
    """Run the CLI, expect exit 2 and one message on stderr without a traceback."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result.stderr


def costs(text: str, **overrides: str):
    return analyze(load_spec(text, "t.yaml"), overrides)


# -- features -----------------------------------------------------------------------------


def test_defaults_sugar_and_paths():
    r = costs(
        net("""
        defaults:
          conv: {bn: true, act: relu6}
        layers:
          - conv: {out: 8, k: 3, stride: 2, name: stem}
          - conv: {out: 16, act: none}
          - conv: {out: 16, bn: false}
        """)
    )
    assert [x.path for x in r.layers] == [
        "stem",
        "stem+bn",
        "stem+relu6",
        "conv1",
        "conv1+bn",
        "conv2",
        "conv2+relu6",
    ]
    assert r.layers[0].out.hwc() == [16, 16, 8]


def test_blocks_args_defaults_and_C():
    r = costs(
        net("""
        blocks:
          pair:
            args: {out: required, mid: out // 2, c_in: C}
            layers:
              - conv: {out: mid, name: a}
              - conv: {out: out + c_in, name: b}
        layers:
          - pair: {out: 8}
          - pair: {out: 4, name: second}
        """)
    )
    assert [(x.path, x.out.c) for x in r.layers] == [
        ("pair.a", 4),
        ("pair.b", 11),
        ("second.a", 2),
        ("second.b", 15),
    ]


def test_repeat_index_group_and_numbering():
    r = costs(
        net("""
        layers:
          - group:
              name: stage
              layers:
                - repeat:
                    name: unit
                    times: 3
                    layers:
                      - conv: {out: 8, stride: "2 if i == 0 else 1", k: 3}
          - repeat:
              times: 2
              layers: [relu, {conv: {out: 8}}]
        """)
    )
    paths = [x.path for x in r.layers]
    assert paths[:3] == ["stage.unit1", "stage.unit2", "stage.unit3"]
    assert r.layers[0].out.h == 16 and r.layers[1].out.h == 16
    assert paths[3:] == ["repeat1.relu", "repeat1.conv", "repeat2.relu", "repeat2.conv"]


def test_parallel_split_residual_and_mul():
    r = costs(
        net("""
        layers:
          - conv: {out: 8}
          - parallel:
              split: true
              merge: concat
              branches:
                - []
                - [conv: {out: C}]
          - residual:
              layers: [conv: {out: 8, k: 3}]
          - parallel:
              merge: mul
              branches:
                - []
                - [gap, fc: {out: 8}, sigmoid]
        """)
    )
    kinds = [(x.path, x.kind) for x in r.layers]
    assert kinds[1:5] == [
        ("parallel1.b1.split", "split"),
        ("parallel1.b2.split", "split"),
        ("parallel1.b2.conv", "conv"),
        ("parallel1.concat", "concat"),
    ]
    assert ("residual.add", "add") in kinds
    assert r.layers[-1].kind == "mul" and r.layers[-1].out.hwc() == [32, 32, 8]


def test_params_tables_and_overrides():
    text = net(
        """
        params: {width: 1.0, table: {1: 8, 2: 16}, g: 1}
        layers:
          - conv: {out: "int(table[g] * width)"}
        """,
        head=HEAD.replace("32, w: 32", "res, w: res") + "",
    ).replace("input:", "params_placeholder:")
    text = (
        "name: t\nparams: {width: 1.0, res: 32, table: {1: 8, 2: 16}, g: 1}\n"
        'input: {c: 3, h: res, w: res}\nlayers:\n  - conv: {out: "int(table[g] * width)"}\n'
    )
    assert costs(text).layers[0].out.hwc() == [32, 32, 8]
    assert costs(text, g="2", width="0.5", res="16").layers[0].out.hwc() == [16, 16, 8]
    assert costs(text, width="3/4").layers[0].out.c == 6


TOP1 = (
    "name: t\nparams: {width: 1.0, res: 32}\ninput: {c: 3, h: res, w: res}\n"
    "top1:\n"
    "  - {value: 70.6, source: Table 8}\n"
    "  - {value: 68.4, source: Table 6, at: {width: 0.75}}\n"
    "  - {value: 64, source: Table 7, at: {width: 0.75, res: 16}}\n"
    'layers:\n  - conv: {out: "int(8 * width)"}\n'
)


def test_top1_is_found_for_exactly_the_params_it_was_published_at():
    spec = load_spec(TOP1, "t.yaml")
    assert [(t.value, t.source, t.where()) for t in spec.top1] == [
        (70.6, "Table 8", "defaults"),
        (68.4, "Table 6", "width=0.75"),
        (64.0, "Table 7", "width=0.75, res=16"),
    ]

    def found(**sets: str) -> float | None:
        t = published_top1(spec, analyze(spec, sets).params)
        return None if t is None else t.value

    assert found() == found(width="1") == 70.6
    assert found(width="3/4") == 68.4  # the same params, written differently
    assert found(width="0.75", res="16") == 64.0
    assert found(width="0.5") is None and found(res="16") is None  # not published
    one = load_spec(HEAD + "top1: {value: 70.6, source: Table 8}\nlayers: [relu]\n", "t.yaml")
    assert [t.value for t in one.top1] == [70.6]  # one mapping, not a list


# -- bad input: each names file, line and layer, exits 2 ----------------------------------------


def test_missing_file(run):
    assert "cannot read nope.yaml: no such file" in failing(run, "analyze", "nope.yaml")


def test_directory_and_binary_file(run, tmp_path):
    assert "is a directory" in failing(run, "analyze", str(tmp_path) + "/")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in failing(run, "analyze", str(tmp_path / "bin.yaml"))


def test_unknown_network_suggests(run):
    err = failing(run, "analyze", "mobilenet_v")
    assert "unknown network 'mobilenet_v'" in err
    assert "(did you mean " in err and "'mobilenet_v1'" in err


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "name: t\ninput: {c: 3, h: 32, w: 32}\nlayers:\n  - conv: {out: [1, 2}\n",
            4,
            "YAML syntax error",
        ),
        ("", 1, "the spec is empty"),
        ("- conv\n", 1, "the spec must be a mapping"),
        ("name: t\ninput: {c: 3, h: 32, w: 32}\n", 1, "the spec needs 'layers'"),
        (HEAD + "layers:\n  - convv: {out: 8}\n", 4, "unknown layer kind 'convv' (did you mean"),
        (
            HEAD + "layers:\n  - conv: {out: 8, kernel: 3}\n",
            4,
            "unknown argument 'kernel' for 'conv'",
        ),
        (HEAD + "layers:\n  - conv: {k: 3}\n", 4, "'conv' needs 'out'"),
        (HEAD + "layers:\n  - conv: {out: 8, out: 9}\n", 4, "duplicate key 'out'"),
        (HEAD + "layers:\n  - conv: {out: widht}\n", 4, "unknown name 'widht'"),
        (HEAD + "layers:\n  - conv: {out: 2.5}\n", 4, "out must be a whole number, got 2.5"),
        (HEAD + "layers:\n  - conv: {out: 0}\n", 4, "out must be at least 1, got 0"),
        (HEAD + "layers:\n  - conv: {out: 8, bias: 3}\n", 4, "'bias' must be true or false"),
        (
            HEAD + "layers:\n  - conv: {out: 8}\n  - conv: {out: 9, groups: 3}\n",
            5,
            "conv2: groups (3) must divide input channels (8)",
        ),
        (HEAD + "layers:\n  - conv: {out: 8, k: 40, pad: 0}\n", 4, "does not fit input size 32"),
        (
            HEAD + "layers:\n  - residual:\n      layers: [conv: {out: 9}]\n",
            4,
            "residual.add: add needs equal shapes",
        ),
        (
            HEAD + "layers:\n  - parallel:\n      merge: concat\n      branches:\n        - []\n"
            "        - [maxpool: {k: 2}]\n",
            4,
            "parallel.concat: concat needs equal H and W",
        ),
        (
            HEAD + "layers:\n  - parallel: {merge: sum, branches: [[], []]}\n",
            4,
            "merge must be one of add, mul, concat",
        ),
        (
            HEAD + "layers:\n  - repeat: {times: 0, layers: [relu]}\n",
            4,
            "times must be from 1 to 100,000, got 0",
        ),
        (HEAD + "layers:\n  - conv: &a {out: 8}\n  - conv: *a\n", 4, "aliases"),
        (HEAD + "layers:\n  - conv: {out: 8, act: tanh}\n", 4, "unknown activation 'tanh'"),
        # found by the fuzzer: a list where an activation name belongs
        (HEAD + "layers:\n  - fc: {out: 1, act: [3, 1]}\n", 4, "unknown activation [3, 1]"),
        (HEAD + "layers:\n  - fc: {out: 1, act: 3}\n", 4, "unknown activation 3"),
        (
            HEAD + "blocks:\n  b:\n    args: {out: required}\n    layers: [conv: {out: out}]\n"
            "layers:\n  - b: {}\n",
            8,
            "block 'b' needs 'out'",
        ),
        (
            HEAD + "blocks:\n  b:\n    layers: [conv: {out: 8}]\nlayers:\n  - b: {ot: 3}\n",
            7,
            "unknown argument 'ot' for block 'b'",
        ),
        (HEAD + "blocks:\n  b:\n    layers: [b]\nlayers:\n  - b\n", 5, "block 'b' uses itself"),
        (
            HEAD + 'layers:\n  - conv: {out: "max(8, C)", k: 3}\n  - relu: {x: 1}\n',
            5,
            "'relu' takes no arguments",
        ),
        ("name: t\ninput: {c: 3, h: 0, w: 32}\nlayers: [relu]\n", 2, "input must be at least"),
        ("name: t\nlayer: []\ninput: {c: 3, h: 3, w: 3}\n", 2, "unknown key 'layer'"),
        (HEAD + "top1: {value: 0, source: s}\nlayers: [relu]\n", 3, "top1 value 0 is not in"),
        (HEAD + "top1: {value: '70', source: s}\nlayers: [relu]\n", 3, "must be a number"),
        (HEAD + "top1: {value: true, source: s}\nlayers: [relu]\n", 3, "must be a number"),
        (HEAD + "top1: {value: 70}\nlayers: [relu]\n", 3, "top1 needs 'source'"),
        (HEAD + "top1: {value: 70, source: 3}\nlayers: [relu]\n", 3, "source must be a text"),
        (HEAD + "top1: {value: 70, source: s, crop: 1}\nlayers: [relu]\n", 3, "unknown key 'crop'"),
        (HEAD + "top1: 70\nlayers: [relu]\n", 3, "top1 must be a mapping"),
        (HEAD + "top1: [70]\nlayers: [relu]\n", 3, "a top1 entry must be a mapping"),
        (
            HEAD + "top1: {value: 70, source: s, at: {width: 1}}\nlayers: [relu]\n",
            3,
            "unknown param 'width' in top1 at",
        ),
        (
            HEAD + "top1: [{value: 70, source: s}, {value: 71, source: t}]\nlayers: [relu]\n",
            3,
            "a second top1 entry for the same params (first: line 3)",
        ),
    ],
)
def test_bad_spec(run, spec_file, text, line, message):
    path = spec_file(text)
    err = failing(run, "analyze", path)
    first = err.splitlines()[0]
    assert first.startswith(f"error: {path}:{line}:"), err
    assert message in err, err


def test_flow_mapping_comma_hint(run, spec_file):
    err = failing(run, "analyze", spec_file(HEAD + "layers:\n  - conv: {out: max(8, C)}\n"))
    assert "quote expressions" in err


def test_error_inside_block_names_the_use_site(run, spec_file):
    path = spec_file(
        HEAD + "blocks:\n  b:\n    layers:\n      - conv: {out: 8, groups: 5}\n"
        "layers:\n  - b: {name: first}\n"
    )
    err = failing(run, "analyze", path)
    assert err.startswith(f"error: {path}:6:") and "first.conv: groups (5)" in err
    assert f"in block 'b' used at {path}:8:5" in err
    assert "   6 |       - conv: {out: 8, groups: 5}" in err  # the source line, with a caret


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["--set", "widht=0.5"], "unknown param 'widht' for mobilenet_v1 (did you mean 'width'?)"),
        (["--set", "width"], "expected NAME=VALUE"),
        (["--set", "width="], "expected NAME=VALUE"),
        (["--set", "width=abc"], "unknown name 'abc'"),
        (["--set", "resolution=0"], "must be at least"),
        (["--set", "width=0.01"], "out must be at least 1, got 0"),
    ],
)
def test_bad_set(run, sets, message):
    assert message in failing(run, "analyze", "mobilenet_v1", *sets)


def test_too_small_input_for_the_network(run):
    # VGG16's five 2x2 pools need at least 32 px: at 16 the fifth pool has no window
    assert "block5.maxpool: kernel 2" in failing(run, "analyze", "vgg16", "--set", "resolution=16")


def test_set_names_the_spec_line_of_a_bad_lookup(run):
    # g=5 is not in ShuffleNet v1's Table 1: the error points at the lookup in the spec
    err = failing(run, "analyze", "shufflenet_v1", "--set", "groups=5")
    assert err.startswith("error: builtin:shufflenet_v1.yaml:") and "no entry 5" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "vgg16", "--format", "xml"], "xml"),  # click's usage error: names the value
        (["layer", "conv", "--in", "64x64", "--out", "4"], "bad shape '64x64': expected HxWxC"),
        (["layer", "conv", "--in", "0x64x3", "--out", "4"], "at least 1"),
        (["layer", "conv", "--in", "64x64x3"], "needs --out"),
        (
            ["layer", "pw", "--in", "64x64x3", "--out", "4", "-k", "3"],
            "pointwise convolution is 1x1",
        ),
        (["layer", "dw", "--in", "64x64x3", "--out", "4"], "keeps its 3 input channels"),
        (["layer", "conv", "--in", "64x64x3", "--out", "4", "-g", "2"], "groups (2) must divide"),
        (["compare", "vgg16@width=2"], "unknown param 'width' for vgg16"),
        (["compare", "vgg16@width"], "expected NAME@KEY=VALUE"),
    ],
)
def test_bad_arguments(run, args, message):
    assert message in failing(run, *args)


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["analyze", "vgg16", "--format", "xml"], "--format", "xml"),
        (["analyze", "vgg16", "--precision", "fp64"], "--precision", "fp64"),
        (["analyze", "vgg16", "--by", "network"], "--by", "network"),
        (["analyze", "vgg16", "--depth", "0"], "--depth", "0"),
        (["analyze", "vgg16", "--nosuch"], "--nosuch", ""),
        (["layer", "conv", "--out", "4"], "--in", ""),
    ],
)
def test_usage_errors_name_the_option(run, args, option, value):
    # click words these (and rewords them between versions); the contract is exit 2, no
    # traceback, and a message that names the option and the value given
    err = failing(run, *args)
    assert option in err and value in err


def test_json_of_a_good_spec_round_trips(run, spec_file):
    path = spec_file(HEAD + "layers:\n  - conv: {out: 8, k: 3}\n")
    data = json.loads(run("analyze", path, "-f", "json").stdout)
    assert data["layers"][0]["line"] == 4 and data["totals"]["macs"] == 32 * 32 * 8 * 27


def test_when_includes_an_item_only_if_true():
    r = costs(
        net("""
        blocks:
          unit:
            args: {out: required, stride: 1, res: "stride == 1 and C == out"}
            layers:
              - residual: {when: res, layers: [conv: {out: out, k: 3, name: body}]}
              - conv: {out: out, k: 3, stride: stride, name: body, when: not res}
        layers:
          - unit: {out: 3}
          - unit: {out: 8}
          - unit: {out: 8, stride: 2}
        """)
    )
    assert [x.path for x in r.layers] == ["unit1.b2.body", "unit1.add", "unit2.body", "unit3.body"]
    assert r.layers[-1].out.hwc() == [16, 16, 8]


def test_shortcut_when_keeps_the_body_and_drops_only_the_shortcut():
    r = costs(
        net("""
        blocks:
          unit:
            args: {out: required, stride: 1}
            layers:
              - residual:
                  shortcut_when: stride == 1 and C == out
                  shortcut: [conv: {out: out, name: proj, when: C != out}]
                  layers: [conv: {out: out, k: 3, stride: stride, name: body}]
        layers:
          - unit: {out: 3}
          - unit: {out: 8}
          - unit: {out: 8, stride: 2}
          - residual: {shortcut_when: C == 4, name: res, layers: [relu]}
        """)
    )
    # the body written once: with the add when the condition holds, alone where it does not
    assert [x.path for x in r.layers] == [
        "unit1.b2.body",
        "unit1.add",
        "unit2.body",
        "unit3.body",
        "res.relu",
    ]
    assert r.layers[3].out.hwc() == [16, 16, 8]
    same = costs(net("layers:\n  - residual: {shortcut_when: true, layers: [relu]}\n"))
    plain = costs(net("layers:\n  - residual: {layers: [relu]}\n"))
    assert same == plain


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "  - residual: {shortcut_when: 2, layers: [relu]}\n",
            "shortcut_when must be true or false, got 2",
        ),
        ("  - residual: {shortcut_when: C >, layers: [relu]}\n", "cannot parse expression"),
        ("  - parallel: {shortcut_when: true, merge: add, branches: [[], []]}\n", "shortcut_when"),
    ],
)
def test_shortcut_when_errors_are_located(run, spec_file, body, message):
    err = failing(run, "analyze", spec_file(HEAD + "layers:\n" + body))
    assert message in err and ":4:" in err


def test_when_must_be_boolean(run, spec_file):
    path = spec_file(HEAD + "layers:\n  - conv: {out: 8, when: 3}\n")
    assert "when must be true or false, got 3" in failing(run, "analyze", path)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("  - repeat: {times: 2, when: widht > 1, layers: [relu]}\n", 4, "unknown name 'widht'"),
        ("  - residual: {when: 1 +, layers: [relu]}\n", 4, "cannot parse expression"),
        ("  - gap: {when: [1, 2]}\n", 4, "when must be true or false"),
    ],
)
def test_when_errors_are_located(run, spec_file, body, line, message):
    path = spec_file(HEAD + "layers:\n" + body)
    err = failing(run, "analyze", path)
    assert err.startswith(f"error: {path}:{line}:") and message in err


EXCHANGE = Path(__file__).resolve().parent.parent / "examples" / "hrnet_exchange.yaml"


def test_from_reads_earlier_outputs_by_name_an_hrnet_style_exchange():
    r = costs(EXCHANGE.read_text(encoding="utf-8"))
    at = {x.path: i for i, x in enumerate(r.layers)}
    src = {
        x.path: tuple(r.layers[s].path if s >= 0 else "input" for s in x.sources) for x in r.layers
    }
    assert src["stem"] == ("input",)
    assert src["s2"] == ("stem+relu",)  # from: stem, not the s1 before it
    assert src["x1.conv1"] == ("s1+relu",) and src["x2.conv1"] == ("s2+relu",)
    assert src["y1"] == ("x1.conv2+relu", "up.upsample")  # the two streams, fused
    assert src["y2"] == ("x2.conv2+relu", "down.conv+bn")
    assert src["fuse"] == ("y1", "y2up") and src["gap"] == ("fuse",)
    assert r.layers[at["fuse"]].out.hwc() == [32, 32, 48]
    # by hand: s2 is a 3x3 conv of stem's 32x32x32 to 16x16x32: 16 * 16 * 32 * 32 * 9 MACs
    assert r.layers[at["s2"]].cost.macs == 2_359_296
    # the peak: at the concat, y1 (32x32x16) is still live beside y2up (32x32x32) and the
    # concat's output (32x32x48): 16,384 + 32,768 + 49,152 elements
    from convcost.memory import peak_activations

    assert peak_activations(r) == (98_304, at["fuse"])


def test_from_names_are_scoped_to_their_list_and_its_enclosing_ones():
    r = costs(
        net("""
        blocks:
          tail:
            layers: [conv: {out: 4, from: head}]   # a block sees the names where it is used
        layers:
          - conv: {out: 8, name: head}
          - repeat:
              times: 2
              layers: [conv: {out: 5, name: head}, relu: {from: head}]
          - tail
          - conv: {out: 6, from: input}
        """)
    )
    src = {
        x.path: tuple(r.layers[s].path if s >= 0 else "input" for s in x.sources) for x in r.layers
    }
    assert src["repeat1.relu"] == ("repeat1.head",) and src["repeat2.relu"] == ("repeat2.head",)
    assert src["tail.conv"] == ("head",)  # the repeat's heads are not seen outside it
    assert src["conv"] == ("input",)
    assert r.layers[-1].inputs[0].hwc() == [32, 32, 3]


@pytest.mark.parametrize(
    "body, message",
    [
        ("  - conv: {out: 8, name: a}\n  - relu: {from: b}\n", "unknown input 'b' in from"),
        ("  - conv: {out: 8, name: stream}\n  - relu: {from: steam}\n", "did you mean 'stream'"),
        (
            "  - conv: {out: 8, name: a}\n  - relu: {from: [a, a]}\n",
            "from: gives 2 inputs, and 'relu' takes one",
        ),
        (
            "  - conv: {out: 8, name: a}\n  - group: {from: [a, a], layers: [relu]}\n",
            "this item takes one",
        ),
        ("  - conv: {out: 8, name: a}\n  - relu: {from: 3}\n", "a name in from must be a text"),
        ("  - conv: {out: 8, name: a}\n  - relu: {from: []}\n", "from: needs at least one name"),
        ("  - conv: {out: 8, name: a}\n  - add: {from: [a, input]}\n", "add needs equal shapes"),
    ],
)
def test_from_errors_are_located(run, spec_file, body, message):
    err = failing(run, "analyze", spec_file(HEAD + "layers:\n" + body))
    assert message in err and ":5:" in err


def test_expanded_layers_keep_every_field_their_formula_gave():
    """expand builds each layer anew from run_layer's (path, line, sources, branch and torch
    are its own): no other field is lost, whatever fields LayerCost gains."""
    from convcost.report import run_layer
    from convcost.zoo import load

    own = {"path", "line", "sources", "branch", "torch"}
    for name in ("shufflenet", "shufflenet_v2", "inception_v3", "convnext_tiny"):
        report = analyze(load(name))
        for x in report.layers:
            shapes = [report.layers[i].out if i >= 0 else report.input for i in x.sources]
            fresh = run_layer(x.kind, shapes, x.args, x.path)._asdict()
            mine = x._asdict()
            assert {k: mine[k] for k in fresh if k not in own} == {
                k: v for k, v in fresh.items() if k not in own
            }, x.path
