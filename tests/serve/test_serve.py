"""`kg serve`: the SPARQL 1.1 Protocol, its negative cases, limits, updates and load.

The request parsing and negotiation are tested as functions; everything else against a real
`kg serve` subprocess on 127.0.0.1 (port 0), queried by SPARQLWrapper, by rdflib's SPARQLStore
and by plain http.client, and compared with what `kg query` gives locally.
"""

from __future__ import annotations

import functools
import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from support import MINI
from support.server import (
    FORM,
    JSON_TYPE,
    SERVE_QUERIES,
    TOKEN,
    Server,
    call,
    get_query,
    kg_serve,
    post_form,
)

from kgcli.serve.app import (
    HttpError,
    is_loopback,
    negotiate,
    parse_accept,
    parse_size,
    read_operation,
)

KGG = "https://w3id.org/kgcli/graph/"
SD = "http://www.w3.org/ns/sparql-service-description#"

#: Catalogue queries (name, parameters) compared between the server and `kg query`.
CATALOGUE_CASES = [
    ("shared-resources", {}),
    ("firms-in-place", {"place": "Minhang"}),
    ("people-and-roles", {}),
    ("timeline", {"from": "2020"}),
    ("quotes-by-speaker", {"speaker": "Liu Jiren"}),
    ("overview", {}),
]
#: Fast catalogue queries for the load tests (plans-and-targets alone takes ~0.5 s).
LOAD_MIX = [
    "articles",
    "counts",
    "facilities-of-medical-center",
    "firms-by-sector",
    "firms-in-place",
    "landmarks",
    "overview",
    "people-and-roles",
    "resource-sharing-pairs",
    "shared-resources",
    "timeline",
    "transport-links",
]
#: Never ends in reasonable time: ORDER BY over a 27-million-row cross join.
RUNAWAY = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
# Burns CPU in constant memory, so it meets the timeout rather than the memory cap (which the
# sorting RUNAWAY reaches first on a fast, quiet machine).
RUNAWAY_CPU = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Never ends either, in constant memory, even on the 21 triples of mini.ttl: 21^8 rows counted.
ENDLESS_COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x }"
)


# --- request parsing and negotiation, as functions ----------------------------------------------


@pytest.mark.parametrize(
    ("accept", "offers", "chosen"),
    [
        (None, ["a/json", "a/xml"], "a/json"),
        ("", ["a/json", "a/xml"], "a/json"),
        ("*/*", ["a/json", "a/xml"], "a/json"),
        ("a/xml", ["a/json", "a/xml"], "a/xml"),
        ("a/json;q=0.5, a/xml", ["a/json", "a/xml"], "a/xml"),
        ("a/*;q=0.2, a/xml;q=0.1", ["a/json", "a/xml"], "a/json"),
        ("a/xml;q=0, */*", ["a/xml", "a/json"], "a/json"),
        ("text/html", ["a/json", "a/xml"], None),
        ("a/json;q=0", ["a/json"], None),
        ("A/JSON", ["a/json"], "a/json"),
        ("a/json;q=bad", ["a/json"], "a/json"),
        ("text/csv;q=0.9, application/sparql-results+xml;q=0.9", ["x/y", "text/csv"], "text/csv"),
    ],
)
def test_negotiate_follows_q_values_and_specificity(
    accept: str | None, offers: list[str], chosen: str | None
) -> None:
    assert negotiate(accept, offers) == chosen


def test_parse_accept_reads_media_ranges_and_q() -> None:
    assert parse_accept("text/csv;q=0.5, */*;q=0.1, a/b") == [
        ("text/csv", 0.5),
        ("*/*", 0.1),
        ("a/b", 1.0),
    ]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1 << 20),
        ("1MiB", 1 << 20),
        ("512KiB", 512 << 10),
        ("2M", 2 << 20),
        ("1G", 1 << 30),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "-1", "0", "1TB", ""])
def test_parse_size_refuses_what_is_not_a_size(text: str) -> None:
    from kgcli.errors import InputError

    with pytest.raises(InputError):
        parse_size(text)


def _operation(method: str, ctype: str = "", query: str = "", body: bytes = b"") -> Any:
    return read_operation(method, ctype, query.encode("latin-1"), body)


