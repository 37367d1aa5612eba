"""SHACL validation (pySHACL) of a graph against the embedded shapes or the user's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kgcli.engine import resources
from kgcli.engine.results import GraphResult, SelectResult
from kgcli.engine.source import GraphSource
from kgcli.errors import InputError
from kgcli.text import one_line

# The violations of a report, one row each, in a stable order.
_REPORT_QUERY = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?severity ?focus ?path ?value ?constraint ?shape ?message WHERE {
  ?report a sh:ValidationReport ; sh:result ?r .
  ?r sh:focusNode ?focus ; sh:resultSeverity ?severity ;
     sh:sourceConstraintComponent ?constraint ; sh:sourceShape ?shape .
  OPTIONAL { ?r sh:resultPath ?path FILTER(!isBlank(?path)) }
  OPTIONAL { ?r sh:value ?value }
  OPTIONAL { ?r sh:resultMessage ?message }
} ORDER BY ?severity ?focus ?path ?constraint ?message
"""


@dataclass
class ValidationReport:
    """Whether the graph conforms, and its violations as rows."""

    conforms: bool
    violations: SelectResult


def _as_rdflib(source: GraphSource):  # type: ignore[no-untyped-def]
    """The union of the source's graphs as an rdflib Graph, as pySHACL wants it."""
    import rdflib

    result = source.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, GraphResult)
    data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def _read_shapes(path: Path) -> bytes:
    """The shapes file as N-Triples, parsed by the same safe parser as --data files.

    Not by rdflib: it fetches a JSON-LD file's remote `@context` and its RDF/XML parser is not
    the one whose entity expansion `kgcli.engine.xmlsafe` bounds.
    """
    from kgcli.engine.load import load_file

    store = ox.Store()  # load_file refuses RDF/XML entity bombs before parsing
    load_file(store, str(path), graph="urn:kgcli:shapes")
    data = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
    assert data is not None  # no output file given: the bytes are returned
    return data


def validate(source: GraphSource, shapes: str | Path | None = None) -> ValidationReport:
    """Validate the union of the source's graphs against SHACL shapes (RDFS inference on)."""
    import rdflib
    from pyparsing import ParseBaseException
    from pyshacl import validate as shacl_validate
    from pyshacl.errors import ReportableRuntimeError

    shapes_path = Path(shapes) if shapes else resources.shapes_file()
    shapes_graph = rdflib.Graph()
    shapes_graph.parse(data=_read_shapes(shapes_path), format="nt")
    try:
        conforms, report, _ = shacl_validate(
            _as_rdflib(source), shacl_graph=shapes_graph, inference="rdfs", allow_warnings=True
        )
    # What pySHACL raises for shapes it cannot use, so that the person fixes the file.
    except ReportableRuntimeError as err:
        raise InputError(f"{shapes_path}: {one_line(str(err), 300)}") from None
    except ParseBaseException as err:  # rdflib's SPARQL parser, on a constraint's sh:select
        raise InputError(f"{shapes_path}: a SPARQL constraint: {one_line(str(err), 300)}") from None
    except re.error as err:
        raise InputError(
            f"{shapes_path}: sh:pattern {err.pattern!r} is not a regular expression ({err.msg})"
        ) from None
    except RecursionError:  # rdflib parses a shape's SPARQL, pySHACL walks paths, by recursion
        raise InputError(
            f"{shapes_path}: the shapes nest too deeply to check (a SPARQL constraint, a path "
            "or sh:and/sh:or/sh:not)"
        ) from None
    store = ox.Store()
    store.load(report.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(_REPORT_QUERY)
    assert isinstance(rows, ox.QuerySolutions)
    violations = SelectResult.from_solutions(rows)
    return ValidationReport(bool(conforms), SelectResult(violations.variables, list(violations)))
