"""A Gephi Lite workspace (`NAME.gephi-lite.json`), streamed: the one file whose column types
Gephi Lite takes as written.

Gephi Lite guesses a column's type from its values when it opens GEXF, GraphML or graphology
JSON, whatever the file declares (docs/gephi-lite.md): a 0/1 metric becomes a boolean, a short run
of integers a category. A JSON object whose `type` is `"gephi-lite"` is instead loaded as Gephi
Lite's own state: the graph (`graphDataset`: `nodeData`, `edgeData`, `layout`, `fullGraph`, the
topology in graphology's serialisation), the column types (`nodeFields`, `edgeFields`), the
appearance and the filters.

What is written (Gephi Lite 1.0.0's format, `GephiLiteFileFormat`):

- every data attribute the other formats write, under the same name, typed: numbers `number`,
  booleans `boolean`, group numbers (`c1`, `c2`... as elsewhere), the node `kind` and the edge
  `kind` and `provenance` (`--infer`) `category`, a column whose every value is an http(s) IRI
  `url`, or an ISO date `date` (`yyyy-MM-dd`, as are `start`/`end`; dateTimes stay text), the
  edge `relations` (a list joined by `; `) `keywords`, anything else `text`; `label` is text;
  `size` is the node's radius from the plan;
- the layout's positions (every node at 0, 0 without a layout);
- the appearance: node colour by `kind` (a partition with the legend's colours), node size by
  `size` as written (so the sizes the plan chose from `size_by`), node and edge labels from
  `label`, edges 1 wide, or 1 to 3 by the square root of their weight where weights vary.
  Gephi Lite replaces its whole appearance state with the file's, so every other entry is
  written too, with Gephi Lite's defaults; no filters.
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

#: The Gephi Lite release whose workspace format this writes (its `version` field).
GEPHI_LITE_VERSION = "1.0.0"
#: Gephi Lite's own defaults for what the appearance must hold but kg has no opinion on.
_NODE_SIZE_MISSING = 20
#: Edge widths: as in kg's pictures, thin lines, wider by the square root of the weight.
_EDGE_WIDTH, _EDGE_WIDTH_MAX = 1, 3
_NODE_COLOUR_MISSING = "#999999"
_EDGE_COLOUR = "#cccccc"
_LABEL_SIZE = 14
_BACKGROUND = "#FFFFFF00"
_GRID = "#666666"
_DATE_FORMAT = "yyyy-MM-dd"  # luxon's spelling, which Gephi Lite parses dates with

_NODE_RESERVED = ("label", "size", "start", "end", "start_text", "end_text")
_EDGE_RESERVED = ("label", "weight", "kind", "start", "end", "start_text", "end_text")
_IRI = re.compile(r"https?://\S+\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")


def write_gephi_lite(graph: nx.Graph, out: BinaryIO, plan: Plan) -> None:
    """Write `graph` as a Gephi Lite workspace to the binary stream `out`."""
    found = plan.survey
    node_cols = columns(
        found.node_attrs,
        _NODE_RESERVED,
        prefix="",
        skip=plan.constant_nodes,
        categories=plan.categories,
    )
    edge_cols = [
        c
        for c in columns(
            found.edge_attrs,
            _EDGE_RESERVED,
            prefix="",
            skip=plan.constant_edges,
            categories=plan.categories,
        )
        if c.name != "kind"  # written under its own name below
    ]
    node_texts = time_columns(found.node_time_text, prefix="")
    edge_texts = time_columns(found.edge_time_text, prefix="")
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    datetimes = found.datetimes
    # Which text columns hold only IRIs (url) or only dates: learnt while writing, declared at
    # the end.
    node_urls = _text_columns(node_cols)
    edge_urls = _text_columns(edge_cols)
    parts: list[str] = []

    def flush() -> None:
        chunk = "".join(parts)
        try:
            data = chunk.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the one thing UTF-8 cannot carry
            data = _SURROGATE.sub("\ufffd", chunk).encode("utf-8")
        out.write(data)
        parts.clear()

    def put(text: str) -> None:
        parts.append(text)
        if len(parts) >= 4096:
            flush()

    put(
        f'{{"type":"gephi-lite","version":{encode(GEPHI_LITE_VERSION)},'
        f'"filters":{{"filters":[]}},\n"graphDataset":{{\n'
        f'"metadata":{encode(_metadata(plan))},\n"nodeData":{{\n'
    )
    node_id = node_ids(plan)
    separator = ""
    has_label = has_size = False
    for node, data in graph.nodes(data=True):
        attrs: dict[str, Any] = {}
        label = data.get("label")
        if label is not None:
            attrs["label"] = str(label)
            has_label = True
        attrs["size"] = plan.node_size(node)
        has_size = True
        _values(attrs, data, node_cols, node_urls)
        time_attributes(attrs, data, datetimes, node, node_texts)
        put(f"{separator}{encode(node_id(node))}:{encode(attrs)}")
        separator = ",\n"
    put('\n},\n"layout":{\n')
    separator = ""
    for node in graph:
        x, y = plan.positions.get(node, (0.0, 0.0)) if plan.positions is not None else (0.0, 0.0)
        put(f'{separator}{encode(node_id(node))}:{{"x":{encode(x)},"y":{encode(y)}}}')
        separator = ",\n"
    put('\n},\n"edgeData":{\n')

    separator = ""
    weights = plan.write_weights()
    seen_edge: set[str] = set()  # which of label, kind, weight some edge has
    for edge_id, _, _, data in edges_with_ids(graph, plan):
        attrs = {}
        for name in ("label", "kind"):
            value = data.get(name)
            if value is not None:
                attrs[name] = text_of(value)
                seen_edge.add(name)
        weight = data.get("weight") if weights else None
        if weight is not None:
            attrs["weight"] = weight
            seen_edge.add("weight")
        _values(attrs, data, edge_cols, edge_urls)
        time_attributes(attrs, data, datetimes, edge_id, edge_texts)
        put(f"{separator}{encode(edge_id)}:{encode(attrs)}")
        separator = ",\n"

    # The topology, as graphology serialises it (Gephi Lite keeps a multigraph).
    options = {"type": "directed" if found.directed else "undirected", "multi": True}
    put(
        f'\n}},\n"fullGraph":{{"options":{encode({**options, "allowSelfLoops": True})},'
        f'"attributes":{{}},\n"nodes":[\n'
    )
    separator = ""
    for node in graph:
        put(f'{separator}{{"key":{encode(node_id(node))}}}')
        separator = ",\n"
    put('\n],\n"edges":[\n')
    separator = ""
    for edge_id, u, v, _ in edges_with_ids(graph, plan):
        put(
            f'{separator}{{"key":{encode(edge_id)},"source":{encode(node_id(u))},'
            f'"target":{encode(node_id(v))}}}'
        )
        separator = ",\n"
    put("\n]},\n")

    node_fields = []
    if has_label:
        node_fields.append(_field("label", "nodes", "text"))
    if has_size:
        node_fields.append(_field("size", "nodes", "number"))
    node_fields += _fields(node_cols, "nodes", node_urls, keywords=())
    node_fields += _time_fields(found.node_time_names, node_texts, "nodes", datetimes)
    edge_fields = [
        _field(name, "edges", kind)
        for name, kind in (("label", "text"), ("kind", "category"), ("weight", "number"))
        if name in seen_edge
    ]
    edge_fields += _fields(edge_cols, "edges", edge_urls, keywords=("relations",))
    edge_fields += _time_fields(found.edge_time_names, edge_texts, "edges", datetimes)
    put(f'"nodeFields":{encode(node_fields)},\n"edgeFields":{encode(edge_fields)}\n}},\n')
    appearance = _appearance(plan, node_fields, edge_fields)
    put(f'"appearance":{encode(appearance)}\n}}\n')
    flush()


def _text_columns(cols: list[Column]) -> dict[str, set[str]]:
    """Each text column's title -> what every value so far could be: {"url", "date"}."""
    return {c.title: {"url", "date"} for c in cols if c.type == "string" and not c.category}


