"""The `kg` app: global options and the command groups."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # Typer vendors Click since 0.24; older releases depend on the click package
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from kgcli.cli import infer, info, lint, network, push, queries, query, store, validate
from kgcli.cli import serve as serve_command
from kgcli.cli.common import STATE
from kgcli.errors import KgError


class OneLineErrors(TyperGroup):
    """Every error of every command, as one line on stderr and an exit code: the one place.

    `invoke` runs the command (through any sub-group): a `KgError` is reported as `kg: error: ...`
    with its exit code, a bug as one line too (a traceback with --debug). `main` reports click's
    usage errors (unknown option, bad value) the same way. A new command cannot forget either.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as err:
            if STATE["debug"]:
                raise
            typer.echo(f"kg: error: {err}", err=True)
            raise typer.Exit(err.exit_code) from None
        except BrokenPipeError:
            # `kg query ... | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            # Here, before click turns it into an Abort ("aborted", exit 1).
            typer.echo("kg: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as err:
            # click's exits, aborts and usage errors are click's to report, in `main`.
            if STATE["debug"] or isinstance(err, typer.Abort) or hasattr(err, "exit_code"):
                raise
            # A bug: still one line, not a traceback, and how to see one. Where it was raised,
            # not its message: that may hold anything, a password in a URL too.
            frames = traceback.extract_tb(err.__traceback__)
            where = (
                f" in {Path(frames[-1].filename).name} line {frames[-1].lineno}" if frames else ""
            )
            typer.echo(
                f"kg: error: internal error ({type(err).__name__}{where}); "
                "run again with --debug for the traceback and report it",
                err=True,
            )
            raise typer.Exit(1) from None

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
app.command("lint")(lint.lint)
app.command("infer")(infer.infer)
app.command("explain")(infer.explain)
app.command("push")(push.push)
app.command("serve")(serve_command.serve)
app.add_typer(queries.app, name="queries")
app.add_typer(network.app, name="network")
app.add_typer(store.app, name="store")
