"""The `convcost` command line: commands.py (the commands), options.py (shared options, the
KEY=VALUE parser), networks.py (what commands read), output.py (emit, -o). Imports only click
at startup; each command loads what it uses."""

from convcost.cli.commands import cli, main

__all__ = ["cli", "main"]