def _metadata(plan: Plan) -> dict[str, str]:
    meta = {"title": plan.meta.get("title", "")}
    if "description" in plan.meta:
        meta["description"] = plan.meta["description"]
    return meta


def _field(name: str, item: str, kind: str, **options: str) -> dict[str, Any]:
    return {"id": name, "itemType": item, "type": kind, **options}


def _fields(
    cols: list[Column], item: str, texts: dict[str, set[str]], keywords: tuple[str, ...]
) -> list[dict[str, Any]]:
    fields = []
    for col in cols:
        if col.category or (col.name, item) in (("kind", "nodes"), ("provenance", "edges")):
            kind = "category"
        elif col.type in ("integer", "long", "double"):
            kind = "number"
        elif col.type == "boolean":
            kind = "boolean"
        elif col.name in keywords:
            fields.append(_field(col.title, item, "keywords", separator="; "))
            continue
        elif "url" in texts.get(col.title, ()):
            kind = "url"
        elif "date" in texts.get(col.title, ()):
            fields.append(_field(col.title, item, "date", format=_DATE_FORMAT))
            continue
        else:
            kind = "text"
        fields.append(_field(col.title, item, kind))
    return fields


def _time_fields(
    names: set[str], texts: list[Column], item: str, datetimes: bool
) -> list[dict[str, Any]]:
    fields = []
    for name in ("start", "end"):
        if name in names:
            if datetimes:
                fields.append(_field(name, item, "text"))
            else:
                fields.append(_field(name, item, "date", format=_DATE_FORMAT))
    fields += [_field(col.title, item, "text") for col in texts]
    return fields


