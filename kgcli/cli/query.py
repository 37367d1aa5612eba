"""`kg query`: run a SPARQL query, a catalogue name, a file or stdin."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kgcli.api import SourceSpec
from kgcli.cli import common
from kgcli.cli.common import (
    EMBEDDED,
    STATE,
    FormatOpt,
    OutputOpt,
    source_options,
)


@source_options(graphs=True, infer=True)
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
    source: SourceSpec = EMBEDDED,
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
            help="Stop after SECONDS (exit code 3): with --infer, inference and the query "
            "share them.",
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
    from kgcli.api import open_source
    from kgcli.atomic import output_stream
    from kgcli.engine.catalogue import Catalogue, from_text, resolve
    from kgcli.engine.deadline import Deadline
    from kgcli.engine.params import parse_assignments
    from kgcli.engine.query import label_texts, peek_empty, prepare, run, unmatched_texts
    from kgcli.engine.results import Kind, SelectResult
    from kgcli.errors import UsageError
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render
    from kgcli.rdf.iri import check_base
    from kgcli.text import decode

    if expression is not None and name is not None:
        raise UsageError("give either QUERY or -e TEXT, not both")
    if base is not None:
        check_base(base)
    if expression is not None:
        named = from_text(expression, "-e")
    elif name == "-":
        if "-" in source.files:
            raise UsageError("stdin cannot hold both the query and a data file (-)")
        named = from_text(decode(sys.stdin.buffer.read(), "<stdin>"), "-")
    elif name:
        named = resolve(name, Catalogue(STATE["queries"]))
    else:
        raise UsageError("name a query (kg queries list), a .rq file, '-' or -e TEXT")
    if endpoint_allow and not allow_federation:
        raise UsageError("--endpoint-allow narrows --allow-federation: give both")
    given = parse_assignments(param or [])
    prepared = prepare(
        named,
        given,
        allow_federation=allow_federation,
        allowed_endpoints=endpoint_allow or (),
        base=base,
    )
    kind: Kind = (
        "select" if prepared.form == "SELECT" else "ask" if prepared.form == "ASK" else "graph"
    )
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, kind)
    deadline = Deadline(timeout)  # one for the command: the query gets what inference left
    with deadline.step("inference", timed=source.infer and not source.store) as seconds:
        graph = open_source(source, timeout=seconds)
    with deadline.step("query") as seconds:
        result = run(graph, prepared, limit=limit, timeout=seconds)
    # An empty result says why when it can: no label has the words a parameter gives. Looked at
    # only for such parameters (peeking costs the engine's fast serialiser) and an empty result.
    texts = label_texts(named, given)
    empty = False
    if texts and isinstance(result, SelectResult) and limit != 0:
        result, empty = peek_empty(result)
    with output_stream(output) as out:
        render(result, chosen, out, prefixes=prepared.prefixes, width=common.terminal_width())
    if empty:
        with deadline.step("query") as seconds:
            unmatched = unmatched_texts(graph, texts, timeout=seconds)
        for key in unmatched:
            typer.echo(
                f"kg: no rows: no label or other name in the graph has the words "
                f"{key}={texts[key]!r}",
                err=True,
            )
