"""Copy a graph into a SPARQL server, named graphs preserved.

Each named graph goes with the SPARQL 1.1 Graph Store HTTP Protocol: its first batch is a `PUT`
(which replaces whatever the server held under that name) and the rest are `POST`s (which add), so
pushing twice leaves the server as pushing once, and a rerun completes an interrupted push. A
server without a Graph Store (404 or 405 on the first request) gets SPARQL 1.1 Update instead:
`DROP SILENT GRAPH` then `INSERT DATA`, with the same effect.

Blank nodes are scoped to one request on the server, so the triples that share a blank node always
travel in the same batch (a graph is cut between blank-node components, never inside one).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import pyoxigraph as ox

from kgcli.errors import InputError, KgError
from kgcli.remote.client import Connection, HttpStatusError, RetryPolicy
from kgcli.remote.config import Endpoint, with_url_credentials

DEFAULT_BATCH = 50_000
#: N-Triples is Turtle, and every Graph Store reads Turtle; not every one (Virtuoso 7.2) knows
#: application/n-triples.
_MEDIA_TYPE = "text/turtle"
_NO_GRAPH_STORE = (404, 405, 501)


@dataclass
class GraphOutcome:
    """What happened to one graph: `sent` of its `triples` reached the server."""

    graph: str | None  # None: the default graph
    triples: int
    sent: int = 0
    error: str | None = None

    @property
    def written(self) -> bool:
        return self.error is None and self.sent == self.triples

    @property
    def name(self) -> str:
        return f"<{self.graph}>" if self.graph else "the default graph"


@dataclass
class PushReport:
    """The outcome of a push, graph by graph."""

    endpoint: str
    protocol: str  # "Graph Store Protocol" or "SPARQL Update"
    target: str  # the URL written to
    graphs: list[GraphOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return all(g.written for g in self.graphs) and not self.interrupted

    @property
    def triples(self) -> int:
        return sum(g.sent for g in self.graphs)


def _server(endpoint: Endpoint) -> str | None:
    """The kind of server: said by the config, else read from the URL's usual layout."""
    if endpoint.server:
        return endpoint.server
    path = urlsplit(endpoint.url).path.rstrip("/")
    if path == "/query":
        return "oxigraph"
    if path == "/sparql":
        return "virtuoso"
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[1] in ("sparql", "query"):
        return "fuseki"
    return None


def _sibling(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def graph_store_url(endpoint: Endpoint) -> str:
    """The Graph Store URL: the config's `graph_store`, else the usual one for the server.

    Oxigraph `/store`; Fuseki `/DATASET/data`; Virtuoso `/sparql-graph-crud-auth` (with
    credentials; `/sparql-graph-crud` without).
    """
    if endpoint.graph_store:
        return endpoint.graph_store
    server = _server(endpoint)
    path = urlsplit(endpoint.url).path.rstrip("/")
    if server == "oxigraph":
        return _sibling(endpoint.url, "/store")
    if server == "virtuoso":
        crud = "/sparql-graph-crud-auth" if endpoint.user is not None else "/sparql-graph-crud"
        return _sibling(endpoint.url, crud)
    if server == "fuseki":
        dataset = path.rsplit("/", 1)[0] if path.count("/") > 1 else path
        return _sibling(endpoint.url, f"{dataset}/data")
    raise InputError(
        f"cannot guess the Graph Store URL of {endpoint.url}: pass --graph-store URL "
        "(or set server or graph_store in the endpoint's config)"
    )


def update_url(endpoint: Endpoint) -> str:
    """The SPARQL Update URL: the config's `update`, else the usual one for the server.

    Oxigraph `/update`; Fuseki `/DATASET/update`; Virtuoso `/sparql-auth` (with credentials);
    otherwise the query URL itself.
    """
    if endpoint.update:
        return endpoint.update
    server = _server(endpoint)
    path = urlsplit(endpoint.url).path.rstrip("/")
    if server == "oxigraph":
        return _sibling(endpoint.url, "/update")
    if server == "virtuoso" and endpoint.user is not None:
        return _sibling(endpoint.url, "/sparql-auth")
    if server == "fuseki" and path.count("/") > 1:
        return _sibling(endpoint.url, path.rsplit("/", 1)[0] + "/update")
    return endpoint.url


def batches(
    store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, size: int
) -> Iterator[list[ox.Triple]]:
    """The triples of one graph in batches of about `size`, never splitting a blank node's
    triples (a component larger than `size` travels whole in one batch)."""
    batch: list[ox.Triple] = []
    linked: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, graph):
        triple = quad.triple
        if _blank(triple.subject) or _blank(triple.object):
            linked.append(triple)
            continue
        batch.append(triple)
        if len(batch) >= size:
            yield batch
            batch = []
    for component in _components(linked):
        if batch and len(batch) + len(component) > size:
            yield batch
            batch = []
        batch.extend(component)
    if batch:
        yield batch


def _blank(term: object) -> bool:
    if isinstance(term, ox.BlankNode):
        return True
    if isinstance(term, ox.Triple):  # an RDF 1.2 triple term may hold blank nodes
        return _blank(term.subject) or _blank(term.object)
    return False


