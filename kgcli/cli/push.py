"""`kg push`: copy a graph into a SPARQL server."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kgcli.api import SourceSpec
from kgcli.cli.common import (
    EMBEDDED,
    EndpointOpt,
    seconds,
    source_options,
)

if TYPE_CHECKING:
    from kgcli.remote.push import PushReport

TARGET = "Target server"


@source_options(endpoint=False, infer=True)
def push(
    endpoint: EndpointOpt = None,
    source: SourceSpec = EMBEDDED,
    graph_store: Annotated[
        str | None,
        typer.Option(
            "--graph-store",
            metavar="URL",
            help="The server's Graph Store Protocol URL (default: guessed from --endpoint: "
            "Oxigraph /store, Fuseki /DATASET/data, Virtuoso /sparql-graph-crud-auth).",
            rich_help_panel=TARGET,
        ),
    ] = None,
    update_endpoint: Annotated[
        str | None,
        typer.Option(
            "--update-endpoint",
            metavar="URL",
            help="SPARQL Update URL, used when the server has no Graph Store "
            "(default: guessed from --endpoint).",
            rich_help_panel=TARGET,
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", metavar="N", help="Triples per request.", min=1),
    ] = 50_000,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Wait at most SECONDS for each request; with --infer, inference stops after "
            "SECONDS too (exit code 3), before anything is sent.",
            min=0.001,
            callback=seconds,
        ),
    ] = None,
) -> None:
    """Copy a graph into a SPARQL server, named graphs preserved; pushing twice changes nothing.

    Example: kg push --endpoint http://127.0.0.1:7878/query
    """
    from kgcli.api import open_source
    from kgcli.engine.source import LocalSource
    from kgcli.errors import RemoteError, UsageError
    from kgcli.remote.config import resolve_endpoint
    from kgcli.remote.push import push as push_graph

    if not endpoint:
        raise UsageError("name the server to push to: --endpoint URL (or a configured NAME)")
    target = resolve_endpoint(endpoint)
    # The closure (--infer) gets --timeout as a request does; a store's is read, not computed.
    closure = timeout if source.infer and not source.store else None
    local = open_source(source, timeout=closure)
    assert isinstance(local, LocalSource)
    with _progress() as (start, advance):
        report = push_graph(
            local.store,
            target,
            graph_store=graph_store,
            update=update_endpoint,
            batch_size=batch_size,
            timeout=timeout,
            start=start,
            progress=advance,
            # Without --infer a store's kgg:inferred stays home, as kg query hides it.
            graphs=local.named_graphs,
        )
    _print(report)
    if report.interrupted:
        raise typer.Exit(130)
    if not report.complete:
        written = sum(g.written for g in report.graphs)
        raise RemoteError(
            f"{written} of {len(report.graphs)} graphs written to {report.target}; "
            "run the same command again to complete the push"
        )


def _print(report: PushReport) -> None:
    for note in report.notes:
        typer.echo(f"kg: {note}", err=True)
    for g in report.graphs:
        if g.written:
            line = f"written      {g.name} ({g.triples} triples)"
        elif g.sent:
            line = f"partly       {g.name} ({g.sent} of {g.triples} triples): {g.error}"
        elif g.error:
            line = f"not written  {g.name} ({g.triples} triples): {g.error}"
        else:
            line = f"not written  {g.name} ({g.triples} triples)"
        typer.echo(f"kg: {line}", err=True)
    if report.complete:
        typer.echo(
            f"kg: pushed {_count(len(report.graphs), 'graph')}, "
            f"{_count(report.triples, 'triple')}, to "
            f"{report.target} ({report.protocol})",
            err=True,
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _progress:
    """A progress bar on stderr, only when stderr is a terminal (rich imported only then)."""

    def __enter__(self):
        self.bar = None
        if not sys.stderr.isatty():
            return (None, None)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "pushing",
            BarColumn(),
            MofNCompleteColumn(),
            "triples",
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.__enter__()
        task = self.bar.add_task("push", total=None)

        def start(total: int) -> None:
            self.bar.update(task, total=total)

        def advance(n: int) -> None:
            self.bar.advance(task, n)

        return (start, advance)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
