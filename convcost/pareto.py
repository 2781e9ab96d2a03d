"""Pareto fronts: the points no other point beats on two costs at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def front(points: Sequence[tuple[Any, Any]]) -> list[int]:
    """Indices (ascending) of the points no other point beats, lower being better on both
    coordinates: q beats p when q <= p on both and q < p on one. Equal points all stay.

    Sorted by (x, y), a point is beaten exactly when an earlier one has a y as small.

    >>> front([(1, 5), (2, 5), (2, 3), (3, 4), (1, 5)])
    [0, 2, 4]
    """
    keys: dict[tuple[Any, Any], list[int]] = {}
    for i, p in enumerate(points):
        keys.setdefault(p, []).append(i)
    kept, best = [], None
    for x, y in sorted(keys):
        if best is None or y < best:
            kept += keys[x, y]
            best = y
    return sorted(kept)
