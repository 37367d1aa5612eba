"""Issue #18's evaluation: networkx against the fast graph libraries, per metric, in one run.

    python benchmarks/bench_analysis.py --sizes 1e5,1e6 --runs 3           # candidates table
    python benchmarks/bench_analysis.py --sizes 1e7 --runs 1 --cap 600     # the big one, last
    python benchmarks/bench_analysis.py --sizes 1e5 --exact                # + exact betweenness

The networks are `generate.py`'s synthetic city (seed 7) built with the profile
`tests/fixtures/network/synthetic.toml` by `kgcli.network.build.build_network`, as `kg network`
builds them (a networkx MultiDiGraph), once per size and cached as a pickle under `--data-dir`.

Each figure is one metric by one candidate, in a forked child of the process holding the graph:
the time runs from the networkx graph (kgcli's own view of it included: the sorted, merged simple
graph for communities, cores and sampled betweenness) to a dict keyed by node, so conversion to
the library and back is part of it; the library's import is timed apart. Peak RSS is the child's
VmHWM after the step, reset just before it (`/proc/self/clear_refs`), so it counts the graph the
process holds as well as the step; "step" is the growth over the start. Rounds are interleaved
(every candidate once per round, candidates in turn), so drift on the shared machine hits them
alike; figures are medians (min-max). A child that passes `--cap` seconds is stopped.

Results are checked against networkx's, after the timings: PageRank's largest absolute
difference; the modularity of every partition computed one way (weighted, undirected, merged
view) and whether each community is connected; core numbers and components identical; sampled
betweenness against exact betweenness (`--exact`; the exact reference is networkx's, checked
against igraph's).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import pickle
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

PROFILE = ROOT / "tests" / "fixtures" / "network" / "synthetic.toml"
SEED = 42  # kgcli.network.analyze's default seed
K = 100  # kgcli.network.analyze.AUTO_K: the sample betweenness takes today

Partition = list[set[Hashable]]


# --- the networks --------------------------------------------------------------------------------


def build(size: int, data_dir: Path) -> Path:
    """The city's network at `size` triples, pickled (built in a child: the store is freed)."""
    target = data_dir / f"network-{size}.pickle"
    if target.exists():
        return target
    data_dir.mkdir(parents=True, exist_ok=True)
    code = f"""
import pickle, sys, time
sys.path.insert(0, {str(HERE)!r}); sys.path.insert(0, {str(ROOT)!r})
import generate, pyoxigraph as ox
from kgcli.network.build import build_network
from kgcli.network.profile import load_profile
from kgcli.engine.source import LocalSource
nt = {str(data_dir / f"city-{size}.nt")!r}
start = time.perf_counter()
with open(nt, "w", encoding="utf-8") as out:
    count = generate.write(out, {size}, 7)
store = ox.Store()
store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
loaded = time.perf_counter()
graph = build_network(LocalSource(store), load_profile({str(PROFILE)!r}))
built = time.perf_counter()
with open({str(target)!r} + ".part", "wb") as f:
    pickle.dump(graph, f, protocol=5)
print(f"{{count:,}} triples -> {{graph.number_of_nodes():,}} nodes, "
      f"{{graph.number_of_edges():,}} edges; generate+load {{loaded - start:.0f}} s, "
      f"build {{built - loaded:.0f}} s", file=sys.stderr)
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    os.replace(str(target) + ".part", target)
    (data_dir / f"city-{size}.nt").unlink(missing_ok=True)
    return target


# --- conversions (timed: part of every candidate's figure) --------------------------------------


def sorted_nodes(graph: Any) -> list[Hashable]:
    return sorted(graph, key=str)


def edge_arrays(graph: Any, nodes: list[Hashable]) -> tuple[list[int], list[int], list[float]]:
    """Every edge (parallel ones too) as node indexes and weights, as kgcli's merge reads them."""
    index = {node: i for i, node in enumerate(nodes)}
    sources: list[int] = []
    targets: list[int] = []
    weights: list[float] = []
    for u, v, w in graph.edges(data="weight", default=1.0):
        sources.append(index[u])
        targets.append(index[v])
        weights.append(float(w) if isinstance(w, int | float) else 1.0)
    return sources, targets, weights


def to_igraph(graph: Any, *, directed: bool, loops: bool = True) -> tuple[Any, list[Hashable]]:
    """An igraph Graph of kgcli's merged view: parallel (undirected: reciprocal) edges summed."""
    import igraph as ig

    nodes = sorted_nodes(graph)
    index = {node: i for i, node in enumerate(nodes)}
    pairs: list[tuple[int, int]] = []
    weights: list[float] = []
    for u, v, w in graph.edges(data="weight", default=1.0):
        pairs.append((index[u], index[v]))
        weights.append(float(w) if isinstance(w, int | float) else 1.0)
    g = ig.Graph(
        n=len(nodes), edges=pairs, directed=graph.is_directed(), edge_attrs={"weight": weights}
    )
    if graph.is_directed() and not directed:
        g.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
    g.simplify(multiple=True, loops=not loops, combine_edges={"weight": "sum"})
    return g, nodes


