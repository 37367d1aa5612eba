"""`kg serve --store` after `kg infer --store` (#14): without --infer, queries see the dataset `kg
query` sees (no `kgg:inferred` in the default graph, in GRAPH ?g or in the service description);
with --infer, stated + derived. Against a real `kg serve` subprocess, compared with `kg query`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from support.server import Server, call, get_query, kg_serve
from typer.testing import CliRunner

from kgcli.cli import app

INFERRED = "https://w3id.org/kgcli/graph/inferred"
SD = "http://www.w3.org/ns/sparql-service-description#"
CLINIC = """\
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Clinic rdfs:subClassOf ex:Facility .
ex:Facility rdfs:subClassOf ex:Place .
ex:smile a ex:Clinic .
"""
TYPES = "SELECT ?c WHERE { <http://example.org/smile> a ?c } ORDER BY ?c"
GRAPHS = "SELECT ?g ?c WHERE { GRAPH ?g { <http://example.org/smile> a ?c } } ORDER BY ?c"
FROM_NAMED = (
    f"SELECT ?g ?c FROM NAMED <{INFERRED}> "
    "WHERE { GRAPH ?g { <http://example.org/smile> a ?c } } ORDER BY ?c"
)
LISTED = f"SELECT ?g WHERE {{ ?s <{SD}namedGraph> [ <{SD}name> ?g ] }} ORDER BY ?g"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store holding one file and what `kg infer --store` derived from it; the file's IRI."""
    folder = tmp_path_factory.mktemp("infer-store")
    data = folder / "clinic.ttl"
    data.write_text(CLINIC, encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["store", "load", str(folder / "st"), str(data)],
        ["infer", "--rules", "owl-rl", "--store", str(folder / "st")],
    ):
        assert runner.invoke(app, args).exit_code == 0
    return folder / "st", data.as_uri()


@pytest.fixture(scope="module")
def stated(store: tuple[Path, str]) -> Iterator[Server]:
    with kg_serve("--store", str(store[0])) as running:
        yield running


@pytest.fixture(scope="module")
def derived(store: tuple[Path, str]) -> Iterator[Server]:
    with kg_serve("--store", str(store[0]), "--infer") as running:
        yield running


def _csv(server: Server, text: str) -> str:
    status, _, body = get_query(server, text, accept="text/csv")
    assert status == 200, body
    return body.decode("utf-8").replace("\r\n", "\n")


def _local(kg, store: Path, text: str, *infer: str) -> str:
    result = kg("query", "--store", str(store), *infer, "-e", text, "-f", "csv")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_without_infer_the_derived_graph_is_hidden_as_from_kg_query(kg, store, stated):
    folder, data = store
    assert _csv(stated, TYPES) == "c\nhttp://example.org/Clinic\n"
    assert _csv(stated, GRAPHS) == f"g,c\n{data},http://example.org/Clinic\n"
    for text in (TYPES, GRAPHS):
        assert _csv(stated, text).rstrip("\n") == _local(kg, folder, text).rstrip("\n")


def test_without_infer_from_named_still_reaches_the_derived_graph_as_kg_query(kg, store, stated):
    folder, _ = store
    assert _csv(stated, FROM_NAMED) == (
        f"g,c\n{INFERRED},http://example.org/Facility\n{INFERRED},http://example.org/Place\n"
    )
    assert _csv(stated, FROM_NAMED).rstrip("\n") == _local(kg, folder, FROM_NAMED).rstrip("\n")


def test_without_infer_the_service_description_lists_the_stated_graphs(store, stated):
    status, _, body = call("GET", stated.url, headers={"Accept": "application/n-triples"})
    assert status == 200
    described = ox.Store()
    described.load(body, format=ox.RdfFormat.N_TRIPLES)
    rows = described.query(LISTED)
    assert [row["g"].value for row in rows] == [store[1]]


def test_with_infer_queries_see_stated_and_derived(kg, store, derived):
    folder, data = store
    assert _csv(derived, TYPES) == (
        "c\nhttp://example.org/Clinic\nhttp://example.org/Facility\nhttp://example.org/Place\n"
    )
    assert _csv(derived, GRAPHS) == (
        f"g,c\n{data},http://example.org/Clinic\n"
        f"{INFERRED},http://example.org/Facility\n{INFERRED},http://example.org/Place\n"
    )
    for text in (TYPES, GRAPHS):
        expected = _local(kg, folder, text, "--infer").rstrip("\n")
        assert _csv(derived, text).rstrip("\n") == expected


def test_the_protocol_dataset_names_the_derived_graph_as_from_named_does(stated):
    """named-graph-uri is the client's own choice of dataset, as FROM NAMED is."""
    status, _, body = get_query(stated, GRAPHS, accept="text/csv", **{"named-graph-uri": INFERRED})
    assert status == 200
    assert body.decode("utf-8").replace("\r\n", "\n") == (
        f"g,c\n{INFERRED},http://example.org/Facility\n{INFERRED},http://example.org/Place\n"
    )
