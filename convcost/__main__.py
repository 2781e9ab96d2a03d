"""`python -m convcost`."""

from convcost.cli import main

main()
