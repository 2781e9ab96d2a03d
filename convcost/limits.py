"""Limits on what a spec may ask for: refused with a located error before any work is done.

Counts stay exact Python ints at any size; these limits exist so that no spec can crash the
parser, hang the expansion or take the machine's memory.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

MAX_SPEC_BYTES = 4 * 2**20
"""A spec file of at most 4 MiB (a flat 10,000-layer spec is about 0.25 MiB)."""
MAX_DEPTH = 64
"""YAML collections nested at most 64 deep (libyaml's composer recurses, and crashes on
around 100,000 levels)."""
MAX_BLOCK_DEPTH = 32
"""Blocks used inside blocks, at most 32 deep."""
MAX_LAYERS = 100_000
"""Layers after expanding blocks and repeats (also the largest `times` of a repeat)."""
MAX_STEPS = 10 * MAX_LAYERS
"""Steps of work while expanding, at most 1,000,000: a step is an item visited, a block
argument bound, an empty branch taken or 32 characters of expressions evaluated in a repeat or
a block (elsewhere an item is evaluated once), whether it adds a layer or not (`when: false`,
an empty group); a repeat or a block use takes its body's steps again each time. So nested
repeats cannot run for hours (the worst case takes about 10 s). Guarantee: when every item
visited adds a layer and no parallel has two empty branches, a visit's steps are charged to
the first layer it adds, so a spec takes at most W steps per layer, W being the most steps on
one path of nested items (a visit weighing 1, plus its arguments for a block use, plus 1 per
32 characters of its expressions); with W <= 10, every such spec of at most MAX_LAYERS layers
is within the budget. Built-in specs take at most 3 steps per layer, a flat spec 1."""
MAX_SIZE = 2**24
"""Any size argument or input dimension (channels, height, width, kernel, stride, ...)."""
MAX_ELEMENTS = MAX_SIZE**3
"""A layer's output of at most 2^72 elements, as many as the largest input: past it, only
channels grown without end (a concat repeated thousands of times doubles them each time) could
take a map, and its counts soon have more digits than Python prints."""


@contextmanager
def no_gc() -> Iterator[None]:
    """Python's cycle collector paused within, restored after. Reading and expanding a spec make
    up to millions of objects and no reference cycles, and the collector, run again and again as
    they pile up, took as long as the work itself; the limits above bound the memory anyway."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