def to_networkit(graph: Any, *, directed: bool, weighted: bool, loops: bool = True):
    """A networkit Graph of kgcli's merged view (weights summed as kgcli's merge sums them)."""
    import networkit as nk
    import numpy as np

    nodes = sorted_nodes(graph)
    sources, targets, weights = edge_arrays(graph, nodes)
    src = np.asarray(sources, dtype=np.uint64)
    dst = np.asarray(targets, dtype=np.uint64)
    w = np.asarray(weights, dtype=np.float64)
    if not directed:  # one undirected edge per unordered pair
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    if not loops:
        keep = src != dst
        src, dst, w = src[keep], dst[keep], w[keep]
    # Merge parallel edges, summing weights (networkit would keep them as multi-edges).
    key = src * np.uint64(len(nodes)) + dst
    unique, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w)
    src = (unique // np.uint64(len(nodes))).astype(np.uint64)
    dst = (unique % np.uint64(len(nodes))).astype(np.uint64)
    from scipy.sparse import coo_matrix

    matrix = coo_matrix(
        (summed if weighted else np.ones_like(summed), (src, dst)), shape=(len(nodes), len(nodes))
    )
    g = nk.GraphFromCoo(matrix, n=len(nodes), weighted=weighted, directed=directed)
    return g, nodes


def back(nodes: list[Hashable], values: Iterable[float]) -> dict[Hashable, float]:
    return dict(zip(nodes, values, strict=True))


def groups(nodes: list[Hashable], membership: Iterable[int]) -> Partition:
    found: dict[int, set[Hashable]] = {}
    for node, group in zip(nodes, membership, strict=True):
        found.setdefault(group, set()).add(node)
    return list(found.values())


def numbered(partition: Partition) -> dict[Hashable, int | float]:
    from kgcli.network.analyze import numbered as kg_numbered

    return kg_numbered(partition)


# --- the candidates ------------------------------------------------------------------------------
# Each returns what kgcli's column needs: a dict node -> value, or node -> group number.


def nx_metric(name: str, **kwargs: Any) -> Callable[[Any], Any]:
    """kgcli's metric computed by networkx (its fallback, and the baseline)."""
    return kg_metric(name, backend="networkx", **kwargs)


def kg_metric(name: str, **kwargs: Any) -> Callable[[Any], Any]:
    """kgcli's metric as `kg network analyze` computes it (`backend` igraph: kgcli[fast])."""

    def run(graph: Any) -> Any:
        from kgcli.network.analyze import analyze

        return analyze(graph, [name], write_back=False, seed=SEED, **kwargs).values[name]

    return run


def kg_heavy(backend: str, **kwargs: Any) -> Callable[[Any], Any]:
    """`kg network analyze -m community,pagerank,component,core,betweenness`, one call."""

    def run(graph: Any) -> Any:
        from kgcli.network.analyze import analyze

        found = analyze(graph, HEAVY, write_back=False, seed=SEED, backend=backend, **kwargs)
        return found.values

    return run


def nx_leiden(graph: Any) -> Any:
    import networkx as nx

    from kgcli.network.analyze import merged

    simple = merged(graph, directed=False)
    return numbered(nx.community.leiden_communities(simple, weight="weight", seed=SEED))


def ig_louvain(graph: Any) -> Any:
    g, nodes = to_igraph(graph, directed=False)
    random.seed(SEED)  # igraph draws from Python's random module
    return numbered(groups(nodes, g.community_multilevel(weights="weight").membership))


def ig_leiden(graph: Any, iterations: int = -1) -> Any:
    g, nodes = to_igraph(graph, directed=False)
    random.seed(SEED)
    found = g.community_leiden(
        objective_function="modularity", weights="weight", resolution=1.0, n_iterations=iterations
    )
    return numbered(groups(nodes, found.membership))


def leidenalg_leiden(graph: Any) -> Any:
    import leidenalg

    g, nodes = to_igraph(graph, directed=False)
    found = leidenalg.find_partition(
        g, leidenalg.ModularityVertexPartition, weights="weight", n_iterations=-1, seed=SEED
    )
    return numbered(groups(nodes, found.membership))


def nk_plm(graph: Any) -> Any:
    import networkit as nk

    nk.engineering.setSeed(SEED, False)
    g, nodes = to_networkit(graph, directed=False, weighted=True)
    found = nk.community.PLM(g, refine=True).run().getPartition()
    return numbered(groups(nodes, found.getVector()))


def nk_leiden(graph: Any) -> Any:
    import networkit as nk

    nk.engineering.setSeed(SEED, False)
    g, nodes = to_networkit(graph, directed=False, weighted=True)
    found = nk.community.ParallelLeiden(g).run().getPartition()
    return numbered(groups(nodes, found.getVector()))


def graspologic_leiden(graph: Any) -> Any:
    """graspologic.partition.leiden's own path: string edge list into graspologic-native."""
    import graspologic_native as gn

    from kgcli.network.analyze import merged

    simple = merged(graph, directed=False)
    edges = [(str(u), str(v), float(w)) for u, v, w in simple.edges(data="weight")]
    _, found = gn.leiden(edges=edges, resolution=1.0, seed=SEED, use_modularity=True)
    by_text = {str(node): node for node in simple}
    partition: dict[int, set[Hashable]] = {}
    for text, group in found.items():
        partition.setdefault(group, set()).add(by_text[text])
    placed = set(found)
    extra = [{node} for node in simple if str(node) not in placed]  # isolated nodes
    return numbered([*partition.values(), *extra])


def ig_label_propagation(graph: Any) -> Any:
    g, nodes = to_igraph(graph, directed=False)
    random.seed(SEED)
    return numbered(groups(nodes, g.community_label_propagation(weights="weight").membership))


def nk_label_propagation(graph: Any) -> Any:
    import networkit as nk

    nk.engineering.setSeed(SEED, False)
    g, nodes = to_networkit(graph, directed=False, weighted=True)
    return numbered(groups(nodes, nk.community.PLP(g).run().getPartition().getVector()))


def nx_pagerank_backend(backend: str) -> Callable[[Any], Any]:
    def run(graph: Any) -> Any:
        import networkx as nx

        from kgcli.network.analyze import merged

        # The backends refuse multigraphs: networkx sums parallel weights, so does merged().
        simple = merged(graph, directed=True) if backend == "graphblas" else graph
        return nx.pagerank(simple, weight="weight", backend=backend)

    return run


def ig_pagerank(graph: Any) -> Any:
    g, nodes = to_igraph(graph, directed=True)
    return back(nodes, g.pagerank(weights="weight", directed=True, damping=0.85))


def nk_pagerank(graph: Any) -> Any:
    import networkit as nk

    g, nodes = to_networkit(graph, directed=True, weighted=True)
    found = nk.centrality.PageRank(
        g, damp=0.85, tol=1e-10, distributeSinks=nk.centrality.SinkHandling.DistributeSinks
    )
    found.run()
    scores = found.scores()
    total = sum(scores)
    return back(nodes, (s / total for s in scores))


def sample(nodes: list[Hashable], k: int, seed: int = SEED) -> list[Hashable]:
    """networkx's own draw: `random.Random(seed).sample(list(G), k)` on the sorted merged graph."""
    return random.Random(seed).sample(nodes, k)


def rescale_sampled(raw: Iterable[float], n: int, sources: set[int]) -> list[float]:
    """networkx 3.6's normalisation of sampled, endpoint-free, directed betweenness."""
    k = len(sources)
    return [
        b / ((k - 1) * (n - 2)) if i in sources else b / (k * (n - 2)) for i, b in enumerate(raw)
    ]


def ig_betweenness(graph: Any, k: int | None = K, seed: int = SEED) -> Any:
    g, nodes = to_igraph(graph, directed=True)
    n = len(nodes)
    if k is None:
        raw = g.betweenness(directed=True)
        return back(nodes, (b / ((n - 1) * (n - 2)) for b in raw))
    index = {node: i for i, node in enumerate(nodes)}
    picked = [index[node] for node in sample(nodes, k, seed)]
    raw = g.betweenness(directed=True, sources=picked)
    return back(nodes, rescale_sampled(raw, n, set(picked)))


def nxp_betweenness(graph: Any) -> Any:
    import networkx as nx

    from kgcli.network.analyze import merged

    nx.config.backends.parallel.n_jobs = 2
    simple = merged(graph, directed=True)
    return nx.betweenness_centrality(simple, k=K, seed=SEED, backend="parallel")


def nk_estimate_betweenness(graph: Any) -> Any:
    """Brandes-Pich-style source sampling (Geisberger et al.'s weighting), K sources."""
    import networkit as nk

    nk.engineering.setSeed(SEED, False)
    g, nodes = to_networkit(graph, directed=True, weighted=False)
    n = len(nodes)
    found = nk.centrality.EstimateBetweenness(g, K, normalized=False, parallel=True).run()
    return back(nodes, (b / ((n - 1) * (n - 2)) for b in found.scores()))


def nk_exact_betweenness(graph: Any) -> Any:
    import networkit as nk

    g, nodes = to_networkit(graph, directed=True, weighted=False)
    n = len(nodes)
    found = nk.centrality.Betweenness(g, normalized=False).run()
    return back(nodes, (b / ((n - 1) * (n - 2)) for b in found.scores()))


def nk_approx_betweenness(epsilon: float, delta: float) -> Callable[[Any], Any]:
    """Riondato-Kornaropoulos: additive error epsilon with probability 1-delta."""

    def run(graph: Any) -> Any:
        import networkit as nk

        nk.engineering.setSeed(SEED, False)
        g, nodes = to_networkit(graph, directed=True, weighted=False)
        n = len(nodes)
        found = nk.centrality.ApproxBetweenness(g, epsilon=epsilon, delta=delta).run()
        # RK normalises by n(n-1) ordered pairs; networkx (endpoints excluded) by (n-1)(n-2).
        scale = n / (n - 2)
        return back(nodes, (b * scale for b in found.scores()))

    return run


def nk_kadabra(epsilon: float, delta: float) -> Callable[[Any], Any]:
    def run(graph: Any) -> Any:
        import networkit as nk

        nk.engineering.setSeed(SEED, False)
        g, nodes = to_networkit(graph, directed=True, weighted=False)
        n = len(nodes)
        found = nk.centrality.KadabraBetweenness(g, err=epsilon, delta=delta).run()
        scale = n / (n - 2)
        return back(nodes, (b * scale for b in found.scores()))

    return run


def ig_closeness(graph: Any) -> Any:
    """networkx's closeness (incoming distances, Wasserman-Faust scaling) from igraph's."""
    g, nodes = to_igraph(graph, directed=True)
    n = len(nodes)
    plain = g.closeness(mode="in", normalized=True)  # (r-1)/sum of distances, r reachable
    reached = g.neighborhood_size(order=n, mode="in")  # r, the node itself included
    return back(
        nodes,
        (
            0.0 if c != c or r <= 1 else c * (r - 1) / (n - 1)
            for c, r in zip(plain, reached, strict=True)
        ),
    )


def nk_closeness(graph: Any) -> Any:
    import networkit as nk

    g, nodes = to_networkit(graph, directed=True, weighted=False)
    # networkx measures distances *to* the node: run on the reversed graph.
    reverse = nk.graphtools.transpose(g)
    found = nk.centrality.Closeness(reverse, True, nk.centrality.ClosenessVariant.GENERALIZED)
    return back(nodes, found.run().scores())


def ig_core(graph: Any) -> Any:
    g, nodes = to_igraph(graph, directed=False, loops=False)
    return back(nodes, g.coreness(mode="all"))


def nk_core(graph: Any) -> Any:
    import networkit as nk

    g, nodes = to_networkit(graph, directed=False, weighted=False, loops=False)
    return back(nodes, (int(c) for c in nk.centrality.CoreDecomposition(g).run().scores()))


def ig_component(graph: Any) -> Any:
    import igraph as ig

    nodes = sorted_nodes(graph)
    sources, targets, _ = edge_arrays(graph, nodes)
    g = ig.Graph(n=len(nodes), edges=list(zip(sources, targets, strict=True)), directed=True)
    return numbered(groups(nodes, g.connected_components(mode="weak").membership))


def nk_component(graph: Any) -> Any:
    import networkit as nk

    g, nodes = to_networkit(graph, directed=False, weighted=False)
    found = nk.components.ConnectedComponents(g).run()
    return numbered(groups(nodes, found.getPartition().getVector()))


def scipy_component(graph: Any) -> Any:
    """No new dependency: scipy.sparse.csgraph on the edge arrays."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = sorted_nodes(graph)
    sources, targets, _ = edge_arrays(graph, nodes)
    n = len(nodes)
    matrix = coo_matrix((np.ones(len(sources), dtype=np.int8), (sources, targets)), shape=(n, n))
    _, labels = connected_components(matrix, directed=True, connection="weak")
    return numbered(groups(nodes, labels.tolist()))


def scipy_pagerank(graph: Any) -> Any:
    """networkx's own algorithm (its `_pagerank_scipy`) on arrays built without networkx."""
    import numpy as np
    from scipy.sparse import coo_matrix

    nodes = sorted_nodes(graph)
    sources, targets, weights = edge_arrays(graph, nodes)
    n = len(nodes)
    a = coo_matrix((weights, (sources, targets)), shape=(n, n)).tocsr()  # sums duplicates
    out = np.asarray(a.sum(axis=1)).ravel()
    inverse = np.divide(1.0, out, out=np.zeros_like(out), where=out != 0)
    a = a.multiply(inverse[:, None]).tocsr()
    x = np.full(n, 1.0 / n)
    p = np.full(n, 1.0 / n)
    dangling = out == 0
    for _ in range(100):
        last = x
        x = 0.85 * (x @ a + x[dangling].sum() * p) + 0.15 * p
        if np.abs(x - last).sum() < n * 1e-6:
            return back(nodes, x.tolist())
    raise RuntimeError("PageRank did not converge")


HEAVY = ["community", "pagerank", "component", "core", "betweenness"]


def ig_all(graph: Any) -> Any:
    """The heavy metrics from one conversion: Leiden, PageRank, components, cores, exact
    betweenness (kgcli's columns, as in `kg network analyze --metrics ...`)."""
    g, nodes = to_igraph(graph, directed=True)
    n = len(nodes)
    found: dict[str, Any] = {
        "pagerank": back(nodes, g.pagerank(weights="weight", directed=True)),
        "betweenness": back(nodes, (b / ((n - 1) * (n - 2)) for b in g.betweenness())),
        "component": numbered(groups(nodes, g.connected_components(mode="weak").membership)),
    }
    undirected = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    random.seed(SEED)
    leiden = undirected.community_leiden(
        objective_function="modularity", weights="weight", n_iterations=-1
    )
    found["community"] = numbered(groups(nodes, leiden.membership))
    undirected.simplify(multiple=False, loops=True)
    found["core"] = back(nodes, undirected.coreness())
    return found


def ig_convert(graph: Any) -> Any:
    """The conversion alone: networkx -> igraph, directed and undirected merged views."""
    g, nodes = to_igraph(graph, directed=True)
    g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    return back(nodes, range(len(nodes)))


def nk_convert(graph: Any) -> Any:
    _, nodes = to_networkit(graph, directed=True, weighted=True)
    return back(nodes, range(len(nodes)))


#: metric -> candidate -> (library imported apart, function)
CASES: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "conversion": {
        "networkx: kgcli's merged undirected view (baseline)": (
            "networkx",
            lambda g: __import__("kgcli.network.analyze").network.analyze.merged(g, directed=False),
        ),
        "to igraph (directed and undirected views) and back": ("igraph", ig_convert),
        "to networkit (directed) and back": ("networkit", nk_convert),
    },
    "heavy (together)": {
        "networkx: " + ", ".join(HEAVY) + " (k=100) (baseline)": (
            "networkx",
            kg_heavy("networkx", k=K),
        ),
        "igraph, one conversion (Leiden, exact betweenness)": ("igraph", ig_all),
    },
    # kgcli itself, as shipped: `analyze` with its default rules (betweenness exact when
    # affordable, else the Hoeffding sample within the backend's budget), networkx (no extra)
    # against igraph (kgcli[fast]).
    "kgcli analyze": {
        "kgcli, networkx (no extra): Louvain, " + ", ".join(HEAVY[1:]) + " (baseline)": (
            "networkx",
            kg_heavy("networkx"),
        ),
        "kgcli[fast], igraph: Leiden, " + ", ".join(HEAVY[1:]): ("igraph", kg_heavy("igraph")),
    },
    "community": {
        "networkx louvain (baseline)": ("networkx", nx_metric("louvain")),
        "kgcli[fast]: community (Leiden), kgcli's conversion": (
            "igraph",
            kg_metric("community", backend="igraph"),
        ),
        "networkx leiden": ("networkx", nx_leiden),
        "igraph louvain (multilevel)": ("igraph", ig_louvain),
        "igraph leiden (until stable)": ("igraph", ig_leiden),
        "igraph leiden (2 iterations)": ("igraph", lambda g: ig_leiden(g, 2)),
        "leidenalg (until stable)": ("leidenalg", leidenalg_leiden),
        "networkit PLM (Louvain, refined)": ("networkit", nk_plm),
        "networkit ParallelLeiden": ("networkit", nk_leiden),
        "graspologic leiden (graspologic-native)": ("graspologic_native", graspologic_leiden),
    },
    "label_propagation": {
        "networkx (baseline)": ("networkx", nx_metric("label_propagation")),
        "igraph": ("igraph", ig_label_propagation),
        "networkit PLP": ("networkit", nk_label_propagation),
    },
    "pagerank": {
        "networkx (baseline)": ("networkx", nx_metric("pagerank")),
        "kgcli[fast]: pagerank, kgcli's conversion": (
            "igraph",
            kg_metric("pagerank", backend="igraph"),
        ),
        "networkx + graphblas backend": ("graphblas_algorithms", nx_pagerank_backend("graphblas")),
        "scipy, no networkx graph": ("scipy", scipy_pagerank),
        "igraph (PRPACK)": ("igraph", ig_pagerank),
        "networkit": ("networkit", nk_pagerank),
    },
    "betweenness": {
        "networkx, k=100 (baseline)": ("networkx", nx_metric("betweenness", k=K)),
        "nx-parallel, k=100, 2 jobs": ("nx_parallel", nxp_betweenness),
        "igraph, same 100 sources": ("igraph", ig_betweenness),
        "networkit EstimateBetweenness, 100 samples": ("networkit", nk_estimate_betweenness),
        "networkit ApproxBetweenness (RK) eps=0.01 delta=0.1": (
            "networkit",
            nk_approx_betweenness(0.01, 0.1),
        ),
        "networkit KADABRA eps=0.01 delta=0.1": ("networkit", nk_kadabra(0.01, 0.1)),
        "igraph exact (every source)": ("igraph", lambda g: ig_betweenness(g, k=None)),
        "networkit Betweenness exact (2 threads)": ("networkit", nk_exact_betweenness),
    },
    "closeness": {
        "networkx (baseline)": ("networkx", nx_metric("closeness")),
        "igraph (closeness + reach)": ("igraph", ig_closeness),
        "networkit Closeness (generalized)": ("networkit", nk_closeness),
    },
    "core": {
        "networkx (baseline)": ("networkx", nx_metric("core")),
        "igraph coreness": ("igraph", ig_core),
        "networkit CoreDecomposition": ("networkit", nk_core),
    },
    "component": {
        "networkx (baseline)": ("networkx", nx_metric("component")),
        "scipy csgraph": ("scipy", scipy_component),
        "igraph": ("igraph", ig_component),
        "networkit": ("networkit", nk_component),
    },
}


