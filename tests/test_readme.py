"""The README and docs/ are real: each `$ convcost ...` example shows what the command prints in
a terminal of DOCS_WIDTH columns (scripts/update_examples.py rewrites them), and every YAML
block parses; a block that is a spec is analyzed, a device profile is used."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import tty_run
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEXTS = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in PAGES}
EXAMPLES = [
    (page, command, shown)
    for page, text in TEXTS.items()
    for command, shown in re.findall(r"```\n\$ convcost ([^\n]*)\n(.*?)```", text, re.DOTALL)
]
BLOCKS = [
    (page, i, block)
    for page, text in TEXTS.items()
    if page != "docs/errors.md"  # its blocks are broken on purpose, and run by test_errors_doc
    for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.DOTALL))
]


def test_readme_has_examples():
    assert sum(page == "README.md" for page, _, _ in EXAMPLES) >= 3


@pytest.mark.parametrize(
    ("page", "command", "shown"), EXAMPLES, ids=[f"{p}: {c}" for p, c, _ in EXAMPLES]
)
def test_example_output_is_real(page, command, shown):
    _, out = tty_run.in_terminal(shlex.split(command), tty_run.DOCS_WIDTH, cwd=str(ROOT))
    actual = [line.rstrip() for line in out.rstrip("\n").splitlines()]
    assert actual == shown.rstrip("\n").splitlines(), f"run scripts/update_examples.py ({page})"


@pytest.mark.parametrize(("page", "i", "block"), BLOCKS, ids=[f"{p} #{i}" for p, i, _ in BLOCKS])
def test_yaml_blocks_are_valid(run, tmp_path, page, i, block):
    data = yaml.safe_load(block)
    path = tmp_path / "block.yaml"
    path.write_text(block, encoding="utf-8")
    if isinstance(data, dict) and "layers" in data:  # a spec: it analyzes
        result = run("analyze", str(path), "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["macs"] >= 0
    elif isinstance(data, dict) and "peak_gmacs" in data:  # a device profile: it estimates
        result = run("analyze", "mobilenet_v1", "--device", str(path), "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["latency_ms"] > 0


def test_setup_commands_are_what_ci_runs():
    # the README's two set-up commands, verbatim, are the lines .ci/run executes
    setup = re.search(r"## Quick start\n.*?```\n(.*?)```", TEXTS["README.md"], re.DOTALL)
    assert setup, "README has no Quick start block"
    commands = setup[1].strip().splitlines()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci
