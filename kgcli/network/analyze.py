"""Measure a network: centralities, components, cores and communities; explain shortest paths.

Every metric is networkx's own, run on the view it is defined for:

- `degree` (and `in_degree`, `out_degree` for a directed network) counts edges, parallel ones too;
- `betweenness` and `closeness` follow edge direction, unweighted (a weight is a strength here,
  not a distance); betweenness samples `k` source nodes with a fixed seed on large networks;
- `pagerank` follows direction and uses `weight`;
- `eigenvector` uses `weight` and direction, and falls back to the undirected view when the power
  iteration does not converge there (acyclic networks, such as containment hierarchies, rarely do);
- `component` numbers the (weakly) connected components, `core` is the k-core number, and
  `community` (Louvain, seeded) and `label_propagation` number communities; all on the undirected
  view, parallel edges merged with their weights summed. Numbers go by size, largest first (0).

`analyze` writes the values back as node attributes, so exports carry them.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgcli.engine.results import SelectResult
from kgcli.errors import InputError, KgError, UsageError

if TYPE_CHECKING:
    import networkx as nx

#: Metric names and what they measure (`kg network analyze --metrics`).
METRICS: dict[str, str] = {
    "degree": "number of edges (and in_degree, out_degree when directed)",
    "betweenness": "share of shortest paths through the node (sampled with --k)",
    "closeness": "inverse mean distance to the other nodes it reaches",
    "pagerank": "PageRank, weighted",
    "eigenvector": "eigenvector centrality, weighted",
    "component": "connected component (weakly, when directed), 0 = largest",
    "core": "k-core number",
    "community": "Louvain community (seeded), 0 = largest",
    "label_propagation": "label propagation community, 0 = largest",
}
ALIASES = {
    "louvain": "community",
    "communities": "community",
    "lpa": "label_propagation",
    "label-propagation": "label_propagation",
    "kcore": "core",
    "k-core": "core",
    "components": "component",
    "in_degree": "degree",
    "out_degree": "degree",
}
DEFAULT_METRICS = ("degree", "betweenness", "pagerank", "component", "community")
#: Above this many nodes, betweenness samples `AUTO_K` sources unless `k` is given.
AUTO_SAMPLE_ABOVE = 5000
AUTO_K = 100
#: Group numbers: sorted small first when tables are sorted by them.
GROUPS = frozenset({"component", "community", "label_propagation"})


@dataclass
class Analysis:
    """Metric columns in order, their values per node, and notes for the user (stderr)."""

    columns: list[str]
    values: dict[str, dict[Hashable, int | float]]
    notes: list[str] = field(default_factory=list)


def parse_metrics(names: str | Sequence[str] | None) -> list[str]:
    """Metric names from `degree,pagerank` (or a list); aliases allowed, unknown names refused."""
    if names is None:
        return list(DEFAULT_METRICS)
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen: list[str] = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        if item == "all":
            chosen.extend(METRICS)
            continue
        name = ALIASES.get(item, item)
        if name not in METRICS:
            close = difflib.get_close_matches(item, [*METRICS, *ALIASES], n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"unknown metric {item!r}{hint} (metrics: {', '.join(METRICS)}, or all)"
            )
        chosen.append(name)
    if not chosen:
        raise UsageError(f"no metric given (metrics: {', '.join(METRICS)}, or all)")
    return list(dict.fromkeys(chosen))


def analyze(
    graph: nx.Graph,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    k: int | None = None,
    seed: int = 42,
    write_back: bool = True,
) -> Analysis:
    """Compute `metrics` (names of `METRICS`) for every node; write them back as attributes."""
    if k is not None and k < 1:
        raise UsageError(f"--k must be at least 1, not {k}")
    analysis = Analysis([], {})
    for name in parse_metrics(metrics):
        found = _COMPUTE[name](graph, analysis.notes, k, seed)
        for column, values in found.items():
            analysis.columns.append(column)
            analysis.values[column] = values
    if write_back:
        for column in analysis.columns:
            for node, value in analysis.values[column].items():
                graph.nodes[node][column] = value
    return analysis


# --- the metrics ---------------------------------------------------------------------------------

Values = dict[str, dict[Hashable, int | float]]


def _degree(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    found: Values = {"degree": dict(graph.degree())}
    if graph.is_directed():
        found["in_degree"] = dict(graph.in_degree())
        found["out_degree"] = dict(graph.out_degree())
    return found


def _betweenness(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    size = graph.number_of_nodes()
    sample = k if k is not None else (AUTO_K if size > AUTO_SAMPLE_ABOVE else None)
    if sample is not None and sample >= size:
        sample = None
    if sample is not None:
        notes.append(
            f"betweenness is sampled: shortest paths from {sample} of {size} nodes "
            f"(--k {sample}, seed {seed}); values are estimates"
        )
        # Which nodes are sampled depends on their order: take them in a canonical one.
        graph = merged(graph, directed=graph.is_directed())
    return {"betweenness": nx.betweenness_centrality(graph, k=sample, seed=seed)}


def _closeness(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    return {"closeness": nx.closeness_centrality(graph)}


def _pagerank(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return {"pagerank": {}}
    try:
        return {"pagerank": nx.pagerank(graph, weight="weight")}
    except nx.PowerIterationFailedConvergence:
        raise KgError("PageRank did not converge (networkx gave up after 100 iterations)") from None


def _eigenvector(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return {"eigenvector": {}}
    simple = merged(graph, directed=graph.is_directed())
    try:
        return {"eigenvector": nx.eigenvector_centrality(simple, max_iter=1000, weight="weight")}
    except nx.PowerIterationFailedConvergence:
        if not graph.is_directed():
            raise KgError("eigenvector centrality did not converge in 1000 iterations") from None
    notes.append(
        "eigenvector centrality did not converge on the directed network; "
        "computed on its undirected view"
    )
    try:
        undirected = merged(graph, directed=False)
        return {
            "eigenvector": nx.eigenvector_centrality(undirected, max_iter=1000, weight="weight")
        }
    except nx.PowerIterationFailedConvergence:
        raise KgError("eigenvector centrality did not converge, even undirected") from None


def _component(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    if graph.is_directed():
        groups: Iterable[set[Hashable]] = nx.weakly_connected_components(graph)
    else:
        groups = nx.connected_components(graph)
    return {"component": numbered(groups)}


def _core(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    simple = merged(graph, directed=False)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    return {"core": nx.core_number(simple)}


def _community(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    simple = merged(graph, directed=False)
    groups = nx.community.louvain_communities(simple, weight="weight", seed=seed)
    return {"community": numbered(groups)}


def _label_propagation(graph: nx.Graph, notes: list[str], k: int | None, seed: int) -> Values:
    import networkx as nx

    simple = merged(graph, directed=False)
    groups = nx.community.label_propagation_communities(simple)
    return {"label_propagation": numbered(groups)}


_COMPUTE: dict[str, Callable[[Any, list[str], int | None, int], Values]] = {
    "degree": _degree,
    "betweenness": _betweenness,
    "closeness": _closeness,
    "pagerank": _pagerank,
    "eigenvector": _eigenvector,
    "component": _component,
    "core": _core,
    "community": _community,
    "label_propagation": _label_propagation,
}


def numbered(groups: Iterable[Iterable[Hashable]]) -> dict[Hashable, int | float]:
    """Node -> group number: the largest group is 0; equal sizes go by their smallest node."""
    ordered = sorted(
        (sorted(group, key=str) for group in groups), key=lambda g: (-len(g), str(g[0]))
    )
    return {node: number for number, group in enumerate(ordered) for node in group}


def merged(graph: nx.Graph, *, directed: bool) -> nx.Graph:
    """A simple graph (or digraph) of `graph`: parallel edges become one, weights summed.

    Nodes and edges go in in sorted order, so that algorithms that depend on the order of
    iteration (Louvain, label propagation, sampling) give the same answer on the same network
    however it was built.
    """
    import networkx as nx

    simple: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    nodes = sorted(graph, key=str)
    simple.add_nodes_from(nodes)
    multi = graph.is_multigraph()
    for u in nodes:
        for v in sorted(graph[u], key=str):
            found = graph[u][v]
            weights = (
                [d.get("weight", 1.0) for d in found.values()]
                if multi
                else [found.get("weight", 1.0)]
            )
            value = sum(float(w) if isinstance(w, int | float) else 1.0 for w in weights)
            if simple.has_edge(u, v):
                if directed or graph.is_directed():
                    simple[u][v]["weight"] += value
            else:
                simple.add_edge(u, v, weight=value)
    return simple


# --- tables -------------------------------------------------------------------------------------


def node_term(node: Hashable) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A node id as an RDF term for the renderers: an IRI, a blank node, or else text."""
    text = str(node)
    if text.startswith("_:"):
        try:
            return ox.BlankNode(text[2:])
        except ValueError:
            return ox.Literal(text)
    try:
        return ox.NamedNode(text) if ":" in text else ox.Literal(text)
    except ValueError:
        return ox.Literal(text)