# --- one measured step in a forked child ---------------------------------------------------------


def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _child(graph: Any, library: str, fn: Callable[[Any], Any], out: Path) -> None:
    """Import the library, reset the peak RSS, time the step, write its result."""
    try:
        start = time.perf_counter()
        if library == "nx_parallel":
            import nx_parallel  # noqa: F401
        elif library != "networkx":
            __import__(library)
        imported = time.perf_counter() - start
        gc.collect()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        rss = _status("VmRSS")
        start = time.perf_counter()
        result = fn(graph)
        seconds = time.perf_counter() - start
        peak = _status("VmHWM")
        record = {"seconds": seconds, "import": imported, "rss": rss, "peak": peak}
        record["result"] = result
    except Exception as err:  # a candidate that fails is a finding, not a crash
        record = {"error": f"{type(err).__name__}: {err}"[:300]}
    with open(out, "wb") as f:
        pickle.dump(record, f, protocol=5)


def measure(graph: Any, library: str, fn: Callable[[Any], Any], cap: float, scratch: Path) -> dict:
    out = scratch / f"step-{os.getpid()}.pickle"
    out.unlink(missing_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            _child(graph, library, fn, out)
        except BaseException:
            code = 1
        os._exit(code)
    start = time.monotonic()
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > cap:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"error": f"stopped at {cap:.0f} s", "capped": True}
        time.sleep(0.05)
    if not out.exists():
        return {"error": "child died without a result"}
    with open(out, "rb") as f:
        record = pickle.load(f)
    out.unlink()
    return record


