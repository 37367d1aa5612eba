"""One edge per related pair (a relation and its inverse are one), and one kind per class in
every profile (#16)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from kgcli.api import open_source
from kgcli.network.build import build_network
from kgcli.network.profile import builtin_profiles, load_profile, parse_profile, resolve_profile
from kgcli.network.relations import Inverse, merge_relations

KGR = "https://w3id.org/kgcli/resource/"
KG = "https://w3id.org/kgcli/ontology#"
EX = "http://example.org/"
SMALL = Path(__file__).parents[1] / "fixtures" / "network" / "small.trig"

#: The built-in profiles of our domain (the generic one has its own tests).
DOMAIN_PROFILES = [p for p in builtin_profiles() if not p.generic]


@pytest.fixture(scope="module")
def cluster() -> nx.DiGraph:
    return build_network(open_source(), resolve_profile("cluster"))


def test_a_relation_and_its_inverse_are_one_edge(cluster):
    # Dr Smile kg:locatedIn the center, and the center kg:hasFacility Dr Smile (whose declared
    # inverse is kg:facilityOf): one edge, from Dr Smile, listing both.
    smile, center = (
        KGR + "dr-smile-surgical-clinic",
        KGR + "new-hongqiao-international-medical-center",
    )
    assert not cluster.has_edge(center, smile)
    edge = cluster.edges[smile, center]
    assert (edge["kind"], edge["relations"], edge["label"]) == (
        "kg:locatedIn",
        "kg:locatedIn; kg:facilityOf",
        "located in; facility of",
    )
    assert edge["predicate"] == KG + "locatedIn" and edge["weight"] == 2.0


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("shanghai-kindly-medical-instruments", "jiading"),
        ("shanghai-nanxiang-precision-medicine-industrial-park", "nanxiang-town"),
    ],
)
def test_two_relations_between_one_pair_are_one_edge_listing_both(cluster, source, target):
    edge = cluster.edges[KGR + source, KGR + target]
    assert edge["relations"] == "kg:locatedIn; kg:foundingLocation"
    assert edge["label"] == "located in; founding location"


def test_at_most_one_edge_per_pair(cluster):
    pairs = [frozenset((u, v)) for u, v in cluster.edges()]
    assert isinstance(cluster, nx.DiGraph) and not cluster.is_multigraph()
    assert len(pairs) == len(set(pairs)) == 53


def test_multi_keeps_each_relation_an_edge_of_its_own():
    graph = build_network(open_source(), resolve_profile("cluster"), multi=True)
    assert graph.is_multigraph() and graph.number_of_edges() == 57
    smile, center = (
        KGR + "dr-smile-surgical-clinic",
        KGR + "new-hongqiao-international-medical-center",
    )
    assert set(graph[smile][center]) == {"kg:locatedIn"}
    assert set(graph[center][smile]) == {"kg:hasFacility"}


def _multi(*edges: tuple[str, str, str]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for u, v, kind in edges:
        graph.add_edge(u, v, key=kind, kind=kind, label=kind.split(":")[1], weight=1.0)
    return graph


def test_an_undeclared_inverse_reads_as_a_caret_path():
    merged = merge_relations(_multi(("a", "b", "ex:p"), ("b", "a", "ex:q")), {}, ["ex:p", "ex:q"])
    assert list(merged.edges(data="relations")) == [("a", "b", "ex:p; ^ex:q")]
    assert merged.edges["a", "b"]["label"] == "p; q (inverse)"


def test_a_symmetric_relation_stated_both_ways_is_one_entry():
    near = {"ex:near": Inverse("ex:near", "near")}
    merged = merge_relations(_multi(("b", "a", "ex:near"), ("a", "b", "ex:near")), near)
    assert list(merged.edges(data="relations")) == [("a", "b", "ex:near")]
    assert merged.edges["a", "b"]["weight"] == 1.0


def test_the_first_relation_in_the_profile_sets_the_direction():
    owns = {"ex:ownedBy": Inverse("ex:owns", "owns"), "ex:owns": Inverse("ex:ownedBy", "owned by")}
    edges = _multi(("parent", "child", "ex:owns"), ("child", "parent", "ex:ownedBy"))
    merged = merge_relations(edges, owns, ["ex:ownedBy", "ex:owns"])
    assert list(merged.edges(data="relations")) == [("child", "parent", "ex:ownedBy")]


# --- kinds -------------------------------------------------------------------------------------


def test_a_class_has_the_same_kind_in_every_profile():
    source = open_source()
    kinds: dict[str, set[str]] = {}
    for profile in DOMAIN_PROFILES:
        for node, data in build_network(source, profile).nodes(data=True):
            kinds.setdefault(node, set()).add(data["kind"])
    assert {n: k for n, k in kinds.items() if len(k) > 1} == {}
    assert kinds[KGR + "wego-holding"] == {"Company"}  # a HoldingCompany, listed as a Company


def test_place_is_split_as_the_ontology_splits_it(cluster):
    kind = {
        cluster.nodes[KGR + n]["label"]: cluster.nodes[KGR + n]["kind"]
        for n in (
            "south-hongqiao-cbd",
            "hongqiao-railway-station",
            "fahua-pagoda",
            "east-china",
        )
    }
    assert kind == {
        "South Hongqiao Central Business District": "BusinessDistrict",
        "Hongqiao Railway Station": "TransportHub",
        "Fahua Pagoda": "Landmark",
        "East China": "Region",
    }


def test_the_kind_is_the_most_specific_class_the_profile_names():
    profile = parse_profile(
        f'title = "t"\n[prefixes]\nex = "{EX}"\n'
        '[[nodes]]\nclass = "ex:Org"\n[[nodes]]\nclass = "ex:Firm"\n'
    )
    graph = build_network(open_source(data=[str(SMALL)]), profile)
    assert graph.nodes[EX + "nova"]["kind"] == "Firm"  # a Startup: Firm is listed, Startup not
    assert graph.nodes[EX + "nova"]["class"] == EX + "Firm"
    assert graph.nodes[EX + "acme"]["kind"] == "Firm"
    lab = next(d for n, d in graph.nodes(data=True) if n.startswith("_:"))
    assert lab["kind"] == "Org"  # a Lab: only Org is listed


def test_kinds_type_takes_each_node_s_own_most_specific_type():
    graph = build_network(
        open_source(data=[str(SMALL)]),
        load_profile(Path(__file__).parents[1] / "fixtures" / "network" / "small.toml"),
    )
    assert graph.nodes[EX + "nova"]["kind"] == "Startup"


def test_an_unknown_kinds_rule_is_refused_naming_the_line():
    from kgcli.errors import InputError

    with pytest.raises(InputError, match=r"p\.toml:2: kinds must be 'profile' or 'type'"):
        parse_profile(
            'title = "t"\nkinds = "own"\n[[nodes]]\nclass = "kg:Company"\n', source="p.toml"
        )
