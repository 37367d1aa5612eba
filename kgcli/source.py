"""Where a graph comes from: the embedded graph, the user's files, or a SPARQL endpoint.

Every source answers `query(text)` with the same result objects (`kgcli.results`), so commands
never care which one they hold (as rdflib's `SPARQLStore` puts an endpoint behind `Graph.query`).
"""

from __future__ import annotations

import os
import re
import select
import signal
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kgcli.config import Endpoint, check_url, resolve_endpoint
from kgcli.errors import InputError, KgError, QueryTimeout, RemoteError
from kgcli.limits import MAX_NESTING, json_too_deep
from kgcli.load import LoadedFile, load_embedded, load_file, load_files
from kgcli.remote import Connection, RetryPolicy
from kgcli.results import AskResult, GraphResult, Result, SelectResult
from kgcli.sparql import dataset_graphs, has_relative_iris, query_form, syntax_error_location


class GraphSource(ABC):
    """A graph to query. Subclasses run SPARQL and return `kgcli.results` objects."""

    #: One line saying what this source is, for `kg info` and error messages.
    description: str = ""

    @abstractmethod
    def query(
        self,
        text: str,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        base: str | None = None,
    ) -> Result:
        """Run a SPARQL query (already checked and with parameters bound); its relative IRIs
        resolve against `base` (`kgcli.query.prepare` says which)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the source holds (connections, file handles)."""


def _query_error(text: str, err: SyntaxError) -> InputError:
    """A SPARQL syntax error as one line with its line and column."""
    message = str(err)
    where = syntax_error_location(message)
    # Strip pyoxigraph's own "error at L:C: " prefix, we print the position our way.
    detail = message.split(": ", 1)[1] if message.startswith("error at") else message
    detail = " ".join(detail.split())  # the engine lists what it expected over several lines
    if where:
        return InputError(f"query:{where[0]}:{where[1]}: {detail}")
    return InputError(f"query: {detail}")


@dataclass
class LocalSource(GraphSource):
    """An in-memory (or on-disk) pyoxigraph store.

    The default graph is the union of all graphs, or, when `default_graphs` is set (`--default-
    graph`, `--named-graph`), exactly those graphs (`ox.DefaultGraph()` for the store's own
    default graph) while every named graph stays a named graph, as a SPARQL dataset says.
    """

    store: ox.Store
    files: list[LoadedFile] = field(default_factory=list)
    description: str = "embedded graph"
    #: Called by `close` (an on-disk store's reader lock, see `kgcli.store.open_store`).
    release: Callable[[], None] | None = None
    default_graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None

    def close(self) -> None:
        if self.release is not None:
            self.release()
            self.release = None

    def query(
        self,
        text: str,
        *,
        limit: int | None = None,
        timeout: float | None = None,
        base: str | None = None,
    ) -> Result:
        if timeout is not None and hasattr(os, "fork"):
            return self._query_in_child(text, limit, timeout, base)
        return self._wrap(self._run(text, base), limit, lambda: self._run(text, base))

    def _run(
        self, text: str, base: str | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        # A query that names its own dataset with FROM / FROM NAMED gets it: pyoxigraph would
        # otherwise ignore them. Else the union of all graphs, or the dataset the user gave.
        options: dict[str, object] = {}
        if dataset_graphs(text):
            pass
        elif self.default_graphs is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = self.default_graphs
        try:
            return self.store.query(text, base_iri=base, **options)  # type: ignore[arg-type]
        except SyntaxError as err:
            raise _query_error(text, err) from None
        except (OSError, RuntimeError) as err:
            raise KgError(f"query failed: {err}") from None

    def select_tsv(self, text: str) -> bytes:
        """A SELECT's results as SPARQL TSV, written by the engine.

        pyoxigraph evaluates and writes the whole result without holding the GIL, so another
        thread can go on meanwhile (`kgcli.network` reads one result while the next is made).
        """
        answer = self._run(text)
        if not isinstance(answer, ox.QuerySolutions):
            raise InputError("expected a SELECT query")
        try:
            data = answer.serialize(format=ox.QueryResultsFormat.TSV)
        except (OSError, RuntimeError) as err:
            raise KgError(f"query failed: {err}") from None
        assert data is not None  # no output file given: the bytes are returned
        return data

    @staticmethod
    def _wrap(answer: object, limit: int | None, rerun: Callable[[], object] | None) -> Result:
        if isinstance(answer, ox.QuerySolutions):
            return SelectResult.from_solutions(answer, limit, rerun)  # type: ignore[arg-type]
        if isinstance(answer, ox.QueryBoolean):
            return AskResult(bool(answer))
        return GraphResult.from_triples(answer, limit)  # type: ignore[arg-type]

    def _query_in_child(
        self, text: str, limit: int | None, timeout: float, base: str | None
    ) -> Result:
        """Evaluate in a forked child that can be killed at the deadline.

        pyoxigraph evaluates blocking operators (ORDER BY, aggregates) inside `Store.query` in
        native code that never returns to Python, so neither signals nor threads can stop it; a
        child process can be killed. The child writes results in a standard serialisation that
        the parent parses back into the same result objects.
        """
        with tempfile.TemporaryDirectory(prefix="kg-query-") as tmp:
            out_path = os.path.join(tmp, "result")
            err_r, err_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # child: never return into the caller's stack
                os.close(err_r)
                code = 0
                try:
                    answer = self._run(text, base)
                    with open(out_path, "wb") as out:
                        if isinstance(answer, ox.QueryTriples):
                            out.write(b"G")
                            answer.serialize(out, format=ox.RdfFormat.N_TRIPLES)
                        else:
                            out.write(b"S" if isinstance(answer, ox.QuerySolutions) else b"B")
                            answer.serialize(out, format=ox.QueryResultsFormat.JSON)
                except BaseException as err:  # report any failure to the parent as one line
                    os.write(err_w, f"{type(err).__name__}\0{err}".encode())
                    code = 1
                os._exit(code)
            os.close(err_w)
            try:
                status = _wait(pid, timeout)
            finally:
                with os.fdopen(err_r, "rb") as pipe:
                    failure = pipe.read().decode("utf-8", "replace")
            if status is None:
                raise QueryTimeout(f"query stopped after the {timeout:g} s timeout (--timeout)")
            if failure:
                kind, _, message = failure.partition("\0")
                raise (InputError if kind == "InputError" else KgError)(message)
            if os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) != 0:
                raise KgError(f"query failed: the engine's process {_ended(status)}")
            with open(out_path, "rb") as handle:
                tag = handle.read(1)
                data = handle.read()
        if tag == b"G":
            return GraphResult.from_triples(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), limit)
        return _parsed_results(data, limit)