# --- checking results against networkx -----------------------------------------------------------


class Judge:
    """The merged undirected weighted view as arrays, to score partitions one way for all."""

    pagerank: dict[Hashable, float]

    def __init__(self, graph: Any) -> None:
        import numpy as np

        self.nodes = sorted_nodes(graph)
        self.index = {node: i for i, node in enumerate(self.nodes)}
        s, t, w = edge_arrays(graph, self.nodes)
        s_, t_ = np.minimum(s, t), np.maximum(s, t)
        n = len(self.nodes)
        key = s_.astype(np.int64) * n + t_
        unique, inverse = np.unique(key, return_inverse=True)
        self.w = np.bincount(inverse, weights=np.asarray(w, dtype=np.float64))
        self.u = unique // n
        self.v = unique % n
        self.n = n

    def membership(self, values: dict[Hashable, int | float]):
        import numpy as np

        return np.array([int(values[node]) for node in self.nodes], dtype=np.int64)

    def modularity(self, values: dict[Hashable, int | float]) -> float:
        """networkx.community.modularity's formula (resolution 1) on the merged view."""
        import numpy as np

        c = self.membership(values)
        m = self.w.sum()
        degree = np.bincount(self.u, weights=self.w, minlength=self.n) + np.bincount(
            self.v, weights=self.w, minlength=self.n
        )
        same = c[self.u] == c[self.v]
        inside = np.bincount(c[self.u][same], weights=self.w[same], minlength=c.max() + 1)
        total = np.bincount(c, weights=degree, minlength=c.max() + 1)
        return float(inside.sum() / m - ((total / (2 * m)) ** 2).sum())

    def disconnected(self, values: dict[Hashable, int | float]) -> int:
        """How many communities are not connected (by their own edges)."""
        import numpy as np
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        c = self.membership(values)
        same = c[self.u] == c[self.v]
        matrix = coo_matrix(
            (np.ones(same.sum()), (self.u[same], self.v[same])), shape=(self.n, self.n)
        )
        _, parts = connected_components(matrix, directed=False)
        pieces = len(set(zip(c.tolist(), parts.tolist(), strict=True)))
        return pieces - len(set(c.tolist()))


