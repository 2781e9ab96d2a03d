"""Shared fixtures: run the CLI in-process, write spec files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from convcost.cli import cli

# Deterministic by default, so CI is reproducible; HYPOTHESIS_PROFILE=long explores further.
settings.register_profile("ci", derandomize=True, max_examples=200, deadline=None)
settings.register_profile("long", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Every test computes its reports (and writes nothing under ~/.cache), subprocesses included;
# tests/test_cache.py turns the cache on in a folder of its own.
os.environ["CONVCOST_NO_CACHE"] = "1"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Invoke `convcost ARGS...`; stdout and stderr are kept apart (click >= 8.2)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input)

    return invoke


@pytest.fixture
def spec_file(tmp_path: Path) -> Callable[[str], str]:
    """Write spec text to a file and return its path."""

    def write(text: str, name: str = "net.yaml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
