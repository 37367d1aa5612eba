"""Gephi's spreadsheet import: a nodes table and an edges table, RFC 4180 CSV in UTF-8.

Headers follow Gephi's importer, which matches them case-insensitively: nodes `Id`, `Label`, then
the data columns; edges `Source`, `Target`, `Type` (`Directed`/`Undirected`), `Id`, `Label`, `Kind`
(Gephi's edge kind, which keeps parallel relations apart: the predicate), `Weight`, then the data
columns. A data attribute whose name Gephi reserves, or that differs from an earlier column only
in case (Gephi rejects repeated headers), is written as `data:NAME`. Times are ISO text in
`start`/`end` (Gephi's "Merge columns > Create time interval" turns them into an interval) and as
stated in `start_text`/`end_text`. A missing value is an empty cell, so CSV cannot tell it from an
empty string.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from kgcli.network.export.plan import (
    Column,
    Plan,
    columns,
    edges_with_ids,
    float_text,
    normalise_time,
    text_of,
    time_columns,
    time_text,
)

if TYPE_CHECKING:
    import networkx as nx

_TIMES = ("start", "end", "start_text", "end_text")
_NODE_RESERVED = ("id", "label", *_TIMES, "x", "y", "size", "color")
_EDGE_RESERVED = ("source", "target", "type", "id", "label", "kind", "weight", *_TIMES)
_SURROGATE = re.compile("[\ud800-\udfff]")


def csv_paths(path: str) -> tuple[str, str]:
    """`NAME.csv` -> (`NAME.nodes.csv`, `NAME.edges.csv`)."""
    stem = path[: -len(".csv")] if path.lower().endswith(".csv") else path
    return f"{stem}.nodes.csv", f"{stem}.edges.csv"


class _Sheet:
    """A csv.writer over a binary stream, flushed in batches; lone surrogates become U+FFFD."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._text = io.StringIO()
        # RFC 4180: CRLF line ends, fields quoted only when they must be.
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self._rows = 0

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow(values)
        self._rows += 1
        if self._rows >= 2048:
            self.flush()

    def flush(self) -> None:
        chunk = self._text.getvalue()
        try:
            data = chunk.encode("utf-8")
        except UnicodeEncodeError:
            data = _SURROGATE.sub("\ufffd", chunk).encode("utf-8")
        self._out.write(data)
        self._text.seek(0)
        self._text.truncate()
        self._rows = 0


def write_gephi_csv(graph: nx.Graph, nodes_out: BinaryIO, edges_out: BinaryIO, plan: Plan) -> None:
    """Write the nodes table to `nodes_out` and the edges table to `edges_out`."""
    found = plan.survey
    node_cols = columns(found.node_attrs, _NODE_RESERVED, prefix="", fold_case=True)
    node_texts = time_columns(found.node_time_text, prefix="")
    header = ["Id", "Label", *(c.title for c in node_cols)]
    if found.node_times:
        header += ["start", "end", *(c.title for c in node_texts)]
    if plan.positions is not None:
        header += ["x", "y"]
    header += ["size", "color"]
    sheet = _Sheet(nodes_out)
    sheet.row(header)
    datetimes = found.datetimes
    for node, data in graph.nodes(data=True):
        label = data.get("label")
        row = [str(node), "" if label is None else str(label)]
        row += [_cell(data.get(c.name), c) for c in node_cols]
        if found.node_times:
            row += _times(data, datetimes, node, node_texts)
        if plan.positions is not None:
            x, y = plan.positions.get(node, (0.0, 0.0))
            row += [repr(x), repr(y)]
        row += [repr(plan.node_size(data)), plan.node_colour(data) or ""]
        sheet.row(row)
    sheet.flush()

    edge_cols = [
        c
        for c in columns(found.edge_attrs, _EDGE_RESERVED, prefix="", fold_case=True)
        if c.name != "kind"  # the Kind column
    ]
    edge_texts = time_columns(found.edge_time_text, prefix="")
    header = ["Source", "Target", "Type", "Id", "Label", "Kind", "Weight"]
    header += [c.title for c in edge_cols]
    if found.edge_times:
        header += ["start", "end", *(c.title for c in edge_texts)]
    sheet = _Sheet(edges_out)
    sheet.row(header)
    direction = "Directed" if found.directed else "Undirected"
    for edge_id, u, v, data in edges_with_ids(graph, plan):
        label = data.get("label")
        kind = data.get("kind")
        weight = data.get("weight")
        row = [
            str(u),
            str(v),
            direction,
            edge_id,
            "" if label is None else str(label),
            "" if kind is None else text_of(kind),
            "" if weight is None else float_text(float(weight)),
        ]
        row += [_cell(data.get(c.name), c) for c in edge_cols]
        if found.edge_times:
            row += _times(data, datetimes, (u, v), edge_texts)
        sheet.row(row)
    sheet.flush()


def _cell(value: Any, col: Column) -> str:
    if value is None:
        return ""
    if col.type == "double":
        return float_text(float(value))
    return text_of(value)


def _times(data: dict[str, Any], datetimes: bool, where: object, texts: list[Column]) -> list[str]:
    cells = []
    for name in ("start", "end"):
        value = data.get(name)
        if value is None:
            cells.append("")
        else:
            iso, _ = normalise_time(value, f"{where}: {name}")
            cells.append(time_text(iso, datetimes))
    for col in texts:
        value = data.get(col.name)
        cells.append(value if isinstance(value, str) else "")
    return cells
