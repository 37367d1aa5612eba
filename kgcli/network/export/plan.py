"""What every exporter needs to know before writing the first byte: one pass over the graph.

The survey finds each attribute's column type, whether the network is dynamic, whether the edge
keys can serve as ids, and the range of the `size_by` attribute; the plan adds the visual encoding
(palette, sizes, positions). Writers then stream nodes and edges in a second pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from kgcli.errors import InputError, UsageError
from kgcli.network.export.layout import EDGE, RADIUS_MAX, RADIUS_MIN
from kgcli.network.export.palette import colours_for

if TYPE_CHECKING:
    import networkx as nx

ColumnType = Literal["integer", "long", "double", "boolean", "string"]

#: Node sizes (disc radii, in layout units): the smallest and largest when sized by a metric
#: (square root of its share of the range, or rank), and the size of every node otherwise.
SIZE_MIN, SIZE_MAX = RADIUS_MIN, RADIUS_MAX
SIZE_DEFAULT = (RADIUS_MIN + RADIUS_MAX) / 2
SIZE_SCALES = ("sqrt", "rank")

LAYOUTS = ("auto", "forceatlas2", "spring", "kamada-kawai", "none")

_INT32 = 2**31
_INT64 = 2**63
_TIME = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

#: Attributes every format writes natively, never as data columns.
NODE_NATIVE = frozenset({"label", "start", "end"})
EDGE_NATIVE = frozenset({"label", "weight", "start", "end"})


def palette(keys: Iterable[str]) -> dict[str, str]:
    """Colour each class IRI (or kind): the same key has the same colour in every run
    (`kgcli.network.export.palette`)."""
    return colours_for(keys)


def rgb(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` as three 0..255 integers."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def normalise_time(value: object, where: str) -> tuple[str, bool]:
    """A `start`/`end` value as ISO 8601 text, and whether it is a dateTime (not a date).

    A year `2006` becomes `2006-01-01` and a month `2018-11` becomes `2018-11-01`: the first day of
    the stated period, because GEXF times are full dates.
    """
    if isinstance(value, dt.datetime):
        return value.isoformat(), True
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, str):
        match = _TIME.fullmatch(value.strip())
        if match:
            year, month, day = (int(part) if part else 1 for part in match.groups())
            try:
                return dt.date(year, month, day).isoformat(), False
            except ValueError:
                pass
    raise InputError(
        f"{where}: {value!r} is not a date (expected a date, or text YYYY, YYYY-MM or YYYY-MM-DD)"
    )


def time_text(iso: str, datetimes: bool) -> str:
    """An ISO date as a dateTime when the network's time format is dateTime."""
    return iso + "T00:00:00" if datetimes and "T" not in iso else iso


def time_attributes(
    attrs: dict[str, Any],
    data: Mapping[str, Any],
    datetimes: bool,
    where: object,
    texts: list[Column],
) -> None:
    """Put an item's `start`/`end` (ISO, as dateTimes when `datetimes`) and its time columns kept
    as text into `attrs`: the JSON writers' (graphology, Gephi Lite) share of the time contract."""
    for name in ("start", "end"):
        value = data.get(name)
        if value is not None:
            iso, _ = normalise_time(value, f"{where}: {name}")
            attrs[name] = time_text(iso, datetimes)
    for col in texts:
        value = data.get(col.name)
        if isinstance(value, str):
            attrs[col.title] = value


