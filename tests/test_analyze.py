"""Metrics against networkx on graphs whose answers are known (karate club, a path, a star), the
tables they make, and shortest paths explained as triples on the embedded graph.
"""

from __future__ import annotations

import networkx as nx
import pytest

from kgcli.api import open_source
from kgcli.errors import InputError, KgError, UsageError
from kgcli.network.analyze import (
    analyze,
    merged,
    metrics_table,
    numbered,
    parse_metrics,
    path_table,
    shortest_path,
)
from kgcli.network.build import build_network
from kgcli.network.profile import resolve_profile

KGR = "https://w3id.org/kgcli/resource/"


def close(a: dict, b: dict, tolerance: float = 1e-9) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= tolerance for k in a)


@pytest.fixture
def karate() -> nx.Graph:
    return nx.karate_club_graph()


def test_karate_club_metrics_are_networkx_own(karate):
    found = analyze(karate, ["all"], write_back=False).values
    assert found["degree"] == dict(karate.degree())
    assert close(found["betweenness"], nx.betweenness_centrality(karate))
    assert close(found["closeness"], nx.closeness_centrality(karate))
    assert close(found["pagerank"], nx.pagerank(karate, weight="weight"))
    assert close(
        found["eigenvector"],
        nx.eigenvector_centrality(karate, max_iter=1000, weight="weight"),
        1e-6,
    )
    assert found["core"] == nx.core_number(karate)
    assert set(found["component"].values()) == {0}
    # Louvain and sampling depend on the order nodes are visited: kgcli runs them on the same
    # graph with its nodes in sorted order, so that the answer does not depend on how it was built.
    canonical = merged(karate, directed=False)
    assert nx.utils.edges_equal(canonical.edges(data="weight"), karate.edges(data="weight"))
    louvain = nx.community.louvain_communities(canonical, weight="weight", seed=42)
    assert sorted(map(sorted, _groups(found["community"]))) == sorted(map(sorted, louvain))
    propagation = nx.community.label_propagation_communities(canonical)
    assert sorted(map(sorted, _groups(found["label_propagation"]))) == sorted(
        map(sorted, propagation)
    )
    # Known values: Mr Hi (0) and the officer (33) are the two hubs.
    assert found["degree"][33] == 17 and found["degree"][0] == 16
    assert max(found["betweenness"], key=found["betweenness"].get) == 0
    assert found["core"][0] == 4


def _groups(numbers: dict) -> list[set]:
    groups: dict[int, set] = {}
    for node, number in numbers.items():
        groups.setdefault(number, set()).add(node)
    return list(groups.values())


def test_path_graph():
    path = nx.path_graph(5)
    found = analyze(path, ["degree", "betweenness", "closeness", "core"], write_back=False).values
    assert found["degree"] == {0: 1, 1: 2, 2: 2, 3: 2, 4: 1}
    # Betweenness of node i on a path of n nodes: i * (n - 1 - i) pairs, normalised by C(n-1, 2).
    assert close(found["betweenness"], {0: 0.0, 1: 0.5, 2: 4 / 6, 3: 0.5, 4: 0.0})
    assert close(found["closeness"], {0: 0.4, 1: 4 / 7, 2: 4 / 6, 3: 4 / 7, 4: 0.4})
    assert found["core"] == dict.fromkeys(range(5), 1)


