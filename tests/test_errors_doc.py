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


YAML_SYNTAX = "YAML syntax error: "
CLICK_INVALID = re.compile(r"Error: Invalid value for ('[^']+'(?: / '[^']+')?): (.*)")
CLICK_CHOICE = re.compile(r"'(.*)' is not one of (.*)\.")


def assert_documented(actual: str, documented: str) -> None:
    """The first line of the message is the documented one, exactly, in every word convcost
    owns. Two kinds of words it does not own are checked for what they must say, not how:
    PyYAML's description of a syntax error (libyaml and the pure-Python parser word it
    differently, as do their versions) and click's usage errors (`Error: ...`; click rewords
    them between versions): those must name the option, the value and the choices."""
    if YAML_SYNTAX in documented:
        head = documented[: documented.index(YAML_SYNTAX) + len(YAML_SYNTAX)]
        assert actual.startswith(head), (actual, documented)
    elif m := CLICK_INVALID.fullmatch(documented):
        choice = CLICK_CHOICE.fullmatch(m[2])
        said = [choice[1], *re.findall(r"'([^']+)'", choice[2])] if choice else [m[2]]
        for word in [*re.findall(r"'([^']+)'", m[1]), *said]:
            assert word in actual, (word, actual, documented)
    elif documented.startswith("Error: "):  # convcost's message, in click's frame
        assert actual.endswith(documented.removeprefix("Error: ")), (actual, documented)
    else:
        assert actual == documented


def test_the_catalogue_covers_many_errors():
    assert len(SPECS) + len(COMMANDS) == DOC.count("\n### ") >= 60


@pytest.mark.parametrize(("title", "spec", "message"), SPECS, ids=[t for t, _, _ in SPECS])
def test_spec_examples(run, tmp_path, monkeypatch, title, spec, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.yaml").write_text(spec + "\n", encoding="utf-8")
    result = run("analyze", "net.yaml")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert_documented(result.stderr.splitlines()[0], message)


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
    assert_documented(lines[0], message)
