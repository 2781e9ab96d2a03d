"""Tables as fixed-width text that fits the screen and never cuts a value.

A `Grid` holds a table's cells as finished text. `layout` picks the columns and widths for a
width: columns of prose wrap at word boundaries, then the grid's least important columns are
left out (the caption names them), and only then do text columns such as layer paths fold.
Numbers are never wrapped, folded or cut. `lines` draws the result in rich's SIMPLE_HEAD style;
`print_table` writes it, with rich styling the header on a terminal. The layout is ours rather
than rich's Table because rich shrinks columns to fit, cutting numbers short, and spends about
a millisecond a row, which a 100,000-row table cannot afford.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import NamedTuple, TextIO

from convcost.errors import printable

PIPED_WIDTH = 160
"""Width at which prose columns wrap in a table written to a file or pipe (or $COLUMNS)."""

CAPTION_WIDTH = 100
"""Captions wrap at the table's width, or at this many columns if the screen allows."""

FOLD_WIDTH = 12
"""Narrowest a text column (a layer path) folds to, as a last resort."""

PROSE_WIDTH = 24
"""Narrowest a column of prose wraps to before columns are left out instead."""


class Grid(NamedTuple):
    """A rendered-to-text table: title, header, rows, optional total row, caption."""

    title: str
    header: list[str]
    rows: list[list[str]]
    total: list[str] | None
    caption: str
    left: int = 1  # how many leading columns are left-aligned text
    wrap: tuple[int, ...] = ()  # columns of prose that wrap at words
    drop: tuple[int, ...] = ()  # columns that may be left out on a narrow screen, first first


class Layout(NamedTuple):
    """Which columns of a Grid are shown, and how wide each is."""

    columns: list[int]
    widths: list[int]
    left_out: list[str]


def table_width(widths: Sequence[int]) -> int:
    """Width of a table with these column widths: each column padded by one space a side, one
    space between columns and at each edge: sum(w) + 3 * n + 1."""
    return sum(widths) + 3 * len(widths) + 1


def natural_widths(grid: Grid) -> list[int]:
    """Each column's width with nothing wrapped: its longest cell."""
    cells = [grid.header, *grid.rows, *([grid.total] if grid.total else [])]
    return [max(len(row[i]) for row in cells) for i in range(len(grid.header))]


NUMBER = re.compile(r"[-+(]*\d[\d,.]*[%xKMGT]?[),.;:]*")
"""A word that is a number ('2,930,592', '(+13.7%)', '1.5G,'): never folded."""


def _longest_word(texts: Iterator[str], numbers: bool = False) -> int:
    """The longest word's length (only the words that are numbers, with `numbers`)."""
    words = (w for t in texts for w in t.split())
    if numbers:
        words = (w for w in words if NUMBER.fullmatch(w))
    return max((len(w) for w in words), default=1)


def _hard_width(grid: Grid, i: int, soft: int) -> int:
    """How narrow column `i` may fold as a last resort: a text column to FOLD_WIDTH, but never
    through a number in it; any other column not at all."""
    if i >= grid.left:
        return soft
    cells = [*grid.rows, *([grid.total] if grid.total else [])]
    return min(soft, max(FOLD_WIDTH, _longest_word((row[i] for row in cells), numbers=True)))


def _soft_widths(grid: Grid, natural: Sequence[int], fit: bool) -> list[int]:
    """Each column's narrowest width before columns are left out: prose columns at PROSE_WIDTH
    (or their longest word), others at their longest cell; with `fit`, headers wrap at words.
    """
    cells = [*grid.rows, *([grid.total] if grid.total else [])]
    soft = []
    for i, name in enumerate(grid.header):
        body = (
            max(_longest_word(row[i] for row in cells), PROSE_WIDTH)
            if i in grid.wrap
            else max((len(row[i]) for row in cells), default=0)
        )
        head = _longest_word(iter([name])) if fit else len(name)
        soft.append(min(natural[i], max(body, head)))
    return soft


def _fill(natural: Sequence[int], low: Sequence[int], budget: int) -> list[int]:
    """Widths w_i = clamp(cap, low_i, natural_i) with the largest cap whose sum fits `budget`
    (the widest columns give way first), or the lows when even they do not fit."""
    if sum(natural) <= budget:
        return list(natural)
    lo, hi = 0, max(natural, default=0)
    while lo < hi:
        cap = (lo + hi + 1) // 2
        if sum(max(m, min(n, cap)) for n, m in zip(natural, low, strict=True)) <= budget:
            lo = cap
        else:
            hi = cap - 1
    return [max(m, min(n, lo)) for n, m in zip(natural, low, strict=True)]


def layout(grid: Grid, width: int, fit: bool = True) -> Layout:
    """Columns and widths of `grid` within `width` characters.

    In order, until the table fits: headers wrap at words and prose columns (`wrap`) narrow to
    PROSE_WIDTH; the `drop` columns are left out, first first; text columns (the first
    `left`) fold down to FOLD_WIDTH. Number columns keep their full width, so a table of many
    wide numbers may still be wider than `width`: then it is printed wider, never cut.
    Without `fit` (a file or pipe) only prose wraps, at `width`.
    """
    natural = natural_widths(grid)
    soft = _soft_widths(grid, natural, fit)
    columns = list(range(len(natural)))
    left_out = []
    for i in grid.drop if fit else ():
        if table_width([soft[c] for c in columns]) <= width:
            break
        columns.remove(i)
        left_out.append(grid.header[i])
    budget = width - 3 * len(columns) - 1
    widths = _fill([natural[c] for c in columns], [soft[c] for c in columns], budget)
    if fit and sum(widths) > budget:
        hard = [_hard_width(grid, c, soft[c]) for c in columns]
        widths = _fill([soft[c] for c in columns], hard, budget)
    return Layout(columns, widths, left_out)


