"""Write a network (the networkx graph of `docs/network-model.md`) for Gephi and web viewers.

    legend = write_network(graph, "firms.gexf", size_by="pagerank")

Formats, by extension or `fmt`: GEXF 1.3 or 1.2draft (`.gexf`), GraphML (`.graphml`), Gephi's
spreadsheet import (`.csv`: `NAME.nodes.csv` + `NAME.edges.csv`), graphology JSON (`.json`) and a
Gephi Lite workspace (`.gephi-lite.json`: the one file whose column types Gephi Lite keeps).
Every file is written atomically. All formats share one encoding, readable on opening:

- colours by the node's class IRI (its `kind` when it has no class), from one stable palette
  (`kgcli.network.export.palette`): a class has the same colour in every network and run;
- sizes (disc radii) from `size_by`, a numeric node attribute (default `degree`), between 10
  and 30 layout units by the square root of the value's place in its range (or by rank);
- positions from a seeded layout (`kgcli.network.export.layout`: components packed around the main
  one; an edge is about 100 units long, a small network spread to 1000 units across), or a
  networkx layout by name, or none;
- values written so that clients which guess types from values (Gephi Lite) guess right:
  numeric columns holding one value everywhere are left out, group numbers
  (`graph.graph["categories"]`: component, community...) are written `c1`, `c2`, ..., and edge
  weights only when some edge does not weigh 1.0;
- one type per attribute column: int (`integer`, or `long` beyond 32 bits, or text beyond 64),
  float (`double`; a column mixing ints and floats is `double` too), bool, and text for str,
  dates (ISO 8601) and any mixture; a missing value is never written;
- `start`/`end` as ISO dates: a year or a month stands for its first day (`2006` -> `2006-01-01`),
  and the text as stated is kept in `start_text`/`end_text`.

This module stays cheap to import: networkx and the writers load when a network is written.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kgcli.errors import UsageError
from kgcli.network.export.plan import LAYOUTS, palette

if TYPE_CHECKING:
    from collections.abc import Callable

    import networkx as nx

__all__ = ["EXPORT_FORMATS", "LAYOUTS", "format_for", "legend_rows", "palette", "write_network"]

EXPORT_FORMATS = ("gexf", "graphml", "gephi-csv", "graphology", "gephi-lite")
_EXTENSIONS = {
    ".gexf": "gexf",
    ".graphml": "graphml",
    ".csv": "gephi-csv",
    ".json": "graphology",
    ".gephi-lite.json": "gephi-lite",
}


def format_for(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The export format: `explicit` if given, else guessed from the file extension."""
    if explicit is not None:
        if explicit.lower() not in EXPORT_FORMATS:
            raise UsageError(
                f"unknown network format {explicit!r} (choose from {', '.join(EXPORT_FORMATS)})"
            )
        return explicit.lower()
    name = os.path.basename(os.fspath(path)).lower()
    if name.endswith(".gephi-lite.json"):  # before `.json`, which is graphology's
        return "gephi-lite"
    extension = os.path.splitext(name)[1]
    if extension not in _EXTENSIONS:
        raise UsageError(
            f"cannot tell the network format of {os.fspath(path)!r} from its extension "
            f"{extension or '(none)'!r} (choose from {', '.join(_EXTENSIONS)}, "
            f"or a format: {', '.join(EXPORT_FORMATS)})"
        )
    return _EXTENSIONS[extension]


def write_network(
    graph: nx.Graph,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    gexf_version: str = "1.3",
    size_by: str | None = None,
    size_scale: str = "sqrt",
    layout: str | None = "auto",
    seed: int = 42,
    progress: Callable[[str, float | None], None] | None = None,
) -> dict[str, str]:
    """Write `graph` to `path` atomically; return the legend, kind -> `#rrggbb`. `progress`:
    told as a long layout starts and ends (`kgcli.network.export.plan.make_plan`)."""
    from kgcli.atomic import atomic_write
    from kgcli.network.export.plan import make_plan

    chosen = format_for(path, fmt)
    if chosen == "gexf":
        from kgcli.network.export.gexf import check_version

        check_version(gexf_version)  # before the survey, which may take a while
    plan = make_plan(
        graph,
        size_by=size_by,
        size_scale=size_scale,
        layout=layout,
        seed=seed,
        progress=progress,
    )
    if chosen == "gexf":
        from kgcli.network.export.gexf import write_gexf

        with atomic_write(path) as out:
            write_gexf(graph, out, plan, gexf_version)
    elif chosen == "graphml":
        from kgcli.network.export.graphml import write_graphml

        with atomic_write(path) as out:
            write_graphml(graph, out, plan)
    elif chosen == "gephi-csv":
        from kgcli.network.export.gephi_csv import csv_paths, write_gephi_csv

        nodes_path, edges_path = csv_paths(os.fspath(path))
        # Both files are replaced together at the end, or neither if writing fails.
        with atomic_write(nodes_path) as nodes_out, atomic_write(edges_path) as edges_out:
            write_gephi_csv(graph, nodes_out, edges_out, plan)
    elif chosen == "gephi-lite":
        from kgcli.network.export.gephi_lite import write_gephi_lite

        with atomic_write(path) as out:
            write_gephi_lite(graph, out, plan)
    else:
        from kgcli.network.export.graphology import write_graphology

        with atomic_write(path) as out:
            write_graphology(graph, out, plan)
    return plan.legend


def legend_rows(graph: nx.Graph) -> list[tuple[str, str, int, str | None]]:
    """(kind, colour, nodes, class IRI) for each kind of `graph`, in legend order."""
    from kgcli.network.export.plan import colour_key

    counts: dict[str, int] = {}
    classes: dict[str, str | None] = {}
    keys: list[str] = []
    for _, data in graph.nodes(data=True):
        kind = str(data.get("kind", ""))
        counts[kind] = counts.get(kind, 0) + 1
        cls = data.get("class")
        classes.setdefault(kind, None if cls is None else str(cls))
        key = colour_key(data)
        if key is not None:
            keys.append(key)
    colours = palette(keys)
    declared = [str(kind) for kind in graph.graph.get("kinds") or ()]
    order = {kind: i for i, kind in enumerate(declared)}
    rows = []
    for kind in sorted(counts, key=lambda k: (order.get(k, len(order)), k)):
        cls = classes[kind]
        colour = colours.get(cls if cls is not None else kind, "#999999")
        rows.append((kind, colour, counts[kind], cls))
    return rows
