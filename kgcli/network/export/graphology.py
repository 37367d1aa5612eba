"""graphology's serialisation format (JSON), streamed: what `Graph.from(data)` / `graph.import`
read in the browser, and sigma.js draws.

Nodes carry `label`, `size`, `color` and, with a layout, `x`/`y`; sigma.js gives those names (and
`type`, `hidden`, `forceLabel`, `zIndex`, `highlighted`) a meaning of its own, so a data attribute
with such a name is written as `data:NAME`. Each column keeps one JSON type (numbers, booleans,
strings); dates are ISO strings; non-finite numbers, which JSON cannot hold, are left out.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any, BinaryIO

from kgcli.network.export.plan import (
    Column,
    Plan,
    category_text,
    columns,
    edges_with_ids,
    node_ids,
    text_of,
    time_attributes,
    time_columns,
)

if TYPE_CHECKING:
    import networkx as nx

_SIGMA = (
    "label",
    "x",
    "y",
    "size",
    "color",
    "type",
    "hidden",
    "forcelabel",
    "zindex",
    "highlighted",
)
_NODE_RESERVED = (*_SIGMA, "start", "end", "start_text", "end_text")
_EDGE_RESERVED = (*_SIGMA, "weight", "kind", "start", "end", "start_text", "end_text")
_SURROGATE = re.compile("[\ud800-\udfff]")


def write_graphology(graph: nx.Graph, out: BinaryIO, plan: Plan) -> None:
    """Write `graph` as graphology JSON to the binary stream `out`."""
    found = plan.survey
    node_cols = columns(
        found.node_attrs,
        _NODE_RESERVED,
        prefix="",
        fold_case=True,
        skip=plan.constant_nodes,
        categories=plan.categories,
    )
    edge_cols = [
        c
        for c in columns(
            found.edge_attrs,
            _EDGE_RESERVED,
            prefix="",
            fold_case=True,
            skip=plan.constant_edges,
            categories=plan.categories,
        )
        if c.name != "kind"  # written under its own name below
    ]
    node_texts = time_columns(found.node_time_text, prefix="")
    edge_texts = time_columns(found.edge_time_text, prefix="")
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

    attributes = {**plan.meta, "legend": plan.legend}
    kinds = graph.graph.get("kinds")
    if kinds:
        attributes["kinds"] = [str(kind) for kind in kinds]
    if found.dynamic:
        attributes["timeformat"] = found.timeformat
    options = {
        "type": "directed" if found.directed else "undirected",
        "multi": found.multi,
        "allowSelfLoops": True,
    }
    parts: list[str] = [
        f'{{"attributes":{encode(attributes)},\n"options":{encode(options)},\n"nodes":[\n'
    ]

    def flush() -> None:
        chunk = "".join(parts)
        try:
            data = chunk.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the one thing UTF-8 cannot carry
            data = _SURROGATE.sub("\ufffd", chunk).encode("utf-8")
        out.write(data)
        parts.clear()

    datetimes = found.datetimes
    separator = ""
    node_id = node_ids(plan)
    for node, data in graph.nodes(data=True):
        attrs: dict[str, Any] = {}
        label = data.get("label")
        if label is not None:
            attrs["label"] = str(label)
        _values(attrs, data, node_cols)
        time_attributes(attrs, data, datetimes, node, node_texts)
        if plan.positions is not None:
            attrs["x"], attrs["y"] = plan.positions.get(node, (0.0, 0.0))
        attrs["size"] = plan.node_size(node)
        colour = plan.node_colour(data)
        if colour is not None:
            attrs["color"] = colour
        parts.append(f'{separator}{{"key":{encode(node_id(node))},"attributes":{encode(attrs)}}}')
        separator = ",\n"
        if len(parts) >= 2048:
            flush()
    parts.append('\n],\n"edges":[\n')

    separator = ""
    weights = plan.write_weights()
    for edge_id, u, v, data in edges_with_ids(graph, plan):
        attrs = {}
        for name in ("label", "kind"):
            value = data.get(name)
            if value is not None:
                attrs[name] = text_of(value)
        weight = data.get("weight") if weights else None
        if weight is not None:
            attrs["weight"] = weight
        _values(attrs, data, edge_cols)
        time_attributes(attrs, data, datetimes, (u, v), edge_texts)
        parts.append(
            f'{separator}{{"key":{encode(edge_id)},"source":{encode(node_id(u))},'
            f'"target":{encode(node_id(v))},"attributes":{encode(attrs)}}}'
        )
        separator = ",\n"
        if len(parts) >= 2048:
            flush()
    parts.append("\n]}\n")
    flush()


def _values(attrs: dict[str, Any], data: dict[str, Any], cols: list[Column]) -> None:
    for col in cols:
        value = data.get(col.name)
        if value is None:
            continue
        if col.category:
            attrs[col.title] = category_text(value)
        elif col.type == "string":
            attrs[col.title] = text_of(value)
        elif col.type == "double":
            number = float(value)
            if math.isfinite(number):
                attrs[col.title] = number
        else:
            attrs[col.title] = value
