"""YAML text -> a node tree in which every value keeps its file, line and column.

The reader shared by spec files (convcost/spec.py) and device profiles (convcost/latency.py):
`compose` checks size and nesting and locates syntax errors; a `Reader` walks the nodes by hand,
so that every value keeps file:line:col, duplicate keys, aliases and tags are refused, and
scalars stay raw (text is read as written, numbers only in plain decimal). It knows nothing of
what the keys mean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from itertools import chain
from typing import Any, ClassVar, NamedTuple

import yaml

from convcost.errors import Loc, SpecError, unknown
from convcost.expr import MAX_LENGTH, MAX_MAGNITUDE, SHOWN, Table, TableList, brief, clip
from convcost.limits import MAX_DEPTH, MAX_SPEC_BYTES

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it (about ten times faster), else the pure-Python one."""


_RESOLVER = yaml.resolver.Resolver()
_RESOLVER.yaml_path_resolvers = {}  # none, whatever PyYAML's resolvers were given


@lru_cache(maxsize=4096)
def _tag(kind: Any, value: Any, implicit: Any) -> str:
    """The tag YAML gives a node without one (`3` is an int, `conv` a str), resolved once per
    distinct scalar (a spec repeats `conv`, `out` and `3` thousands of times): the composer
    asks for every node, and a hit in lru_cache's C lookup runs no Python."""
    return str(_RESOLVER.resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


class Composer(Loader):  # type: ignore[misc,valid-type]  # a class chosen at run time
    """The loader, resolving tags with `_tag`, with no YAML path resolvers to track."""

    yaml_path_resolvers: ClassVar[dict[Any, Any]] = {}
    resolve = staticmethod(_tag)

    def descend_resolver(self, parent: Any, index: Any) -> None:
        """Nothing to track: there are no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to track: there are no path resolvers."""


class Value(NamedTuple):
    """A raw value (number, bool, None, text such as an expression, or a list of Values) and
    where it is written."""

    raw: Any
    loc: Loc


class Tree(NamedTuple):
    """A composed YAML text: its root node (None for an empty text), and whether a node may be
    reached twice (a YAML alias), which a Reader then looks for."""

    root: yaml.Node | None
    aliases: bool


PROPERTY = re.compile(r"(?:[\n\r\x85\u2028\u2029\ufeff:?,\[{-][ \t]*|&\S+[ \t]+)[!*]")
"""Where a tag (`!`) or an alias (`*`) may begin: after a line break, an indicator or an
anchor, and blanks. A plain scalar such as `stride != 1` or `2 * c` does not match."""
PROBE_DEPTH = 1_001
"""Lists nested this deep: refused by a libyaml that bounds nesting itself (at 1,000 levels),
read without harm by one that does not."""


def compose(text: str, file: str) -> Tree:
    """The YAML node tree of `text` (marks give every node its line): size, nesting depth and
    tags checked, syntax errors located.

    A text in which no tag or alias may begin is composed once, by a libyaml that bounds nesting
    itself, and its depth counted on the nodes. Any other text, or one that fails there, is read
    as events first (`_checked`), so that the first problem in the text is the one reported.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(
            f"the spec is {len(text):,} characters; the limit is {MAX_SPEC_BYTES:,}", Loc(file, 1)
        )
    try:
        if _nesting_bounded() and _plain(text):
            try:
                root = yaml.compose(text, Loader=Composer)
            except yaml.YAMLError:
                pass  # _checked reports it, after any problem earlier in the text
            else:
                if _depth(root) <= MAX_DEPTH:
                    return Tree(root, aliases=False)
        return Tree(_checked(text, file), aliases=True)
    finally:
        _tag.cache_clear()  # what it holds is this text's: never more than one text's size


def _plain(text: str) -> bool:
    """Whether no tag or alias can begin anywhere in `text`."""
    if "!" not in text and "*" not in text:
        return True
    return PROPERTY.search("\n" + text) is None  # the start of the text is a line's


@cache
def _nesting_bounded() -> bool:
    """Whether the C loader refuses deep nesting itself, as libyaml after 0.2.5 does: composing
    then cannot overflow the stack however deep a text nests (the pure-Python composer would
    recurse in Python), so the text need not be read as events first."""
    if Loader is yaml.SafeLoader:
        return False
    try:
        yaml.compose("[" * PROBE_DEPTH + "]" * PROBE_DEPTH, Loader=Loader)
    except yaml.YAMLError:
        return True
    return False


def _depth(root: yaml.Node | None) -> int:
    """Levels of collections nested in the tree, counted up to MAX_DEPTH + 1."""
    level: list[yaml.Node] = [root] if isinstance(root, yaml.CollectionNode) else []
    depth = 0
    while level and depth <= MAX_DEPTH:  # the composer makes these three classes, no subclass
        depth += 1
        children: list[yaml.Node] = []
        for node in level:
            seq = type(node) is yaml.SequenceNode
            children += node.value if seq else chain.from_iterable(node.value)
        level = [n for n in children if type(n) is not yaml.ScalarNode]
    return depth


def _checked(text: str, file: str) -> yaml.Node | None:
    """`text` read as libyaml's (non-recursive) event stream, refusing the first tag or level
    of nesting too deep, then composed; syntax errors located."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=Loader):
            if getattr(event, "tag", None) is not None:
                raise _tagged(event, file)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    at = Loc(file, mark.line + 1, mark.column + 1) if mark else Loc(file, 1)
                    raise SpecError(f"nested more than {MAX_DEPTH} levels deep", at)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=Composer)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Loc(file, mark.line + 1, mark.column + 1) if mark else None
        raise SpecError(
            f"YAML syntax error: {e.problem or e.context}", loc, hint=_syntax_hint(text, mark)
        ) from None
    except yaml.YAMLError as e:
        raise SpecError(f"cannot read YAML: {e}", Loc(file, 1)) from None


