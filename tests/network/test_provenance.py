"""Stated or derived, in networks too (#14): with `--infer` every edge says which it is
(`provenance`), a merged edge points as a stated relation does, and the exports carry it
(docs/network-model.md, "Stated or derived")."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from kgcli.api import open_source
from kgcli.cli.app import app
from kgcli.network.build import build_network
from kgcli.network.profile import parse_profile, resolve_profile
from kgcli.network.relations import Inverse, merge_relations

KGR = "https://w3id.org/kgcli/resource/"
EX = "http://example.org/"
TOWN, HUB = KGR + "huacao-town", KGR + "hongqiao-comprehensive-traffic-hub"


def kg(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def stated() -> nx.DiGraph:
    return build_network(open_source(), resolve_profile("cluster"))


@pytest.fixture(scope="module")
def inferred() -> nx.DiGraph:
    return build_network(open_source(infer=True), resolve_profile("cluster"))


def label_edges(graph: nx.Graph, provenance: str) -> set[tuple[str, str, str]]:
    return {
        (graph.nodes[u]["label"], graph.nodes[v]["label"], d["relations"])
        for u, v, d in graph.edges(data=True)
        if d["provenance"] == provenance
    }


def test_the_town_near_the_hub_points_from_the_town_as_stated(tmp_path):
    # The article states Huacao Town kg:near the hub; kg:near is symmetric, so --infer derives
    # the reverse, which sorted first by name and turned the edge round (hub -> town).
    out = tmp_path / "cluster.graphml"
    result = kg("network", "export", "--infer", "-o", str(out))
    assert result.exit_code == 0, result.output
    back = nx.read_graphml(out)
    ids = {d["iri"]: n for n, d in back.nodes(data=True)}
    assert not back.has_edge(ids[HUB], ids[TOWN])
    edge = back.edges[ids[TOWN], ids[HUB]]
    assert (edge["relations"], edge["provenance"]) == ("kg:near", "stated")


def test_with_infer_every_stated_edge_keeps_its_direction_and_its_relations_first(stated, inferred):
    # Before: 4 stated edges turned round (the town and the hub, Qianwan's two parts, the
    # center and the Huacao health center) and 2 listed a derived relation first.
    for u, v, data in stated.edges(data=True):
        assert inferred.has_edge(u, v), (u, v)
        edge = inferred.edges[u, v]
        assert edge["provenance"] in ("stated", "both")
        assert edge["relations"].startswith(data["relations"]), (u, v)


def test_the_cluster_with_infer_counts_stated_derived_and_both(stated, inferred):
    counts = Counter(d["provenance"] for *_, d in inferred.edges(data=True))
    assert counts == {"stated": 48, "derived": 82, "both": 5}
    # Every stated edge has a stated relation, and only they do.
    assert counts["stated"] + counts["both"] == stated.number_of_edges() == 53
    assert label_edges(inferred, "both") == {
        (
            "Huashan Hospital's Hongqiao Branch",
            "New Hongqiao International Medical Center",
            "kg:describedAmongFacilitiesOf; kg:locatedIn; kg:facilityOf",
        ),
        (
            "New Hongqiao International Medical Center",
            "Huacao Community Health Service Center",
            "kg:hasFacility; kg:contains",
        ),
        ("Qianwan area", "Huacao Town", "kg:hasPart; kg:contains"),
        ("Qianwan area", "South Hongqiao Central Business District", "kg:hasPart; kg:contains"),
        ("Wego Holding", "Shanghai", "kg:explainsLocationIn; kg:locatedIn"),
    }


def test_with_a_timeout_the_queries_in_a_child_mark_the_same(inferred):
    # With a timeout each query runs in a child process, the stated view's too.
    timed = build_network(open_source(infer=True), resolve_profile("cluster"), timeout=60)
    assert set(timed.edges(data="provenance")) == set(inferred.edges(data="provenance"))


def test_without_infer_no_edge_has_a_provenance(stated):
    assert not any("provenance" in d for *_, d in stated.edges(data=True))


@pytest.mark.parametrize(
    ("subject", "predicate", "obj", "says", "provenance"),
    [
        ("Huacao Town", "kg:locatedIn", "Shanghai", "derived by", "derived"),
        ("Wego Holding", "kg:locatedIn", "Shanghai", "derived by", "both"),
        ("Huashan Hospital's Hongqiao Branch", "kg:locatedIn", "Minhang", "derived by", "derived"),
        ("Huacao Town", "kg:near", "Hongqiao Comprehensive Traffic Hub", "stated in", "stated"),
        ("Qianwan area", "kg:hasPart", "Huacao Town", "stated in", "both"),
    ],
)
def test_kg_explain_agrees_with_the_edges(inferred, subject, predicate, obj, says, provenance):
    result = kg("explain", subject, predicate, obj)
    assert result.exit_code == 0, result.output
    assert says in result.output.splitlines()[0]
    labels = {n: d["label"] for n, d in inferred.nodes(data=True)}
    edge = next(
        d for u, v, d in inferred.edges(data=True) if (labels[u], labels[v]) == (subject, obj)
    )
    assert predicate in edge["relations"].split("; ")
    assert edge["provenance"] == provenance


def test_multi_marks_each_relation(inferred):
    graph = build_network(open_source(infer=True), resolve_profile("cluster"), multi=True)
    edges = graph.edges(keys=True, data=True)
    assert {d["provenance"] for *_, d in edges} == {"stated", "derived"}
    assert graph.edges[TOWN, HUB, "kg:near"]["provenance"] == "stated"
    assert graph.edges[HUB, TOWN, "kg:near"]["provenance"] == "derived"


def test_a_projection_is_stated_where_a_shared_node_is_linked_by_stated_edges():
    # Dr Smile's use of the four shared resources is stated; the other facilities' is derived
    # by a rule (#15): each pair of facilities shares through a derived link, so is derived.
    graph = build_network(open_source(infer=True), resolve_profile("facility-sharing"))
    assert Counter(d["provenance"] for *_, d in graph.edges(data=True)) == {"derived": 3}
    uses = build_network(open_source(infer=True), resolve_profile("resource-sharing"))
    stated_uses = {(u, v) for u, v, d in uses.edges(data=True) if d["provenance"] == "stated"}
    plain = build_network(open_source(), resolve_profile("resource-sharing"))
    assert stated_uses == set(plain.edges()) and uses.number_of_edges() == 12


def test_the_generic_profile_marks_its_edges_too():
    plain = build_network(open_source(), resolve_profile("generic"))
    graph = build_network(open_source(infer=True), resolve_profile("generic"))
    counts = Counter(d["provenance"] for *_, d in graph.edges(data=True))
    assert counts == {"stated": 1929, "derived": 155, "both": 55}
    assert counts["stated"] + counts["both"] == plain.number_of_edges()
    # Only the derivation records of the SPARQL rules, and those rules, are derived nodes.
    derived = {n for n, d in graph.nodes(data=True) if d.get("kindDerived")}
    assert len(derived) == 20
    assert all(n.split("/")[-2] in ("derivation", "rule") for n in derived)
    for u, v, data in plain.edges(data=True):
        if not (u.startswith("_:") or v.startswith("_:")):  # blank nodes: labels of each load
            assert graph.edges[u, v]["relations"].startswith(data["relations"])


PATH_DATA = """\
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Thing a rdfs:Class .
ex:worksAt rdfs:subPropertyOf ex:memberOf .
ex:a a ex:Thing . ex:b a ex:Thing . ex:c a ex:Thing .
ex:d a ex:Thing . ex:e a ex:Thing . ex:f a ex:Thing .
ex:a ex:worksAt ex:b . ex:b ex:partOf ex:c .
ex:d ex:memberOf ex:e . ex:e ex:partOf ex:f .
"""
PATH_PROFILE = f"""\
title = "paths"
[prefixes]
ex = "{EX}"
[[nodes]]
class = "ex:Thing"
[[edges]]
path = "ex:memberOf/ex:partOf"
kind = "ex:memberOfWhole"
"""


def test_a_path_is_stated_when_it_holds_over_stated_triples_alone(tmp_path):
    data = tmp_path / "paths.ttl"
    data.write_text(PATH_DATA, encoding="utf-8")
    profile = parse_profile(PATH_PROFILE)
    graph = build_network(open_source(data=[str(data)], infer=True), profile)
    got = {(u, v, d["provenance"]) for u, v, d in graph.edges(data=True)}
    # a ex:memberOf b is derived (from ex:worksAt), so the path a -> c is.
    assert got == {(EX + "a", EX + "c", "derived"), (EX + "d", EX + "f", "stated")}
    plain = build_network(open_source(data=[str(data)]), profile)
    assert [(u, v) for u, v in plain.edges()] == [(EX + "d", EX + "f")]


def test_a_node_typed_only_by_derivation_has_kind_derived(tmp_path):
    data = tmp_path / "typed.ttl"
    data.write_text(
        PATH_DATA
        + """@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:Thing owl:equivalentClass [ a owl:Restriction ;
    owl:onProperty ex:status ; owl:hasValue ex:active ] .
