"""A per-user cache of the built-in networks' reports at their defaults, so the CLI needs not
parse and expand the zoo on every run (`compare --all` costs 27 networks).

One file per built-in, `<cache>/<name>.pickle`, holding the report beside the key it was made
under: Python's and convcost's versions, the size and modification time of every module of
convcost, and the spec's text. A report is used only when its key equals the current one, so an
edited spec, an upgrade or an edited source (an editable install) recomputes it. The cache is
`$CONVCOST_CACHE_DIR`, else `$XDG_CACHE_HOME/convcost`, else `~/.cache/convcost`; setting
`CONVCOST_NO_CACHE` to anything but the empty string turns it off. It is only ever a shortcut:
a folder that is missing, unwritable, not the user's own or writable by others, or a file
that is unreadable, too large, stale or corrupt means computing the report, never an error.
It holds at most one file per built-in (the key is inside the file, not in its name), each
written whole to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
import sys
from functools import cache
from typing import Any

from convcost import __version__
from convcost.report import Report
from convcost.zoo import builtin_label, specs_dir

MAX_BYTES = 64 * 2**20
"""A cached report larger than this is not read (the largest built-in's is under 1 MiB)."""

PACKAGE = os.path.dirname(os.path.abspath(__file__))


def builtin_report(name: str) -> Report:
    """The report of built-in `name` at its defaults: from the cache when it holds one made
    under the current key, else computed (and stored, when the cache can be written)."""
    folder = _folder()
    if folder is None:
        return _computed(name)
    path = os.path.join(folder, f"{name}.pickle")
    key = _key(name)
    report = _read(path, key)
    if report is None:
        report = _computed(name)
        _write(folder, path, key, report)
    return report


def _computed(name: str) -> Report:
    """Parse and expand built-in `name` (importing the spec parser and PyYAML only now)."""
    from convcost.expand import analyze
    from convcost.zoo import builtin

    return analyze(builtin(name))


def _folder() -> str | None:
    """The cache folder, or None when the cache is off."""
    if os.environ.get("CONVCOST_NO_CACHE"):
        return None
    folder = os.environ.get("CONVCOST_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "convcost")
    return folder


def _key(name: str) -> tuple[Any, ...]:
    """What a cached report of `name` must have been made under to be used."""
    with open(os.path.join(specs_dir(), f"{name}.yaml"), "rb") as f:
        text = f.read(MAX_BYTES)
    return (sys.version, __version__, _sources(), builtin_label(name), text)


@cache
def _sources() -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime in ns) of every Python module of convcost."""
    out = []
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py"):
                st = os.stat(os.path.join(root, f))
                out.append(
                    (os.path.relpath(os.path.join(root, f), PACKAGE), st.st_size, st.st_mtime_ns)
                )
    return tuple(out)


def _read(path: str, key: tuple[Any, ...]) -> Report | None:
    """The report cached at `path` under `key`; None if there is none that may be used."""
    try:  # non-blocking: a FIFO put in the cache's place must not hang the run
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES or not _ours(st):
                return None
            cached_key, report = _Unpickler(f).load()
    except Exception:  # missing, unreadable, damaged or foreign: a miss, whatever it holds
        return None
    return report if cached_key == key and isinstance(report, Report) else None


def _write(folder: str, path: str, key: tuple[Any, ...], report: Report) -> None:
    """Store `report` under `key`, whole or not at all; a folder that cannot be written (or
    is not the user's own) leaves the cache as it was."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _ours(os.stat(folder)):
            return
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, report), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _ours(st: os.stat_result) -> bool:
    """Owned by this user (where systems have owners) and writable by no one else."""
    owner = getattr(os, "getuid", None)
    return (owner is None or st.st_uid == owner()) and not st.st_mode & 0o022


SAFE = frozenset(
    {
        ("convcost.report", "Report"),
        ("convcost.report", "LayerCost"),
        ("convcost.layers", "Cost"),
        ("convcost.layers", "kind"),
        ("convcost.shapes", "Shape"),
        ("convcost.shapes", "Pad"),
        ("convcost.expr", "Table"),
        ("convcost.expr", "TableList"),
    }
)
"""The only globals a cached report refers to (tests/test_cache.py: every built-in's)."""


class _Unpickler(pickle.Unpickler):
    """Builds a report's own types and nothing else: a file that names any other global
    (a function to call, say) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in SAFE:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a report")
        return super().find_class(module, name)
