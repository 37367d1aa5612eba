"""The synthetic city generator and the benchmark suite: reproducible, our vocabulary, running."""

from __future__ import annotations

import gc
import hashlib
import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import generate

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL = "http://www.w3.org/2002/07/owl#"


def _text(target: int, seed: int = 7, fmt: str = "ntriples") -> str:
    out = io.StringIO()
    generate.write(out, target, seed, fmt)
    return out.getvalue()


def _store(text: str, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.load(text.encode(), format=fmt)
    return store


@pytest.fixture(scope="module")
def city() -> str:
    return _text(10_000)


def test_same_seed_same_bytes_other_seed_other_graph(city):
    again = _text(10_000)
    assert hashlib.sha256(city.encode()).digest() == hashlib.sha256(again.encode()).digest()
    assert _text(10_000, seed=8) != city
    assert _text(10_000, fmt="turtle") == _text(10_000, fmt="turtle")


@pytest.mark.parametrize("target", [10_000, 37_000, 100_000])
def test_triple_count_is_close_to_the_request(target):
    out = io.StringIO()
    written = generate.write(out, target, 7)
    assert abs(written - target) <= 0.02 * target
    assert len(_store(out.getvalue(), ox.RdfFormat.N_TRIPLES)) == written  # no duplicates


def _declared() -> tuple[set[str], set[str]]:
    """Classes and properties declared in ontology/kg.ttl; terms the curated graphs use."""
    onto = ox.Store()
    onto.load(path=str(ROOT / "ontology" / "kg.ttl"))
    declared = {
        q.subject.value
        for q in onto.quads_for_pattern(None, RDF_TYPE, None)
        if isinstance(q.subject, ox.NamedNode)
    }
    curated = ox.Store()
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        curated.load(path=str(path))
    used = {q.predicate.value for q in curated} | {
        q.object.value
        for q in curated.quads_for_pattern(None, RDF_TYPE, None)
        if isinstance(q.object, ox.NamedNode)
    }
    return declared, used


def test_every_class_and_property_is_in_our_ontology(city):
    store = _store(city, ox.RdfFormat.N_TRIPLES)
    declared, curated = _declared()
    predicates = {q.predicate.value for q in store}
    classes = {q.object.value for q in store.quads_for_pattern(None, RDF_TYPE, None)}
    ours = {t for t in predicates | classes if t.startswith(generate.KG)}
    assert ours and ours <= declared, sorted(ours - declared)
    # Terms of other vocabularies (rdf:, rdfs:, skos:, org:, prov:, dcterms:): only those the
    # curated graphs already use, in the same role.
    assert predicates - ours <= curated, sorted(predicates - ours - curated)
    assert classes - ours <= curated, sorted(classes - ours - curated)
    # Every kg: individual it points at (concept schemes) is declared as well.
    objects = {q.object.value for q in store if isinstance(q.object, ox.NamedNode)}
    assert {o for o in objects if o.startswith(generate.KG)} <= declared


def test_the_city_has_the_shape_of_the_curated_clusters(city):
    store = _store(city, ox.RdfFormat.N_TRIPLES)

    def count(query: str) -> int:
        head = "PREFIX kg: <https://w3id.org/kgcli/ontology#>\n"
        head += "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        head += "PREFIX org: <http://www.w3.org/ns/org#>\n"
        return int(next(iter(store.query(head + query)))[0].value)

    assert count("SELECT (COUNT(*) AS ?n) { ?t a kg:Town ; kg:locatedIn/a kg:District }") >= 10
    assert count("SELECT (COUNT(*) AS ?n) { ?p a kg:IndustrialPark ; kg:locatedIn/a kg:Town }")
    assert count("SELECT (COUNT(*) AS ?n) { ?c a kg:MedicalCenter ; kg:locatedIn/a kg:Town }")
    assert count("SELECT (COUNT(*) AS ?n) { ?f a kg:Company ; kg:industrySector [] }") > 100
    # Two facilities share a resource shared within a center, through the center's platform.
    assert count(
        "SELECT (COUNT(*) AS ?n) { ?a kg:usesSharedResource ?r . ?b kg:usesSharedResource ?r "
        "FILTER(?a != ?b) ?r kg:sharedWithin ?c ; kg:sharedVia ?p . ?c kg:hasPlatform ?p }"
    )
    assert count("SELECT (COUNT(*) AS ?n) { [] org:member ?p ; org:role [] ; org:organization [] }")
    # Sourced statements, as graph/*.ttl: the statement is in the graph, its evidence quoted.
    assert (
        count(
            "SELECT (COUNT(*) AS ?n) { ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; "
            "rdf:object ?o ; kg:evidence [ kg:quote [] ] . ?s ?p ?o }"
        )
        > 100
    )


def test_every_catalogue_query_the_suite_times_finds_rows_in_the_city(city):
    """The catalogue queries, with the suite's parameters, answer on the city as on the curated
    graphs: a query that finds nothing would time an empty answer."""
    import run

    from kgcli.engine.source import LocalSource

    store = _store(city, ox.RdfFormat.N_TRIPLES)
    store.load(path=str(ROOT / "ontology" / "kg.ttl"))  # as the suite loads it, for the labels
    source = LocalSource(store)
    empty = []
    for query in run.queries():
        if query.group == "catalogue" and query.name in run.SYNTHETIC_PARAMS:
            result = source.query(query.text)
            if not any(True for _ in result):
                empty.append(query.name)
    # The city has no kg:ReportedFigure yet: the suite times that query's empty answer.
    assert empty == ["reported-figures"]


def test_turtle_ntriples_and_nquads_give_the_same_graph(city):
    nt = _store(city, ox.RdfFormat.N_TRIPLES)
    ttl = _store(_text(10_000, fmt="turtle"), ox.RdfFormat.TURTLE)
    # No blank nodes, so isomorphic means equal sets of triples.
    assert set(nt) == set(ttl)
    nq = _store(_text(10_000, fmt="nquads"), ox.RdfFormat.N_QUADS)
    assert {q.triple for q in nq} == {q.triple for q in nt}
    assert len({q.graph_name for q in nq}) >= 2 and ox.DefaultGraph() not in {
        q.graph_name for q in nq
    }


def test_the_city_passes_lint_and_the_closed_vocabulary(tmp_path, kg):
    """At a small size, as graph/*.ttl do: no lint finding is an error (each district a graph
    derived from its article, each evidence quoted from it), no undeclared kg: term."""
    import csv

    from kgcli.api import open_source
    from kgcli.engine.validate import undeclared_terms

    path = tmp_path / "city.nq"
    path.write_text(_text(3_000, fmt="nquads"), encoding="utf-8")
    result = kg("lint", "--data", str(path), "--with-embedded", "-f", "csv")
    findings = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [f for f in findings if f["severity"] == "error"] == []
    assert result.exit_code == 0, result.stderr
    assert undeclared_terms(open_source(data=[str(path)])) == []


def test_memory_stays_flat_as_the_graph_grows():
    class Sink(io.TextIOBase):
        def write(self, s: str) -> int:
            return len(s)

    def peak(target: int) -> int:
        gc.collect()
        tracemalloc.start()
        generate.write(Sink(), target, 7)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(10_000), peak(100_000)
    assert large < 1.5 * small + 200_000, (small, large)


def test_the_command_line_writes_a_file(tmp_path):
    out = tmp_path / "city.ttl"
    argv = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "2e3"]
    done = subprocess.run(
        [*argv, "--format", "turtle", "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr.strip().endswith("triples")
    assert len(_store(out.read_text(encoding="utf-8"), ox.RdfFormat.TURTLE)) >= 2000


def test_every_benchmark_shape_finds_rows_in_the_city(city):
    import run

    store = _store(city, ox.RdfFormat.N_TRIPLES)
    for name, text in run.SHAPES.items():
        assert any(True for _ in store.query(text)), name
    assert {q.name for q in run.queries() if q.group == "catalogue"} >= set(run.SYNTHETIC_PARAMS)


def test_results_file_sections_are_replaced_one_by_one(tmp_path):
    import run

    path = tmp_path / "RESULTS.md"
    path.write_text(f"# Results\n\nprose\n\n{run.ANCHOR}\n\n## Other benchmark\n", encoding="utf-8")
    run._replace_sections(path, {"size 10": "ten\n", "cli": "cold\n"})
    run._replace_sections(path, {"size 10": "TEN\n"})
    text = path.read_text(encoding="utf-8")
    assert "TEN" in text and "ten" not in text and "cold" in text
    assert text.index("TEN") < text.index("cold") < text.index(run.ANCHOR)
    assert text.startswith("# Results\n\nprose\n") and text.endswith("## Other benchmark\n")


def test_sections_of_a_separate_run_merge_into_the_results(tmp_path):
    import run

    done, results = tmp_path / "done.md", tmp_path / "RESULTS.md"
    run._replace_sections(done, {"size 7": "seven\n", "cli": "cold\n"})
    results.write_text(f"# Results\n\n{run.ANCHOR}\n", encoding="utf-8")
    run.main(["--merge-from", str(done), "--write", str(results)])
    text = results.read_text(encoding="utf-8")
    assert "seven" in text and "cold" in text and text.count(run.ANCHOR) == 1


@pytest.mark.slow  # pyshacl on a generated city: ~9 s alone
def test_the_city_conforms_to_our_shapes(tmp_path):
    """The generated data passes `kg validate`, as the curated graph does: every label English,
    every membership labelled, every class's shape met."""
    from kgcli.api import open_source
    from kgcli.engine.validate import validate

    path = tmp_path / "city.nt"
    path.write_text(_text(3_000), encoding="utf-8")
    report = validate(open_source(data=[str(path)], with_embedded=True))
    assert report.conforms, list(report.violations)[:5]


def test_a_jena_process_past_its_cap_is_stopped_and_shown_as_such():
    import argparse
    import time

    import run

    start = time.monotonic()
    assert run.stopped_process([sys.executable, "-c", "import time; time.sleep(30)"], 0.5) == (
        None,
        "",
    )
    assert time.monotonic() - start < 20  # killed, not waited for
    wall, _ = run.stopped_process([sys.executable, "-c", "pass"], 60)
    assert wall is not None and wall > 0
    ctx = run.Context(argparse.Namespace(jena_cap=300.0), 10, Path("x"), 1, Path("."))
    assert run._jena_stopped(ctx, [2.0, 3.0, 4.0]) == ">300 s (stopped) | >100x"
    assert run._jena_stopped(ctx, None) == ">300 s (stopped) | -"
