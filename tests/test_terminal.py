"""Tables in a real pseudo-terminal at 80, 100, 120 and 160 columns: every line fits, and every
number shown is the exact JSON value, rounded as displayed (never cut short). Columns left out to
fit are named in the caption; a number a table shows is never a prefix of the true one."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import tty_run

from convcost.render import table

WIDTHS = (80, 100, 120, 160)
SCALE = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
SCALE.update({"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30})
NUMBER = re.compile(r"^(?:[<=]= )?(1/)?(-?[\d,]*\.?\d+)(%|x| ?(?:[KMGT]|[KMG]iB|B))?$")


def in_terminal(args: list[str], cols: int) -> str:
    """What `convcost ARGS` shows in a terminal of `cols` columns; it must succeed."""
    status, out = tty_run.in_terminal(args, cols)
    assert status == 0, out
    return out


@functools.cache
def json_of(args: tuple[str, ...]) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "convcost", *args, "-f", "json"], capture_output=True, check=True
    )
    return json.loads(done.stdout)


def shown_as(text: str, exact: float) -> bool:
    """Whether `text` ('568.7M', '2.11 MiB', '1,024', '1.91%') is `exact` rounded as shown."""
    m = NUMBER.match(text)
    assert m, f"{text!r} is not a whole number"
    inverse, digits, unit = m.groups()
    unit = (unit or "").strip()
    value = float(digits.replace(",", ""))
    scale = 1.0 if unit in ("%", "x") else SCALE[unit]
    decimals = len(digits.partition(".")[2])
    if inverse:
        return abs(1 / exact - value) <= 0.5 * 10**-decimals * 1.0001
    return abs(exact - value * scale) <= 0.5 * 10**-decimals * scale * 1.0001


def tables(out: str) -> Iterator[tuple[list[str], list[str], str]]:
    """(header lines, body lines, caption) of each table in `out`."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(" ─"):
            head_start = i
            while head_start > 0 and lines[head_start - 1].strip():
                head_start -= 1
            end = i + 1
            body = []  # rows are indented; the caption starts at the margin
            while end < len(lines) and not lines[end][:1].strip():
                body.append(lines[end])
                end += 1
            caption = []
            while end < len(lines) and lines[end][:1].strip():
                caption.append(lines[end])
                end += 1
            yield lines[head_start:i], body, " ".join(caption)


def left_out(caption: str) -> set[str]:
    m = re.search(r"Left out to fit \d+ columns: (.*?) \(a wider terminal", caption)
    return set(m.group(1).split(", ")) if m else set()


def cells(line: str) -> list[str]:
    return re.split(r"\s{3,}", line.strip())


def check_rows(
    body: list[str], caption: str, rows: list[tuple[str, dict[str, float]]], cols: int
) -> int:
    """Each expected row: its line starts with its label and holds every shown number."""
    hidden = left_out(caption)
    checked, start = 0, 0
    for label, numbers in rows:
        at = next(i for i in range(start, len(body)) if body[i].strip().startswith(label))
        start = at + 1
        row = cells(body[at])
        for name, exact in numbers.items():
            if name in hidden:
                continue
            assert any(shown_as(c, exact) for c in row if NUMBER.match(c)), (
                f"{label}: {name} = {exact} not shown whole at {cols} columns in {body[at]!r}"
            )
            checked += 1
    return checked


def analyze_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (
            x["path"],
            {
                "MACs": x["macs"],
                "params": x["params"],
                "activations": x["activations"],
                "mem bytes (fp32)": x["mem_access_bytes"],
            },
        )
        for x in data["layers"]
    ]


def timed_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    rows = analyze_rows(data)
    for (_, numbers), x in zip(rows, data["layers"], strict=True):
        if x["bound"] != "view":
            numbers["est. ms"] = x["latency_ms"]
    return rows


def counted_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [(x["path"], {"MACs": x["macs"], "ptflops MACs": x["counted"]}) for x in data["layers"]]


def group_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (
            g["name"],
            {"MACs": g["macs"], "params": g["params"], "activations": g["activations"]},
        )
        for g in data["groups"]
    ]


def check_rows_of(data: Any) -> list[tuple[str, dict[str, float]]]:
    labels = {"macs": "MACs", "params": "params", "mem_access": "mem access"}
    return [
        (labels[c["quantity"]], {"limit": c["limit"], "actual": c["actual"]})
        for c in data["checks"]
    ]


def compare_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (
            d["label"],
            {
                "MACs": d["totals"]["macs"],
                "params": d["totals"]["params"],
                "activations": d["totals"]["activations"],
                "mem access": d["totals"]["mem_access"],
                "weights (fp32)": d["memory"]["weights_bytes"],
                "peak act. (fp32)": d["memory"]["peak_activations_bytes"],
            },
        )
        for d in data
    ]


