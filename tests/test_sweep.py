"""`convcost sweep`: the cross product of param values, reproducing the papers' tables."""

from __future__ import annotations

import csv
import io
import json

import pytest

from convcost.sweep import values


def rows(run, *args: str) -> list[dict[str, str]]:
    result = run("sweep", *args, "-f", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_values():
    assert values("w", "1,0.75, 0.5") == ["1", "0.75", "0.5"]
    assert values("g", "1..4") == ["1", "2", "3", "4"]


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
        {"width": "1", "resolution": "224"},
        {"width": "1", "resolution": "128"},
        {"width": "0.5", "resolution": "224"},
        {"width": "0.5", "resolution": "128"},
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
