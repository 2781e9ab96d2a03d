"""Where a command's view goes: printed in its format, or written to the --output file."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from convcost.render.backends import View


def emit(fmt: str, view: View) -> None:
    """Print `view` in format `fmt` (a table on a terminal through rich; the rest as text,
    in pieces if it comes in pieces); to the --output file instead when one was given."""
    output = click.get_current_context().meta.get("output")
    if fmt == "table" and output is None:
        from convcost.render.table import print_table

        for g in view.grids():
            print_table(g)
        return
    from convcost.render.backends import text

    result = text(fmt, view)
    if output is None:
        for piece in [result] if isinstance(result, str) else result:
            click.echo(piece, nl=False)
    else:
        write_atomic(output, result)


def write_atomic(path: str, text: str | bytes | Iterable[str]) -> None:
    """Write `text` (or bytes, or text in pieces) to --output `path`: a regular file is
    replaced atomically (whole or untouched, through symlinks, no temporary file left even on
    Ctrl-C or SIGTERM), a device or FIFO written in place; see convcost.files.write_output."""
    from convcost.files import write_output

    write_output(path, text)


@contextlib.contextmanager
def progress(what: str, total: float) -> Iterator[Callable[[float, str], None] | None]:
    """A progress bar on stderr while the block runs, only when stderr is a terminal (rich
    imported then): yields `update(done, note)`, `done` out of `total`; else None."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=total)

        def update(done: float, note: str) -> None:
            bar.update(task, completed=done, description=f"{what}: {note}" if note else what)

        yield update
