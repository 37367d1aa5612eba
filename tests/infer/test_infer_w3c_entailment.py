"""The W3C SPARQL 1.1 entailment tests of the RDFS regime, on the `rdfs` rule set with domains.

Each test: its data is loaded, `infer` derives the closure, the query runs on stated + derived,
and the rows are compared (as multisets) with the test's expected results. Tests of the other
regimes (OWL Direct Semantics, D, RDF, RIF) are not run: docs/inference.md lists them and why.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.infer import RuleSet, infer

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "w3c" / "sparql11" / "entailment"
MANIFEST = SUITE / "manifest.ttl"

_ENTRIES = """
PREFIX mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#>
PREFIX qt: <http://www.w3.org/2001/sw/DataAccess/tests/test-query#>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX ent: <http://www.w3.org/ns/entailment/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?test ?query ?data ?result WHERE {
  ?test mf:action ?action ; mf:result ?result .
  ?action qt:query ?query ; qt:data ?data ; sd:entailmentRegime ?regime .
  { ?regime rdf:rest*/rdf:first ent:RDFS } UNION { FILTER(?regime = ent:RDFS) }
} ORDER BY ?test
"""

#: Tests of the RDFS regime whose answers rest on rules kg does not apply, and which.
NOT_COVERED = {
    "rdfs05": "rdfs10: every class is a subclass of itself (a tautology kg does not write)",
    "rdfs11": "rdfs6: every property is a subproperty of itself (a tautology kg does not write)",
    "sparqldl-02": "rdfs10: every class is a subclass of itself",
    "sparqldl-03": "rdfs10: every class is a subclass of itself",
    "paper-sparqldl-Q1-rdfs": "rdfs10: every class is a subclass of itself",
}


def _entries() -> list[tuple[str, Path, Path, Path]]:
    if not MANIFEST.is_file():
        return []
    store = ox.Store()
    store.load(path=str(MANIFEST), format=ox.RdfFormat.TURTLE, base_iri=MANIFEST.as_uri())
    rows = store.query(_ENTRIES)
    assert isinstance(rows, ox.QuerySolutions)

    def path(term: object) -> Path:
        return Path(str(term.value).removeprefix("file://"))  # type: ignore[attr-defined]

    return [
        (
            str(r["test"].value).rpartition("#")[2],
            path(r["query"]),
            path(r["data"]),
            path(r["result"]),
        )  # type: ignore[union-attr]
        for r in rows
    ]


ENTRIES = _entries()


def _row(solution: ox.QuerySolution, names: list[str]) -> tuple[str | None, ...]:
    # A blank node of an answer is any blank node: compare that there is one.
    return tuple(
        None
        if solution[n] is None
        else "_:"
        if isinstance(solution[n], ox.BlankNode)
        else str(solution[n])
        for n in names
    )


def test_the_suite_is_there_and_lists_the_rdfs_tests():
    if not MANIFEST.is_file():
        pytest.skip(f"the W3C test suite is not at {SUITE} (../shared is absent)")
    names = [name for name, *_ in ENTRIES]
    assert len(names) == 36
    assert set(NOT_COVERED) <= set(names)


@pytest.mark.parametrize(
    ("name", "query", "data", "result"),
    [
        pytest.param(
            *entry,
            marks=[pytest.mark.xfail(strict=True, reason=NOT_COVERED[entry[0]])]
            if entry[0] in NOT_COVERED
            else [],
            id=entry[0],
        )
        for entry in ENTRIES
    ],
)
def test_w3c_rdfs_entailment(name, query, data, result):
    store = ox.Store()
    store.load(
        path=str(data),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode("urn:test:data"),
        base_iri=data.as_uri(),
    )
    infer(store, RuleSet(rdfs=True, owl_rl=False, domain_range=True))
    got = store.query(query.read_text(), use_default_graph_as_union=True, base_iri=query.as_uri())
    expected = ox.parse_query_results(path=str(result), format=ox.QueryResultsFormat.XML)
    if isinstance(expected, ox.QueryBoolean):
        assert bool(got) == bool(expected)
        return
    assert isinstance(got, ox.QuerySolutions)
    names = [v.value for v in expected.variables]
    assert Counter(_row(s, names) for s in got) == Counter(_row(s, names) for s in expected)