def layer_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    def numbers(x: Any) -> dict[str, float]:
        return {
            "MACs": x["macs"],
            "params": x["params"],
            "activations": x["activations"],
            "mem access": x["mem_access"],
        }

    rows = [(x["path"], numbers(x)) for x in data["layers"]]
    rows.append(("replaces", numbers(data["standard"]["totals"])))
    return rows


def list_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (d["name"], {"MACs": d["totals"]["macs"], "params": d["totals"]["params"]}) for d in data
    ]


def devices_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [(d["name"], {"GB/s": d["bandwidth_gbs"], "launch us": d["launch_us"]}) for d in data]


def explain_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (
            c["torch"],
            {
                f"{n} {u['unit']}": c["counts"][n]
                for n, u in zip(c["counts"], data["conventions"], strict=True)
                if c["counts"][n]  # 0 shows as '-', not counted
            },
        )
        for c in data["calls"]
        if any(c["counts"].values())
    ]


def sweep_rows(data: Any) -> list[tuple[str, dict[str, float]]]:
    return [
        (
            str(p["values"]["width"]),
            {"MACs": p["totals"]["macs"], "params": p["totals"]["params"]},
        )
        for p in data["points"]
    ]


CASES: list[tuple[list[str], Callable[[Any], list[tuple[str, dict[str, float]]]]]] = [
    (["analyze", "mobilenet_v1"], analyze_rows),
    (["analyze", "shufflenet_v1"], analyze_rows),
    (["analyze", "mobilenet_v1", "--device", "mobile-cpu"], timed_rows),
    (["analyze", "mobilenet_v2", "--convention", "ptflops"], counted_rows),
    (["analyze", "shufflenet_v1", "--by", "block", "--depth", "2"], group_rows),
    (["check", "mobilenet_v1", "--max-macs", "600M", "--max-params", "5M"], check_rows_of),
    (["compare", "--all"], compare_rows),
    (["compare", "vgg16", "shufflenet", "mobilenet_v1", "--device", "gpu"], compare_rows),
    (["layer", "dwsep", "--in", "64x64x3", "--out", "4", "-k", "3"], layer_rows),
    (["list"], list_rows),
    (["devices"], devices_rows),
    (["explain", "mobilenet_v2"], explain_rows),
    (["sweep", "mobilenet_v1", "--set", "width=1,0.75,0.5,0.25"], sweep_rows),
]


@pytest.mark.parametrize("cols", WIDTHS)
@pytest.mark.parametrize(("args", "expect"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_tables_fit_and_show_whole_numbers(args, expect, cols):
    out = in_terminal(args, cols)
    too_wide = [line for line in out.splitlines() if len(line) > cols]
    assert not too_wide, f"{len(too_wide)} lines wider than {cols}: {too_wide[0]!r}"
    _, body, caption = next(tables(out))
    assert check_rows(body, caption, expect(json_of(tuple(args))), cols) > 0
    if cols == 80 and args[0] in ("list", "devices"):
        assert len(out.splitlines()) < 120  # readable, not a column of one-word lines


def test_left_out_columns_are_named():
    out = in_terminal(["compare", "--all"], 80)
    _, _, caption = next(tables(out))
    assert {"MACs/B", "activations"} <= left_out(caption)
    assert "activations" not in " ".join(next(tables(out))[0])


def test_piped_tables_keep_every_column(run):
    # a file or pipe gets the whole table: nothing left out, numbers whole
    out = run("compare", "--all").stdout
    assert "Left out" not in out and "MACs/B" in out and "peak act. (fp32)" in out


@pytest.mark.parametrize("width", [40, 80, 100])
def test_layout_never_cuts_a_number(width):
    # numbers keep their full width even when nothing else can give way: the table is wider
    grid = table.Grid(
        "t", ["name", *(f"n{i}" for i in range(12))], [["x" * 50, *["1,234,567"] * 12]], None, ""
    )
    text = "\n".join(t for _, t in table.lines(grid, width))
    assert text.count("1,234,567") == 12
    assert "x" * table.FOLD_WIDTH in text  # the name folded, whole across lines
    assert text.count("x") == 50 + 0


def test_prose_never_folds_through_a_number():
    # a text column folds as a last resort, but a number in it stays on one line
    number = "12,043,776,000,123"
    grid = table.Grid(
        "t", ["where", "n"], [[f"saves {number} elements", "1"]], None, "", left=2, wrap=(0,)
    )
    text = "\n".join(t for _, t in table.lines(grid, 20))
    assert number in text
