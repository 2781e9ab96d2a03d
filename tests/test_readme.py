"""The README's examples are real: each `$ convcost ...` block is the command's output now."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```\n\$ convcost ([^\n]*)\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_output_is_real(run, monkeypatch, command, shown):
    monkeypatch.chdir(ROOT)  # examples/ paths are relative to the repository
    result = run(*shlex.split(command))
    actual = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
    assert actual == shown.rstrip("\n").splitlines()
