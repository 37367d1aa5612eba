"""TSV: the SPARQL 1.1 Query Results TSV Format, terms in Turtle syntax.

A result that still holds the engine's own iterator is written by pyoxigraph's serialiser; every
other result (remote, limited, a graph's rows) here, to the same bytes. Numbers and booleans of
Turtle's abbreviated forms are written bare. ASK is `true` or `false` without a line end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from kgcli.engine.results import AskResult, Result, Row, SelectResult
from kgcli.output.rows import Options, rows_of, word, write_all
from kgcli.rdf import xsd

if TYPE_CHECKING:
    from kgcli.engine.results import Term
    from kgcli.output.formats import Format

_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as TSV."""
    if isinstance(result, AskResult):
        out.write(word(result.value).encode())
    elif isinstance(result, SelectResult) and result.native is not None:
        result.native.serialize(out, format=ox.QueryResultsFormat.TSV)
    else:
        write_all(out, lines(*rows_of(result)))


def _tsv_literal(term: ox.Literal) -> str:
    value = term.value
    quoted = '"' + value.translate(_TSV_ESCAPES) + '"'
    language = term.language
    if language is not None:
        direction = term.direction
        return f"{quoted}@{language}" + (f"--{direction.value}" if direction else "")
    datatype = term.datatype.value
    if datatype == xsd.STRING:
        return quoted
    if (
        (datatype == xsd.INTEGER and xsd.INTEGER_LEXICAL.fullmatch(value))
        or (datatype == xsd.DECIMAL and xsd.TURTLE_DECIMAL.fullmatch(value))
        or (datatype == xsd.DOUBLE and xsd.TURTLE_DOUBLE.fullmatch(value))
        or (datatype == xsd.BOOLEAN and value in ("true", "false"))
    ):
        return value  # Turtle's abbreviated numbers and booleans
    return f"{quoted}^^<{datatype}>"


def _tsv_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return "<" + term.value + ">"
    if isinstance(term, ox.Literal):
        return _tsv_literal(term)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    parts = (term.subject, term.predicate, term.object)
    return "<<( " + " ".join(_tsv_term(part) for part in parts) + " )>>"


def lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield "\t".join("?" + name for name in variables) + "\n"
    for row in rows:
        yield "\t".join(["" if term is None else _tsv_term(term) for term in row]) + "\n"
