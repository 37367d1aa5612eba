"""The `kg` command line: a thin typer layer over the kgcli library."""

from __future__ import annotations

from kgcli.cli.app import app


def main() -> None:
    """Entry point of the `kg` console script."""
    app(prog_name="kg")


__all__ = ["app", "main"]
