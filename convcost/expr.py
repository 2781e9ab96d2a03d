"""The small, safe arithmetic language used inside specs: `int(64 * width)`, `C // 4`.

Parsed with `ast` and walked against a whitelist of node types; a spec never runs Python.
Integers stay Python ints (exact); `/` and float params give floats, as they would in the
framework code the specs mirror, so `int(32 * 0.75)` rounds exactly like PyTorch model code.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from convcost.errors import SpecError, did_you_mean, unknown

MAX_LENGTH = 500
"""Longest expression accepted, in characters."""
MAX_MAGNITUDE = 10**18
"""Largest absolute value an expression may produce (sizes beyond this are absurd)."""
MAX_EXPONENT = 64
"""Largest absolute exponent of `**`."""
MAX_NDIGITS = 18
"""Largest absolute `ndigits` of round(): beyond it rounding changes nothing or gives 0."""
SHOWN = 100
"""At most this many characters of a value or an expression are echoed in a message."""


def clip(text: str, width: int = SHOWN) -> str:
    """`text` cut to about `width` characters, marked with '...' where cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def brief(value: Any, width: int = SHOWN) -> str:
    """repr(value) cut to about `width` characters, built without rendering much more: safe
    for huge tables and for integers beyond Python's int-to-text limit."""
    out: list[str] = []
    room = width + 3

    def put(text: str) -> None:
        nonlocal room
        out.append(text[: max(room, 0)])
        room -= len(text)

    def walk(v: Any) -> None:
        if room <= 0:
            return
        if isinstance(v, int) and not isinstance(v, bool):
            put(_int_text(v))
        elif isinstance(v, str):
            put(repr(v[:room]))
        elif isinstance(v, Mapping):
            put("{")
            for n, (k, x) in enumerate(v.items()):
                if room <= 0:
                    return
                put(", " if n else "")
                walk(k)
                put(": ")
                walk(x)
            put("}")
        elif isinstance(v, list | tuple):
            put("[" if isinstance(v, list) else "(")
            for n, x in enumerate(v):
                if room <= 0:
                    return
                put(", " if n else "")
                walk(x)
            put("]" if isinstance(v, list) else ")")
        else:
            put(repr(v))

    walk(value)
    return clip("".join(out), width)


def _int_text(v: int) -> str:
    """Decimal text of `v`, or 'a number of about N digits' when that would be long."""
    if v.bit_length() <= 3 * SHOWN:
        return str(v)
    return f"{'-' if v < 0 else ''}a number of about {int(v.bit_length() * 0.30103):,} digits"


