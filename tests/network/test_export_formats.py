"""All export formats: choosing one, what each reads back as, palette, layout and atomicity."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import FIXTURES, examples

from kgcli.errors import InputError, UsageError
from kgcli.network.export import EXPORT_FORMATS, format_for, palette, write_network
from kgcli.network.export.palette import KG, OKABE_ITO, PINNED, SLOTS, TABLEAU_20, slot_of
from kgcli.network.profile import builtin_profiles

sys.path.insert(0, str(FIXTURES / "export"))
import export_graphs as graphs

GOLDEN = FIXTURES / "export" / "golden"

#: The built-in profiles of our domain (the generic one has its own tests).
DOMAIN_PROFILES = [p for p in builtin_profiles() if not p.generic]


# --- choosing the format ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("out.gexf", "gexf"),
        ("out.GEXF", "gexf"),
        ("dir.v2/out.graphml", "graphml"),
        ("out.csv", "gephi-csv"),
        ("out.json", "graphology"),
    ],
)
def test_format_from_the_extension(path, expected):
    assert format_for(path) == expected


def test_an_explicit_format_wins_over_the_extension():
    assert EXPORT_FORMATS == ("gexf", "graphml", "gephi-csv", "graphology", "gephi-lite")
    assert format_for("out.txt", "graphology") == "graphology"
    assert format_for(Path("out.gexf"), "GraphML") == "graphml"


def test_an_unknown_extension_is_a_usage_error_naming_it_and_the_choices():
    with pytest.raises(UsageError) as caught:
        format_for("network.gml")
    message = str(caught.value)
    assert "'network.gml'" in message and "'.gml'" in message
    assert all(choice in message for choice in (".gexf", ".graphml", ".csv", ".json", "gephi-csv"))
    with pytest.raises(UsageError, match=r"'\(none\)'"):
        format_for("network")


def test_an_unknown_explicit_format_is_a_usage_error():
    with pytest.raises(UsageError, match=r"'gml'.*gexf, graphml, gephi-csv, graphology"):
        format_for("out.gexf", "gml")


def test_importing_the_package_does_not_import_networkx():
    code = (
        "import sys, kgcli.network.export; print('networkx' in sys.modules, 'numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# --- one attribute of each type, through every format ---------------------------------------


def _read_gexf(path: Path) -> dict[str, dict[str, object]]:
    return {n: d for n, d in nx.read_gexf(path).nodes(data=True)}


def _read_graphml(path: Path) -> dict[str, dict[str, object]]:
    return {n: d for n, d in nx.read_graphml(path, edge_key_type=str).nodes(data=True)}


def _read_csv(path: Path) -> dict[str, dict[str, object]]:
    with open(path.with_name(path.stem + ".nodes.csv"), newline="", encoding="utf-8") as f:
        rows = {row["Id"]: row for row in csv.DictReader(f)}
    for row in rows.values():
        row["label"] = row.pop("Label")  # Gephi's spelling, to compare with the other formats
    return rows


def _read_json(path: Path) -> dict[str, dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {node["key"]: node["attributes"] for node in data["nodes"]}


#: How each format gives the typed values back: XML formats keep int, float and bool (a date is its
#: ISO text); CSV is all text (numbers in the shortest form that reads back equal); JSON keeps
#: numbers and booleans. A missing value stays missing everywhere except CSV, where it is an
#: empty cell.
READERS = {
    "gexf": (".gexf", _read_gexf, graphs.READ_BACK),
    "graphml": (".graphml", _read_graphml, graphs.READ_BACK),
    "gephi-csv": (
        ".csv",
        _read_csv,
        {
            "employees": "1200",
            "revenue": "3.75",
            "listed": "true",
            "founded": "2006-05-01",
            "homepage": graphs.TYPED_VALUES["homepage"],
            "name_zh": graphs.TYPED_VALUES["name_zh"],
        },
    ),
    "graphology": (".json", _read_json, graphs.READ_BACK),
}


@pytest.mark.parametrize("fmt", list(READERS))
def test_each_type_round_trips(tmp_path, fmt):
    extension, read, expected = READERS[fmt]
    path = tmp_path / f"firms{extension}"
    write_network(graphs.typed_graph(), path)
    nodes = read(path)
    acme = nodes[graphs.ACME]
    for name, value in expected.items():
        assert acme[name] == value, name
        assert type(acme[name]) is type(value), name
    assert acme["label"] == "Acme Biotech"
    assert acme["iri"] == graphs.ACME
    assert nodes[graphs.BETA]["label"] == "贝塔医药"
    beta = nodes[graphs.BETA]
    if fmt == "gephi-csv":
        assert beta["revenue"] == beta["listed"] == beta["founded"] == ""
    else:
        assert "revenue" not in beta and "listed" not in beta and "founded" not in beta


# --- GraphML ----------------------------------------------------------------------------------


def _edge_ends(path: Path, fmt: str) -> list[tuple[str, str]]:
    """The (source, target) ids of every edge, as the file writes them."""
    if fmt == "gephi-csv":
        rows = _rows(path.with_name(path.stem + ".edges.csv"))
        return [(row[0], row[1]) for row in rows[1:]]
    if fmt == "graphology":
        data = json.loads(path.read_text(encoding="utf-8"))
        return [(edge["source"], edge["target"]) for edge in data["edges"]]
    read = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    return list(read(path).edges())


@pytest.mark.parametrize("fmt", list(READERS))
def test_two_nodes_written_alike_keep_distinct_ids(tmp_path, fmt):
    """The int 1 and the text "1" are two nodes (as a resource <1> and a literal "1" are): they
    must not share an id, which would merge them, or make the file invalid."""
    g = nx.DiGraph()
    g.add_node(1, label="one (a number)")
    g.add_node("1", label="one (a text)")
    g.add_node("1~2", label="a text that looks like a renamed id")
    g.add_edge(1, "1")
    g.add_edge("1", "1~2")
    extension, read, _ = READERS[fmt]
    path = tmp_path / f"ids{extension}"
    write_network(g, path, fmt=fmt)
    nodes = read(path)
    assert sorted(d["label"] for d in nodes.values()) == [
        "a text that looks like a renamed id",
        "one (a number)",
        "one (a text)",
    ]
    by_label = {d["label"]: n for n, d in nodes.items()}
    number, text, other = (
        by_label["one (a number)"],
        by_label["one (a text)"],
        by_label["a text that looks like a renamed id"],
    )
    assert text == "1" and other == "1~2" and number not in ("1", "1~2")
    assert sorted(_edge_ends(path, fmt)) == sorted([(number, text), (text, other)])


def test_graphml_reads_back_with_equal_attributes(tmp_path):
    g = graphs.dynamic_graph()
    path = tmp_path / "firms.graphml"
    write_network(g, path, size_by="pagerank", layout="spring")
    back = nx.read_graphml(path, edge_key_type=str)
    assert isinstance(back, nx.MultiDiGraph)
    assert {k: back.graph[k] for k in ("title", "description", "creator", "source")} == {
        k: g.graph[k] for k in ("title", "description", "creator", "source")
    }
    visual = {"x", "y", "size", "r", "g", "b"}
    for node, data in g.nodes(data=True):
        got = dict(back.nodes[node])
        assert visual <= set(got)
        expected = {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in data.items()
        }
        for name in ("start", "end"):
            if isinstance(data.get(name), str):  # the time as stated, beside its ISO date
                expected[f"{name}_text"] = data[name]
        expected["start"] = {
            graphs.ACME: "2006-01-01",
            graphs.BETA: "2018-11-01",
            graphs.ZHANGJIANG: "1992-07-01",
        }.get(node)
        if expected["start"] is None:
            del expected["start"]
        assert {k: v for k, v in got.items() if k not in visual} == expected, node
    for u, v, key, data in g.edges(keys=True, data=True):
        got = dict(back.edges[u, v, key])
        if "start" in data:
            assert (got.pop("start"), got.pop("start_text")) == ("2010-01-01", "2010")
            data = {k: val for k, val in data.items() if k != "start"}
        assert got == data


def test_graphml_keys_are_typed_and_never_gephis_yed_ids(tmp_path):
    path = tmp_path / "firms.graphml"
    write_network(graphs.typed_graph(), path)
    raw = path.read_text(encoding="utf-8")
    keys = re.findall(r'<key id="([^"]+)" for="(\w+)" attr.name="([^"]+)" attr.type="(\w+)"/>', raw)
    ids = [k[0] for k in keys]
    assert len(ids) == len(set(ids)) and "d3" not in ids and "d7" not in ids
    types = {(domain, name): kind for _, domain, name, kind in keys}
    assert types[("node", "employees")] == "int"
    assert types[("node", "revenue")] == "double"
    assert types[("node", "listed")] == "boolean"
    assert types[("node", "founded")] == "string"
    assert types[("edge", "weight")] == "double"
    assert set(types.values()) <= {"int", "long", "float", "double", "boolean", "string"}
    assert '<graph id="G" edgedefault="directed">' in raw


def test_graphml_of_an_undirected_graph(tmp_path):
    path = tmp_path / "shared.graphml"
    write_network(nx.Graph([("a", "b", {"weight": 2.0})]), path)
    back = nx.read_graphml(path)
    assert not back.is_directed() and back.edges["a", "b"]["weight"] == 2.0


# --- Gephi CSV --------------------------------------------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte order mark
    assert raw.endswith(b"\r\n")  # RFC 4180 line ends
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_gephi_csv_writes_a_nodes_table_and_an_edges_table(tmp_path):
    write_network(graphs.dynamic_graph(), tmp_path / "firms.csv", layout="spring")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["firms.edges.csv", "firms.nodes.csv"]
    nodes = _rows(tmp_path / "firms.nodes.csv")
    assert nodes[0] == [
        *("Id", "Label", "kind", "class", "iri", "employees", "revenue", "listed", "founded"),
        *("homepage", "name_zh", "pagerank", "start", "end", "start_text", "end_text"),
        *("x", "y", "size", "color"),
    ]
    by_id = {row[0]: dict(zip(nodes[0], row, strict=True)) for row in nodes[1:]}
    assert by_id[graphs.ACME]["homepage"] == "https://acme.example/über?a=1&b=<2>"
    assert by_id[graphs.BETA]["start"] == "2018-11-01"
    assert by_id[graphs.BETA]["start_text"] == "2018-11"
    assert by_id[graphs.ACME]["color"] == "#0072b2"  # kg:Company's pinned colour
    edges = _rows(tmp_path / "firms.edges.csv")
    assert edges[0] == [
        *("Source", "Target", "Type", "Id", "Label", "Kind", "Weight", "predicate", "since"),
        *("start", "end", "start_text"),
    ]
    rows = [dict(zip(edges[0], row, strict=True)) for row in edges[1:]]
    assert {row["Type"] for row in rows} == {"Directed"}
    assert len({row["Id"] for row in rows}) == len(rows) == 4
    parallel = sorted(
        (row["Kind"], row["Weight"], row["since"])
        for row in rows
        if (row["Source"], row["Target"]) == (graphs.ACME, graphs.ZHANGJIANG)
    )
    assert parallel == [("kg:headquarteredIn", "2.5", "2010"), ("kg:locatedIn", "1.0", "")]


def test_gephi_csv_quotes_per_rfc_4180(tmp_path):
    g = nx.Graph()
    tricky = 'a, "quoted"\nline\rand more'
    g.add_node("x,1", label=tricky, kind="K")
    g.add_edge("x,1", "y", label=tricky)
    write_network(g, tmp_path / "t.csv")
    raw = (tmp_path / "t.nodes.csv").read_bytes().decode("utf-8")
    assert '"x,1","a, ""quoted""\nline\rand more"' in raw
    nodes = _rows(tmp_path / "t.nodes.csv")
    assert nodes[1][:2] == ["x,1", tricky]
    edges = _rows(tmp_path / "t.edges.csv")
    assert edges[1][:5] == ["x,1", "y", "Undirected", "e0", tricky]


# --- graphology -------------------------------------------------------------------------------


def test_graphology_json_has_the_serialisation_shape(tmp_path):
    path = tmp_path / "firms.json"
    legend = write_network(graphs.dynamic_graph(), path, size_by="employees", layout="spring")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"attributes", "options", "nodes", "edges"}
    assert data["options"] == {"type": "directed", "multi": True, "allowSelfLoops": True}
    assert data["attributes"]["title"] == "Firms of Zhangjiang"
    assert data["attributes"]["legend"] == legend
    assert data["attributes"]["kinds"] == ["Company", "Town", "District"]
    assert data["attributes"]["timeformat"] == "date"
    assert [n["key"] for n in data["nodes"]] == list(graphs.dynamic_graph())
    for node in data["nodes"]:
        attrs = node["attributes"]
        assert set(node) == {"key", "attributes"}
        assert {"label", "x", "y", "size", "color"} <= set(attrs)
        assert isinstance(attrs["x"], float) and 5 <= attrs["size"] <= 50
        assert attrs["color"] == legend[attrs["kind"]]
    acme = data["nodes"][0]["attributes"]
    assert (acme["start"], acme["start_text"], acme["founded"]) == (
        "2006-01-01",
        "2006",
        "2006-05-01",
    )
    keys = [e["key"] for e in data["edges"]]
    assert len(keys) == len(set(keys)) == 4
    for edge in data["edges"]:
        assert set(edge) == {"key", "source", "target", "attributes"}
        assert {"label", "kind", "weight", "predicate"} <= set(edge["attributes"])


def test_graphology_of_an_undirected_simple_graph(tmp_path):
    path = tmp_path / "g.json"
    write_network(nx.Graph([("a", "b")]), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["options"] == {"type": "undirected", "multi": False, "allowSelfLoops": True}
    assert data["edges"] == [{"key": "e0", "source": "a", "target": "b", "attributes": {}}]


# --- names a format reserves ------------------------------------------------------------------


def test_a_data_attribute_named_like_a_visual_property_is_kept_apart(tmp_path):
    g = nx.DiGraph()
    g.add_node("a", label="A", kind="K", size="large", color="red", X=3)
    g.add_edge("a", "a", id="data id", type="self")
    write_network(g, tmp_path / "g.graphml")
    write_network(g, tmp_path / "g.json")
    write_network(g, tmp_path / "g.csv")
    write_network(g, tmp_path / "g.gexf")
    graphml = nx.read_graphml(tmp_path / "g.graphml").nodes["a"]
    assert (graphml["data:size"], graphml["data:X"], graphml["size"]) == ("large", 3, 20.0)
    node = json.loads((tmp_path / "g.json").read_text())["nodes"][0]["attributes"]
    assert (node["data:size"], node["data:color"], node["size"], node["color"]) == (
        "large",
        "red",
        20.0,
        palette(["K"])["K"],
    )
    edge = json.loads((tmp_path / "g.json").read_text())["edges"][0]["attributes"]
    assert edge == {"id": "data id", "data:type": "self"}
    header = _rows(tmp_path / "g.nodes.csv")[0]
    assert header == [
        *("Id", "Label", "kind", "data:size", "data:color", "data:X"),
        *("x", "y", "size", "color"),
    ]
    assert _rows(tmp_path / "g.edges.csv")[0][7:] == ["data:id", "data:type"]
    gexf = nx.read_gexf(tmp_path / "g.gexf").nodes["a"]
    assert (gexf["size"], gexf["color"]) == ("large", "red")  # GEXF keeps visuals apart itself


# --- text through the other formats ---------------------------------------------------------

TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(["\x00", "\r", "\n", "\r\n", '"', ",", "\ud800", "😀", "上海"]),
    ),
    max_size=20,
).map("".join)


def _no_lone_surrogates(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(label=TEXT, value=TEXT)
def test_any_text_survives_csv_and_json_except_lone_surrogates(tmp_path, label, value):
    g = nx.DiGraph()
    g.add_node("a", label=label, kind="K", note=value)
    write_network(g, tmp_path / "t.csv")
    write_network(g, tmp_path / "t.json")
    row = _read_csv(tmp_path / "t.csv")["a"]
    assert (row["label"], row["note"]) == (_no_lone_surrogates(label), _no_lone_surrogates(value))
    node = _read_json(tmp_path / "t.json")["a"]
    assert (node["label"], node["note"]) == (_no_lone_surrogates(label), _no_lone_surrogates(value))


# --- palette ----------------------------------------------------------------------------------


def test_palette_gives_kgcli_classes_their_pinned_colours_and_others_distinct_ones():
    keys = [KG + "Company", KG + "HealthcareFacility"] + [f"urn:x:Kind{i}" for i in range(40)]
    colours = palette(keys)
    assert set(colours) == set(keys)
    assert colours[KG + "Company"] == PINNED[KG + "Company"]
    assert colours[KG + "HealthcareFacility"] == PINNED[KG + "HealthcareFacility"]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())
    assert len(set(colours.values())) == len(keys)  # distinct within one network
    # The first 27 take the slots of Okabe-Ito and Tableau 20, the rest spaced hues.
    assert len(set(colours.values()) & {*OKABE_ITO, *TABLEAU_20}) == 27


def test_a_class_keeps_its_colour_whatever_else_is_in_the_network():
    alone = palette(["urn:x:Lab"])["urn:x:Lab"]
    assert palette(["urn:x:Lab", KG + "Company", KG + "Town"])["urn:x:Lab"] == alone
    assert alone == SLOTS[slot_of("urn:x:Lab")]
    # Two classes that hash to the same slot: the later IRI moves to the next free slot.
    taken = SLOTS[slot_of("urn:x:Lab")]
    other = next(f"urn:y:{i}" for i in range(1000) if SLOTS[slot_of(f"urn:y:{i}")] == taken)
    both = palette(["urn:x:Lab", other])
    assert both[min("urn:x:Lab", other)] == taken
    assert both[max("urn:x:Lab", other)] != taken


def test_the_same_class_has_the_same_colour_in_every_profile(tmp_path):
    from kgcli.api import open_source
    from kgcli.network.build import build_network

    source = open_source()
    seen: dict[str, set[str]] = {}
    for profile in DOMAIN_PROFILES:
        graph = build_network(source, profile)
        legend = write_network(graph, tmp_path / f"{profile.name}.json")
        for _, data in graph.nodes(data=True):
            seen.setdefault(data["class"], set()).add(legend[data["kind"]])
    assert {cls: len(colours) for cls, colours in seen.items()} == dict.fromkeys(seen, 1)


def test_legend_follows_the_declared_kinds_then_the_others_sorted(tmp_path):
    g = nx.DiGraph(kinds=["Town", "Company", "Sector"])
    for node, kind in [("c", "Company"), ("z", "Zebra"), ("t", "Town"), ("a", "Alpaca")]:
        g.add_node(node, label=node, kind=kind)
    legend = write_network(g, tmp_path / "g.json")
    assert list(legend) == ["Town", "Company", "Alpaca", "Zebra"]
    assert legend == {kind: palette(legend)[kind] for kind in legend}


@pytest.mark.slow  # two fresh Pythons: ~5 s alone
def test_legend_is_the_same_in_another_process(tmp_path):
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import export_graphs as g; "
        "from kgcli.network.export import write_network; "
        "print(json.dumps(write_network(g.typed_graph(), sys.argv[2])))"
    )
    legends = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(graphs.__file__).rsplit("/", 1)[0],
                str(tmp_path / "g.gexf"),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        legends.append(json.loads(done.stdout))
    assert legends[0] == legends[1] == write_network(graphs.typed_graph(), tmp_path / "h.gexf")


# --- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["forceatlas2", "spring", "kamada-kawai"])
def test_each_layout_is_seeded_and_scaled(tmp_path, layout):
    g = graphs.typed_graph()
    first = _read_json_positions(g, tmp_path / "a.json", layout, 42)
    assert first == _read_json_positions(g, tmp_path / "b.json", layout, 42)
    # Scaled so that the median edge is 100 units long: the unit of the node sizes.
    lengths = sorted(
        ((first[u][0] - first[v][0]) ** 2 + (first[u][1] - first[v][1]) ** 2) ** 0.5
        for u, v in {(u, v) for u, v in g.edges()}
    )
    assert lengths[len(lengths) // 2] == pytest.approx(100, abs=0.01)


def test_another_seed_gives_another_layout(tmp_path):
    g = graphs.typed_graph()
    assert _read_json_positions(g, tmp_path / "a.json", "spring", 1) != _read_json_positions(
        g, tmp_path / "b.json", "spring", 2
    )


def _read_json_positions(g: nx.Graph, path: Path, layout: str, seed: int):
    write_network(g, path, layout=layout, seed=seed)
    return {n: (a["x"], a["y"]) for n, a in _read_json(path).items()}


def test_an_unknown_layout_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"'circle'.*forceatlas2, spring, kamada-kawai"):
        write_network(graphs.typed_graph(), tmp_path / "g.gexf", layout="circle")


# --- atomicity --------------------------------------------------------------------------------


class _Unprintable:
    """A label that fails when the writer reaches it, halfway through the file."""

    def __str__(self) -> str:
        raise RuntimeError("cannot print this label")


def _failing_graph() -> nx.MultiDiGraph:
    g = graphs.typed_graph()
    for index in range(5000):  # enough to have flushed a batch before the failure
        g.add_node(f"n{index}", label=f"node {index}", kind="Company")
    g.add_node("bad", label=_Unprintable(), kind="Company")
    return g


@pytest.mark.parametrize("name", ["old.gexf", "old.graphml", "old.json"])
def test_a_failing_writer_leaves_the_old_file(tmp_path, name):
    path = tmp_path / name
    path.write_text("the old file", encoding="utf-8")
    with pytest.raises(RuntimeError, match="cannot print"):
        write_network(_failing_graph(), path)
    assert path.read_text(encoding="utf-8") == "the old file"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_a_failing_csv_writer_leaves_both_old_files(tmp_path):
    for table in ("nodes", "edges"):
        (tmp_path / f"old.{table}.csv").write_text(f"old {table}", encoding="utf-8")
    g = _failing_graph()
    g.add_edge("n1", "n2", label=_Unprintable())
    g.nodes["bad"]["label"] = "printable after all"  # the nodes table succeeds, the edges fail
    with pytest.raises(RuntimeError):
        write_network(g, tmp_path / "old.csv")
    assert (tmp_path / "old.nodes.csv").read_text() == "old nodes"
    assert (tmp_path / "old.edges.csv").read_text() == "old edges"
    assert len(list(tmp_path.iterdir())) == 2


def test_a_bad_time_fails_before_any_file_is_touched(tmp_path):
    g = graphs.typed_graph()
    g.nodes[graphs.ACME]["start"] = "the nineties"
    with pytest.raises(InputError, match="the nineties"):
        write_network(g, tmp_path / "g.json")
    assert list(tmp_path.iterdir()) == []


# --- golden files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["tiny.gexf", "tiny-1.2draft.gexf", "tiny.graphml", "tiny.csv", "tiny.json"]
)
def test_golden_files(tmp_path, name):
    """Exact output for a tiny network; KGCLI_REGENERATE_GOLDEN=1 rewrites the expected files."""
    version = "1.2draft" if "1.2draft" in name else "1.3"
    write_network(graphs.tiny_graph(), tmp_path / name, gexf_version=version)
    for produced in sorted(tmp_path.iterdir()):
        # The file's own date is the day it was written, not a fact about the network.
        data = re.sub(
            rb'lastmodifieddate="[\d-]+"', b'lastmodifieddate="DATE"', produced.read_bytes()
        )
        expected = GOLDEN / produced.name
        if os.environ.get("KGCLI_REGENERATE_GOLDEN"):
            expected.write_bytes(data)
        assert data == expected.read_bytes(), produced.name