def _values(
    attrs: dict[str, Any], data: dict[str, Any], cols: list[Column], texts: dict[str, set[str]]
) -> None:
    for col in cols:
        value = data.get(col.name)
        if value is None:
            continue
        if col.category:
            attrs[col.title] = category_text(value)
        elif col.type == "string":
            text = attrs[col.title] = text_of(value)
            could = texts.get(col.title)
            if could:
                if "url" in could and not _IRI.match(text):
                    could.discard("url")
                if "date" in could and not _DATE.match(text):
                    could.discard("date")
        elif col.type == "double":
            number = float(value)
            if math.isfinite(number):
                attrs[col.title] = number
        else:
            attrs[col.title] = value


def _appearance(
    plan: Plan, node_fields: list[dict[str, Any]], edge_fields: list[dict[str, Any]]
) -> dict[str, Any]:
    """Gephi Lite's whole appearance state: kg's colours, sizes and labels, its defaults else."""
    nodes = {f["id"]: f for f in node_fields}
    edges = {f["id"]: f for f in edge_fields}
    label_size = {"type": "fixed", "value": _LABEL_SIZE, "zoomCorrelation": 0, "density": 1}
    ellipsis = {"type": "ellipsis", "enabled": False, "maxLength": 25}
    appearance: dict[str, Any] = {
        "showEdges": {"value": True},
        "nodesSize": {"type": "fixed", "value": _NODE_SIZE_MISSING},
        "edgesSize": {"type": "fixed", "value": _EDGE_WIDTH},
        "backgroundColor": _BACKGROUND,
        "layoutGridColor": _GRID,
        "nodesColor": {"type": "fixed", "value": _NODE_COLOUR_MISSING},
        "edgesColor": {"type": "fixed", "value": _EDGE_COLOUR},
        "nodesLabel": {"type": "none"},
        "edgesLabel": {"type": "none"},
        "nodesLabelSize": label_size,
        "edgesLabelSize": dict(label_size),
        "nodesLabelEllipsis": ellipsis,
        "edgesLabelEllipsis": dict(ellipsis),
        "nodesImage": {"type": "none"},
        "edgesZIndex": {"type": "none"},
    }
    if "size" in nodes:
        # A ranking without bounds takes each value as the size itself.
        appearance["nodesSize"] = {
            "type": "ranking",
            "field": nodes["size"],
            "missingSize": _NODE_SIZE_MISSING,
        }
    if "weight" in edges:
        appearance["edgesSize"] = {
            "type": "ranking",
            "field": edges["weight"],
            "missingSize": _EDGE_WIDTH,
            "minSize": _EDGE_WIDTH,
            "maxSize": _EDGE_WIDTH_MAX,
            "transformationMethod": {"pow": 0.5},
        }
    if "kind" in nodes and plan.legend:
        appearance["nodesColor"] = {
            "type": "partition",
            "field": nodes["kind"],
            "colorPalette": dict(plan.legend),
            "missingColor": _NODE_COLOUR_MISSING,
        }
    # No `missingValue`: an item without a label then has none, as with Gephi Lite's own null,
    # which its schema does not allow (it declares a string).
    if "label" in nodes:
        appearance["nodesLabel"] = {"type": "field", "field": nodes["label"]}
    if "label" in edges:
        appearance["edgesLabel"] = {"type": "field", "field": edges["label"]}
    return appearance
