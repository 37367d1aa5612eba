"""`kg serve`: a SPARQL 1.1 Protocol endpoint over a local graph, as a WSGI application.

Routes: `/sparql` (the protocol: GET, form POST, direct POST; updates only when enabled; the
service description on a GET without query), `/queries` (the catalogue as JSON),
`/queries/NAME?param=value` (a named query, parameters bound as in `kg query -p`), and `/` (a
small page listing them). Queries pass the same `kgcli.engine.query.prepare` checks as `kg
query`, run in the executor (`kgcli.serve.executor`) and are written by the CLI's renderers.

Statuses, where the protocol leaves a choice:

- a query stopped at the timeout: 503 (as Fuseki); a result over `max_results`: 500, the
  protocol's "server refused the query" (retrying cannot help). The answer is never truncated:
  it is rendered whole before the status is sent, then streamed from a temporary file.
- more queries than `max_concurrent` for longer than `queue_wait`: 503 with `Retry-After`.
- an update without `--allow-update`: 403; enabled but without the bearer token: 401. Updates
  change the in-memory store only (nothing is written back to the files), and their WHERE
  clauses read the store's own default graph, not the union that queries read: the loaded
  files are named graphs, so match them with `GRAPH ?g { ... }` (or USING).
- `format=NAME` (json, xml, csv, tsv, turtle, ntriples, jsonld, nquads, trig, rdfxml, jsonl,
  markdown) overrides `Accept`; `timeout=SECONDS` lowers the server's timeout, never raises it.
  Both names are reserved: a catalogue query cannot take parameters called `format` or `timeout`.

Errors are one line of text/plain. One line per request goes to the log: client, method, path,
status and the milliseconds until the response started.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import http
import io
import ipaddress
import json
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from kgcli.engine.catalogue import Catalogue, NamedQuery
from kgcli.engine.results import Kind
from kgcli.errors import InputError, KgError
from kgcli.output import formats
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import FORMATS, RDF_TYPE, RDFS_COMMENT, SD, VOID
from kgcli.serve.executor import Executor, Job, short
from kgcli.text import cut

_FORM = "application/x-www-form-urlencoded"
_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"

_GRAPHS_QUERY = (
    "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } "
    "GROUP BY ?graph ORDER BY ?graph"
)


@dataclass(frozen=True)
class ServeConfig:
    """The server's limits and permissions."""

    #: Seconds a query or update may run before it is stopped (503).
    timeout: float = 30.0
    #: Rows (or triples) a result may have; a larger one is refused (500), never truncated.
    max_results: int | None = 100_000
    #: Bytes a request body may have (413 beyond).
    max_body: int = 1 << 20
    #: Queries evaluated at once; more wait up to `queue_wait` seconds, then get 503.
    max_concurrent: int = 8
    queue_wait: float = 2.0
    #: Bytes of memory a query may take beyond the store's (its process dies past that: 500).
    max_memory: int | None = 2 << 30
    cors: bool = False
    allow_federation: bool = False
    allow_update: bool = False
    #: The bearer token updates must carry (required when `allow_update`).
    update_token: str | None = field(default=None, repr=False)


class HttpError(Exception):
    """A request answered with an error status and a one-line message."""

    def __init__(self, status: int, message: str, headers: Sequence[tuple[str, str]] = ()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


# --- request parsing (pure functions) ----------------------------------------------------------

_SIZE_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMG]i?B?|B)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from `1048576`, `512KiB`, `1MiB`, `2MB`, `1G` (K/M/G are powers of 1024)."""
    match = _SIZE_RE.fullmatch(text)
    if not match:
        raise InputError(f"{text!r} is not a size: write bytes, or a number with KiB, MiB or GiB")
    number, unit = float(match.group(1)), (match.group(2) or "B").upper()
    scale = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit[0]]
    size = int(number * scale)
    if size < 1:
        raise InputError(f"{text!r}: a size must be at least one byte")
    return size


def parse_params(raw: bytes, where: str = "the query string") -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` pairs; a value that is not UTF-8 is a 400."""
    from urllib.parse import unquote_to_bytes

    pairs = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        try:
            decoded = [unquote_to_bytes(p.replace(b"+", b" ")).decode() for p in (name, value)]
        except UnicodeDecodeError as err:
            raise HttpError(
                400, f"{where} is not UTF-8 ({err.reason} at byte {err.start} of a value)"
            ) from None
        pairs.append((decoded[0], decoded[1]))
    return pairs