def test_read_operation_reads_the_three_ways_to_send_a_query() -> None:
    get = _operation("GET", query="query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fg")
    assert (get.kind, get.text, get.default_graphs, get.named_graphs) == (
        "query",
        "ASK {}",
        ["http://g"],
        None,
    )
    form = _operation("POST", FORM, body=b"query=ASK+%7B%7D&named-graph-uri=http%3A%2F%2Fn")
    assert (form.kind, form.text, form.named_graphs) == ("query", "ASK {}", ["http://n"])
    direct = _operation("POST", "application/sparql-query; charset=UTF-8", "format=csv", b"ASK {}")
    assert (direct.kind, direct.text, direct.fmt) == ("query", "ASK {}", "csv")
    update = _operation("POST", "application/sparql-update", body=b"CLEAR ALL")
    assert (update.kind, update.text) == ("update", "CLEAR ALL")
    assert _operation("GET").kind == "description"
    assert _operation("GET", query="format=turtle").fmt == "turtle"


@pytest.mark.parametrize(
    ("method", "ctype", "query", "body", "status", "words"),
    [
        ("GET", "", "query=ASK%7B%7D&query=ASK%7B%7D", b"", 400, "2 query parameters"),
        ("POST", "application/sparql-query", "query=ASK%7B%7D", b"ASK {}", 400, "two queries"),
        ("POST", FORM, "", b"query=ASK%7B%7D&update=CLEAR%20ALL", 400, "both a query and"),
        ("POST", FORM, "", b"default-graph-uri=http%3A%2F%2Fg", 400, "missing query"),
        ("GET", "", "default-graph-uri=http%3A%2F%2Fg", b"", 400, "missing query"),
        ("GET", "", "update=CLEAR%20ALL", b"", 400, "must be sent by POST"),
        ("POST", "text/plain", "", b"ASK {}", 415, "unsupported Content-Type"),
        ("POST", "", "", b"ASK {}", 415, "unsupported Content-Type"),
        ("POST", "application/sparql-query; charset=latin-1", "", b"ASK {}", 415, "charset"),
        ("POST", "application/sparql-query", "", b"ASK { \xff }", 400, "not UTF-8"),
        ("POST", FORM, "", b"query=ASK%20%7B%FF%7D", 400, "not UTF-8"),
        ("GET", "", "query=%C3%28", b"", 400, "not UTF-8"),
        ("GET", "", "query=ASK%7B%7D&default-graph-uri=not%20an%20iri", b"", 400, "absolute IRI"),
        ("GET", "", "query=ASK%7B%7D&timeout=soon", b"", 400, "timeout"),
        ("GET", "", "query=%20%20", b"", 400, "empty"),
        (
            "POST",
            "application/sparql-update",
            "using-graph-uri=http%3A%2F%2Fg",
            b"CLEAR ALL",
            400,
            "using-graph-uri",
        ),
    ],
)
def test_read_operation_refuses_malformed_requests(
    method: str, ctype: str, query: str, body: bytes, status: int, words: str
) -> None:
    with pytest.raises(HttpError) as caught:
        _operation(method, ctype, query, body)
    assert caught.value.status == status
    assert words in caught.value.message


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


