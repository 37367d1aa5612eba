"""Networks from profiles and queries: the golden networks of the built-in profiles on the embedded
graph (cross-checked by SPARQL), the network contract on a small dataset of every literal type, a
profile written here, SELECT and CONSTRUCT networks, a remote endpoint, and the fast graph filling
checked against networkx's own add_edges_from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import MINI, TESTS, examples

from kgcli.api import open_source
from kgcli.engine.catalogue import from_text
from kgcli.engine.query import prepare, run
from kgcli.engine.results import SelectResult
from kgcli.engine.source import LocalSource
from kgcli.errors import InputError
from kgcli.network.build import (
    build_network,
    find_node,
    literal_parts,
    network_from_result,
    project,
    python_value,
    time_value,
    token_literal,
    token_node_id,
)
from kgcli.network.profile import load_profile, resolve_profile
from kgcli.rdf.namespaces import compact_iri

HERE = TESTS
FIXTURES = HERE / "fixtures" / "network"
GOLDEN = HERE / "golden" / "network"
SMALL = FIXTURES / "small.trig"
EX = "http://example.org/"
KGR = "https://w3id.org/kgcli/resource/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = (
    "PREFIX kg: <https://w3id.org/kgcli/ontology#>\n"
    f"PREFIX kgr: <{KGR}>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
BUILTINS = ("cluster", "resource-sharing", "facility-sharing", "co-location")


@pytest.fixture(scope="module")
def embedded() -> LocalSource:
    source = open_source()
    assert isinstance(source, LocalSource)
    return source


def dump(graph: nx.Graph) -> str:
    """A network as sorted text lines: every node with kind and label, every edge with weight."""
    name = compact_iri
    lines = [
        f"# {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, "
        f"{type(graph).__name__}; kinds: {', '.join(graph.graph['kinds'])}"
    ]
    lines += sorted(
        f"node\t{name(n)}\t{d['kind']}\t{d['label']}" for n, d in graph.nodes(data=True)
    )
    lines += sorted(
        f"edge\t{name(u)}\t{d.get('relations', d['kind'])}\t{name(v)}\t{d['weight']}"
        for u, v, d in (
            (*(ends if graph.is_directed() else sorted(ends)), d)
            for *ends, d in graph.edges(data=True)
        )
    )
    return "\n".join(lines) + "\n"


# --- the built-in profiles on the embedded graph -----------------------------------------------


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_matches_its_golden_network(embedded, name):
    graph = build_network(embedded, resolve_profile(name))
    assert dump(graph) == (GOLDEN / f"{name}.tsv").read_text(encoding="utf-8")


def _count(source: LocalSource, where: str) -> int:
    result = source.query(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    assert isinstance(result, SelectResult)
    ((n,),) = list(result)
    assert isinstance(n, ox.Literal)
    return int(n.value)


@pytest.fixture(scope="module")
def derived() -> LocalSource:
    """The embedded graph with its derived graph (issue #15: the articles state only Dr Smile's
    use of the center's shared resources; the other facilities' is derived by a rule)."""
    from kgcli.engine.infer import infer, rule_set

    source = open_source()
    assert isinstance(source, LocalSource)
    infer(source.store, rule_set([], project_rules=HERE.parent / "queries" / "rules"))
    return source


def test_on_the_stated_graph_no_two_facilities_share_and_dr_smile_uses_four(embedded):
    assert build_network(embedded, resolve_profile("facility-sharing")).number_of_edges() == 0
    uses = build_network(embedded, resolve_profile("resource-sharing"))
    assert {u for u, _ in uses.edges()} == {KGR + "dr-smile-surgical-clinic"}
    assert uses.number_of_edges() == 4


def test_facility_sharing_is_the_three_center_facilities_sharing_four_resources(derived):
    embedded = derived
    graph = build_network(embedded, resolve_profile("facility-sharing"))
    # By SPARQL: pairs of facilities and the number of shared resources they use in common.
    pairs = embedded.query(
        PREFIXES
        + """SELECT ?a ?b (COUNT(DISTINCT ?r) AS ?shared) WHERE {
          ?a kg:usesSharedResource ?r . ?b kg:usesSharedResource ?r FILTER(STR(?a) < STR(?b))
        } GROUP BY ?a ?b"""
    )
    expected = {frozenset((a.value, b.value)): float(n.value) for a, b, n in pairs}
    assert {frozenset((u, v)): w for u, v, w in graph.edges(data="weight")} == expected
    trio = {
        KGR + "dr-smile-surgical-clinic",
        KGR + "huashan-hospital-hongqiao-branch",
        KGR + "huacao-community-health-service-center",
    }
    assert set(expected) == {frozenset(p) for p in [*_pairs(sorted(trio))]}
    assert set(expected.values()) == {4.0}
    assert all(
        d["shared"] == "clinical laboratory; imaging department; inpatient building; pharmacy"
        for *_, d in graph.edges(data=True)
    )
    # Huashan Hospital (the main one, not in the center) is a facility that shares nothing.
    assert graph.degree(KGR + "huashan-hospital") == 0
    facilities = _count(
        embedded, "SELECT DISTINCT ?f WHERE { ?f a/rdfs:subClassOf* kg:HealthcareFacility }"
    )
    assert graph.number_of_nodes() == facilities == 4


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1 :]]


def test_resource_sharing_counts_agree_with_sparql(derived):
    embedded = derived
    graph = build_network(embedded, resolve_profile("resource-sharing"))
    uses = _count(embedded, "SELECT DISTINCT ?f ?r WHERE { ?f kg:usesSharedResource ?r }")
    resources = _count(embedded, "SELECT DISTINCT ?r WHERE { ?r a kg:SharedMedicalResource }")
    assert graph.number_of_edges() == uses == 12
    assert sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "SharedMedicalResource") == (
        resources
    )
    assert all(isinstance(graph, nx.DiGraph) and w == 1.0 for *_, w in graph.edges(data="weight"))


def test_co_location_links_the_eight_firms_of_huacao_town(embedded):
    graph = build_network(embedded, resolve_profile("co-location"))
    in_huacao = _count(
        embedded,
        "SELECT DISTINCT ?f WHERE { ?f a/rdfs:subClassOf* kg:Company ; "
        "kg:locatedIn kgr:huacao-town }",
    )
    assert in_huacao == 8
    assert graph.number_of_edges() == in_huacao * (in_huacao - 1) // 2 == 28
    assert {d["shared"] for *_, d in graph.edges(data=True)} == {"Huacao Town"}
    assert sorted(n for n in graph if graph.degree(n) == 0) == [
        KGR + "neosoft-holding",  # no location given
        KGR + "neosoft-medical-technology",  # only its Sci-tech Center's location is given
        KGR + "shanghai-kindly-medical-instruments",  # in a district, not a town or park
    ]


def test_cluster_edges_are_the_asserted_triples_between_its_nodes(embedded):
    graph = build_network(embedded, resolve_profile("cluster"), multi=True)
    located = _count(
        embedded,
        """SELECT DISTINCT ?a ?b WHERE { ?a kg:locatedIn ?b .
           ?a a/rdfs:subClassOf* ?c1 . ?b a/rdfs:subClassOf* ?c2
           VALUES ?c1 { kg:Place kg:Company kg:Person kg:MedicalResource kg:ServicePlatform }
           VALUES ?c2 { kg:Place kg:Company kg:Person kg:MedicalResource kg:ServicePlatform } }""",
    )
    assert sum(1 for *_, k in graph.edges(keys=True) if k == "kg:locatedIn") == located == 21
    members = [(u, v) for u, v, k in graph.edges(keys=True) if k == "org:memberOf"]
    assert (KGR + "liu-jiren", KGR + "neosoft-holding") in members and len(members) == 4
    # The contract: every node has label, kind, class and iri; no literal and no class is a node.
    for node, data in graph.nodes(data=True):
        assert {"label", "kind", "class", "iri"} <= data.keys() and data["iri"] == node
        assert not node.startswith("https://w3id.org/kgcli/ontology#")
        assert all(value is not None and value != "" for value in data.values())
    assert "rdf:type" not in {k for *_, k in graph.edges(keys=True)}
    park = graph.nodes[KGR + "shanghai-nanxiang-precision-medicine-industrial-park"]
    assert (park["founded"], park["start"]) == ("2018-11", "2018-11")
    pagoda = graph.nodes[KGR + "fahua-pagoda"]
    assert (pagoda["heightMetres"], pagoda["numberOfStories"]) == (40.8, 7)
    assert graph.graph["source"] == "cluster" and "name" not in graph.graph


# --- the contract on a small dataset ------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    graph = build_network(
        open_source(data=[str(SMALL)]), load_profile(FIXTURES / "small.toml"), multi=True
    )
    assert isinstance(graph, nx.MultiDiGraph)
    return graph


def _blank(graph: nx.Graph) -> str:
    (node,) = [n for n in graph if n.startswith("_:")]
    return node


def test_nodes_are_instances_of_a_class_or_its_subclasses(small):
    assert sorted(n for n in small if not n.startswith("_:")) == [
        EX + "acme",
        EX + "nova",
        EX + "town",
    ]  # ex:ghost has no type: not a node
    assert small.nodes[EX + "nova"]["kind"] == "Startup"  # the most specific of its two types
    assert small.nodes[EX + "nova"]["class"] == EX + "Startup"
    assert small.nodes[EX + "town"]["kind"] == "Place"  # the profile fixes the kind
    assert small.nodes[EX + "town"]["class"] == EX + "Town"
    assert small.nodes[EX + "town"]["rdfType"] == "ex:Town"
    lab = small.nodes[_blank(small)]
    assert (lab["kind"], lab["label"], lab["iri"]) == ("Lab", "Lab without an IRI", _blank(small))
    assert small.graph["kinds"] == ["Firm", "Lab", "Startup", "Place"]


def test_edges_only_between_nodes_and_a_repeated_triple_is_one_edge(small):
    edges = sorted((u, k, v) for u, v, k in small.edges(keys=True))
    assert edges == [
        (_blank(small), "ex:worksWith", EX + "nova"),
        (EX + "acme", "ex:place", EX + "town"),
        (EX + "nova", "ex:place", EX + "town"),
        (EX + "nova", "ex:worksWith", EX + "acme"),  # stated in two named graphs
    ]
    data = small.edges[EX + "nova", EX + "acme", "ex:worksWith"]
    assert data == {
        "kind": "ex:worksWith",
        "predicate": EX + "worksWith",
        "label": "works with",  # the property's rdfs:label in English
        "weight": 1.0,
    }
    assert small.edges[EX + "acme", EX + "town", "ex:place"]["weight"] == 2.5


def test_literals_become_typed_attributes(small):
    acme = small.nodes[EX + "acme"]
    assert acme == {
        "label": "Acme",
        "kind": "Firm",
        "class": EX + "Firm",
        "iri": EX + "acme",
        "rdfType": "ex:Firm",
        "founded": "2006",
        "start": "2006",
        "staff": 120,
        "listed": True,
        "revenue": 1.5,
        "opened": dt.date(2010, 5, 1),
        "motto": "Build",
    }
    nova = small.nodes[EX + "nova"]
    assert (nova["label"], nova["founded"], nova["start"], nova["staff"]) == (
        "Nova",  # skos:prefLabel
        "2018-11",
        "2018-11",
        12,
    )
    assert "motto" not in nova and "listed" not in nova  # missing is absent, never None


@pytest.mark.parametrize(
    ("lang", "acme", "motto", "works_with"),
    [
        ("en", "Acme", "Build", "works with"),
        ("de", "Acme GmbH", "Bauen", "arbeitet mit"),
        ("zh", "阿克米", "Build", "works with"),  # no Chinese motto: English, the graph's own
        ("en-GB", "Acme", "Build", "works with"),
    ],
)
def test_lang_chooses_labels_and_texts(lang, acme, motto, works_with):
    graph = build_network(
        open_source(data=[str(SMALL)]), load_profile(FIXTURES / "small.toml"), lang=lang, multi=True
    )
    assert graph.nodes[EX + "acme"]["label"] == acme
    assert graph.nodes[EX + "acme"]["motto"] == motto
    assert graph.edges[EX + "nova", EX + "acme", "ex:worksWith"]["label"] == works_with


def test_filled_graph_equals_one_built_by_networkx(small, embedded):
    for graph in (small, build_network(embedded, resolve_profile("cluster"), multi=True)):
        rebuilt = nx.MultiDiGraph(**graph.graph)
        rebuilt.add_nodes_from(graph.nodes(data=True))
        rebuilt.add_edges_from(graph.edges(keys=True, data=True))
        assert nx.utils.graphs_equal(graph, rebuilt)
        assert all(dict(graph.pred[n]) == dict(rebuilt.pred[n]) for n in graph)
        # As in networkx, an edge's key dict is shared by its two ends.
        assert all(graph._pred[v][u] is graph._succ[u][v] for u, v in graph.edges())
        # Each edge's dict is its own: changing one leaves the others alone.
        u, v, k = next(iter(graph.edges(keys=True)))
        graph.edges[u, v, k]["weight"] = 99.0
        assert sum(1 for *_, w in graph.edges(data="weight") if w == 99.0) == 1
        graph.edges[u, v, k]["weight"] = rebuilt.edges[u, v, k]["weight"] = 1.0


def test_a_profile_written_by_the_user(tmp_path):
    path = tmp_path / "firms.toml"
    path.write_text(
        'title = "Firms by place"\n'
        '[prefixes]\nex = "http://example.org/"\n'
        '[[nodes]]\nclass = "ex:Firm"\nkind = "Firm"\n'
        '[[nodes]]\nclass = "ex:Town"\n'
        '[[edges]]\npath = "ex:place|^ex:worksWith"\nkind = "ex:related"\nlabel = "related"\n'
        '[projection]\nkeep = "ex:Firm"\nvia = "ex:Town"\nkind = "neighbours"\n',
        encoding="utf-8",
    )
    graph = build_network(open_source(data=[str(SMALL)]), load_profile(path))
    assert isinstance(graph, nx.Graph) and not graph.is_directed()
    assert sorted(graph) == [EX + "acme", EX + "nova"]  # ex:Startup is a subclass of ex:Firm
    assert graph.nodes[EX + "nova"]["kind"] == "Firm"
    assert list(graph.edges(data=True)) == [
        (
            EX + "nova",
            EX + "acme",
            {"kind": "neighbours", "label": "neighbours", "weight": 1.0, "shared": "Town"},
        )
    ]
    assert graph.graph["title"] == "Firms by place" and graph.graph["source"] == str(path)


def test_projection_counts_shared_neighbours_in_either_direction():
    graph = nx.MultiDiGraph()
    for node, kind in [("a", "F"), ("b", "F"), ("c", "F"), ("r1", "R"), ("r2", "R")]:
        graph.add_node(node, kind=kind, label=node.upper())
    graph.add_edges_from([("a", "r1"), ("b", "r1"), ("a", "r2"), ("r2", "b"), ("c", "r2")])
    graph.graph["kinds"] = ["F", "R"]
    projected = project(
        graph, lambda n: graph.nodes[n]["kind"] == "F", lambda n: graph.nodes[n]["kind"] == "R"
    )
    assert {(u, v): d["weight"] for u, v, d in projected.edges(data=True)} == {
        ("a", "b"): 2.0,
        ("a", "c"): 1.0,
        ("b", "c"): 1.0,
    }
    assert projected.graph["kinds"] == ["F"]
    alone = project(graph, lambda n: n in "ac", lambda n: n == "r1", isolated=False)
    assert list(alone) == [] and alone.number_of_edges() == 0


# --- sources: --data and a remote endpoint -----------------------------------------------------


def _mini(source) -> nx.MultiDiGraph:
    return build_network(source, load_profile(FIXTURES / "mini.toml"), multi=True)


def test_network_from_data_file():
    graph = _mini(open_source(data=[str(MINI)]))
    assert sorted(
        (compact_iri(u, {"ex": EX}), compact_iri(v, {"ex": EX})) for u, v in graph.edges()
    ) == [
        ("ex:district", "ex:city"),
        ("ex:firmA", "ex:town"),
        ("ex:firmB", "ex:district"),
        ("ex:firmC", "ex:city"),
        ("ex:town", "ex:district"),
    ]
    firm_a, city = graph.nodes[EX + "firmA"], graph.nodes[EX + "city"]
    assert (firm_a["established"], firm_a["start"], firm_a["staff"]) == ("2006", "2006", 120)
    assert graph.nodes[EX + "firmB"]["revenue"] == 1.75
    assert (city["label"], city["kind"]) == ("Metropolis", "City")


@pytest.mark.integration
def test_network_from_a_remote_endpoint_equals_the_local_one(endpoint):
    remote = _mini(open_source(endpoint=endpoint))
    local = _mini(open_source(data=[str(MINI)]))
    assert nx.utils.graphs_equal(remote, local)
    assert remote.graph == local.graph


# --- networks from query results ------------------------------------------------------------------


def _run(text: str, source=None):
    source = source or open_source(data=[str(SMALL)])
    prepared = prepare(from_text(text, "q"))
    return network_from_result(
        run(source, prepared),
        name="q",
        query_text=prepared.text,
        prefixes=prepared.prefixes,
        source=source,
        multi=True,
    )


def test_network_from_select():
    graph = _run(
        f"""PREFIX ex: <{EX}>
        SELECT ?source ?target ?kind ?weight ?label ?sourceLabel ?targetKind ?since WHERE {{
          VALUES (?source ?target ?kind ?weight ?label ?sourceLabel ?targetKind ?since) {{
            (ex:a ex:b ex:knows 2 "knows" "A"@en ex:Person "2001-02-03"^^<{XSD}date>)
            (ex:a ex:b ex:knows 0.5 UNDEF "Ah"@fr UNDEF UNDEF)
            (ex:a ex:b "likes" UNDEF UNDEF UNDEF UNDEF 7)
            (ex:b ex:c UNDEF UNDEF UNDEF UNDEF UNDEF UNDEF)
            (ex:c UNDEF ex:knows UNDEF UNDEF UNDEF UNDEF UNDEF)
          }} }}"""
    )
    assert sorted(graph.edges(keys=True, data=True)) == [
        (
            EX + "a",
            EX + "b",
            "ex:knows",
            {
                "predicate": EX + "knows",
                "kind": "ex:knows",
                "weight": 2.5,  # two rows of one edge: weights added
                "label": "knows",
                "since": "2001-02-03",  # a date and a number in one column: text for both
            },
        ),
        (
            EX + "a",
            EX + "b",
            "likes",
            {"kind": "likes", "weight": 1.0, "since": "7", "label": "likes"},
        ),
        (EX + "b", EX + "c", "q", {"kind": "q", "weight": 1.0, "label": "q"}),
    ]
    assert graph.nodes[EX + "a"] == {
        "label": "A",
        "kind": "Resource",
        "iri": EX + "a",
        "class": ("http://www.w3.org/2000/01/rdf-schema#Resource"),
    }
    assert graph.nodes[EX + "b"]["kind"] == "Person" and graph.nodes[EX + "b"]["label"] == "b"
    assert graph.graph["kinds"] == ["Person", "Resource"]
    assert "VALUES" in graph.graph["source"]


def test_select_without_source_and_target_is_refused():
    with pytest.raises(
        InputError, match=r"must return \?source and \?target \(it returns \?a, \?b\)"
    ):
        _run("SELECT ?a ?b WHERE { ?a ?p ?b }")


def test_select_with_a_literal_end_is_refused():
    with pytest.raises(InputError, match=r'row 1: \?source is "x", not a resource'):
        _run('SELECT ?source ?target WHERE { BIND("x" AS ?source) BIND(<http://e/> AS ?target) }')


def test_network_from_construct():
    graph = _run(
        f"""PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o
          FILTER(?s IN (ex:acme, ex:nova) && ?p NOT IN (ex:opened, ex:listed)) }}"""
    )
    assert sorted(graph.edges(keys=True)) == [
        (EX + "acme", EX + "town", "ex:place"),
        (EX + "nova", EX + "acme", "ex:worksWith"),
        (EX + "nova", EX + "town", "ex:place"),
    ]
    acme, nova, town = (graph.nodes[EX + n] for n in ("acme", "nova", "town"))
    assert acme["kind"] == "Firm" and acme["class"] == EX + "Firm" and acme["label"] == "Acme"
    assert nova["kind"] == "Firm"  # no hierarchy in a CONSTRUCT result: the first type by name
    assert (acme["staff"], acme["revenue"], acme["founded"], acme["motto"]) == (
        120,
        1.5,
        "2006",
        "Build",
    )
    assert acme["worksWith"] == "a literal, never a node"
    assert (town["kind"], town["label"]) == ("Resource", "town")
    assert graph.edges[EX + "nova", EX + "acme", "ex:worksWith"]["label"] == "works with"
    assert "Firm" in graph.graph["kinds"] and EX + "Firm" not in graph


def test_network_from_describe():
    graph = _run(f"DESCRIBE <{EX}nova>")
    assert sorted(graph.edges(keys=True)) == [
        (EX + "nova", EX + "acme", "http://example.org/worksWith"),
        (EX + "nova", EX + "town", "http://example.org/place"),
    ]  # no PREFIX in the query: kinds are the full IRIs
    nova = graph.nodes[EX + "nova"]
    assert (nova["kind"], nova["staff"], nova["founded"]) == ("Firm", 12, "2018-11")
    assert graph.nodes[EX + "acme"]["label"] == "acme"  # only what DESCRIBE returned is known


# --- values and references ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lexical", "datatype", "expected"),
    [
        ("42", "integer", 42),
        ("-7", "nonNegativeInteger", -7),
        ("1.50", "decimal", 1.5),
        ("1e3", "double", 1000.0),
        ("INF", "double", "INF"),
        ("true", "boolean", True),
        ("0", "boolean", False),
        ("2020-02-29", "date", dt.date(2020, 2, 29)),
        ("2021-02-29", "date", "2021-02-29"),
        (
            "2020-01-02T03:04:05Z",
            "dateTime",
            dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        ),
        ("2006", "gYear", "2006"),
        ("2018-11", "gYearMonth", "2018-11"),
        ("P3D", "duration", "P3D"),
        ("12x", "integer", "12x"),
    ],
)
def test_python_value(lexical, datatype, expected):
    assert python_value(ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))) == expected


def test_time_value():
    assert time_value("2006") == "2006" and time_value("2018-11") == "2018-11"
    assert time_value(dt.date(2020, 1, 2)) == dt.date(2020, 1, 2)
    assert time_value(1999) == "1999" and time_value("soon") is None and time_value(True) is None


def test_find_node_by_iri_prefixed_name_or_label(small):
    assert find_node(small, EX + "acme") == EX + "acme"
    assert find_node(small, f"<{EX}acme>") == EX + "acme"
    assert find_node(small, "ex:acme", {"ex": EX}) == EX + "acme"
    assert find_node(small, "nova") == EX + "nova"
    assert find_node(small, "lab with") == _blank(small)
    with pytest.raises(InputError, match=r"did you mean 'Town'\?"):
        find_node(small, "Towm")
    with pytest.raises(InputError, match="names 3 nodes"):
        find_node(small, "o")


def test_the_network_benchmark_runs_on_a_small_city():
    import subprocess
    import sys

    root = HERE.parent
    done = subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks" / "bench_network.py"),
            *("--triples", "2e4", "--runs", "1", "--analysis-runs", "1"),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "| `build_network` (profile -> MultiDiGraph, labels, attributes) |" in done.stdout
    assert "| louvain (seed 42) |" in done.stdout


# --- the two ways of reading rows: TSV from a local store, terms from any other source -----------


def _graph_dump(graph: nx.Graph) -> tuple[dict, dict, dict]:
    """Every node and edge with all its attributes, and the graph's own attributes."""
    nodes = dict(graph.nodes(data=True))
    if graph.is_multigraph():
        edges: dict[tuple[Any, ...], Any] = {
            (u, v, k): d for u, v, k, d in graph.edges(keys=True, data=True)
        }
    else:
        edges = {(u, v): d for u, v, d in graph.edges(data=True)}
    return nodes, edges, graph.graph


