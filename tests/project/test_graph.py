"""The embedded graph: it loads, every lint query in queries/checks finds nothing, and every quote
that supports a fact is verbatim from its article."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from support import ROOT, TESTS

SHARED = ROOT.parent / "shared"
CHECKS = ROOT / "queries" / "checks"
BROKEN = TESTS / "checks_broken"
GRAPH_NS = "https://w3id.org/kgcli/graph/"
KG = "https://w3id.org/kgcli/ontology#"
KGR = "https://w3id.org/kgcli/resource/"
PREFIXES = """
PREFIX kg: <https://w3id.org/kgcli/ontology#>
PREFIX kgr: <https://w3id.org/kgcli/resource/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def dataset_files() -> list[Path]:
    """The embedded dataset: every ontology/*.ttl except the shapes, and every graph/*.ttl."""
    ontology = [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    return ontology + sorted((ROOT / "graph").glob("*.ttl"))


def load_store(extra: tuple[Path, ...] = ()) -> ox.Store:
    """Each file in its own named graph, https://w3id.org/kgcli/graph/{stem}, as kgcli does."""
    store = ox.Store()
    for path in (*dataset_files(), *extra):
        graph = ox.NamedNode(GRAPH_NS + path.stem)
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return store


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    """Rows of a SELECT over the union of the named graphs, each term as N-Triples text."""
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    width = len(solutions.variables)
    return [tuple("" if s[i] is None else str(s[i]) for i in range(width)) for s in solutions]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store()


def test_every_file_loads_into_its_named_graph(store):
    names = {g.value for g in store.named_graphs()}
    expected = {GRAPH_NS + p.stem for p in dataset_files()}
    assert names == expected
    assert {"minhang-health-cluster", "jiading-precision-medicine"} <= {
        p.stem for p in dataset_files()
    }


CHECK_FILES = sorted(CHECKS.glob("*.rq"))


def test_there_are_checks():
    assert len(CHECK_FILES) >= 10


@pytest.mark.parametrize("check", CHECK_FILES, ids=lambda p: p.stem)
def test_check_finds_nothing(store, check):
    text = check.read_text(encoding="utf-8")
    assert text.startswith("# title: "), f"{check.name} has no '# title:' header"
    assert "\n# description: " in text, f"{check.name} has no '# description:' header"
    rows = select(store, text)
    assert rows == [], f"{check.stem} found {len(rows)} offending rows:\n" + "\n".join(
        "  " + " | ".join(row) for row in rows
    )


@pytest.mark.parametrize("check", CHECK_FILES, ids=lambda p: p.stem)
def test_check_catches_its_broken_example(check):
    """Each check has a small broken graph in tests/checks_broken/ that it reports."""
    fixture = BROKEN / f"{check.stem}.ttl"
    assert fixture.is_file(), f"no broken example {fixture.relative_to(ROOT)} for {check.name}"
    rows = select(load_store((fixture,)), check.read_text(encoding="utf-8"))
    assert rows, f"{check.stem} did not report the broken example {fixture.name}"
    marks = ("broken", GRAPH_NS + check.stem)
    assert any(mark in cell.lower() for row in rows for cell in row for mark in marks), rows


def _quotes(store: ox.Store) -> list[tuple[str, str, str]]:
    query = (
        PREFIXES
        + """
        SELECT DISTINCT ?evidence ?quote ?source WHERE {
          ?evidence a kg:Evidence ; kg:quote ?quote ; prov:wasQuotedFrom ?article .
          ?article dcterms:source ?source .
        } ORDER BY ?evidence"""
    )
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [(s["evidence"].value, s["quote"].value, s["source"].value) for s in solutions]


def test_every_evidence_has_a_quote_and_a_source(store):
    evidence = select(store, PREFIXES + "SELECT DISTINCT ?e WHERE { ?e a kg:Evidence }")
    assert len(_quotes(store)) == len(evidence) > 0


def test_every_quote_is_verbatim_from_its_article(store):
    if not SHARED.is_dir():
        pytest.skip(f"the article corpus is not available at {SHARED}")
    wrong = []
    for evidence, quote, source in _quotes(store):
        article = SHARED / source
        assert article.is_file(), f"{evidence}: source {source} is not in {SHARED}"
        if quote not in article.read_text(encoding="utf-8"):
            wrong.append(f"{evidence}: {quote!r} is not in {source}")
    assert wrong == [], "\n".join(wrong)


def test_each_article_graph_is_derived_from_its_own_article(store):
    rows = select(
        store,
        PREFIXES
        + """
        SELECT DISTINCT ?graph ?article ?source WHERE {
          GRAPH ?graph { ?graph prov:wasDerivedFrom ?article .
                         ?article a kg:NewsArticle ; dcterms:source ?source } }
        ORDER BY ?graph""",
    )
    assert rows == [
        (
            f"<{GRAPH_NS}jiading-precision-medicine>",
            f"<{KGR}article-jiading-precision-medicine>",
            '"seeds/004_1f81f8cb598b09da.txt"',
        ),
        (
            f"<{GRAPH_NS}minhang-health-cluster>",
            f"<{KGR}article-minhang-health-cluster>",
            '"seeds/000_d0077edb71c5e914.txt"',
        ),
    ]


def test_authors_as_printed(store):
    rows = select(
        store,
        PREFIXES + "SELECT ?a ?c WHERE { ?a a kg:NewsArticle OPTIONAL { ?a dcterms:creator ?c } }",
    )
    assert sorted(set(rows)) == [
        (f"<{KGR}article-jiading-precision-medicine>", ""),
        (f"<{KGR}article-minhang-health-cluster>", '"Mao Haiping"'),
        (f"<{KGR}article-minhang-health-cluster>", '"Yang Yang"'),
    ]


@pytest.mark.parametrize(
    ("subject", "predicate", "value"),
    [
        ("shanghai-kindly-medical-instruments", "foundingDate", '"2006"^^xsd:gYear'),
        (
            "shanghai-nanxiang-precision-medicine-industrial-park",
            "foundingDate",
            '"2018-11"^^xsd:gYearMonth',
        ),
        (
            "walk-hongqiao-railway-station-to-new-hongqiao-international-medical-center",
            "travelDuration",
            '"PT10M"^^xsd:duration',
        ),
        (
            "approval-neosoft-shanghai-sci-tech-center-construction",
            "approvalDuration",
            '"P3D"^^xsd:duration',
        ),
        ("fahua-pagoda", "heightMetres", '"40.8"^^xsd:decimal'),
        ("fahua-pagoda", "numberOfStories", '"7"^^xsd:integer'),
        ("amount-100-billion-yuan", "amountValue", '"100000000000"^^xsd:decimal'),
        ("amount-15-54-billion-dollars", "amountValue", '"15540000000"^^xsd:decimal'),
        ("count-kindly-subsidiaries", "countValue", '"11"^^xsd:integer'),
        ("count-kindly-export-countries-and-regions", "countQualifier", '"more than"@en'),
        ("count-specialized-hospitals-new-hongqiao", "countValue", '"10"^^xsd:integer'),
        ("dr-smile-surgical-clinic", "floorAreaSquareMetres", '"200"^^xsd:decimal'),
    ],
)
def test_stated_values_are_typed_as_printed(store, subject, predicate, value):
    """A few of the articles' numbers and dates, with the datatypes the issue asks for."""
    query = PREFIXES + f"ASK {{ kgr:{subject} kg:{predicate} {value} }}"
    assert store.query(query, use_default_graph_as_union=True), (subject, predicate, value)


def test_no_year_is_invented_for_this_year(store):
    """The articles print no publication date: 'this year' stays text, never a typed year."""
    rows = select(
        store,
        PREFIXES
        + """SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o .
             FILTER(STRSTARTS(STR(?s), STR(kgr:)))
             FILTER(isLiteral(?o) && DATATYPE(?o) IN (xsd:gYear, xsd:gYearMonth, xsd:date)) }""",
    )
    years = sorted({row[2].split('"')[1] for row in rows})
    assert years == ["2006", "2018-11", "2021", "2025"]
