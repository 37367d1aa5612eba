"""`kg push` against a fake server on 127.0.0.1: Graph Store per named graph, idempotent, batched
without splitting blank nodes, SPARQL Update fallback, partial failures reported and rerun."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from support.fakes import Answer, FakeServer, SparqlFake, dataset, digest_guard

from kgcli.api import open_source
from kgcli.engine.source import LocalSource
from kgcli.errors import InputError
from kgcli.remote.config import Endpoint
from kgcli.remote.push import batches, graph_store_url, update_url

KGG = "https://w3id.org/kgcli/graph/"
GRAPHS = [f"{KGG}jiading-precision-medicine", f"{KGG}kg", f"{KGG}minhang-health-cluster"]


#: A developer's own endpoints and credentials must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_user_settings")


@pytest.fixture
def server() -> Iterator[tuple[FakeServer, SparqlFake]]:
    with FakeServer() as fake:
        sparql = SparqlFake()
        fake.default = sparql
        yield fake, sparql


def embedded() -> ox.Store:
    source = open_source()
    assert isinstance(source, LocalSource)
    return source.store


def test_push_copies_every_named_graph_and_twice_changes_nothing(kg, server):
    fake, sparql = server
    result = kg("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"kg: written      <{GRAPHS[0]}> (1523 triples)\n"
        f"kg: written      <{GRAPHS[1]}> (1961 triples)\n"
        f"kg: written      <{GRAPHS[2]}> (2203 triples)\n"
        f"kg: pushed 3 graphs, 5687 triples, to {fake.base}/store (Graph Store Protocol)\n"
    )
    assert [(r.method, r.headers["content-type"]) for r in fake.requests] == [
        ("PUT", "text/turtle")
    ] * 3
    assert fake.requests[0].path == "/store?graph=" + GRAPHS[0].replace(":", "%3A").replace(
        "/", "%2F"
    )
    first = dataset(sparql.store)
    assert first == dataset(embedded())
    again = kg("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    assert again.exit_code == 0
    assert len(sparql.store) == 5687
    assert dataset(sparql.store) == first


def test_small_batches_put_then_post_and_keep_blank_nodes_whole(kg, server):
    fake, sparql = server
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--batch-size", "100")
    assert result.exit_code == 0, result.output
    methods = [r.method for r in fake.requests]
    assert methods.count("PUT") == 3 and methods.count("POST") > 40
    # Each graph starts with a PUT; blank nodes were never split between two requests.
    assert dataset(sparql.store) == dataset(embedded())


def test_batches_never_split_a_blank_node_component():
    store = ox.Store()
    g = ox.NamedNode("http://g")
    p = ox.NamedNode("http://p")
    chain = [ox.BlankNode() for _ in range(7)]
    for a, b in itertools.pairwise(chain):
        store.add(ox.Quad(a, p, b, g))
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://s{i}"), p, ox.Literal(str(i)), g))
    cut = list(batches(store, g, 2))
    assert sum(len(b) for b in cut) == 11
    whole = [b for b in cut if any(isinstance(t.subject, ox.BlankNode) for t in b)]
    assert [len(b) for b in whole] == [6]  # the chain of 6 triples travels as one


def test_a_partial_failure_is_reported_and_a_rerun_completes_it(kg, server):
    fake, sparql = server
    sparql.fail_on(
        4, Answer(500, b"<html><body>disk full</body></html>", {"Content-Type": "text/html"})
    )
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--batch-size", "1000")
    assert result.exit_code == 1
    # Requests: graph 1 = PUT + POST (1523 triples), graph 2 = PUT (ok) + POST (fails).
    assert result.stderr == (
        f"kg: written      <{GRAPHS[0]}> (1523 triples)\n"
        f"kg: partly       <{GRAPHS[1]}> (1000 of 1961 triples): {fake.base}/store: "
        "500 Internal Server Error: disk full\n"
        f"kg: not written  <{GRAPHS[2]}> (2203 triples)\n"
        f"kg: error: 1 of 3 graphs written to {fake.base}/store; run the same command again to "
        "complete the push\n"
    )
    rerun = kg(*args, "--batch-size", "1000")
    assert rerun.exit_code == 0, rerun.output
    assert dataset(sparql.store) == dataset(embedded())


def test_without_a_graph_store_it_falls_back_to_sparql_update(kg, server):
    fake, sparql = server
    sparql.no_graph_store = 405
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--update-endpoint", f"{fake.base}/update", "--batch-size", "700")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"kg: no Graph Store at {fake.base}/store (405); using SPARQL Update at {fake.base}/update"
    )
    assert result.stderr.endswith(f"to {fake.base}/update (SPARQL Update)\n")
    updates = [r.params["update"][0] for r in fake.requests if r.path == "/update"]
    assert updates[0].startswith(f"DROP SILENT GRAPH <{GRAPHS[0]}> ;\nINSERT DATA {{ GRAPH")
    assert updates[1].startswith("INSERT DATA")
    # Blank nodes go through a template: Virtuoso refuses them in INSERT DATA.
    assert any(u.startswith("INSERT { GRAPH") and u.endswith("} } WHERE {}") for u in updates)
    assert dataset(sparql.store) == dataset(embedded())
    # Pushed again over the same data: DROP then INSERT leaves it as it was.
    assert kg(*args, "--update-endpoint", f"{fake.base}/update").exit_code == 0
    assert dataset(sparql.store) == dataset(embedded())


def test_user_files_keep_their_named_graphs_and_default_graph(kg, server, tmp_path: Path):
    fake, sparql = server
    trig = tmp_path / "d.trig"
    trig.write_text(
        "<http://ex/a> <http://ex/p> _:b .\n"
        '<http://ex/g> { <http://ex/a> <http://ex/q> "中文"@zh . }\n'
    )
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--data", str(trig))
    assert result.exit_code == 0, result.output
    local = open_source(data=[str(trig)])
    assert isinstance(local, LocalSource)
    assert dataset(sparql.store) == dataset(local.store)


def test_push_with_basic_and_digest_credentials(kg, server, monkeypatch):
    fake, sparql = server
    monkeypatch.setenv("KG_ENDPOINT_USER", "ana")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "pw")
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    assert kg(*args).exit_code == 0
    assert {r.headers["authorization"] for r in fake.requests} == {"Basic YW5hOnB3"}
    fake.requests.clear()
    monkeypatch.setenv("KG_ENDPOINT_AUTH", "digest")
    fake.default = digest_guard("ana", "pw", sparql)
    result = kg(*args)
    assert result.exit_code == 0, result.output
    assert [r.method for r in fake.requests] == ["PUT", "PUT"] * 3  # challenged, then answered
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "nope")
    result = kg(*args)
    assert result.exit_code == 1
    assert "401 Unauthorized: check the credentials" in result.stderr.splitlines()[0]
    assert result.stderr.count("not written") == 3


def test_push_needs_an_endpoint(kg):
    result = kg("push")
    assert result.exit_code == 2
    assert result.stderr == (
        "kg: error: name the server to push to: --endpoint URL (or a configured NAME)\n"
    )


def test_an_unreachable_server_writes_nothing(kg):
    result = kg("push", "-E", "http://127.0.0.1:9/query")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"kg: not written  <{GRAPHS[0]}> (1523 triples): ")
    assert "connection refused" in lines[0]
    assert lines[-1].startswith("kg: error: 0 of 3 graphs written to http://127.0.0.1:9/store")


@pytest.mark.parametrize(
    ("url", "store", "update"),
    [
        ("http://h:7878/query", "http://h:7878/store", "http://h:7878/update"),
        ("http://h:3030/ds/sparql", "http://h:3030/ds/data", "http://h:3030/ds/update"),
        ("http://h:3030/ds/query", "http://h:3030/ds/data", "http://h:3030/ds/update"),
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud", "http://h:8890/sparql"),
    ],
)
def test_the_graph_store_and_update_urls_are_guessed_per_server(url, store, update):
    assert graph_store_url(Endpoint(url)) == store
    assert update_url(Endpoint(url)) == update


def test_virtuoso_with_credentials_uses_its_authenticated_urls():
    endpoint = Endpoint("http://h:8890/sparql", user="u", password="p", auth="digest")
    assert graph_store_url(endpoint) == "http://h:8890/sparql-graph-crud-auth"
    assert update_url(endpoint) == "http://h:8890/sparql-auth"
    configured = Endpoint("http://h/x/y/z", server="oxigraph")
    assert graph_store_url(configured) == "http://h/store"
    with pytest.raises(InputError, match="pass --graph-store URL"):
        graph_store_url(Endpoint("http://h/x/y/z"))


# --- derived triples (#14): pushed only with --infer, as the named graph kgg:inferred ----------

INFERRED = f"{KGG}inferred"
#: A clinic typed by its subclass only: `kg infer --rules owl-rl` derives 2 types and a
#: subclass step.
CLINIC = """\
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Clinic rdfs:subClassOf ex:Facility .
ex:Facility rdfs:subClassOf ex:Place .
ex:smile a ex:Clinic .
"""
_EX = "http://example.org/"
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CLINIC_DERIVED = {
    ox.Triple(ox.NamedNode(f"{_EX}smile"), _TYPE, ox.NamedNode(f"{_EX}Facility")),
    ox.Triple(ox.NamedNode(f"{_EX}smile"), _TYPE, ox.NamedNode(f"{_EX}Place")),
    ox.Triple(
        ox.NamedNode(f"{_EX}Clinic"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
        ox.NamedNode(f"{_EX}Place"),
    ),
}


def _graph(store: ox.Store, iri: str) -> set[ox.Triple]:
    """The triples of one graph of `store`."""
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))}


@pytest.fixture
def inferred_store(kg, tmp_path: Path) -> tuple[Path, Path]:
    """A store holding one file and what `kg infer --store` derived from it."""
    data = tmp_path / "clinic.ttl"
    data.write_text(CLINIC, encoding="utf-8")
    store = tmp_path / "store"
    assert kg("store", "load", str(store), str(data)).exit_code == 0
    assert kg("infer", "--rules", "owl-rl", "--store", str(store)).exit_code == 0
    return store, data


def test_push_of_a_store_leaves_the_derived_graph_out_without_infer(kg, server, inferred_store):
    fake, sparql = server
    store, data = inferred_store
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--store", str(store))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"kg: written      <{data.as_uri()}> (3 triples)\n"
        f"kg: pushed 1 graph, 3 triples, to {fake.base}/store (Graph Store Protocol)\n"
    )
    assert [g.value for g in sparql.store.named_graphs()] == [data.as_uri()]


def test_push_of_a_store_with_infer_sends_the_derived_graph_as_kgg_inferred(
    kg, server, inferred_store
):
    fake, sparql = server
    store, data = inferred_store
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    result = kg(*args, "--store", str(store), "--infer")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"kg: written      <{data.as_uri()}> (3 triples)\n"
        f"kg: written      <{INFERRED}> (3 triples)\n"
        f"kg: pushed 2 graphs, 6 triples, to {fake.base}/store (Graph Store Protocol)\n"
    )
    assert _graph(sparql.store, INFERRED) == CLINIC_DERIVED
    assert len(_graph(sparql.store, data.as_uri())) == 3


def test_push_with_infer_derives_from_files_and_sends_kgg_inferred(kg, server, tmp_path: Path):
    fake, sparql = server
    data = tmp_path / "clinic.ttl"
    data.write_text(CLINIC, encoding="utf-8")
    args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
    plain = kg(*args, "--data", str(data))
    assert plain.exit_code == 0, plain.output
    assert [g.value for g in sparql.store.named_graphs()] == [data.as_uri()]
    result = kg(*args, "--data", str(data), "--infer", "--rules", "owl-rl")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"kg: written      <{data.as_uri()}> (3 triples)\n"
        f"kg: written      <{INFERRED}> (3 triples)\n"
        f"kg: pushed 2 graphs, 6 triples, to {fake.base}/store (Graph Store Protocol)\n"
    )
    assert _graph(sparql.store, INFERRED) == CLINIC_DERIVED