def parse_accept(header: str) -> list[tuple[str, float]]:
    """`Accept` as (media range, q) pairs; a malformed q counts as 1, as most servers do."""
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                with contextlib.suppress(ValueError):
                    q = min(max(float(value), 0.0), 1.0)
                    q = 1.0 if math.isnan(q) else q
        ranges.append((media.lower(), q))
    return ranges


def negotiate(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer `Accept` prefers (ties go to the earlier offer); None if none is acceptable.

    Each offer takes the q of the most specific range that matches it (`type/sub`, then
    `type/*`, then `*/*`), as RFC 9110 section 12.5.1 says.
    """
    if not header or not header.strip():
        return offers[0] if offers else None
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/", 1)[0]
        found: tuple[int, float] | None = None
        for media, q in ranges:
            rank = (
                3 if media == offer else 2 if media == f"{kind}/*" else 1 if media == "*/*" else 0
            )
            if rank and (found is None or rank > found[0]):
                found = (rank, q)
        if found is not None and found[1] > best_q:
            best, best_q = offer, found[1]
    return best


def _media(content_type: str) -> tuple[str, dict[str, str]]:
    media, *params = (part.strip() for part in content_type.split(";"))
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return media.lower(), parsed


@dataclass(frozen=True)
class Operation:
    """What a request to `/sparql` asks for."""

    kind: Literal["query", "update", "description"]
    text: str = ""
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    fmt: str | None = None
    timeout: float | None = None


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"{len(values)} {name} parameters: send exactly one {name}")
    return values[0] if values else None


def _timeout(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise HttpError(400, f"timeout={value!r} is not a number of seconds above zero")
    return seconds


def _graph_iris(params: Mapping[str, list[str]], name: str) -> list[str] | None:
    import pyoxigraph as ox

    values = params.get(name)
    if values is None:
        return None
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise HttpError(400, f"{name}={value!r} is not an absolute IRI") from None
    return list(values)


def read_operation(method: str, content_type: str, query_string: bytes, body: bytes) -> Operation:
    """The operation a `/sparql` request asks for, as the SPARQL 1.1 Protocol reads it.

    Raises HttpError for what the protocol calls a malformed request: a missing or repeated
    query, both a query and an update, an update sent by GET, an unsupported media type, text
    that is not UTF-8.
    """
    params: dict[str, list[str]] = {}
    for name, value in parse_params(query_string):
        params.setdefault(name, []).append(value)
    direct: str | None = None
    if method == "POST":
        media, media_params = _media(content_type)
        charset = media_params.get("charset", "utf-8")
        if media not in (_FORM, _QUERY_TYPE, _UPDATE_TYPE):
            raise HttpError(
                415,
                f"unsupported Content-Type {content_type or '(none)'!r}: send "
                f"{_QUERY_TYPE}, {_UPDATE_TYPE} or {_FORM}",
                [("Accept-Post", f"{_QUERY_TYPE}, {_UPDATE_TYPE}, {_FORM}")],
            )
        if charset.replace("-", "") != "utf8":
            raise HttpError(415, f"unsupported charset {charset!r}: SPARQL is sent as UTF-8")
        if media == _FORM:
            for name, value in parse_params(body, "the form body"):
                params.setdefault(name, []).append(value)
        else:
            try:
                direct = body.decode("utf-8-sig")
            except UnicodeDecodeError as err:
                raise HttpError(
                    400, f"the request body is not UTF-8 ({err.reason} at byte {err.start})"
                ) from None
            key = "query" if media == _QUERY_TYPE else "update"
            if params.get(key):
                plural = "queries" if key == "query" else "updates"
                raise HttpError(400, f"two {plural}: one in the body and one in the URL")
            params.setdefault(key, []).insert(0, direct)
    query, update = _one(params, "query"), _one(params, "update")
    fmt, timeout = _one(params, "format"), _timeout(_one(params, "timeout"))
    if query is not None and update is not None:
        raise HttpError(400, "both a query and an update: send one operation per request")
    if update is not None:
        if method != "POST":
            raise HttpError(400, "an update must be sent by POST (SPARQL 1.1 Protocol 2.2)")
        for name in ("using-graph-uri", "using-named-graph-uri"):
            if name in params:
                raise HttpError(400, f"{name} is not supported: write USING in the update")
        if not update.strip():
            raise HttpError(400, "the update is empty")
        return Operation("update", update, timeout=timeout)
    if query is None:
        if method == "POST" or set(params) - {"format"}:
            raise HttpError(400, "missing query: send query=... (SPARQL 1.1 Protocol 2.1)")
        return Operation("description", fmt=fmt)
    if not query.strip():
        raise HttpError(400, "the query is empty")
    return Operation(
        "query",
        query,
        _graph_iris(params, "default-graph-uri"),
        _graph_iris(params, "named-graph-uri"),
        fmt,
        timeout,
    )


# --- the service description ------------------------------------------------------------------


def service_description(
    endpoint: str, graphs: Sequence[tuple[str, int]], config: ServeConfig
) -> list[Any]:
    """The SPARQL 1.1 Service Description of this endpoint, as pyoxigraph triples."""
    import pyoxigraph as ox

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    a = ox.NamedNode(RDF_TYPE)
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            service,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    if config.allow_update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if config.allow_federation:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + str(fmt.w3c)))
        for fmt in formats.service_formats()
    ]
    comment = ox.NamedNode(RDFS_COMMENT)
    integer = ox.NamedNode(xsd.INTEGER)
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
        ox.Triple(
            default, comment, ox.Literal("The union of all the named graphs.", language="en")
        ),
    ]
    for iri, count in graphs:
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, a, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, a, sd("Graph")),
            ox.Triple(
                graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(count), datatype=integer)
            ),
        ]
    return triples


# --- the HTML page -----------------------------------------------------------------------------


def _page(queries: Sequence[NamedQuery], forms: Mapping[str, str], config: ServeConfig) -> bytes:
    """The human page: a query box and the catalogue, every text from a file escaped."""
    from urllib.parse import quote

    def esc(text: object) -> str:
        return html.escape(str(text), quote=True)

    def options(kind: str) -> str:
        names = ["csv", "json", "tsv", "xml"] if kind != "graph" else ["turtle", "ntriples"]
        return "".join(f"<option>{n}</option>" for n in names)

    rows = []
    for query in queries:
        href = "/queries/" + quote(query.name, safe="")
        inputs = "".join(
            f'<label>{esc(p.name)} <input name="{esc(p.name)}" value="{esc(p.default or "")}"'
            f' title="{esc(p.type)}: {esc(p.description)}"></label> '
            for p in query.params
        )
        kind = forms.get(query.name, "select")
        rows.append(
            f'<tr><td><a href="{esc(href)}?format=csv">{esc(query.name)}</a></td>'
            f"<td>{esc(query.title)}<br><small>{esc(query.description)}</small></td>"
            f'<td><form action="{esc(href)}" method="get">{inputs}'
            f'<select name="format">{options(kind)}</select> <button>Run</button></form></td></tr>'
        )
    mode = "read-only" if not config.allow_update else "updates accepted with the token"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>kg serve</title><style>body{font-family:sans-serif;margin:2em;max-width:70em}"
        "td{vertical-align:top;padding:.3em .6em}textarea{width:100%}</style></head><body>"
        "<h1>kg serve: a SPARQL endpoint</h1>"
        f"<p>SPARQL 1.1 Protocol at <code>/sparql</code> ({mode}); "
        '<a href="/sparql?format=turtle">service description</a>; '
        '<a href="/queries">the named queries as JSON</a>.</p>'
        '<form action="/sparql" method="get"><textarea name="query" rows="6">'
        "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph"
        '</textarea><br><select name="format">'
        "<option>csv</option><option>json</option><option>tsv</option><option>xml</option>"
        "<option>turtle</option></select> <button>Run</button></form>"
        f"<h2>Named queries ({len(queries)})</h2><table>{''.join(rows)}</table>"
        "</body></html>"
    ).encode()


# --- the application ---------------------------------------------------------------------------

Body = bytes | IO[bytes]


class _FileBody:
    """A result file as a WSGI iterable that closes (and so frees) the file at the end."""

    def __init__(self, handle: IO[bytes], size: int = 1 << 16) -> None:
        self.handle, self.size = handle, size

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.handle.read(self.size), b"")

    def close(self) -> None:
        self.handle.close()


class SparqlApp:
    """The endpoint as a WSGI callable over an `Executor` and a catalogue of named queries."""

    def __init__(
        self,
        executor: Executor,
        queries: Sequence[NamedQuery],
        config: ServeConfig,
        *,
        catalogue: Catalogue | None = None,
        log: TextIO | None = None,
        visible: Sequence[str] | None = None,
    ) -> None:
        self.executor = executor
        self.config = config
        #: The named graphs a query that names no dataset sees (None: every one), as `kg query`
        #: sees them: a store's `kgg:inferred` only with --infer.
        self.visible = None if visible is None else list(visible)
        self.queries = {q.name: q for q in queries}
        self.catalogue = catalogue
        self.log = log
        self._log_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(config.max_concurrent)
        self._forms = {}
        for query in queries:
            with contextlib.suppress(KgError):
                form = query.parsed.form
                self._forms[query.name] = "graph" if form in ("CONSTRUCT", "DESCRIBE") else "select"
        self._generation = 0  # counts updates: the graph list is cached until the next one
        self._graphs: tuple[int, list[tuple[str, int]]] | None = None
        self._page = _page(list(self.queries.values()), self._forms, config)

    # -- WSGI entry point

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = _path(environ)
        try:
            status, headers, body = self._route(environ, method, path)
        except HttpError as err:
            status, headers, body = self._error(err)
        except KgError as err:
            status, headers, body = self._error(
                HttpError(400 if err.exit_code == 2 else 500, str(err))
            )
        except Exception as err:  # a bug must cost one request, not the server
            status, headers, body = self._error(
                HttpError(500, f"internal error: {type(err).__name__}: {err}")
            )
        headers.append(("X-Content-Type-Options", "nosniff"))
        if self.config.cors:
            headers.append(("Access-Control-Allow-Origin", "*"))
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
            iterable: Any = [b"" if method == "HEAD" else body]
        else:
            headers.append(("Content-Length", str(os.fstat(body.fileno()).st_size)))
            if method == "HEAD":
                body.close()
                iterable = [b""]
            else:
                wrapper = environ.get("wsgi.file_wrapper")
                iterable = wrapper(body, 1 << 16) if wrapper else _FileBody(body)
        start_response(f"{status} {http.HTTPStatus(status).phrase}", headers)
        self._log_request(environ, method, path, status, started)
        return iterable

    def _log_request(
        self, environ: Mapping[str, Any], method: str, path: str, status: int, started: float
    ) -> None:
        if self.log is None:
            return
        ms = (time.perf_counter() - started) * 1000
        client = environ.get("REMOTE_ADDR", "-")
        line = f"kg serve: {client} {method} {_printable(path)} {status} {ms:.1f} ms\n"
        with self._log_lock, contextlib.suppress(OSError, ValueError):
            self.log.write(line)
            self.log.flush()

    def _error(self, err: HttpError) -> tuple[int, list[tuple[str, str]], Body]:
        headers = [("Content-Type", "text/plain; charset=utf-8"), *err.headers]
        return err.status, headers, (short(err.message, 1000) + "\n").encode()

    # -- routing

    def _route(
        self, environ: dict[str, Any], method: str, path: str
    ) -> tuple[int, list[tuple[str, str]], Body]:
        host = environ.get("HTTP_HOST")
        if host is not None and not _valid_host(host):
            # RFC 9110 7.2: a request whose Host is not a host[:port] is answered 400.
            raise HttpError(400, f"malformed Host header {_printable(host, 100)!r}")
        if path == "/sparql":
            if (answer := self._methods(method, ("GET", "HEAD", "POST", "OPTIONS"))) is not None:
                return answer
            return self._sparql(environ, method)
        if path == "/":
            if (answer := self._methods(method, ("GET", "HEAD", "OPTIONS"))) is not None:
                return answer
            return self._html()
        if path in ("/queries", "/queries/"):
            if (answer := self._methods(method, ("GET", "HEAD", "OPTIONS"))) is not None:
                return answer
            return self._catalogue()
        if path.startswith("/queries/"):
            if (answer := self._methods(method, ("GET", "HEAD", "OPTIONS"))) is not None:
                return answer
            return self._named(environ, path[len("/queries/") :])
        raise HttpError(404, f"no such resource {_printable(path)!r}: try /, /sparql or /queries")

    def _methods(
        self, method: str, allowed: Sequence[str]
    ) -> tuple[int, list[tuple[str, str]], Body] | None:
        """None if `method` is allowed; the answer to OPTIONS; else a 405 with `Allow`."""
        allow = ", ".join(allowed)
        if method == "OPTIONS":
            headers = [("Allow", allow)]
            if self.config.cors:
                headers += [
                    ("Access-Control-Allow-Methods", allow),
                    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type"),
                    ("Access-Control-Max-Age", "600"),
                ]
            return 204, headers, b""
        if method not in allowed:
            raise HttpError(
                405, f"method {method} is not allowed here (allowed: {allow})", [("Allow", allow)]
            )
        return None

    # -- /sparql

    def _sparql(
        self, environ: dict[str, Any], method: str
    ) -> tuple[int, list[tuple[str, str]], Body]:
        body = self._body(environ) if method == "POST" else b""
        operation = read_operation(
            "POST" if method == "POST" else "GET",
            environ.get("CONTENT_TYPE", ""),
            _query_bytes(environ),
            body,
        )
        if operation.kind == "description":
            return self._description(environ, operation.fmt)
        if operation.kind == "update":
            return self._update(environ, operation)
        return self._query(environ, operation)

    def _body(self, environ: Mapping[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise HttpError(400, "Content-Length is not a number") from None
        if length > self.config.max_body:
            raise HttpError(
                413, f"the request body has {length:,} bytes, more than {self.config.max_body:,}"
            )
        return environ["wsgi.input"].read(length) if length > 0 else b""

    def _query(
        self, environ: Mapping[str, Any], operation: Operation
    ) -> tuple[int, list[tuple[str, str]], Body]:
        named = NamedQuery("query", Path("query"), "query", "", (), operation.text)
        prepared = _analysed(named, (), self.config.allow_federation, _endpoint_url(environ))
        return self._execute(
            environ,
            prepared,
            operation.fmt,
            operation.timeout,
            operation.default_graphs,
            operation.named_graphs,
        )

    def _execute(
        self,
        environ: Mapping[str, Any],
        prepared: Analysed,
        fmt: str | None,
        timeout: float | None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> tuple[int, list[tuple[str, str]], Body]:
        kind: Kind = "graph" if prepared.form in ("CONSTRUCT", "DESCRIBE") else "select"
        chosen, media = self._choose(environ, kind, fmt)
        union = default_graphs is None and named_graphs is None and not prepared.has_from
        job = Job(
            prepared.text,
            chosen,
            prepared.prefixes,
            union,
            default_graphs,
            named_graphs,
            max_results=self.config.max_results,
            base=prepared.base,
            visible=self.visible,
        )
        outcome = self._run(job, timeout)
        if outcome.status != 200 or outcome.body is None:
            raise HttpError(outcome.status, outcome.message)
        return 200, [("Content-Type", media), ("Vary", "Accept")], outcome.body

    def _choose(self, environ: Mapping[str, Any], kind: Kind, fmt: str | None) -> tuple[str, str]:
        """(render format, media type) from `format=`, else from `Accept`."""
        offers = [(m, f.name) for m, f in formats.offers(kind)]
        if fmt is not None:
            named = formats.by_media_type(fmt.strip().lower())
            name = named.name if named is not None else fmt
            try:
                asked = formats.get(formats.check_format(name, kind, " (format=)"))
            except KgError as err:
                raise HttpError(400, str(err)) from None
            if not asked.served:
                raise HttpError(
                    400, f"format={asked.name} is for terminals: ask for csv, tsv or json"
                )
            return asked.name, asked.media_type
        accept = environ.get("HTTP_ACCEPT")
        media = negotiate(accept, [m for m, _ in offers])
        if media is None:
            wanted = ", ".join(dict.fromkeys(m for m, _ in offers))
            raise HttpError(406, f"cannot answer in {accept!r}; this result can be: {wanted}")
        chosen = dict(offers)[media]
        served = formats.get(chosen).media_type
        # Answer in the type asked for when it is an alias (application/json, text/xml).
        return chosen, served if served.split(";")[0] == media else media

    def _run(self, job: Job, timeout: float | None, *, update: bool = False) -> Any:
        limit = self.config.timeout if timeout is None else min(timeout, self.config.timeout)
        if not self._slots.acquire(timeout=self.config.queue_wait):
            raise HttpError(
                503,
                f"busy: {self.config.max_concurrent} queries are running (--max-concurrent); "
                "retry shortly",
                [("Retry-After", "1")],
            )
        try:
            return self.executor.run(job, limit, update=update)
        finally:
            self._slots.release()

    # -- updates

    def _update(
        self, environ: Mapping[str, Any], operation: Operation
    ) -> tuple[int, list[tuple[str, str]], Body]:
        config = self.config
        if not config.allow_update:
            raise HttpError(
                403, "updates are refused: this endpoint is read-only (kg serve --allow-update)"
            )
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        expected = (config.update_token or "").encode()
        given = token.strip().encode("utf-8", "replace")
        if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(given, expected):
            raise HttpError(
                401,
                "an update needs the server's token: Authorization: Bearer TOKEN",
                [("WWW-Authenticate", 'Bearer realm="kg serve"')],
            )
        _check_update(operation.text, allow_federation=config.allow_federation)
        outcome = self._run(Job(operation.text), operation.timeout, update=True)
        if outcome.status != 204:
            raise HttpError(outcome.status, outcome.message)
        with self._log_lock:
            self._generation += 1
        return 204, [], b""

    # -- the service description and the graph list

    def _description(
        self, environ: Mapping[str, Any], fmt: str | None
    ) -> tuple[int, list[tuple[str, str]], Body]:
        from kgcli.engine.results import GraphResult
        from kgcli.output.render import render

        if fmt is None:
            offers = [m for m, _ in formats.offers("graph")] + ["text/html"]
            media = negotiate(environ.get("HTTP_ACCEPT"), offers)
            if media == "text/html":
                return self._html()
            if media is None:
                raise HttpError(406, f"the service description is RDF: {', '.join(offers)}")
        chosen, media = self._choose(environ, "graph", fmt)
        triples = service_description(_endpoint_url(environ), self._graph_list(), self.config)
        out = io.BytesIO()
        render(
            GraphResult(triples), chosen, out, prefixes={"sd": SD, "formats": FORMATS, "void": VOID}
        )
        return 200, [("Content-Type", media), ("Vary", "Accept")], out.getvalue()

    def _graph_list(self) -> list[tuple[str, int]]:
        import pyoxigraph as ox

        generation = self._generation
        if self._graphs is not None and self._graphs[0] == generation:
            return self._graphs[1]
        hidden = self.visible is not None
        outcome = self._run(Job(_GRAPHS_QUERY, "json", union=hidden, visible=self.visible), None)
        if outcome.status != 200 or outcome.body is None:
            raise HttpError(outcome.status, outcome.message)
        with outcome.body as handle:
            parsed = ox.parse_query_results(handle.read(), format=ox.QueryResultsFormat.JSON)
        graphs = [(row[0].value, int(row[1].value)) for row in parsed]  # type: ignore[union-attr]
        self._graphs = (generation, graphs)
        return graphs

    # -- the catalogue

    def _html(self) -> tuple[int, list[tuple[str, str]], Body]:
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            # The page runs no script and loads nothing: a label cannot make it do either.
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ),
        ]
        return 200, headers, self._page

    def _catalogue(self) -> tuple[int, list[tuple[str, str]], Body]:
        from urllib.parse import quote

        listed = [
            {
                **q.describe(),
                "form": "CONSTRUCT" if self._forms.get(q.name) == "graph" else "SELECT",
                "url": "/queries/" + quote(q.name, safe=""),
            }
            for q in self.queries.values()
        ]
        body = json.dumps({"queries": listed}, ensure_ascii=False, indent=1).encode()
        return 200, [("Content-Type", "application/json")], body

    def _named(
        self, environ: Mapping[str, Any], name: str
    ) -> tuple[int, list[tuple[str, str]], Body]:
        query = self.queries.get(name)
        if query is None:
            message = f"unknown query {name!r} (GET /queries lists them)"
            if self.catalogue is not None:
                try:
                    self.catalogue.get(name)
                except KgError as err:
                    message = str(err).replace("(kg queries list)", "(GET /queries lists them)")
            raise HttpError(404, message)
        given: dict[str, str] = {}
        fmt: str | None = None
        timeout: float | None = None
        seen: set[str] = set()
        for key, value in parse_params(_query_bytes(environ)):
            if key in seen:
                raise HttpError(400, f"parameter {key!r} is given twice")
            seen.add(key)
            if key == "format":
                fmt = value
            elif key == "timeout":
                timeout = _timeout(value)
            else:
                given[key] = value
        prepared = _analysed(
            query,
            tuple(sorted(given.items())),
            self.config.allow_federation,
            _endpoint_url(environ),
        )
        return self._execute(environ, prepared, fmt, timeout)


@dataclass(frozen=True)
class Analysed:
    """A query checked and bound (`kgcli.engine.query.prepare`), and whether it names its
    dataset."""

    text: str
    form: str
    prefixes: dict[str, str]
    has_from: bool
    #: The IRI the query's relative IRIs resolve against: the endpoint's URL, as Oxigraph server.
    base: str | None = None


def _analysed(
    query: NamedQuery, given: tuple[tuple[str, str], ...], allow_federation: bool, base: str
) -> Analysed:
    """Check and bind a query: its text is tokenized once (twice if parameters are bound)."""
    from kgcli.engine.query import prepare
    from kgcli.engine.sparql import check_from_files

    if query.parsed.form == "UPDATE":
        raise HttpError(
            400,
            f"this is a SPARQL Update: POST it as update=... or with Content-Type {_UPDATE_TYPE}",
        )
    prepared = prepare(query, dict(given), allow_federation=allow_federation, base=base)
    check_from_files(prepared.parsed, base=base, allow_federation=allow_federation)
    parsed = prepared.parsed
    return Analysed(parsed.text, parsed.form, parsed.prefixes, parsed.has_from, base)


def _check_update(text: str, *, allow_federation: bool) -> None:
    """Refuse an update that would read the network or a file (LOAD, SERVICE)."""
    from kgcli.engine.sparql import parse

    parsed = parse(text)
    if parsed.form != "UPDATE":
        raise HttpError(400, "this is a query, not an update: send it as query=...")
    if allow_federation:
        return
    for token in parsed.tokens:
        if token.is_keyword("LOAD"):
            raise HttpError(
                400,
                f"LOAD at line {token.line}, column {token.column} would read the network or a "
                "file; start kg serve with --allow-federation to permit it",
            )
    for token, written, _ in parsed.services:
        raise HttpError(
            400,
            f"{written} at line {token.line}, column {token.column} would reach the network; "
            "start kg serve with --allow-federation to permit it",
        )


def _path(environ: Mapping[str, Any]) -> str:
    raw = environ.get("PATH_INFO") or "/"
    try:  # WSGI hands the path over as Latin-1; the URL meant UTF-8
        return str(raw).encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return str(raw)


def _query_bytes(environ: Mapping[str, Any]) -> bytes:
    raw = str(environ.get("QUERY_STRING") or "")
    try:
        return raw.encode("latin-1")
    except UnicodeEncodeError:
        return raw.encode("utf-8", "surrogateescape")


def _printable(text: str, width: int = 200) -> str:
    return cut("".join(c if c.isprintable() else "?" for c in text), width)


_HOST_RE = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::([0-9]{1,5}))?")


def _valid_host(host: str) -> bool:
    """Whether a Host header is `host[:port]` (RFC 3986 reg-name, IPv4 or IPv6 literal)."""
    match = _HOST_RE.fullmatch(host)
    if match is None or int(match.group(2) or 0) > 65535:
        return False
    name = match.group(1)
    if name.startswith("["):
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return False
    return True


def _endpoint_url(environ: Mapping[str, Any]) -> str:
    from urllib.parse import quote

    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or (
        f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    )
    host = re.sub(r"[^A-Za-z0-9.:\[\]_-]", "", host) or "localhost"
    return f"{scheme}://{host}{quote(environ.get('SCRIPT_NAME', ''))}/sparql"


# --- running the server ------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _checked_channel() -> type:
    """waitress's connection class, answering 400 to a request target that urlsplit refuses.

    waitress 3.0 catches only UnicodeError from `urlsplit`: `GET http://[::1/ HTTP/1.1` raises
    ValueError ("Invalid IPv6 URL") out of its parser, which drops the connection unanswered
    and logs a traceback. Its parser reports what it cannot parse as ParsingError, a 400.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError

    class Parser(HTTPRequestParser):
        def parse_header(self, header_plus: bytes) -> None:
            try:
                super().parse_header(header_plus)
            except ParsingError:
                raise
            except ValueError as err:
                raise ParsingError(f"Bad URI ({err})") from None

    class Channel(HTTPChannel):
        parser_class = Parser

    return Channel


def serve(
    store: Any,
    queries: Sequence[NamedQuery],
    config: ServeConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    catalogue: Catalogue | None = None,
    log: TextIO | None = sys.stderr,
    ready: Callable[[str], None] | None = None,
    visible: Sequence[str] | None = None,
) -> None:
    """Serve `store` until interrupted (Ctrl-C or SIGTERM); `ready` gets the endpoint URL.

    `visible`: the named graphs a query sees when it names no dataset (None: every one).
    """
    import signal

    from waitress.server import BaseWSGIServer, create_server

    if config.allow_update and not config.update_token:
        raise InputError("updates need a token: --update-token-env NAME, an environment variable")
    executor = Executor(store, max_memory=config.max_memory, workers=config.max_concurrent)
    executor.start()  # before any thread: the executor must be forked from one thread
    server: Any = None
    try:
        app = SparqlApp(executor, queries, config, catalogue=catalogue, log=log, visible=visible)
        listeners: dict[int, Any] = {}
        try:
            server = create_server(
                app,
                map=listeners,
                host=host,
                port=port,
                # Threads wait on the executor; more of them than query slots lets the excess wait
                # for a slot (and get a clean 503) rather than sit unseen in waitress's queue.
                threads=config.max_concurrent * 2 + 4,
                # Waitress reads a whole body before the app sees it, and refuses (with its own
                # page) one declared larger than this: leave room so that a body somewhat over the
                # cap gets our one-line 413, and an absurd one is refused unread.
                max_request_body_size=2 * config.max_body + (64 << 10),
                connection_limit=256,
                ident="kgcli",
                expose_tracebacks=False,
            )
        except ValueError as err:  # waitress: a host it cannot parse or resolve
            raise InputError(f"--host {host!r}: cannot listen there ({err})") from None
        except OSError as err:  # the port is taken, the address is not this machine's
            raise KgError(f"cannot listen on {host} port {port}: {err.strerror or err}") from None
        channel = _checked_channel()
        for listener in listeners.values():
            if isinstance(listener, BaseWSGIServer):
                listener.channel_class = channel
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{getattr(server, 'effective_port', port)}/sparql"
        if log is not None:
            mode = "updates with the token" if config.allow_update else "read-only"
            log.write(f"kg serve: listening on {url} ({mode}); Ctrl-C stops\n")
            log.flush()
        if ready is not None:
            ready(url)
        if threading.current_thread() is threading.main_thread():

            def stop(signum: int, frame: object) -> None:
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, stop)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        if server is not None:
            server.close()
        executor.close()
