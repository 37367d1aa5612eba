"""JSON: the SPARQL 1.1 Query Results JSON Format.

A result that still holds the engine's own iterator is written by pyoxigraph's serialiser; every
other result (remote, limited, a graph's rows) here, to the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from kgcli.engine.results import AskResult, Result, Row, SelectResult
from kgcli.output.rows import Options, rows_of, word, write_all
from kgcli.output.terms import json_str
from kgcli.rdf import xsd

if TYPE_CHECKING:
    from kgcli.engine.results import Term
    from kgcli.output.formats import Format


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as SPARQL JSON results."""
    if isinstance(result, AskResult):
        out.write(('{"head":{},"boolean":' + word(result.value) + "}").encode())
    elif isinstance(result, SelectResult) and result.native is not None:
        result.native.serialize(out, format=ox.QueryResultsFormat.JSON)
    else:
        write_all(out, lines(*rows_of(result)))


def _json_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + json_str(term.value) + "}"
    if isinstance(term, ox.Literal):
        text = '{"type":"literal","value":' + json_str(term.value)
        language = term.language
        if language is not None:
            text += ',"xml:lang":' + json_str(language)
            if term.direction is not None:
                text += ',"its:dir":' + json_str(term.direction.value)
        elif term.datatype.value != xsd.STRING:
            text += ',"datatype":' + json_str(term.datatype.value)
        return text + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + json_str(term.value) + "}"
    return (
        '{"type":"triple","value":{"subject":'
        + _json_term(term.subject)
        + ',"predicate":'
        + _json_term(term.predicate)
        + ',"object":'
        + _json_term(term.object)
        + "}}"
    )


def lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    names = [json_str(name) + ":" for name in variables]
    yield '{"head":{"vars":[' + ",".join(json_str(name) for name in variables) + "]},"
    yield '"results":{"bindings":['
    separator = ""
    for row in rows:
        fields = [
            name + _json_term(term)
            for name, term in zip(names, row, strict=True)
            if term is not None
        ]
        yield separator + "{" + ",".join(fields) + "}"
        separator = ","
    yield "]}}"