def test_cli_refuses_updates_without_a_token(kg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    done = kg("serve", "--allow-update")
    assert done.exit_code == 2
    assert "--update-token-env" in done.output
    monkeypatch.delenv("KG_TEST_UNSET_TOKEN", raising=False)
    done = kg("serve", "--allow-update", "--update-token-env", "KG_TEST_UNSET_TOKEN")
    assert done.exit_code == 2
    assert "KG_TEST_UNSET_TOKEN is not set" in done.output
    done = kg("serve", "--max-body", "lots")
    assert done.exit_code == 2
    assert "--max-body" in done.output


# --- a real server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The embedded graph, read-only, with a 3 s timeout."""
    with kg_serve("--timeout", "3") as running:
        yield running


# --- local answers to compare with -----------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _local_source() -> Any:
    from kgcli.api import open_source

    return open_source()


def _key(term: Any) -> tuple[str, ...]:
    """A term as (kind, value, language or datatype), blank nodes all alike."""
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    lang_or_type = term.language or (
        "" if term.datatype.value.endswith("#string") else term.datatype.value
    )
    return ("literal", term.value, lang_or_type)


def local_rows(name: str, params: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.query import prepare, run

    prepared = prepare(Catalogue([SERVE_QUERIES]).get(name), params or {})
    return sorted(tuple(_key(t) for t in row) for row in run(_local_source(), prepared))  # type: ignore[union-attr]


def local_text(name: str, params: dict[str, str] | None = None) -> str:
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.query import prepare

    return prepare(Catalogue([SERVE_QUERIES]).get(name), params or {}).text


def parsed_rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[tuple[Any, ...]]:
    solutions = ox.parse_query_results(body, format=fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    return sorted(tuple(_key(t) for t in row) for row in solutions)


# --- interoperability: two independent clients ----------------------------------------------


def _wrapper_key(binding: dict[str, str] | None) -> tuple[str, ...]:
    if binding is None:
        return ("unbound",)
    kind = binding["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", binding["value"])
    datatype = binding.get("datatype", "")
    datatype = "" if datatype.endswith("#string") else datatype
    return ("literal", binding["value"], binding.get("xml:lang") or datatype)


@pytest.mark.integration
# SPARQLWrapper takes a query whose comments say "describe" for a DESCRIBE and asks for */*.
@pytest.mark.filterwarnings("ignore:Sending Accept header")
@pytest.mark.parametrize(("name", "params"), CATALOGUE_CASES)
def test_sparqlwrapper_gets_the_rows_kg_query_gets(
    server: Server, name: str, params: dict[str, str]
) -> None:
    from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

    client = SPARQLWrapper(server.url)
    client.setQuery(local_text(name, params))
    client.setReturnFormat(JSON)
    answer = client.queryAndConvert()
    assert isinstance(answer, dict)
    names = answer["head"]["vars"]
    rows = sorted(
        tuple(_wrapper_key(b.get(v)) for v in names) for b in answer["results"]["bindings"]
    )
    assert rows == local_rows(name, params)
    # The same through a form POST and XML results.
    client.setMethod(POST)
    client.setReturnFormat(XML)
    xml = client.query().response.read()
    assert parsed_rows(xml, ox.QueryResultsFormat.XML) == local_rows(name, params)


def _rdflib_key(term: Any) -> tuple[str, ...]:
    from rdflib import BNode, URIRef

    if term is None:
        return ("unbound",)
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, URIRef):
        return ("uri", str(term))
    datatype = str(term.datatype or "")
    datatype = "" if datatype.endswith("#string") else datatype
    return ("literal", str(term), term.language or datatype)


@pytest.mark.integration
@pytest.mark.parametrize(("name", "params"), CATALOGUE_CASES)
def test_rdflib_sparqlstore_gets_the_rows_kg_query_gets(
    server: Server, name: str, params: dict[str, str]
) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(server.url))
    result = graph.query(local_text(name, params))
    rows = sorted(tuple(_rdflib_key(t) for t in row) for row in result)  # type: ignore[union-attr]
    assert rows == local_rows(name, params)


@pytest.mark.integration
def test_rdflib_sparqlstore_reads_a_construct(server: Server) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(server.url))
    result = graph.query(local_text("classes-as-graph"))
    assert result.graph is not None
    assert {(str(s), str(p), str(o)) for s, p, o in result.graph} == _local_triples()


def _local_triples() -> set[tuple[str, str, str]]:
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.query import prepare, run

    prepared = prepare(Catalogue([SERVE_QUERIES]).get("classes-as-graph"), {})
    return {
        (t.subject.value, t.predicate.value, t.object.value)  # type: ignore[union-attr]
        for t in run(_local_source(), prepared)  # type: ignore[union-attr]
    }


