"""`convcost check`: a budget and reference gate for CI (exit 0 / 1 / 2)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from convcost.budget import amount


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("600M", 600_000_000),
        ("4.5M", 4_500_000),
        ("568740352", 568_740_352),
        ("1.5k", 1500),
        ("0.1G", 100_000_000),
        ("2T", 2 * 10**12),
    ],
)
def test_amounts_are_exact(text, value):
    assert amount(text, "x") == Fraction(value)


def test_within_budget_exits_0(run):
    # MobileNet v1: 568,740,352 MACs, 4,231,976 params (pytorchcv mobilenet_w1)
    result = run("check", "mobilenet_v1", "--max-macs", "600M", "--max-params", "4.5M")
    assert result.exit_code == 0 and "all checks pass" in result.stdout


def test_over_budget_exits_1_and_says_by_how_much(run):
    result = run("check", "mobilenet_v1", "--max-macs", "500M", "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["checks"] == [
        {
            "quantity": "macs",
            "kind": "max",
            "limit": 500_000_000,
            "actual": 568_740_352,
            "ok": False,
        }
    ]
    table = run("check", "mobilenet_v1", "--max-macs", "500M").stdout
    assert "over by 68.74M (+13.7%)" in table


def test_expect_exact_values(run):
    good = run("check", "mobilenet_v1", "--expect", "macs=568740352", "--expect", "params=4231976")
    assert good.exit_code == 0
    bad = run("check", "mobilenet_v1", "--set", "width=0.5", "--expect", "macs=568740352")
    assert bad.exit_code == 1 and "off by" in bad.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-macs", "lots"], "--max-macs: 'lots' is not an amount"),
        (["--expect", "macs"], "expected NAME=AMOUNT"),
        (["--expect", "mac=1"], "unknown quantity 'mac' (did you mean 'macs'?)"),
        ([], "give at least one --max-... bound or --expect"),
    ],
)
def test_bad_input_exits_2(run, args, message):
    result = run("check", "mobilenet_v1", *args)
    assert result.exit_code == 2 and message in result.stderr
