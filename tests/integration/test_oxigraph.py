"""Against a real Oxigraph server: push the embedded graph, query it with the catalogue, compare
with the local results; push twice; a push cut short by the server's death, then completed."""

from __future__ import annotations

import urllib.request

import pyoxigraph as ox
import pytest
from support.fakes import dataset

from kgcli.api import open_source
from kgcli.engine.catalogue import Catalogue
from kgcli.engine.source import LocalSource
from kgcli.remote.config import Endpoint
from kgcli.remote.push import push

#: A developer's own endpoints and credentials must not leak into these tests.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_user_settings")]


def embedded() -> ox.Store:
    source = open_source()
    assert isinstance(source, LocalSource)
    return source.store


def server_dataset(base: str) -> ox.Dataset:
    """Everything the server holds, read back with the Graph Store Protocol."""
    request = urllib.request.Request(f"{base}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        store = ox.Store()
        store.load(answer.read(), format=ox.RdfFormat.N_QUADS)
    return dataset(store)


@pytest.mark.slow
def test_push_then_every_catalogue_query_gives_the_local_rows(kg, oxigraph):
    pushed = kg("push", "-E", oxigraph.query_url)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stderr.endswith(
        f"kg: pushed 3 graphs, 5687 triples, to {oxigraph.base}/store (Graph Store Protocol)\n"
    )
    assert server_dataset(oxigraph.base) == dataset(embedded())
    names = Catalogue().names()
    for name in names:
        for fmt in ("csv", "json"):
            local = kg("query", name, "-f", fmt)
            remote = kg("query", name, "-E", oxigraph.query_url, "-f", fmt, "--timeout", "30")
            assert remote.exit_code == 0, (name, remote.output)
            assert remote.stdout == local.stdout, (name, fmt)
    info = kg("info", "-E", oxigraph.query_url, "-s", "graphs", "-f", "csv")
    assert info.stdout.splitlines()[1:] == [
        "https://w3id.org/kgcli/graph/jiading-precision-medicine,1523",
        "https://w3id.org/kgcli/graph/kg,1961",
        "https://w3id.org/kgcli/graph/minhang-health-cluster,2203",
    ]


def test_pushing_twice_leaves_the_server_unchanged(kg, oxigraph):
    count = ("query", "-E", oxigraph.query_url, "-f", "csv", "-e")
    total = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert kg("push", "-E", oxigraph.query_url).exit_code == 0
    once = server_dataset(oxigraph.base)
    assert kg(*count, total).stdout == "n\n5687\n"
    assert kg("push", "-E", oxigraph.query_url, "--batch-size", "400").exit_code == 0
    assert kg(*count, total).stdout == "n\n5687\n"
    assert server_dataset(oxigraph.base) == once


def test_a_push_cut_short_by_the_servers_death_is_completed_by_a_rerun(kg, oxigraph):
    batches_done = 0

    def kill_after_five(n: int) -> None:
        nonlocal batches_done
        batches_done += 1
        if batches_done == 5:
            oxigraph.kill()

    report = push(
        embedded(), Endpoint(oxigraph.query_url), batch_size=500, progress=kill_after_five
    )
    assert not report.complete
    # 1523 triples: 4 batches written, then the 5th counted before the server died mid-graph 2.
    assert [(g.sent, g.written) for g in report.graphs] == [
        (1523, True),
        (500, False),
        (0, False),
    ]
    assert "connection refused" in (report.graphs[1].error or "")
    oxigraph.start()  # the same folder: what was written survived
    rerun = kg("push", "-E", oxigraph.query_url, "--batch-size", "500")
    assert rerun.exit_code == 0, rerun.output
    assert server_dataset(oxigraph.base) == dataset(embedded())


def test_sparql_update_when_the_graph_store_url_is_wrong(kg, oxigraph):
    result = kg(
        "push",
        "-E",
        oxigraph.query_url,
        "--graph-store",
        f"{oxigraph.base}/nothing-here",
        "--batch-size",
        "1000",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"kg: no Graph Store at {oxigraph.base}/nothing-here (404); "
        f"using SPARQL Update at {oxigraph.base}/update"
    )
    assert server_dataset(oxigraph.base) == dataset(embedded())


def test_query_errors_from_a_real_server(kg, oxigraph):
    # Our lexer lets this through; the server's parser refuses it: exit 2, its message, one line.
    bad = kg("query", "-E", oxigraph.query_url, "-e", "SELECT ?x WHERE { ?x }")
    assert bad.exit_code == 2, bad.output
    assert bad.stderr.startswith(f"kg: error: {oxigraph.query_url}: 400 Bad Request, the server")
    assert bad.stderr.count("\n") == 1
    wrong = kg("query", "-E", f"{oxigraph.base}/sparqll", "-e", "ASK {}")
    assert wrong.exit_code == 1
    assert wrong.stderr == (
        f"kg: error: {oxigraph.base}/sparqll: 404 Not Found (is this URL right?)\n"
    )
