"""SHACL validation (pySHACL) of a graph against the embedded shapes or the user's."""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgcli.engine import child, resources
from kgcli.engine.results import GraphResult, SelectResult
from kgcli.engine.source import GraphSource
from kgcli.errors import InputError, KgError, QueryTimeout
from kgcli.rdf.namespaces import ONTOLOGY_NS, RESOURCE_NS, Compactor, compact_iri, merged_prefixes
from kgcli.text import cut, one_line

if TYPE_CHECKING:
    import rdflib

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
} ORDER BY ?severity ?focus ?path ?constraint ?message ?value ?shape
"""


# Our namespaces: a class or property in them must be one the ontology declares (closed vocabulary).
OUR_NAMESPACES = (ONTOLOGY_NS, RESOURCE_NS)
_OURS = " || ".join(f'STRSTARTS(STR(?term), "{ns}")' for ns in OUR_NAMESPACES)
_USED_TERMS = f"""
SELECT DISTINCT ?term ?role WHERE {{
  {{ ?s a ?term BIND("class" AS ?role) }} UNION {{ ?s ?term ?o BIND("property" AS ?role) }}
  FILTER(isIRI(?term) && ({_OURS}))
}} ORDER BY ?term ?role
"""
_DECLARED_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?term WHERE {
  ?term a ?kind .
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                 owl:NamedIndividual rdfs:Class rdf:Property rdfs:Datatype }
}
"""
_SH = "http://www.w3.org/ns/shacl#"
#: A closed-vocabulary row's "constraint": kg's own, as SHACL names its components.
CLOSED_VOCABULARY = ONTOLOGY_NS.removesuffix("#") + "/closed-vocabulary"


#: A blank node's description: the predicates shown first (what it is, what it is called, what a
#: property shape constrains), then the rest in IRI order, cut to this many characters.
_FIRST = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    _SH + "path",
    _SH + "name",
)
_DESCRIPTION_WIDTH = 120
_BARE = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "boolean")}


def _drop(record: logging.LogRecord) -> bool:
    """A logging filter that lets nothing through."""
    return False


@dataclass
class ValidationReport:
    """Whether the graph conforms, and its violations as rows."""

    conforms: bool
    violations: SelectResult


def _as_rdflib(source: GraphSource):
    """The union of the source's graphs as an rdflib Graph, as pySHACL wants it."""
    import rdflib

    result = source.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, GraphResult)
    data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def _turtle_term(term: rdflib.term.Node, compact: Compactor) -> str:
    """An rdflib term as short Turtle, for reading: prefixed names, a nested blank node `[…]`."""
    import rdflib

    if isinstance(term, rdflib.BNode):
        return "[…]"
    if isinstance(term, rdflib.Literal):
        text = '"' + cut(str(term), 40).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if term.language:
            return f"{text}@{term.language}"
        if str(term.datatype) in _BARE and re.fullmatch(r"[+-]?\d+|true|false", str(term)):
            return str(term)  # as Turtle writes integers and booleans
        if term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return f"{text}^^{_turtle_term(term.datatype, compact)}"
        return text
    iri = str(term)
    short = compact(iri)
    return f"<{iri}>" if short == iri else short


def describe_blank(graph: rdflib.Graph, node: rdflib.BNode) -> str:
    """A blank node of an rdflib graph as a stable, Turtle-like summary of its own triples,
    `[ a kg:Company ; rdfs:label "Acme" ; … ]`: unlike its id, the same on every run."""
    compact = Compactor(merged_prefixes({"sh": _SH}))
    pairs = sorted(
        (
            (_FIRST.index(str(p)) if str(p) in _FIRST else len(_FIRST), str(p)),
            "a" if str(p) == _FIRST[0] else _turtle_term(p, compact),
            _turtle_term(o, compact),
        )
        for p, o in graph.predicate_objects(node)
    )
    shown = "[ "
    for k, (_, predicate, value) in enumerate(pairs):
        part = f"{predicate} {value}" + (" ; " if k + 1 < len(pairs) else " ")
        if k and len(shown) + len(part) > _DESCRIPTION_WIDTH - 1:
            return shown + "… ]"
        shown += part
    return shown + "]" if pairs else "[]"