def _tagged(event: Any, file: str) -> SpecError:
    """The error for a YAML tag (`!!int 8`, `!custom x`): a spec's values are read as written."""
    tag = str(event.tag)
    if tag.startswith(YAML_TAG):
        tag = "!!" + tag[len(YAML_TAG) :]
    mark = event.start_mark
    return SpecError(
        f"YAML tags ({clip(tag, 40)}) are not supported",
        Loc(file, mark.line + 1, mark.column + 1) if mark else Loc(file, 1),
        hint="write the value without a tag: numbers as 64 or 0.5, true/false, "
        "expressions and names as they are",
    )


MAX_ITEMS = 16
"""Longest list a value may be (a pair or a padding has 2 or 4; a table is a param)."""
YAML_TAG = "tag:yaml.org,2002:"
STR, NULL, BOOL, INT, FLOAT, MERGE, TIMESTAMP = (
    YAML_TAG + t for t in ("str", "null", "bool", "int", "float", "merge", "timestamp")
)
DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
NOT_FINITE = (".inf", "+.inf", "-.inf", ".nan")


def _not_decimal(text: str, value: Any) -> tuple[str, str]:
    """Why a number YAML 1.1 reads in another base (or with a leading 0 or underscores) is
    refused, and the hint: (message, hint). `value` is YAML's reading, or None."""
    shown = f"'{clip(text, 40)}'"
    read = f" ({value})" if isinstance(value, int | float) else ""
    if ":" in text:
        return f"{shown} is a base-60 number to YAML 1.1{read}", "write the number in decimal"
    if "x" in text.lower():
        return f"{shown} is a hexadecimal number{read}", "write the number in decimal"
    if "b" in text.lower():
        return f"{shown} is a binary number{read}", "write the number in decimal"
    if LEADING_ZERO.fullmatch(text):
        sign = "-" if text.startswith("-") else ""
        decimal = sign + clip(text.replace("_", "").lstrip("+-").lstrip("0") or "0", 40)
        if read:
            return f"{shown} has a leading 0, so YAML 1.1 reads it as octal{read}", (
                f"write {decimal} for the decimal number"
            )
        return f"{shown} has a leading 0", f"write {decimal}"
    return f"{shown} has underscores, which YAML 1.1 drops{read}", (
        "write the number without underscores"
    )


