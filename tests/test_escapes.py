"""Text from a spec never drives the terminal: control characters in names, titles and layer
paths are shown escaped (\\x1b), in tables, Markdown, LaTeX and error messages."""

from __future__ import annotations

import pytest

SPEC = (
    'name: "\\e]0;pwned\\a\\e[31mred"\n'
    'title: "Net\\e[2J"\n'
    "input: {c: 3, h: 8, w: 8}\n"
    "layers:\n"
    '  - conv: {out: 8, name: "stem\\e[5m"}\n'
)


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv"])
def test_names_are_escaped(run, spec_file, fmt):
    for args in (["analyze"], ["compare"], ["analyze", "--by", "block"]):
        result = run(*args, spec_file(SPEC), "-f", fmt)
        assert result.exit_code == 0, result.stderr
        if fmt != "csv":  # CSV is data: its fields are quoted, not shown on a terminal
            assert "\x1b" not in result.stdout and "\a" not in result.stdout
            assert "\\x1b" in result.stdout or args == ["compare"]  # compare: the file name


def test_error_messages_are_escaped(run, spec_file):
    path = spec_file(SPEC.replace("conv: {out: 8", 'conv: {out: "8 + \\e[31m"'))
    result = run("analyze", path)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr
