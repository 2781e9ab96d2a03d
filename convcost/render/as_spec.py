"""A report written back as a spec (`convcost import model.onnx -o net.yaml`): one item per
layer, in order, each named after its layer's path and reading the layers it reads with
`from:`, so the spec analyzes to exactly the report's per-layer costs and can then be edited
(a width, a group count) or swept (`resolution`, when the input is square).

What a report does not hold, the spec cannot say: a layer that reads part of another's
channels (a channel split, ONNX's Slice or Split) gets a `split` view in front of it, taking
the parts in the order they are read (which part of the channels a layer took does not change
any cost); a layer that reads any other reshaping of its source cannot be written, and is
refused by name.
"""

from __future__ import annotations

import json
from typing import Any

from convcost.errors import ConvcostError
from convcost.report import LayerCost, Report
from convcost.shapes import Shape


def spec_text(report: Report, name: str, source: str) -> str:
    """`report` as spec text; `source` says where it came from (the spec's `source:`)."""
    writer = _Writer(report)
    for i, layer in enumerate(report.layers):
        writer.layer(i, layer)
    c, h, w = report.input
    size = [f"  resolution: {h}"] if h == w else [f"  height: {h}", f"  width: {w}"]
    hw = "h: resolution, w: resolution" if h == w else "h: height, w: width"
    doc = (
        "Written by `convcost import` from the graph: one item per layer, named after its "
        "node, reading the layers it reads with from:."
    )
    lines = [
        "convcost: 1",
        f"name: {_text(name)}",
        f"title: {_text(name)}",
        f"source: {_text(source)}",
        f"doc: {_text(doc)}",
        "params:",
        *size,
        f"input: {{c: {c}, {hw}}}",
        "layers:",
        *writer.lines,
    ]
    return "\n".join(lines) + "\n"


class _Writer:
    """The spec's items, a layer at a time, with the names `from:` refers to."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.lines: list[str] = []
        self.names: dict[int, str] = {-1: "input"}  # layer index -> its item's name
        self.taken: set[str] = {"input"}
        self.last = "input"  # the item written last: what an item without `from:` reads
        self.parts: dict[tuple[int, int], int] = {}  # (source, parts) -> chunks handed out

    def layer(self, i: int, layer: LayerCost) -> None:
        """Append `layer`'s item (after the split views it reads through)."""
        sources = layer.sources or (i - 1,)
        reads = [self.read(s, x, layer) for s, x in zip(sources, layer.inputs, strict=True)]
        args = {
            k: _value(v)
            for k, v in layer.args.items()
            if v is not None and _value(v) != _value(layer.facts.args[k].default)
        }  # the arguments that are not the kind's defaults
        if layer.torch and layer.torch != layer.facts.torch[0]:
            args["torch"] = _text(layer.torch)
        self.names[i] = self.item(layer.kind, args, layer.path, reads)

    def read(self, source: int, shape: Shape, reader: LayerCost) -> str:
        """The name of what a layer reads from `source`: the source itself, or a split of
        its channels written in front of the layer."""
        out = self.report.input if source < 0 else self.report.layers[source].out
        if shape == out:
            return self.names[source]
        if (shape.h, shape.w) != (out.h, out.w) or out.c % shape.c:
            raise ConvcostError(
                f"layer {reader.path} reads {shape} reshaped from {out}, which a spec cannot write",
                hint="a spec can read a whole tensor or a split of its channels",
            )
        parts = out.c // shape.c
        index = self.parts.get((source, parts), 0) % parts
        self.parts[(source, parts)] = index + 1
        path = f"{self.names[source]}.split{index + 1}"
        args = {"parts": str(parts), "index": str(index)}
        return self.item("split", args, path, [self.names[source]])

    def item(self, kind: str, args: dict[str, str], path: str, reads: list[str]) -> str:
        """Append `- kind: {args, name, from}`; the name given (unique, after `path`)."""
        name, n = path or kind, 1
        while name in self.taken:
            n += 1
            name = f"{path or kind}_{n}"
        self.taken.add(name)
        args = {**args, "name": _text(name)}
        if reads != [self.last]:
            quoted = [_text(r) for r in reads]
            args["from"] = quoted[0] if len(quoted) == 1 else "[" + ", ".join(quoted) + "]"
        self.lines.append(f"  - {kind}: {{" + ", ".join(f"{k}: {v}" for k, v in args.items()) + "}")
        self.last = name
        return name


def _value(v: Any) -> str:
    """An evaluated argument as spec text: a pair of equal numbers as one number."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return str(v[0]) if len(set(v)) == 1 else "[" + ", ".join(map(str, v)) + "]"
    if isinstance(v, str):
        return _text(v)
    return str(v)


def _text(s: str) -> str:
    """A string as a YAML scalar that stays a string (JSON's quoting is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)