def _wait(pid: int, timeout: float) -> int | None:
    """Wait for a child until `timeout`; kill it and return None if it is still running."""
    deadline = time.monotonic() + timeout
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            if pidfd is not None:
                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(left, 0.01))
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _ended(status: int) -> str:
    """How a child ended, from its wait status: `was killed by SIGSEGV`, `exited with 70`."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = " (out of memory?)" if number == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"exited with {os.waitstatus_to_exitcode(status)}"


class RemoteSource(GraphSource):
    """A SPARQL 1.1 endpoint, queried through SPARQLWrapper; results parsed into our objects.

    The exchange (authentication, retries, deadlines, one-line errors) is `kgcli.remote`'s.
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
        return _parsed_results(body, limit)
    except SyntaxError as err:
        raise RemoteError(f"{url}: malformed results ({_short(str(err))})") from None


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


def _parsed_results(data: bytes, limit: int | None) -> Result:
    """SPARQL JSON results as result objects; a rerun parses the same bytes again."""

    def parse() -> object:
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    return LocalSource._wrap(parse(), limit, parse)


def _short(text: str, width: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def open_store_source(directory: str) -> LocalSource:
    """An on-disk store (`kg store load`), opened read-only."""
    from kgcli import store as stores

    opened = stores.open_store(directory)
    files = [
        LoadedFile(entry.source, graph, entry.format)
        for entry in stores.read_manifest(directory).files
        for graph in entry.graphs
    ]
    source = LocalSource(opened, files, f"store {directory}")
    source.release = lambda: stores.close_store(opened)
    return source


def open_source(
    *,
    data: Sequence[str] = (),
    data_format: str | None = None,
    with_embedded: bool = False,
    endpoint: str | None = None,
    store: str | None = None,
    default_graph: Sequence[str] = (),
    named_graph: Sequence[str] = (),
) -> GraphSource:
    """Open the source a command names: an endpoint, an on-disk store, the user's files, or the
    embedded graph.

    `default_graph` and `named_graph` files make a SPARQL dataset exactly: the first merged into
    the default graph, the second each a named graph named by its `file:` IRI. `data` files
    (and the embedded graph with `with_embedded`) are then both: named graphs, and part of the
    default graph. Without them the default graph is the union of every graph.
    """
    exact = bool(default_graph or named_graph)
    if endpoint:
        if data or with_embedded or store:
            raise InputError(
                "--endpoint cannot be combined with --data, --with-embedded or --store"
            )
        if exact:
            raise InputError(
                "--endpoint cannot be combined with --default-graph or --named-graph "
                "(the server holds the dataset: name its graphs with FROM / FROM NAMED)"
            )
        return RemoteSource(resolve_endpoint(endpoint))
    if store:
        if data or with_embedded:
            raise InputError(
                "--store cannot be combined with --data or --with-embedded "
                f"(add files to the store: kg store load {store} FILE...)"
            )
        if exact:
            raise InputError(
                "--store cannot be combined with --default-graph or --named-graph "
                "(choose the store's graphs with FROM / FROM NAMED)"
            )
        return open_store_source(store)
    paths = [*data, *default_graph, *named_graph]
    if paths.count("-") > 1:
        raise InputError("stdin ('-') can be read only once: give it to one option")
    memory = ox.Store()
    files: list[LoadedFile] = []
    if with_embedded or not paths:
        files += load_embedded(memory)
    files += load_files(memory, data, data_format=data_format)
    # Both are "named graphs and part of the default graph": the embedded files and --data.
    both = [ox.NamedNode(f.graph) for f in files]
    for path in default_graph:
        files.append(load_file(memory, path, data_format=data_format, graph=ox.DefaultGraph()))
    for path in named_graph:
        files.append(load_file(memory, path, data_format=data_format))
    if paths:
        names = ", ".join(paths)
        description = f"{names} + embedded graph" if with_embedded else names
    else:
        description = "embedded graph"
    source = LocalSource(memory, files, description)
    if exact:
        source.default_graphs = [ox.DefaultGraph(), *both]
    return source
