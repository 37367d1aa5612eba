"""Our streaming GEXF writer against `networkx.write_gexf`, as a ratio measured in one run.

    python benchmarks/bench_export.py            # 10^5 nodes / 10^6 edges, 3 runs, Markdown
    python benchmarks/bench_export.py --quick    # 10^4 nodes / 10^5 edges, the quick check
    python benchmarks/bench_export.py --layout   # the default layout alone, before and after

Each run times one export of the same synthetic network (a MultiDiGraph shaped like the ones
`kg network` builds: IRIs, labels, kinds, typed attributes, parallel predicates) to a file; runs
alternate between the writers so drift on a shared machine hits all. Ours is timed twice: the
default export (the layout, `kgcli.network.export.layout`, then the writer) and the writer alone
(`layout=None`, `--layout none`), which is what networkx's writes (no positions). Peak memory is
what tracemalloc sees the export allocate beyond the graph itself, in a separate run, because
tracing slows Python down.

`--layout` times `default_layout` alone at 10^3, 10^4 and 5*10^4 nodes (2.4 edges a node, as the
city's network), against the layout module of a git revision (`--before`, by default the last
one before #18 made it scale), loaded from `git show`, in the same run; above `--before-max`
nodes the old one is not run (it takes many minutes).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def ours_writer(graph: nx.MultiDiGraph, path: Path) -> None:
    write_network(graph, path, size_by="pagerank", layout=None)


def networkx_gexf(graph: nx.MultiDiGraph, path: Path) -> None:
    nx.write_gexf(graph, path, version="1.3")


#: Our writer alone, the ratios' base; our default export (layout + writer); networkx's.
WRITER, DEFAULT, NETWORKX = "kgcli writer alone", "kgcli default (layout + writer)", "networkx"
WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], None]] = {
    WRITER: ours_writer,
    DEFAULT: ours,
    NETWORKX: networkx_gexf,
}
#: The last revision before the default layout was made to scale (#18).
BEFORE = "d8a65d6"


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


def layout_before(revision: str) -> Any:
    """`kgcli.network.export.layout` as it was at `revision`, loaded from `git show`."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "show", f"{revision}:kgcli/network/export/layout.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(f"layout_{revision}")
    exec(compile(source, f"layout.py@{revision}", "exec"), module.__dict__)
    return module


def bench_layout(args: argparse.Namespace) -> None:
    """The default layout alone, this revision against `args.before`, same run."""
    from kgcli.network.export import layout
    from kgcli.network.export.plan import make_plan

    layouts = {"after": layout, "before": layout_before(args.before)}
    for module in layouts.values():  # imports and first calls outside the timing
        module.default_layout(synthetic(60, 144))
    print(f"# The default layout alone: this revision against {args.before}, same run\n")
    print("| network | before (s) | after (s) | before / after |")
    print("|---|---:|---:|---:|")
    for nodes in (1_000, 10_000, 50_000):
        graph = synthetic(nodes, int(nodes * 2.4))
        radii = make_plan(graph, size_by="pagerank", layout=None).radii
        runs = args.runs if nodes <= 10_000 else 1
        times: dict[str, list[float]] = {"after": [], "before": []}
        for _ in range(runs):
            for name, module in layouts.items():
                if name == "before" and nodes > args.before_max:
                    continue
                gc.collect()
                began = time.perf_counter()
                module.default_layout(graph, radii, seed=42)
                times[name].append(time.perf_counter() - began)
                print(f"{nodes:,} nodes {name}: {times[name][-1]:.2f} s", file=sys.stderr)
        after = statistics.median(times["after"])
        if times["before"]:
            before = statistics.median(times["before"])
            cells = f"{before:.2f} | {after:.2f} | {before / after:.1f}x"
        else:
            cells = f"not run (over {args.before_max:,} nodes) | {after:.2f} |"
        print(f"| {nodes:,} nodes / {int(nodes * 2.4):,} edges | {cells} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 nodes / 10^5 edges")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layout", action="store_true", help="the default layout alone")
    parser.add_argument("--before", default=BEFORE, help="the revision to compare the layout to")
    parser.add_argument("--before-max", type=int, default=10_000, help="nodes; none above")
    args = parser.parse_args(argv)
    if args.layout:
        bench_layout(args)
        return 0
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
            theirs = statistics.median(times[NETWORKX])
            for name in (WRITER, DEFAULT):
                ratio = theirs / statistics.median(times[name])
                memory = peaks[NETWORKX] / max(peaks[name], 1e-9)
                print(
                    f"| {label} | **networkx / {name}** | **{ratio:.2f}x** | "
                    f"**{memory:.0f}x less** | |"
                )
            del graph
    return 0


if __name__ == "__main__":
    sys.exit(main())
