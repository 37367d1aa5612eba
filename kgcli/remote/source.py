"""A SPARQL 1.1 endpoint as a graph source: queries sent through `kgcli.remote.client`, answers
parsed into the same result objects as a local graph's (`kgcli.engine.results`)."""

from __future__ import annotations

import re

import pyoxigraph as ox

from kgcli.engine.results import AskResult, GraphResult, Result, parse_json_results
from kgcli.engine.source import GraphSource
from kgcli.engine.sparql import has_relative_iris, query_form
from kgcli.errors import QueryTimeout, RemoteError
from kgcli.limits import MAX_NESTING, json_too_deep
from kgcli.remote.client import Connection, RetryPolicy
from kgcli.remote.config import Endpoint, check_url
from kgcli.text import one_line


class RemoteSource(GraphSource):
    """A SPARQL 1.1 endpoint, queried through SPARQLWrapper; results parsed into our objects.

    The exchange (authentication, retries, deadlines, one-line errors) is `kgcli.remote.client`'s.
    """

    def __init__(
        self,
        endpoint: Endpoint | str,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if isinstance(endpoint, str):
            endpoint = Endpoint(check_url(endpoint))
        self.endpoint = endpoint
        self.url = endpoint.url
        self.timeout = timeout
        self.description = f"SPARQL endpoint {endpoint.url}"
        self.connection = Connection(endpoint, retry=retry)

    def query(
        self,
        text: str,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        base: str | None = None,
    ) -> Result:
        if base is not None and has_relative_iris(text):
            # The server would resolve them against a base of its own choosing: send ours, on
            # the query's first line, so that the line numbers of the server's errors still hold.
            text = f"BASE <{base}> {text}"
        form = query_form(text)
        wait = timeout if timeout is not None else self.timeout
        reply = self.connection.sparql(text, form, timeout=wait)
        if reply.headers.get("X-SQL-State") == "S1TAT":
            # Virtuoso's "anytime query": at its time limit it answers 200 with the rows found so
            # far. Partial rows must never pass for the answer.
            raise QueryTimeout(
                f"{self.url}: the server stopped the query at its time limit and sent partial "
                "results (raise --timeout, or the server's MaxQueryExecutionTime)"
            )
        try:
            return _parse_remote(self.url, form, reply.content_type, reply.body, limit)
        except RemoteError as err:
            # The media type and the parser's words quote the server, which may echo secrets.
            raise RemoteError(self.endpoint.secrets.redact(str(err))) from None


_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _parse_remote(url: str, form: str, ctype: str, body: bytes, limit: int | None) -> Result:
    """Parse an endpoint's answer into result objects, insisting on the media type asked for."""
    if "json" in ctype and json_too_deep(body) is not None:
        # The engine's JSON parsers recurse: a few thousand levels (triple terms in triple
        # terms) would kill the process.
        raise RemoteError(
            f"{url}: answered JSON nested more than {MAX_NESTING} levels deep, which kg refuses "
            "to parse"
        )
    try:
        if form in ("CONSTRUCT", "DESCRIBE"):
            fmt = ox.RdfFormat.from_media_type(ctype) if ctype else None
            if fmt is None or fmt == ox.RdfFormat.RDF_XML:
                # Never parse XML we did not ask for (external entities, entity bombs).
                raise RemoteError(f"{url}: answered {_kind(ctype, body)}, expected RDF (Turtle)")
            return GraphResult.from_triples([q.triple for q in ox.parse(body, format=fmt)], limit)
        if ctype not in ("application/sparql-results+json", "application/json"):
            raise RemoteError(
                f"{url}: answered {_kind(ctype, body)}, expected SPARQL JSON results "
                "(is this the SPARQL endpoint's URL?)"
            )
        body = _portable_bnodes(body)
        if form == "ASK":
            answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(answer, ox.QuerySolutions):
                return AskResult(_virtuoso_ask(answer, url))
        # Parse errors surface while rows are read, after the command started writing: read
        # them once now, so that a malformed answer is one error line, not half a table.
        answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(answer, ox.QuerySolutions):
            for _ in answer:
                pass
        return parse_json_results(body, limit)
    except SyntaxError as err:
        raise RemoteError(f"{url}: malformed results ({one_line(str(err), 300)})") from None


def _kind(ctype: str, body: bytes) -> str:
    if not ctype:
        return "with no media type"
    sample = body[:200].lstrip().lower()
    page = " (a web page)" if sample.startswith((b"<!doctype html", b"<html")) else ""
    return f"{ctype}{page}"


def _portable_bnodes(body: bytes) -> bytes:
    """Rename blank nodes the parser refuses (Virtuoso labels them `nodeID://b10000`)."""
    if b'"bnode"' not in body:
        return body
    import json

    try:
        doc = json.loads(body)
        rows = doc["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        return body  # the parser reports what is wrong
    changed = False
    for row in rows if isinstance(rows, list) else ():
        for term in row.values() if isinstance(row, dict) else ():
            if not isinstance(term, dict) or term.get("type") != "bnode":
                continue
            label = term.get("value")
            if isinstance(label, str) and not _BNODE_LABEL.fullmatch(label):
                term["value"] = "b" + label.encode().hex()
                changed = True
    return json.dumps(doc).encode() if changed else body


def _virtuoso_ask(answer: ox.QuerySolutions, url: str) -> bool:
    """Virtuoso 7.2 answers ASK in JSON as one row with `__ASK_RETVAL` 1 or 0."""
    rows = list(answer)
    if [v.value for v in answer.variables] == ["__ASK_RETVAL"] and len(rows) == 1:
        value = rows[0][0]
        if isinstance(value, ox.Literal) and value.value in ("0", "1"):
            return value.value == "1"
    raise RemoteError(f"{url}: answered an ASK query with rows instead of a boolean")
