"""Hostile specs and params (issue 13): YAML tags, merge keys, aliases in tables, number forms
YAML 1.1 reads otherwise, non-finite and huge numbers, params of the wrong type, every AST node
type and every function's arguments. Each spec is analyzed, or refused with one located error
(exit 2 on the command line), in bounded time, and no message echoes an unbounded value."""

from __future__ import annotations

import ast
import itertools
import json
import math
import subprocess
import sys
import time
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import convcost
from convcost.api import Report
from convcost.errors import ConvcostError
from convcost.expand import analyze, resolve_params
from convcost.expr import MAX_MAGNITUDE, ExprError, evaluate
from convcost.spec import load_spec
from convcost.zoo import builtin

HEAD = "name: t\ninput: {c: 3, h: 8, w: 8}\n"
LONGEST_LINE = 300  # no line of a message is longer: values are echoed cut to ~100 characters


def cli(*args: str, stdin: str | None = None, timeout: float = 20) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, so that a hang fails the test instead of stalling it."""
    return subprocess.run(
        [sys.executable, "-m", "convcost", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def exit2(*args: str, stdin: str | None = None) -> str:
    """Run the CLI; expect exit 2, no traceback and short lines; return stderr."""
    result = cli(*args, stdin=stdin)
    assert result.returncode == 2, (result.stdout[:500], result.stderr[:2000])
    assert "Traceback" not in result.stderr, result.stderr[:2000]
    assert len(result.stderr) < 2000, result.stderr[:2000]
    assert result.stderr.startswith("error: "), result.stderr[:2000]
    return result.stderr


def refused(text: str, message: str = "", line: int | None = None) -> ConvcostError:
    """`text` is refused with a ConvcostError located in t.yaml (at `line` if given), whose
    message contains `message`, and whose formatted lines are all short."""
    with pytest.raises(ConvcostError) as info:
        analyze(load_spec(text, "t.yaml"))
    e = info.value
    assert e.loc is not None and e.loc.file == "t.yaml", e.format()
    if line is not None:
        assert e.loc.line == line, e.format(text)
    assert message in e.message, e.format(text)
    assert all(len(x) <= LONGEST_LINE for x in e.format(text).splitlines()), e.format(text)
    return e


# -- expressions: hangs and the ~ operator --------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["round(1,-10**9)", "round(1, -10**7)", "round(64, -10**9)", "~1", "1 + ~1"]
)
def test_set_values_that_hung_or_crashed(value):
    # round(1, -10**9) built 10**(10**9) (-10**7 alone took 20 s); ~ raised a KeyError
    err = exit2("analyze", "mobilenet_v1", "--set", f"width={value}")
    assert err.startswith(f"error: --set width={value}: in expression "), err


def test_round_with_a_huge_ndigits_in_a_spec_and_through_the_api():
    path_spec = HEAD + 'layers:\n  - conv: {out: "round(8, -10**9)"}\n'
    err = exit2("analyze", "-", stdin=path_spec)
    assert err.startswith("error: <stdin>:4:17: out: in expression 'round(8, -10**9)': round()")
    code = "import convcost; convcost.analyze('mobilenet_v1', width='round(1, -10**9)')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20
    )
    assert "ConvcostError" in result.stderr or "SpecError" in result.stderr, result.stderr[-500:]
    assert "ndigits" in result.stderr


@pytest.mark.parametrize("out", ['"~8"', '"-~8"', '"~C"', '"not ~C"'])
def test_invert_in_a_spec_is_located(out):
    refused(HEAD + f"layers:\n  - conv: {{out: {out}}}\n", "operator '~", line=4)


# every concrete node class Python can put in an expression (mode='eval'), with a sample
SAMPLES = {
    "BoolOp And": "1 and 2",
    "BoolOp Or": "0 or 2",
    "NamedExpr": "(x := 1)",
    "BinOp": "1 + 2 - 3 * 4 / 5 // 6 % 7 ** 2",
    "BinOp bits": "1 | 2 ^ 3 & 4 << 1 >> 1",
    "MatMult": "a @ b",
    "UnaryOp": "-1 + +2",
    "Invert": "~1",
    "Not": "not 0",
    "Lambda": "lambda x, *a, y=1, **k: x",
    "IfExp": "1 if 2 else 3",
    "Dict": "{1: 2}",
    "Set": "{1, 2}",
    "ListComp": "[x for x in y if x]",
    "SetComp": "{x for x in y}",
    "DictComp": "{x: 1 for x in y}",
    "GeneratorExp": "max(x for x in y)",
    "Await": "await x",
    "Yield": "(yield 1)",
    "YieldFrom": "(yield from x)",
    "Compare": "1 == 2 != 3 < 4 <= 5 > 6 >= 7",
    "Compare identity": "1 is 2",
    "Compare is not": "1 is not 2",
    "Compare membership": "1 in t",
    "Compare not in": "1 not in t",
    "Call": "max(1, 2)",
    "Call keywords": "max(1, key=2)",
    "Call starred": "max(*t)",
    "Call kwargs": "max(**t)",
    "FormattedValue": "f'{width!r:>10}'",
    "Constant": "'text'",
    "Constant bytes": "b'x'",
    "Constant None": "None",
    "Constant Ellipsis": "...",
    "Constant complex": "1j",
    "Attribute": "width.real",
    "Subscript": "t[3]",
    "Slice": "t[1:2:3]",
    "Starred": "[*t]",
    "Name": "width",
    "List": "[1, 2]",
    "Tuple": "(1, 2)",
    "Tuple index": "t[1, 2]",
}


def _eval_node_classes() -> set[type]:
    """Node classes an expression can hold: expressions, operators, and the parts of
    comprehensions, lambdas and calls (the deprecated Num, Str, ... aliases left out)."""
    kinds = (ast.expr, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    classes = {c for k in kinds for c in k.__subclasses__()}
    return classes | {ast.comprehension, ast.arguments, ast.arg, ast.keyword}


def test_every_node_class_is_evaluated_or_refused():
    seen = {type(n) for text in SAMPLES.values() for n in ast.walk(ast.parse(text, mode="eval"))}
    assert _eval_node_classes() <= seen, _eval_node_classes() - seen  # the samples cover all
    scope = {"width": 1.0, "t": {3: 240}, "a": 1, "b": 2, "y": [1], "x": 1}
    for text in SAMPLES.values():
        try:
            value = evaluate(text, scope)  # ~ escaped as a KeyError
        except ExprError as e:
            assert len(e.message) <= LONGEST_LINE
        else:
            assert isinstance(value, int | float)
        # and in a spec: a value, or one located error
        spec = HEAD + f"params: {{width: 1.0}}\nlayers:\n  - conv: {{out: {json.dumps(text)}}}\n"
        try:
            analyze(load_spec(spec, "t.yaml"))
        except ConvcostError as e:
            assert e.loc is not None and e.loc.line == 5, e.format(spec)


# -- integers beyond Python's int/str conversion limit (4,300 digits) -----------------------------

BIG = "1" * 5000


def test_huge_integers_in_a_spec():
    refused(HEAD + f"layers:\n  - conv: {{out: {BIG}}}\n", "is too large", line=3 + 1)
    refused(HEAD + f"params: {{w: {BIG}}}\nlayers: [relu]\n", "is too large", line=3)
    refused(HEAD + f"params: {{t: {{1: {BIG}}}}}\nlayers: [relu]\n", "is too large", line=3)
    key = BIG[:1000]  # YAML keys are at most 1,024 characters
    refused(HEAD + f"params: {{t: {{{key}: 1}}}}\nlayers: [relu]\n", "is too large", line=3)
    refused(HEAD + "layers:\n  - conv: {out: " + "9" * 19 + "}\n", "is too large", line=4)
    e = refused(HEAD + 'layers:\n  - conv: {out: "0x' + "f" * 490 + '"}\n', "too large", line=4)
    assert "digits" in e.message  # its decimal text is never built


def test_huge_integers_and_non_finite_numbers_through_set_and_the_api(run):
    err = exit2("analyze", "mobilenet_v1", "--set", f"width={BIG}")
    assert "longer than 500 characters" in err and BIG not in err
    spec = builtin("mobilenet_v1")
    for value in (10**5000, -(10**5000), 10**19, math.inf, -math.inf, math.nan):
        with pytest.raises(ConvcostError) as e:
            resolve_params(spec, {"width": value})
        assert e.value.message.startswith("--set width=") and len(e.value.message) < 200
    with pytest.raises(ConvcostError):
        convcost.analyze("mobilenet_v1", width=10**5000)
    for value in ("nan", "inf", "1e999", "-1e999", "float('inf')", "1e308 * 10"):
        result = run("analyze", "mobilenet_v1", "--set", f"width={value}", "-f", "json")
        assert result.exit_code == 2 and result.stdout == "", result.stdout[:500]


# -- aliases, and no message echoes an unbounded value --------------------------------------------


def test_aliases_are_refused_in_params_tables():
    refused(
        HEAD + "params: {a: &a [1, 2], b: *a}\nlayers: [relu]\n", "YAML aliases (*name)", line=3
    )
    refused(HEAD + "params: {a: &a {x: 1}, b: {y: *a}}\nlayers: [relu]\n", "YAML aliases")
    refused(HEAD + "params: {&k a: 1, t: {*k : 2}}\nlayers: [relu]\n", "YAML aliases")
    # an alias where nothing reads it (a null layer body) is refused too
    refused(HEAD + "layers:\n  - relu: &n\n  - relu: *n\n", "YAML aliases")


def test_billion_laughs_in_a_params_table():
    # once accepted, then the error message printed the table (1 GB in 30 s at 10 levels)
    lines = [*HEAD.splitlines(), "params:", "  a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    lines += ["layers:", "  - conv: {out: a5}"]
    err = exit2("analyze", "-", stdin="\n".join(lines) + "\n")
    assert "YAML aliases (*name) are not supported" in err


def test_messages_echo_at_most_about_100_characters_of_a_value():
    table = "{" + ", ".join(f"k{i}: {i}" for i in range(5000)) + "}"
    e = refused(HEAD + f"params: {{t: {table}}}\nlayers:\n  - conv: {{out: t}}\n", line=5)
    assert "..." in e.message and len(e.message) < 250
    e = refused(HEAD + f"params: {{t: {table}}}\nlayers:\n  - conv: {{out: 't[1]'}}\n", line=5)
    assert "no entry 1 in 't'" in e.message and len(e.message) < 300
    long = "x" * 5000
    key = long[:1000]  # YAML keys are at most 1,024 characters
    refused(HEAD + f"layers:\n  - conv: {{out: 8, {key}: 1}}\n", "a name of 1,000 characters")
    refused(HEAD + f"layers:\n  - {long}\n", "a name of 5,000 characters")
    refused(HEAD + f"layers:\n  - conv: {{out: 8, act: {long}}}\n", "a value of 5,000 characters")
    refused(HEAD + f"layers:\n  - parallel: {{merge: {long}, branches: [[], []]}}\n", "merge")
    many = ", ".join(["relu"] * 100_000)  # an activation list once echoed 300 kB
    refused(HEAD + f"layers:\n  - conv: {{out: 8, act: [{many}]}}\n", "a list of 100,000 values")
    refused(HEAD + "layers:\n  - conv: {out: 8, pad: [[1, 1], [1, 1]]}\n", "a list in a list")
    err = exit2("analyze", "mobilenet_v1", "--set", f"width=1 + {'1 + ' * 200}1")
    assert "..." in err


# -- YAML tags and merge keys ---------------------------------------------------------------------

TAGS = [
    "!!int abc",
    "!!int 8",
    "!!str 8",
    "!!float 8",
    "!!bool maybe",
    "!!null x",
    "!!timestamp x",
    "!!binary 1",
    "!custom 8",
    "! 8",
    "!<tag:yaml.org,2002:int> 8",
    "!!python/object:os.system 1",
    "!!python/name:os.system ''",
    "!!set {a}",
    "!!omap [a: 1]",
    "!!map {out: 8}",
    "!!seq [8]",
]


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("layers:\n  - conv: {{out: {}}}\n", 4),  # a layer argument
        ("params: {{t: {}}}\nlayers: [relu]\n", 3),  # a param
        ("params: {{t: {{1: {}}}}}\nlayers: [relu]\n", 3),  # a value in a params table
        ("params: {{t: {{{}: 8}}}}\nlayers: [relu]\n", 3),  # a key in a params table
        ("layers:\n  - conv: {{{}: 8}}\n", 4),  # a layer argument's key
        ("layers:\n  - {}\n", 4),  # a layer
        ("title: {}\nlayers: [relu]\n", 3),  # a top-level text
    ],
)
def test_tags_are_refused_everywhere(tag, where, line):
    refused(HEAD + where.format(tag), "YAML tags (", line=line)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (HEAD + "layers:\n  - conv: {<<: {out: 8}}\n", 4),
        (HEAD + "layers:\n  - conv:\n      out: 8\n      <<: {k: 3}\n", 6),
        (HEAD + "params: {t: {<<: {a: 1}}}\nlayers: [relu]\n", 3),
        (HEAD + "params: {<<: {a: 1}}\nlayers: [relu]\n", 3),
        ("<<: {name: t}\ninput: {c: 3, h: 8, w: 8}\nlayers: [relu]\n", 1),
        (HEAD + "layers:\n  - conv: {out: <<}\n", 4),
        (HEAD + "layers:\n  - conv: {out: =}\n", 4),  # YAML 1.1's 'value' key
    ],
)
def test_merge_keys_are_refused(text, line):
    refused(text, line=line)


def test_a_tag_on_the_command_line_spec_exits_2():
    err = exit2(
        "analyze", "-", stdin=HEAD + "layers:\n  - conv: {out: !!python/object:os.system 8}\n"
    )
    assert err.startswith("error: <stdin>:4:17: YAML tags (!!python/object:os.system)")


# -- numbers mean what a person reads -------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "message", "hint"),
    [
        ("064", "'064' has a leading 0, so YAML 1.1 reads it as octal (52)", "write 64"),
        ("-010", "'-010' has a leading 0, so YAML 1.1 reads it as octal (-8)", "write -10"),
        ("08", "'08' has a leading 0", "write 8"),
        ("1:04", "'1:04' is a base-60 number to YAML 1.1 (64)", "decimal"),
        ("1:30.5", "'1:30.5' is a base-60 number", "decimal"),
        ("0x10", "'0x10' is a hexadecimal number (16)", "decimal"),
        ("0b101", "'0b101' is a binary number (5)", "decimal"),
        ("1_000", "'1_000' has underscores, which YAML 1.1 drops (1000)", "underscores"),
        ("1_0.5", "has underscores", "underscores"),
        ("2001-12-14", "is a date to YAML", ""),
    ],
)
def test_numbers_yaml_reads_otherwise_are_refused(number, message, hint):
    e = refused(HEAD + f"layers:\n  - conv: {{out: {number}}}\n", message, line=4)
    assert hint in e.hint
    refused(HEAD + f"params: {{t: {{1: {number}}}}}\nlayers: [relu]\n", message, line=3)


@pytest.mark.parametrize(
    ("number", "out"),
    [("64", 64), ("+5", 5), ("8.0", 8), ("1e1", 10), ("1.6e+1", 16), ("'064'", None)],
)
def test_plain_decimal_numbers_are_kept(number, out):
    # '064' quoted is an expression: Python refuses a leading zero, located
    text = HEAD + f"layers:\n  - conv: {{out: {number}}}\n"
    if out is None:
        refused(text, "cannot parse expression", line=4)
    else:
        assert analyze(load_spec(text, "t.yaml")).layers[0].out.c == out
    # and the refused forms are refused here too
    refused(HEAD + "layers:\n  - conv: {out: 064}\n", "octal")


# -- duplicate keys and non-finite numbers --------------------------------------------------------


def test_duplicate_keys_in_a_params_table():
    refused(
        HEAD + "params: {t: {a: 1, a: 2}}\nlayers: [relu]\n",
        "duplicate key 'a' in a params table (first at line 3)",
        line=3,
    )
    refused(HEAD + "params:\n  t:\n    1: 8\n    1.0: 16\nlayers: [relu]\n", "duplicate key", 6)
    refused(HEAD + "params: {t: [{a: 1, a: 2}]}\nlayers: [relu]\n", "duplicate key")


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.inf", ".Inf", "1.0e+999"])
def test_non_finite_numbers_are_refused(value):
    text = HEAD + f"params: {{width: {value}}}\nlayers: [relu]\n"
    refused(text, line=3)
    err = exit2("analyze", "-", "-f", "json", stdin=text)  # JSON never holds NaN or Infinity
    assert err.startswith("error: <stdin>:3:17: ")
    refused(HEAD + f"params: {{t: {{1: {value}}}}}\nlayers: [relu]\n", line=3)
    refused(HEAD + f"layers:\n  - conv: {{out: {value}}}\n", line=4)


# -- params have their default's type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "value", "message"),
    [
        ("resnet50", "stride_in_3x3=2", "stride_in_3x3 takes true or false (its default is true)"),
        ("resnet50", "stride_in_3x3=0", "got 0"),
        ("resnet50", "stride_in_3x3=1.5", "got 1.5"),
        ("mobilenet_v1", "width=True", "width takes a number (its default is 1.0), got true"),
        ("mobilenet_v1", "width=false", "got false"),
        ("mobilenet_v1", "resolution=1 < 2", "got true"),
        ("shufflenet_v2", "stages=1", "stages takes a table"),
    ],
)
def test_params_take_their_defaults_type(network, value, message):
    err = exit2("analyze", network, "--set", value)
    assert err.startswith(f"error: --set {value}: "), err
    assert message in err


def test_param_types_in_the_api_and_in_top1_at():
    spec = builtin("resnet50")
    assert resolve_params(spec, {"stride_in_3x3": "false"})["stride_in_3x3"] is False
    assert resolve_params(spec, {"stride_in_3x3": False})["stride_in_3x3"] is False
    with pytest.raises(ConvcostError, match="takes true or false"):
        resolve_params(spec, {"stride_in_3x3": 2})
    with pytest.raises(ConvcostError, match="takes a number"):
        resolve_params(builtin("mobilenet_v1"), {"width": True})
    assert resolve_params(builtin("mobilenet_v1"), {"width": "0.5"})["width"] == 0.5
    text = HEAD + "params: {f: true}\ntop1: {value: 70, source: s, at: {f: 2}}\nlayers: [relu]\n"
    from convcost.expand import published_top1

    spec = load_spec(text, "t.yaml")
    with pytest.raises(ConvcostError) as e:
        published_top1(spec, resolve_params(spec))
    assert e.value.loc is not None and e.value.loc.line == 4 and "takes true or false" in str(e)


# -- properties -----------------------------------------------------------------------------------

# A small valid spec with slots: each holds a key or a value that the strategy below may tag,
# replace with another number form, or turn into a merge key.
TEMPLATE = """\
name: {name}
params:
  {pkey}: {pval}
  table: {{{tkey}: {tval}, 2: 16}}
