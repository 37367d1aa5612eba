"""Building a network with a profile, against extracting its edge list with pyoxigraph directly.

    python benchmarks/bench_network.py                    # 10^6 triples, 5 runs, Markdown
    python benchmarks/bench_network.py --triples 1e5 --runs 3 --analysis-runs 1   # quick check

The graph is `generate.py`'s synthetic city; the profile is `tests/fixtures/network/synthetic.toml`
(firms, places, sectors, centers, facilities, resources; four edge properties; the founding year
as a dated attribute). Each run times, one after the other so that drift on a shared machine hits
all of them alike:

- the baseline: one SELECT of the profile's four properties (`?s p1|p2|p3|p4 ?o`, as one would
  write it) iterated into a list of (subject, object) string tuples;
- the same edge list from one SELECT per property, the fastest extraction we found;
- `kgcli.network.build.build_network`: nodes with types and labels, attributes, edges, the networkx
  MultiDiGraph.

Figures are medians (min-max) of the runs; ratios are medians over the baseline's median. Then
the analyses on the built network: degree, PageRank, betweenness sampled from 100 nodes, Louvain.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import interleaved  # noqa: E402  (one warm-up round, then interleaved runs)

PROFILE = ROOT / "tests" / "fixtures" / "network" / "synthetic.toml"
KG = "https://w3id.org/kgcli/ontology#"


def cell(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def ratio(ours: list[float], base: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(base):.2f}x"


def machine() -> str:
    import networkx
    import pyoxigraph

    from kgcli import __version__

    cpu = platform.processor() or platform.machine()
    return (
        f"Python {platform.python_version()} on {platform.system()} {cpu}, "
        f"{os.cpu_count()} cores; kgcli {__version__}, pyoxigraph {pyoxigraph.__version__}, "
        f"networkx {networkx.__version__}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, default=1e6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--analysis-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    import pyoxigraph as ox

    from kgcli.engine.source import LocalSource
    from kgcli.network.analyze import analyze, fast_available
    from kgcli.network.build import build_network
    from kgcli.network.profile import load_profile

    profile = load_profile(PROFILE)
    properties = [rule.property for rule in profile.edges if rule.property]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "city.nt")
        with open(path, "w", encoding="utf-8") as out:
            count = generate.write(out, int(args.triples), args.seed)
        store = ox.Store()
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    source = LocalSource(store)
    alternatives = "|".join(f"<{p}>" for p in properties)
    path_query = f"SELECT ?source ?target WHERE {{ ?source {alternatives} ?target }}"

    def baseline() -> list[tuple[str, str]]:
        return [(s.value, o.value) for s, o in store.query(path_query)]

    types = " ".join(f"<{n.iri}>" for n in profile.nodes)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    network_queries = [
        f"SELECT ?node ?type WHERE {{ VALUES ?type {{ {types} }} ?node <{rdf_type}> ?type }}",
        *(f"SELECT ?node ?label WHERE {{ ?node <{p}> ?label }}" for p in profile.labels),
        *(f"SELECT ?node ?v WHERE {{ ?node <{a.property}> ?v }}" for a in profile.attributes),
        *(f"SELECT ?s ?o WHERE {{ ?s <{p}> ?o }}" for p in properties),
    ]

    def all_rows() -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for text in network_queries:
            rows.extend((a.value, b.value) for a, b in store.query(text))
        return rows

    def per_property() -> list[tuple[str, str]]:
        edges: list[tuple[str, str]] = []
        for prop in properties:
            text = f"SELECT ?s ?o WHERE {{ ?s <{prop}> ?o }}"
            edges.extend((s.value, o.value) for s, o in store.query(text))
        return edges

    edges = len(baseline())
    print(f"{count:,} triples; {edges:,} edges extracted", file=sys.stderr)
    times = interleaved(
        {
            "baseline": baseline,
            "per property": per_property,
            "all rows": all_rows,
            "build": lambda: build_network(source, profile),
        },
        args.runs,
    )
    network = build_network(source, profile)  # for the analyses, built after the timings
    lines = [
        f"## Networks: {count:,} triples -> {network.number_of_nodes():,} nodes, "
        f"{network.number_of_edges():,} edges\n",
        machine() + f"; {args.runs} runs, interleaved.\n",
        "| work | seconds, median (min-max) | / baseline |",
        "|---|---|---|",
        f"| edge list, one SELECT with `p1\\|p2\\|p3\\|p4` into tuples (baseline, {edges:,} "
        f"rows) | {cell(times['baseline'])} | 1.00x |",
        f"| edge list, one SELECT per property into tuples | {cell(times['per property'])} | "
        f"{ratio(times['per property'], times['baseline'])} |",
        f"| every row the network is made of (nodes and types, labels, attributes, edges: the "
        f"build's own queries) into tuples | {cell(times['all rows'])} | "
        f"{ratio(times['all rows'], times['baseline'])} |",
        f"| `build_network` (profile -> MultiDiGraph, labels, attributes) | "
        f"{cell(times['build'])} | {ratio(times['build'], times['baseline'])} |",
        "",
        f"Build over the per-property extraction: {ratio(times['build'], times['per property'])}; "
        f"over reading every row it is made of: {ratio(times['build'], times['all rows'])}.\n",
        "| analysis of that network | seconds, median (min-max) |",
        "|---|---|",
    ]
    analyses: dict[str, Callable[[], object]] = {
        "degree": lambda: analyze(network, ["degree"], write_back=False),
        "pagerank": lambda: analyze(network, ["pagerank"], write_back=False),
        "betweenness, k=100 (sampled)": lambda: analyze(
            network, ["betweenness"], k=100, write_back=False
        ),
        "louvain (seed 42)": lambda: analyze(network, ["louvain"], write_back=False),
    }
    if fast_available():  # kgcli[fast]: the default community method, and the metrics above
        analyses["leiden (seed 42, igraph)"] = lambda: analyze(
            network, ["leiden"], write_back=False
        )
    for name, fn in analyses.items() if args.analysis_runs else ():
        runs = []
        for _ in range(args.analysis_runs):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        lines.append(f"| {name} | {cell(runs)} |")
        print(f"  {name}: done", file=sys.stderr)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
