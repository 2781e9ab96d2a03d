"""The spec expression language: what it allows, what it refuses."""

from __future__ import annotations

import re

import pytest

from convcost.expr import ExprError, evaluate, make_divisible


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("int(32 * width)", 24),
        ("C // 4", 60),
        ("2 if i == 0 else 1", 2),
        ("stages[1.0][2]", 464),
        ("max(8, C // 64)", 8),
        ("-(3 - 5) ** 2", -4),
        ("make_divisible(32 * width, 8)", 24),
        ("round(2.5)", 2),
        ("ceil(7 / 2)", 4),
        ("floor(7 / 2)", 3),
        ("out - C", 0),
        ("table[groups]", 240),
        ("1 < 2 < 3", True),
        ("width > 0.5 and groups == 3", True),
    ],
)
def test_allowed(text, value):
    scope = {
        "width": 0.75,
        "C": 240,
        "i": 0,
        "out": 240,
        "groups": 3,
        "stages": {1.0: [116, 232, 464]},
        "table": {3: 240},
    }
    assert evaluate(text, scope) == value


def test_float_semantics_match_framework_code():
    # pytorchcv: int(c * width_scale) in float arithmetic; 100 * 0.29 is 28.999999999999996
    assert evaluate("int(100 * w)", {"w": 0.29}) == int(100 * 0.29) == 28


def test_make_divisible_is_torchvisions():
    # torchvision _make_divisible(v, 8): nearest multiple of 8, at least 8, never below 90% of v
    assert make_divisible(12, 8) == 16  # int(12 + 4) // 8 * 8
    assert make_divisible(11.2, 8) == 16  # int(15.2) // 8 * 8 = 8 < 0.9 * 11.2, so 16
    assert make_divisible(91, 8) == 88
    assert make_divisible(10, 8) == 16  # 8 < 0.9 * 10, so one more step
    assert make_divisible(3, 8) == 8  # min_value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("width.real", "is not allowed"),
        ("lambda: 1", "is not allowed"),
        ("widht * 2", "unknown name 'widht' (did you mean 'width'?)"),
        ("table[5]", "no entry 5 in 'table' (has 3)"),
        ("width[0]", "cannot be indexed"),
        ("1 +", "cannot parse expression"),
        ("'abc'", "is not a number"),
        ("2 ** 100", "exponent 100 is too large"),
        ("10 ** 20", "too large"),
        ("1 // 0", "by zero"),
        ("max(width=1)", "keyword arguments"),
        ("x" * 600, "longer than 500"),
    ],
)
def test_refused(text, message):
    with pytest.raises(ExprError, match=re.escape(message)):
        evaluate(text, {"width": 1.0, "table": {3: 240}})