def _cell_lines(text: str, width: int, prose: bool) -> list[str]:
    """A cell's lines at `width`: as is when it fits, else wrapped at words (prose) or folded."""
    if len(text) <= width:
        return [text]
    if prose:
        return _wrap(text, width)
    return [text[i : i + width] for i in range(0, len(text), width)]


def _row_lines(grid: Grid, lay: Layout, row: Sequence[str], header: bool = False) -> list[str]:
    """A row's text lines; a header's cells wrap at words and sit on the separator."""
    cells = [
        _cell_lines(row[c], w, header or c in grid.wrap)
        for c, w in zip(lay.columns, lay.widths, strict=True)
    ]
    height = max(len(c) for c in cells)
    if header:
        cells = [[""] * (height - len(c)) + c for c in cells]
    out = []
    for k in range(height):
        parts = []
        for c, w, lines in zip(lay.columns, lay.widths, cells, strict=True):
            text = lines[k] if k < len(lines) else ""
            parts.append(text.ljust(w) if c < grid.left or not text else text.rjust(w))
        out.append(_join(parts))
    return out


def _join(parts: Sequence[str]) -> str:
    """Cells side by side: an edge space, each cell padded by a space a side, a space between."""
    return ("  " + "   ".join(parts)).rstrip()


def _printable(grid: Grid) -> Grid:
    """`grid` with control characters escaped in its title, caption and text columns (numbers
    hold none)."""
    text = [i for i in range(len(grid.header)) if i < grid.left or i in grid.wrap]
    rows = [*grid.rows, *([grid.total] if grid.total else [])]
    if all(r[i].isprintable() for r in rows for i in text):  # the usual case: copy nothing
        return grid._replace(
            title=printable(grid.title, newlines=True),
            caption=printable(grid.caption, newlines=True),
        )

    def row(cells: list[str]) -> list[str]:
        out = list(cells)
        for i in text:
            out[i] = printable(out[i])
        return out

    return grid._replace(
        title=printable(grid.title, newlines=True),
        caption=printable(grid.caption, newlines=True),
        rows=[row(r) for r in grid.rows],
        total=row(grid.total) if grid.total else None,
    )


def _wrap_text(text: str, width: int) -> list[str]:
    return [line for para in text.split("\n") for line in _wrap(para, width)]


def _wrap(text: str, width: int) -> list[str]:
    """`text` wrapped at words to lines of `width` (at least one line), hyphenated words kept
    whole. textwrap is imported here, by a table being printed: JSON never needs it."""
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def lines(grid: Grid, width: int, fit: bool = True) -> Iterator[tuple[str, str]]:
    """The table's text, line by line, each with its part: 'title', 'header', 'body', 'total'
    or 'caption'. The title is centred over the table, the caption wraps at the table's
    width or CAPTION_WIDTH, whichever is wider but within `width`. Control characters in
    text (a spec's names) are shown escaped, never sent to the terminal."""
    grid = _printable(grid)
    lay = layout(grid, width, fit)
    full = table_width(lay.widths)
    text_width = max(full, min(width, CAPTION_WIDTH))
    for t in _wrap_text(grid.title, text_width):
        yield "title", (" " * max((full - len(t)) // 2, 0) + t).rstrip()
    yield "body", ""
    for line in _row_lines(grid, lay, grid.header, header=True):
        yield "header", line
    yield "body", " " + "─" * (full - 2)
    for row in grid.rows:
        for line in _row_lines(grid, lay, row):
            yield "body", line
    if grid.total:
        yield "body", ""
        for line in _row_lines(grid, lay, grid.total):
            yield "total", line
    yield "body", ""
    caption = grid.caption
    if lay.left_out:
        caption += (
            f"\nLeft out to fit {width} columns: {', '.join(lay.left_out)} "
            "(a wider terminal or -f json shows them)."
        )
    for c in _wrap_text(caption, text_width):
        yield "caption", c


def print_table(grid: Grid, file: TextIO | None = None, width: int | None = None) -> None:
    """Write a Grid as text. On a terminal (or at a given `width`) the table fits the width,
    leaving out columns that do not fit (the caption names them), and rich styles the header
    (on a terminal); to a file or pipe it is whole, prose wrapping at $COLUMNS or PIPED_WIDTH."""
    out = sys.stdout if file is None else file
    if width is None and out.isatty():
        from rich.console import Console

        console = Console(file=out, highlight=False, soft_wrap=True)
        styles = {"title": "italic", "header": "bold", "total": "bold", "caption": "dim"}
        for part, text in lines(grid, console.width):
            if part == "body":
                out.write(text + "\n")
            else:
                console.print(text, style=styles[part], markup=False, emoji=False, crop=False)
        return
    fit = width is not None
    if width is None:
        env = os.environ.get("COLUMNS", "")
        width = max(int(env), 80) if env.isdigit() else PIPED_WIDTH
    out.writelines(text + "\n" for _, text in lines(grid, width, fit))