def _components(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """Group triples that are connected through shared blank nodes (union-find)."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def blanks(term: object) -> list[str]:
        if isinstance(term, ox.BlankNode):
            return [term.value]
        if isinstance(term, ox.Triple):
            return blanks(term.subject) + blanks(term.object)
        return []

    nodes = [blanks(t.subject) + blanks(t.object) for t in triples]
    for found in nodes:
        for other in found[1:]:
            parent[find(other)] = find(found[0])
    groups: dict[str, list[ox.Triple]] = {}
    for triple, found in zip(triples, nodes, strict=True):
        groups.setdefault(find(found[0]), []).append(triple)
    return list(groups.values())


def _graph_counts(
    store: ox.Store, named: Collection[ox.NamedNode] | None = None
) -> list[tuple[ox.NamedNode | ox.DefaultGraph, int]]:
    counts = [
        (row["g"], int(row["n"].value))
        for row in store.query(  # type: ignore[union-attr]
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
    ]
    default = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    out: list[tuple[ox.NamedNode | ox.DefaultGraph, int]] = [
        (g, n) for g, n in counts if isinstance(g, ox.NamedNode) and (named is None or g in named)
    ]
    if default:
        out.append((ox.DefaultGraph(), default))
    return out


def push(
    store: ox.Store,
    endpoint: Endpoint,
    *,
    graph_store: str | None = None,
    update: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
    progress: Callable[[int], None] | None = None,
    start: Callable[[int], None] | None = None,
    graphs: Collection[ox.NamedNode] | None = None,
) -> PushReport:
    """Copy every graph of `store` into the server; never raises for a failed request.

    `graphs`: the named graphs to copy (None: every one), the store's default graph always; a
    store's `kgg:inferred` is pushed only with --infer.

    `start(total_triples)` is called once, `progress(triples)` after each batch the server took.
    A failed request stops the push: the report says which graphs were written, which only in
    part, and which not at all.
    """
    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, not {batch_size}")
    # Their user:password@ joins the endpoint's credentials (checked now, before any request).
    if graph_store:
        endpoint, graph_store = with_url_credentials(endpoint, graph_store, "--graph-store")
    if update:
        endpoint, update = with_url_credentials(endpoint, update, "--update-endpoint")
    gsp = graph_store or graph_store_url(endpoint)
    connection = Connection(endpoint, retry=retry)
    counts = _graph_counts(store, None if graphs is None else set(graphs))
    report = PushReport(endpoint.url, "Graph Store Protocol", gsp)
    report.graphs = [
        GraphOutcome(g.value if isinstance(g, ox.NamedNode) else None, n) for g, n in counts
    ]
    if start is not None:
        start(sum(n for _, n in counts))
    use_update = False
    try:
        for (graph, _), outcome in zip(counts, report.graphs, strict=True):
            for index, batch in enumerate(batches(store, graph, batch_size)):
                body = ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
                assert body is not None
                try:
                    if use_update:
                        _send_update(connection, report.target, graph, batch, body, index, timeout)
                    else:
                        _send_gsp(connection, gsp, graph, body, index, timeout)
                except HttpStatusError as err:
                    if use_update or report.triples or err.status not in _NO_GRAPH_STORE:
                        raise
                    # No Graph Store there (and nothing written yet): SPARQL Update instead.
                    use_update = True
                    report.protocol = "SPARQL Update"
                    report.target = update or update_url(endpoint)
                    report.notes.append(
                        f"no Graph Store at {gsp} ({err.status}); "
                        f"using SPARQL Update at {report.target}"
                    )
                    _send_update(connection, report.target, graph, batch, body, index, timeout)
                outcome.sent += len(batch)
                if progress is not None:
                    progress(len(batch))
    except KgError as err:
        failed = next(g for g in report.graphs if not g.written)
        failed.error = str(err)
    except KeyboardInterrupt:
        report.interrupted = True
        unfinished = [g for g in report.graphs if not g.written]
        if unfinished:
            unfinished[0].error = "interrupted"
    return report


def _send_gsp(
    connection: Connection,
    url: str,
    graph: ox.NamedNode | ox.DefaultGraph,
    body: bytes,
    index: int,
    timeout: float | None,
) -> None:
    where = f"graph={quote(graph.value, safe='')}" if isinstance(graph, ox.NamedNode) else "default"
    target = f"{url}{'&' if '?' in url else '?'}{where}"
    # The first batch replaces the graph (idempotent), the others add to it.
    method = "PUT" if index == 0 else "POST"
    connection.request(method, target, body=body, content_type=_MEDIA_TYPE, timeout=timeout)


def _send_update(
    connection: Connection,
    url: str,
    graph: ox.NamedNode | ox.DefaultGraph,
    batch: list[ox.Triple],
    body: bytes,
    index: int,
    timeout: float | None,
) -> None:
    # N-Triples lines are valid SPARQL triples, so the batch goes into the update verbatim.
    triples = body.decode("utf-8")
    block = f"GRAPH {graph} {{\n{triples}}}" if isinstance(graph, ox.NamedNode) else triples
    # Blank nodes: a template (INSERT ... WHERE {}) makes one fresh node per label, as INSERT
    # DATA does, and Virtuoso refuses blank nodes in INSERT DATA.
    blank = b"_:" in body and any(_blank(t.subject) or _blank(t.object) for t in batch)
    insert = f"INSERT {{ {block} }} WHERE {{}}" if blank else f"INSERT DATA {{ {block} }}"
    drop = (
        f"DROP SILENT GRAPH {graph} ;\n"
        if isinstance(graph, ox.NamedNode)
        else ("DROP SILENT DEFAULT ;\n")
    )
    text = (drop if index == 0 else "") + insert
    connection.sparql(text, "UPDATE", timeout=timeout, update_url=url)