def agreement(metric: str, result: Any, base: Any, judge: Judge, exact: Any) -> dict:
    if metric in ("heavy (together)", "kgcli analyze"):
        community = agreement("community", result["community"], None, judge, exact)
        return {
            "heavy": True,
            "modularity": community["modularity"],
            "disconnected": community["disconnected"],
            "pagerank": max(
                abs(result["pagerank"][n] - judge.pagerank[n]) for n in base["pagerank"]
            ),
            "component": result["component"] == base["component"],
            "core": result["core"] == base["core"],
        }
    if metric in ("community", "label_propagation"):
        return {
            "modularity": judge.modularity(result),
            "communities": len(set(result.values())),
            "disconnected": judge.disconnected(result),
        }
    if metric == "pagerank":
        return {
            "max_diff": max(abs(result[n] - base[n]) for n in base),
            "max_diff_converged": max(abs(result[n] - judge.pagerank[n]) for n in base),
        }
    if metric == "closeness":
        return {"max_diff": max(abs(result[n] - base[n]) for n in base)}
    if metric in ("core", "component"):
        return {"identical": result == base}
    if metric == "betweenness":
        found = {"max_diff_vs_nx": max(abs(result[n] - base[n]) for n in base)}
        if exact is not None:
            errors = [abs(result[n] - exact[n]) for n in exact]
            found["max_err"] = max(errors)
            found["mean_err"] = statistics.fmean(errors)
            top = sorted(exact, key=exact.get, reverse=True)[:10]
            mine = set(sorted(result, key=result.get, reverse=True)[:10])
            found["top10"] = len(mine & set(top))
        return found
    return {}


