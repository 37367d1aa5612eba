"""The default layout at scale (#18): beyond EXACT_MAX nodes a component feels only its near
nodes, and that work stays in proportion to the nodes, not to how tightly the layout packs them;
large sparse networks come out as readable as small ones. Work is counted, never timed."""

from __future__ import annotations

from typing import Any, ClassVar

import networkx as nx
import numpy as np
import pytest
import scipy.spatial

from kgcli.network.export import layout
from kgcli.network.export.plan import make_plan
from kgcli.network.export.readability import measure


def _sparse(n: int, per_node: float = 2.4, seed: int = 1) -> nx.Graph:
    """A random sparse network, connected (a path through it), with labels: the city's shape
    at its worst, edges that span the whole layout."""
    graph = nx.gnm_random_graph(n, int(n * per_node), seed=seed)
    nx.add_path(graph, range(n))
    for node in graph:
        graph.nodes[node]["label"] = f"Company {node}"
    return graph


class _CountingTree(scipy.spatial.cKDTree):
    """A k-d tree that records how many pairs each `query_pairs` returns."""

    found: ClassVar[list[int]] = []

    def query_pairs(self, *args: Any, **kwargs: Any) -> Any:
        pairs = super().query_pairs(*args, **kwargs)
        _CountingTree.found.append(len(pairs))
        return pairs


def test_the_neighbour_work_grows_with_the_nodes_only(monkeypatch):
    """3,000 nodes: the old reach (3 units, fixed) held ~150 neighbours a node once the layout
    had contracted, and searched them at every step and every round of _separate (~480 k-d tree
    searches); now a few spacings, searched every few steps."""
    monkeypatch.setattr(scipy.spatial, "cKDTree", _CountingTree)
    _CountingTree.found = []
    graph = _sparse(3_000)
    layout.default_layout(graph)
    found = _CountingTree.found
    assert len(found) <= 60, f"{len(found)} searches"
    assert max(found) <= 40 * len(graph), f"{max(found) / len(graph):.0f} pairs a node"


def test_a_large_sparse_network_is_readable_and_seeded():
    graph = _sparse(3_000)
    plan = make_plan(graph)
    found = measure(graph, plan.positions, plan.radii)
    assert found.failures() == [], found
    assert found.overlap == 0.0
    assert make_plan(graph).positions == plan.positions
    assert make_plan(graph, seed=7).positions != plan.positions


def test_separate_frees_every_disc():
    """The Verlet list of _separate (pairs searched again only once a disc has moved half its
    skin) misses no overlap: 2,000 discs dropped in a square they barely fit in."""
    rng = np.random.default_rng(3)
    r = rng.uniform(layout.RADIUS_MIN, layout.RADIUS_MAX, 2_000)
    pos = rng.uniform(0, 2_000, (2_000, 2))
    out = layout._separate(pos, r, rounds=2_000)
    gap = scipy.spatial.distance.pdist(out)
    need = scipy.spatial.distance.pdist(r[:, None], lambda a, b: a[0] + b[0])
    assert (gap >= need).all(), f"{int((gap < need).sum())} overlapping pairs"


@pytest.mark.parametrize("n", [1, 10, 10_000])
def test_scatter_sums_as_add_at(n):
    rng = np.random.default_rng(n)
    index = rng.integers(0, n, 5 * n)
    values = rng.normal(size=(5 * n, 2))
    expected = np.zeros((n, 2))
    np.add.at(expected, index, values)
    np.testing.assert_allclose(layout._scatter(index, values, n), expected, rtol=1e-12, atol=1e-12)
