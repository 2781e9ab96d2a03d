"""The output formats: a view (one per command, convcost/render/<command>.py) as a table,
Markdown, LaTeX, JSON or CSV. Backends only format: what a view shows, it holds."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from convcost.errors import printable
from convcost.render.table import Grid, print_table
from convcost.render.units import estimate

Text = str | Iterable[str]
"""An output: one text, or its pieces in order (a 100,000-point sweep never sits in memory
whole)."""


class View(Protocol):
    """What a command shows: its rows with exact values and every derived number, computed
    once; the backends below format it."""

    def grids(self) -> list[Grid]:
        """The view as tables (also for Markdown and LaTeX)."""
        ...

    def json(self) -> Text:
        """The view as JSON text."""
        ...

    def csv(self) -> Text:
        """The view as CSV text."""
        ...


def text(fmt: str, view: View) -> Text:
    """`view` in format `fmt`: table (as text for a file or pipe), markdown, latex, json or
    csv."""
    if fmt == "json":
        return view.json()
    if fmt == "csv":
        return view.csv()
    if fmt == "table":
        buf = io.StringIO()
        for g in view.grids():
            print_table(g, file=buf)
        return buf.getvalue()
    to_text = markdown if fmt == "markdown" else latex
    return "\n".join(to_text(g) for g in view.grids())


STRICT_JSON = json.JSONEncoder(allow_nan=False)
"""Encodes a value as json.dumps does (as fast: one encoder, made once), but raises ValueError
for NaN or infinity instead of printing them: JSON has neither, and a non-finite number in
convcost's output is a bug to surface, never a token to emit."""


class Written(str):
    """A value already written as JSON (a list of them is one item a line in `to_json`)."""


def to_json(data: dict[str, Any] | list[Any]) -> str:
    """JSON with one field, and one list item, per line; compact inside them. Always valid
    JSON: a NaN or infinity raises ValueError (STRICT_JSON).

    (json's indent= switches to its pure-Python encoder: 0.5 s for 10,000 layers.)
    """
    dumps = STRICT_JSON.encode

    def value(v: Any) -> str:
        if isinstance(v, list) and v and isinstance(v[0], Written):
            return "[\n    " + ",\n    ".join(v) + "\n  ]"
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return "[\n    " + objects(v, ",\n    ") + "\n  ]"
        return dumps(v)

    if isinstance(data, dict):
        return "{\n" + ",\n".join(f"  {dumps(k)}: {value(v)}" for k, v in data.items()) + "\n}\n"
    return "[\n" + ",\n".join("  " + dumps(x) for x in data) + "\n]\n"


def objects(items: list[Any], sep: str) -> str:
    """JSON of `items` (a list of objects), joined by `sep` rather than ', ': as
    `sep.join(STRICT_JSON.encode(x) for x in items)`, but in one call of json's C encoder (for
    10,000 layers, about 30 ms less than making it again for each).

    `{"` begins an object that has a key, and nothing else: inside a JSON string a quote is
    always escaped (\\"). So when it occurs once per item, every item is such an object, none
    has another inside it, and `, {"` is exactly where one item ends and the next begins.
    """
    body = STRICT_JSON.encode(items)[1:-1]
    if body.count('{"') == len(items) and all(isinstance(x, dict) and x for x in items):
        return body.replace(', {"', sep + '{"')
    return sep.join(STRICT_JSON.encode(x) for x in items)


def cell(v: Any) -> Any:
    """A CSV field: floats (estimates, figures read from YAML) as `estimate` prints them."""
    return repr(estimate(v)) if isinstance(v, float) else v


def csv_rows(rows: Iterable[Sequence[Any]]) -> str:
    """CSV lines of `rows`, as given (no header)."""
    import csv  # JSON and tables never need it

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table: the header, then each row, floats as `cell` writes them."""
    return csv_rows([header, *([cell(v) for v in row] for row in rows)])


_LATEX = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",  # in LaTeX's default OT1 font encoding a bare < prints as ¡
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    """Text safe inside a LaTeX table cell."""
    return "".join(_LATEX.get(ch, ch) for ch in text)


def latex(grid: Grid) -> str:
    """A Grid as a booktabs table (\\usepackage{booktabs}), the conventions as a comment."""
    align = "".join("l" if i < grid.left else "r" for i in range(len(grid.header)))

    def row(cells: Sequence[str]) -> str:
        return " & ".join(latex_escape(c) for c in cells) + r" \\"

    lines = [
        r"\begin{table}",
        r"\centering",
        f"\\caption{{{latex_escape(grid.title)}}}",
        f"\\begin{{tabular}}{{{align}}}",
        r"\toprule",
        row(grid.header),
        r"\midrule",
    ]
    lines += [row(r) for r in grid.rows]
    if grid.total:
        lines += [r"\midrule", row(grid.total)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    lines += ["% " + line for line in grid.caption.splitlines()]
    return printable("\n".join(lines) + "\n", newlines=True)


def markdown(grid: Grid) -> str:
    """A Grid as a GitHub Markdown table, with the caption below."""
    align = [":--" if i < grid.left else "--:" for i in range(len(grid.header))]
    lines = [
        f"**{grid.title}**",
        "",
        "| " + " | ".join(grid.header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    rows = [*grid.rows, *([grid.total] if grid.total else [])]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return printable("\n".join([*lines, "", grid.caption, ""]), newlines=True)