# --- the run -------------------------------------------------------------------------------------


def run_size(size: int, args: argparse.Namespace) -> dict:
    path = build(size, args.data_dir)
    start = time.perf_counter()
    with open(path, "rb") as f:
        graph = pickle.load(f)
    loaded = time.perf_counter() - start
    gc.collect()
    gc.freeze()  # the children's collections then leave the graph's pages shared
    info = {
        "size": size,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "unpickle": loaded,
        "parent_rss": _status("VmRSS"),
    }
    print(
        f"{size:.0e}: {info['nodes']:,} nodes, {info['edges']:,} edges "
        f"(unpickled in {loaded:.1f} s, {info['parent_rss'] / 2**20:.0f} MiB)",
        file=sys.stderr,
    )
    metrics = [m for m in CASES if m in args.metrics]
    chosen = {
        m: {
            c: v
            for c, v in CASES[m].items()
            if (not args.only or any(o in c for o in args.only))
            and not any(o in c for o in args.skip)
        }
        for m in metrics
    }
    times: dict[str, dict[str, list[dict]]] = {m: {c: [] for c in chosen[m]} for m in metrics}
    last: dict[str, dict[str, Any]] = {m: {} for m in metrics}
    kept_files: dict[Path, None] = {}
    skip: set[tuple[str, str]] = set()
    for round_ in range(args.runs):
        for metric in metrics:
            for name, (library, fn) in chosen[metric].items():
                if (metric, name) in skip:
                    continue
                record = measure(graph, library, fn, args.cap, args.data_dir)
                result = record.pop("result", None)
                times[metric][name].append(record)
                if result is not None:  # kept on disk: the parent stays as small as its graph
                    kept = args.data_dir / f"result-{size}-{len(kept_files)}.pickle"
                    with open(kept, "wb") as f:
                        pickle.dump(result, f, protocol=5)
                    kept_files[kept] = None
                    last[metric][name] = kept
                del result
                if "error" in record:
                    skip.add((metric, name))  # a failure or a cap is not retried
                shown = record.get("error") or f"{record['seconds']:.2f} s"
                print(f"  round {round_ + 1} {metric} / {name}: {shown}", file=sys.stderr)
    # Checks, after the timings.
    for metric in metrics:
        for name, kept in last[metric].items():
            with open(kept, "rb") as f:
                last[metric][name] = pickle.load(f)
    for kept in kept_files:
        kept.unlink(missing_ok=True)
    judge = Judge(graph)
    if {"pagerank", "heavy (together)", "kgcli analyze"} & set(metrics):
        import networkx as nx

        # networkx stops when the L1 change is below N * 1e-6: the reference is run to 1e-13.
        start = time.perf_counter()
        judge.pagerank = nx.pagerank(graph, weight="weight", tol=1e-13, max_iter=10000)
        info["pagerank_reference_seconds"] = time.perf_counter() - start
    exact = last.get("betweenness", {}).get("igraph exact (every source)")
    if "betweenness" in metrics and (args.exact or exact is not None):
        exact = exact_betweenness(graph, args, info, exact)
    checks: dict[str, dict[str, dict]] = {}
    for metric in metrics:
        baseline_name = next(iter(chosen[metric]))
        base = last[metric].get(baseline_name)
        checks[metric] = {}
        for name, result in last[metric].items():
            if base is None:
                checks[metric][name] = {}
                continue
            checks[metric][name] = agreement(metric, result, base, judge, exact)
    info["times"] = times
    info["checks"] = checks
    return info


