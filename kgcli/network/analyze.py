"""Measure a network: centralities, components, cores and communities; explain shortest paths.

Every metric is networkx's own definition, run on the view it is defined for; with the optional
extra `kgcli[fast]` (python-igraph) the heavy ones are computed by igraph, from one conversion of
the network per call, to the same values (benchmarks/RESULTS.md has the figures):

- `degree` (and `in_degree`, `out_degree` for a directed network) counts edges, parallel ones too;
- `betweenness` and `closeness` follow edge direction, unweighted (a weight is a strength here,
  not a distance); betweenness is exact when the network is small enough for it, else estimated
  from seeded sample sources with its error bound said (`betweenness_plan`);
- `pagerank` follows direction and uses `weight` (networkx is run to a tight tolerance: its
  default stops up to 1e-2 away from the answer on big networks);
- `eigenvector` uses `weight` and direction, and falls back to the undirected view when the power
  iteration does not converge there (acyclic networks, such as containment hierarchies, rarely do);
- `component` numbers the (weakly) connected components, `core` is the k-core number, and
  `community` (Leiden with igraph, else Louvain; seeded), `leiden`, `louvain` and
  `label_propagation` number communities; all on the undirected view, parallel edges merged with
  their weights summed. Numbers go by size, largest first (0). Without edge weight (no edges, or
  every weight 0) modularity is undefined: Leiden and Louvain give each node its own community
  and say so (`NO_MODULARITY`) instead of a modularity of nan.

Tables carry every float as computed (`metrics_table`: CSV and JSON are read by programs; the
table format shows 6 significant digits), the same on every run: sampling and communities are
seeded and run on a canonical order. The backends agree to about 1e-11 (PageRank is igraph's
direct solve or networkx's iteration to 1e-12; closeness can differ in its last bit), so the
last digits of a float depend on the backend, as they may on the platform's floating point.

A weighted metric refuses an edge whose weight is no finite number of zero or more
(`check_weights`), naming the edge. `analyze` writes the values back as node attributes, so
exports carry them. A `progress` callback hears of each metric as it starts and ends, from the
child process too when `timeout` runs the work in one.
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
import pickle
import random
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgcli.engine import child
from kgcli.engine.results import SelectResult
from kgcli.errors import InputError, KgError, QueryTimeout, UsageError

if TYPE_CHECKING:
    import networkx as nx

#: Metric names and what they measure (`kg network analyze --metrics`).
METRICS: dict[str, str] = {
    "degree": "number of edges (and in_degree, out_degree when directed)",
    "betweenness": "share of shortest paths through the node (exact, or estimated: --k)",
    "closeness": "inverse mean distance to the other nodes it reaches",
    "pagerank": "PageRank, weighted",
    "eigenvector": "eigenvector centrality, weighted",
    "component": "connected component (weakly, when directed), 0 = largest",
    "core": "k-core number",
    "community": "community by Leiden (with kgcli[fast]; else Louvain), seeded, 0 = largest",
    "leiden": "Leiden community (needs kgcli[fast]), seeded, 0 = largest",
    "louvain": "Louvain community (networkx), seeded, 0 = largest",
    "label_propagation": "label propagation community, 0 = largest",
}
ALIASES = {
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
#: Metrics that read the edges' `weight` (as a strength: a finite number, zero or more).
WEIGHTED = frozenset({"pagerank", "eigenvector", "community", "leiden", "louvain"})
#: Group numbers: sorted small first when tables are sorted by them.
GROUPS = frozenset({"component", "community", "leiden", "louvain", "label_propagation"})
#: What installs the fast path (said when it is missing and would help).
FAST_INSTALL = "pip install 'kgcli[fast]'"
#: Networks with more edges than this are where the fast path pays (about a second saved).
FAST_HELPS_ABOVE = 20_000
BACKENDS = ("igraph", "networkx")

# Betweenness: exact while its cost, in node visits, stays under a budget; else sampled sources.
# Budgets from benchmarks/analysis-candidates.md: igraph visits ~1e7 nodes a second, and each
# source it searches costs its reach; networkx's search also sets up a dictionary over all n
# nodes per source, at ~1e6 a second. Deterministic (no clock), so a result does not depend on
# the machine's load.
BETWEENNESS_EPSILON = 0.1
BETWEENNESS_DELTA = 0.05
_EXACT_BUDGET = {"igraph": 3e7, "networkx": 2e7}
_SAMPLE_BUDGET = {"igraph": 2e8, "networkx": 2e7}
_REACH_SAMPLE = 100
_MIN_SAMPLE = 10


#: Told of each metric as it starts (with None) and as it ends (with the seconds it took).
Progress = Callable[[str, float | None], None]


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
            chosen.extend(m for m in METRICS if m not in ("leiden", "louvain"))
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


def fast_available() -> bool:
    """Whether the fast path (python-igraph, `kgcli[fast]`) can be imported."""
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


def analyze(
    graph: nx.Graph,
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    k: int | None = None,
    seed: int = 42,
    resolution: float = 1.0,
    backend: str | None = None,
    timeout: float | None = None,
    write_back: bool = True,
    progress: Progress | None = None,
) -> Analysis:
    """Compute `metrics` (names of `METRICS`) for every node; write them back as attributes.

    `backend` is "igraph" (the `kgcli[fast]` extra), "networkx", or None for igraph when it is
    installed. `resolution` is Leiden's and Louvain's (above 1: smaller communities). With
    `timeout`, the work runs in a child process killed at the deadline (`QueryTimeout`): igraph,
    like the query engine, cannot be interrupted safely from inside. `progress` is called as
    each metric starts and ends, in this process, from the child too.
    """
    if k is not None and k < 2:
        # One sampled source cannot estimate its own betweenness: the estimator divides by k - 1.
        raise UsageError(f"--k must be at least 2 (one sample source estimates nothing), not {k}")
    if not resolution > 0 or math.isinf(resolution):
        raise UsageError(f"--resolution must be a positive number, not {resolution}")
    names = parse_metrics(metrics)
    if backend is None:
        backend = "igraph" if fast_available() else "networkx"
    elif backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r} (backends: {', '.join(BACKENDS)})")
    elif backend == "igraph" and not fast_available():
        raise UsageError(f"the igraph backend is not installed: {FAST_INSTALL}")
    weighted = [name for name in names if name in WEIGHTED]
    if weighted:
        check_weights(graph, weighted)
    run = _Run(graph, backend, k=k, seed=seed, resolution=resolution)
    if timeout is not None and hasattr(os, "fork"):
        analysis = _in_child(run, names, timeout, progress)
    else:
        analysis = run.measure(names, progress)
    if write_back:
        for column in analysis.columns:
            for node, value in analysis.values[column].items():
                graph.nodes[node][column] = value
        # Exporters write group numbers as categories (`c1`, `c2`...), not as counts.
        groups = [c for c in analysis.columns if c in GROUPS]
        if groups:
            known = list(graph.graph.get("categories") or ())
            graph.graph["categories"] = known + [c for c in groups if c not in known]
    return analysis


def check_weights(graph: nx.Graph, metrics: Sequence[str]) -> None:
    """InputError naming the first edge whose `weight` is no finite number of zero or more.

    A weight reaches here from a user's query, profile or own networkx graph; a string or a
    negative number would otherwise stop networkx or igraph with a traceback, or give
    nonsense (a negative eigenvector centrality).
    """
    arrow = "->" if graph.is_directed() else "--"
    for u, v, weight in graph.edges(data="weight", default=1.0):
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            problem = "is not a number"
        elif not math.isfinite(weight):
            problem = "is not a finite number"
        elif weight < 0:
            problem = "is negative"
        else:
            continue
        listed = " and ".join([", ".join(metrics[:-1]), metrics[-1]] if metrics[1:] else metrics)
        need = "need" if metrics[1:] else "needs"
        raise InputError(
            f"edge {u} {arrow} {v}: weight {weight!r} {problem}: "
            f"{listed} {need} weights that are numbers, zero or more"
        )


def _in_child(run: _Run, names: list[str], timeout: float, progress: Progress | None) -> Analysis:
    """`run.measure(names)` in a forked child (`kgcli.engine.child`), killed at the deadline.

    The child pickles its answer (or its `KgError`) into a file the parent reads back; its
    progress comes back as lines on a pipe (`name TAB seconds`, none when it starts), read by
    the parent as they come.
    """
    with tempfile.TemporaryDirectory(prefix="kg-analyze-") as tmp:
        out_path = os.path.join(tmp, "analysis")
        reading, writing = os.pipe() if progress is not None else (None, None)

        def work() -> int:
            child.quiet()
            tell: Progress | None = None
            if reading is not None and writing is not None:
                os.close(reading)

                def tell(name: str, seconds: float | None) -> None:
                    # One write of a short line: atomic on a pipe, never interleaved.
                    took = "" if seconds is None else repr(seconds)
                    os.write(writing, f"{name}\t{took}\n".encode())

            try:
                answer: object = run.measure(names, tell)
            except KgError as err:
                answer = err
            except Exception as err:  # a failure comes back as one line, not a traceback
                answer = KgError(f"analysis failed: {type(err).__name__}: {err}")
            with open(out_path, "wb") as handle:
                pickle.dump(answer, handle, protocol=pickle.HIGHEST_PROTOCOL)
            return 0

        try:
            try:
                pid = child.fork(work)
            finally:
                if writing is not None:
                    os.close(writing)  # the child's alone: its end closes the pipe
            relay = _ProgressLines(progress) if progress is not None else None
            status = child.wait(
                pid, timeout, reading=reading, on_read=relay.feed if relay else None
            )
        finally:
            if reading is not None:
                os.close(reading)
        if status is None:
            raise QueryTimeout(f"analysis stopped after the {timeout:g} s timeout (--timeout)")
        if status != 0 or not os.path.exists(out_path):
            raise KgError(f"analysis failed: its process {child.ended(status)}")
        with open(out_path, "rb") as handle:
            answer = pickle.load(handle)  # written by our own child just now
    if isinstance(answer, KgError):
        raise answer
    assert isinstance(answer, Analysis)
    return answer


class _ProgressLines:
    """The child's progress lines, from the chunks a pipe gives, to a `Progress` callback."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.pending = b""

    def feed(self, chunk: bytes) -> None:
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        for line in lines:
            name, _, seconds = line.decode().partition("\t")
            self.progress(name, float(seconds) if seconds else None)


