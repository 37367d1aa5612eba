"""Options shared by every command, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kgcli.errors import KgError

F = TypeVar("F", bound=Callable[..., Any])

#: Set by the app callback; read when an error is reported.
STATE: dict[str, Any] = {"debug": False, "queries": []}

SOURCE = "Graph source"
OUTPUT = "Output"

DataOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="FILE",
        help="Your RDF file instead of the embedded graph (repeatable; '-' reads stdin).",
        rich_help_panel=SOURCE,
    ),
]
DataFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--data-format",
        metavar="FORMAT",
        help="Format of --data files when the extension does not say "
        "(turtle, trig, ntriples, nquads, jsonld, rdfxml).",
        rich_help_panel=SOURCE,
    ),
]
DefaultGraphOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--default-graph",
        metavar="FILE",
        help="Build the query's dataset exactly, as SPARQL defines it: FILE's triples go to the "
        "default graph (repeatable; merged), instead of the union of all graphs. "
        "Example: --default-graph data.ttl --named-graph g1.ttl",
        rich_help_panel=SOURCE,
    ),
]
NamedGraphOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--named-graph",
        metavar="FILE",
        help="A named graph of the query's dataset, named by FILE's file: IRI and not part of "
        "the default graph (repeatable). Example: --default-graph data.ttl --named-graph g1.ttl",
        rich_help_panel=SOURCE,
    ),
]
WithEmbeddedOpt = Annotated[
    bool,
    typer.Option(
        "--with-embedded", help="Add the embedded graph to --data files.", rich_help_panel=SOURCE
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        "-E",
        metavar="URL|NAME",
        envvar="KG_ENDPOINT",
        help="A SPARQL 1.1 endpoint instead of a local graph: its URL, or a NAME from "
        "~/.config/kgcli/config.toml ($KG_CONFIG). Credentials from KG_ENDPOINT_USER and "
        "KG_ENDPOINT_PASSWORD or the config (a URL's user:password@ works too, but ps and "
        "shell history show it).",
        rich_help_panel=SOURCE,
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-S",
        metavar="DIR",
        envvar="KG_STORE",
        help="An on-disk store made by 'kg store load' (or an Oxigraph store folder), read-only.",
        rich_help_panel=SOURCE,
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table, csv, tsv, json, xml, jsonl, markdown; turtle, ntriples, nquads, trig, "
        "jsonld, rdfxml for graphs. Default: from -o's extension, else table on a terminal, "
        "csv (or turtle) when piped.",
        rich_help_panel=OUTPUT,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to this file (atomically) instead of stdout.",
        rich_help_panel=OUTPUT,
        dir_okay=False,
    ),
]


def open_source_from(
    data: list[str] | None,
    data_format: str | None,
    with_embedded: bool,
    endpoint: str | None,
    store: str | None = None,
    default_graph: list[str] | None = None,
    named_graph: list[str] | None = None,
):  # type: ignore[no-untyped-def]
    """Open the graph source named by the shared options."""
    from kgcli.api import open_source

    return open_source(
        data=data or [],
        data_format=data_format,
        with_embedded=with_embedded,
        endpoint=endpoint,
        store=store,
        default_graph=default_graph or [],
        named_graph=named_graph or [],
    )


def seconds(value: float | None) -> float | None:
    """Callback of the --timeout options: click's ranges let `inf` and `nan` through."""
    from kgcli.limits import seconds_problem

    problem = None if value is None else seconds_problem(value)
    if problem is not None:
        raise typer.BadParameter(problem)
    return value


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def terminal_width() -> int | None:
    """The terminal's width for tables on a terminal; None (rich's default) off one."""
    import shutil

    return shutil.get_terminal_size().columns if stdout_is_tty() else None


def reports_errors(fn: F) -> F:
    """Report a KgError as one line on stderr and exit with its code (traceback with --debug);
    any other exception, a bug, as one line too, exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
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
            typer.echo("kg: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as err:
            # click's exits and usage errors (they carry their exit code) are click's to report.
            if STATE["debug"] or hasattr(err, "exit_code"):
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

    return wrapper  # type: ignore[return-value]
