"""Which graphs a query sees, with and without `--infer`, on a store that may hold derived triples.

A store that `kg infer` wrote holds `kgg:inferred` beside its stated graphs. A query without
`--infer` must not see it (nothing changes without the option); with it, the default graph is the
union of all graphs. pyoxigraph takes the graphs as `query(default_graph=..., named_graphs=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kgcli.infer.vocab import INFERRED_GRAPH

_INFERRED = ox.NamedNode(INFERRED_GRAPH)


def has_inferences(store: ox.Store) -> bool:
    """Whether the store holds a derived graph."""
    return store.contains_named_graph(_INFERRED)


@dataclass(frozen=True)
class Dataset:
    """The query dataset: keyword arguments for `Store.query`."""

    #: None: the union of every graph (pyoxigraph's `use_default_graph_as_union`).
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None
    named_graphs: list[ox.NamedNode | ox.BlankNode] | None

    def query_kwargs(self) -> dict[str, object]:
        if self.default_graph is None:
            return {"use_default_graph_as_union": True}
        return {"default_graph": self.default_graph, "named_graphs": self.named_graphs}


def dataset(store: ox.Store, *, infer: bool) -> Dataset:
    """Stated + derived with `infer`; else the stated graphs only, `kgg:inferred` left out."""
    if infer or not has_inferences(store):
        return Dataset(None, None)
    named = [g for g in store.named_graphs() if g != _INFERRED]
    return Dataset([ox.DefaultGraph(), *named], named)
