"""The `kg` app: global options and the command groups."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # Typer vendors Click since 0.24; older releases depend on the click package
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from kgcli.cli import info, network, push, queries, query, store, validate
from kgcli.cli import serve as serve_command
from kgcli.cli.common import STATE


class OneLineErrors(TyperGroup):
    """Report usage errors (unknown option, bad value) as one line, like every other error."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click_errors.ClickException as err:
            if not standalone_mode:
                raise
            if not err.format_message() and getattr(err, "ctx", None):
                # `kg` alone (no_args_is_help): the help is the answer, as click prints it.
                typer.echo(err.ctx.get_help(), err=True)  # type: ignore[attr-defined]
                sys.exit(err.exit_code)
            where = err.ctx.command_path if getattr(err, "ctx", None) else "kg"  # type: ignore[attr-defined]
            hint = f" (see '{where} -h')" if isinstance(err, click_errors.UsageError) else ""
            typer.echo(f"kg: error: {err.format_message()}{hint}", err=True)
            sys.exit(err.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("kg: aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="kg",
    cls=OneLineErrors,
    help="Query, validate and analyse the Shanghai health-cluster knowledge graph, or any RDF "
    "graph.\n\nExample: kg query shared-resources",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: Typer's rich help costs ~65 ms of imports on every start (kg --help < 0.15 s).
    rich_markup_mode=None,
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
            metavar="DIR",
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


app.command("query")(query.query)
app.command("info")(info.info)
app.command("validate")(validate.validate)
app.command("push")(push.push)
app.command("serve")(serve_command.serve)
app.add_typer(queries.app, name="queries")
app.add_typer(network.app, name="network")
app.add_typer(store.app, name="store")
