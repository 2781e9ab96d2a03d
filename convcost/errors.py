"""Errors a user can cause. Each carries where it happened: file, line, column, layer path."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import NamedTuple


class ExitStatus(IntEnum):
    """Process exit codes: 0 success, 1 a budget `check` found exceeded, 2 every bad input
    (click's usage errors are 2 too)."""

    OK = 0
    OVER_BUDGET = 1
    BAD_INPUT = 2


class Loc(NamedTuple):
    """A place in a spec file; line and column are 1-based."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class ConvcostError(Exception):
    """Any error caused by bad input: the CLI prints `format()` and exits 2."""

    def __init__(
        self, message: str, loc: Loc | None = None, path: str = "", hint: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.path = path
        self.hint = hint

    def located(self, loc: Loc | None, path: str = "") -> ConvcostError:
        """Fill in location and layer path if not known yet (innermost wins)."""
        if self.loc is None:
            self.loc = loc
        if not self.path:
            self.path = path
        return self

    def format(self, source: str | None = None) -> str:
        """`file:line:col: path: message`, then the source line with a caret, then the hint."""
        head = f"{self.loc}: " if self.loc else ""
        where = f"{self.path}: " if self.path else ""
        lines = [printable(f"{head}{where}{self.message}", newlines=True)]
        if self.loc and source is not None:
            text = source.splitlines()
            if 0 < self.loc.line <= len(text):
                raw = text[self.loc.line - 1].replace("\t", " ")
                before = printable(raw[: self.loc.col - 1])  # the caret keeps its character
                code, caret = window(before + printable(raw[self.loc.col - 1 :]), len(before) + 1)
                lines.append(f"  {self.loc.line:>4} | {code}")
                lines.append(f"       | {' ' * caret}^")
        if self.hint:
            lines.append(printable(f"  hint: {self.hint}", newlines=True))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


ECHO_WIDTH = 100
"""At most this many characters of a source line are echoed under an error."""


def window(line: str, col: int, width: int = ECHO_WIDTH) -> tuple[str, int]:
    """The part of `line` shown under an error: all of it when it is at most `width`
    characters, else `width` characters around 1-based column `col`, marked with '...' where
    cut; with the caret's 0-based offset in the returned text."""
    if len(line) <= width:
        return line, col - 1
    start = min(max(col - 1 - width // 2, 0), len(line) - width)
    head = "..." if start > 0 else ""
    tail = "..." if start + width < len(line) else ""
    return head + line[start : start + width] + tail, col - 1 - start + len(head)


class SpecError(ConvcostError):
    """The spec text is malformed: YAML syntax, unknown keys, bad expressions, missing args."""


class ShapeError(ConvcostError):
    """A layer cannot be applied to its input: sizes, groups, mismatched merges."""


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROLS_BUT_NEWLINE = {c: e for c, e in _CONTROLS.items() if c != 0x0A}


def printable(text: str, newlines: bool = False) -> str:
    """`text` with control characters (escape sequences, tabs, carriage returns; newlines too
    unless `newlines`) written as \\xNN, so that text from a spec cannot drive the terminal."""
    return text.translate(_CONTROLS_BUT_NEWLINE if newlines else _CONTROLS)


def plural(n: int, noun: str) -> str:
    """'1 layer', '2 layers', '1,024 layers'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def elide(text: str) -> str:
    """`text` if at most 40 characters, else its first 25 and last 12 around '...': a value a
    user typed (an argument, a shape), short enough for a one-line message."""
    return text if len(text) <= 40 else f"{text[:25]}...{text[-12:]}"


def unknown(what: str, word: str, choices: Iterable[str], where: str = "") -> str:
    """ "unknown WHAT 'WORD'WHERE", with a did-you-mean from `choices`: the one wording of a
    name convcost does not know (a key, a kind, a network, a device, an argument)."""
    return f"unknown {what} '{word}'{where}{did_you_mean(word, choices)}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix from the closest choices, or ''."""
    import difflib  # only when there is an error to explain

    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