ex:h ex:status ex:active ; ex:memberOf ex:e .
""",
        encoding="utf-8",
    )
    graph = build_network(open_source(data=[str(data)], infer=True), parse_profile(PATH_PROFILE))
    assert {n for n, d in graph.nodes(data=True) if d.get("kindDerived")} == {EX + "h"}
    assert graph.nodes[EX + "h"]["kind"] == "Thing"
    assert graph.edges[EX + "h", EX + "f"]["provenance"] == "stated"  # memberOf/partOf stated


def test_no_built_in_profile_takes_a_kind_from_a_derived_type(inferred):
    assert not any("kindDerived" in d for _, d in inferred.nodes(data=True))


def test_a_store_marks_what_kg_infer_derived_and_only_with_infer(tmp_path):
    data = tmp_path / "paths.ttl"
    data.write_text(PATH_DATA, encoding="utf-8")
    profile = tmp_path / "paths.toml"
    profile.write_text(PATH_PROFILE, encoding="utf-8")
    store = str(tmp_path / "st")
    assert kg("store", "load", store, str(data)).exit_code == 0
    assert kg("infer", "--store", store).exit_code == 0
    for options, expected in (
        (["--infer"], {("a", "c", "derived"), ("d", "f", "stated")}),
        ([], {("d", "f", None)}),  # without --infer: kgg:inferred unseen, and no column
    ):
        out = tmp_path / f"net{len(options)}.csv"
        args = ["network", "export", "--store", store, "--profile", str(profile), *options]
        result = kg(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
        with open(tmp_path / f"net{len(options)}.edges.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        got = {
            (row["Source"].removeprefix(EX), row["Target"].removeprefix(EX), row.get("provenance"))
            for row in rows
        }
        assert got == expected


def test_merge_prefers_a_stated_relation_s_direction_to_names():
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["a", "b"])
    graph.add_edge("b", "a", "ex:near", kind="ex:near", provenance="stated")
    graph.add_edge("a", "b", "ex:near", kind="ex:near", provenance="derived")
    graph.add_edge("a", "b", "ex:knows", kind="ex:knows", provenance="derived")
    symmetric = {"ex:near": Inverse("ex:near", "near", EX + "near")}
    merged = merge_relations(graph, symmetric, order=["ex:knows", "ex:near"])
    assert list(merged.edges(data="relations")) == [("b", "a", "ex:near; ^ex:knows")]
    assert merged.edges["b", "a"]["provenance"] == "both"


def test_gephi_lite_types_provenance_as_a_category(tmp_path):
    out = tmp_path / "c.gephi-lite.json"
    assert kg("network", "export", "--infer", "-o", str(out)).exit_code == 0
    workspace = json.loads(out.read_text(encoding="utf-8"))
    fields = {f["id"]: f["type"] for f in workspace["graphDataset"]["edgeFields"]}
    assert fields["provenance"] == "category"
    values = Counter(e["provenance"] for e in workspace["graphDataset"]["edgeData"].values())
    assert values == {"stated": 48, "derived": 82, "both": 5}


@pytest.mark.parametrize(("infer", "dashed"), [(True, 82), (False, 0)])
def test_draw_dashes_derived_edges_and_the_legend_says_so(tmp_path, infer, dashed):
    out = tmp_path / "c.svg"
    args = ["network", "draw", "-o", str(out)] + (["--infer"] if infer else [])
    assert kg(*args).exit_code == 0
    svg = out.read_text(encoding="utf-8")
    lines = [line for line in svg.splitlines() if line.startswith("<line ")]
    assert sum("stroke-dasharray" in line for line in lines) == dashed + (1 if infer else 0)
    assert ('<text x="20" y="0">derived edge (--infer)</text>' in svg) == infer


def test_no_new_column_without_infer(tmp_path):
    out = tmp_path / "c.gexf"
    assert kg("network", "export", "-o", str(out)).exit_code == 0
    assert "provenance" not in Path(out).read_text(encoding="utf-8")


def test_a_query_network_with_infer_marks_its_edges_too(tmp_path):
    """`--query` ran only over stated + derived; its stated edges are the same query's edges
    without --infer, and every other edge is derived."""
    query = tmp_path / "located.rq"
    query.write_text(
        "PREFIX kg: <https://w3id.org/kgcli/ontology#>\n"
        "SELECT ?source ?target WHERE { ?source kg:locatedIn ?target }\n",
        encoding="utf-8",
    )

    def edges(*extra: str) -> dict[tuple[str, str], str | None]:
        out = tmp_path / f"q{len(extra)}.graphml"
        result = kg("network", "export", "--query", str(query), *extra, "-o", str(out))
        assert result.exit_code == 0, result.output
        back = nx.read_graphml(out)
        iri = {n: d["iri"] for n, d in back.nodes(data=True)}
        return {(iri[u], iri[v]): d.get("provenance") for u, v, d in back.edges(data=True)}

    plain, marked = edges(), edges("--infer")
    assert set(plain.values()) == {None}
    assert {pair for pair, p in marked.items() if p == "stated"} == set(plain)
    assert set(marked.values()) == {"stated", "derived"}
