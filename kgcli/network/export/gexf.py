"""GEXF 1.3 (or 1.2draft), streamed: Gephi's native format, valid against the official grammar.

Written by hand rather than with `networkx.write_gexf`, which Gephi and the grammar reject (a
`name` on `<graph>`, a misspelt xsi namespace in 1.3, `None` placeholders, `anyURI` columns) and
which builds the whole document in memory. Here each node and edge becomes a string as it is
reached and is written in batches, so memory stays flat however large the network.

Encoding decisions (see also `kgcli.network.export`):

- columns are typed `integer`, `long`, `double`, `boolean` or `string` only, one type per column;
  dates are ISO 8601 strings, because neither grammar has a date column type and Gephi drops
  unknown types;
- a missing value writes no `<attvalue>`;
- with any `start`/`end`, the graph is `mode="dynamic"` with `timeformat="date"` (or `dateTime`
  when a time has a clock time), and each element carries `start`/`end`; times given as text
  (`2006`, `2018-11`) start on the first day of their period and are also kept as stated in the
  `start_text`/`end_text` columns;
- text XML 1.0 cannot carry (U+0000 and most other C0 controls, U+FFFE, U+FFFF, lone
  surrogates) is refused, naming the node or edge (`kgcli.rdf.xmlchars`), never altered.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, BinaryIO

from kgcli.errors import UsageError
from kgcli.network.export.plan import (
    Column,
    Plan,
    columns,
    edges_with_ids,
    float_text,
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

VERSIONS = ("1.3", "1.2draft")
_NAMESPACES = {
    "1.3": ("http://gexf.net/1.3", "http://gexf.net/1.3/viz", "1.3"),
    "1.2draft": ("http://www.gexf.net/1.2draft", "http://www.gexf.net/1.2draft/viz", "1.2"),
}
# Titles our own columns use; a data attribute of that name is written as data:NAME.
_RESERVED = ("start_text", "end_text")


def check_version(version: str) -> str:
    """The canonical version name (`1.2` is accepted for 1.2draft)."""
    canonical = "1.2draft" if version == "1.2" else version
    if canonical not in VERSIONS:
        raise UsageError(f"unknown GEXF version {version!r} (choose from {', '.join(VERSIONS)})")
    return canonical


def write_gexf(graph: nx.Graph, out: BinaryIO, plan: Plan, version: str = "1.3") -> None:
    """Write `graph` as GEXF to the binary stream `out`."""
    version = check_version(version)
    ns, viz_ns, number = _NAMESPACES[version]
    found = plan.survey
    node_cols = columns(found.node_attrs, _RESERVED, prefix="n")
    edge_cols = columns(found.edge_attrs, _RESERVED, prefix="e")
    node_time_cols = time_columns(found.node_time_text, prefix="n")
    edge_time_cols = time_columns(found.edge_time_text, prefix="e")

    buf = Buffer(out)
    put = buf.append
    # Gephi Lite only recognises a file whose first line is the declaration and second `<gexf`.
    put('<?xml version="1.0" encoding="UTF-8"?>\n')
    put(f'<gexf xmlns="{ns}" xmlns:viz="{viz_ns}" version="{number}">\n')
    try:
        _meta(put, plan)
        edgetype = "directed" if found.directed else "undirected"
        mode = "dynamic" if found.dynamic else "static"
        timeformat = f' timeformat="{found.timeformat}"' if found.dynamic else ""
        put(f'  <graph defaultedgetype="{edgetype}" mode="{mode}"{timeformat}>\n')
        _declare(put, "node", node_cols + node_time_cols)
        _declare(put, "edge", edge_cols + edge_time_cols)
    except XmlCharError as err:
        raise refused(err, "the network's metadata or an attribute name", "GEXF") from None

    put(f'    <nodes count="{graph.number_of_nodes()}">\n')
    node_lines = _Lines(node_cols)
    z = ' z="0.0"' if version == "1.2draft" else ""  # 1.2draft requires z
    datetimes = found.datetimes
    for node, data in graph.nodes(data=True):
        label = data.get("label")
        try:
            put(f'      <node id="{attr(str(node))}"')
            if label is not None:
                put(f' label="{attr(str(label))}"')
            if found.node_times:
                _times(put, data, datetimes, node)
            put(">\n")
            lines = node_lines.lines(data, node_time_cols)
        except XmlCharError as err:
            raise refused(err, f"node {shown(repr(node))}", "GEXF") from None
        if lines:
            put("        <attvalues>\n")
            put(lines)
            put("        </attvalues>\n")
        colour = plan.node_colour(data)
        if colour is not None:
            r, g, b = rgb(colour)
            put(f'        <viz:color r="{r}" g="{g}" b="{b}"/>\n')
        put(f'        <viz:size value="{plan.node_size(data)!r}"/>\n')
        if plan.positions is not None:
            x, y = plan.positions.get(node, (0.0, 0.0))
            put(f'        <viz:position x="{x!r}" y="{y!r}"{z}/>\n')
        put("      </node>\n")
        buf.tick()
    put("    </nodes>\n")

    put(f'    <edges count="{graph.number_of_edges()}">\n')
    edge_lines = _Lines(edge_cols)
    ids: dict[Any, str] = {}  # each node id escaped once, not once per edge
    # label, kind and weight repeat across edges of one predicate: render each combination once.
    natives: dict[tuple[Any, Any, Any], str] = {}
    native_kind = version == "1.3"
    for edge_id, u, v, data in edges_with_ids(graph, plan):
        try:
            source = ids.get(u)
            if source is None:
                source = ids[u] = attr(str(u))
            target = ids.get(v)
            if target is None:
                target = ids[v] = attr(str(v))
            triple = (data.get("label"), data.get("kind"), data.get("weight"))
            native = natives.get(triple)
            if native is None:
                native = _natives(*triple, native_kind)
                if len(natives) < _Lines.LIMIT:
                    natives[triple] = native
            put(f'      <edge id="{attr(edge_id)}" source="{source}" target="{target}"{native}')
            if found.edge_times:
                _times(put, data, datetimes, (u, v))
            lines = edge_lines.lines(data, edge_time_cols)
        except XmlCharError as err:
            raise refused(err, f"the edge {shown(repr(u))} -> {shown(repr(v))}", "GEXF") from None
        if lines:
            put(">\n        <attvalues>\n")
            put(lines)
            put("        </attvalues>\n      </edge>\n")
        else:
            put("/>\n")
        buf.tick()
    put("    </edges>\n  </graph>\n</gexf>\n")
    buf.flush()


def _meta(put: Any, plan: Plan) -> None:
    meta = plan.meta
    put(f'  <meta lastmodifieddate="{dt.date.today().isoformat()}">\n')
    put(f"    <creator>{text(str(meta['creator']))}</creator>\n")
    kinds = ", ".join(plan.legend)
    if kinds:
        put(f"    <keywords>{text(kinds)}</keywords>\n")
    parts = [str(meta[key]) for key in ("title", "description") if key in meta]
    if "source" in meta:
        parts.append(f"Source: {meta['source']}")
    if parts:
        put(f"    <description>{text(chr(10).join(parts))}</description>\n")
    put("  </meta>\n")


def _declare(put: Any, cls: str, cols: list[Column]) -> None:
    if not cols:
        return
    put(f'    <attributes class="{cls}">\n')
    for col in cols:
        put(f'      <attribute id="{col.id}" title="{attr(col.title)}" type="{col.type}"/>\n')
    put("    </attributes>\n")


def _times(put: Any, data: dict[str, Any], datetimes: bool, where: object) -> None:
    for name in ("start", "end"):
        value = data.get(name)
        if value is not None:
            iso, _ = normalise_time(value, f"{where}: {name}")
            put(f' {name}="{time_text(iso, datetimes)}"')


class _Lines:
    """The `<attvalue>` line of each column, memoised for text that repeats (kinds, predicates)."""

    # Past this many distinct values a column is taken to be unique per element (IRIs, labels):
    # its memo is dropped rather than grown.
    LIMIT = 1024

    def __init__(self, cols: list[Column]) -> None:
        self.cols = {c.name: c for c in cols}
        self.memo: dict[str, dict[str, str] | None] = {c.name: {} for c in cols}

    def lines(self, data: dict[str, Any], time_cols: list[Column]) -> str:
        """The `<attvalue>` lines of one node or edge, joined; empty if it has no values."""
        cols = self.cols
        lines = []
        for name, value in data.items():
            col = cols.get(name)
            if col is None or value is None:
                continue
            memo = self.memo[name] if type(value) is str else None
            line = None if memo is None else memo.get(value)
            if line is None:
                line = f'          <attvalue for="{col.id}" value="{_value(value, col.type)}"/>\n'
                if memo is not None:
                    if len(memo) < self.LIMIT:
                        memo[value] = line
                    else:
                        self.memo[name] = None
            lines.append(line)
        for col in time_cols:
            value = data.get(col.name)
            if isinstance(value, str):
                lines.append(f'          <attvalue for="{col.id}" value="{attr(value)}"/>\n')
        return "".join(lines)


def _natives(label: Any, kind: Any, weight: Any, native_kind: bool) -> str:
    """An edge's label, kind (GEXF 1.3 only) and weight, as XML attributes."""
    out = ""
    if label is not None:
        out += f' label="{attr(str(label))}"'
    if native_kind and kind is not None:
        # GEXF 1.3's edge kind tells Gephi which parallel edges are different relations.
        out += f' kind="{attr(str(kind))}"'
    if weight is not None:
        out += f' weight="{weight!r}"'
    return out


def _value(value: Any, kind: str) -> str:
    """One attribute value as escaped attribute text, in its column's type."""
    if kind == "string":
        return attr(text_of(value))
    if kind == "double":
        return float_text(float(value))
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)