def _number(value: int | float) -> ox.Literal:
    if isinstance(value, bool) or not isinstance(value, float):
        return ox.Literal(int(value))
    return ox.Literal(float(f"{value:.6g}"))


def metrics_table(
    graph: nx.Graph,
    analysis: Analysis,
    *,
    sort: str | None = None,
    top: int | None = None,
) -> SelectResult:
    """One row per node: id, label, kind, then the metric columns (floats to 6 digits).

    Rows are sorted by `sort` (default: the first metric), largest first, or smallest first for
    group numbers (component, community); ties by id. `top` keeps the first rows only.
    """
    columns = analysis.columns
    key_column = sort if sort is not None else (columns[0] if columns else None)
    if key_column is not None and key_column not in columns:
        raise UsageError(f"--sort {key_column!r} is not a computed metric ({', '.join(columns)})")
    nodes = sorted(graph.nodes, key=str)
    if key_column is not None:
        values = analysis.values[key_column]
        sign = 1 if key_column in GROUPS else -1
        nodes.sort(key=lambda n: sign * values.get(n, 0))
    if top is not None:
        if top < 0:
            raise UsageError(f"--top must be zero or more, not {top}")
        nodes = nodes[:top]
    rows = []
    for node in nodes:
        data = graph.nodes[node]
        row: list[ox.NamedNode | ox.BlankNode | ox.Literal | None] = [
            node_term(node),
            ox.Literal(str(data.get("label", node))),
            ox.Literal(str(data["kind"])) if "kind" in data else None,
        ]
        for column in columns:
            value = analysis.values[column].get(node)
            row.append(_number(value) if value is not None else None)
        rows.append(tuple(row))
    return SelectResult(["id", "label", "kind", *columns], rows)


