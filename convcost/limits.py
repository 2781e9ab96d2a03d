"""Limits on what a spec may ask for: refused with a located error before any work is done.

Counts stay exact Python ints at any size; these limits exist so that no spec can crash the
parser, hang the expansion or take the machine's memory.
"""

MAX_SPEC_BYTES = 4 * 2**20
"""A spec file of at most 4 MiB (a flat 10,000-layer spec is about 0.25 MiB)."""
MAX_DEPTH = 64
"""YAML collections nested at most 64 deep (libyaml's composer recurses, and crashes on
around 100,000 levels)."""
MAX_BLOCK_DEPTH = 32
"""Blocks used inside blocks, at most 32 deep."""
MAX_LAYERS = 100_000
"""Layers after expanding blocks and repeats (also the largest `times` of a repeat)."""
MAX_SIZE = 2**24
"""Any size argument or input dimension (channels, height, width, kernel, stride, ...)."""