def exact_betweenness(
    graph: Any, args: argparse.Namespace, info: dict, reference: Any | None
) -> Any:
    """Exact betweenness: igraph's (every source); with --exact, networkx's too, compared."""
    if reference is None:
        reference = ig_betweenness(graph, k=None)
    if args.exact:
        import networkx as nx

        from kgcli.network.analyze import merged

        start = time.perf_counter()
        other = nx.betweenness_centrality(merged(graph, directed=True))
        info["exact_nx_seconds"] = time.perf_counter() - start
        info["exact_nx_vs_igraph"] = max(abs(reference[n] - other[n]) for n in reference)
    info["exact_max"] = max(reference.values())
    values = sorted(reference.values(), reverse=True)
    info["exact_top"] = values[:5]
    info["exact_nonzero"] = sum(1 for v in values if v > 0)
    # Sampled estimates at several k against the exact values (same sampling as networkx).
    spread: dict[str, Any] = {}
    for k in (100, 300, 1000):
        if k >= len(reference):
            continue
        errs = []
        for seed in range(args.exact_seeds):
            found = ig_betweenness(graph, k=k, seed=seed)
            errs.append(max(abs(found[n] - reference[n]) for n in reference))
        spread[str(k)] = errs
    info["sampled_max_errors"] = spread
    return reference


# --- the report ----------------------------------------------------------------------------------