def _describe_blank_nodes(report: rdflib.Graph, data: rdflib.Graph, shapes: rdflib.Graph) -> None:
    """Replace the report's blank focus nodes, values and shapes with their descriptions.

    Their ids are drawn afresh on every run, so rows would change (and reorder) from one run to
    the next and name nothing a person can find in their file.
    """
    import rdflib

    sh = rdflib.Namespace(_SH)
    for predicate, graph in ((sh.focusNode, data), (sh.value, data), (sh.sourceShape, shapes)):
        for result, node in list(report.subject_objects(predicate)):
            if isinstance(node, rdflib.BNode):
                report.remove((result, predicate, node))
                report.add((result, predicate, rdflib.Literal(describe_blank(graph, node))))


def _read_shapes(path: Path) -> bytes:
    """The shapes file as N-Triples, parsed by the same safe parser as --data files.

    Not by rdflib: it fetches a JSON-LD file's remote `@context` and its RDF/XML parser is not
    the one whose entity expansion `kgcli.engine.xmlsafe` bounds.
    """
    from kgcli.engine.load import load_file
    from kgcli.rdf.formats import SYNTAXES, syntax_for

    try:
        syntax_for(str(path))
    except InputError:  # its advice, --data-format, is for --data files: not the shapes'
        known = ", ".join(s.extensions[0] for s in SYNTAXES if s.advertised)
        raise InputError(
            f"{path}: cannot tell the RDF format of the shapes file from its extension; "
            f"name it {known}"
        ) from None
    store = ox.Store()  # load_file refuses RDF/XML entity bombs before parsing
    load_file(store, str(path), graph="urn:kgcli:shapes")
    data = ox.serialize((q.triple for q in store), format=ox.RdfFormat.N_TRIPLES)
    assert data is not None  # no output file given: the bytes are returned
    return data


def _declared(source: GraphSource) -> set[str]:
    """The terms the embedded ontology declares, and those the source itself declares."""
    from kgcli.engine.load import load_file

    store = ox.Store()
    for path in sorted(resources.data_dir("ontology").glob("*.ttl")):
        if path != resources.shapes_file():
            load_file(store, str(path), graph="urn:kgcli:ontology")
    found = store.query(_DECLARED_TERMS, use_default_graph_as_union=True)
    assert isinstance(found, ox.QuerySolutions)
    declared = {row["term"].value for row in found if isinstance(row["term"], ox.NamedNode)}
    own = source.query(_DECLARED_TERMS)
    assert isinstance(own, SelectResult)
    declared.update(row[0].value for row in own if isinstance(row[0], ox.NamedNode))
    return declared


def undeclared_terms(source: GraphSource) -> list[tuple[str, str, str | None]]:
    """(term, "class" or "property", a declared term it may be a typo of) for each class or
    property of our namespaces that the data uses and no ontology declares."""
    declared = _declared(source)
    used = source.query(_USED_TERMS)
    assert isinstance(used, SelectResult)
    found = []
    for term, role in used:
        assert isinstance(term, ox.NamedNode) and isinstance(role, ox.Literal)
        if term.value in declared:
            continue
        namespace = next(ns for ns in OUR_NAMESPACES if term.value.startswith(ns))
        candidates = {d[len(namespace) :]: d for d in declared if d.startswith(namespace)}
        close = difflib.get_close_matches(term.value[len(namespace) :], candidates, n=1, cutoff=0.8)
        found.append((term.value, role.value, candidates[close[0]] if close else None))
    return found


def _vocabulary_rows(undeclared: list[tuple[str, str, str | None]]) -> list[tuple]:
    """The undeclared terms as rows of the report's columns, each with its did-you-mean."""
    rows = []
    for term, role, suggestion in undeclared:
        message = f"{compact_iri(term)} is used as a {role} but the ontology does not declare it"
        if suggestion:
            message += f"; did you mean {compact_iri(suggestion)}?"
        rows.append(
            (
                ox.NamedNode(_SH + "Violation"),
                ox.NamedNode(term),
                None,
                None,
                ox.NamedNode(CLOSED_VOCABULARY),
                None,
                ox.Literal(message),
            )
        )
    return rows


#: What the undeclared terms are: (term, "class" or "property", a declared term it may be a
#: typo of), as `undeclared_terms` gives them.
Undeclared = list[tuple[str, str, str | None]]