def text_of(value: object) -> str:
    """Any attribute value as the text a string column holds."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def float_text(value: float) -> str:
    """A float as the shortest text that reads back equal, in Java's spelling of the specials.

    Gephi parses with `Double.parseDouble` (which knows `NaN` and `Infinity`, not `nan`/`inf`),
    and Python's `float()` accepts both spellings.
    """
    if math.isfinite(value):
        return repr(value)
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


@dataclass
class _Seen:
    """What one attribute name held across the nodes (or edges)."""

    types: set[type] = field(default_factory=set)
    beyond_32: bool = False
    beyond_64: bool = False
    count: int = 0  # how many nodes (or edges) have a value
    first: Any = None
    constant: bool = True  # every value so far equals the first

    def numeric(self) -> bool:
        return bool(self.types) and self.types <= {int, float}

    def column_type(self) -> ColumnType:
        types = self.types
        if types == {bool}:
            return "boolean"
        if types == {int}:
            return "string" if self.beyond_64 else "long" if self.beyond_32 else "integer"
        if types and types <= {int, float}:
            # Widened, not stringified: a metric that is sometimes integral stays rankable in Gephi.
            return "double"
        return "string"


@dataclass
class Column:
    """One data attribute as a typed column: `name` in the graph, `title` in the file."""

    name: str
    title: str
    type: ColumnType
    id: str
    category: bool = False  # group numbers, written as `c1`, `c2`, ... (see `category_text`)


@dataclass
class Survey:
    """What one pass over the graph found."""

    directed: bool
    multi: bool
    node_attrs: dict[str, _Seen]
    edge_attrs: dict[str, _Seen]
    node_times: bool = False  # some node has start or end
    edge_times: bool = False
    node_time_text: set[str] = field(default_factory=set)  # which of start/end came as text
    edge_time_text: set[str] = field(default_factory=set)
    datetimes: bool = False  # some time has a clock time: the time format is dateTime
    kinds: set[str] = field(default_factory=set)
    keys_unique: bool = False
    size_range: tuple[float, float] | None = None
    nodes: int = 0
    edges: int = 0
    unit_weights: bool = True  # every edge weighs 1.0 (GEXF's default) or has no weight
    renamed: dict[Any, str] = field(default_factory=dict)  # nodes whose text another node has
    node_time_names: set[str] = field(default_factory=set)  # which of start/end nodes have
    edge_time_names: set[str] = field(default_factory=set)

    def constant_columns(self, attrs: Mapping[str, _Seen], items: int) -> list[str]:
        """Numeric columns that hold one value on every item: they tell nothing, and clients
        that guess types from values (Gephi Lite) read them as a boolean or a category."""
        return [
            name
            for name, seen in attrs.items()
            if seen.numeric() and seen.constant and seen.count == items and items > 1
        ]

    @property
    def dynamic(self) -> bool:
        return self.node_times or self.edge_times

    @property
    def timeformat(self) -> str:
        return "dateTime" if self.datetimes else "date"


def survey(graph: nx.Graph, size_by: str | None = None) -> Survey:
    """Walk every node and edge once; check the contract's types on the way."""
    found = Survey(
        directed=graph.is_directed(),
        multi=graph.is_multigraph(),
        node_attrs={},
        edge_attrs={},
    )
    low = math.inf
    high = -math.inf
    numeric_size = False
    names: array[int] = array("q")  # hashes of the nodes' texts, to learn whether they clash
    for node, data in graph.nodes(data=True):
        found.nodes += 1
        names.append(hash(str(node)))
        _record(found.node_attrs, data, NODE_NATIVE)
        if "start" in data or "end" in data:
            found.node_times = True
            _times(found, found.node_time_text, data, f"node {node}")
            found.node_time_names.update(n for n in ("start", "end") if data.get(n) is not None)
        kind = data.get("kind")
        if kind is not None:
            found.kinds.add(str(kind))
        if size_by is not None:
            value = data.get(size_by)
            if type(value) in (int, float):
                numeric_size = True
                if math.isfinite(value):
                    low = min(low, value)
                    high = max(high, value)
    if size_by is not None:
        if not numeric_size:
            numeric = sorted(
                name
                for name, seen in found.node_attrs.items()
                if seen.column_type() in ("integer", "long", "double")
            )
            raise UsageError(
                f"size by {size_by!r}: no node has a numeric {size_by!r} attribute "
                f"(numeric attributes: {', '.join(numeric) or 'none'})"
            )
        if low <= high:
            found.size_range = (float(low), float(high))

    found.renamed = _renamed_nodes(graph, names)
    # Hashes of the keys, 8 bytes an edge, to learn whether the keys can serve as edge ids.
    keys: array[int] | None = array("q") if found.multi else None
    for u, v, key, data in _edges(graph):
        found.edges += 1
        _record(found.edge_attrs, data, EDGE_NATIVE)
        if "start" in data or "end" in data:
            found.edge_times = True
            _times(found, found.edge_time_text, data, f"edge {u} -> {v}")
            found.edge_time_names.update(n for n in ("start", "end") if data.get(n) is not None)
        weight = data.get("weight")
        if weight is not None and (type(weight) not in (int, float) or not math.isfinite(weight)):
            raise InputError(f"edge {u} -> {v}: weight {weight!r} is not a finite number")
        if weight is not None and weight != 1:
            found.unit_weights = False
        if keys is not None:
            keys.append(hash(str(key)))
    if keys is not None:
        found.keys_unique = _unique_keys(graph, keys)
    return found


