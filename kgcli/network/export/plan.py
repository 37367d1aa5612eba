"""What every exporter needs to know before writing the first byte: one pass over the graph.

The survey finds each attribute's column type, whether the network is dynamic, whether the edge
keys can serve as ids, and the range of the `size_by` attribute; the plan adds the visual encoding
(palette, sizes, positions). Writers then stream nodes and edges in a second pass.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import math
import re
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from kgcli.errors import InputError, UsageError

if TYPE_CHECKING:
    import networkx as nx

ColumnType = Literal["integer", "long", "double", "boolean", "string"]

#: Okabe & Ito (2008), the colour-blind-safe set, without its black (it hides edges and labels).
OKABE_ITO = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
#: Tableau 20, for networks with more kinds than Okabe-Ito has colours.
TABLEAU_20 = (
    *("#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896"),
    *("#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7"),
    *("#bcbd22", "#dbdb8d", "#17becf", "#9edae5"),
)
_FIXED = OKABE_ITO + TABLEAU_20

#: Node sizes when `size_by` is given (linear between the attribute's min and max), and otherwise.
SIZE_MIN, SIZE_MAX, SIZE_DEFAULT = 5.0, 50.0, 10.0
#: Layout coordinates are scaled so the farthest node sits this far from the centre (Gephi's scale).
LAYOUT_SCALE = 1000.0

LAYOUTS = ("forceatlas2", "spring", "kamada-kawai")

_INT32 = 2**31
_INT64 = 2**63
_TIME = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

#: Attributes every format writes natively, never as data columns.
NODE_NATIVE = frozenset({"label", "start", "end"})
EDGE_NATIVE = frozenset({"label", "weight", "start", "end"})


def palette(kinds: Iterable[str]) -> dict[str, str]:
    """Colour each kind, in the order given: Okabe-Ito, then Tableau 20, then spaced hues.

    The colour depends only on a kind's position in the list, so the same list always yields the
    same colours, in any process.
    """
    colours: dict[str, str] = {}
    for kind in kinds:
        if kind not in colours:
            colours[kind] = _colour(len(colours))
    return colours


def _colour(index: int) -> str:
    if index < len(_FIXED):
        return _FIXED[index]
    # Beyond 27 kinds no palette stays distinguishable; golden-angle hues at least stay distinct.
    hue = ((index - len(_FIXED)) * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.5, 0.55)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


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
    for node, data in graph.nodes(data=True):
        _record(found.node_attrs, data, NODE_NATIVE)
        if "start" in data or "end" in data:
            found.node_times = True
            _times(found, found.node_time_text, data, f"node {node}")
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

    # Hashes of the keys, 8 bytes an edge, to learn whether the keys can serve as edge ids.
    keys: array[int] | None = array("q") if found.multi else None
    for u, v, key, data in _edges(graph):
        _record(found.edge_attrs, data, EDGE_NATIVE)
        if "start" in data or "end" in data:
            found.edge_times = True
            _times(found, found.edge_time_text, data, f"edge {u} -> {v}")
        weight = data.get("weight")
        if weight is not None and (type(weight) not in (int, float) or not math.isfinite(weight)):
            raise InputError(f"edge {u} -> {v}: weight {weight!r} is not a finite number")
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
            seen = attrs[name] = _Seen()
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


def _unique_keys(graph: nx.Graph, hashes: array[int]) -> bool:
    import numpy as np

    # Sorting the hashes in place keeps the check at 8 bytes an edge; only if two hashes collide
    # do we compare the keys themselves.
    ordered = np.frombuffer(hashes, dtype=np.int64)
    ordered.sort()
    if not bool((ordered[1:] == ordered[:-1]).any()):
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
) -> list[Column]:
    """Data columns in first-seen order; a name a format reserves is written as `data:NAME`.

    `reserved` holds the names the format gives a meaning of its own (Gephi reads a GraphML `size`
    as the node size, sigma.js a graphology `type` as a renderer...). With `fold_case`, names that
    differ only in case also count as taken (Gephi's spreadsheet import matches headers so).
    """

    def key(title: str) -> str:
        return _fold(title, fold_case)

    taken = {key(name) for name in reserved}
    out = []
    for index, (name, seen) in enumerate(attrs.items()):
        title = name
        while key(title) in taken:
            title = f"data:{title}"
        taken.add(key(title))
        out.append(Column(name, title, seen.column_type(), f"{prefix}{index}"))
    return out


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
    colours: dict[str, str]  # every kind, in palette order
    legend: dict[str, str]  # the kinds present in the graph
    size_by: str | None
    positions: dict[Any, tuple[float, float]] | None
    meta: dict[str, Any]

    def node_colour(self, data: Mapping[str, Any]) -> str | None:
        kind = data.get("kind")
        return None if kind is None else self.colours.get(str(kind))

    def node_size(self, data: Mapping[str, Any]) -> float:
        if self.size_by is None:
            return SIZE_DEFAULT
        value = data.get(self.size_by)
        bounds = self.survey.size_range
        if not isinstance(value, (int, float)) or isinstance(value, bool) or bounds is None:
            return SIZE_MIN
        if not math.isfinite(value):
            return SIZE_MIN
        low, high = bounds
        if high == low:
            return SIZE_DEFAULT
        return round(SIZE_MIN + (SIZE_MAX - SIZE_MIN) * (value - low) / (high - low), 3)


def make_plan(
    graph: nx.Graph,
    *,
    size_by: str | None = None,
    layout: str | None = None,
    seed: int = 42,
) -> Plan:
    """Survey the graph and fix its colours, sizes and (with `layout`) positions."""
    if layout is not None and layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    found = survey(graph, size_by)
    declared = [str(kind) for kind in graph.graph.get("kinds") or ()]
    order = declared + sorted(found.kinds - set(declared))
    colours = palette(order)
    legend = {kind: colour for kind, colour in colours.items() if kind in found.kinds}
    positions = compute_layout(graph, layout, seed) if layout else None
    meta = {
        key: str(graph.graph[key])
        for key in ("title", "description", "creator", "source")
        if graph.graph.get(key) not in (None, "")
    }
    if "creator" not in meta:
        import kgcli

        meta["creator"] = f"kgcli {kgcli.__version__}"
    return Plan(found, colours, legend, size_by, positions, meta)


def compute_layout(graph: nx.Graph, layout: str, seed: int) -> dict[Any, tuple[float, float]]:
    """Seeded 2-D positions, scaled to +-LAYOUT_SCALE, so the same graph always looks the same."""
    import networkx as nx

    # Layouts want one undirected edge per pair; parallel relations only add weightless springs.
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    simple.add_edges_from((u, v) for u, v in graph.edges())
    if simple.number_of_nodes() <= 1:
        return dict.fromkeys(simple, (0.0, 0.0))
    if layout == "forceatlas2":
        raw = nx.forceatlas2_layout(simple, seed=seed)
    elif layout == "spring":
        raw = nx.spring_layout(simple, seed=seed)
    else:
        # Kamada-Kawai starts from a circle: deterministic without a seed.
        raw = nx.kamada_kawai_layout(simple)
    scaled = nx.rescale_layout_dict(raw, scale=LAYOUT_SCALE)
    return {node: (round(float(x), 3), round(float(y), 3)) for node, (x, y) in scaled.items()}
