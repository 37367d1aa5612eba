"""Fake HTTP servers on 127.0.0.1 for client tests: scripted faults, and a small SPARQL server
with a Graph Store (GSP) and SPARQL Update, backed by pyoxigraph.

Shared by the unit tests (`tests/remote/`, `tests/cli/`); no network beyond
loopback, every wait bounded.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyoxigraph as ox


@dataclass
class Seen:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, list[str]]:
        query = urllib.parse.urlsplit(self.path).query
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            query = f"{query}&{self.body.decode()}" if query else self.body.decode()
        return urllib.parse.parse_qs(query)


@dataclass
class Answer:
    """A scripted answer: status, headers, body; `hang` holds the request until released."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


Action = Answer | Callable[["Handler", Seen], None]


class Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        fake = self.server
        with fake.lock:
            fake.requests.append(seen)
            action = fake.script.pop(0) if fake.script else fake.default
        if callable(action):
            action(self, seen)
        else:
            self.answer(action)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def answer(self, answer: Answer) -> None:
        if answer.hang:
            self.server.release.wait(30)  # bounded: the test's own timeout is far shorter
            return
        self.send_response(answer.status)
        headers = {"Content-Length": str(len(answer.body)), **answer.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)


class FakeServer(ThreadingHTTPServer):
    """Answers from `script` in order, then `default`; records every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.script: list[Action] = []
        self.default: Action = Answer(500, b"no answer scripted")
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that stops reading (it keeps 64 KiB of a 5 MB error page) breaks the pipe:
        # expected, and must not print into the output under test.
        pass

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


def json_results(variables: list[str], rows: list[dict[str, Any]]) -> Answer:
    import json

    doc = {"head": {"vars": variables}, "results": {"bindings": rows}}
    return Answer(
        200, json.dumps(doc).encode(), {"Content-Type": "application/sparql-results+json"}
    )


# -- digest authentication (RFC 7616, MD5, qop=auth), checked for real ------------------------


def digest_guard(
    user: str, password: str, then: Action, realm: str = "kg-test"
) -> Callable[[Handler, Seen], None]:
    """An action that demands digest credentials and checks them before running `then`."""
    nonce = "0123456789abcdef"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def guard(handler: Handler, seen: Seen) -> None:
        given = seen.headers.get("authorization", "")
        if given.startswith("Digest "):
            fields = dict(
                (k.strip(), v.strip().strip('"'))
                for k, v in (p.split("=", 1) for p in _split_params(given[7:]))
            )
            ha1 = md5(f"{user}:{realm}:{password}")
            ha2 = md5(f"{seen.method}:{fields.get('uri', '')}")
            expected = md5(f"{ha1}:{nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
            if fields.get("username") == user and fields.get("response") == expected:
                if callable(then):
                    then(handler, seen)
                else:
                    handler.answer(then)
                return
        handler.answer(
            Answer(
                401,
                b"",
                {"WWW-Authenticate": f'Digest realm="{realm}", nonce="{nonce}", qop="auth"'},
            )
        )

    return guard


def _split_params(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current] if current.strip() else parts


# -- a small SPARQL server: query, update, Graph Store ----------------------------------------


class SparqlFake:
    """Query at /sparql, update at /update, Graph Store at /store, over one pyoxigraph store.

    Blank nodes are scoped to one request, as on real servers. `fail_on(n, answer)` makes the
    n-th write request (1-based) fail; `no_graph_store` answers the Graph Store with 404.
    """

    def __init__(self) -> None:
        self.store = ox.Store()
        self.writes = 0
        self.failures: dict[int, Answer] = {}
        self.no_graph_store: int | None = None

    def fail_on(self, n: int, answer: Answer) -> None:
        self.failures[n] = answer

    def __call__(self, handler: Handler, seen: Seen) -> None:
        path = urllib.parse.urlsplit(seen.path).path
        if path == "/sparql":
            handler.answer(self._query(seen.params["query"][0]))
            return
        if path == "/store" and self.no_graph_store:
            handler.answer(Answer(self.no_graph_store, b"no such service"))
            return
        if path not in ("/store", "/update"):
            handler.answer(Answer(404, b"not found"))
            return
        self.writes += 1
        if self.writes in self.failures:
            handler.answer(self.failures[self.writes])
            return
        if path == "/update":
            try:
                self.store.update(seen.params["update"][0])
            except SyntaxError as err:
                handler.answer(Answer(400, str(err).encode()))
                return
            handler.answer(Answer(204))
            return
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query, True)
        graph: ox.NamedNode | ox.DefaultGraph = (
            ox.NamedNode(params["graph"][0]) if "graph" in params else ox.DefaultGraph()
        )
        fresh: dict[str, ox.BlankNode] = {}

        def scoped(term: Any) -> Any:
            if isinstance(term, ox.BlankNode):
                return fresh.setdefault(term.value, ox.BlankNode())
            return term

        triples = ox.parse(seen.body, format=ox.RdfFormat.TURTLE)
        if seen.method == "PUT":
            self.store.clear_graph(graph)
        for t in triples:
            self.store.add(ox.Quad(scoped(t.subject), t.predicate, scoped(t.object), graph))
        handler.answer(Answer(201 if seen.method == "PUT" else 204))

    def _query(self, text: str) -> Answer:
        answer = self.store.query(text, use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryTriples):
            return Answer(
                200,
                answer.serialize(format=ox.RdfFormat.TURTLE) or b"",
                {"Content-Type": "text/turtle"},
            )
        body = answer.serialize(format=ox.QueryResultsFormat.JSON) or b""
        return Answer(200, body, {"Content-Type": "application/sparql-results+json"})


def dataset(store: ox.Store) -> ox.Dataset:
    """A store's quads as a canonical dataset, to compare stores up to blank-node names."""
    data = ox.Dataset(store)
    data.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return data