def _record(attrs: dict[str, _Seen], data: Mapping[str, Any], native: frozenset[str]) -> None:
    for name, value in data.items():
        if value is None or name in native:
            continue
        seen = attrs.get(name)
        if seen is None:
            seen = attrs[name] = _Seen(first=value)
        elif seen.constant and value != seen.first:
            seen.constant = False
        seen.count += 1
        kind = type(value)
        seen.types.add(kind)
        if kind is int and not -_INT32 <= value < _INT32:
            seen.beyond_32 = True
            if not -_INT64 <= value < _INT64:
                seen.beyond_64 = True


def _times(found: Survey, as_text: set[str], data: Mapping[str, Any], where: str) -> None:
    for name in ("start", "end"):
        value = data.get(name)
        if value is None:
            continue
        _, clock = normalise_time(value, f"{where}: {name}")
        found.datetimes |= clock
        if isinstance(value, str):
            as_text.add(name)


def _clash(hashes: array[int]) -> bool:
    """Whether two of `hashes` are equal; sorting them in place keeps this at 8 bytes each."""
    import numpy as np

    ordered = np.frombuffer(hashes, dtype=np.int64)
    ordered.sort()
    return bool((ordered[1:] == ordered[:-1]).any())


def _renamed_nodes(graph: nx.Graph, hashes: array[int]) -> dict[Any, str]:
    """The id of each node whose text another node has (the int 1 and the text "1").

    A node's id is its text (`str(node)`), which every format writes. Where two nodes have the
    same text, a text node keeps it (node ids are texts: it is its own id) and so does the first
    other node; each later one becomes `TEXT~2`, `TEXT~3`... (the first not in use), so no two
    nodes share an id and no edge is drawn to the wrong one.
    """
    if not _clash(hashes):
        return {}
    taken = {str(node) for node in graph}
    claimed = {node for node in graph if isinstance(node, str)}
    renamed: dict[Any, str] = {}
    for node in graph:
        if isinstance(node, str):
            continue
        text = str(node)
        if text not in claimed:
            claimed.add(text)  # the first other node written this way keeps it
            continue
        number = 2
        while f"{text}~{number}" in taken:
            number += 1
        renamed[node] = f"{text}~{number}"
        taken.add(renamed[node])
    return renamed


def _unique_keys(graph: nx.Graph, hashes: array[int]) -> bool:
    # Only if two hashes collide do we compare the keys themselves.
    if not _clash(hashes):
        return True
    seen: set[str] = set()
    for _, _, key, _ in _edges(graph):
        text = str(key)
        if text in seen:
            return False
        seen.add(text)
    return True


def _edges(graph: nx.Graph) -> Iterator[tuple[Any, Any, Any, dict[str, Any]]]:
    """(source, target, key, data) for every edge; key is None in a simple graph."""
    if graph.is_multigraph():
        yield from graph.edges(keys=True, data=True)
    else:
        for u, v, data in graph.edges(data=True):
            yield u, v, None, data


def node_ids(plan: Plan) -> Callable[[Any], str]:
    """The id each format writes for a node: its text, unless another node has that text too
    (`_renamed_nodes`)."""
    renamed = plan.survey.renamed
    if not renamed:
        return str
    return lambda node: renamed.get(node) or str(node)


def edges_with_ids(graph: nx.Graph, plan: Plan) -> Iterator[tuple[str, Any, Any, dict[str, Any]]]:
    """(id, source, target, data): the edge key when keys are unique, else `e0`, `e1`, ..."""
    if plan.survey.keys_unique:
        for u, v, key, data in _edges(graph):
            yield str(key), u, v, data
    else:
        for index, (u, v, _, data) in enumerate(_edges(graph)):
            yield f"e{index}", u, v, data


