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


def test_a_bound_of_zero_fails_without_a_share(run):
    # over a limit of 0 there is no percentage to give (it used to divide by zero)
    result = run("check", "mobilenet_v1", "--max-macs", "0")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "over by 568.7M" in result.stdout and "%)" not in result.stdout


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


def test_every_expectation_and_bound_is_checked(run):
    # issue 13: a repeated quantity kept only its last value, so this gate passed
    result = run(
        "check", "mobilenet_v1", "--expect", "macs=1", "--expect", "macs=568740352", "-f", "json"
    )
    assert result.exit_code == 1
    checks = json.loads(result.stdout)["checks"]
    assert [(c["limit"], c["ok"]) for c in checks] == [(1, False), (568_740_352, True)]
    table = run("check", "mobilenet_v1", "--expect", "macs=568740352", "--expect", "macs=1")
    assert table.exit_code == 1 and "off by +568,740,351" in table.stdout
    bounds = run("check", "mobilenet_v1", "--max-macs", "600M", "--max-macs", "500M", "-f", "json")
    assert bounds.exit_code == 1
    assert [c["ok"] for c in json.loads(bounds.stdout)["checks"]] == [True, False]
    both = run("check", "mobilenet_v1", "--max-params", "4.5M", "--max-params", "5M")
    assert both.exit_code == 0 and "all checks pass" in both.stdout


@pytest.mark.parametrize("option", ["--max-macs", "--max-mem-access", "--expect"])
@pytest.mark.parametrize("digits", [101, 5000])
def test_amounts_of_too_many_digits_exit_2(run, option, digits):
    # Python refuses to convert an int of 4,300 digits: a clear message, never a traceback
    number = "1" + "0" * (digits - 1)
    value = f"macs={number}" if option == "--expect" else number
    result = run("check", "mobilenet_v1", option, value)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"has {digits:,} digits; an amount has at most 100" in lines[0]
    assert len(lines[0]) < 200  # the number itself is shortened
    # 100 digits are fine: 99 and a suffix (M: 10^6) are a bound no network reaches
    fine = run("check", "mobilenet_v1", "--max-macs", "9" * 99 + "M", "-f", "json")
    assert fine.exit_code == 0
    assert json.loads(fine.stdout)["checks"][0]["limit"] == int("9" * 99) * 10**6