def check_number(value: Any) -> None:
    """Raise ExprError if `value` is a number that is not finite or beyond MAX_MAGNITUDE."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ExprError(f"value {value} is not a finite number")
    if isinstance(value, int | float) and abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"value {brief(value)} is too large (limit {MAX_MAGNITUDE:.0e})")


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


def _whole(value: Any, what: str, low: int, high: int) -> int:
    """`value` as an int from `low` to `high` (a float only if whole), else ExprError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExprError(f"{what} must be a whole number, got {brief(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise ExprError(f"{what} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ExprError(f"{what} must be from {low:,} to {high:,}, got {brief(value)}")
    return int(value)


def _round(x: float, ndigits: Any = None) -> float:
    """round(), with ndigits bounded (a huge one would build a huge power of ten)."""
    if ndigits is None:
        return round(x)
    return round(x, _whole(ndigits, "round()'s ndigits", -MAX_NDIGITS, MAX_NDIGITS))


def _log(x: float, base: float = math.e) -> float:
    """log(x) or log(x, base), for x > 0 and a positive base other than 1 (RegNet's width
    quantisation: round(log(w / w_0) / log(w_m)))."""
    if x <= 0 or base <= 0 or base == 1:
        raise ExprError(f"log() takes a positive number and base (not 1), got log({x}, {base})")
    return math.log(x, base)


def _make_divisible(v: float, divisor: Any = 8, min_value: Any = None) -> int:
    """make_divisible() with a whole, positive divisor."""
    d = _whole(divisor, "make_divisible()'s divisor", 1, MAX_MAGNITUDE)
    return make_divisible(v, d, min_value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "int": int,
    "round": _round,
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "ceil": math.ceil,
    "floor": math.floor,
    "log": _log,
    "log2": lambda x: _log(x, 2),
    "make_divisible": _make_divisible,
}
ARITY: dict[str, tuple[int, int]] = {
    "int": (1, 1),
    "round": (1, 2),
    "min": (1, MAX_LENGTH),
    "max": (1, MAX_LENGTH),
    "ceil": (1, 1),
    "floor": (1, 1),
    "log": (1, 2),
    "log2": (1, 1),
    "make_divisible": (1, 3),
}
"""How many arguments each function takes, at least and at most."""

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
    """Evaluate expression `text` with the names in `scope`; raise ExprError on anything else.

    Every node type Python parses is either evaluated or refused, every value is checked
    (finite, at most MAX_MAGNITUDE) and every function's arguments are bounded, so no
    expression can hang, take the memory or escape as another exception."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    if text in scope and _bare_name(text):  # the most common expression: `out`, `stride`
        try:
            value = scope[text]
            check_number(value)
            return value
        except ExprError as e:
            e.message = f"in expression {_quoted(text)}: {e.message}"
            raise
    try:
        tree = _parse(text.strip())
    except SyntaxError as e:
        raise ExprError(f"cannot parse expression {_quoted(text)}: {clip(str(e.msg))}") from None
    except ValueError as e:  # a NUL byte, on some Python versions
        raise ExprError(f"cannot parse expression {_quoted(text)}: {clip(str(e))}") from None
    except (RecursionError, MemoryError):
        raise ExprError(f"expression {_quoted(text)} is nested too deeply") from None
    try:
        return _Evaluator(scope).visit(tree.body)
    except ExprError as e:
        e.message = f"in expression {_quoted(text)}: {e.message}"
        raise
    except (RecursionError, MemoryError):
        raise ExprError(f"expression {_quoted(text)} is nested too deeply") from None
    except (ArithmeticError, TypeError, ValueError) as e:
        raise ExprError(f"in expression {_quoted(text)}: {clip(str(e))}") from None


def _bare_name(text: str) -> bool:
    """Whether Python parses `text` as one name, spelled exactly so (ASCII: no normalising)."""
    return text.isascii() and text.isidentifier() and not keyword.iskeyword(text)


def _quoted(text: str) -> str:
    """An expression quoted for a message, cut to about SHOWN characters."""
    return clip(repr(text))


@lru_cache(maxsize=1024)
def _parse(text: str) -> ast.Expression:
    """Parsed once per text: a network evaluates the same few expressions many times (every
    unit of a repeat, every point of a sweep). Trees are only read."""
    return ast.parse(text, mode="eval")


def _code(node: ast.AST) -> str:
    """The source of `node`, cut for a message."""
    try:
        return clip(ast.unparse(node))
    except (ValueError, RecursionError):
        return type(node).__name__


class _Evaluator:
    def __init__(self, scope: Mapping[str, Any]) -> None:
        self.scope = scope

    def visit(self, node: ast.expr) -> Any:
        method = _VISITORS.get(type(node))
        if method is None:
            raise ExprError(f"'{_code(node)}' is not allowed in a spec expression")
        value = method(self, node)
        check_number(value)
        return value

    def visit_Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool | int | float):
            return node.value
        raise ExprError(f"constant {brief(node.value)} is not a number")

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in self.scope:
            return self.scope[node.id]
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        names = [*self.scope, *FUNCTIONS]
        raise ExprError(f"unknown name '{clip(node.id)}'{did_you_mean(node.id, names)}")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        op = type(node.op)
        if op not in _BINOPS:
            raise ExprError(f"operator '{_code(node)}' is not allowed")
        _numbers(left, right)
        if op is ast.Pow:
            return _power(left, right)
        return _BINOPS[op](left, right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        if type(node.op) not in _UNARY:
            raise ExprError(f"operator '{_code(node)}' is not allowed")
        value = self.visit(node.operand)
        _numbers(value)
        return _UNARY[type(node.op)](value)

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)

    def visit_Compare(self, node: ast.Compare) -> Any:
        if any(type(op) not in _COMPARE for op in node.ops):
            raise ExprError(f"comparison '{_code(node)}' is not allowed")
        left = self.visit(node.left)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comp)
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
            keys = brief(list(table))[1:-1]
            raise ExprError(f"no entry {brief(key)} in '{_code(node.value)}' (has {keys})")
        if isinstance(table, list):
            if (
                isinstance(key, int)
                and not isinstance(key, bool)
                and -len(table) <= key < len(table)
            ):
                return table[key]
            raise ExprError(f"index {brief(key)} out of range for '{_code(node.value)}'")
        raise ExprError(f"'{_code(node.value)}' is not a table and cannot be indexed")

    def visit_Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = _code(node.func)
            raise ExprError(
                unknown("function", name, FUNCTIONS) + f"; allowed: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise ExprError("keyword arguments are not allowed in spec expressions")
        name = node.func.id
        low, high = ARITY[name]
        if not low <= len(node.args) <= high:
            want = f"{low} or more" if high == MAX_LENGTH else f"{low} to {high}"
            want = f"{low}" if low == high else want
            raise ExprError(f"{name}() takes {want} argument(s), got {len(node.args)}")
        args = [self.visit(a) for a in node.args]
        _numbers(*args)
        return FUNCTIONS[name](*args)


_VISITORS: dict[type[ast.AST], Callable[[_Evaluator, Any], Any]] = {
    getattr(ast, name.removeprefix("visit_")): method
    for name, method in vars(_Evaluator).items()
    if name.startswith("visit_")
}
"""The node types an expression may use, each with its method of _Evaluator."""


def _numbers(*values: Any) -> None:
    for v in values:
        if not isinstance(v, int | float):
            raise ExprError(f"{brief(v)} is not a number")


def _power(base: float, exponent: float) -> Any:
    """base ** exponent, refused when the exponent is over MAX_EXPONENT, when the result
    would be too large, or is not a real number."""
    if abs(exponent) > MAX_EXPONENT:
        raise ExprError(f"exponent {brief(exponent)} is too large (limit {MAX_EXPONENT})")
    what = f"{brief(base)} to the power {brief(exponent)}"
    try:
        value = base**exponent  # at most MAX_MAGNITUDE ** MAX_EXPONENT: about 1,150 digits
    except OverflowError:
        raise ExprError(f"{what} is too large (limit {MAX_MAGNITUDE:.0e})") from None
    if isinstance(value, complex):
        raise ExprError(f"{what} is not a real number")
    return value


class Table(dict[Any, Any]):
    """A mapping read as plain values (a spec's params lookup table); its repr is cut to about
    100 characters, so that no message can echo a huge one."""

    def __repr__(self) -> str:
        return brief(self)


class TableList(list[Any]):
    """A list read as plain values (a params lookup table); its repr is cut as Table's."""

    def __repr__(self) -> str:
        return brief(self)
