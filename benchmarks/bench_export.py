"""Our streaming GEXF writer against `networkx.write_gexf`, as a ratio measured in one run.

    python benchmarks/bench_export.py            # 10^5 nodes / 10^6 edges, 3 runs, Markdown
    python benchmarks/bench_export.py --quick    # 10^4 nodes / 10^5 edges, the quick check

Each run times one export of the same synthetic network (a MultiDiGraph shaped like the ones
`kg network` builds: IRIs, labels, kinds, typed attributes, parallel predicates) to a file; runs
alternate between the two writers so drift on a shared machine hits both. Peak memory is what
tracemalloc sees the export allocate beyond the graph itself, in a separate run, because tracing
slows Python down.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from kgcli.network.export import write_network

KINDS = ("Company", "Town", "District", "Sector", "Platform")
PREDICATES = ("locatedIn", "inSector", "usesSharedResource", "partnerOf", "ownedBy")
BASE = "https://w3id.org/kgcli/resource/synthetic/"


def synthetic(nodes: int, edges: int, seed: int = 7) -> nx.MultiDiGraph:
    """A reproducible network with the attribute mix of the network contract."""
    rnd = random.Random(seed)
    graph = nx.MultiDiGraph(
        title="Synthetic network", creator="bench_export", source="synthetic", kinds=list(KINDS)
    )
    for i in range(nodes):
        kind = KINDS[i % len(KINDS)]
        iri = f"{BASE}{kind.lower()}/{i}"
        data: dict[str, object] = {"label": f"{kind} {i} 上海", "kind": kind, "iri": iri}
        data["class"] = f"https://w3id.org/kgcli/ontology#{kind}"
        if i % 3:
            data["employees"] = rnd.randrange(1, 5000)
        data["pagerank"] = rnd.random() / nodes
        if i % 4 == 0:
            data["start"] = str(1990 + i % 30)
        graph.add_node(iri, **data)
    iris = list(graph)
    for j in range(edges):
        p = PREDICATES[j % len(PREDICATES)]
        graph.add_edge(
            rnd.choice(iris),
            rnd.choice(iris),
            key=f"e{j}",
            kind=f"kg:{p}",
            predicate=f"https://w3id.org/kgcli/ontology#{p}",
            label=p,
            weight=1.0,
        )
    return graph


def ours(graph: nx.MultiDiGraph, path: Path) -> None:
    write_network(graph, path, size_by="pagerank")


def networkx_gexf(graph: nx.MultiDiGraph, path: Path) -> None:
    nx.write_gexf(graph, path, version="1.3")


WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], None]] = {
    "kgcli (streaming)": ours,
    "networkx.write_gexf": networkx_gexf,
}


def timed(write: Callable[[nx.MultiDiGraph, Path], None], graph: nx.MultiDiGraph, path: Path):
    gc.collect()
    began = time.perf_counter()
    write(graph, path)
    return time.perf_counter() - began


def peak(write: Callable[[nx.MultiDiGraph, Path], None], graph: nx.MultiDiGraph, path: Path):
    gc.collect()
    tracemalloc.start()
    write(graph, path)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 nodes / 10^5 edges")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [(10_000, 100_000)] if args.quick else [(10_000, 100_000), (100_000, 1_000_000)]

    print("# GEXF export: kgcli's streaming writer vs networkx.write_gexf\n")
    print(f"Python {platform.python_version()}, networkx {nx.__version__}, ", end="")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs; median (min-max) of {args.runs} runs.\n")
    print("| network | writer | time (s) | peak memory (MiB) | file (MiB) |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for nodes, edges in sizes:
            began = time.perf_counter()
            graph = synthetic(nodes, edges)
            built = time.perf_counter() - began
            print(f"built {nodes:,} nodes / {edges:,} edges in {built:.1f} s", file=sys.stderr)
            times: dict[str, list[float]] = {name: [] for name in WRITERS}
            sizes_mb: dict[str, float] = {}
            for _ in range(args.runs):
                for name, write in WRITERS.items():
                    path = Path(folder) / f"{name[:5]}.gexf"
                    times[name].append(timed(write, graph, path))
                    sizes_mb[name] = path.stat().st_size / 2**20
            peaks = {
                name: peak(write, graph, Path(folder) / "peak.gexf") / 2**20
                for name, write in WRITERS.items()
            }
            label = f"{nodes:,} nodes / {edges:,} edges"
            for name in WRITERS:
                runs = times[name]
                print(
                    f"| {label} | {name} | {statistics.median(runs):.2f} "
                    f"({min(runs):.2f}-{max(runs):.2f}) | {peaks[name]:.1f} | "
                    f"{sizes_mb[name]:.1f} |"
                )
            ratio = statistics.median(times["networkx.write_gexf"]) / statistics.median(
                times["kgcli (streaming)"]
            )
            memory = peaks["networkx.write_gexf"] / max(peaks["kgcli (streaming)"], 1e-9)
            print(f"| {label} | **ratio** | **{ratio:.1f}x faster** | **{memory:.0f}x less** | |")
            del graph
    return 0


if __name__ == "__main__":
    sys.exit(main())
