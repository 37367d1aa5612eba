"""`kg info`: what a graph holds."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kgcli.api import SourceSpec
from kgcli.cli import common
from kgcli.cli.common import (
    EMBEDDED,
    FormatOpt,
    OutputOpt,
    source_options,
)


@source_options(infer=True)
def info(
    source: SourceSpec = EMBEDDED,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            metavar="NAME",
            help="Only one table: graphs, classes or properties (any -f format).",
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop after SECONDS (exit code 3): with --infer, inference and the queries "
            "that describe the graph share them.",
            min=0.001,
            callback=common.seconds,
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Describe a graph: triples, named graphs and their sources, classes, properties.

    Example: kg info --data my.ttl -s classes -f csv
    """
    from kgcli.api import open_source
    from kgcli.atomic import output_stream
    from kgcli.engine.deadline import Deadline
    from kgcli.engine.info import graph_info
    from kgcli.errors import UsageError
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render
    from kgcli.output.terms import rows_as_dicts

    sections = ("graphs", "classes", "properties")
    if section is not None and section not in sections:
        raise UsageError(f"unknown --section {section!r}; choose one of: {', '.join(sections)}")
    deadline = Deadline(timeout)  # one for the command: the queries get what inference left
    with deadline.step("inference", timed=source.infer and not source.store) as seconds:
        opened = open_source(source, timeout=seconds)
    described = graph_info(opened, timeout=deadline)
    tty = common.stdout_is_tty() and output is None
    if section is not None:
        chosen = choose_format(fmt, output, tty, "select")
        with output_stream(output) as out:
            render(described.sections()[section], chosen, out, width=common.terminal_width())
        return
    chosen = choose_format(fmt, output, True, "select")  # a whole report defaults to tables
    if chosen not in ("table", "markdown", "json"):
        raise UsageError(
            f"format {chosen!r} shows one table: add --section graphs|classes|properties"
        )
    with output_stream(output) as out:
        if chosen == "json":
            doc = {"source": described.source, "triples": described.triples}
            doc.update({k: rows_as_dicts(v) for k, v in described.sections().items()})
            out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
            return
        out.write(f"{described.source}: {described.triples} triples\n".encode())
        for title, table in described.sections().items():
            out.write(f"\n{'## ' if chosen == 'markdown' else ''}{title}\n\n".encode())
            render(table, chosen, out, width=common.terminal_width())
