"""Memory as deployment sees it: bytes at a precision, and the peak of live activations.

Peak activations (one inference pass, batch 1) follow the graph, not the sum of outputs: a
buffer is allocated by the layer that writes it and freed after the last layer that reads it.
Assumptions, stated because every tool makes different ones:

- in-place kinds (activations, batch norm, add) write into their first input's buffer;
- views (channel split, flatten, dropout and identity at inference) allocate nothing;
- concat copies into a new buffer (frameworks without a concat-by-view optimisation);
- the network input is a buffer, live until its last reader; the output lives to the end;
- while a layer runs, its inputs and its output are all live; weights are not counted here
  (they are `weights_bytes`, resident for the whole pass).

torchinfo's "estimated total size" instead sums every output and doubles it (forward and
backward), which is a training estimate, far above what one inference holds.
"""

from __future__ import annotations

from typing import NamedTuple

from convcost.errors import ConvcostError
from convcost.report import Report

PRECISIONS = {"fp32": 4, "fp16": 2, "int8": 1}
"""Bytes per element (weights and activations alike)."""


def bytes_per_element(precision: str) -> int:
    """4, 2 or 1; an unknown precision is a user error."""
    if precision not in PRECISIONS:
        raise ConvcostError(
            f"unknown precision '{precision}'; choose one of {', '.join(PRECISIONS)}"
        )
    return PRECISIONS[precision]


class Memory(NamedTuple):
    """A network's memory at one precision; counts in elements, sizes in bytes."""

    precision: str
    bytes_per_element: int
    peak_activations: int  # elements live at the worst moment
    peak_at: str  # the layer running then ("" for a network without layers)
    weights_bytes: int  # params * bytes per element
    peak_activations_bytes: int
    mem_access_bytes: int  # total memory traffic of the pass


def memory(report: Report, precision: str = "fp32") -> Memory:
    """Peak live activations (see the module docstring), weights and traffic in bytes."""
    size = bytes_per_element(precision)
    elements, at = peak_activations(report)
    return Memory(
        precision,
        size,
        elements,
        report.layers[at].path if at >= 0 else "",
        report.totals.params * size,
        elements * size,
        report.totals.mem_access * size,
    )


def peak_activations(report: Report) -> tuple[int, int]:
    """(elements, index of the layer running) at the peak of live buffers; (input, -1) if empty.

    Buffer b is allocated at its writer (the input at -1) and freed after its last reader:
    live(i) = sum of sizes of buffers with alloc(b) <= i <= last(b).
    """
    layers = report.layers
    n = len(layers)
    if n == 0:
        return report.input.numel, -1
    buffer_of: list[int] = []  # layer index -> the buffer its output lives in
    size: dict[int, int] = {-1: report.input.numel}
    last: dict[int, int] = {-1: 0}
    for i, layer in enumerate(layers):
        inputs = [buffer_of[s] if s >= 0 else -1 for s in layer.sources or (i - 1,)]
        for b in inputs:
            last[b] = i
        if layer.facts.storage == "new" or not inputs:
            buffer_of.append(i)
            size[i] = layer.out.numel
            last[i] = i
        else:  # in place or a view: the first input's buffer
            buffer_of.append(inputs[0])
    last[buffer_of[-1]] = n - 1  # the output is still needed at the end
    delta = [0] * (n + 1)
    for b, s in size.items():
        delta[max(b, 0)] += s
        delta[last[b] + 1] -= s
    live, best, best_at = 0, -1, 0
    for i in range(n):
        live += delta[i]
        if live > best:
            best, best_at = live, i
    return best, best_at
