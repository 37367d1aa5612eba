"""`kg store load` and `kg store info`: an on-disk store for graphs too big to parse every run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kgcli.cli import common
from kgcli.cli.common import FormatOpt, OutputOpt
from kgcli.rdf.formats import advertised as syntaxes

app = typer.Typer(
    help="An on-disk store: load big graphs once, then query them with --store DIR.",
    no_args_is_help=True,
)

DirArg = Annotated[Path, typer.Argument(metavar="DIR", help="The store's folder.")]
# Its own help: the files of `kg store load` are arguments, not --data.
FilesFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--data-format",
        metavar="FORMAT",
        help=f"Format of the FILEs when the extension does not say ({syntaxes()}).",
    ),
]


@app.command("load")
def load(
    directory: DirArg,
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="FILE...", help="RDF files; each fills its own named graph."),
    ] = None,
    data_format: FilesFormatOpt = None,
    with_embedded: Annotated[
        bool, typer.Option("--with-embedded", help="Load the embedded graph too.")
    ] = False,
) -> None:
    """Load files into an on-disk store (made if missing); loading a file again replaces it.

    Each file is one transaction: if the load fails or is killed, the store keeps what it held.

    Example: kg store load city.db city.nt && kg query -S city.db -e 'SELECT ...'
    """
    from kgcli.engine.store import load as load_store

    with _progress() as (on_file, advance):
        done = load_store(
            directory,
            files or [],
            data_format=data_format,
            with_embedded=with_embedded,
            progress=advance,
            on_file=on_file,
            on_loaded=lambda entry: typer.echo(
                f"kg: loaded {entry.source}: {entry.triples:,} triples", err=True
            ),
        )
    total = sum(entry.triples for entry in done)
    typer.echo(f"kg: {directory} holds {len(done)} files, {total:,} triples", err=True)


@app.command("info")
def info(directory: DirArg, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """Describe a store: its files, their graphs and triples, its size on disk.

    Example: kg store info city.db -f json
    """
    import pyoxigraph as ox

    from kgcli.atomic import output_stream
    from kgcli.engine.results import SelectResult
    from kgcli.engine.store import store_info
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render
    from kgcli.rdf import xsd

    found = store_info(directory)
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    with output_stream(output) as out:
        if chosen == "json":
            doc = json.dumps(found.to_dict(), ensure_ascii=False, indent=2)
            out.write(doc.encode() + b"\n")
            return
        if chosen == "table":
            out.write(
                f"{found.path}: {found.triples:,} triples in {len(found.files)} files, "
                f"{_size(found.bytes_on_disk)} on disk (generation {found.generation})\n".encode()
            )
        integer = ox.NamedNode(xsd.INTEGER)
        rows: list[tuple[Any, ...]] = [
            (
                ox.Literal(entry.source),
                ox.NamedNode(graph),
                ox.Literal(str(entry.triples), datatype=integer),
                ox.Literal(entry.format),
                ox.Literal(entry.loaded),
            )
            for entry in found.files
            for graph in entry.graphs
        ]
        table = SelectResult(["file", "graph", "triples", "format", "loaded"], rows)
        render(table, chosen, out)


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


class _progress:
    """A progress bar of bytes read on stderr, only when stderr is a terminal."""

    def __enter__(self):
        self.bar = None
        if not sys.stderr.isatty():
            return (None, None)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.bar = Progress(
            TextColumn("loading {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.__enter__()
        self.task: Any = None

        def on_file(name: str, size: int) -> None:
            assert self.bar is not None
            if self.task is not None:
                self.bar.remove_task(self.task)
            self.task = self.bar.add_task(Path(name).name, total=size)

        def advance(count: int) -> None:
            assert self.bar is not None
            self.bar.advance(self.task, count)

        return (on_file, advance)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
