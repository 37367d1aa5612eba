"""Remote queries: each failure of an endpoint as one line with its exit code, retries, headers,
credentials, and the same rows as locally. Every server here is a fake on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from email.utils import formatdate
from pathlib import Path

import pyoxigraph as ox
import pytest
from integration.fakes import Answer, FakeServer, SparqlFake, digest_guard, json_results

from kgcli.errors import QueryTimeout, RemoteError
from kgcli.remote.client import Connection, RetryPolicy, retry_after, server_message
from kgcli.remote.config import Endpoint
from kgcli.remote.source import RemoteSource

ASK = ("-e", "ASK { ?s ?p ?o }")
ROWS = json_results(["x"], [{"x": {"type": "literal", "value": "1"}}])
_BOOL = b'{"head":{},"boolean":true}'
TRUE = Answer(200, _BOOL, {"Content-Type": "application/sparql-results+json"})


#: A developer's own endpoints and credentials must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_user_settings")


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("kg: error: ")
    return result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- each failure, one line ---------------------------------------------------------------------


def test_refused_connection(kg):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = kg("query", "-E", url, *ASK)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"kg: error: {url}: connection refused (is the server running, on this host and port?)\n"
    )


def test_dns_failure(kg, monkeypatch: pytest.MonkeyPatch):
    # .invalid never resolves (RFC 2606); answer for the resolver so no lookup leaves the process.
    real = socket.getaddrinfo

    def lookup(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    result = kg("query", "-E", "http://kg-test.invalid/sparql", *ASK)
    assert result.exit_code == 1
    assert "host not found: kg-test.invalid" in one_line(result)


def test_a_server_that_never_answers_times_out_with_exit_3(kg, fake: FakeServer):
    fake.default = Answer(hang=True)
    started = time.monotonic()
    result = kg("query", "-E", f"{fake.base}/sparql", "--timeout", "0.5", *ASK)
    assert time.monotonic() - started < 5
    assert result.exit_code == 3
    assert (
        one_line(result) == f"kg: error: {fake.base}/sparql: no answer within 0.5 s (--timeout)\n"
    )


def test_500_with_a_5mb_html_body_is_one_short_line(kg, fake: FakeServer):
    page = b"<html><head><style>p {color: red}</style></head><body><h1>Internal  error</h1>\n"
    page += b"<p>" + b"stack frame &amp; more\n" * 250_000 + b"</p></body></html>"
    assert len(page) > 5_000_000
    fake.default = Answer(500, page, {"Content-Type": "text/html"})
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(
        f"kg: error: {fake.base}/sparql: 500 Internal Server Error: Internal error stack frame & "
    )
    assert "color" not in line and "<" not in line
    assert len(line) < 400


def test_html_instead_of_json(kg, fake: FakeServer):
    fake.default = Answer(200, b"<!DOCTYPE html><html>login</html>", {"Content-Type": "text/html"})
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"kg: error: {fake.base}/sparql: answered text/html (a web page), expected SPARQL JSON "
        "results (is this the SPARQL endpoint's URL?)\n"
    )


def test_rdf_xml_is_never_parsed_unless_asked(kg, fake: FakeServer):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><rdf:RDF/>'
    fake.default = Answer(200, bomb, {"Content-Type": "application/rdf+xml"})
    result = kg("query", "-E", f"{fake.base}/sparql", "-e", "CONSTRUCT WHERE { ?s ?p ?o }")
    assert result.exit_code == 1
    assert "answered application/rdf+xml, expected RDF (Turtle)" in one_line(result)


def test_malformed_json_results(kg, fake: FakeServer):
    fake.default = Answer(
        200, b'{"head": {"vars": ["x"]}, "res', {"Content-Type": "application/json"}
    )
    result = kg("query", "-E", f"{fake.base}/sparql", "-e", "SELECT ?x {}")
    assert result.exit_code == 1
    assert "malformed results" in one_line(result)


def test_400_carries_the_servers_message_with_exit_2(kg, fake: FakeServer):
    message = b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error\n\n  at '}'"
    fake.default = Answer(400, message, {"Content-Type": "text/plain"})
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 2
    assert one_line(result) == (
        f"kg: error: {fake.base}/sparql: 400 Bad Request, the server says: Virtuoso 37000 Error "
        "SP030: SPARQL compiler, line 1: syntax error at '}'\n"
    )


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_say_to_check_the_credentials(kg, fake: FakeServer, monkeypatch, status):
    fake.default = Answer(status, b"")
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert "set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD" in one_line(result)
    monkeypatch.setenv("KG_ENDPOINT_USER", "ana")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert f": {status} " in one_line(result)
    assert "check the credentials (KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD)" in result.stderr


def test_404_and_redirects(kg, fake: FakeServer):
    fake.script = [Answer(404, b"nothing here"), Answer(301, b"", {"Location": "https://x/sparql"})]
    result = kg("query", "-E", f"{fake.base}/sparq", *ASK)
    assert result.exit_code == 1
    assert one_line(result) == f"kg: error: {fake.base}/sparq: 404 Not Found (is this URL right?)\n"
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert "301 Moved Permanently: redirected to https://x/sparql; use that URL" in one_line(result)
    assert len(fake.requests) == 2  # the redirect was not followed


@pytest.mark.parametrize(
    "value", ["not a url", "ftp://example.org/sparql", "http:///sparql", "http://h:port/"]
)
def test_an_endpoint_that_is_not_a_url(kg, value):
    result = kg("query", "-E", value, *ASK)
    assert result.exit_code == 2
    assert "is not an http(s) URL" in one_line(result)


def test_an_unknown_endpoint_name_lists_the_known_ones(kg, tmp_path: Path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[endpoints.lab]\nurl = "http://127.0.0.1:1/sparql"\n')
    monkeypatch.setenv("KG_CONFIG", str(config))
    result = kg("query", "-E", "labb", *ASK)
    assert result.exit_code == 2
    assert one_line(result) == (
        f"kg: error: --endpoint 'labb' is not an http(s) URL nor an endpoint named in {config} "
        "(named there: lab)\n"
    )


# -- retries ------------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after_then_succeeds(kg, fake: FakeServer):
    fake.script = [Answer(429, b"slow down", {"Retry-After": "1"})]
    fake.default = TRUE
    started = time.monotonic()
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK, "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "true"
    assert len(fake.requests) == 2
    assert time.monotonic() - started >= 1


def test_503_gives_up_after_the_retries(kg, fake: FakeServer):
    fake.default = Answer(503, b"overloaded", {"Retry-After": "0"})
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"kg: error: {fake.base}/sparql: 503 Service Unavailable after 4 attempts; the server "
        "asks to wait 0 s; try again later: overloaded\n"
    )
    assert len(fake.requests) == 4


def test_waits_follow_retry_after_in_seconds_or_as_a_date(fake: FakeServer):
    waits: list[float] = []
    later = formatdate(time.time() + 20, usegmt=True)
    fake.script = [
        Answer(503, headers={"Retry-After": "7"}),
        Answer(429, headers={"Retry-After": later}),
        Answer(503),  # no Retry-After: exponential backoff, third retry waits 4 * backoff
    ]
    fake.default = TRUE
    source = RemoteSource(f"{fake.base}/sparql", retry=RetryPolicy(sleep=waits.append))
    assert source.query("ASK {}").value is True  # type: ignore[union-attr]
    assert waits[0] == 7
    assert 18 <= waits[1] <= 20
    assert waits[2] == 4


def test_a_retry_after_beyond_the_cap_is_not_waited_for(fake: FakeServer):
    waits: list[float] = []
    fake.default = Answer(429, headers={"Retry-After": "3600"})
    source = RemoteSource(f"{fake.base}/sparql", retry=RetryPolicy(sleep=waits.append))
    with pytest.raises(RemoteError, match="after 1 attempt; the server asks to wait 3600 s"):
        source.query("ASK {}")
    assert waits == [] and len(fake.requests) == 1


def test_retry_after_parsing():
    assert retry_after("120") == 120
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0
    assert retry_after("soon") is None
    assert retry_after(None) is None


# -- what is sent -------------------------------------------------------------------------------


def test_request_headers_and_parameters(kg, fake: FakeServer):
    from kgcli import __version__

    fake.default = ROWS
    result = kg("query", "-E", f"{fake.base}/sparql", "-e", "SELECT ?x {}", "--timeout", "2.5")
    assert result.exit_code == 0, result.output
    (seen,) = fake.requests
    assert seen.method == "POST"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.headers["user-agent"] == f"kgcli/{__version__} (+https://w3id.org/kgcli)"
    assert seen.headers["accept"].startswith("application/sparql-results+json")
    # Milliseconds unless the server is known to read seconds; no format=/output= parameters.
    assert seen.params == {"query": ["SELECT ?x {}"], "timeout": ["2500"]}
    assert "authorization" not in seen.headers


def test_construct_asks_for_turtle(fake: FakeServer):
    fake.default = Answer(200, b"<http://a> <http://b> _:c .", {"Content-Type": "text/turtle"})
    result = RemoteSource(f"{fake.base}/sparql").query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert len(list(result)) == 1  # type: ignore[arg-type]
    assert "text/turtle" in fake.requests[0].headers["accept"]


def test_fuseki_reads_the_timeout_in_seconds(fake: FakeServer):
    fake.default = TRUE
    source = RemoteSource(Endpoint(f"{fake.base}/ds/sparql", server="fuseki"))
    source.query("ASK {}", timeout=3)
    assert fake.requests[0].params["timeout"] == ["3"]


def test_a_named_endpoint_with_credentials_from_env_vars(kg, fake, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(
        "[endpoints.lab]\n"
        f'url = "{fake.base}/sparql"\n'
        'user_env = "LAB_USER"\npassword_env = "LAB_PASSWORD"\n'
    )
    monkeypatch.setenv("KG_CONFIG", str(config))
    monkeypatch.setenv("LAB_USER", "ana")
    monkeypatch.setenv("LAB_PASSWORD", "s3cret:é")
    fake.default = TRUE
    result = kg("query", "-E", "lab", *ASK, "-f", "csv")
    assert result.exit_code == 0, result.output
    expected = base64.b64encode("ana:s3cret:é".encode()).decode()
    assert fake.requests[0].headers["authorization"] == f"Basic {expected}"
    # A 401 then names the variables to check.
    fake.default = Answer(401)
    result = kg("query", "-E", "lab", *ASK)
    assert "check the credentials (LAB_USER / LAB_PASSWORD)" in one_line(result)


def test_digest_authentication(kg, fake: FakeServer, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_USER", "ana")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "s3cret")
    monkeypatch.setenv("KG_ENDPOINT_AUTH", "digest")
    fake.default = digest_guard("ana", "s3cret", TRUE)
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK, "-f", "csv")
    assert result.exit_code == 0, result.output
    assert [r.headers.get("authorization", "")[:7] for r in fake.requests] == ["", "Digest "]
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    result = kg("query", "-E", f"{fake.base}/sparql", *ASK)
    assert result.exit_code == 1
    assert "401" in one_line(result) and "check the credentials" in result.stderr


def test_an_error_urllib_raises_itself_is_one_line(monkeypatch):
    # Python 3.11.2 (Debian 12's) gives urllib's "digest auth failed" error a StringIO body.
    url = "http://127.0.0.1:9/sparql"
    refused = urllib.error.HTTPError(url, 401, "digest auth failed", Message(), io.StringIO())

    class Refusing:
        def open(self, request: object, timeout: float) -> None:
            raise refused

    monkeypatch.setattr(Connection, "_opener", lambda self: Refusing())
    endpoint = Endpoint(url, auth="digest", user="ana", password="wrong")
    with pytest.raises(RemoteError) as caught:
        Connection(endpoint).exchange(urllib.request.Request(url), timeout=5)
    assert str(caught.value).startswith(f"{url}: 401 Unauthorized: check the credentials")
    assert "\n" not in str(caught.value)


# -- Virtuoso's ways ----------------------------------------------------------------------------


def test_virtuoso_ask_blank_nodes_and_partial_results(kg, fake: FakeServer):
    retval = {"type": "typed-literal", "datatype": str(ox.NamedNode(XSD_INT).value), "value": "0"}
    fake.script = [
        json_results(["__ASK_RETVAL"], [{"__ASK_RETVAL": retval}]),
        json_results(
            ["s", "o"],
            [
                {
                    "s": {"type": "bnode", "value": "nodeID://b10000"},
                    "o": {"type": "uri", "value": "http://a"},
                },
                {
                    "s": {"type": "bnode", "value": "nodeID://b10000"},
                    "o": {"type": "uri", "value": "http://b"},
                },
            ],
        ),
        Answer(
            200,
            b'{"head": {"vars": ["n"]}, "results": {"bindings": []}}',
            {"Content-Type": "application/sparql-results+json", "X-SQL-State": "S1TAT"},
        ),
    ]
    ask = kg("query", "-E", f"{fake.base}/sparql", *ASK, "-f", "csv")
    assert ask.stdout.strip() == "false"
    rows = kg("query", "-E", f"{fake.base}/sparql", "-e", "SELECT ?s ?o {}", "-f", "jsonl")
    labels = {json.loads(line)["s"] for line in rows.stdout.splitlines()}
    assert len(labels) == 1  # one blank node, still one
    partial = kg("query", "-E", f"{fake.base}/sparql", "-e", "SELECT ?n {}", "--timeout", "1")
    assert partial.exit_code == 3
    assert "sent partial results" in one_line(partial)


XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"


# -- the same rows locally and remotely ---------------------------------------------------------


@pytest.fixture
def embedded_endpoint(fake: FakeServer) -> str:
    from kgcli.api import open_source
    from kgcli.engine.source import LocalSource

    server = SparqlFake()
    local = open_source()
    assert isinstance(local, LocalSource)
    for quad in local.store:
        server.store.add(quad)
    fake.default = server
    return f"{fake.base}/sparql"


def test_every_catalogue_query_gives_the_same_rows_remotely(kg, embedded_endpoint: str):
    from kgcli.engine.catalogue import Catalogue

    names = Catalogue().names()
    assert len(names) >= 20
    for name in names:
        local = kg("query", name, "-f", "csv")
        remote = kg("query", name, "-E", embedded_endpoint, "-f", "csv")
        assert local.exit_code == remote.exit_code == 0, (name, remote.output)
        assert remote.stdout == local.stdout, name


def test_no_traceback_for_a_library_user_either():
    with pytest.raises(QueryTimeout):
        raise QueryTimeout("x")
    assert server_message(b"  a\x1b[31m  b\n\tc ") == "a [31m b c"
    assert server_message(b"x" * 1000).endswith("…")
