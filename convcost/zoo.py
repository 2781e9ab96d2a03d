"""Built-in networks: the specs shipped inside the package, found by name or alias.

The spec parser (and PyYAML) is imported when a spec is parsed, not with this module: a run
that takes the zoo's reports from the cache (convcost/cache.py) needs neither."""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from typing import TYPE_CHECKING

from convcost.errors import SpecError, unknown
from convcost.files import decode, read_stream, read_text
from convcost.limits import MAX_SPEC_BYTES

if TYPE_CHECKING:
    from convcost.spec import Spec


def specs_dir() -> str:
    """The folder of built-in specs.

    The wheel ships the top-level specs/ as convcost/specs (see pyproject.toml); a source
    checkout or an editable install uses the top-level folder itself. (Plain paths rather than
    importlib.resources: it costs 8 ms of imports, and convcost is never run from a zip.)
    """
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "specs")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(here), "specs")


def builtin_names() -> list[str]:
    """Names of the built-in networks, sorted."""
    return sorted(f[:-5] for f in os.listdir(specs_dir()) if f.endswith(".yaml"))


BUILTIN = "builtin:"
"""How messages name a built-in spec: `builtin:shufflenet_v1.yaml:74:18`. Not `specs/...`,
which would be a file in the working folder, perhaps another one of the same name."""


def builtin_label(name: str) -> str:
    """The file name errors give for built-in spec `name`."""
    return f"{BUILTIN}{name}.yaml"


@cache
def builtin(name: str) -> Spec:
    """Parse a built-in spec by its exact name."""
    text = read_text(os.path.join(specs_dir(), f"{name}.yaml"), builtin_label(name))
    return _parse(text, builtin_label(name))


ALIASES = re.compile(r"^aliases:\s*\[([^\]]*)\]", re.MULTILINE)
"""A built-in spec's top-level `aliases: [a, b]` line (tests check it agrees with the parser)."""


def aliases() -> dict[str, str]:
    """alias -> network name, from each built-in spec's `aliases: [...]` line.

    Found by scanning the text, not by parsing the zoo: resolving one alias must not cost a
    parse of every built-in spec.
    """
    table = {}
    for name in builtin_names():
        m = ALIASES.search(
            read_text(os.path.join(specs_dir(), f"{name}.yaml"), builtin_label(name))
        )
        if m:
            table.update({a.strip(): name for a in m.group(1).split(",") if a.strip()})
    return table


def is_path(arg: str) -> bool:
    """A spec argument is a file path if it looks like one or is a regular file; otherwise a
    name (`load` still reads a name that is no network but names something, e.g. a folder)."""
    return arg.endswith((".yaml", ".yml")) or "/" in arg or "\\" in arg or os.path.isfile(arg)


def read_spec_file(path: str) -> Spec:
    """Read and parse a spec file, bounded whatever `path` is (convcost.files.read_bytes);
    unreadable files are a SpecError naming the file."""
    text = read_text(path)
    return _parse(text, path)


SOURCES: dict[str, str] = {}
"""Texts read this run, by the file label errors carry (for the source line in messages)."""


def _parse(text: str, file: str) -> Spec:
    """Parse a spec read from `file`, keeping its text for the source lines errors show."""
    from convcost.spec import load_spec

    SOURCES[file] = text
    return load_spec(text, file)


def read_stdin() -> Spec:
    """`-`: a spec from standard input, called <stdin> in messages. At most one byte over the
    limit is read; a spec over it is refused by the parser, as "the spec is N characters"."""
    data = read_stream(getattr(sys.stdin, "buffer", None), "<stdin>")
    # cut over the limit, the text may end inside a character: the parser refuses it by size
    text = (
        decode(data, "<stdin>") if len(data) <= MAX_SPEC_BYTES else data.decode("utf-8", "replace")
    )
    return _parse(text, "<stdin>")


def builtin_name(arg: str) -> str | None:
    """The built-in network a spec argument names (by name or alias), if it is no path."""
    if arg == "-" or is_path(arg):
        return None
    if arg in builtin_names():
        return arg
    return aliases().get(arg)


def load(arg: str) -> Spec:
    """A spec from a file path, `-` (standard input), a built-in name or an alias."""
    if arg == "-":
        return read_stdin()
    if is_path(arg):
        return read_spec_file(arg)
    name = builtin_name(arg)
    if name is not None:
        return builtin(name)
    if os.path.exists(arg):  # no network, but something of that name: say what is wrong with it
        return read_spec_file(arg)
    raise SpecError(
        unknown("network", arg, [*builtin_names(), *aliases()]),
        hint="`convcost list` shows the built-in networks; or give a path to a .yaml",
    )


def source_text(file: str) -> str | None:
    """The text of the spec an error points into: read this run, a built-in (the packaged
    file, whatever the working folder holds), or a file; None if it cannot be read or is
    larger than any spec may be."""
    if file in SOURCES:
        return SOURCES[file]
    if file.startswith(BUILTIN):
        name = file.removeprefix(BUILTIN).removesuffix(".yaml")
        if name not in builtin_names():
            return None
        file = os.path.join(specs_dir(), f"{name}.yaml")  # not parsed: the error may be in it
    if not os.path.isfile(file):  # nor a folder, nor a pipe (read once already, if at all)
        return None
    try:
        return read_text(file)
    except SpecError:
        return None