@pytest.mark.parametrize(
    ("data", "profile"),
    [(SMALL, "small.toml"), *((None, name) for name in BUILTINS)],
)
def test_a_local_build_equals_one_read_term_by_term(data, profile):
    """A local store is read as TSV on a second thread; with a timeout the query runs in a child
    and its rows come back as terms, the way remote rows do. Both must give the same network."""
    source = open_source(data=[str(data)]) if data else open_source()
    found = resolve_profile(str(FIXTURES / profile) if data else profile)
    fast = build_network(source, found)
    term_by_term = build_network(source, found, timeout=60)
    assert _graph_dump(fast) == _graph_dump(term_by_term)
    assert fast.number_of_nodes() > 0


_LANGUAGES = st.sampled_from([None, "en", "zh-Hans", "de-CH"])
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
_LITERALS = st.one_of(
    st.builds(
        lambda text, lang: ox.Literal(text, language=lang) if lang else ox.Literal(text),
        _TEXT,
        _LANGUAGES,
    ),
    st.integers(-(10**30), 10**30).map(
        lambda n: ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(
        lambda d: ox.Literal(str(d), datatype=ox.NamedNode(XSD + "decimal"))
    ),
    st.floats(allow_nan=True).map(
        lambda f: ox.Literal(
            repr(f).replace("inf", "INF").replace("nan", "NaN"),
            datatype=ox.NamedNode(XSD + "double"),
        )
    ),
    st.booleans().map(lambda b: ox.Literal(str(b).lower(), datatype=ox.NamedNode(XSD + "boolean"))),
    st.builds(
        lambda text, dt_: ox.Literal(text, datatype=ox.NamedNode(dt_)),
        _TEXT,
        st.sampled_from([XSD + "gYear", XSD + "date", "http://example.org/dt#x%20y"]),
    ),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(_LITERALS, min_size=1, max_size=8))
def test_literal_tokens_read_back_as_the_engine_reads_them(literals):
    """Each literal as the engine writes it in TSV, and as str() writes a term (remote rows),
    parses back to the value, language and datatype the engine's own objects give."""
    store = ox.Store()
    subject = ox.NamedNode(EX + "s")
    for number, literal in enumerate(literals):
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}p{number}"), literal))
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    terms = [row[0] for row in store.query(query)]
    lines = store.query(query).serialize(format=ox.QueryResultsFormat.TSV).decode().split("\n")
    cells = lines[1:-1]
    assert len(cells) == len(terms)
    for cell, term in zip(cells, terms, strict=True):
        expected = (term.value, term.language, term.datatype.value)
        assert literal_parts(cell) == expected, cell
        assert literal_parts(str(term)) == expected
        assert token_literal(cell) == term


