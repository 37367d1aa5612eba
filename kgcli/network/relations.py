"""One edge per related pair: a relation and its inverse, or several relations between the same
two nodes, become one edge that lists them (docs/network-model.md, "Edges").

RDF states a link as often as its sources do: Dr Smile `kg:locatedIn` the medical center, and
the center `kg:hasFacility` Dr Smile; a firm `kg:locatedIn` and `kg:foundingLocation` the same
town. Drawn as they come, these are two arrows over each other, and every degree counts them
twice. `merge_relations` keeps one edge per unordered pair of nodes:

- its direction is that of the pair's first relation: a stated one before a derived one (an
  edge's `provenance`, with `--infer`), then in `order` (the profile's order of edges), then
  by name;
- every relation is named as read from the edge's source to its target: as stated, or by its
  declared inverse (`owl:inverseOf`; a symmetric property is its own), or as `^kind` (SPARQL's
  inverse path) when none is declared. A relation and its inverse are then one entry;
- `relations` lists the entries' kinds and `label` their labels, `; `-separated, in that order;
  `kind` and `predicate` are the first entry's, so a pair with one relation looks as before;
  `weight` is the sum of the entries' weights, each entry counted once however often it is
  stated; `provenance`, when the edges have one, is `stated`, `derived` or `both` (an entry is
  stated if either of its ways is).

`multi=True` where the network is built (`kg network ... --multi`) keeps parallel edges instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Inverse:
    """How a relation reads backwards: the inverse's kind, label and predicate IRI."""

    kind: str
    label: str
    predicate: str | None = None


def merge_relations(
    graph: nx.MultiDiGraph,
    inverses: Mapping[str, Inverse] | None = None,
    order: Sequence[str] = (),
) -> nx.DiGraph:
    """A DiGraph of `graph` with one edge per unordered pair of nodes (see the module)."""
    import networkx as nx

    inverses = inverses or {}
    rank = {kind: i for i, kind in reversed(list(enumerate(order)))}
    pairs: dict[frozenset[Any], list[tuple[Any, Any, dict[str, Any]]]] = {}
    for u, v, data in graph.edges(data=True):
        pairs.setdefault(frozenset((u, v)), []).append((u, v, data))
    merged = nx.DiGraph()
    merged.graph.update(graph.graph)
    merged.add_nodes_from(graph.nodes(data=True))
    for edges in pairs.values():

        def place(edge: tuple[Any, Any, dict[str, Any]]) -> tuple[bool, int, str, str, str]:
            kind = str(edge[2].get("kind", ""))
            derived = edge[2].get("provenance") == "derived"
            return (derived, rank.get(kind, len(rank)), kind, str(edge[0]), str(edge[1]))

        edges.sort(key=place)
        source, target, first = edges[0]
        entries: dict[str, tuple[str, str | None, float, dict[str, Any]]] = {}
        stated: dict[str, bool] = {}  # entry -> whether one of its triples is stated
        for u, v, data in edges:
            kind = str(data.get("kind", ""))
            label = str(data.get("label", kind))
            predicate = data.get("predicate")
            if (u, v) != (source, target):
                kind, label, predicate = _backwards(kind, label, predicate, inverses)
            weight = float(data.get("weight", 1.0))
            stated[kind] = stated.get(kind, False) or data.get("provenance") != "derived"
            found = entries.get(kind)
            if found is None or weight > found[2]:
                entries[kind] = (label, predicate, weight, data)
        kinds = list(entries)
        attrs = {k: v for k, v in first.items() if k not in ("kind", "label", "predicate")}
        attrs["kind"] = kinds[0]
        predicate = entries[kinds[0]][1]
        if predicate:
            attrs["predicate"] = predicate
        else:
            attrs.pop("predicate", None)
        attrs["label"] = "; ".join(dict.fromkeys(entries[k][0] for k in kinds))
        attrs["relations"] = "; ".join(kinds)
        attrs["weight"] = sum(entries[k][2] for k in kinds)
        for _, _, data in edges[1:]:
            for key, value in data.items():
                attrs.setdefault(key, value)
        if attrs.pop("provenance", None) is not None:
            attrs["provenance"] = provenance_of(stated[k] for k in kinds)
        merged.add_edge(source, target, **attrs)
    return merged


def provenance_of(stated: Iterable[bool]) -> str:
    """The provenance of an edge made of several links, from whether each is stated: "stated"
    (all are), "derived" (none is) or "both"."""
    found = set(stated)
    return "both" if len(found) == 2 else "stated" if True in found else "derived"


def _backwards(
    kind: str, label: str, predicate: str | None, inverses: Mapping[str, Inverse]
) -> tuple[str, str, str | None]:
    inverse = inverses.get(kind)
    if inverse is not None:
        return inverse.kind, inverse.label, inverse.predicate
    bare = kind[1:] if kind.startswith("^") else f"^{kind}"
    return bare, f"{label} (inverse)" if not kind.startswith("^") else label, None
