"""Metrics against networkx on graphs whose answers are known (karate club, a path, a star), the
tables they make, and shortest paths explained as triples on the embedded graph.
"""

from __future__ import annotations

import sys
import time

import networkx as nx
import pytest
from support import ROOT

from kgcli.api import open_source
from kgcli.engine.source import LocalSource
from kgcli.errors import InputError, KgError, QueryTimeout, UsageError
from kgcli.network import analyze as analyze_module
from kgcli.network.analyze import (
    analyze,
    betweenness_plan,
    fast_available,
    hoeffding_epsilon,
    hoeffding_k,
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


NO_IGRAPH = "python-igraph (the kgcli[fast] extra) is not installed: only networkx is tested"


@pytest.fixture
def karate() -> nx.Graph:
    return nx.karate_club_graph()


@pytest.fixture(params=["networkx", "igraph"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each test with it runs once per backend: the metrics are the same either way."""
    if request.param == "igraph" and not fast_available():
        pytest.skip(NO_IGRAPH)
    return request.param


needs_igraph = pytest.mark.skipif(not fast_available(), reason=NO_IGRAPH)


@pytest.fixture
def without_igraph(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the extra were not installed: `import igraph` fails."""
    monkeypatch.setitem(sys.modules, "igraph", None)


def converged_pagerank(graph: nx.Graph) -> dict:
    """PageRank to a tolerance far below what the tests compare to (networkx's default is not)."""
    return nx.pagerank(graph, weight="weight", tol=1e-15, max_iter=100_000)


def test_karate_club_metrics_are_networkx_own(karate, backend):
    found = analyze(karate, ["all", "louvain"], write_back=False, backend=backend).values
    assert found["degree"] == dict(karate.degree())
    assert close(found["betweenness"], nx.betweenness_centrality(karate))
    assert close(found["closeness"], nx.closeness_centrality(karate))
    assert close(found["pagerank"], converged_pagerank(karate))
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
    assert sorted(map(sorted, _groups(found["louvain"]))) == sorted(map(sorted, louvain))
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


def test_path_graph(backend):
    path = nx.path_graph(5)
    metrics = ["degree", "betweenness", "closeness", "core"]
    found = analyze(path, metrics, write_back=False, backend=backend).values
    assert found["degree"] == {0: 1, 1: 2, 2: 2, 3: 2, 4: 1}
    # Betweenness of node i on a path of n nodes: i * (n - 1 - i) pairs, normalised by C(n-1, 2).
    assert close(found["betweenness"], {0: 0.0, 1: 0.5, 2: 4 / 6, 3: 0.5, 4: 0.0})
    assert close(found["closeness"], {0: 0.4, 1: 4 / 7, 2: 4 / 6, 3: 4 / 7, 4: 0.4})
    assert found["core"] == dict.fromkeys(range(5), 1)


def test_star_graph(backend):
    star = nx.star_graph(4)  # hub 0 and four leaves
    metrics = ["degree", "betweenness", "pagerank", "eigenvector"]
    found = analyze(star, metrics, backend=backend).values
    assert found["degree"] == {0: 4, 1: 1, 2: 1, 3: 1, 4: 1}
    assert close(found["betweenness"], {0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0})
    # Hub and leaves solve r = 0.15/5 + 0.85 * 4l, l = 0.15/5 + 0.85 * r/4.
    assert close(
        found["pagerank"],
        {0: 0.475675675675675, **dict.fromkeys(range(1, 5), 0.131081081081081)},
        1e-9,
    )
    assert found["pagerank"][0] > found["pagerank"][1]
    assert close(
        found["eigenvector"], {0: 2**-0.5, **dict.fromkeys(range(1, 5), 2**-0.5 / 2)}, 1e-4
    )
    assert star.nodes[0]["degree"] == 4  # written back


def test_directed_multigraph_degrees_and_components(backend):
    graph = nx.MultiDiGraph()
    graph.add_edges_from([("a", "b", "p"), ("a", "b", "q"), ("b", "c", "p"), ("x", "y", "p")])
    metrics = ["degree", "component", "pagerank"]
    found = analyze(graph, metrics, write_back=False, backend=backend)
    assert found.columns == ["degree", "in_degree", "out_degree", "component", "pagerank"]
    assert found.values["degree"] == {"a": 2, "b": 3, "c": 1, "x": 1, "y": 1}
    assert found.values["in_degree"] == {"a": 0, "b": 2, "c": 1, "x": 0, "y": 1}
    assert found.values["component"] == {"a": 0, "b": 0, "c": 0, "x": 1, "y": 1}
    assert close(found.values["pagerank"], converged_pagerank(graph))


def test_eigenvector_falls_back_to_the_undirected_view_and_says_so():
    chain = nx.MultiDiGraph([(i, i + 1) for i in range(30)])  # acyclic: no directed answer
    found = analyze(chain, ["eigenvector"], write_back=False)
    assert found.notes == [
        "eigenvector centrality did not converge on the directed network; "
        "computed on its undirected view"
    ]
    undirected = nx.eigenvector_centrality(nx.path_graph(31), max_iter=1000)
    assert close(found.values["eigenvector"], undirected, 1e-6)


def test_betweenness_sampling_is_seeded_and_said(karate, backend):
    first = analyze(karate, ["betweenness"], k=10, seed=7, write_back=False, backend=backend)
    again = analyze(karate, ["betweenness"], k=10, seed=7, write_back=False, backend=backend)
    assert first.values == again.values
    canonical = merged(karate, directed=False)
    assert close(first.values["betweenness"], nx.betweenness_centrality(canonical, k=10, seed=7))
    assert first.notes == [
        "betweenness estimated from 10 of 34 sources (--k 10, seed 7): every value within "
        "±0.62 of the exact one with probability 95% (Hoeffding)"
    ]
    assert analyze(karate, ["betweenness"], k=34, write_back=False, backend=backend).notes == []


def test_louvain_is_reproducible_with_a_seed(karate):
    runs = [analyze(karate, ["louvain"], seed=3, write_back=False).values for _ in range(2)]
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
    assert parse_metrics("communities, louvain, lpa,k-core,degree,degree") == [
        "community",
        "louvain",
        "label_propagation",
        "core",
        "degree",
    ]
    with pytest.raises(UsageError, match=r"unknown metric 'pagerang'; did you mean 'pagerank'\?"):
        parse_metrics("pagerang")
    with pytest.raises(UsageError, match="no metric given"):
        parse_metrics(" , ")


def test_metrics_table_rows_sorted_with_every_digit(karate):
    for node in karate:
        karate.nodes[node]["label"] = f"member {node}"
    found = analyze(karate, ["degree", "pagerank"], write_back=False)
    table = metrics_table(karate, found, top=3)
    rows = [tuple(term.value for term in row if term is not None) for row in table]
    assert table.variables == ["id", "label", "kind", "degree", "pagerank"]
    assert [row[:3] for row in rows] == [
        (str(n), f"member {n}", str(d)) for n, d in ((33, 17), (0, 16), (32, 12))
    ]
    # CSV and JSON carry the float as computed, not rounded for reading (#17).
    pagerank = found.values["pagerank"]
    assert [float(row[3]) for row in rows] == [pagerank[n] for n in (33, 0, 32)]
    assert close(pagerank, converged_pagerank(karate))
    by_community = metrics_table(karate, analyze(karate, ["community"], write_back=False))
    assert [row[3].value for row in by_community][:1] == ["0"]  # groups: smallest number first
    with pytest.raises(UsageError, match="--sort 'closeness' is not a computed metric"):
        metrics_table(karate, found, sort="closeness")


# --- the fast path (igraph) and its fallback ----------------------------------------------------


def _awkward_network() -> nx.MultiDiGraph:
    """Directed, parallel and reciprocal edges with weights (ints, floats, none), a loop,
    isolated nodes and several components: every case the conversion to igraph must keep."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["lonely", "alone"])
    for u, v in nx.gn_graph(120, seed=5).edges():
        graph.add_edge(f"n{u}", f"n{v}", weight=1 + u % 3)
    graph.add_edge("n1", "n0", weight=2.5)  # parallel
    graph.add_edge("n0", "n1")  # reciprocal, weight 1
    graph.add_edge("n7", "n7", weight=4)  # loop
    graph.add_edges_from([("x", "y"), ("y", "z"), ("z", "x")])
    return graph


@needs_igraph
@pytest.mark.parametrize("directed", [True, False])
def test_igraph_and_networkx_give_the_same_metrics(directed):
    graph = _awkward_network() if directed else nx.MultiGraph(_awkward_network())
    metrics = ["degree", "betweenness", "closeness", "pagerank", "component", "core", "louvain"]
    fast = analyze(graph, metrics, write_back=False, backend="igraph")
    slow = analyze(graph, metrics, write_back=False, backend="networkx")
    assert fast.columns == slow.columns
    for column in fast.columns:
        assert close(fast.values[column], slow.values[column]), column
    assert close(fast.values["pagerank"], converged_pagerank(graph))
    for k in (2, 7, 60):
        sampled = [
            analyze(graph, ["betweenness"], k=k, seed=3, write_back=False, backend=b).values
            for b in ("igraph", "networkx")
        ]
        assert close(*(s["betweenness"] for s in sampled), 1e-12), k


@needs_igraph
def test_leiden_is_the_default_community_with_its_modularity(karate):
    found = analyze(karate, ["community", "leiden"], write_back=False)
    assert found.values["community"] == found.values["leiden"]
    assert found.notes == [
        "community: Leiden (igraph, seed 42, resolution 1): 4 communities, "
        "modularity 0.4449, every one connected"
    ]
    groups = _groups(found.values["community"])
    assert len(groups) == 4 and all(nx.is_connected(karate.subgraph(g)) for g in groups)
    assert nx.community.modularity(karate, groups, weight="weight") == pytest.approx(0.4449, 1e-4)
    louvain = nx.community.louvain_communities(karate, weight="weight", seed=42)
    assert nx.community.modularity(karate, groups, weight="weight") >= nx.community.modularity(
        karate, louvain, weight="weight"
    )


@needs_igraph
def test_leiden_is_seeded_and_does_not_depend_on_the_build_order():
    graph = nx.MultiGraph(_awkward_network())
    edges = list(graph.edges(keys=True, data=True))
    shuffled = nx.MultiGraph()
    shuffled.add_nodes_from(sorted(graph, reverse=True))
    shuffled.add_edges_from(reversed(edges))
    runs = [
        analyze(g, ["leiden"], seed=seed, write_back=False).values["leiden"]
        for g, seed in ((graph, 9), (graph, 9), (shuffled, 9))
    ]
    assert runs[0] == runs[1] == runs[2]
    finer = analyze(graph, ["leiden"], resolution=4.0, write_back=False)
    assert max(finer.values["leiden"].values()) > max(runs[0].values())
    assert "resolution 4)" in finer.notes[0]


@pytest.mark.parametrize("weight", [None, 0, 0.0])
def test_without_edge_weight_each_node_is_a_community_and_modularity_is_undefined(backend, weight):
    """No edges (None) or only weightless ones: modularity is 0/0; no nan, no ZeroDivisionError."""
    graph = nx.Graph()
    graph.add_nodes_from(["d", "c", "b", "a"])
    if weight is not None:
        graph.add_edges_from([("a", "b"), ("b", "c")], weight=weight)
    found = analyze(graph, ["community", "louvain"], write_back=False, backend=backend)
    each_alone = {"a": 0, "b": 1, "c": 2, "d": 3}
    assert found.values == {"community": each_alone, "louvain": each_alone}
    undefined = (
        "4 communities, one per node: modularity is undefined without edge weight "
        "(no edges, or every weight 0)"
    )
    louvain = f"community: Louvain (networkx, seed 42, resolution 1): {undefined}"
    assert found.notes == (
        [f"community: Leiden (igraph, seed 42, resolution 1): {undefined}", louvain]
        if backend == "igraph"
        else [
            "Leiden needs igraph (pip install 'kgcli[fast]'): communities by Louvain instead",
            louvain,
        ]
    )


@needs_igraph
def test_disconnected_communities_are_counted():
    import igraph as ig

    # Two triangles joined by one edge; a "community" of one node from each is not connected.
    two = ig.Graph(6, [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])
    assert analyze_module._disconnected(two, [0, 0, 0, 1, 1, 1]) == 0
    assert analyze_module._disconnected(two, [0, 1, 1, 1, 1, 0]) == 1


def test_without_igraph_community_falls_back_to_louvain_and_says_how_to_install(
    karate, without_igraph
):
    assert not fast_available()
    found = analyze(karate, ["community", "leiden"], write_back=False)
    assert found.columns == ["community", "louvain"]  # the column says which method made it
    assert found.notes == [
        "Leiden needs igraph (pip install 'kgcli[fast]'): communities by Louvain instead",
        "community: Louvain (networkx, seed 42, resolution 1): 4 communities, modularity 0.4449",
        "Leiden needs igraph (pip install 'kgcli[fast]'): the louvain column instead",
    ]
    louvain = nx.community.louvain_communities(merged(karate, directed=False), seed=42)
    assert sorted(map(sorted, _groups(found.values["community"]))) == sorted(map(sorted, louvain))
    with pytest.raises(UsageError, match=r"igraph backend is not installed: pip install"):
        analyze(karate, ["degree"], backend="igraph")


def test_without_igraph_a_big_network_hears_of_the_extra(without_igraph):
    big = nx.gnm_random_graph(3000, 21_000, seed=1)
    found = analyze(big, ["degree", "core"], write_back=False)
    assert found.notes == ["igraph would compute these metrics faster: pip install 'kgcli[fast]'"]
    assert analyze(big, ["degree"], write_back=False).notes == []  # degree needs no help


def test_the_hoeffding_bound():
    # The evaluation's figures (benchmarks/analysis-candidates.md): the city at 10^5-10^7.
    assert [hoeffding_k(n) for n in (5356, 53035, 528297)] == [614, 729, 844]
    assert hoeffding_epsilon(53035, 100) == pytest.approx(0.270, abs=5e-4)
    assert hoeffding_epsilon(53035, 729) <= 0.1 < hoeffding_epsilon(53035, 728)


def test_betweenness_is_exact_when_affordable_else_sampled_with_its_bound(backend):
    assert betweenness_plan(nx.path_graph(500), backend=backend) is None
    assert betweenness_plan(nx.path_graph(500), k=20, backend=backend) == 20
    assert betweenness_plan(nx.path_graph(500), k=500, backend=backend) is None
    # A directed network whose nodes reach few others stays exact, however many nodes it has.
    # (networkx's search sets up every node for each source: there it is sampled.)
    forest = nx.DiGraph([(i, i + 1) for i in range(0, 20_000, 2)])
    fast = betweenness_plan(forest, backend=backend) is None
    assert fast is (backend == "igraph")
    # A connected undirected one: every source searches it all.
    ring = nx.cycle_graph(6000)
    assert betweenness_plan(ring, backend=backend) == hoeffding_k(6000)


@needs_igraph
def test_sampled_betweenness_says_its_bound_and_keeps_it():
    ring = nx.cycle_graph(6000)
    found = analyze(ring, ["betweenness"], write_back=False)
    k = hoeffding_k(6000)
    assert found.notes == [
        f"betweenness estimated from {k} of 6000 sources (--k {k}, seed 42): every value within "
        "±0.1 of the exact one with probability 95% (Hoeffding)"
    ]
    exact = analyze(ring, ["betweenness"], k=6000, write_back=False).values["betweenness"]
    assert max(abs(v - exact[n]) for n, v in found.values["betweenness"].items()) <= 0.1


def _slow_metric(run: object) -> dict:
    time.sleep(120)
    return {}


def _failing_metric(run: object) -> dict:
    raise KgError("the metric broke")


def test_timeout_stops_the_analysis(karate, monkeypatch):
    monkeypatch.setitem(analyze_module._COMPUTE, "closeness", _slow_metric)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"^analysis stopped after the 0.5 s timeout"):
        analyze(karate, ["degree", "closeness"], timeout=0.5)
    assert time.monotonic() - started < 60  # killed, not waited for
    assert "degree" not in karate.nodes[0]  # nothing written back


def test_analysis_in_the_child_gives_the_same_answer_and_errors(karate, monkeypatch):
    metrics = ["degree", "betweenness", "pagerank", "community"]
    here = analyze(karate, metrics, write_back=False)
    there = analyze(karate, metrics, write_back=False, timeout=60)
    assert (there.columns, there.values, there.notes) == (here.columns, here.values, here.notes)
    monkeypatch.setitem(analyze_module._COMPUTE, "closeness", _failing_metric)
    with pytest.raises(KgError, match=r"^the metric broke$"):
        analyze(karate, ["closeness"], timeout=60)


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf")])
def test_resolution_must_be_positive(karate, value):
    with pytest.raises(UsageError, match="--resolution must be a positive number"):
        analyze(karate, ["community"], resolution=value)


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
            "located in; explains its location in",
            "Huacao Town",
            "forward",
            KGR + "wego-holding",
            "https://w3id.org/kgcli/ontology#locatedIn",
            KGR + "huacao-town",
        ),
    ]
    steps = shortest_path(cluster, KGR + "dr-smile-surgical-clinic", KGR + "huashan-hospital")
    # On the stated graph (issue #15): the branch is described among the center's facilities.
    center = "New Hongqiao International Medical Center"
    assert [(s.subject_label, s.predicate_label, s.object_label, s.direction) for s in steps] == [
        ("Dr Smile Surgical Clinic", "located in; facility of", center, "forward"),
        ("Huashan Hospital's Hongqiao Branch", "described among the facilities of", center,
         "backward"),
        ("Huashan Hospital's Hongqiao Branch", "branch of", "Huashan Hospital", "forward"),
    ]  # fmt: skip


def test_no_path_between_components(cluster):
    # The cluster network is one component (#16); co-location leaves firms that share no place.
    firms = build_network(open_source(), resolve_profile("co-location"))
    with pytest.raises(
        KgError, match="no path between 'Neosoft Holding' and 'Shanghai Kindly Medical Instruments"
    ):
        shortest_path(firms, KGR + "neosoft-holding", KGR + "shanghai-kindly-medical-instruments")
    with pytest.raises(InputError, match="the same node"):
        shortest_path(cluster, KGR + "liu-jiren", KGR + "liu-jiren")


def test_path_on_a_projection_is_undirected():
    # The facilities' sharing is derived (issue #15): the network is built on the derived graph.
    from kgcli.engine.infer import infer, rule_set

    source = open_source()
    assert isinstance(source, LocalSource)
    infer(source.store, rule_set([], project_rules=ROOT / "queries" / "rules"))
    graph = build_network(source, resolve_profile("facility-sharing"))
    (step,) = shortest_path(
        graph, KGR + "dr-smile-surgical-clinic", KGR + "huacao-community-health-service-center"
    )
    assert (step.kind, step.predicate, step.direction) == (
        "sharesResourcesWith",
        None,
        "undirected",
    )
    assert [term.value for term in next(iter(path_table([step])))][6] == "sharesResourcesWith"


@pytest.mark.parametrize(
    ("weight", "problem"),
    [
        ("3", "'3' is not a number"),
        (None, "None is not a number"),
        (float("nan"), "nan is not a finite number"),
        (-1, "-1 is negative"),
    ],
)
def test_a_bad_weight_is_an_input_error_naming_the_edge(backend, weight, problem):
    graph = nx.DiGraph([("a", "b"), ("b", "c")])
    graph.edges["b", "c"]["weight"] = weight
    with pytest.raises(InputError) as caught:
        analyze(graph, ["degree", "pagerank"], backend=backend)
    assert str(caught.value) == (
        f"edge b -> c: weight {problem}: pagerank needs weights that are numbers, zero or more"
    )
    assert analyze(graph, ["degree", "betweenness"], backend=backend, write_back=False).columns


def _events(found: list) -> list[tuple[str, bool]]:
    """Progress calls as (metric, ended), each ending's seconds checked to be a number."""
    assert all(isinstance(s, float) and s >= 0 for _, s in found if s is not None)
    return [(name, seconds is not None) for name, seconds in found]


@pytest.mark.parametrize("timeout", [None, 60])  # in this process, then from the child
def test_progress_is_told_as_each_metric_starts_and_ends(karate, timeout):
    found: list = []
    analyze(karate, ["degree", "pagerank"], timeout=timeout, progress=lambda *e: found.append(e))
    assert _events(found) == [
        ("degree", False),
        ("degree", True),
        ("pagerank", False),
        ("pagerank", True),
    ]


def test_progress_comes_from_the_child_while_it_works(karate, monkeypatch, tmp_path):
    seen = tmp_path / "seen"

    def waiting(run: object) -> dict:
        # Ends as soon as the parent has been told that closeness started, else after a minute.
        for _ in range(600):
            if seen.exists():
                return {"closeness": dict.fromkeys(karate, 1.0)}
            time.sleep(0.1)
        return {"closeness": {}}

    def progress(name: str, seconds: float | None) -> None:
        found.append((name, seconds))
        if (name, seconds) == ("closeness", None):
            seen.touch()

    found: list = []
    monkeypatch.setitem(analyze_module._COMPUTE, "closeness", waiting)
    analysis = analyze(karate, ["degree", "closeness"], timeout=120, progress=progress)
    assert analysis.values["closeness"] == dict.fromkeys(karate, 1.0)
    assert _events(found)[2:] == [("closeness", False), ("closeness", True)]


def test_progress_says_which_metric_the_timeout_stopped(karate, monkeypatch):
    monkeypatch.setitem(analyze_module._COMPUTE, "closeness", _slow_metric)
    found: list = []
    with pytest.raises(QueryTimeout):
        analyze(karate, ["degree", "closeness"], timeout=0.5, progress=lambda *e: found.append(e))
    assert _events(found) == [("degree", False), ("degree", True), ("closeness", False)]
