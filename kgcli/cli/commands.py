"""`kg query`, `kg info` and `kg validate`: parse options, call the library, render."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kgcli.cli import common
from kgcli.cli.common import (
    STATE,
    DataFormatOpt,
    DataOpt,
    DefaultGraphOpt,
    EndpointOpt,
    FormatOpt,
    NamedGraphOpt,
    OutputOpt,
    StoreOpt,
    WithEmbeddedOpt,
    open_source_from,
    reports_errors,
)


@reports_errors
def query(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="QUERY",
            help="A catalogue name (kg queries list), a .rq file, or '-' to read stdin.",
        ),
    ] = None,
    expression: Annotated[
        str | None,
        typer.Option("--expression", "-e", metavar="TEXT", help="The SPARQL text itself."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", help="A parameter, NAME=VALUE (repeatable).", metavar="NAME=VALUE"
        ),
    ] = None,
    data: DataOpt = None,
    default_graph: DefaultGraphOpt = None,
    named_graph: NamedGraphOpt = None,
    data_format: DataFormatOpt = None,
    with_embedded: WithEmbeddedOpt = False,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="IRI",
            help="The base IRI the query's relative IRIs resolve against. Default: the query "
            "file's file: IRI; for -e and stdin, the working directory's. "
            "Example: --base http://example.org/",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", help="Return at most N rows (or triples).", min=0),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop the query after SECONDS (exit code 3).",
            min=0.001,
            callback=common.seconds,
        ),
    ] = None,
    allow_federation: Annotated[
        bool,
        typer.Option(
            "--allow-federation",
            help="Let the query use SERVICE and FROM <file:...> (refused by default).",
        ),
    ] = False,
    endpoint_allow: Annotated[
        list[str] | None,
        typer.Option(
            "--endpoint-allow",
            metavar="URL",
            help="With --allow-federation: the only SERVICE endpoints the query may call "
            "(repeatable; default: any).",
        ),
    ] = None,
) -> None:
    """Run a SPARQL query: a catalogue name, a .rq file, stdin (-) or -e TEXT.

    Example: kg query firms-in-place -p place=Minhang -f csv
    """
    from kgcli.atomic import output_stream
    from kgcli.catalogue import Catalogue, from_text, resolve
    from kgcli.errors import UsageError
    from kgcli.formats import Kind, choose_format
    from kgcli.iri import check_base
    from kgcli.params import parse_assignments
    from kgcli.query import prepare, run
    from kgcli.render import render
    from kgcli.text import decode

    if expression is not None and name is not None:
        raise UsageError("give either QUERY or -e TEXT, not both")
    if base is not None:
        check_base(base)
    if expression is not None:
        named = from_text(expression, "-e")
    elif name == "-":
        if "-" in [*(data or []), *(default_graph or []), *(named_graph or [])]:
            raise UsageError("stdin cannot hold both the query and a data file (-)")
        named = from_text(decode(sys.stdin.buffer.read(), "<stdin>"), "-")
    elif name:
        named = resolve(name, Catalogue(STATE["queries"]))
    else:
        raise UsageError("name a query (kg queries list), a .rq file, '-' or -e TEXT")
    if endpoint_allow and not allow_federation:
        raise UsageError("--endpoint-allow narrows --allow-federation: give both")
    prepared = prepare(
        named,
        parse_assignments(param or []),
        allow_federation=allow_federation,
        allowed_endpoints=endpoint_allow or (),
        base=base,
    )
    kind: Kind = (
        "select" if prepared.form == "SELECT" else "ask" if prepared.form == "ASK" else "graph"
    )
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, kind)
    source = open_source_from(
        data, data_format, with_embedded, endpoint, store, default_graph, named_graph
    )
    result = run(source, prepared, limit=limit, timeout=timeout)
    with output_stream(output) as out:
        render(result, chosen, out, prefixes=prepared.prefixes, width=_width())


def _width() -> int | None:
    import shutil

    return shutil.get_terminal_size().columns if common.stdout_is_tty() else None


@reports_errors
def info(
    data: DataOpt = None,
    data_format: DataFormatOpt = None,
    with_embedded: WithEmbeddedOpt = False,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            metavar="NAME",
            help="Only one table: graphs, classes or properties (any -f format).",
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Describe a graph: triples, named graphs and their sources, classes, properties.

    Example: kg info --data my.ttl -s classes -f csv
    """
    from kgcli.atomic import output_stream
    from kgcli.errors import UsageError
    from kgcli.formats import choose_format
    from kgcli.info import graph_info
    from kgcli.render import render, rows_as_dicts

    sections = ("graphs", "classes", "properties")
    if section is not None and section not in sections:
        raise UsageError(f"unknown --section {section!r}; choose one of: {', '.join(sections)}")
    described = graph_info(open_source_from(data, data_format, with_embedded, endpoint, store))
    tty = common.stdout_is_tty() and output is None
    if section is not None:
        chosen = choose_format(fmt, output, tty, "select")
        with output_stream(output) as out:
            render(described.sections()[section], chosen, out, width=_width())
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
            render(table, chosen, out, width=_width())


@reports_errors
def validate(
    data: DataOpt = None,
    data_format: DataFormatOpt = None,
    with_embedded: WithEmbeddedOpt = False,
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    shapes: Annotated[
        Path | None,
        typer.Option(
            "--shapes", metavar="FILE", help="SHACL shapes file (default: the embedded shapes)."
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Validate a graph against SHACL shapes; exit code 4 if it does not conform.

    Example: kg validate --data my.ttl --shapes my-shapes.ttl -f json
    """
    from kgcli.atomic import output_stream
    from kgcli.errors import NotConformant
    from kgcli.formats import choose_format
    from kgcli.render import render, rows_as_dicts
    from kgcli.validate import validate as shacl_validate

    report = shacl_validate(
        open_source_from(data, data_format, with_embedded, endpoint, store), shapes
    )
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    rows = list(report.violations)
    with output_stream(output) as out:
        if chosen == "json":
            doc = {"conforms": report.conforms, "violations": rows_as_dicts(report.violations)}
            out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
        elif rows:
            render(report.violations, chosen, out, width=_width())
    if not report.conforms:
        raise NotConformant(f"the graph does not conform: {len(rows)} results")
    typer.echo("kg: the graph conforms to the shapes", err=True)