# --- the metrics ---------------------------------------------------------------------------------

Values = dict[str, dict[Hashable, int | float]]


class _Run:
    """One analysis: the network, the options, and its views, each made at most once.

    networkx's merged views and the igraph conversion cost more than most metrics on big
    networks (8.5 s and 3.3 s at 1.2 million edges), so every metric of a call shares them.
    """

    def __init__(
        self, graph: nx.Graph, backend: str, *, k: int | None, seed: int, resolution: float
    ) -> None:
        self.graph = graph
        self.backend = backend
        self.k = k
        self.seed = seed
        self.resolution = resolution
        self.notes: list[str] = []
        self._views: dict[str, Any] = {}

    def measure(self, names: Sequence[str], progress: Progress | None = None) -> Analysis:
        analysis = Analysis([], {}, self.notes)
        for name in names:
            if progress is not None:
                progress(name, None)
            started = time.perf_counter()
            computed = _COMPUTE[name](self)
            if progress is not None:
                progress(name, time.perf_counter() - started)
            for column, values in computed.items():
                if column not in analysis.values:  # `leiden` without igraph is `louvain`
                    analysis.columns.append(column)
                    analysis.values[column] = values
        analysis.notes[:] = dict.fromkeys(analysis.notes)  # each said once
        slow = {"betweenness", "closeness", "pagerank", "core", "community", "louvain"}
        if (
            self.backend == "networkx"
            and slow.intersection(names)
            and self.graph.number_of_edges() > FAST_HELPS_ABOVE
            and not any(FAST_INSTALL in note for note in self.notes)
        ):
            self.notes.append(f"igraph would compute these metrics faster: {FAST_INSTALL}")
        return analysis

    @property
    def fast(self) -> bool:
        return self.backend == "igraph"

    def has_view(self, name: str) -> bool:
        return name in self._views

    def view(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._views:
            self._views[name] = make()
        return self._views[name]

    def merged(self, *, directed: bool) -> nx.Graph:
        """kgcli's merged networkx view (shared: copy it before changing it)."""
        return self.view(f"merged-{directed}", lambda: merged(self.graph, directed=directed))

    @property
    def nodes(self) -> list[Hashable]:
        """The nodes in canonical (sorted) order: igraph's vertex i is `nodes[i]`."""
        return self.view("nodes", lambda: sorted(self.graph, key=str))

    def igraph(self) -> Any:
        """The merged simple graph in igraph, directed as the network is, weights summed."""
        return self.view("igraph", self._to_igraph)

    def igraph_undirected(self) -> Any:
        """The merged undirected view in igraph (reciprocal edges summed), loops kept."""

        def make() -> Any:
            found = self.igraph()
            if not found.is_directed():
                return found
            return found.as_undirected(mode="collapse", combine_edges={"weight": "sum"})

        return self.view("igraph-undirected", make)

    def _to_igraph(self) -> Any:
        import igraph as ig

        nodes = self.nodes
        index = {node: i for i, node in enumerate(nodes)}
        pairs: list[tuple[int, int]] = []
        weights: list[float] = []
        for u, v, w in self.graph.edges(data="weight", default=1.0):
            pairs.append((index[u], index[v]))
            weights.append(float(w) if isinstance(w, int | float) else 1.0)
        found = ig.Graph(
            n=len(nodes),
            edges=pairs,
            directed=self.graph.is_directed(),
            edge_attrs={"weight": weights},
        )
        # One edge per pair (per direction), weights summed, in an order that depends on the
        # nodes only: the same network gives the same answers however it was built.
        found.simplify(multiple=True, loops=False, combine_edges={"weight": "sum"})
        return found

    def by_node(self, values: Iterable[Any]) -> dict[Hashable, int | float]:
        return dict(zip(self.nodes, values, strict=True))

    def groups(self, membership: Sequence[int]) -> dict[Hashable, int | float]:
        found: dict[int, list[Hashable]] = {}
        for node, group in zip(self.nodes, membership, strict=True):
            found.setdefault(group, []).append(node)
        return numbered(found.values())


def _seeded_igraph(seed: int) -> Any:
    """igraph with its random numbers drawn from `random.Random(seed)` (its public hook); the
    caller puts Python's `random` module back when done."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    return ig


def _degree(run: _Run) -> Values:
    graph = run.graph
    found: Values = {"degree": dict(graph.degree())}
    if graph.is_directed():
        found["in_degree"] = dict(graph.in_degree())
        found["out_degree"] = dict(graph.out_degree())
    return found


def hoeffding_epsilon(n: int, k: int, delta: float = BETWEENNESS_DELTA) -> float:
    """The error bound of betweenness from `k` of `n` sample sources: with probability at least
    1 - delta every node's estimate is within this of its exact (normalised) value.

    Each source adds a term in [0, n/(n-1)] to a node's estimate; Hoeffding's inequality (which
    holds for sampling without replacement too) and a union bound over the n nodes give it.
    """
    return n / (n - 1) * math.sqrt(math.log(2 * n / delta) / (2 * k))


def hoeffding_k(
    n: int, epsilon: float = BETWEENNESS_EPSILON, delta: float = BETWEENNESS_DELTA
) -> int:
    """The sample sources that `hoeffding_epsilon` needs for `epsilon` (the bound inverted)."""
    return math.ceil((n / (n - 1)) ** 2 * math.log(2 * n / delta) / (2 * epsilon**2))


def betweenness_plan(
    graph: nx.Graph, *, k: int | None = None, seed: int = 42, backend: str | None = None
) -> int | None:
    """How many sample sources `analyze` takes for betweenness on `graph`: None for exact."""
    if backend is None:
        backend = "igraph" if fast_available() else "networkx"
    return _plan(_Run(graph, backend, k=k, seed=seed, resolution=1.0))


def _plan(run: _Run) -> int | None:
    """How many sample sources betweenness uses: None for exact.

    `--k` decides when given. Otherwise exact when the search from every node costs at most the
    backend's budget of node visits, estimated from the mean reach of a few seeded sources;
    else the sources that make the error at most `BETWEENNESS_EPSILON` (with probability
    1 - `BETWEENNESS_DELTA`), fewer if the sampling budget cannot afford them.
    """
    n = run.graph.number_of_nodes()
    if run.k is not None:
        return None if run.k >= n else run.k
    if n <= _MIN_SAMPLE:
        return None
    probes = random.Random(run.seed).sample(run.nodes, min(_REACH_SAMPLE, n))
    if run.fast:
        index = {node: i for i, node in enumerate(run.nodes)}
        reached = run.igraph().neighborhood_size([index[p] for p in probes], order=n, mode="out")
        per_source = sum(reached) / len(probes)
    else:
        import networkx as nx

        graph = run.graph
        if graph.is_directed():
            reach = [len(nx.descendants(graph, p)) + 1 for p in probes]
        else:  # a source reaches its component: one pass tells every probe's
            size: dict[Hashable, int] = {}
            for part in nx.connected_components(graph):
                size.update(dict.fromkeys(part, len(part)))
            reach = [size[p] for p in probes]
        per_source = n + sum(reach) / len(probes)  # networkx sets up n entries per source
    if n * per_source <= _EXACT_BUDGET[run.backend]:
        return None
    affordable = int(_SAMPLE_BUDGET[run.backend] // per_source)
    k = max(min(hoeffding_k(n), affordable), _MIN_SAMPLE)
    return None if k >= n else k


def _betweenness(run: _Run) -> Values:
    graph = run.graph
    n = graph.number_of_nodes()
    sample = _plan(run)
    if sample is not None:
        run.notes.append(
            f"betweenness estimated from {sample} of {n} sources (--k {sample}, seed {run.seed}): "
            f"every value within ±{hoeffding_epsilon(n, sample):.2g} of the exact one "
            f"with probability {1 - BETWEENNESS_DELTA:.0%} (Hoeffding)"
        )
    if run.fast:
        return {"betweenness": _igraph_betweenness(run, sample)}
    import networkx as nx

    if sample is not None:
        # Which nodes are sampled depends on their order: take them in a canonical one.
        graph = run.merged(directed=graph.is_directed())
    return {"betweenness": nx.betweenness_centrality(graph, k=sample, seed=run.seed)}


def _igraph_betweenness(run: _Run, sample: int | None) -> dict[Hashable, int | float]:
    """networkx's normalised betweenness (endpoints excluded), exact or from its own sample."""
    n = len(run.nodes)
    if n <= 2:
        return run.by_node(0.0 for _ in range(n))
    found = run.igraph()
    if sample is None:
        raw = found.betweenness(directed=True)
        # igraph counts an undirected pair once, networkx (ordered pairs) twice.
        scale = (1.0 if found.is_directed() else 2.0) / ((n - 1) * (n - 2))
        return run.by_node(b * scale for b in raw)
    # networkx's draw, on the same canonical order, and its count of ordered pairs: searched
    # from the sources over a directed view (an undirected edge both ways).
    picked = random.Random(run.seed).sample(range(n), sample)
    directed = found if found.is_directed() else found.as_directed(mode="mutual")
    raw = directed.betweenness(directed=True, sources=picked)
    chosen = set(picked)
    source_scale = 1 / ((sample - 1) * (n - 2))  # sample >= 2: analyze refuses --k 1
    other_scale = 1 / (sample * (n - 2))
    return run.by_node(
        b * (source_scale if i in chosen else other_scale) for i, b in enumerate(raw)
    )


def _closeness(run: _Run) -> Values:
    if not run.fast:
        import networkx as nx

        return {"closeness": nx.closeness_centrality(run.graph)}
    found = run.igraph()
    n = len(run.nodes)
    if n <= 1:
        return {"closeness": run.by_node(0.0 for _ in range(n))}
    # networkx measures distances to the node, scaled by the share of nodes that reach it
    # (Wasserman and Faust): igraph's closeness over reaching nodes times (r-1)/(n-1).
    plain = found.closeness(mode="in", normalized=True)
    reached = found.neighborhood_size(order=n, mode="in")
    return {
        "closeness": run.by_node(
            0.0 if r <= 1 or c != c else c * (r - 1) / (n - 1)
            for c, r in zip(plain, reached, strict=True)
        )
    }


def _pagerank(run: _Run) -> Values:
    import networkx as nx

    graph = run.graph
    if graph.number_of_nodes() == 0:
        return {"pagerank": {}}
    if run.fast:
        found = run.igraph()
        weights = found.es["weight"]
        if not found.is_directed():
            # igraph walks an undirected loop both ways, networkx once: halve it to agree.
            weights = [w / 2 if e.is_loop() else w for e, w in zip(found.es, weights, strict=True)]
        # PRPACK solves the system directly: within 1e-9 of the converged answer.
        return {"pagerank": run.by_node(found.pagerank(weights=weights, directed=True))}
    try:
        # networkx stops when the L1 change is below n * tol: its default (1e-6) leaves values
        # up to 1e-2 away on big networks; this one within 1e-9 of the converged answer.
        return {"pagerank": nx.pagerank(graph, weight="weight", tol=1e-12, max_iter=1000)}
    except nx.PowerIterationFailedConvergence:
        raise KgError(
            "PageRank did not converge (networkx gave up after 1000 iterations)"
        ) from None


def _eigenvector(run: _Run) -> Values:
    import networkx as nx

    graph = run.graph
    if graph.number_of_nodes() == 0:
        return {"eigenvector": {}}
    simple = run.merged(directed=graph.is_directed())
    try:
        return {"eigenvector": nx.eigenvector_centrality(simple, max_iter=1000, weight="weight")}
    except nx.PowerIterationFailedConvergence:
        if not graph.is_directed():
            raise KgError("eigenvector centrality did not converge in 1000 iterations") from None
    run.notes.append(
        "eigenvector centrality did not converge on the directed network; "
        "computed on its undirected view"
    )
    try:
        undirected = run.merged(directed=False)
        return {
            "eigenvector": nx.eigenvector_centrality(undirected, max_iter=1000, weight="weight")
        }
    except nx.PowerIterationFailedConvergence:
        raise KgError("eigenvector centrality did not converge, even undirected") from None


def _component(run: _Run) -> Values:
    import networkx as nx

    graph = run.graph
    if run.has_view("igraph"):  # converted for another metric already: igraph's costs nothing
        return {"component": run.groups(run.igraph().connected_components(mode="weak").membership)}
    # Otherwise networkx's search is faster than any conversion (benchmarks/RESULTS.md).
    if graph.is_directed():
        groups: Iterable[set[Hashable]] = nx.weakly_connected_components(graph)
    else:
        groups = nx.connected_components(graph)
    return {"component": numbered(groups)}


def _core(run: _Run) -> Values:
    import networkx as nx

    if run.fast:
        simple = run.igraph_undirected().copy()
        simple.simplify(multiple=False, loops=True)
        return {"core": run.by_node(simple.coreness(mode="all"))}
    simple = run.merged(directed=False).copy()
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    return {"core": nx.core_number(simple)}


def _community(run: _Run) -> Values:
    """The default method: Leiden with igraph, else Louvain (said, with the install line)."""
    if run.fast:
        return {"community": _leiden_groups(run)}
    run.notes.append(f"Leiden needs igraph ({FAST_INSTALL}): communities by Louvain instead")
    return {"community": _louvain_groups(run)}


def _leiden(run: _Run) -> Values:
    if not run.fast:
        run.notes.append(f"Leiden needs igraph ({FAST_INSTALL}): the louvain column instead")
        return {"louvain": _louvain_groups(run)}
    return {"leiden": _leiden_groups(run)}


def _louvain(run: _Run) -> Values:
    return {"louvain": _louvain_groups(run)}


def _leiden_groups(run: _Run) -> dict[Hashable, int | float]:
    """Leiden (Traag, Waltman and van Eck 2019) optimising modularity, until stable; seeded."""
    return run.view("leiden", lambda: _find_leiden(run))


#: Said instead of a modularity (nan: 0/0) when no edge has weight; communities are then nodes.
NO_MODULARITY = (
    "one per node: modularity is undefined without edge weight (no edges, or every weight 0)"
)


def _find_leiden(run: _Run) -> dict[Hashable, int | float]:
    undirected = run.igraph_undirected()
    if not sum(undirected.es["weight"] if undirected.ecount() else ()):
        run.notes.append(
            f"community: Leiden (igraph, seed {run.seed}, resolution {run.resolution:g}): "
            f"{undirected.vcount()} communities, {NO_MODULARITY}"
        )
        return run.groups(range(undirected.vcount()))
    ig = _seeded_igraph(run.seed)
    try:
        found = undirected.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=run.resolution,
            n_iterations=-1,
        )
    finally:
        ig.set_random_number_generator(random)
    membership = found.membership
    quality = undirected.modularity(membership, weights="weight", resolution=run.resolution)
    groups = max(membership, default=-1) + 1
    split = _disconnected(undirected, membership)
    run.notes.append(
        f"community: Leiden (igraph, seed {run.seed}, resolution {run.resolution:g}): "
        f"{groups} communities, modularity {quality:.4f}, "
        + ("every one connected" if not split else f"{split} of them not connected")
    )
    return run.groups(membership)


