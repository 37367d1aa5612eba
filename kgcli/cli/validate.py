"""`kg validate`: SHACL validation of a graph."""

from __future__ import annotations

import json
from pathlib import Path
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


@source_options()
def validate(
    source: SourceSpec = EMBEDDED,
    shapes: Annotated[
        Path | None,
        typer.Option(
            "--shapes", metavar="FILE", help="SHACL shapes file (default: the embedded shapes)."
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop after SECONDS (exit code 3), nothing written.",
            min=0.001,
            callback=common.seconds,
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Validate a graph against SHACL shapes; exit code 4 if it does not conform.

    Example: kg validate --data my.ttl --shapes my-shapes.ttl -f json
    """
    from kgcli.api import open_source
    from kgcli.atomic import output_stream
    from kgcli.engine.deadline import Deadline
    from kgcli.engine.validate import validate as shacl_validate
    from kgcli.errors import NotConformant
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render
    from kgcli.output.terms import rows_as_dicts

    opened = open_source(source)
    with Deadline(timeout).step("validation") as seconds:  # one for the command
        report = shacl_validate(opened, shapes, timeout=seconds)
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    rows = list(report.violations)
    with output_stream(output) as out:
        if chosen == "json":
            doc = {"conforms": report.conforms, "violations": rows_as_dicts(report.violations)}
            out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
        elif rows:
            render(report.violations, chosen, out, width=common.terminal_width())
    if not report.conforms:
        raise NotConformant(f"the graph does not conform: {len(rows)} results")
    typer.echo("kg: the graph conforms to the shapes", err=True)
