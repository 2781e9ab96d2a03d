"""YAML spec text -> a validated spec tree in which every item and value keeps its location.

The spec language on top of the YAML reader (convcost/yamlnodes.py, which keeps every value's
file, line and column and its scalars raw for the expression language). Nothing here knows a
formula: layer kinds are looked up in the registry only for their argument names.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

import yaml

from convcost.errors import Loc, SpecError, did_you_mean, unknown
from convcost.expr import brief, clip
from convcost.layers import ACT_FLOPS, KINDS
from convcost.limits import no_gc
from convcost.yamlnodes import FLOW_HINT, Reader, Value

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


class Inputs(NamedTuple):
    """An item's `from:`: the names of earlier items whose outputs it reads (instead of the
    output of the item before it); several for a merge (add, mul, concat)."""

    names: tuple[str, ...]
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
    inputs: Inputs | None = None


class UseItem(NamedTuple):
    """A use of a reusable block with arguments."""

    block: str
    args: dict[str, Value]
    name: str | None
    loc: Loc
    inputs: Inputs | None = None


class RepeatItem(NamedTuple):
    """`layers` repeated `times` times; `i` is the 0-based repetition inside."""

    times: Value
    layers: tuple[Item, ...]
    name: str | None
    loc: Loc
    inputs: Inputs | None = None


class GroupItem(NamedTuple):
    """A named group of layers (a stage): only adds a path segment."""

    layers: tuple[Item, ...]
    name: str | None
    loc: Loc
    inputs: Inputs | None = None


class ParallelItem(NamedTuple):
    """Branches applied to the same input (or to equal channel splits), then merged."""

    branches: tuple[tuple[Item, ...], ...]
    merge: str
    split: bool
    name: str | None
    loc: Loc
    default_name: str = "parallel"
    shortcut_when: Value | None = None  # a residual's: without it, the body alone (no add)
    inputs: Inputs | None = None


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
    with no_gc():
        return Parser(file, text).spec()


class Parser(Reader):
    """Reads a spec's nodes into the spec tree: the spec language on top of the YAML reader."""

    def __init__(self, file: str, text: str) -> None:
        super().__init__(file, text)
        self.block_names: set[str] = set()

    def table(self, node: yaml.Node) -> Value:
        """A param value: a scalar, or a lookup table (mapping or list) of plain values."""
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return Value(self.plain(node, "a params table"), self.loc(node))
        return self.value(node)

    # -- the spec ---------------------------------------------------------------------------

    def spec(self) -> Spec:
        """The spec tree of the text."""
        root = self.root
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
                            unknown("param", key, params, " in top1 at"),
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

    def defaults(self, node: yaml.Node) -> dict[str, dict[str, Value]]:
        out = {}
        for kind, (k, v) in self.mapping(node, "defaults").items():
            if kind not in KINDS:
                raise self.fail(k, unknown("layer kind", kind, KINDS, " in defaults"))
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
        inputs = self.inputs(fields.pop("from")) if "from" in fields else None
        item = self.bare_item(key, key_node, fields, name, loc)
        if inputs is not None:
            item = item._replace(inputs=inputs)
        return item if when is None else WhenItem(when, item)

    def inputs(self, field: tuple[yaml.Node, yaml.Node]) -> Inputs:
        """`from: NAME` or `from: [NAME, ...]`: names of earlier items."""
        key, node = field
        nodes = self.sequence(node, "from") if isinstance(node, yaml.SequenceNode) else [node]
        if not nodes:
            raise self.fail(node, "from: needs at least one name")
        return Inputs(tuple(self.string(n, "a name in from") for n in nodes), self.loc(key))

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
            raise self.fail(key_node, unknown("layer kind", key, choices))
        args = {k: self.value(v) for k, (_, v) in fields.items()}
        bn, act = (args.pop(s, None) if KINDS[key].sugar else None for s in SUGAR)
        self.check_args(key, fields, args)
        torch = args.pop("torch").raw if "torch" in args else None
        return LayerItem(key, args, name, loc, bn, act, torch)

    def check_args(
        self,
        kind: str,
        fields: Mapping[str, tuple[yaml.Node, yaml.Node]],
        args: Mapping[str, Value],
    ) -> None:
        allowed = _allowed(kind)
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
                    unknown("argument", key, allowed, f" for '{kind}'"),
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
            "residual": ("layers", "shortcut", "shortcut_when"),
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
            keep = self.value(fields["shortcut_when"][1]) if "shortcut_when" in fields else None
            return ParallelItem((shortcut, body), "add", False, name, loc, "residual", keep)
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


@cache
def _allowed(kind: str) -> tuple[str, ...]:
    """The arguments a layer of `kind` may be given: its own, and bn/act if it takes them."""
    return (*KINDS[kind].args, *(SUGAR if KINDS[kind].sugar else ()))