def test_star_graph():
    star = nx.star_graph(4)  # hub 0 and four leaves
    found = analyze(star, ["degree", "betweenness", "pagerank", "eigenvector"]).values
    assert found["degree"] == {0: 4, 1: 1, 2: 1, 3: 1, 4: 1}
    assert found["betweenness"] == {0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert close(found["pagerank"], nx.pagerank(star))
    assert found["pagerank"][0] > found["pagerank"][1]
    assert close(
        found["eigenvector"], {0: 2**-0.5, **dict.fromkeys(range(1, 5), 2**-0.5 / 2)}, 1e-4
    )
    assert star.nodes[0]["degree"] == 4  # written back


def test_directed_multigraph_degrees_and_components():
    graph = nx.MultiDiGraph()
    graph.add_edges_from([("a", "b", "p"), ("a", "b", "q"), ("b", "c", "p"), ("x", "y", "p")])
    found = analyze(graph, ["degree", "component", "pagerank"], write_back=False)
    assert found.columns == ["degree", "in_degree", "out_degree", "component", "pagerank"]
    assert found.values["degree"] == {"a": 2, "b": 3, "c": 1, "x": 1, "y": 1}
    assert found.values["in_degree"] == {"a": 0, "b": 2, "c": 1, "x": 0, "y": 1}
    assert found.values["component"] == {"a": 0, "b": 0, "c": 0, "x": 1, "y": 1}
    assert close(found.values["pagerank"], nx.pagerank(graph, weight="weight"))


def test_eigenvector_falls_back_to_the_undirected_view_and_says_so():
    chain = nx.MultiDiGraph([(i, i + 1) for i in range(30)])  # acyclic: no directed answer
    found = analyze(chain, ["eigenvector"], write_back=False)
    assert found.notes == [
        "eigenvector centrality did not converge on the directed network; "
        "computed on its undirected view"
    ]
    undirected = nx.eigenvector_centrality(nx.path_graph(31), max_iter=1000)
    assert close(found.values["eigenvector"], undirected, 1e-6)


def test_betweenness_sampling_is_seeded_and_said(karate):
    first = analyze(karate, ["betweenness"], k=10, seed=7, write_back=False)
    again = analyze(karate, ["betweenness"], k=10, seed=7, write_back=False)
    assert first.values == again.values
    canonical = merged(karate, directed=False)
    assert close(first.values["betweenness"], nx.betweenness_centrality(canonical, k=10, seed=7))
    assert first.notes == [
        "betweenness is sampled: shortest paths from 10 of 34 nodes (--k 10, seed 7); "
        "values are estimates"
    ]
    assert analyze(karate, ["betweenness"], k=34, write_back=False).notes == []


def test_louvain_is_reproducible_with_a_seed(karate):
    runs = [analyze(karate, ["community"], seed=3, write_back=False).values for _ in range(2)]
    assert runs[0] == runs[1]


def test_groups_are_numbered_by_size_then_smallest_member():
    assert numbered([{"c"}, {"b", "a"}, {"d"}]) == {"a": 0, "b": 0, "c": 1, "d": 2}


def test_merged_sums_parallel_weights():
    graph = nx.MultiDiGraph()
    graph.add_edge("a", "b", weight=2.0)
    graph.add_edge("a", "b", weight=0.5)
    graph.add_edge("b", "a")
    assert sorted(merged(graph, directed=True).edges(data="weight")) == [
        ("a", "b", 2.5),
        ("b", "a", 1.0),
    ]
    assert merged(graph, directed=False)["a"]["b"]["weight"] == 3.5


def test_parse_metrics():
    assert parse_metrics(None) == ["degree", "betweenness", "pagerank", "component", "community"]
    assert parse_metrics("louvain, lpa,k-core,degree,degree") == [
        "community",
        "label_propagation",
        "core",
        "degree",
    ]
    with pytest.raises(UsageError, match=r"unknown metric 'pagerang'; did you mean 'pagerank'\?"):
        parse_metrics("pagerang")
    with pytest.raises(UsageError, match="no metric given"):
        parse_metrics(" , ")


def test_metrics_table_rows_sorted_and_rounded(karate):
    for node in karate:
        karate.nodes[node]["label"] = f"member {node}"
    found = analyze(karate, ["degree", "pagerank"], write_back=False)
    table = metrics_table(karate, found, top=3)
    rows = [tuple(term.value for term in row if term is not None) for row in table]
    assert table.variables == ["id", "label", "kind", "degree", "pagerank"]
    pagerank = nx.pagerank(karate, weight="weight")
    assert rows == [
        (str(n), f"member {n}", str(d), str(float(f"{pagerank[n]:.6g}")))
        for n, d in ((33, 17), (0, 16), (32, 12))
    ]
    by_community = metrics_table(karate, analyze(karate, ["community"], write_back=False))
    assert [row[3].value for row in by_community][:1] == ["0"]  # groups: smallest number first
    with pytest.raises(UsageError, match="--sort 'closeness' is not a computed metric"):
        metrics_table(karate, found, sort="closeness")


# --- paths on the embedded graph ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> nx.MultiDiGraph:
    return build_network(open_source(), resolve_profile("cluster"))


def test_path_is_explained_as_the_triples_it_follows(cluster):
    steps = shortest_path(cluster, KGR + "wego-holding-manager", KGR + "huacao-town")
    rows = [tuple(term.value for term in row) for row in path_table(steps)]
    assert rows == [
        (
            "1",
            "a manager of Wego Holding",
            "member of",
            "Wego Holding",
            "forward",
            KGR + "wego-holding-manager",
            "http://www.w3.org/ns/org#memberOf",
            KGR + "wego-holding",
        ),
        (
            "2",
            "Wego Holding",
            "located in",
            "Huacao Town",
            "forward",
            KGR + "wego-holding",
            "https://w3id.org/kgcli/ontology#locatedIn",
            KGR + "huacao-town",
        ),
    ]
    steps = shortest_path(cluster, KGR + "dr-smile-surgical-clinic", KGR + "huashan-hospital")
    assert [(s.subject_label, s.predicate_label, s.object_label, s.direction) for s in steps] == [
        ("Dr Smile Surgical Clinic", "uses shared resource", "clinical laboratory", "forward"),
        (
            "Huashan Hospital's Hongqiao Branch",
            "uses shared resource",
            "clinical laboratory",
            "backward",
        ),
        ("Huashan Hospital's Hongqiao Branch", "branch of", "Huashan Hospital", "forward"),
    ]


def test_no_path_between_components(cluster):
    with pytest.raises(KgError, match="no path between 'Liu Jiren' and 'Qin Xiaorui'"):
        shortest_path(cluster, KGR + "liu-jiren", KGR + "qin-xiaorui")
    with pytest.raises(InputError, match="the same node"):
        shortest_path(cluster, KGR + "liu-jiren", KGR + "liu-jiren")


def test_path_on_a_projection_is_undirected():
    graph = build_network(open_source(), resolve_profile("facility-sharing"))
    (step,) = shortest_path(
        graph, KGR + "dr-smile-surgical-clinic", KGR + "huacao-community-health-service-center"
    )
    assert (step.kind, step.predicate, step.direction) == (
        "sharesResourcesWith",
        None,
        "undirected",
    )
    assert [term.value for term in next(iter(path_table([step])))][6] == "sharesResourcesWith"
