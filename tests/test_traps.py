"""Small traps, each once fallen into (issue 12, item 9): stdin's name, `-o -`, --depth alone,
`4.5m`, compare's help, internal notes in `list`, a stray file shadowing a built-in, float
noise in CSV, and '1 blocks'."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from convcost.budget import amount
from convcost.errors import ConvcostError
from convcost.limits import MAX_SPEC_BYTES
from convcost.zoo import builtin, source_text, specs_dir

TINY = "name: tiny\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - conv: {out: 8, k: 3}\n"


def ok(run, *args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def refused(run, *args: str) -> str:
    """Exit 2, nothing on stdout, no traceback; the message."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    return result.stderr


# -- a spec from standard input is called by its name, its errors by <stdin> -----------------


def test_stdin_is_labelled_by_its_name(run):
    assert "tiny - 8x8x3 input" in ok(run, "analyze", "-", input=TINY)
    assert json.loads(ok(run, "analyze", "-", "-f", "json", input=TINY))["network"] == "tiny"
    data = json.loads(ok(run, "compare", "vgg16", "-", "-f", "json", input=TINY))
    assert [(d["network"], d["label"]) for d in data] == [("vgg16", "vgg16"), ("tiny", "tiny")]
    rows = list(csv.reader(io.StringIO(ok(run, "compare", "-", "vgg16", "-f", "csv", input=TINY))))
    assert [r[0] for r in rows[1:]] == ["tiny", "vgg16"]
    table = ok(run, "compare", "-", "vgg16", input=TINY)
    assert "Compared with tiny" in table and "Compared with -" not in table
    markdown = ok(run, "compare", "-", "vgg16", "-f", "markdown", input=TINY)
    assert "| tiny |" in markdown and "| - |" not in markdown


def test_stdin_errors_say_where(run):
    result = run("compare", "vgg16", "-", input=TINY.replace("conv:", "convv:"))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: <stdin>:4:5: unknown layer kind 'convv'")
    assert "   4 |   - convv: {out: 8, k: 3}" in result.stderr  # the source line, echoed


# -- -o - is standard output -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_output_dash_is_standard_output(run, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    out = ok(run, "analyze", "vgg16", "-f", fmt, "-o", "-")
    assert out == ok(run, "analyze", "vgg16", "-f", fmt)
    assert list(tmp_path.iterdir()) == []  # no file called '-'


# -- --depth means something only with --by block ----------------------------------------------


@pytest.mark.parametrize("by", [[], ["--by", "layer"], ["--by", "category"]])
def test_depth_without_by_block_is_an_error(run, by):
    err = refused(run, "analyze", "vgg16", *by, "--depth", "2")
    assert "--depth" in err and "--by block" in err


def test_depth_with_by_block(run):
    data = json.loads(ok(run, "analyze", "vgg16", "--by", "block", "--depth", "2", "-f", "json"))
    assert data["groups"][0]["name"] == "block1.conv1"


# -- amounts: m is milli ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["--max-params", "4.5m"], "m is milli in SI; did you mean 4.5M?"),
        (["--max-macs", "600m"], "m is milli in SI; did you mean 600M?"),
        (["--max-flops", "1g"], "did you mean 1G?"),
        (["--max-mem-access", "2t"], "did you mean 2T?"),
        (["--expect", "params=4.2m"], "m is milli in SI; did you mean 4.2M?"),
    ],
)
def test_lower_case_suffixes_are_refused_with_a_hint(run, args, hint):
    err = refused(run, "check", "mobilenet_v1", *args)
    assert "is not an amount" in err and hint in err


def test_amounts_keep_their_suffixes():
    assert amount("4.5M", "x") == 4_500_000 and amount("1.5k", "x") == amount("1.5K", "x") == 1500
    with pytest.raises(ConvcostError, match="not an amount"):
        amount("4.5m", "--max-params")


# -- compare --help is English ------------------------------------------------------------------


def test_compare_help_reads_as_english(run):
    out = " ".join(ok(run, "compare", "--help").split())
    assert "how many times" not in out and "first one's each" not in out
    assert "Each network's totals, and each as a multiple of the first network's." in out


# -- list cites sources, never internal notes ----------------------------------------------------

NOTES = ("paper-numbers", "unverified", "recalled", "was not read")


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_list_cites_sources_only(run, fmt):
    out = ok(run, "list", "-f", fmt).lower()
    assert not [note for note in NOTES if note in out]


def test_no_builtin_spec_holds_internal_notes():
    for path in Path(specs_dir()).glob("*.yaml"):
        text = path.read_text(encoding="utf-8").lower()
        assert not [note for note in NOTES if note in text], path.name


# -- an error in a built-in spec names the packaged file, whatever the working folder holds --------