input: {{c: 3, h: 8, w: {inw}}}
blocks:
  b:
    args: {{out: {barg}}}
    layers: [conv: {{out: out}}]
layers:
  - conv: {{{lkey}: {lval}, k: 3}}
  - {kind}: {{out: "table[1] * width"}}
  - b: {{out: {bval}}}
  - relu
"""
DEFAULTS = {
    "name": "t",
    "pkey": "width",
    "pval": "1",
    "tkey": "1",
    "tval": "8",
    "inw": "8",
    "barg": "8",
    "lkey": "out",
    "lval": "8",
    "kind": "conv",
    "bval": "4",
}
KEYS = ("pkey", "tkey", "lkey", "kind")
TAG_WORDS = [
    "!!int",
    "!!str",
    "!!float",
    "!!bool",
    "!!null",
    "!!timestamp",
    "!!binary",
    "!!python/object:os.system",
    "!custom",
    "!",
    "!<tag:yaml.org,2002:str>",
]
READ_OTHERWISE = ["064", "010", "1:04", "0x10", "0b101", "1_000", "1_0.5", "2001-12-14"]
NUMBER_FORMS = [
    *READ_OTHERWISE,
    "+5",
    ".5",
    "1e3",
    "1.0e+3",
    "08",
    ".nan",
    ".inf",
    "-.inf",
    "1.0e+999",
    "9" * 19,
    "9" * 18,
    "1" * 5000,
    "~",
    "null",
    "yes",
    "off",
    "=",
    "<<",
    '"~8"',
    '"round(1, -10**9)"',
    '"0x' + "f" * 100 + '"',
    "-0",
    "0",
    "3",
]
EDITS = st.one_of(
    st.tuples(st.just("tag"), st.sampled_from(TAG_WORDS)),
    st.tuples(st.just("form"), st.sampled_from(NUMBER_FORMS)),
    st.tuples(st.just("merge"), st.just("<<")),
)


def _check(text: str) -> Any:
    """Analyze `text` in bounded time: a report with finite counts, or a located error."""
    start = time.perf_counter()
    try:
        report = analyze(load_spec(text, "t.yaml"))
    except ConvcostError as e:
        assert e.loc is not None and e.loc.file == "t.yaml", (e.format(), text)
        assert all(len(x) <= LONGEST_LINE for x in e.format(text).splitlines()), e.format(text)
        result: Any = e
    else:
        json.dumps(Report._make(report).to_dict(), allow_nan=False)  # no NaN or Infinity anywhere
        assert all(isinstance(v, int) for v in report.totals)
        assert all(abs(v) <= MAX_MAGNITUDE for v in report.params.values() if _number(v))
        result = report
    assert time.perf_counter() - start < 2, text[:500]
    return result


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


@example(edits={})  # the template itself is valid
@given(edits=st.dictionaries(st.sampled_from(sorted(DEFAULTS)), EDITS, min_size=1, max_size=3))
def test_tags_merge_keys_and_number_forms_anywhere(edits):
    slots = dict(DEFAULTS)
    for slot, (how, word) in edits.items():
        slots[slot] = f"{word} {slots[slot]}" if how == "tag" else word
    result = _check(TEMPLATE.format(**slots))
    if not edits:
        assert not isinstance(result, ConvcostError) and result.layers[2].out.c == 4
    if any(how in ("tag", "merge") for how, _ in edits.values()):
        assert isinstance(result, ConvcostError), "a tag or a merge key was accepted"
    if any(how == "form" and word in READ_OTHERWISE for how, word in edits.values()):
        assert isinstance(result, ConvcostError), "a number YAML 1.1 reads otherwise was accepted"


# random expressions over every node type and every function, built from a list of small
# integers (drawing those is fast; st.recursive took seconds for 200 examples)
LEAVES = ["0", "1", "-1", "2", "3", "64", "1e18", "10**18", "0.5", "1e-300", "width", "C", "x"]
ODD_LEAVES = [
    *("1e999", "0x10", str(10**20), "1j", "'s'", "None", "...", "b'x'", "True", "false"),
    *("f'{1}'", "t", "y", "unknown", "relu"),
]
BINARY = ["+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "|", "^", "&"]
COMPARE = ["==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in"]
FUNCS = ["int", "round", "min", "max", "ceil", "floor", "make_divisible"]
FORMS: list[tuple[int, Any]] = [
    *((2, lambda a, b, op=op: f"({a} {op} {b})") for op in BINARY),
    *((2, lambda a, b, op=op: f"({a} {op} {b})") for op in COMPARE),
    *((1, lambda a, op=op: f"({op}{a})") for op in ("-", "+", "not ", "~")),
    (2, lambda a, b: f"({a} and {b})"),
    (2, lambda a, b: f"({a} or {b})"),
    (3, lambda a, b, c: f"({a} if {b} else {c})"),
    *((n, lambda *a, f=f: f"{f}({', '.join(a)})") for f in FUNCS for n in range(1, 4)),
    (2, lambda a, b: f"t[{a}] if {b} else y[{b}]"),
]
ODD_FORMS: list[tuple[int, Any]] = [
    *((n, lambda *a, f=f: f"{f}({', '.join(a)})") for f in (*FUNCS, "abs") for n in (0, 4)),
    (2, lambda a, b: f"{a}[{b}:]"),
    (2, lambda a, b: f"[{a}, {b}]"),
    (2, lambda a, b: f"({a}, {b})"),
    (2, lambda a, b: f"{{{a}: {b}}}"),
    (2, lambda a, b: f"{{{a}, {b}}}"),
    (2, lambda a, b: f"[x for x in {a} if {b}]"),
    (1, lambda a: f"{{x for x in {a}}}"),
    (1, lambda a: f"{{x: 1 for x in {a}}}"),
    (1, lambda a: f"max(x for x in {a})"),
    (1, lambda a: f"(lambda: {a})"),
    (1, lambda a: f"(x := {a})"),
    (1, lambda a: f"{a}.real"),
    (1, lambda a: f"max(*{a})"),
    (1, lambda a: f"max({a}, key=1)"),
    (1, lambda a: f"(await {a})"),
    (1, lambda a: f"(yield {a})"),
    (1, lambda a: f"(yield from {a})"),
    (1, lambda a: f"f'{{{a}}}'"),
]


def build(codes: list[int]) -> str:
    """An expression read from `codes`: each number picks a leaf or a form and its operands
    (mixed with its position, so that runs of small numbers still pick varied ones); one pick
    in eight is an odd one, which the language refuses."""
    picks = (
        ((codes[i] if i < len(codes) else 0) * 2654435761 + i * 40503) >> 7
        for i in itertools.count()
    )

    def node(depth: int) -> str:
        code = next(picks)
        odd, code = code % 8 == 0, code // 8
        if depth >= 4 or code % 3 == 0:
            leaves = ODD_LEAVES if odd else LEAVES
            return leaves[code // 3 % len(leaves)]
        forms = ODD_FORMS if odd else FORMS
        arity, form = forms[code // 3 % len(forms)]
        return form(*(node(depth + 1) for _ in range(arity)))

    return node(0)


EXPRESSIONS = st.lists(st.integers(0, 1000), min_size=1, max_size=40).map(build)


@given(text=EXPRESSIONS)
def test_random_expressions_are_evaluated_or_refused(text):
    scope = {"width": 0.75, "C": 24, "t": {1: 8, 2: 16}, "y": [1, 2], "relu": "relu", "x": 3}
    start = time.perf_counter()
    try:
        value = evaluate(text, scope)
    except ExprError as e:
        assert len(e.message) <= LONGEST_LINE, e.message
    else:
        if _number(value):
            assert math.isfinite(value) and abs(value) <= MAX_MAGNITUDE
    assert time.perf_counter() - start < 1, text
    # and as a layer argument: a layer, or one located error
    _check(HEAD + f"params: {{width: 0.75}}\nlayers:\n  - conv: {{out: {json.dumps(text)}}}\n")


def test_channels_grown_without_end_are_refused_not_crashed():
    # each concat of two empty branches doubles the channels: 3 * 2^16000 would be a number
    # Python refuses to print (4,300 digits), so the layer past 2^72 elements is refused
    spec = (
        "name: t\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - repeat: {times: 16000, layers: "
        "[parallel: {merge: concat, branches: [[], []]}]}\n"
    )
    e = refused(spec, "more than", line=4)
    assert e.path == "repeat65.concat"  # 3 * 8 * 8 * 2^65 > 2^72 >= 3 * 8 * 8 * 2^64
    assert "more than" in exit2("analyze", "-", "-f", "json", stdin=spec)
