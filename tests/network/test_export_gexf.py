"""GEXF export: valid against the official RELAX NG grammars, read back equal by networkx."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from support import FIXTURES, examples
from support.gexf import assert_valid

from kgcli.errors import InputError, UsageError
from kgcli.network.export import write_network
from kgcli.rdf.xmlchars import FORBIDDEN, XmlCharError

sys.path.insert(0, str(FIXTURES / "export"))
import export_graphs as graphs

NS = {"1.3": "http://gexf.net/1.3", "1.2draft": "http://www.gexf.net/1.2draft"}
VIZ = {"1.3": "http://gexf.net/1.3/viz", "1.2draft": "http://www.gexf.net/1.2draft/viz"}


def export(graph: nx.Graph, tmp_path: Path, version: str = "1.3", **options) -> Path:
    path = tmp_path / f"network-{version}.gexf"
    write_network(graph, path, gexf_version=version, **options)
    return path


def q(version: str, tag: str) -> str:
    return f"{{{NS[version]}}}{tag}"


def columns(doc: etree._ElementTree, version: str, cls: str) -> dict[str, tuple[str, str]]:
    """title -> (id, type) of the node or edge columns."""
    out = {}
    for block in doc.getroot().iter(q(version, "attributes")):
        if block.get("class") == cls:
            for col in block.iter(q(version, "attribute")):
                assert col.get("title") not in out, "a column is declared twice"
                out[col.get("title")] = (col.get("id"), col.get("type"))
    return out


# --- the grammar and Gephi's expectations ----------------------------------------------------


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
@pytest.mark.parametrize(
    ("make", "options"),
    [
        (graphs.typed_graph, {}),
        (graphs.dynamic_graph, {}),
        (graphs.typed_graph, {"size_by": "pagerank", "layout": "spring"}),
        (graphs.dynamic_graph, {"size_by": "employees", "layout": "kamada-kawai"}),
        (lambda: nx.Graph([("a", "b", {"weight": 2})]), {"layout": "forceatlas2"}),
        (nx.MultiDiGraph, {}),
    ],
    ids=["static", "dynamic", "static+viz", "dynamic+viz", "undirected", "empty"],
)
def test_every_export_is_valid_against_the_official_grammar(tmp_path, version, make, options):
    assert_valid(export(make(), tmp_path, version, **options), version)


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_declaration_on_line_one_and_gexf_on_line_two(tmp_path, version):
    # Gephi Lite only recognises a file so laid out.
    lines = export(graphs.typed_graph(), tmp_path, version).read_bytes().split(b"\n")
    assert lines[0] == b'<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1].startswith(b"<gexf ")


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_no_name_on_graph_no_xsi_and_the_right_namespaces(tmp_path, version):
    g = graphs.typed_graph()
    g.graph["name"] = "must not be written"
    path = export(g, tmp_path, version)
    raw = path.read_text(encoding="utf-8")
    assert "xsi" not in raw and "schemaLocation" not in raw and "must not be written" not in raw
    root = assert_valid(path, version).getroot()
    assert root.tag == q(version, "gexf")
    assert root.get("version") == ("1.3" if version == "1.3" else "1.2")
    assert root.nsmap == {None: NS[version], "viz": VIZ[version]}
    graph = root.find(q(version, "graph"))
    assert dict(graph.attrib) == {"defaultedgetype": "directed", "mode": "static"}


def test_meta_carries_date_creator_title_description_and_source(tmp_path):
    root = assert_valid(export(graphs.typed_graph(), tmp_path)).getroot()
    meta = root.find(q("1.3", "meta"))
    dt.date.fromisoformat(meta.get("lastmodifieddate"))
    assert meta.findtext(q("1.3", "creator")) == "kgcli test"
    assert meta.findtext(q("1.3", "keywords")) == "Company, Town, District"
    description = meta.findtext(q("1.3", "description"))
    assert description.splitlines() == [
        "Firms of Zhangjiang",
        "Firms, where they are, and who owns what",
        "Source: SELECT ?firm ?town WHERE { ?firm kg:locatedIn ?town }",
    ]


def test_creator_defaults_to_kgcli_and_its_version(tmp_path):
    root = etree.parse(str(export(nx.MultiDiGraph(), tmp_path))).getroot()
    assert re.fullmatch(r"kgcli \S+", root.findtext(f".//{q('1.3', 'creator')}"))


# --- typed columns ----------------------------------------------------------------------------


def test_one_gephi_type_per_column_inferred_from_the_values(tmp_path):
    doc = assert_valid(export(graphs.typed_graph(), tmp_path))
    nodes = {title: kind for title, (_, kind) in columns(doc, "1.3", "node").items()}
    assert nodes == {
        "kind": "string",
        "class": "string",
        "iri": "string",
        "employees": "integer",
        "revenue": "double",
        "listed": "boolean",
        "founded": "string",  # neither grammar has a date type; Gephi drops unknown types
        "homepage": "string",  # an IRI is text: no anyURI, which Gephi rejects
        "name_zh": "string",
        "pagerank": "double",
    }
    edges = {title: kind for title, (_, kind) in columns(doc, "1.3", "edge").items()}
    assert edges == {"kind": "string", "predicate": "string", "since": "integer"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, -(2**31)], "integer"),
        ([1, 2**31], "long"),
        ([1, -(2**40)], "long"),
        ([1, 2**70], "string"),  # beyond Java's long: text, not a wrong number
        ([1, 2.5], "double"),  # a metric that is sometimes integral stays numeric
        ([True, False], "boolean"),
        ([True, 1], "string"),
        ([1, "one"], "string"),
        ([dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 12, 0)], "string"),
    ],
)
def test_column_type_of_mixed_values(tmp_path, values, expected):
    g = nx.DiGraph()
    for index, value in enumerate(values):
        g.add_node(f"n{index}", label=f"n{index}", kind="Thing", value=value)
    doc = assert_valid(export(g, tmp_path))
    assert columns(doc, "1.3", "node")["value"][1] == expected
    back = nx.read_gexf(export(g, tmp_path))
    if expected in ("integer", "long", "boolean"):
        assert [back.nodes[f"n{i}"]["value"] for i in range(len(values))] == values


def test_a_missing_value_writes_no_attvalue(tmp_path):
    g = graphs.typed_graph()
    doc = assert_valid(export(g, tmp_path))
    revenue_id, _ = columns(doc, "1.3", "node")["revenue"]
    holders = [
        node.get("id")
        for node in doc.getroot().iter(q("1.3", "node"))
        for value in node.iter(q("1.3", "attvalue"))
        if value.get("for") == revenue_id
    ]
    assert holders == [graphs.ACME]
    assert "None" not in (tmp_path / "network-1.3.gexf").read_text(encoding="utf-8")


# --- reading back -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_read_back_node_by_node_attribute_by_attribute(tmp_path, version):
    g = graphs.typed_graph()
    back = nx.read_gexf(export(g, tmp_path, version))
    assert set(back) == set(g)
    for node, data in g.nodes(data=True):
        got = dict(back.nodes[node])
        got.pop("viz")  # colour and size, checked below
        expected = {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in data.items()
        }
        assert got == expected, node
        for name, value in got.items():
            assert type(value) is type(expected[name]), (node, name)
    # Beta has no revenue and no founding date: they stay missing, not empty or None.
    assert "revenue" not in back.nodes[graphs.BETA]
    assert "founded" not in back.nodes[graphs.BETA]
    assert back.nodes[graphs.ACME]["founded"] == "2006-05-01"
    assert back.nodes[graphs.BETA]["label"] == "贝塔医药"


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_parallel_edges_with_different_kinds_stay_distinct_with_unique_ids(tmp_path, version):
    g = graphs.typed_graph()
    path = export(g, tmp_path, version)
    doc = assert_valid(path, version)
    edges = list(doc.getroot().iter(q(version, "edge")))
    ids = [edge.get("id") for edge in edges]
    assert sorted(ids) == sorted(key for _, _, key in g.edges(keys=True))
    between = [
        e for e in edges if e.get("source") == graphs.ACME and e.get("target") == graphs.ZHANGJIANG
    ]
    if version == "1.3":
        # GEXF 1.3's edge kind is how Gephi keeps parallel relations apart; 1.2draft has none.
        assert sorted(e.get("kind") for e in between) == ["kg:headquarteredIn", "kg:locatedIn"]
    else:
        assert all(e.get("kind") is None for e in between)
    back = nx.read_gexf(path)
    assert isinstance(back, nx.MultiDiGraph)
    kinds = {key: data["kind"] for key, data in back[graphs.ACME][graphs.ZHANGJIANG].items()}
    assert kinds == {
        "acme-locatedIn-zhangjiang": "kg:locatedIn",
        "acme-headquarteredIn-zhangjiang": "kg:headquarteredIn",
    }
    for u, v, key, data in g.edges(keys=True, data=True):
        got = dict(back.edges[u, v, key])
        assert got.pop("id") == key
        assert got == data


def test_edge_ids_are_generated_when_keys_are_not_unique(tmp_path):
    g = nx.MultiDiGraph()
    g.add_edges_from([("a", "b"), ("a", "b"), ("b", "a")])  # networkx keys 0, 1, 0
    doc = assert_valid(export(g, tmp_path))
    assert [e.get("id") for e in doc.getroot().iter(q("1.3", "edge"))] == ["e0", "e1", "e2"]


def test_undirected_graph(tmp_path):
    g = nx.Graph()
    g.add_edge("a", "b", weight=3, label="shares a platform with", kind="kg:sharesWith")
    doc = assert_valid(export(g, tmp_path))
    assert doc.getroot().find(q("1.3", "graph")).get("defaultedgetype") == "undirected"
    back = nx.read_gexf(tmp_path / "network-1.3.gexf")
    assert not back.is_directed()
    assert back.edges["a", "b"]["weight"] == 3


# --- dynamic networks -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_dynamic_times_start_on_the_first_day_of_their_period(tmp_path, version):
    path = export(graphs.dynamic_graph(), tmp_path, version)
    doc = assert_valid(path, version)
    graph = doc.getroot().find(q(version, "graph"))
    assert graph.get("mode") == "dynamic"
    assert graph.get("timeformat") == "date"
    nodes = {n.get("id"): n for n in doc.getroot().iter(q(version, "node"))}
    assert nodes[graphs.ACME].get("start") == "2006-01-01"
    assert nodes[graphs.BETA].get("start") == "2018-11-01"
    assert nodes[graphs.BETA].get("end") == "2023-06-30"
    assert nodes[graphs.ZHANGJIANG].get("start") == "1992-07-01"
    assert nodes[graphs.PUDONG].get("start") is None
    # The time as stated stays readable, in a string column.
    back = nx.read_gexf(path)
    assert back.nodes[graphs.ACME]["start"] == "2006-01-01"
    assert back.nodes[graphs.ACME]["start_text"] == "2006"
    assert back.nodes[graphs.BETA]["start_text"] == "2018-11"
    assert back.nodes[graphs.BETA]["end_text"] == "2023-06-30"
    assert "start_text" not in back.nodes[graphs.ZHANGJIANG]  # given as a date, not text
    edge = back.edges[graphs.ACME, graphs.ZHANGJIANG, "acme-headquarteredIn-zhangjiang"]
    assert (edge["start"], edge["start_text"]) == ("2010-01-01", "2010")
    assert "start" not in back.edges[graphs.ACME, graphs.ZHANGJIANG, "acme-locatedIn-zhangjiang"]


def test_a_clock_time_makes_the_time_format_datetime(tmp_path):
    g = nx.DiGraph()
    g.add_node("a", label="A", start=dt.datetime(2020, 1, 2, 3, 4, 5))
    g.add_node("b", label="B", start="2021")
    doc = assert_valid(export(g, tmp_path))
    assert doc.getroot().find(q("1.3", "graph")).get("timeformat") == "dateTime"
    starts = [n.get("start") for n in doc.getroot().iter(q("1.3", "node"))]
    assert starts == ["2020-01-02T03:04:05", "2021-01-01T00:00:00"]


@pytest.mark.parametrize("bad", ["spring 2006", "2006-13", "06", 2006, "2006-02-30"])
def test_a_time_that_is_not_a_date_is_an_input_error(tmp_path, bad):
    g = nx.DiGraph()
    g.add_node("https://ex.org/a", label="A", start=bad)
    with pytest.raises(InputError, match=r"node https://ex.org/a: start"):
        export(g, tmp_path)
    assert not (tmp_path / "network-1.3.gexf").exists()


# --- the visual encoding ----------------------------------------------------------------------


def _viz(doc: etree._ElementTree, version: str = "1.3") -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for node in doc.getroot().iter(q(version, "node")):
        colour = node.find(f"{{{VIZ[version]}}}color")
        size = node.find(f"{{{VIZ[version]}}}size")
        position = node.find(f"{{{VIZ[version]}}}position")
        out[node.get("id")] = {
            "color": None
            if colour is None
            else "#{:02x}{:02x}{:02x}".format(*(int(colour.get(c)) for c in "rgb")),
            "size": float(size.get("value")),
            "position": None if position is None else dict(position.attrib),
        }
    return out


def test_colours_follow_the_class_and_sizes_the_square_root_from_10_to_30(tmp_path):
    path = tmp_path / "firms.gexf"
    legend = write_network(graphs.typed_graph(), path, size_by="pagerank")
    # The colours of kgcli's own classes are pinned: the same in every profile and network.
    assert legend == {"Company": "#0072b2", "Town": "#8c564b", "District": "#c49c94"}
    viz = _viz(assert_valid(path))
    assert {n: v["color"] for n, v in viz.items()} == {
        graphs.ACME: legend["Company"],
        graphs.BETA: legend["Company"],
        graphs.ZHANGJIANG: legend["Town"],
        graphs.PUDONG: legend["District"],
    }
    sizes = {n: v["size"] for n, v in viz.items()}
    assert sizes[graphs.ACME] == 30.0  # pagerank 0.5, the largest
    assert sizes[graphs.ZHANGJIANG] == sizes[graphs.PUDONG] == 10.0  # 0.125, the smallest
    share = ((0.25 - 0.125) / (0.5 - 0.125)) ** 0.5  # the disc's area follows the value
    assert sizes[graphs.BETA] == pytest.approx(10 + 20 * share, abs=1e-3)
    assert all(v["position"] is not None for v in viz.values())  # every export is laid out


def test_without_size_by_sizes_follow_the_degree(tmp_path):
    viz = _viz(assert_valid(export(graphs.typed_graph(), tmp_path)))
    sizes = {n: v["size"] for n, v in viz.items()}
    # Degrees: Zhangjiang 4 (parallel relations count), Acme 2, Beta 1, Pudong 1.
    assert sizes[graphs.ZHANGJIANG] == 30.0
    assert sizes[graphs.BETA] == sizes[graphs.PUDONG] == 10.0
    assert sizes[graphs.ACME] == pytest.approx(10 + 20 * (1 / 3) ** 0.5, abs=1e-3)


def test_size_by_rank_spreads_the_sizes_evenly(tmp_path):
    viz = _viz(assert_valid(export(graphs.typed_graph(), tmp_path, size_scale="rank")))
    assert sorted({v["size"] for v in viz.values()}) == [10.0, 20.0, 30.0]


def test_size_by_none_gives_every_node_the_same_size(tmp_path):
    viz = _viz(assert_valid(export(graphs.typed_graph(), tmp_path, size_by="none")))
    assert {v["size"] for v in viz.values()} == {20.0}


def test_size_by_an_attribute_some_nodes_lack_gives_them_the_smallest_size(tmp_path):
    viz = _viz(assert_valid(export(graphs.typed_graph(), tmp_path, size_by="revenue")))
    assert viz[graphs.ACME]["size"] == 20.0  # the only value: no range to scale
    assert viz[graphs.BETA]["size"] == 10.0


def test_size_by_a_non_numeric_attribute_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"'label'.*numeric attributes: employees, pagerank"):
        export(graphs.typed_graph(), tmp_path, size_by="label")


def test_a_non_finite_weight_is_an_input_error(tmp_path):
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=float("nan"))
    with pytest.raises(InputError, match="a -> b: weight nan"):
        export(g, tmp_path)


def test_layout_none_writes_no_positions(tmp_path):
    viz = _viz(assert_valid(export(graphs.typed_graph(), tmp_path, layout="none")))
    assert all(v["position"] is None for v in viz.values())


@pytest.mark.parametrize("version", ["1.3", "1.2draft"])
def test_layout_positions_are_seeded(tmp_path, version):
    g = graphs.typed_graph()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _viz(
        assert_valid(export(g, tmp_path / "a", version, layout="spring"), version), version
    )
    second = _viz(
        assert_valid(export(g, tmp_path / "b", version, layout="spring"), version), version
    )
    assert len(first) == 4
    assert first == second
    assert all(
        set(v["position"]) == ({"x", "y"} if version == "1.3" else {"x", "y", "z"})
        for v in first.values()
    )
    # Scaled so that the median edge is 100 units long: the unit of the node sizes.
    at = {n: (float(v["position"]["x"]), float(v["position"]["y"])) for n, v in first.items()}
    lengths = sorted(
        ((at[u][0] - at[v][0]) ** 2 + (at[u][1] - at[v][1]) ** 2) ** 0.5
        for u, v in [
            (graphs.ACME, graphs.ZHANGJIANG),
            (graphs.BETA, graphs.ZHANGJIANG),
            (graphs.ZHANGJIANG, graphs.PUDONG),
        ]
    )
    assert lengths[1] == pytest.approx(100, abs=0.01)


def test_unknown_version_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"'1\.1'.*1\.3, 1\.2draft"):
        export(graphs.typed_graph(), tmp_path, "1.1")


# --- text that XML cannot carry -------------------------------------------------------------


def test_text_xml_can_carry_reads_back_exactly(tmp_path):
    g = nx.DiGraph()
    label = "a\tf\ng\rh & <i> \"j\" 'k' ]]> \x7f\x85 \ufffd 😀 "
    g.add_node("https://ex.org/x?a=1&b=2", label=label, kind="K", note=label)
    g.add_edge("https://ex.org/x?a=1&b=2", "y", label=label, kind=label)
    path = export(g, tmp_path)
    assert_valid(path)
    back = nx.read_gexf(path)
    node = back.nodes["https://ex.org/x?a=1&b=2"]
    assert (node["label"], node["note"]) == (label, label)
    edge = back.edges["https://ex.org/x?a=1&b=2", "y"]
    assert (edge["label"], edge["kind"]) == (label, label)


def test_text_xml_cannot_carry_is_refused_naming_the_node(tmp_path):
    """XML 1.0 cannot carry U+0000 even as `&#0;`: refused (#12), never replaced by U+FFFD."""
    g = nx.DiGraph()
    g.add_node("https://ex.org/x", label="a\x00b", kind="K")
    with pytest.raises(XmlCharError) as err:
        export(g, tmp_path)
    assert str(err.value) == (
        "cannot write node 'https://ex.org/x' (the text 'a\\x00b') as GEXF: it holds U+0000 "
        "(character 2), which XML 1.0 cannot carry, not even as a character reference; the "
        "gephi-csv and graphology exports keep it"
    )
    assert err.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


_SPECIAL = [
    *("\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\r\n"),
    *("\ufffe", "\uffff", "\ud800", "\udfff", "\u2028", "&", "<", ">", '"', "'", "]]>"),
    *("&amp;", "😀", "𠀀", "上海", " ", "  "),
]
TEXT = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(_SPECIAL)), max_size=24
).map("".join)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(label=TEXT, value=TEXT, edge_label=TEXT, name=TEXT)
def test_any_text_gives_a_valid_file_that_reads_back_equal(
    tmp_path, label, value, edge_label, name
):
    # The attribute name is prefixed so it cannot be one networkx's reader gives a meaning to.
    name = "p_" + name
    g = nx.MultiDiGraph()
    g.add_node("a", label=label, kind="K", **{name: value})
    g.add_node("b", label="B", kind="K")
    g.add_edge("a", "b", key="ab", label=edge_label, kind="kg:p", weight=1.0, **{name: value})
    unwritable = any(FORBIDDEN.search(t) for t in (label, value, edge_label, name))
    for version in ("1.3", "1.2draft"):
        (tmp_path / f"network-{version}.gexf").unlink(missing_ok=True)  # an earlier example's
        if unwritable:  # refused, by name, and nothing written
            with pytest.raises(XmlCharError, match=r"^cannot write .* as GEXF: it holds U\+"):
                export(g, tmp_path, version)
            assert not (tmp_path / f"network-{version}.gexf").exists()
            continue
        path = export(g, tmp_path, version)
        assert_valid(path, version)
        back = nx.read_gexf(path)
        node = back.nodes["a"]
        assert node["label"] == label
        assert node[name] == value
        edge = back.edges["a", "b"]  # one edge: networkx reads a simple DiGraph
        assert edge["label"] == edge_label
        assert edge[name] == value