def test_tokens_that_are_not_literals():
    assert literal_parts("<http://example.org/a>") is None
    assert literal_parts("_:b0") is None and literal_parts("") is None
    assert token_node_id("<http://example.org/a>") == EX + "a"
    assert token_node_id("_:b0") == "_:b0"
    assert token_node_id("<< <a> <b> <c> >>") is None and token_node_id('"x"') is None
    assert literal_parts("1e3") == ("1e3", None, XSD + "double")  # a bare number, as TSV allows
    assert literal_parts("-1.5") == ("-1.5", None, XSD + "decimal")


def test_a_failing_query_stops_the_reading_thread():
    """An error in a query the second thread runs is raised in the reader, as one located line,
    and the thread ends. (A profile file is checked when loaded, so this one is made here.)"""
    import dataclasses
    import threading

    from kgcli.network.profile import EdgeRule

    profile = load_profile(FIXTURES / "small.toml")
    broken = dataclasses.replace(
        profile, edges=[*profile.edges, EdgeRule("ex:far", path="ex:place/")]
    )
    with pytest.raises(InputError, match=r"^query:\d+:\d+: "):
        build_network(open_source(data=[str(SMALL)]), broken)
    reader = [t for t in threading.enumerate() if t.name == "kg-network-rows"]
    for thread in reader:
        thread.join(timeout=5)
    assert not any(t.is_alive() for t in reader)


def test_a_build_abandoned_midway_stops_the_reading_thread(monkeypatch, embedded):
    """When the reader fails (here: while setting attributes) with queries still to run, the
    second thread stops instead of waiting for it forever."""
    import threading

    import kgcli.network.build

    def fail(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(kgcli.network.build, "_profile_attributes", fail)
    before = set(threading.enumerate())
    with pytest.raises(RuntimeError, match="interrupted"):
        build_network(embedded, resolve_profile("cluster"))
    started = [t for t in threading.enumerate() if t not in before]
    assert [t.name for t in started] in ([], ["kg-network-rows"])
    for thread in started:
        thread.join(timeout=5)
        assert not thread.is_alive()
