"""The small, safe arithmetic language used inside specs: `int(64 * width)`, `C // 4`.

Parsed with `ast` and walked against a whitelist of node types; a spec never runs Python.
Integers stay Python ints (exact); `/` and float params give floats, as they would in the
framework code the specs mirror, so `int(32 * 0.75)` rounds exactly like PyTorch model code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from convcost.errors import SpecError, did_you_mean

MAX_LENGTH = 500
"""Longest expression accepted, in characters."""
MAX_MAGNITUDE = 10**18
"""Largest absolute value an expression may produce (sizes beyond this are absurd)."""


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round `v` to a multiple of `divisor`, never going below 90% of `v`.

    torchvision's `_make_divisible` (from the TF MobileNet code), byte for byte:
    new = max(min_value or divisor, int(v + divisor / 2) // divisor * divisor);
    new += divisor if new < 0.9 * v.
    """
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "int": int,
    "round": round,
    "min": min,
    "max": max,
    "ceil": math.ceil,
    "floor": math.floor,
    "make_divisible": make_divisible,
}

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExprError(SpecError):
    """An expression that cannot be parsed or evaluated."""


def evaluate(text: str, scope: Mapping[str, Any]) -> Any:
    """Evaluate expression `text` with the names in `scope`; raise ExprError on anything else."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = _parse(text.strip())
    except SyntaxError as e:
        raise ExprError(f"cannot parse expression {text!r}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression {text!r} is nested too deeply") from None
    try:
        return _Evaluator(scope).visit(tree.body)
    except ExprError as e:
        e.message = f"in expression {text!r}: {e.message}"
        raise
    except RecursionError:
        raise ExprError(f"expression {text!r} is nested too deeply") from None
    except (ArithmeticError, TypeError, ValueError) as e:
        raise ExprError(f"in expression {text!r}: {e}") from None


@lru_cache(maxsize=1024)
def _parse(text: str) -> ast.Expression:
    """Parsed once per text: a network evaluates the same few expressions many times (every
    unit of a repeat, every point of a sweep). Trees are only read."""
    return ast.parse(text, mode="eval")


class _Evaluator:
    def __init__(self, scope: Mapping[str, Any]) -> None:
        self.scope = scope

    def visit(self, node: ast.expr) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise ExprError(f"'{ast.unparse(node)}' is not allowed in a spec expression")
        value = method(node)
        if isinstance(value, int | float) and abs(value) > MAX_MAGNITUDE:
            raise ExprError(f"value {value} is too large (limit {MAX_MAGNITUDE:.0e})")
        return value

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool | int | float):
            return node.value
        raise ExprError(f"constant {node.value!r} is not a number")

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self.scope:
            return self.scope[node.id]
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        names = [*self.scope, *FUNCTIONS]
        raise ExprError(f"unknown name '{node.id}'{did_you_mean(node.id, names)}")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        op = type(node.op)
        if op not in _BINOPS:
            raise ExprError(f"operator '{ast.unparse(node)}' is not allowed")
        if op is ast.Pow and isinstance(right, int | float) and abs(right) > 64:
            raise ExprError(f"exponent {right} is too large (limit 64)")
        _numbers(left, right)
        return _BINOPS[op](left, right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.visit(node.operand)
        _numbers(value)
        return _UNARY[type(node.op)](value)

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comp)
            if type(op) not in _COMPARE:
                raise ExprError(f"comparison '{ast.unparse(node)}' is not allowed")
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        table = self.visit(node.value)
        key = self.visit(node.slice)
        if isinstance(table, Mapping):
            if key in table:
                return table[key]
            keys = ", ".join(str(k) for k in table)
            raise ExprError(f"no entry {key!r} in '{ast.unparse(node.value)}' (has {keys})")
        if isinstance(table, list):
            if (
                isinstance(key, int)
                and not isinstance(key, bool)
                and -len(table) <= key < len(table)
            ):
                return table[key]
            raise ExprError(f"index {key!r} out of range for '{ast.unparse(node.value)}'")
        raise ExprError(f"'{ast.unparse(node.value)}' is not a table and cannot be indexed")

    def visit_Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = ast.unparse(node.func)
            raise ExprError(
                f"unknown function '{name}'{did_you_mean(name, FUNCTIONS)}; "
                f"allowed: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise ExprError("keyword arguments are not allowed in spec expressions")
        args = [self.visit(a) for a in node.args]
        _numbers(*args)
        return FUNCTIONS[node.func.id](*args)


def _numbers(*values: Any) -> None:
    for v in values:
        if not isinstance(v, int | float):
            raise ExprError(f"{v!r} is not a number")
