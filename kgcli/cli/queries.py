"""`kg queries list` and `kg queries show`: browse the named-query catalogue."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kgcli.cli import common
from kgcli.cli.common import STATE, FormatOpt, OutputOpt, reports_errors

app = typer.Typer(help="Browse the catalogue of named queries.", no_args_is_help=True)


def _params(q) -> str:  # type: ignore[no-untyped-def]
    return " ".join(
        f"{p.name}:{p.type}" + (f"={p.default}" if p.default is not None else "") for p in q.params
    )


@app.command("list")
@reports_errors
def list_queries(fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """List the named queries: name, title and parameters.

    Example: kg queries list -f json
    """
    import pyoxigraph as ox

    from kgcli.atomic import output_stream
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.results import SelectResult
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render

    found = Catalogue(STATE["queries"]).list()
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    with output_stream(output) as out:
        if chosen in ("json", "jsonl"):
            docs = [{**q.describe(), "path": str(q.path)} for q in found]
            if chosen == "json":
                out.write(json.dumps(docs, ensure_ascii=False, indent=2).encode() + b"\n")
            else:
                out.writelines(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in docs)
            return
        rows = [(ox.Literal(q.name), ox.Literal(q.title), ox.Literal(_params(q))) for q in found]
        render(SelectResult(["name", "title", "parameters"], rows), chosen, out)


@app.command("show")
@reports_errors
def show(
    name: Annotated[str, typer.Argument(help="The query's name (kg queries list).")],
) -> None:
    """Print a named query: its header and SPARQL text.

    Example: kg queries show firms-in-place
    """
    from kgcli.engine.catalogue import Catalogue

    typer.echo(Catalogue(STATE["queries"]).get(name).text, nl=False)