# --- content negotiation -------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (JSON_TYPE, JSON_TYPE, ox.QueryResultsFormat.JSON),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
        ),
        ("text/csv", "text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("*/*", JSON_TYPE, ox.QueryResultsFormat.JSON),
        (
            "text/csv;q=0.4, application/sparql-results+xml;q=0.8",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
        ),
        ("application/json", "application/json", ox.QueryResultsFormat.JSON),
    ],
)
def test_select_results_in_every_format(
    server: Server, accept: str, media: str, fmt: ox.QueryResultsFormat
) -> None:
    status, headers, body = get_query(server, local_text("firms-in-place"), accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    assert "Accept" in headers["vary"]
    expected = local_rows("firms-in-place")
    if fmt == ox.QueryResultsFormat.CSV:  # CSV drops term kinds: compare the plain values
        import csv

        header, *rows = csv.reader(body.decode().splitlines())
        assert header == ["placeLabel", "firmLabel", "type", "location", "firm"]
        assert sorted(tuple(rows_) for rows_ in rows) == sorted(
            tuple(t[1] for t in row) for row in expected
        )
    else:
        assert parsed_rows(body, fmt) == expected


@pytest.mark.integration
@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-quads", "application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        (None, "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_construct_results_in_every_format(
    server: Server, accept: str | None, media: str, fmt: ox.RdfFormat
) -> None:
    query = urllib.parse.urlencode({"query": local_text("classes-as-graph")})
    headers = {"Accept": accept} if accept else {}
    status, got, body = call("GET", f"{server.url}?{query}", headers=headers)
    assert status == 200
    assert got["content-type"].split(";")[0] == media
    triples = {
        (q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(body, format=fmt)
    }
    assert triples == _local_triples()


@pytest.mark.integration
def test_ask_and_format_parameter(server: Server) -> None:
    status, headers, body = get_query(server, "ASK { ?s ?p ?o }", format="xml")
    assert status == 200
    assert headers["content-type"] == "application/sparql-results+xml"
    assert bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)) is True
    status, _, body = get_query(server, "ASK { ?s ?p ?o }", format="csv")
    assert (status, body) == (200, b"true")
    status, _, body = get_query(server, "ASK { ?s ?p ?o }", format="turtle")
    assert status == 400
    assert b"choose one of" in body


@pytest.mark.integration
def test_unacceptable_accept_is_406(server: Server) -> None:
    status, _, body = get_query(server, "ASK {}", accept="image/png")
    assert status == 406
    assert b"application/sparql-results+json" in body
    status, _, _ = get_query(server, local_text("classes-as-graph"), accept="text/csv")
    assert status == 406


# --- the protocol's negative cases, end to end ---------------------------------------------------


@pytest.mark.integration
def test_wrong_method_is_405_with_allow(server: Server) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        status, headers, body = call(method, server.url)
        assert status == 405
        assert headers["allow"] == "GET, HEAD, POST, OPTIONS"
        assert body.count(b"\n") == 1  # one line
    status, headers, _ = call("POST", f"{server.base}/queries/counts")
    assert status == 405
    assert "POST" not in headers["allow"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("method", "suffix", "headers", "body", "status", "words"),
    [
        ("POST", "", {"Content-Type": "text/plain"}, b"ASK {}", 415, b"unsupported"),
        ("POST", "", {"Content-Type": FORM}, b"format=json", 400, b"missing query"),
        ("GET", "?query=ASK%7B%7D&query=ASK%7B%7D", {}, None, 400, b"query parameters"),
        (
            "POST",
            "?query=ASK%7B%7D",
            {"Content-Type": "application/sparql-query"},
            b"ASK {}",
            400,
            b"two queries",
        ),
        (
            "POST",
            "",
            {"Content-Type": "application/sparql-query"},
            b"SELECT ?x WHERE { ?x ?y }",
            400,
            b"query:1:26: expected",
        ),
        (  # missing its brace: the end of the last line, not the line after it
            "POST",
            "",
            {"Content-Type": "application/sparql-query"},
            b"SELECT ?x WHERE { ?x ?y ?z\n\n",
            400,
            b"query:1:27: expected",
        ),
        ("POST", "", {"Content-Type": "application/sparql-query"}, b"ASK {\xff}", 400, b"UTF-8"),
        ("GET", "?query=ASK%20%7B%FF%7D", {}, None, 400, b"UTF-8"),
        ("GET", "?update=CLEAR%20ALL", {}, None, 400, b"must be sent by POST"),
        ("GET", "?query=DROP%20ALL", {}, None, 400, b"SPARQL Update"),
        ("GET", "?query=SELECT", {}, None, 400, b"query:"),
    ],
)
def test_protocol_negative_cases(
    server: Server,
    method: str,
    suffix: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    words: bytes,
) -> None:
    got, got_headers, data = call(method, server.url + suffix, body, headers)
    assert got == status, data
    assert words in data
    assert got_headers["content-type"].startswith("text/plain")
    assert data.count(b"\n") == 1


@pytest.mark.integration
def test_malformed_query_message_is_located_and_truncated(server: Server) -> None:
    status, _, body = get_query(server, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}")
    assert status == 400
    assert body.startswith(b"query:4:2: expected one of")
    assert len(body) <= 1001


@pytest.mark.integration
def test_updates_are_refused_by_a_read_only_server(server: Server) -> None:
    status, _, body = call(
        "POST",
        server.url,
        b"INSERT DATA { <a:s> <a:p> <a:o> }",
        {"Content-Type": "application/sparql-update"},
    )
    assert status == 403
    assert b"--allow-update" in body
    status, _, _ = post_form(server, {"update": "CLEAR ALL"}, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 403


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", b"SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", b"local file"),
    ],
)
def test_federation_and_files_are_refused(server: Server, text: str, words: bytes) -> None:
    status, _, body = get_query(server, text)
    assert status == 400
    assert words in body
    assert b"--allow-federation" in body


@pytest.mark.integration
def test_relative_iris_resolve_against_the_endpoints_url(server: Server) -> None:
    """As Oxigraph server does; a query with no base of its own was refused before (#12)."""
    status, _, body = get_query(server, "SELECT (<x> AS ?x) (<../y> AS ?y) {}")
    assert status == 200, body
    (row,) = json.loads(body)["results"]["bindings"]
    assert (row["x"]["value"], row["y"]["value"]) == (f"{server.base}/x", f"{server.base}/y")
    # A FROM that resolves to a file is still refused.
    status, _, body = get_query(server, "BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }")
    assert (status, body) == (
        400,
        b"FROM <passwd> at line 1, column 30 would read a local file; pass --allow-federation "
        b"to permit it\n",
    )


@pytest.mark.integration
def test_unknown_path_is_404(server: Server) -> None:
    status, _, body = call("GET", f"{server.base}/nowhere")
    assert status == 404
    assert b"/sparql" in body


# --- dataset, service description, pages ---------------------------------------------------------


@pytest.mark.integration
def test_protocol_dataset_overrides_the_union_default_graph(server: Server) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def number(**params: str) -> int:
        status, _, body = get_query(server, count, **params)
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    local = {
        g: sum(
            1
            for _ in _local_source().store.quads_for_pattern(
                None, None, None, ox.NamedNode(KGG + g)
            )
        )
        for g in ("kg", "minhang-health-cluster")
    }
    assert number(**{"default-graph-uri": KGG + "kg"}) == local["kg"]
    status, _, body = get_query(
        server,
        "SELECT ?g WHERE { GRAPH ?g { } }",
        **{"named-graph-uri": KGG + "minhang-health-cluster"},
    )
    assert status == 200
    graphs = [r["g"]["value"] for r in json.loads(body)["results"]["bindings"]]
    assert graphs == [KGG + "minhang-health-cluster"]
    assert number() > local["kg"] + local["minhang-health-cluster"] - 1
    # FROM in the query picks the default graph too (the union is only the default default).
    status, _, body = get_query(
        server, f"SELECT (COUNT(*) AS ?n) FROM <{KGG}kg> WHERE {{ ?s ?p ?o }}"
    )
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == local["kg"]


@pytest.mark.integration
def test_service_description(server: Server) -> None:
    status, headers, body = call("GET", server.url, headers={"Accept": "text/turtle"})
    assert status == 200
    assert headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(body, format=ox.RdfFormat.TURTLE)

    def objects(predicate: str) -> set[str]:
        return {
            q.object.value  # type: ignore[union-attr]
            for q in store.quads_for_pattern(None, ox.NamedNode(SD + predicate), None)
        }

    assert objects("endpoint") == {server.url}
    assert objects("supportedLanguage") == {SD + "SPARQL11Query"}
    assert SD + "UnionDefaultGraph" in objects("feature")
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in objects("resultFormat")
    assert objects("name") == {
        KGG + "jiading-precision-medicine",
        KGG + "kg",
        KGG + "minhang-health-cluster",
    }
    # Also with no Accept at all, in another RDF format, and as a page for a browser.
    status, headers, _ = call("GET", server.url)
    assert (status, headers["content-type"].split(";")[0]) == (200, "text/turtle")
    status, _, body = call("GET", f"{server.url}?format=ntriples")
    assert status == 200
    assert len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == len(store)
    status, headers, _ = call("GET", server.url, headers={"Accept": "text/html,*/*;q=0.8"})
    assert headers["content-type"].startswith("text/html")


@pytest.mark.integration
def test_named_queries_are_listed_as_json(server: Server) -> None:
    from kgcli.engine.catalogue import Catalogue

    status, headers, body = call("GET", f"{server.base}/queries")
    assert status == 200
    assert headers["content-type"] == "application/json"
    listed = json.loads(body)["queries"]
    assert [q["name"] for q in listed] == Catalogue([SERVE_QUERIES]).names()
    firms = next(q for q in listed if q["name"] == "firms-in-place")
    assert firms["url"] == "/queries/firms-in-place"
    assert firms["params"][0]["name"] == "place"


@pytest.mark.integration
def test_named_query_url_gives_what_kg_query_prints(server: Server, kg: Any) -> None:
    status, headers, body = call(
        "GET", f"{server.base}/queries/firms-in-place?place=Minhang&format=csv"
    )
    assert status == 200
    assert headers["content-type"] == "text/csv; charset=utf-8"
    printed = kg("query", "firms-in-place", "-p", "place=Minhang", "-f", "csv")
    assert printed.exit_code == 0
    assert body == printed.stdout_bytes
    status, headers, body = call(
        "GET",
        f"{server.base}/queries/timeline?from=2020",
        headers={"Accept": "text/tab-separated-values"},
    )
    assert status == 200
    assert parsed_rows(body, ox.QueryResultsFormat.TSV) == local_rows("timeline", {"from": "2020"})
    status, headers, body = call("GET", f"{server.base}/queries/classes-as-graph?format=ntriples")
    assert (status, headers["content-type"]) == (200, "application/n-triples")


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/queries/firms-in-place?town=Huacao", 400, b"unknown parameter 'town'"),
        ("/queries/timeline?from=soon", 400, b"parameter 'from'"),
        ("/queries/firms-in-place?place=a&place=b", 400, b"'place' is given twice"),
        ("/queries/firms-in-plaice", 404, b"did you mean firms-in-place"),
        ("/queries/firms-in-place?format=table", 400, b"format=table"),
        ("/queries/firms-in-place?format=pdf", 400, b"unknown format"),
    ],
)
def test_named_query_errors(server: Server, path: str, status: int, words: bytes) -> None:
    got, _, body = call("GET", server.base + path)
    assert got == status
    assert words in body


