"""Write a network (the networkx graph of `docs/network-model.md`) for Gephi and web viewers.

    legend = write_network(graph, "firms.gexf", size_by="pagerank", layout="forceatlas2")

Formats, by extension or `fmt`: GEXF 1.3 or 1.2draft (`.gexf`), GraphML (`.graphml`), Gephi's
spreadsheet import (`.csv`: `NAME.nodes.csv` + `NAME.edges.csv`) and graphology JSON (`.json`).
Every file is written atomically. All formats share one encoding:

- colours by node `kind`, from `palette` (Okabe-Ito, then Tableau 20) in the order of
  `graph.graph["kinds"]`, then any other kinds sorted, so a kind keeps its colour between runs;
- sizes from `size_by` (a numeric node attribute), linear from 5 to 50, else 10 for every node;
- positions from a seeded layout, scaled to +-1000, only when `layout` is given;
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
    import networkx as nx

__all__ = ["EXPORT_FORMATS", "LAYOUTS", "format_for", "palette", "write_network"]

EXPORT_FORMATS = ("gexf", "graphml", "gephi-csv", "graphology")
_EXTENSIONS = {".gexf": "gexf", ".graphml": "graphml", ".csv": "gephi-csv", ".json": "graphology"}


def format_for(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The export format: `explicit` if given, else guessed from the file extension."""
    if explicit is not None:
        if explicit.lower() not in EXPORT_FORMATS:
            raise UsageError(
                f"unknown network format {explicit!r} (choose from {', '.join(EXPORT_FORMATS)})"
            )
        return explicit.lower()
    extension = os.path.splitext(os.fspath(path))[1].lower()
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
    layout: str | None = None,
    seed: int = 42,
) -> dict[str, str]:
    """Write `graph` to `path` atomically; return the legend, kind -> `#rrggbb`."""
    from kgcli.atomic import atomic_write
    from kgcli.network.export.plan import make_plan

    chosen = format_for(path, fmt)
    if chosen == "gexf":
        from kgcli.network.export.gexf import check_version

        check_version(gexf_version)  # before the survey, which may take a while
    plan = make_plan(graph, size_by=size_by, layout=layout, seed=seed)
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
    else:
        from kgcli.network.export.graphology import write_graphology

        with atomic_write(path) as out:
            write_graphology(graph, out, plan)
    return plan.legend
