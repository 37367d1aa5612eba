"""What a picture costs: our SVG writer against matplotlib's networkx drawing, same layout.

    python benchmarks/bench_draw.py              # 10^4 and 10^5 nodes, Markdown
    python benchmarks/bench_draw.py --quick      # 10^3 and 10^4 nodes

`kg network draw` writes SVG and HTML by hand (`kgcli.network.export.draw`). The alternative
is matplotlib (`networkx.draw_networkx_*` then `savefig(.svg)`), which is not a kgcli
dependency: install it (`pip install matplotlib`) to compare; without it only ours is timed.
Both draw the same graph at the same positions (our default layout, computed once and not
timed), discs coloured by kind and the 40 largest nodes labelled. Pictures are refused above
`MAX_NODES` nodes; the limit is lifted here to see what larger ones would cost.
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import sys
import time

import networkx as nx

from kgcli.network.export import draw as drawing
from kgcli.network.export.plan import Plan, make_plan

KINDS = ("Company", "Town", "District", "Sector", "Platform")


def synthetic(nodes: int, seed: int = 7) -> nx.Graph:
    """A sparse random network (1.5 edges a node) with labels and kinds."""
    rnd = random.Random(seed)
    graph = nx.gnm_random_graph(nodes, nodes * 3 // 2, seed=seed)
    graph = nx.relabel_nodes(graph, {i: f"n{i}" for i in graph})
    graph.graph["title"] = f"Synthetic network of {nodes:,} nodes"
    for i, node in enumerate(graph):
        kind = KINDS[rnd.randrange(len(KINDS))]
        graph.nodes[node].update(label=f"{kind} {i}", kind=kind)
    return graph


def ours(graph: nx.Graph, plan: Plan) -> int:
    out = io.BytesIO()
    drawing.write_svg(drawing.scene(graph, plan), out)
    return len(out.getvalue())


def with_matplotlib(graph: nx.Graph, plan: Plan) -> int:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    assert plan.positions is not None
    colours = [plan.node_colour(d) or "#999999" for _, d in graph.nodes(data=True)]
    sizes = [plan.radii[n] for n in graph]
    top = sorted(graph, key=lambda n: -plan.radii[n])[: drawing.LABELS]
    fig, ax = plt.subplots(figsize=(12, 8.6))
    nx.draw_networkx_edges(graph, plan.positions, ax=ax, alpha=0.5)
    nx.draw_networkx_nodes(graph, plan.positions, ax=ax, node_color=colours, node_size=sizes)
    nx.draw_networkx_labels(
        graph, plan.positions, {n: graph.nodes[n]["label"] for n in top}, ax=ax, font_size=9
    )
    ax.set_title(graph.graph["title"])
    ax.set_axis_off()
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    return len(out.getvalue())


def timed(write, graph: nx.Graph, plan: Plan) -> tuple[float, int]:
    start = time.perf_counter()
    size = write(graph, plan)
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^3 and 10^4 nodes")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    try:
        import matplotlib  # noqa: F401

        writers = {"kgcli SVG": ours, "matplotlib SVG": with_matplotlib}
    except ImportError:
        print("(matplotlib is not installed: only ours is timed)", file=sys.stderr)
        writers = {"kgcli SVG": ours}
    drawing.MAX_NODES = max(sizes)  # lift the limit to see what a larger picture would cost
    print(f"Python {platform.python_version()}, {platform.machine()}, networkx {nx.__version__}")
    print()
    print("| nodes | edges | writer | seconds | file |")
    print("|---:|---:|---|---:|---:|")
    for count in sizes:
        graph = synthetic(count)
        plan = make_plan(graph)
        for name, write in writers.items():
            seconds, size = timed(write, graph, plan)
            print(
                f"| {count:,} | {graph.number_of_edges():,} | {name} | {seconds:.2f} "
                f"| {size / 1024:,.0f} KiB |"
            )


if __name__ == "__main__":
    main()