@pytest.mark.integration
def test_named_query_parameter_with_sparql_punctuation_is_bound_not_pasted(server: Server) -> None:
    value = '"} . ?x ?y ?z } #'
    status, _, body = call(
        "GET", f"{server.base}/queries/markup-in-labels?" + urllib.parse.urlencode({"who": value})
    )
    assert status == 200
    assert json.loads(body)["results"]["bindings"] == [{"who": {"type": "literal", "value": value}}]


@pytest.mark.integration
def test_the_page_lists_queries_and_escapes_their_labels(server: Server) -> None:
    status, headers, body = call("GET", server.base + "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["content-security-policy"]
    page = body.decode()
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; other markup" in page
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page
    assert 'href="/queries/firms-in-place?format=csv"' in page
    assert '<form action="/sparql" method="get">' in page
    status, _, body = call("HEAD", server.base + "/")
    assert (status, body) == (200, b"")


@pytest.mark.integration
def test_one_log_line_per_request(server: Server) -> None:
    call("GET", f"{server.base}/queries/counts?format=csv")
    time.sleep(0.2)
    assert any(
        re.fullmatch(r"kg serve: 127\.0\.0\.1 GET /queries/counts 200 \d+\.\d ms\n", line)
        for line in server.log
    )


@pytest.mark.integration
def test_cors_only_when_asked(server: Server) -> None:
    _, headers, _ = get_query(server, "ASK {}")
    assert "access-control-allow-origin" not in headers
    status, headers, _ = call("OPTIONS", server.url)
    assert status == 204
    assert "access-control-allow-origin" not in headers


# --- load: many clients, a runaway ------------------------------------------------------------


def _check_answer(
    conn: http.client.HTTPConnection, path: str, name: str, expected: list[Any]
) -> str | None:
    body = urllib.parse.urlencode({"query": local_text(name)})
    conn.request("POST", path, body=body, headers={"Content-Type": FORM, "Accept": JSON_TYPE})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        return f"{name}: HTTP {response.status} {data[:200]!r}"
    if parsed_rows(data, ox.QueryResultsFormat.JSON) != expected:
        return f"{name}: wrong rows"
    return None


def _clients(
    server: Server,
    count: int,
    rounds: int,
    failures: list[str],
    stop: threading.Event | None = None,
) -> list[threading.Thread]:
    expected = {name: local_rows(name) for name in LOAD_MIX}
    parts = urllib.parse.urlsplit(server.url)

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=60)
        try:
            for turn in range(rounds):
                if stop is not None and stop.is_set():
                    return
                name = LOAD_MIX[(index + turn) % len(LOAD_MIX)]
                try:
                    failure = _check_answer(conn, parts.path, name, expected[name])
                except (OSError, http.client.HTTPException) as err:
                    failure = f"{name}: {err!r}"
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=60)
                if failure:
                    failures.append(failure)
        finally:
            conn.close()

    return [threading.Thread(target=client, args=(i,)) for i in range(count)]


