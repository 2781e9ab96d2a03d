"""Run convcost in a real pseudo-terminal of a given width (for the table and docs tests, and
scripts/update_examples.py). Not a test module."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

DOCS_WIDTH = 100
"""The terminal width the README's and docs' example outputs are shown at."""


def in_terminal(args: list[str], cols: int, cwd: str | None = None) -> tuple[int, str]:
    """Exit status and what `convcost ARGS` shows (stdout and stderr, colours removed) in a
    pseudo-terminal of `cols` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "convcost", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**env, "TERM": "xterm-256color"},
        cwd=cwd,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise TimeoutError(f"no output from convcost {' '.join(args)} within 60 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    status = proc.wait(timeout=60)
    return status, ANSI.sub("", b"".join(chunks).decode().replace("\r\n", "\n"))
