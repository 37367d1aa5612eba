"""The `kg` app: global options and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgcli.cli import commands, queries
from kgcli.cli.common import STATE

app = typer.Typer(
    name="kg",
    help="Query, validate and analyse the Shanghai health-cluster knowledge graph, or any RDF "
    "graph.\n\nExample: kg query shared-resources",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from kgcli import __version__

        typer.echo(f"kg {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    queries_dirs: Annotated[
        list[Path] | None,
        typer.Option(
            "--queries",
            "-Q",
            help="A folder of your own named queries (*.rq), searched before ours (repeatable).",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="KG_DEBUG", help="Show tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    STATE["debug"] = debug
    STATE["queries"] = list(queries_dirs or [])


app.command("query")(commands.query)
app.command("info")(commands.info)
app.command("validate")(commands.validate)
app.add_typer(queries.app, name="queries")
