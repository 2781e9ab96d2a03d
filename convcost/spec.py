"""YAML spec text -> a validated spec tree in which every item and value keeps its location.

The YAML node graph from `yaml.compose` is walked by hand so that every value keeps its
file, line and column, duplicate keys and aliases are refused, and scalars stay raw for the
expression language. Nothing here knows a formula: layer kinds are looked up in the registry
only for their argument names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import yaml

from convcost.errors import Loc, SpecError, did_you_mean
from convcost.expr import MAX_LENGTH, MAX_MAGNITUDE, SHOWN, brief, clip
from convcost.layers import ACT_FLOPS, KINDS
from convcost.limits import MAX_DEPTH, MAX_SPEC_BYTES

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SUGAR = ("bn", "act")
"""What a kind registered with `sugar=True` also takes: `bn: true` and `act: NAME` append a batch
norm and an activation."""
ACTIVATIONS = (*ACT_FLOPS, "none")
MERGES = ("add", "mul", "concat")
CONTROL = ("repeat", "group", "parallel", "residual")
TOP_KEYS = (
    "convcost",
    "name",
    "title",
    "source",
    "reference",
    "doc",
    "aliases",
    "paper",
    "top1",
    "params",
    "input",
    "defaults",
    "blocks",
    "layers",
)


class Table(dict[Any, Any]):
    """A params lookup table (a mapping); its repr is cut to about 100 characters, so that no
    message can echo a huge one."""

    def __repr__(self) -> str:
        return brief(self)


class TableList(list[Any]):
    """A params lookup table (a list); its repr is cut as Table's."""

    def __repr__(self) -> str:
        return brief(self)


class Value(NamedTuple):
    """A raw spec value (number, bool, None, expression string, or list of Values) and where."""

    raw: Any
    loc: Loc


class LayerItem(NamedTuple):
    """One layer of a registered kind; `bn`/`act` append a batch norm and an activation."""

    kind: str
    args: dict[str, Value]
    name: str | None
    loc: Loc
    bn: Value | None = None
    act: Value | None = None
    torch: str | None = None  # the PyTorch call the reference implementation uses


class UseItem(NamedTuple):
    """A use of a reusable block with arguments."""

    block: str
    args: dict[str, Value]
    name: str | None
    loc: Loc


class RepeatItem(NamedTuple):
    """`layers` repeated `times` times; `i` is the 0-based repetition inside."""

    times: Value
    layers: tuple[Item, ...]
    name: str | None
    loc: Loc


class GroupItem(NamedTuple):
    """A named group of layers (a stage): only adds a path segment."""

    layers: tuple[Item, ...]
    name: str | None
    loc: Loc


class ParallelItem(NamedTuple):
    """Branches applied to the same input (or to equal channel splits), then merged."""

    branches: tuple[tuple[Item, ...], ...]
    merge: str
    split: bool
    name: str | None
    loc: Loc
    default_name: str = "parallel"


Bare = LayerItem | UseItem | RepeatItem | GroupItem | ParallelItem


class WhenItem(NamedTuple):
    """An item that is there only when `cond` holds (e.g. a projection shortcut)."""

    cond: Value
    item: Bare


Item = Bare | WhenItem


class Block(NamedTuple):
    """A reusable block: declared args (None = required) and a body."""

    name: str
    args: dict[str, Value | None]
    layers: tuple[Item, ...]
    loc: Loc


class Top1(NamedTuple):
    """A published ImageNet top-1 accuracy, in percent, of the network at its default params
    changed by `at` (e.g. {width: 0.75}); `source` says where it is printed and how measured."""

    value: float
    source: str
    at: dict[str, Value]
    loc: Loc

    def where(self) -> str:
        """'width=0.75', or 'defaults' for the entry at the default params."""
        return ", ".join(f"{k}={v.raw}" for k, v in self.at.items()) or "defaults"