@pytest.mark.integration
def test_sixteen_concurrent_clients_all_get_correct_answers(server: Server) -> None:
    failures: list[str] = []
    threads = _clients(server, 16, 24, failures)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []


@pytest.mark.integration
def test_a_runaway_query_is_stopped_while_others_are_served(server: Server) -> None:
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["answer"] = get_query(server, RUNAWAY_CPU)
        outcome["seconds"] = time.monotonic() - started

    failures: list[str] = []
    stop = threading.Event()
    others = _clients(server, 4, 1000, failures, stop)
    killer = threading.Thread(target=runaway)
    killer.start()
    for thread in others:
        thread.start()
    killer.join(30)
    stop.set()
    for thread in others:
        thread.join(30)
    status, _, body = outcome["answer"]
    assert status == 503
    assert b"stopped after the 3 s timeout" in body
    assert 2.9 <= outcome["seconds"] < 8
    assert failures == []
    # The client's own timeout= lowers the server's.
    started = time.monotonic()
    status, _, _ = get_query(server, RUNAWAY_CPU, timeout="0.5")
    assert status == 503
    assert time.monotonic() - started < 3
    assert get_query(server, "ASK { ?s ?p ?o }")[0] == 200


# --- limits and updates, on servers of their own -------------------------------------------------


