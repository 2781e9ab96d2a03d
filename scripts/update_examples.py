"""Rewrite the output under every `$ convcost ...` example in README.md and docs/*.md with what
the command shows now in a terminal of tests/tty_run.DOCS_WIDTH columns (tests/test_readme.py
checks they agree). Run from anywhere: python scripts/update_examples.py"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tty_run import DOCS_WIDTH, in_terminal  # noqa: E402

EXAMPLE = re.compile(r"```\n\$ convcost ([^\n]*)\n(.*?)```", flags=re.DOTALL)


def shown(command: str) -> str:
    """What the example's command shows now, lines right-stripped."""
    _, out = in_terminal(shlex.split(command), DOCS_WIDTH, cwd=str(ROOT))
    return "".join(line.rstrip() + "\n" for line in out.rstrip("\n").splitlines())


def main() -> None:
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        new = EXAMPLE.sub(lambda m: f"```\n$ convcost {m[1]}\n{shown(m[1])}```", text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
