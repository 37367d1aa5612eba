"""`python -m kgcli` is the same as `kg`."""

from kgcli.cli import main

main()