# --- paths ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One triple of a path: subject, predicate, object, labels, and which way it was walked."""

    number: int
    subject: str
    kind: str
    predicate: str | None  # the predicate's IRI; None for an edge that is no triple (projection)
    object: str
    subject_label: str
    predicate_label: str
    object_label: str
    direction: str  # "forward" (subject -> object), "backward", or "undirected"


def shortest_path(graph: nx.Graph, source: str, target: str) -> list[Step]:
    """The shortest path between two nodes, whatever the edges' direction, as triples.

    Between two consecutive nodes, an edge walked forward is preferred, then the smallest kind.
    No path is a KgError that says the two are in different components.
    """
    if source == target:
        raise InputError("the two ends of the path are the same node")
    nodes = _canonical_path(graph, source, target)
    if nodes is None:
        raise KgError(
            f"no path between {_label(graph, source)!r} and {_label(graph, target)!r}: "
            "they are in different components of the network"
        )
    return [_step(graph, n, a, b) for n, (a, b) in enumerate(itertools.pairwise(nodes), 1)]


def _canonical_path(graph: nx.Graph, source: str, target: str) -> list[str] | None:
    """A shortest path by breadth-first search in sorted order, ignoring direction.

    Of several shortest paths, always the same one: each node is reached from the first node, in
    id order, of the layer before; so the answer does not depend on how the graph was built.
    """
    directed = graph.is_directed()
    parent: dict[str, str] = {source: source}
    frontier = [source]
    while frontier and target not in parent:
        following: list[str] = []
        for node in frontier:
            if directed:
                around = set(graph.successors(node)) | set(graph.predecessors(node))
            else:
                around = set(graph[node])
            for other in sorted(around, key=str):
                if other not in parent:
                    parent[other] = node
                    following.append(other)
        frontier = sorted(following, key=str)
    if target not in parent:
        return None
    path = [target]
    while path[-1] != source:
        path.append(parent[path[-1]])
    return path[::-1]


def _label(graph: nx.Graph, node: str) -> str:
    return str(graph.nodes[node].get("label", node))


def _edge_choices(graph: nx.Graph, u: str, v: str) -> list[Mapping[str, Any]]:
    if not graph.has_edge(u, v):
        return []
    found = graph[u][v]
    return list(found.values()) if graph.is_multigraph() else [found]


def _step(graph: nx.Graph, number: int, a: str, b: str) -> Step:
    if graph.is_directed():
        forward = [(d, "forward") for d in _edge_choices(graph, a, b)]
        backward = [(d, "backward") for d in _edge_choices(graph, b, a)]
        choices = sorted(forward, key=lambda c: str(c[0].get("kind"))) + sorted(
            backward, key=lambda c: str(c[0].get("kind"))
        )
    else:
        choices = sorted(
            ((d, "undirected") for d in _edge_choices(graph, a, b)),
            key=lambda c: str(c[0].get("kind")),
        )
    data, direction = choices[0]
    subject, obj = (b, a) if direction == "backward" else (a, b)
    kind = str(data.get("kind", ""))
    return Step(
        number=number,
        subject=subject,
        kind=kind,
        predicate=str(data["predicate"]) if data.get("predicate") else None,
        object=obj,
        subject_label=_label(graph, subject),
        predicate_label=str(data.get("label", kind)),
        object_label=_label(graph, obj),
        direction=direction,
    )


PATH_COLUMNS = [
    "step",
    "subjectLabel",
    "predicateLabel",
    "objectLabel",
    "direction",
    "subject",
    "predicate",
    "object",
]


def path_table(steps: Sequence[Step]) -> SelectResult:
    """The path as rows: step, the three labels, the direction walked, then the triple."""
    rows = [
        (
            ox.Literal(step.number),
            ox.Literal(step.subject_label),
            ox.Literal(step.predicate_label),
            ox.Literal(step.object_label),
            ox.Literal(step.direction),
            node_term(step.subject),
            ox.NamedNode(step.predicate) if step.predicate else ox.Literal(step.kind),
            node_term(step.object),
        )
        for step in steps
    ]
    return SelectResult(list(PATH_COLUMNS), rows)