class Spec(NamedTuple):
    """A parsed, statically validated network spec."""

    name: str
    file: str
    text: str
    params: dict[str, Value]
    input: dict[str, Value]
    layers: tuple[Item, ...]
    blocks: dict[str, Block]
    defaults: dict[str, dict[str, Value]]
    title: str
    source: str
    reference: str
    doc: str
    aliases: tuple[str, ...]
    paper: dict[str, str]
    top1: tuple[Top1, ...]


def load_spec(text: str, file: str) -> Spec:
    """Parse spec `text` (read from `file`, used in messages) into a validated Spec."""
    return Parser(file, text).spec(compose(text, file))


def compose(text: str, file: str) -> yaml.Node | None:
    """The YAML node tree of `text` (marks give every node its line); syntax errors located.

    Size and nesting depth are checked first, on libyaml's (non-recursive) event stream.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(
            f"the spec is {len(text):,} characters; the limit is {MAX_SPEC_BYTES:,}", Loc(file, 1)
        )
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
        return yaml.compose(text, Loader=Loader)
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


class Parser:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.seen: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()
        self.block_names: set[str] = set()

    def loc(self, node: yaml.Node) -> Loc:
        return Loc(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> SpecError:
        return SpecError(message, self.loc(node), hint=hint)

    # -- generic node helpers -------------------------------------------------------------

    def visit(self, node: yaml.Node) -> None:
        if id(node) in self.seen:
            raise self.fail(node, "YAML aliases (*name) are not supported in specs")
        self.seen.add(id(node))

    def no_aliases(self, root: yaml.Node) -> None:
        """Refuse a node reached twice (a YAML alias) anywhere in the tree, read or not."""
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
        self.visit(node)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def string(self, node: yaml.Node, what: str) -> str:
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

    def table(self, node: yaml.Node) -> Value:
        """A param value: a scalar, or a lookup table (mapping or list) of plain values."""
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return Value(self.plain(node, "a params table"), self.loc(node))
        return self.value(node)

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
        text, tag = str(node.value), node.tag
        if getattr(node, "style", None) not in (None, ""):  # quoted, or a | > block: text
            return text
        if tag == YAML_TAG + "str" and not LEADING_ZERO.fullmatch(text):
            return text
        if tag == YAML_TAG + "null":
            return None
        if tag == YAML_TAG + "bool":
            return text.lower() in ("true", "yes", "on")
        if tag == YAML_TAG + "merge":
            raise self.fail(
                node, "YAML merge keys (<<) are not supported", hint="write the keys out"
            )
        if tag == YAML_TAG + "timestamp":
            raise self.fail(
                node, f"'{clip(text)}' is a date to YAML, not a number or an expression"
            )
        if tag not in (YAML_TAG + "int", YAML_TAG + "float", YAML_TAG + "str"):
            raise self.fail(node, f"'{clip(text)}' is not a value")
        return self.number(node, text)

    def number(self, node: yaml.Node, text: str) -> int | float:
        """A plain scalar YAML resolved as a number (or one with a leading 0), as written."""
        if text.lower() in NOT_FINITE:
            raise self.fail(node, f"{text} is not a finite number")
        if DECIMAL_INT.fullmatch(text) or DECIMAL_FLOAT.fullmatch(text):
            whole = len(text.lstrip("+-").split(".")[0])  # over 40 digits: too large anyway
            exact = DECIMAL_INT.fullmatch(text) and whole <= 40
            value = int(text) if exact else float(text)
            if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
                raise self.fail(node, f"{clip(text, 40)} is too large (limit {MAX_MAGNITUDE:.0e})")
            return value
        read = None
        if len(text) <= 20:  # YAML's reading, to show (a long base-60 one can be huge)
            try:
                read = self.constructor.construct_object(node)
            except (yaml.YAMLError, ValueError):
                read = None
        message, hint = _not_decimal(text, read)
        raise self.fail(node, message, hint=hint)

    def check_keys(
        self, m: Mapping[str, tuple[yaml.Node, yaml.Node]], allowed: Any, what: str
    ) -> None:
        for key, (k, _) in m.items():
            if key not in allowed:
                raise self.fail(
                    k,
                    f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                    hint="allowed: " + ", ".join(allowed),
                )

    def require_keys(self, node: yaml.Node, m: Mapping[str, Any], keys: Any, what: str) -> None:
        for key in keys:
            if key not in m:
                raise self.fail(node, f"{what} needs '{key}'")

    # -- the spec ---------------------------------------------------------------------------

    def spec(self, root: yaml.Node | None) -> Spec:
        if root is None:
            raise SpecError(
                "the spec is empty",
                Loc(self.file, 1),
                hint="a spec needs at least name, input and layers",
            )
        top = self.mapping(root, "the spec")
        self.check_keys(top, TOP_KEYS, "the spec")
        self.require_keys(root, top, ("name", "input", "layers"), "the spec")
        if "convcost" in top:
            version = self.value(top["convcost"][1])
            if version.raw != 1:
                raise SpecError(
                    f"unsupported spec version {brief(version.raw)} (this convcost reads 1)",
                    version.loc,
                )
        text = {
            k: self.string(top[k][1], k) if k in top else ""
            for k in ("name", "title", "source", "reference", "doc")
        }
        params = {}
        if "params" in top:
            for key, (_, v) in self.mapping(top["params"][1], "params").items():
                params[key] = self.table(v)
        inp_node = top["input"][1]
        inp = {k: self.value(v) for k, (_, v) in self.mapping(inp_node, "input").items()}
        self.check_keys(self.mapping_keys(inp_node), ("c", "h", "w"), "input")
        self.require_keys(inp_node, inp, ("c", "h", "w"), "input")
        blocks_nodes = self.mapping(top["blocks"][1], "blocks") if "blocks" in top else {}
        self.block_names = set(blocks_nodes)
        for name, (k, _) in blocks_nodes.items():
            if name in KINDS or name in CONTROL:
                raise self.fail(k, f"block name '{name}' is already a layer kind")
        defaults = self.defaults(top["defaults"][1]) if "defaults" in top else {}
        blocks = {name: self.block(name, k, v) for name, (k, v) in blocks_nodes.items()}
        aliases: tuple[str, ...] = ()
        if "aliases" in top:
            aliases = tuple(
                self.string(n, "an alias") for n in self.sequence(top["aliases"][1], "aliases")
            )
        paper = {}
        if "paper" in top:
            fields = self.mapping(top["paper"][1], "paper")
            self.check_keys(fields, ("macs", "params", "where"), "paper")
            paper = {k: str(self.value(v).raw) for k, (_, v) in fields.items()}
        top1 = self.top1(top["top1"][1], params) if "top1" in top else ()
        layers = self.items(top["layers"][1], "layers")
        self.no_aliases(root)
        return Spec(
            name=text["name"],
            file=self.file,
            text=self.text,
            params=params,
            input=inp,
            layers=layers,
            blocks=blocks,
            defaults=defaults,
            title=text["title"],
            source=text["source"],
            reference=text["reference"],
            doc=text["doc"],
            aliases=aliases,
            paper=paper,
            top1=top1,
        )

    def top1(self, node: yaml.Node, params: Mapping[str, Value]) -> tuple[Top1, ...]:
        """`top1:` one {value, source, at} mapping, or a list of them with different `at`."""
        many = isinstance(node, yaml.SequenceNode)
        out: dict[str, Top1] = {}
        for n in self.sequence(node, "top1") if many else [node]:
            m = self.mapping(n, "a top1 entry" if many else "top1")
            self.check_keys(m, ("value", "source", "at"), "top1")
            self.require_keys(n, m, ("value", "source"), "top1")
            value = self.value(m["value"][1])
            if not isinstance(value.raw, int | float) or isinstance(value.raw, bool):
                raise SpecError("top1 value must be a number (a percentage)", value.loc)
            if not 0 < value.raw <= 100:
                raise SpecError(f"top1 value {value.raw} is not in (0, 100] (percent)", value.loc)
            at = {}
            if "at" in m:
                for key, (k, v) in self.mapping(m["at"][1], "top1 at").items():
                    if key not in params:
                        raise self.fail(
                            k,
                            f"unknown param '{key}' in top1 at{did_you_mean(key, params)}",
                            hint="params: " + (", ".join(params) or "none"),
                        )
                    at[key] = self.value(v)
            same = repr(sorted((k, v.raw) for k, v in at.items()))
            if same in out:
                line = out[same].loc.line
                raise self.fail(n, f"a second top1 entry for the same params (first: line {line})")
            source = self.string(m["source"][1], "top1 source")
            out[same] = Top1(float(value.raw), source, at, self.loc(n))
        return tuple(out.values())

    def mapping_keys(self, node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys of an already visited mapping node (for key checks after reading values)."""
        return {str(k.value): (k, v) for k, v in node.value}

    def defaults(self, node: yaml.Node) -> dict[str, dict[str, Value]]:
        out = {}
        for kind, (k, v) in self.mapping(node, "defaults").items():
            if kind not in KINDS:
                raise self.fail(
                    k, f"unknown layer kind '{kind}' in defaults{did_you_mean(kind, KINDS)}"
                )
            args = {
                key: self.value(vn) for key, (_, vn) in self.mapping(v, f"defaults.{kind}").items()
            }
            self.check_args(kind, self.mapping_keys(v), args)
            out[kind] = args
        return out

    def block(self, name: str, key: yaml.Node, node: yaml.Node) -> Block:
        m = self.mapping(node, f"block '{name}'")
        self.check_keys(m, ("args", "layers", "doc"), f"block '{name}'")
        self.require_keys(key, m, ("layers",), f"block '{name}'")
        args: dict[str, Value | None] = {}
        if "args" in m:
            for arg, (ak, av) in self.mapping(m["args"][1], f"args of block '{name}'").items():
                if arg in ("name", "C", "H", "W", "i"):
                    raise self.fail(ak, f"'{arg}' is reserved and cannot be a block argument")
                v = self.value(av)
                args[arg] = None if v.raw == "required" else v
        if "doc" in m:
            self.string(m["doc"][1], "doc")
        return Block(
            name, args, self.items(m["layers"][1], f"layers of block '{name}'"), self.loc(key)
        )

    def items(self, node: yaml.Node, what: str) -> tuple[Item, ...]:
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            raise self.fail(node, f"{what} is empty")
        return tuple(self.item(n) for n in self.sequence(node, what))

    def item(self, node: yaml.Node) -> Item:
        loc = self.loc(node)
        key_node: yaml.Node
        body: yaml.Node | None
        if isinstance(node, yaml.ScalarNode):
            self.visit(node)
            self.name(node)
            key, body, key_node = str(node.value), None, node
        else:
            m = self.mapping(node, "a layer")
            if len(m) != 1:
                raise self.fail(
                    node,
                    "a layer is one 'kind: {args}' pair, got keys " + ", ".join(m),
                    hint="indent arguments under the kind",
                )
            ((key, (key_node, body)),) = m.items()
        if (
            body is not None
            and isinstance(body, yaml.ScalarNode)
            and body.value in ("", "~", "null")
        ):
            self.visit(body)
            body = None
        fields = self.mapping(body, f"'{key}'") if body is not None else {}
        name = self.string(fields.pop("name")[1], "name") if "name" in fields else None
        when = self.value(fields.pop("when")[1]) if "when" in fields else None
        item = self.bare_item(key, key_node, fields, name, loc)
        return item if when is None else WhenItem(when, item)

    def bare_item(
        self,
        key: str,
        key_node: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        name: str | None,
        loc: Loc,
    ) -> Bare:
        if key in CONTROL:
            return self.control(key, key_node, fields, name, loc)
        if key in self.block_names:
            args = {k: self.value(v) for k, (_, v) in fields.items()}
            return UseItem(key, args, name, loc)
        if key not in KINDS:
            choices = [*KINDS, *self.block_names, *CONTROL]
            raise self.fail(key_node, f"unknown layer kind '{key}'{did_you_mean(key, choices)}")
        args = {k: self.value(v) for k, (_, v) in fields.items()}
        sugar = {s: args.pop(s) for s in SUGAR if s in args and KINDS[key].sugar}
        self.check_args(key, fields, args)
        torch = args.pop("torch").raw if "torch" in args else None
        return LayerItem(key, args, name, loc, sugar.get("bn"), sugar.get("act"), torch)

    def check_args(
        self,
        kind: str,
        fields: Mapping[str, tuple[yaml.Node, yaml.Node]],
        args: Mapping[str, Value],
    ) -> None:
        allowed = [*KINDS[kind].args, *(SUGAR if KINDS[kind].sugar else ())]
        call = args["torch"].raw if "torch" in args else None
        if call is not None and not isinstance(call, str):
            raise self.fail(fields["torch"][1], "torch must be a text (a PyTorch call)")
        if call is not None and call not in KINDS[kind].torch:
            raise self.fail(
                fields["torch"][1],
                f"'{kind}' is not computed by torch call {brief(call)}"
                + did_you_mean(call, KINDS[kind].torch),
                hint="torch calls of " + kind + ": " + ", ".join(KINDS[kind].torch),
            )
        for key in args:
            if key not in allowed and key != "torch":
                hint = (
                    ("arguments of " + kind + ": " + ", ".join(allowed))
                    if allowed
                    else f"'{kind}' takes no arguments"
                )
                if any(c in key for c in "()[]"):
                    hint = FLOW_HINT
                raise self.fail(
                    fields[key][0],
                    f"unknown argument '{key}' for '{kind}'{did_you_mean(key, allowed)}",
                    hint=hint,
                )

    def control(
        self,
        key: str,
        key_node: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        name: str | None,
        loc: Loc,
    ) -> Bare:
        allowed = {
            "repeat": ("times", "layers"),
            "group": ("layers",),
            "parallel": ("branches", "merge", "split"),
            "residual": ("layers", "shortcut"),
        }[key]
        self.check_keys(fields, (*allowed, "name", "when"), f"'{key}'")
        required = {
            "repeat": ("times", "layers"),
            "group": ("layers",),
            "parallel": ("branches", "merge"),
            "residual": ("layers",),
        }[key]
        self.require_keys(key_node, fields, required, f"'{key}'")
        if key == "repeat":
            return RepeatItem(
                self.value(fields["times"][1]),
                self.items(fields["layers"][1], "layers of 'repeat'"),
                name,
                loc,
            )
        if key == "group":
            return GroupItem(self.items(fields["layers"][1], "layers of 'group'"), name, loc)
        if key == "residual":
            shortcut = self.branch(fields["shortcut"][1]) if "shortcut" in fields else ()
            body = self.items(fields["layers"][1], "layers of 'residual'")
            return ParallelItem((shortcut, body), "add", False, name, loc, "residual")
        merge = self.string(fields["merge"][1], "merge")
        if merge not in MERGES:
            raise self.fail(
                fields["merge"][1],
                f"merge must be one of {', '.join(MERGES)}, "
                f"got '{clip(merge)}'{did_you_mean(clip(merge), MERGES)}",
            )
        split = False
        if "split" in fields:
            split_value = self.value(fields["split"][1])
            if not isinstance(split_value.raw, bool):
                raise SpecError("split must be true or false", split_value.loc)
            split = split_value.raw
        branches = tuple(self.branch(b) for b in self.sequence(fields["branches"][1], "branches"))
        if len(branches) < 2:
            raise self.fail(fields["branches"][1], "parallel needs at least two branches")
        return ParallelItem(branches, merge, split, name, loc)

    def branch(self, node: yaml.Node) -> tuple[Item, ...]:
        """A branch: a list of items; `[]` is the identity."""
        return tuple(self.item(n) for n in self.sequence(node, "a branch"))


def activation_names() -> dict[str, str]:
    """Activation names usable as values in expressions (`act: relu`, `act: act`)."""
    return {a: a for a in ACTIVATIONS}