@pytest.mark.integration
def test_limits_result_cap_body_cap_memory_cap_and_cors() -> None:
    with kg_serve(
        "--max-results",
        "5",
        "--max-body",
        "1KiB",
        "--max-memory",
        "64MiB",
        "--timeout",
        "20",
        "--cors",
    ) as limited:
        status, _, body = get_query(limited, "SELECT * WHERE { ?s ?p ?o }")
        assert status == 500
        assert b"more than 5 rows (--max-results)" in body
        status, _, body = get_query(limited, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 5
        status, _, body = get_query(limited, "CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
        assert status == 500
        assert b"more than 5 triples" in body
        direct = {"Content-Type": "application/sparql-query"}
        status, _, body = call("POST", limited.url, "ASK {} #" + "x" * 2000, direct)
        assert status == 413
        assert body == b"the request body has 2,008 bytes, more than 1,024\n"
        assert call("POST", limited.url, "ASK {}", direct)[0] == 200
        # Declared far too large: refused before the body is read (here, never sent).
        parts = urllib.parse.urlsplit(limited.url)
        conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=30)
        conn.putrequest("POST", parts.path)
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Content-Length", str(100 << 20))
        conn.endheaders()
        assert conn.getresponse().status == 413
        conn.close()
        # A query that would take gigabytes dies at the memory cap, long before its timeout.
        started = time.monotonic()
        status, _, body = get_query(limited, RUNAWAY)
        assert status == 500
        assert b"--max-memory" in body
        assert time.monotonic() - started < 10
        status, headers, _ = get_query(limited, "ASK {}")
        assert status == 200
        assert headers["access-control-allow-origin"] == "*"
        status, headers, _ = call(
            "OPTIONS",
            limited.url,
            headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"},
        )
        assert status == 204
        assert headers["access-control-allow-origin"] == "*"
        assert "POST" in headers["access-control-allow-methods"]


@pytest.mark.slow  # waits on a held query: ~6 s alone
@pytest.mark.integration
def test_overload_gets_503_with_retry_after() -> None:
    with kg_serve("--data", str(MINI), "--max-concurrent", "1", "--timeout", "5") as busy:
        holder = threading.Thread(target=lambda: get_query(busy, ENDLESS_COUNT))
        holder.start()
        time.sleep(0.5)
        status, headers, body = get_query(busy, "ASK {}")
        holder.join(30)
        assert status == 503
        assert headers["retry-after"] == "1"
        assert b"--max-concurrent" in body
        assert get_query(busy, "ASK {}")[0] == 200


@pytest.fixture(scope="module")
def writable() -> Iterator[Server]:
    """The tiny graph, updates enabled with a token, federation off."""
    with kg_serve(
        "--data",
        str(MINI),
        "--allow-update",
        "--update-token-env",
        "KG_TEST_UPDATE_TOKEN",
        "--timeout",
        "3",
        env={"KG_TEST_UPDATE_TOKEN": TOKEN},
    ) as running:
        yield running


def _update(server: Server, text: str, token: str | None = TOKEN) -> Any:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return call("POST", server.url, text.encode(), headers)


@pytest.mark.integration
def test_updates_need_the_token(writable: Server) -> None:
    status, headers, _ = _update(writable, "INSERT DATA { <http://x/a> <http://x/p> 1 }", None)
    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    status, _, _ = _update(writable, "INSERT DATA { <http://x/a> <http://x/p> 1 }", "wrong")
    assert status == 401
    assert get_query(writable, "ASK { <http://x/a> ?p ?o }")[2] == b'{"head":{},"boolean":false}'


@pytest.mark.integration
def test_updates_with_the_token_change_the_store(writable: Server) -> None:
    status, _, body = _update(writable, "INSERT DATA { <http://x/b> <http://x/p> 2 }")
    assert status == 204, body
    status, _, body = get_query(writable, "ASK { <http://x/b> <http://x/p> 2 }")
    assert json.loads(body)["boolean"] is True
    # The form POST too; and a named graph added shows in the service description.
    status, _, body = post_form(
        writable,
        {"update": "INSERT DATA { GRAPH <http://x/g> { <http://x/c> <http://x/p> 3 } }"},
        {"Authorization": f"Bearer {TOKEN}"},
    )
    assert status == 204, body
    _, _, description = call("GET", writable.url, headers={"Accept": "application/n-triples"})
    assert b"<http://x/g>" in description
    assert f"<{SD}SPARQL11Update>".encode() in description


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "status", "words"),
    [
        ("INSERT DATA { ?x ?y }", 400, b"update:1:"),
        ("LOAD <http://example.org/data.ttl>", 400, b"LOAD"),
        ("LOAD <file:///etc/passwd>", 400, b"--allow-federation"),
        (
            "INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
            400,
            b"SERVICE",
        ),
        ("SELECT * WHERE { ?s ?p ?o }", 400, b"not an update"),
    ],
)
def test_bad_updates_are_refused(writable: Server, text: str, status: int, words: bytes) -> None:
    got, _, body = _update(writable, text)
    assert got == status
    assert words in body


@pytest.mark.integration
def test_a_runaway_update_is_stopped_and_changes_nothing(writable: Server) -> None:
    before = get_query(writable, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2]
    status, _, body = _update(
        writable,
        # Updates see the store's own default graph, not the union: the data is in GRAPH ?g.
        "INSERT { <http://x/count> <http://x/q> ?n } WHERE { "
        + ENDLESS_COUNT.replace("WHERE {", "WHERE { GRAPH ?graph {", 1)
        + " } }",
    )
    assert status == 503
    assert b"update stopped after the 3 s timeout" in body
    assert get_query(writable, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2] == before