def columns(
    attrs: Mapping[str, _Seen],
    reserved: Collection[str],
    *,
    prefix: str,
    fold_case: bool = False,
    skip: Collection[str] = (),
    categories: Collection[str] = (),
) -> list[Column]:
    """Data columns in first-seen order; a name a format reserves is written as `data:NAME`.

    Columns named in `skip` (constant ones, see `Survey.constant_columns`) are left out; the
    integer columns named in `categories` are written as text `c1`, `c2`... (`category_text`).

    `reserved` holds the names the format gives a meaning of its own (Gephi reads a GraphML `size`
    as the node size, sigma.js a graphology `type` as a renderer...). With `fold_case`, names that
    differ only in case also count as taken (Gephi's spreadsheet import matches headers so).
    """

    def key(title: str) -> str:
        return _fold(title, fold_case)

    taken = {key(name) for name in reserved}
    out: list[Column] = []
    for name, seen in attrs.items():
        if name in skip:
            continue
        title = name
        while key(title) in taken:
            title = f"data:{title}"
        taken.add(key(title))
        category = name in categories and seen.types == {int}
        kind: ColumnType = "string" if category else seen.column_type()
        out.append(Column(name, title, kind, f"{prefix}{len(out)}", category))
    return out


def category_text(value: object) -> str:
    """A group number as a category label: 0 (the largest group) -> `c1`, 1 -> `c2`, ...

    Clients that guess a column's type from its values read 0/1 as a boolean and a 0..n series
    as a count; a label is a category to every one of them."""
    return f"c{int(value) + 1}" if isinstance(value, int) else text_of(value)


def _fold(name: str, fold_case: bool) -> str:
    return name.casefold() if fold_case else name


def time_columns(as_text: set[str], *, prefix: str) -> list[Column]:
    """`start_text`/`end_text`: the time as stated, for each of start/end given as text.

    Every format reserves these titles, so a data attribute of that name became `data:NAME`.
    """
    return [
        Column(name, f"{name}_text", "string", f"{prefix}{name}")
        for name in ("start", "end")
        if name in as_text
    ]


@dataclass
class Plan:
    """The survey plus the visual encoding, shared by every format."""

    survey: Survey
    colours: dict[str, str]  # class IRI (or kind) -> colour
    legend: dict[str, str]  # kind -> colour, for the kinds present in the graph
    size_by: str | None
    positions: dict[Any, tuple[float, float]] | None
    meta: dict[str, Any]
    radii: dict[Any, float] = field(default_factory=dict)
    #: Integer attributes that number groups, written as `c1`, `c2`, ... (`category_text`).
    categories: frozenset[str] = frozenset()
    #: Numeric node and edge columns left out because they hold one value everywhere.
    constant_nodes: tuple[str, ...] = ()
    constant_edges: tuple[str, ...] = ()

    def node_colour(self, data: Mapping[str, Any]) -> str | None:
        key = colour_key(data)
        return None if key is None else self.colours.get(key)

    def node_size(self, node: Any) -> float:
        return self.radii.get(node, SIZE_DEFAULT)

    def write_weights(self) -> bool:
        """Whether edges carry a weight: not when every one is 1.0, the formats' default (a
        column of 1.0 only is read as a boolean by Gephi Lite)."""
        return not self.survey.unit_weights


def colour_key(data: Mapping[str, Any]) -> str | None:
    """What a node's colour is keyed on: its class IRI, else its kind."""
    cls = data.get("class")
    if cls is not None:
        return str(cls)
    kind = data.get("kind")
    return None if kind is None else str(kind)


#: From this many nodes a layout takes a second or more (the default one about 2 s at 3,000
#: nodes on a shared 2-core machine, `benchmarks/bench_export.py --layout`): the CLI shows it.
LAYOUT_PROGRESS_MIN = 3_000


