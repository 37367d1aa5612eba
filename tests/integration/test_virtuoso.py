"""Against a real Virtuoso open source server: push through its Graph Store endpoint with digest
authentication (a named endpoint, credentials from environment variables), then query /sparql."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kgcli.engine.catalogue import Catalogue

# Slow: Virtuoso takes ~20 s to start under load, and the first push ~10 s more.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

GRAPHS = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/kgcli/graph/")) } GROUP BY ?g ORDER BY ?g"""
COUNTS = (
    "g,n\n"
    "https://w3id.org/kgcli/graph/jiading-precision-medicine,1523\n"
    "https://w3id.org/kgcli/graph/kg,1961\n"
    "https://w3id.org/kgcli/graph/minhang-health-cluster,2203\n"
)
#: Catalogue queries that Virtuoso 7.2 answers otherwise than the SPARQL 1.1 semantics (Oxigraph
#: and our engine agree): a parameter bound with VALUES is not seen inside FILTER / FILTER EXISTS
#: (fewer rows, or "SQ200: No column"), and xsd:duration values come back as seconds.
VIRTUOSO_DIFFERS = {
    "facilities-of-medical-center",
    "facilities-offering-specialty",
    "firms-by-sector",
    "firms-in-place",
    "reported-figures",
    "specialties-of-facility",
    "transport-links",
}


@pytest.fixture
def lab(virtuoso, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server as a named endpoint, credentials in environment variables named by the file."""
    for var in ("KG_ENDPOINT", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD", "KG_ENDPOINT_AUTH"):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        "[endpoints.lab]\n"
        f'url = "{virtuoso.query_url}"\n'
        'auth = "digest"\n'
        'user_env = "LAB_USER"\n'
        'password_env = "LAB_PASSWORD"\n'
    )
    monkeypatch.setenv("KG_CONFIG", str(config))
    monkeypatch.setenv("LAB_USER", virtuoso.user)
    monkeypatch.setenv("LAB_PASSWORD", virtuoso.password)
    return "lab"


def test_push_with_digest_then_query_gives_the_local_rows(kg, virtuoso, lab):
    pushed = kg("push", "-E", lab)
    assert pushed.exit_code == 0, pushed.output
    crud = f"{virtuoso.base}/sparql-graph-crud-auth"
    assert pushed.stderr.endswith(
        f"kg: pushed 3 graphs, 5687 triples, to {crud} (Graph Store Protocol)\n"
    )
    assert kg("query", "-E", lab, "-f", "csv", "-e", GRAPHS).stdout == COUNTS
    same = 0
    for name in Catalogue().names():
        local = kg("query", name, "-f", "csv")
        remote = kg("query", name, "-E", lab, "-f", "csv", "--timeout", "30")
        if name in VIRTUOSO_DIFFERS:
            continue
        assert remote.exit_code == 0, (name, remote.output)
        # Virtuoso breaks ORDER BY ties its own way: compare rows as multisets.
        assert Counter(remote.stdout.splitlines()) == Counter(local.stdout.splitlines()), name
        same += 1
    assert same >= 13


def test_pushing_twice_leaves_the_counts_unchanged(kg, lab):
    assert kg("push", "-E", lab, "--batch-size", "600").exit_code == 0
    assert kg("push", "-E", lab).exit_code == 0
    assert kg("query", "-E", lab, "-f", "csv", "-e", GRAPHS).stdout == COUNTS


def test_ask_construct_and_blank_nodes_from_virtuoso(kg, lab):
    assert kg("push", "-E", lab).exit_code == 0
    ask = kg("query", "-E", lab, "-f", "csv", "-e", "ASK { ?s a ?o }")
    assert ask.exit_code == 0, ask.output
    assert ask.stdout.strip() == "true"
    blanks = "SELECT ?b ?p WHERE { GRAPH ?g { ?b ?p ?o } FILTER(isBlank(?b)) } LIMIT 5"
    rows = kg("query", "-E", lab, "-f", "csv", "-e", blanks)
    assert rows.exit_code == 0, rows.output
    assert len(rows.stdout.splitlines()) == 6
    graph = kg(
        "query", "-E", lab, "-f", "ntriples", "-e",
        "CONSTRUCT { ?b ?p ?o } WHERE { GRAPH ?g { ?b ?p ?o } FILTER(isBlank(?b)) }",
    )  # fmt: skip
    assert graph.exit_code == 0, graph.output
    assert graph.stdout.count("\n") > 50


def test_a_wrong_password_is_one_line_and_writes_nothing(kg, virtuoso, lab, monkeypatch):
    monkeypatch.setenv("LAB_PASSWORD", "not-the-password")
    result = kg("push", "-E", lab)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert "401" in first and "check the credentials (LAB_USER / LAB_PASSWORD)" in first
    assert result.stderr.count("not written") == 3


def test_a_runaway_query_stops_at_the_timeout(kg, lab):
    assert kg("push", "-E", lab).exit_code == 0
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    result = kg("query", "-E", lab, "-e", cross, "--timeout", "1")
    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1