def _disconnected(undirected: Any, membership: Sequence[int]) -> int:
    """How many communities are not connected by their own edges (Leiden promises none)."""
    edges = undirected.get_edgelist()
    inside = [i for i, (u, v) in enumerate(edges) if membership[u] == membership[v]]
    pieces = undirected.subgraph_edges(inside, delete_vertices=False).connected_components()
    per_group: dict[int, int] = {}
    for piece in pieces:
        group = membership[piece[0]]
        per_group[group] = per_group.get(group, 0) + 1
    return sum(1 for count in per_group.values() if count > 1)


def _louvain_groups(run: _Run) -> dict[Hashable, int | float]:
    return run.view("louvain", lambda: _find_louvain(run))


def _find_louvain(run: _Run) -> dict[Hashable, int | float]:
    import networkx as nx

    simple = run.merged(directed=False)
    if not simple.size(weight="weight"):  # networkx would divide by it
        run.notes.append(
            f"community: Louvain (networkx, seed {run.seed}, resolution {run.resolution:g}): "
            f"{len(simple)} communities, {NO_MODULARITY}"
        )
        return numbered([node] for node in simple)
    groups = nx.community.louvain_communities(
        simple, weight="weight", resolution=run.resolution, seed=run.seed
    )
    quality = nx.community.modularity(simple, groups, weight="weight", resolution=run.resolution)
    run.notes.append(
        f"community: Louvain (networkx, seed {run.seed}, resolution {run.resolution:g}): "
        f"{len(groups)} communities, modularity {quality:.4f}"
    )
    return numbered(groups)


def _label_propagation(run: _Run) -> Values:
    import networkx as nx

    simple = run.merged(directed=False)
    groups = nx.community.label_propagation_communities(simple)
    return {"label_propagation": numbered(groups)}


_COMPUTE: dict[str, Callable[[_Run], Values]] = {
    "degree": _degree,
    "betweenness": _betweenness,
    "closeness": _closeness,
    "pagerank": _pagerank,
    "eigenvector": _eigenvector,
    "component": _component,
    "core": _core,
    "community": _community,
    "leiden": _leiden,
    "louvain": _louvain,
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
    """An xsd:integer, or an xsd:double with every digit of the float: CSV and JSON are read by
    programs (#17); the table shows a few significant digits itself (`kgcli.output.terms`)."""
    if isinstance(value, bool) or not isinstance(value, float):
        return ox.Literal(int(value))
    return ox.Literal(value)


def metrics_table(
    graph: nx.Graph,
    analysis: Analysis,
    *,
    sort: str | None = None,
    top: int | None = None,
) -> SelectResult:
    """One row per node: id, label, kind, then the metric columns (floats in full).

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
