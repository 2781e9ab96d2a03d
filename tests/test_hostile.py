"""Hostile input: limits, odd files, stdin, atomic output. Every limit test runs the real CLI in
a subprocess with a timeout, so a hang fails instead of stalling the suite."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from convcost.errors import ECHO_WIDTH
from convcost.limits import MAX_BLOCK_DEPTH, MAX_DEPTH, MAX_LAYERS, MAX_SIZE, MAX_SPEC_BYTES

HEAD = "name: t\ninput: {c: 3, h: 8, w: 8}\n"


def cli(*args: str, stdin: bytes | None = None, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "convcost", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )


def refused(path: str, message: str) -> str:
    result = cli("analyze", path, "-f", "json")
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err and message in err, err
    return err


def test_billion_laughs(tmp_path):
    # YAML alias expansion: ten levels of ten aliases each would be 10^10 nodes
    lines = ["name: t", "input: {c: 3, h: 8, w: 8}", "a0: &a0 [relu, relu, relu, relu, relu]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines += ["layers: *a9"]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    refused(str(path), "unknown key 'a0'")  # refused before anything is expanded
    path.write_text(HEAD + "layers: &x [relu]\nextra: *x\n")
    refused(str(path), "unknown key 'extra'")
    path.write_text(HEAD + "blocks:\n  b: &x\n    layers: [relu]\n  c: *x\nlayers: [b, c]\n")
    refused(str(path), "YAML aliases (*name) are not supported")


def located(path: str) -> str:
    """The contract for a bad spec whatever refuses it first (convcost or the YAML parser):
    exit 2, no traceback, one message naming the file, line and column, a short echo."""
    result = cli("analyze", path, "-f", "json")
    err = result.stderr.decode()
    assert result.returncode == 2, err[:2000]
    assert "Traceback" not in err, err[:2000]
    first = err.splitlines()[0]
    assert re.match(rf"error: {re.escape(path)}:\d+:\d+: ", first), first
    assert all(len(line) <= 2 * ECHO_WIDTH for line in err.splitlines()), err[:2000]
    return err


def test_deep_nesting_does_not_crash_libyaml(tmp_path):
    # 100,000 nested lists crash older libyaml's recursive composer (a segfault); convcost
    # refuses them first, or PyYAML >= 6.0.3's own nesting limit does: either way, located
    path = tmp_path / "deep.yaml"
    for depth in (MAX_DEPTH + 1, 100_000):
        path.write_text(HEAD + "layers: " + "[" * depth + "]" * depth + "\n")
        located(str(path))
    path.write_text(HEAD + "layers: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert cli("analyze", str(path), "-f", "json").returncode == 2  # legal YAML, not a layer


def test_long_line_is_echoed_as_a_window(tmp_path):
    # a 3.6 MB one-line spec once put 7 MB on stderr: the echo is ~ECHO_WIDTH characters
    path = tmp_path / "line.yaml"
    layers = ", ".join(["relu"] * 400_000 + ["nosuchkind"] + ["relu"] * 10)
    path.write_text(HEAD + "layers: [" + layers + "]\n")
    err = located(str(path))
    assert "nosuchkind" in err and len(err) < 1_000, err[:2000]
    code, caret = err.splitlines()[1:3]
    assert caret.index("^") - caret.index("|") == code.index("nosuchkind") - code.index("|")


def test_spec_size(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "layers:\n" + "  - relu\n" * (MAX_SPEC_BYTES // 9 + 1))
    refused(str(path), "larger than")
    big = (HEAD + "layers:\n" + "  - relu\n" * (MAX_SPEC_BYTES // 9 + 1)).encode()
    result = cli("analyze", "-", stdin=big)
    assert result.returncode == 2 and b"the limit is" in result.stderr


def test_repeat_count_and_expanded_layers(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(HEAD + "layers:\n  - repeat: {times: 1000000, layers: [relu]}\n")
    refused(str(path), f"times must be from 1 to {MAX_LAYERS:,}")
    path.write_text(HEAD + "layers:\n  - repeat: {times: 1000000000, layers: [relu]}\n")
    refused(str(path), f"times is 1,000,000,000; the limit is {MAX_SIZE:,}")
    path.write_text(
        HEAD + "layers:\n  - repeat:\n      times: 1000\n      layers:\n"
        "        - repeat: {times: 1000, layers: [relu]}\n"
    )
    refused(str(path), f"the network expands to more than {MAX_LAYERS:,} layers")


def test_block_depth(tmp_path):
    blocks = (
        "".join(f"  b{i}:\n    layers: [b{i + 1}]\n" for i in range(40))
        + "  b40:\n    layers: [relu]\n"
    )
    path = tmp_path / "chain.yaml"
    path.write_text(HEAD + "blocks:\n" + blocks + "layers: [b0]\n")
    refused(str(path), f"blocks nested more than {MAX_BLOCK_DEPTH} deep")


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("conv: {out: 1000000000}", f"out is 1,000,000,000; the limit is {MAX_SIZE:,}"),
        ("adaptive_avgpool: {size: 16000000}", "layers"),  # closed form: no loop over bins
        ('conv: {out: "' + "-" * 490 + '8"}', "nested too deeply"),
        ('conv: {out: "' + "(" * 240 + "8" + ")" * 240 + '"}', "expression"),
        ("conv: {out: 2 ** 2 ** 2 ** 2 ** 2}", "too large"),
    ],
)
def test_sizes_and_expressions(tmp_path, layer, message):
    path = tmp_path / "size.yaml"
    path.write_text(HEAD + f"layers:\n  - {layer}\n")
    result = cli("analyze", str(path), "-f", "json")
    out = (result.stdout + result.stderr).decode()
    assert "Traceback" not in out and message in out, out


def test_input_dimension_limit(tmp_path):
    path = tmp_path / "input.yaml"
    path.write_text("name: t\ninput: {c: 3, h: 99999999999, w: 8}\nlayers: [relu]\n")
    refused(str(path), "input h is 99,999,999,999")


def test_stdin(tmp_path):
    spec = (HEAD + "layers:\n  - conv: {out: 8, k: 3}\n").encode()
    result = cli("analyze", "-", "-f", "json", stdin=spec)
    assert result.returncode == 0 and json.loads(result.stdout)["totals"]["macs"] == 8 * 8 * 8 * 27
    bad = cli("analyze", "-", stdin=HEAD.encode() + b"layers:\n  - convv\n")
    assert bad.returncode == 2 and bad.stderr.startswith(b"error: <stdin>:4:5: unknown layer")
    binary = cli("analyze", "-", stdin=b"\xff\xfe\x00\x01")
    assert binary.returncode == 2 and b"not UTF-8" in binary.stderr


def test_crlf_and_tabs(tmp_path):
    path = tmp_path / "crlf.yaml"
    path.write_bytes((HEAD + "layers:\n  - conv: {out: 8}\n").replace("\n", "\r\n").encode())
    assert cli("analyze", str(path), "-f", "json").returncode == 0  # accepted
    path.write_text(HEAD + "layers:\n\t- conv: {out: 8}\n")
    err = refused(str(path), "YAML syntax error")
    assert "indent with spaces" in err


def test_not_a_file(tmp_path):
    (tmp_path / "file.yaml").write_text(HEAD + "layers: [relu]\n")
    refused(str(tmp_path / "file.yaml" / "inner.yaml"), "cannot read")
    refused(str(tmp_path) + "/", "is a directory")


def test_output_is_atomic(tmp_path, run):
    out = tmp_path / "report.json"
    assert run("analyze", "vgg16", "-f", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["totals"]["params"] == 138_357_544
    before = out.read_text()
    result = run("analyze", "vgg17", "-f", "json", "-o", str(out))  # fails: file untouched
    assert result.exit_code == 2 and out.read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".convcost-")]
    table = tmp_path / "t.txt"
    assert run("compare", "vgg16", "mobilenet", "-o", str(table)).exit_code == 0
    assert (
        "mobilenet" in table.read_text() and run("compare", "vgg16", "-o", str(table)).stdout == ""
    )
    result = run("list", "-o", str(tmp_path / "missing" / "x.txt"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["analyze", "vgg16"],
        ["compare", "vgg16"],
        ["list"],
        ["layer", "pw", "--in", "8x8x8", "--out", "8"],
        ["advise", "vgg16"],
        ["devices"],
    ],
)
def test_every_command_takes_output(run, tmp_path, command):
    target = tmp_path / "out.txt"
    assert run(*command, "-o", str(target)).exit_code == 0
    assert target.stat().st_size > 0


def test_unreadable_path_component():
    result = cli("analyze", str(Path(__file__)) + "/x.yaml")
    assert result.returncode == 2 and b"cannot read" in result.stderr