def test_builtin_error_quotes_the_packaged_spec(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shufflenet_v1.yaml").write_text("# STRAY FILE\n" * 200)
    err = refused(run, "analyze", "shufflenet_v1", "--set", "groups=5")
    first = err.splitlines()[0]
    m = re.match(r"error: builtin:shufflenet_v1\.yaml:(\d+):\d+: ", first)
    assert m, first
    packaged = (Path(specs_dir()) / "shufflenet_v1.yaml").read_text(encoding="utf-8")
    line = packaged.splitlines()[int(m[1]) - 1]
    assert "stage_out[groups]" in line and f" | {line}" in err
    assert "STRAY" not in err


def test_builtin_specs_are_labelled_as_builtin():
    assert builtin("vgg16").file == "builtin:vgg16.yaml"
    assert source_text("builtin:vgg16.yaml") == builtin("vgg16").text
    assert source_text("builtin:nosuchnet.yaml") is None


def test_source_text_is_bounded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as f:
        f.truncate(MAX_SPEC_BYTES + 1)  # sparse: larger than any spec may be
    assert source_text(str(huge)) is None
    assert source_text("specs/shufflenet_v1.yaml") is None  # no such file here: not a built-in
    (tmp_path / "folder.yaml").mkdir()
    assert source_text("folder.yaml") is None


# -- CSV holds no binary float noise ---------------------------------------------------------

NOISE = re.compile(r"\d\.\d*9{6,}\d*|\d\.\d*0{6,}\d+")

CSV_COMMANDS = [
    ["analyze", "mobilenet_v1", "--device", "gpu"],
    ["analyze", "mobilenet_v1", "--device", "mobile-cpu", "--by", "category"],
    ["analyze", "shufflenet_v2", "--device", "desktop-cpu", "--by", "block", "--depth", "2"],
    ["analyze", "mobilenet_v2", "--convention", "ptflops", "--device", "mobile-cpu"],
    ["analyze", "resnet50", "--precision", "fp16", "--device", "gpu"],
    ["compare", "--all", "--device", "mobile-cpu"],
    ["compare", "vgg16", "mobilenet", "--device", "gpu", "--convention", "fvcore"],
    ["compare", "vgg16", "mobilenet_v1@width=0.35", "--by", "category"],
    ["layer", "dwsep", "--in", "112x112x32", "--out", "64"],
    ["layer", "pw", "--in", "56x56x90", "--out", "180", "--bn", "--bias"],
    ["list"],
    ["advise", "shufflenet", "--set", "groups=8"],
    ["advise", "googlenet"],
    ["explain", "mobilenet_v2"],
    ["devices"],
    ["check", "mobilenet_v1", "--max-macs", "0.5689G", "--max-params", "4.5M"],
    ["sweep", "mobilenet_v1", "--set", "width=1,0.75,0.35"],
    ["measure", "squeezenet1_1", "--set", "resolution=64", "--runs", "1", "--warmup", "0"],
]


@pytest.mark.parametrize("args", CSV_COMMANDS, ids=[" ".join(a) for a in CSV_COMMANDS])
def test_csv_has_no_float_noise(run, args):
    result = run(*args, "-f", "csv")
    assert result.exit_code in (0, 1), result.output  # check may find a bound exceeded
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) >= 2
    noisy = [field for row in rows for field in row if NOISE.search(field)]
    assert not noisy, noisy[:5]


def test_every_report_command_is_in_the_csv_noise_test():
    from convcost.cli import cli

    no_tables = {
        "plot",
        "import",
        "export",
        "calibrate",
        "report",
    }  # images, specs, models, ...; pages
    assert {a[0] for a in CSV_COMMANDS} == set(cli.commands) - no_tables


# -- counts agree with their nouns ------------------------------------------------------------

ONE_EACH = """\
name: one
input: {c: 4, h: 8, w: 8}
layers:
  - conv: {out: 8, groups: 2}
  - parallel:
      merge: concat
      branches:
        - [conv: {out: 4}]
        - [conv: {out: 4}]
        - [conv: {out: 4}]
"""


def test_one_of_a_kind_is_singular(run, spec_file):
    data = json.loads(ok(run, "advise", spec_file(ONE_EACH), "-f", "json"))
    found = {f["guideline"]: f for f in data["findings"]}
    assert found["G2"]["detail"].startswith("1 group conv (2 groups)")
    assert found["G3"]["detail"].startswith("1 block runs 3 parallel conv branches")
    assert "remove 2 branch launches" in found["G3"]["saving"]


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "inception_v3", "-f", "json"],
        ["analyze", "inception_v3"],
        ["compare", "--all", "-f", "csv"],
        ["list", "-f", "markdown"],
    ],
)
def test_every_command_exits_0_when_the_reader_stops(args):
    # `convcost ... | head -1`: click alone exits 1 on a broken pipe; convcost exits 0, silent
    proc = subprocess.Popen(
        [sys.executable, "-m", "convcost", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_file_name_that_is_not_utf8_prints_on_a_strict_utf8_stdout(tmp_path, fmt):
    import os

    (tmp_path / os.fsdecode(b"\xff.yaml")).write_text(
        "name: t\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - conv: {out: 8}\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "convcost",
            "compare",
            "vgg16",
            os.fsdecode(b"\xff.yaml"),
            "-f",
            fmt,
        ],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},  # strict: a lone surrogate would fail
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"\\xff.yaml" in done.stdout
