"""docs/errors.md is true: every example there produces exactly the message shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

DOC = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
SPECS = re.findall(r"### (.+?)\n\n```yaml\n(.*?)\n```\n\n```text\n(.*?)\n```", DOC, flags=re.S)
COMMANDS = re.findall(
    r"### (.+?)\n\n(?:\(.*?\)\n\n)?```console\n\$ convcost (.*?)\n(.*?)\n```", DOC, flags=re.S
)


def test_the_catalogue_covers_many_errors():
    assert len(SPECS) + len(COMMANDS) == DOC.count("\n### ") >= 60


@pytest.mark.parametrize(("title", "spec", "message"), SPECS, ids=[t for t, _, _ in SPECS])
def test_spec_examples(run, tmp_path, monkeypatch, title, spec, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.yaml").write_text(spec + "\n", encoding="utf-8")
    result = run("analyze", "net.yaml")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == message


def _setup(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes("name: café\n".encode("latin-1"))
    (tmp_path / "nets").mkdir()
    (tmp_path / "huge.yaml").write_text("name: t\n" + "# padding\n" * 450_000)
    (tmp_path / "my-phone.yaml").write_text(
        "name: my-phone\ntitle: t\nsource: s\npeak_gmacs: {fp32: 10, fp16: 10, int8: 20}\n"
        "bandwidth_gbs: -5\nlaunch_us: 1\n"
    )


@pytest.mark.parametrize(("title", "command", "message"), COMMANDS, ids=[t for t, _, _ in COMMANDS])
def test_command_examples(run, tmp_path, monkeypatch, title, command, message):
    monkeypatch.chdir(tmp_path)
    _setup(tmp_path)
    result = run(*shlex.split(command))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.lower().startswith("error:")]
    assert lines[0] == message
