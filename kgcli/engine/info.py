"""What a graph holds: triples, named graphs and their sources, classes and properties in use.

Everything is asked with SPARQL, so it works the same on the embedded graph, files or an endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kgcli.engine.deadline import Deadline
from kgcli.engine.results import SelectResult
from kgcli.engine.source import GraphSource, LocalSource

_TRIPLES = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
_GRAPHS = """SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph ORDER BY ?graph"""
_CLASSES = """SELECT ?class (COUNT(DISTINCT ?entity) AS ?entities)
WHERE { ?entity a ?class } GROUP BY ?class ORDER BY DESC(?entities) ?class"""
_PROPERTIES = """SELECT ?property (COUNT(*) AS ?triples)
WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY DESC(?triples) ?property"""


@dataclass
class GraphInfo:
    """The sections of `kg info`, each a small table."""

    source: str
    triples: int
    graphs: SelectResult
    classes: SelectResult
    properties: SelectResult

    def sections(self) -> dict[str, SelectResult]:
        return {"graphs": self.graphs, "classes": self.classes, "properties": self.properties}


def _named(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _rows(result: object) -> SelectResult:
    assert isinstance(result, SelectResult)
    return SelectResult(result.variables, list(result))


def graph_info(source: GraphSource, *, timeout: float | Deadline | None = None) -> GraphInfo:
    """Describe a graph; for local sources, name the file each named graph was loaded from.

    `timeout` bounds the whole description (its four queries share it), or is the `Deadline`
    of a command whose earlier steps (inference) took their share.
    """
    deadline = timeout if isinstance(timeout, Deadline) else Deadline(timeout)

    def ask(text: str) -> SelectResult:
        with deadline.step("query") as seconds:
            return _rows(source.query(text, timeout=seconds))

    count = ask(_TRIPLES)
    (total,) = next(iter(count))
    triples = int(total.value) if isinstance(total, ox.Literal) else 0
    graphs = ask(_GRAPHS)
    if isinstance(source, LocalSource):
        origin = {f.graph: f.source for f in source.files}
        graphs = SelectResult(
            ["graph", "triples", "source"],
            [
                (g, n, ox.Literal(origin[name]) if (name := _named(g)) in origin else None)
                for g, n in graphs
            ],
        )
    classes = ask(_CLASSES)
    properties = ask(_PROPERTIES)
    return GraphInfo(source.description, triples, graphs, classes, properties)