def _syntax_hint(text: str, mark: Any) -> str:
    """Hints for the classic traps: tabs, and `{out: max(8, c)}` ending a scalar at ','."""
    if mark is None:
        return ""
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line:
        return "YAML does not allow tabs for indentation: indent with spaces"
    return FLOW_HINT if "{" in line and "(" in line else ""


FLOW_HINT = (
    "inside { } a plain value ends at , [ ] { }: quote expressions there, "
    'e.g. out: "max(8, C // 4)"'
)


class Reader:
    """Reads the nodes of one YAML text: each method checks a node's kind and returns its value,
    or raises a SpecError located at the node."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        tree = compose(text, file)
        self.root = tree.root
        self.seen: set[int] | None = set() if tree.aliases else None  # None: no node twice
        self.constructor = yaml.constructor.SafeConstructor()
        self.plain_scalars: dict[tuple[str, str], Any] = {}  # scalar()'s value of each distinct
        # plain scalar read (a spec repeats `conv`, `out` and `3` thousands of times)

    def loc(self, node: yaml.Node) -> Loc:
        """Where `node` starts: file, 1-based line and column."""
        mark = node.start_mark
        return Loc(self.file, mark.line + 1, mark.column + 1)

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> SpecError:
        """A SpecError located at `node`."""
        return SpecError(message, self.loc(node), hint=hint)

    def visit(self, node: yaml.Node) -> None:
        """Note `node` as read; refuse one read before (a YAML alias)."""
        if self.seen is None:
            return
        if id(node) in self.seen:
            raise self.fail(node, "YAML aliases (*name) are not supported in specs")
        self.seen.add(id(node))

    def no_aliases(self, root: yaml.Node) -> None:
        """Refuse a node reached twice (a YAML alias) anywhere in the tree, read or not."""
        if self.seen is None:
            return
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                raise self.fail(node, "YAML aliases (*name) are not supported in specs")
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(n for pair in node.value for n in pair)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Mapping node -> {key: (key node, value node)}, refusing duplicates and odd keys."""
        self.visit(node)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            self.visit(k)
            if not isinstance(k, yaml.ScalarNode):
                raise self.fail(k, f"keys in {what} must be plain names")
            key = self.name(k)
            if key in out:
                first = self.loc(out[key][0])
                raise self.fail(
                    k, f"duplicate key '{clip(key)}' in {what} (first at line {first.line})"
                )
            out[key] = (k, v)
        return out

    def name(self, node: yaml.Node) -> str:
        """A key, or a layer written as a bare kind: text of at most SHOWN characters."""
        key = str(self.scalar(node))
        if len(key) > SHOWN:
            raise self.fail(node, f"a name of {len(key):,} characters; the limit is {SHOWN}")
        return key

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        """A sequence node's items; `what` names it in the error if it is none."""
        self.visit(node)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def string(self, node: yaml.Node, what: str) -> str:
        """A scalar YAML reads as text (not a number, bool or null)."""
        self.visit(node)
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be a text")
        return str(node.value)

    def value(self, node: yaml.Node, in_list: bool = False) -> Value:
        """A scalar (kept raw: strings are expressions) or a short list of scalars."""
        self.visit(node)
        if isinstance(node, yaml.SequenceNode):
            if in_list:
                raise self.fail(node, "expected a number or an expression, not a list in a list")
            if len(node.value) > MAX_ITEMS:
                raise self.fail(
                    node, f"a list of {len(node.value):,} values; the limit is {MAX_ITEMS}"
                )
            return Value([self.value(n, True) for n in node.value], self.loc(node))
        if isinstance(node, yaml.MappingNode):
            raise self.fail(node, "expected a number or an expression, not a mapping")
        raw = self.scalar(node)
        if isinstance(raw, str) and len(raw) > MAX_LENGTH:
            raise self.fail(node, f"a value of {len(raw):,} characters; the limit is {MAX_LENGTH}")
        return Value(raw, self.loc(node))

    def plain(self, node: yaml.Node, what: str) -> Any:
        """A table's mapping, list or scalar as plain Python values; duplicate and odd keys,
        aliases, tags and merge keys refused as everywhere else."""
        self.visit(node)
        if isinstance(node, yaml.SequenceNode):
            return TableList(self.plain(n, what) for n in node.value)
        if not isinstance(node, yaml.MappingNode):
            return self.scalar(node)
        out = Table()
        first: dict[Any, yaml.Node] = {}
        for k, v in node.value:
            self.visit(k)
            if not isinstance(k, yaml.ScalarNode):
                raise self.fail(k, f"keys in {what} must be numbers or names")
            key = self.scalar(k)
            if key in out:
                line = self.loc(first[key]).line
                raise self.fail(k, f"duplicate key {brief(key)} in {what} (first at line {line})")
            first[key] = k
            out[key] = self.plain(v, what)
        return out

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's value as a person reads it: text (an expression or a name), a plain
        decimal number, true/false (also yes/no, on/off), or None. Numbers YAML 1.1 would read
        otherwise (064 octal, 1:04 base 60, 0x10, 1_000), non-finite numbers, numbers beyond
        MAX_MAGNITUDE, dates and merge keys are refused."""
        text: str = node.value
        if getattr(node, "style", None):  # quoted, or a | > block: text
            return text
        key = (node.tag, text)
        if key in self.plain_scalars:
            return self.plain_scalars[key]
        value = self.plain_scalars[key] = self._plain_scalar(node, *key)
        return value

    def _plain_scalar(self, node: yaml.Node, tag: str, text: str) -> Any:
        """scalar() of a plain (unquoted) scalar, which its tag and text decide."""
        if tag == STR and not LEADING_ZERO.fullmatch(text):
            return text
        if tag in (INT, FLOAT, STR):
            return self.number(node, text)
        if tag == NULL:
            return None
        if tag == BOOL:
            return text.lower() in ("true", "yes", "on")
        if tag == MERGE:
            raise self.fail(
                node, "YAML merge keys (<<) are not supported", hint="write the keys out"
            )
        if tag == TIMESTAMP:
            raise self.fail(
                node, f"'{clip(text)}' is a date to YAML, not a number or an expression"
            )
        raise self.fail(node, f"'{clip(text)}' is not a value")

    def number(self, node: yaml.Node, text: str) -> int | float:
        """A plain scalar YAML resolved as a number (or one with a leading 0), as written."""
        value: int | float
        if DECIMAL_INT.fullmatch(text):  # over 40 digits: too large anyway
            value = int(text) if len(text.lstrip("+-")) <= 40 else float(text)
        elif DECIMAL_FLOAT.fullmatch(text):
            value = float(text)
        elif text.lower() in NOT_FINITE:
            raise self.fail(node, f"{text} is not a finite number")
        else:
            raise self.not_decimal(node, text)
        if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
            raise self.fail(node, f"{clip(text, 40)} is too large (limit {MAX_MAGNITUDE:.0e})")
        return value

    def not_decimal(self, node: yaml.Node, text: str) -> SpecError:
        """The error for a number not written in plain decimal, with YAML 1.1's reading."""
        read = None
        if len(text) <= 20:  # YAML's reading, to show (a long base-60 one can be huge)
            try:
                read = self.constructor.construct_object(node)
            except (yaml.YAMLError, ValueError):
                read = None
        message, hint = _not_decimal(text, read)
        return self.fail(node, message, hint=hint)

    def check_keys(
        self, m: Mapping[str, tuple[yaml.Node, yaml.Node]], allowed: Any, what: str
    ) -> None:
        """Refuse a key of mapping `m` not in `allowed`, with a did-you-mean."""
        for key, (k, _) in m.items():
            if key not in allowed:
                raise self.fail(
                    k,
                    unknown("key", key, allowed, f" in {what}"),
                    hint="allowed: " + ", ".join(allowed),
                )

    def require_keys(self, node: yaml.Node, m: Mapping[str, Any], keys: Any, what: str) -> None:
        """Refuse mapping `m` (read from `node`) if it lacks one of `keys`."""
        for key in keys:
            if key not in m:
                raise self.fail(node, f"{what} needs '{key}'")

    def mapping_keys(self, node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys of an already visited mapping node (for key checks after reading values)."""
        return {str(k.value): (k, v) for k, v in node.value}