def make_plan(
    graph: nx.Graph,
    *,
    size_by: str | None = None,
    size_scale: str = "sqrt",
    layout: str | None = "auto",
    seed: int = 42,
    progress: Callable[[str, float | None], None] | None = None,
) -> Plan:
    """Survey the graph and fix its colours, sizes and positions.

    `size_by`: a numeric node attribute (default: `degree`, the node's attribute if it has one,
    else counted here; `none`: every node the same size). `layout`: `auto` (the default,
    `kgcli.network.export.layout`), a networkx layout of `LAYOUTS`, or `none`/None for no positions.
    `progress` is told `("layout", None)` as a layout of `LAYOUT_PROGRESS_MIN` nodes or more
    starts and `("layout", seconds)` as it ends, as `kgcli.network.analyze.analyze` tells its
    metrics.
    """
    if layout is not None and layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    if size_scale not in SIZE_SCALES:
        raise UsageError(f"unknown size scale {size_scale!r} (choose from sqrt, rank)")
    explicit = size_by not in (None, "none")
    found = survey(graph, size_by if explicit else None)
    radii = _radii(graph, found, size_by, size_scale)
    keys: dict[str, str] = {}  # colour key -> kind
    for _, data in graph.nodes(data=True):
        key = colour_key(data)
        if key is not None and key not in keys:
            keys[key] = str(data.get("kind", key))
    colours = palette(keys)
    declared = [str(kind) for kind in graph.graph.get("kinds") or ()]
    order = {kind: i for i, kind in enumerate(declared)}
    legend: dict[str, str] = {}
    for key, kind in sorted(keys.items(), key=lambda kv: (order.get(kv[1], len(order)), kv[1])):
        legend.setdefault(kind, colours[key])
    told = progress is not None and layout not in (None, "none")
    told = told and graph.number_of_nodes() >= LAYOUT_PROGRESS_MIN
    if told and progress is not None:
        progress("layout", None)
    began = time.perf_counter()
    if layout in (None, "none"):
        positions = None
    elif layout == "auto":
        from kgcli.network.export.layout import default_layout

        positions = default_layout(graph, radii, seed=seed)
    else:
        positions = compute_layout(graph, layout, seed)
    if told and progress is not None:
        progress("layout", time.perf_counter() - began)
    meta = {
        key: str(graph.graph[key])
        for key in ("title", "description", "creator", "source")
        if graph.graph.get(key) not in (None, "")
    }
    if "creator" not in meta:
        import kgcli

        meta["creator"] = f"kgcli {kgcli.__version__}"
    categories = frozenset(str(c) for c in graph.graph.get("categories") or ())
    return Plan(
        found,
        colours,
        legend,
        size_by if explicit else None,
        positions,
        meta,
        radii,
        categories,
        tuple(found.constant_columns(found.node_attrs, found.nodes)),
        tuple(found.constant_columns(found.edge_attrs, found.edges)),
    )


def _radii(graph: nx.Graph, found: Survey, size_by: str | None, scale: str) -> dict[Any, float]:
    """Each node's radius: its `size_by` value's place in the range, as a square root (so the
    disc's area follows the value) or as a rank, between SIZE_MIN and SIZE_MAX."""
    if size_by == "none":
        return dict.fromkeys(graph, SIZE_DEFAULT)
    values: dict[Any, float] = {}
    if size_by is None:
        attribute = "degree"
        has = any(type(d.get(attribute)) in (int, float) for _, d in graph.nodes(data=True))
        if not has:
            values = {n: float(d) for n, d in graph.degree()}
    else:
        attribute = size_by
    if not values:
        for node, data in graph.nodes(data=True):
            value = data.get(attribute)
            if type(value) in (int, float) and math.isfinite(value):
                values[node] = float(value)
    if not values:
        return dict.fromkeys(graph, SIZE_DEFAULT)
    low, high = min(values.values()), max(values.values())
    span = SIZE_MAX - SIZE_MIN
    if scale == "rank":
        distinct = sorted(set(values.values()))
        place = {
            v: (i / (len(distinct) - 1) if len(distinct) > 1 else 0.5)
            for i, v in enumerate(distinct)
        }
        share = {n: place[v] for n, v in values.items()}
    elif high > low:
        share = {n: math.sqrt((v - low) / (high - low)) for n, v in values.items()}
    else:
        share = dict.fromkeys(values, 0.5)
    return {
        node: round(SIZE_MIN + span * share[node], 3) if node in share else SIZE_MIN
        for node in graph
    }


def compute_layout(graph: nx.Graph, layout: str, seed: int) -> dict[Any, tuple[float, float]]:
    """A networkx layout, seeded, scaled so that its median edge is `EDGE` units long (the unit
    of node sizes)."""
    import networkx as nx
    import numpy as np

    # Layouts want one undirected edge per pair; parallel relations only add weightless springs.
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    if simple.number_of_nodes() <= 1:
        return dict.fromkeys(simple, (0.0, 0.0))
    if layout == "forceatlas2":
        raw = nx.forceatlas2_layout(simple, seed=seed)
    elif layout == "spring":
        raw = nx.spring_layout(simple, seed=seed)
    else:
        # Kamada-Kawai starts from a circle: deterministic without a seed.
        raw = nx.kamada_kawai_layout(simple)
    lengths = [float(np.hypot(*(raw[u] - raw[v]))) for u, v in simple.edges()]
    median = float(np.median(lengths)) if lengths else 1.0
    factor = EDGE / median if median > 0 else 1.0
    return {
        node: (round(float(x) * factor, 3), round(float(y) * factor, 3))
        for node, (x, y) in raw.items()
    }