def cell(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def check_text(metric: str, check: dict) -> str:
    if not check:
        return "-"
    if "heavy" in check:
        return (
            f"Q={check['modularity']:.4f} ({check['disconnected']} disconnected); PageRank vs "
            f"converged {check['pagerank']:.0e}; components "
            f"{'identical' if check['component'] else 'differ'}; cores "
            f"{'identical' if check['core'] else 'differ'}"
        )
    if "modularity" in check:
        bad = check["disconnected"]
        return (
            f"Q={check['modularity']:.4f}, {check['communities']:,} groups, "
            f"{'all connected' if not bad else f'{bad} disconnected'}"
        )
    if "identical" in check:
        return "identical" if check["identical"] else "**differs**"
    if "max_err" in check:
        return (
            f"max err {check['max_err']:.2e} (mean {check['mean_err']:.1e}), "
            f"top-10 {check['top10']}/10; vs nx {check['max_diff_vs_nx']:.1e}"
        )
    if "max_diff_vs_nx" in check:
        return f"max diff vs nx {check['max_diff_vs_nx']:.1e}"
    if "max_diff_converged" in check:
        return (
            f"vs networkx {check['max_diff']:.1e}; vs converged {check['max_diff_converged']:.1e}"
        )
    if "max_diff" in check:
        return f"max diff {check['max_diff']:.1e}"
    return json.dumps(check)


def report(found: dict) -> str:
    lines = [
        f"### {found['size']:,} triples: {found['nodes']:,} nodes, {found['edges']:,} edges",
        "",
        f"Graph held by each process: {found['parent_rss'] / 2**20:.0f} MiB RSS "
        f"(unpickled in {found['unpickle']:.1f} s).",
        "",
        "| metric | candidate | seconds incl. conversion | speed-up on networkx | import s "
        "| peak RSS MiB (step) | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric, cases in found["times"].items():
        base = None
        for name, records in cases.items():
            ok = [r for r in records if "error" not in r]
            errors = [r["error"] for r in records if "error" in r]
            check = check_text(metric, found["checks"][metric].get(name, {}))
            if not ok:
                error = (errors[0] if errors else "-").split(". ")[0]  # networkx's is long
                lines.append(f"| {metric} | {name} | {error} | | | | |")
                continue
            seconds = [r["seconds"] for r in ok]
            if base is None:
                base = statistics.median(seconds)
            speed = base / statistics.median(seconds)
            peak = max(r["peak"] for r in ok) / 2**20
            step = max(r["peak"] - r["rss"] for r in ok) / 2**20
            imported = statistics.median(r["import"] for r in ok)
            lines.append(
                f"| {metric} | {name} | {cell(seconds)} | {speed:.1f}x | {imported:.2f} "
                f"| {peak:.0f} (+{step:.0f}) | {check} |"
            )
    if "pagerank_reference_seconds" in found:
        lines += [
            "",
            "PageRank's reference: networkx run to tol=1e-13 "
            f"({found['pagerank_reference_seconds']:.1f} s).",
        ]
    if "sampled_max_errors" in found:
        checked = (
            f"networkx's exact one took {found['exact_nx_seconds']:.1f} s, largest difference "
            f"{found['exact_nx_vs_igraph']:.1e}; "
            if "exact_nx_seconds" in found
            else ""
        )
        lines += [
            "",
            f"Exact betweenness (igraph, every source, kgcli's directed view): {checked}"
            "largest values: "
            + ", ".join(f"{v:.3g}" for v in found["exact_top"])
            + f"; {found['exact_nonzero']:,} nodes above zero.",
            "",
            "Largest absolute error of the sampled estimate (networkx's source sampling, "
            "through igraph), over seeds 0..N-1:",
            "",
            "| sources k | max error per seed: median (min-max) |",
            "|---|---|",
        ]
        for k, errs in found["sampled_max_errors"].items():
            lines.append(
                f"| {k} | {statistics.median(errs):.2e} ({min(errs):.2e}-{max(errs):.2e}) |"
            )
    return "\n".join(lines)


def machine() -> str:
    from importlib.metadata import PackageNotFoundError, version

    names = [
        "networkx",
        "igraph",
        "leidenalg",
        "networkit",
        "graspologic-native",
        "nx-parallel",
        "graphblas-algorithms",
        "python-graphblas",
        "numpy",
        "scipy",
    ]
    found = []
    for name in names:
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{name} {version(name)}")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores; " + ", ".join(found)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6", help="triples, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=300, help="seconds before a step is stopped")
    parser.add_argument("--metrics", default=",".join(CASES))
    parser.add_argument("--only", default="", help="candidates whose name contains one of these")
    parser.add_argument("--skip", default="", help="leave out candidates whose name contains these")
    parser.add_argument("--exact", action="store_true", help="exact betweenness and sampling error")
    parser.add_argument("--exact-seeds", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/kgcli-bench-analysis"))
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--build-only", action="store_true", help="only build the cached networks")
    parser.add_argument("--report", type=Path, help="print the tables of an earlier --json file")
    args = parser.parse_args(argv)
    args.metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    args.only = [o.strip() for o in args.only.split(",") if o.strip()]
    args.skip = [o.strip() for o in args.skip.split(",") if o.strip()]
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    if args.report:
        for found in json.loads(args.report.read_text()):
            print(report(found) + "\n")
        return
    print(machine() + f"; {args.runs} rounds, interleaved, cap {args.cap:.0f} s.\n")
    if args.build_only:
        for size in sizes:
            build(size, args.data_dir)
        return
    everything = []
    for size in sizes:
        found = run_size(size, args)
        everything.append(found)
        print(report(found) + "\n", flush=True)
        if args.json:
            args.json.write_text(json.dumps(everything, default=str, indent=1))


if __name__ == "__main__":
    main()
