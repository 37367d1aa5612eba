"""GraphML, streamed, with typed keys that both networkx and Gephi read back.

Keys are typed `int`, `long`, `double`, `boolean` or `string`; key ids are `k0`, `k1`, ... because
Gephi's importer treats the ids `d3` and `d7` (yEd's) as the label, which `networkx.write_graphml`'s
`d0`, `d1`, ... run into. Gephi reads the keys named `label`, `x`, `y`, `size`, `r`, `g`, `b` and
`weight` as the visual properties, so a data attribute with such a name is written as `data:NAME`.
Times are written as ISO text in `start`/`end` (GraphML has no time model), as stated in
`start_text`/`end_text`; text XML 1.0 cannot carry is refused, naming the node or edge, as in
GEXF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

from kgcli.network.export.plan import (
    Column,
    Plan,
    category_text,
    columns,
    edges_with_ids,
    float_text,
    node_ids,
    normalise_time,
    rgb,
    text_of,
    time_columns,
    time_text,
)
from kgcli.network.export.xmlwriter import Buffer, XmlCharError, attr, refused, text
from kgcli.rdf.xmlchars import shown

if TYPE_CHECKING:
    import networkx as nx

_TYPES = {"integer": "int", "long": "long", "double": "double", "boolean": "boolean"}
# Gephi's GraphML property names (matched on key id or name, case-insensitively), and ours.
_GEPHI_NODE = ("label", "x", "y", "z", "xpos", "ypos", "size", "r", "g", "b", "d3")
_GEPHI_EDGE = ("label", "edgelabel", "weight", "edge weight", "id", "edgeid", "r", "g", "b", "d7")
_OURS = ("start", "end", "start_text", "end_text")


# One streaming pass, in the order the document is written (C901 allowed, as for write_gexf's
# siblings, which stay below the limit).
def write_graphml(graph: nx.Graph, out: BinaryIO, plan: Plan) -> None:  # noqa: C901
    """Write `graph` as GraphML to the binary stream `out`."""
    found = plan.survey
    reserved_nodes = _GEPHI_NODE + _OURS
    reserved_edges = _GEPHI_EDGE + _OURS
    node_cols = columns(
        found.node_attrs,
        reserved_nodes,
        prefix="",
        fold_case=True,
        skip=plan.constant_nodes,
        categories=plan.categories,
    )
    edge_cols = columns(
        found.edge_attrs,
        reserved_edges,
        prefix="",
        fold_case=True,
        skip=plan.constant_edges,
        categories=plan.categories,
    )
    node_times = time_columns(found.node_time_text, prefix="")
    edge_times = time_columns(found.edge_time_text, prefix="")

    keys: list[tuple[str, str, str]] = []  # (for, name, type)

    def key(domain: str, name: str, kind: str) -> str:
        keys.append((domain, name, kind))
        return f"k{len(keys) - 1}"

    graph_keys = {name: key("graph", name, "string") for name in plan.meta}
    label_n = key("node", "label", "string")
    node_keys = {c.name: (key("node", c.title, _TYPES.get(c.type, "string")), c) for c in node_cols}
    start_n = key("node", "start", "string") if "start" in found.node_time_names else ""
    end_n = key("node", "end", "string") if "end" in found.node_time_names else ""
    node_text_keys = [(key("node", c.title, "string"), c) for c in node_times]
    x_key = key("node", "x", "float") if plan.positions is not None else ""
    y_key = key("node", "y", "float") if plan.positions is not None else ""
    size_key = key("node", "size", "float")
    colour_keys = [key("node", channel, "int") for channel in "rgb"]
    # A key no element uses is listed by readers as an empty column (graphology-graphml).
    label_e = key("edge", "label", "string") if found.edges else ""
    weights = plan.write_weights()
    weight_e = key("edge", "weight", "double") if weights else ""
    edge_keys = {c.name: (key("edge", c.title, _TYPES.get(c.type, "string")), c) for c in edge_cols}
    start_e = key("edge", "start", "string") if "start" in found.edge_time_names else ""
    end_e = key("edge", "end", "string") if "end" in found.edge_time_names else ""
    edge_text_keys = [(key("edge", c.title, "string"), c) for c in edge_times]

    buf = Buffer(out)
    put = buf.append
    put('<?xml version="1.0" encoding="UTF-8"?>\n')
    put('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    try:
        for index, (domain, name, kind) in enumerate(keys):
            named = f'attr.name="{attr(name)}" attr.type="{kind}"'
            put(f'  <key id="k{index}" for="{domain}" {named}/>\n')
        edgedefault = "directed" if found.directed else "undirected"
        put(f'  <graph id="G" edgedefault="{edgedefault}">\n')
        for name, k in graph_keys.items():
            put(f'    <data key="{k}">{text(str(plan.meta[name]))}</data>\n')
    except XmlCharError as err:
        raise refused(err, "the network's metadata or an attribute name", "GraphML") from None

    datetimes = found.datetimes
    node_id = node_ids(plan)
    for node, data in graph.nodes(data=True):
        try:
            put(f'    <node id="{attr(node_id(node))}">\n')
            label = data.get("label")
            if label is not None:
                put(f'      <data key="{label_n}">{text(str(label))}</data>\n')
            _data(put, data, node_keys)
            if found.node_times:
                _times(put, data, start_n, end_n, datetimes, node, node_text_keys)
        except XmlCharError as err:
            raise refused(err, f"node {shown(repr(node))}", "GraphML") from None
        if plan.positions is not None:
            x, y = plan.positions.get(node, (0.0, 0.0))
            put(f'      <data key="{x_key}">{x!r}</data>\n')
            put(f'      <data key="{y_key}">{y!r}</data>\n')
        put(f'      <data key="{size_key}">{plan.node_size(node)!r}</data>\n')
        colour = plan.node_colour(data)
        if colour is not None:
            for k, channel in zip(colour_keys, rgb(colour), strict=True):
                put(f'      <data key="{k}">{channel}</data>\n')
        put("    </node>\n")
        buf.tick()

    ids: dict[Any, str] = {}
    for edge_id, u, v, data in edges_with_ids(graph, plan):
        try:
            source = ids.get(u)
            if source is None:
                source = ids[u] = attr(node_id(u))
            target = ids.get(v)
            if target is None:
                target = ids[v] = attr(node_id(v))
            put(f'    <edge id="{attr(edge_id)}" source="{source}" target="{target}">\n')
            label = data.get("label")
            if label is not None:
                put(f'      <data key="{label_e}">{text(str(label))}</data>\n')
            weight = data.get("weight") if weights else None
            if weight is not None:
                put(f'      <data key="{weight_e}">{float_text(float(weight))}</data>\n')
            _data(put, data, edge_keys)
            if found.edge_times:
                _times(put, data, start_e, end_e, datetimes, (u, v), edge_text_keys)
        except XmlCharError as err:
            raise refused(
                err, f"the edge {shown(repr(u))} -> {shown(repr(v))}", "GraphML"
            ) from None
        put("    </edge>\n")
        buf.tick()
    put("  </graph>\n</graphml>\n")
    buf.flush()


def _data(put: Any, data: dict[str, Any], by_name: dict[str, tuple[str, Column]]) -> None:
    for name, value in data.items():
        found = by_name.get(name)
        if found is None or value is None:
            continue
        k, col = found
        if col.category:
            value = category_text(value)
        if col.type == "string":
            out = text(text_of(value))
        elif col.type == "double":
            out = float_text(float(value))
        elif col.type == "boolean":
            out = "true" if value else "false"
        else:
            out = str(value)
        put(f'      <data key="{k}">{out}</data>\n')


def _times(
    put: Any,
    data: dict[str, Any],
    start_key: str,
    end_key: str,
    datetimes: bool,
    where: object,
    text_keys: list[tuple[str, Column]],
) -> None:
    for name, k in (("start", start_key), ("end", end_key)):
        value = data.get(name)
        if value is not None and k:
            iso, _ = normalise_time(value, f"{where}: {name}")
            put(f'      <data key="{k}">{time_text(iso, datetimes)}</data>\n')
    for k, col in text_keys:
        value = data.get(col.name)
        if isinstance(value, str):
            put(f'      <data key="{k}">{text(value)}</data>\n')