def validate(
    source: GraphSource, shapes: str | Path | None = None, *, timeout: float | None = None
) -> ValidationReport:
    """Validate the union of the source's graphs against SHACL shapes (RDFS inference on), and
    report each class or property of our namespaces (kg:, kgr:) that no ontology declares.

    With `timeout`, the validation runs in a child process killed after `timeout` seconds
    (`QueryTimeout`): pySHACL's SPARQL constraints, evaluated by rdflib, can run for hours and
    are no Python loop of ours to stop. Without it no process is forked (a fork of a process
    holding a large graph costs time of its own).
    """
    import rdflib

    shapes_path = Path(shapes) if shapes else resources.shapes_file()
    shapes_graph = rdflib.Graph()
    shapes_graph.parse(data=_read_shapes(shapes_path), format="nt")

    def check() -> tuple[bool, bytes, Undeclared]:
        return _check(source, shapes_graph, shapes_path, embedded=not shapes)

    if timeout is None or not hasattr(os, "fork"):
        conforms, report, undeclared = check()
    else:
        conforms, report, undeclared = _in_child(check, timeout)
    store = ox.Store()
    store.load(report, format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(_REPORT_QUERY)
    assert isinstance(rows, ox.QuerySolutions)
    violations = SelectResult.from_solutions(rows)
    vocabulary = _vocabulary_rows(undeclared)
    return ValidationReport(
        conforms and not vocabulary,
        SelectResult(violations.variables, [*violations, *vocabulary]),
    )


def _check(
    source: GraphSource, shapes_graph: rdflib.Graph, shapes_path: Path, *, embedded: bool
) -> tuple[bool, bytes, Undeclared]:
    """pySHACL's verdict, its report as N-Triples (blank nodes described), and the undeclared
    terms of our namespaces."""
    from pyparsing import ParseBaseException
    from pyshacl import validate as shacl_validate
    from pyshacl.errors import ReportableRuntimeError

    data = _as_rdflib(source)
    # pySHACL logs each error it raises to stderr through a handler of its own, set anew on each
    # call: the error is reported once, as kg's one line, so its log records are dropped.
    log = logging.getLogger("pyshacl-validate")
    log.addFilter(_drop)
    try:
        conforms, report, _ = shacl_validate(
            data, shacl_graph=shapes_graph, inference="rdfs", allow_warnings=True
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
    except (TypeError, AttributeError) as err:
        if embedded:  # the embedded shapes: our bug, shown as one
            raise
        # pySHACL takes a constraint's value as given (`sh:pattern 5` fails in len()).
        raise InputError(
            f"{shapes_path}: pySHACL cannot use a constraint of these shapes ({err}); check "
            "that each value is of the kind SHACL asks (a string for sh:pattern, ...)"
        ) from None
    finally:
        log.removeFilter(_drop)
    _describe_blank_nodes(report, data, shapes_graph)
    return bool(conforms), report.serialize(format="nt", encoding="utf-8"), undeclared_terms(source)


_ANSWER = "answer.json"
_REPORT = "report.nt"


def _in_child(
    check: Callable[[], tuple[bool, bytes, Undeclared]], timeout: float
) -> tuple[bool, bytes, Undeclared]:
    """`check()` in a child process (`kgcli.engine.child`) killed after `timeout` seconds.

    The child writes its answer to a temporary folder, or its failure, which comes back as the
    same `kgcli.errors` exception with the same message.
    """
    with tempfile.TemporaryDirectory(prefix="kg-validate-") as tmp:
        folder = Path(tmp)

        def work() -> int:
            child.quiet()  # a failure comes back as a message, not as the child's stderr
            try:
                conforms, report, undeclared = check()
                (folder / _REPORT).write_bytes(report)
                (folder / _ANSWER).write_text(json.dumps([conforms, undeclared]), "utf-8")
            except BaseException as err:  # any failure goes back to the parent, as it was
                child.save_failure(folder, err)
                return 1
            return 0

        status = child.run(work, timeout)
        if status is None:
            raise QueryTimeout(f"validation stopped after the {timeout:g} s timeout (--timeout)")
        child.raise_failure(folder, "validation")
        if status != 0 or not (folder / _ANSWER).exists():
            raise KgError(f"validation failed: its process {child.ended(status)}")
        conforms, undeclared = json.loads((folder / _ANSWER).read_text("utf-8"))
        report = (folder / _REPORT).read_bytes()
    return bool(conforms), report, [(t, r, s) for t, r, s in undeclared]
