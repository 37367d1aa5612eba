"""The Gephi Lite workspace export (`.gephi-lite.json`): its exact structure, the column types
Gephi Lite would guess wrong from a GEXF, and, given Gephi Lite's source, its JSON schema."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import networkx as nx
import pytest

from kgcli.api import open_source
from kgcli.network.analyze import analyze
from kgcli.network.build import build_network
from kgcli.network.export import format_for, write_network
from kgcli.network.profile import builtin_profiles

DOMAIN_PROFILES = [p for p in builtin_profiles() if not p.generic]
KG = "https://w3id.org/kgcli/ontology#"
#: Every entry of Gephi Lite's appearance state: the app replaces its state with the file's.
APPEARANCE_KEYS = {
    "showEdges",
    "nodesSize",
    "edgesSize",
    "backgroundColor",
    "layoutGridColor",
    "nodesColor",
    "edgesColor",
    "nodesLabel",
    "edgesLabel",
    "nodesLabelSize",
    "edgesLabelSize",
    "nodesLabelEllipsis",
    "edgesLabelEllipsis",
    "nodesImage",
    "edgesZIndex",
}


def _small() -> nx.DiGraph:
    """Three nodes whose 0/1 metrics a GEXF reader would take for booleans."""
    graph = nx.DiGraph(title="Tiny", categories=["community"], kinds=["Company", "Town"])
    graph.add_node(
        "a",
        label="Firm A",
        kind="Company",
        **{"class": KG + "Company"},
        in_degree=0,
        core=1,
        community=0,
        pagerank=0.5,
        start="2006",
    )
    graph.add_node(
        "b",
        label="Firm B",
        kind="Company",
        **{"class": KG + "Company"},
        in_degree=1,
        core=1,
        community=1,
        pagerank=0.25,
    )
    graph.add_node(
        "t",
        label="Jiading",
        kind="Town",
        **{"class": KG + "Town"},
        in_degree=1,
        core=0,
        community=0,
        pagerank=0.25,
    )
    graph.add_edge(
        "a",
        "b",
        label="partner of",
        kind="kg:partnerOf",
        predicate=KG + "partnerOf",
        relations="kg:partnerOf",
    )
    graph.add_edge(
        "a",
        "t",
        label="located in; founding location",
        kind="kg:locatedIn",
        predicate=KG + "locatedIn",
        relations="kg:locatedIn; kg:foundingLocation",
    )
    return graph


def _write(tmp_path: Path, graph: nx.Graph, name: str = "tiny.gephi-lite.json", **options) -> dict:
    path = tmp_path / name
    write_network(graph, path, **options)
    return json.loads(path.read_text(encoding="utf-8"))


# --- choosing the format ----------------------------------------------------------------------


def test_the_double_extension_chooses_the_workspace_and_plain_json_stays_graphology():
    assert format_for("net.gephi-lite.json") == "gephi-lite"
    assert format_for("dir/NET.Gephi-Lite.JSON") == "gephi-lite"
    assert format_for("net.json") == "graphology"
    assert format_for("gephi-lite.json") == "graphology"  # a name, not the double extension
    assert format_for("net.json", "gephi-lite") == "gephi-lite"


# --- the exact structure ----------------------------------------------------------------------


def test_a_small_export_has_exactly_this_structure(tmp_path):
    doc = _write(tmp_path, _small(), layout="none")
    assert list(doc) == ["type", "version", "filters", "graphDataset", "appearance"]
    assert doc["type"] == "gephi-lite" and doc["version"] == "1.0.0"
    assert doc["filters"] == {"filters": []}
    data = doc["graphDataset"]
    assert list(data) == [
        "metadata",
        "nodeData",
        "layout",
        "edgeData",
        "fullGraph",
        "nodeFields",
        "edgeFields",
    ]
    assert data["metadata"] == {"title": "Tiny"}
    assert data["nodeData"] == {
        "a": {
            "label": "Firm A",
            "size": 30.0,
            "kind": "Company",
            "class": KG + "Company",
            "in_degree": 0,
            "core": 1,
            "community": "c1",
            "pagerank": 0.5,
            "start": "2006-01-01",
            "start_text": "2006",
        },
        "b": {
            "label": "Firm B",
            "size": 10.0,
            "kind": "Company",
            "class": KG + "Company",
            "in_degree": 1,
            "core": 1,
            "community": "c2",
            "pagerank": 0.25,
        },
        "t": {
            "label": "Jiading",
            "size": 10.0,
            "kind": "Town",
            "class": KG + "Town",
            "in_degree": 1,
            "core": 0,
            "community": "c1",
            "pagerank": 0.25,
        },
    }
    # Without a layout every node is at the origin (Gephi Lite needs a position for each).
    assert data["layout"] == {n: {"x": 0.0, "y": 0.0} for n in "abt"}
    assert data["edgeData"] == {
        "e0": {
            "label": "partner of",
            "kind": "kg:partnerOf",
            "predicate": KG + "partnerOf",
            "relations": "kg:partnerOf",
        },
        "e1": {
            "label": "located in; founding location",
            "kind": "kg:locatedIn",
            "predicate": KG + "locatedIn",
            "relations": "kg:locatedIn; kg:foundingLocation",
        },
    }
    assert data["fullGraph"] == {
        "options": {"type": "directed", "multi": True, "allowSelfLoops": True},
        "attributes": {},
        "nodes": [{"key": "a"}, {"key": "b"}, {"key": "t"}],
        "edges": [
            {"key": "e0", "source": "a", "target": "b"},
            {"key": "e1", "source": "a", "target": "t"},
        ],
    }
    node = "nodes"
    assert data["nodeFields"] == [
        {"id": "label", "itemType": node, "type": "text"},
        {"id": "size", "itemType": node, "type": "number"},
        {"id": "kind", "itemType": node, "type": "category"},
        {"id": "class", "itemType": node, "type": "url"},
        {"id": "in_degree", "itemType": node, "type": "number"},
        {"id": "core", "itemType": node, "type": "number"},
        {"id": "community", "itemType": node, "type": "category"},
        {"id": "pagerank", "itemType": node, "type": "number"},
        {"id": "start", "itemType": node, "type": "date", "format": "yyyy-MM-dd"},
        {"id": "start_text", "itemType": node, "type": "text"},
    ]
    assert data["edgeFields"] == [
        {"id": "label", "itemType": "edges", "type": "text"},
        {"id": "kind", "itemType": "edges", "type": "category"},
        {"id": "predicate", "itemType": "edges", "type": "url"},
        {"id": "relations", "itemType": "edges", "type": "keywords", "separator": "; "},
    ]
    appearance = doc["appearance"]
    assert set(appearance) == APPEARANCE_KEYS
    assert appearance["edgesSize"] == {"type": "fixed", "value": 1}
    fields = {f["id"]: f for f in data["nodeFields"]}
    assert appearance["nodesColor"] == {
        "type": "partition",
        "field": fields["kind"],
        "colorPalette": {"Company": "#0072b2", "Town": "#8c564b"},
        "missingColor": "#999999",
    }
    size = {"type": "ranking", "field": fields["size"], "missingSize": 20}
    assert appearance["nodesSize"] == size
    assert appearance["nodesLabel"] == {"type": "field", "field": fields["label"]}
    assert appearance["edgesLabel"] == {"type": "field", "field": data["edgeFields"][0]}


def test_positions_sizes_and_colours_are_those_of_the_readable_default(tmp_path):
    """The workspace carries what the graphology export of the same network carries."""
    graph = _small()
    doc = _write(tmp_path, graph)
    write_network(graph, tmp_path / "tiny.json")
    plain = json.loads((tmp_path / "tiny.json").read_text(encoding="utf-8"))
    data = doc["graphDataset"]
    palette = doc["appearance"]["nodesColor"]["colorPalette"]
    for node in plain["nodes"]:
        key, attrs = node["key"], node["attributes"]
        assert data["layout"][key] == {"x": attrs["x"], "y": attrs["y"]}
        assert data["nodeData"][key]["size"] == attrs["size"]
        assert palette[data["nodeData"][key]["kind"]] == attrs["color"]
    assert len({(p["x"], p["y"]) for p in data["layout"].values()}) == 3


def test_weights_are_numbers_when_they_vary(tmp_path):
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=1.0)
    graph.add_edge("b", "c", weight=2.5)
    data = _write(tmp_path, graph, layout="none")["graphDataset"]
    assert data["edgeData"] == {"e0": {"weight": 1.0}, "e1": {"weight": 2.5}}
    assert data["edgeFields"] == [{"id": "weight", "itemType": "edges", "type": "number"}]
    assert data["fullGraph"]["options"]["type"] == "undirected"


def test_weights_that_vary_size_the_edges(tmp_path):
    graph = nx.Graph()
    graph.add_edge("a", "b", weight=1.0)
    graph.add_edge("b", "c", weight=4.0)
    doc = _write(tmp_path, graph, layout="none")
    assert doc["appearance"]["edgesSize"] == {
        "type": "ranking",
        "field": {"id": "weight", "itemType": "edges", "type": "number"},
        "missingSize": 1,
        "minSize": 1,
        "maxSize": 3,
        "transformationMethod": {"pow": 0.5},
    }


def test_text_columns_of_iris_or_dates_only_are_urls_or_dates(tmp_path):
    graph = nx.Graph()
    graph.add_node("a", iri="https://example.org/a", site="https://example.org/", on="2006-05-01")
    graph.add_node("b", iri="urn:x:b", site="https://example.com/", on="2018-11")
    graph.add_node("c", founded="2006-05-01")
    graph.add_node("d", founded="2018-11-30")
    fields = _write(tmp_path, graph, layout="none")["graphDataset"]["nodeFields"]
    assert [f for f in fields if f["id"] not in ("size",)] == [
        {"id": "iri", "itemType": "nodes", "type": "text"},
        {"id": "site", "itemType": "nodes", "type": "url"},
        {"id": "on", "itemType": "nodes", "type": "text"},
        {"id": "founded", "itemType": "nodes", "type": "date", "format": "yyyy-MM-dd"},
    ]


# --- the types a GEXF reader would guess wrong -----------------------------------------------


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    """Each built-in profile with every metric, as a workspace."""
    folder = tmp_path_factory.mktemp("gephi-lite")
    source = open_source()
    out = {}
    for profile in DOMAIN_PROFILES:
        graph = build_network(source, profile)
        analyze(graph, ["all"])
        path = folder / f"{profile.name}.gephi-lite.json"
        write_network(graph, path)
        out[profile.name] = (graph, json.loads(path.read_text(encoding="utf-8")))
    return out


def test_zero_one_metrics_are_numbers_where_gexf_gives_booleans(workspaces):
    graph, doc = workspaces["resource-sharing"]
    # Only 0 and 1: Gephi Lite reads these columns of a GEXF or GraphML as booleans.
    for name in ("in_degree", "core"):
        assert {data[name] for _, data in graph.nodes(data=True)} == {0, 1}
    types = {f["id"]: f["type"] for f in doc["graphDataset"]["nodeFields"]}
    assert types["in_degree"] == types["core"] == types["out_degree"] == "number"
    assert types["closeness"] == types["pagerank"] == types["degree"] == "number"
    assert types["kind"] == types["community"] == types["component"] == "category"
    assert types["label"] == "text"
    assert types["iri"] == types["class"] == "url"


_VALUE_TESTS = {
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: type(v) is bool,
    "text": lambda v: isinstance(v, str),
    "category": lambda v: isinstance(v, str),
    "url": lambda v: isinstance(v, str) and re.match(r"https?://\S+\Z", v) is not None,
    "keywords": lambda v: isinstance(v, str) and all(v.split("; ")),
    "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
}


@pytest.mark.parametrize("profile", [p.name for p in DOMAIN_PROFILES])
def test_every_profile_is_a_consistent_workspace(workspaces, profile):
    """What Gephi Lite relies on, checked without its source: one field per data column, each
    value of its field's type, the same nodes in data, layout and topology, edges between them."""
    graph, doc = workspaces[profile]
    assert doc["type"] == "gephi-lite"
    data = doc["graphDataset"]
    nodes = list(data["nodeData"])
    assert len(nodes) == graph.number_of_nodes() and len(set(nodes)) == len(nodes)
    assert list(data["layout"]) == nodes
    assert [n["key"] for n in data["fullGraph"]["nodes"]] == nodes
    edges = data["fullGraph"]["edges"]
    assert [e["key"] for e in edges] == list(data["edgeData"])
    assert len(edges) == graph.number_of_edges()
    assert all(e["source"] in data["nodeData"] and e["target"] in data["nodeData"] for e in edges)
    for item, fields in (("nodes", data["nodeFields"]), ("edges", data["edgeFields"])):
        values = data["nodeData"] if item == "nodes" else data["edgeData"]
        typed = {f["id"]: f["type"] for f in fields}
        assert all(f["itemType"] == item for f in fields)
        assert len(typed) == len(fields)
        used = {name for attrs in values.values() for name in attrs}
        assert used == set(typed), f"{item}: data without a field, or a field without data"
        for key, attrs in values.items():
            for name, value in attrs.items():
                assert _VALUE_TESTS[typed[name]](value), (key, name, value, typed[name])
    appearance = doc["appearance"]
    assert set(appearance) == APPEARANCE_KEYS
    fields = {f["id"]: f for f in data["nodeFields"]}
    for entry in ("nodesSize", "nodesColor", "nodesLabel"):
        assert appearance[entry]["field"] == fields[appearance[entry]["field"]["id"]]
    kinds = {attrs["kind"] for attrs in data["nodeData"].values()}
    assert set(appearance["nodesColor"]["colorPalette"]) == kinds


# --- Gephi Lite's own schema, when its source is at hand -------------------------------------


def _schema() -> dict:
    source = os.environ.get("KG_GEPHI_LITE_SOURCE")
    if not source:
        pytest.skip("KG_GEPHI_LITE_SOURCE is not set (a Gephi Lite checkout, for its JSON schema)")
    path = Path(source) / "packages/gephi-lite/build/gephi-lite-format.schema.json"
    if not path.is_file():
        pytest.skip(
            f"{path} is absent (make it in the checkout: "
            "npm run generate-json-schema -w packages/gephi-lite)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("profile", [p.name for p in DOMAIN_PROFILES])
def test_every_profile_is_valid_against_gephi_lites_schema(workspaces, profile):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    _, doc = workspaces[profile]
    assert [e.message for e in validator.iter_errors(doc)] == []
    # The schema does reject what Gephi Lite could not load: a field of an unknown type.
    doc = json.loads(json.dumps(doc))
    doc["graphDataset"]["nodeFields"][0]["type"] = "colour"
    assert list(validator.iter_errors(doc))


# --- the command ------------------------------------------------------------------------------


def test_the_command_writes_a_workspace_by_extension_or_format(kg, tmp_path):
    out = tmp_path / "rs.gephi-lite.json"
    result = kg("network", "export", "-P", "resource-sharing", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote 8 nodes and 4 edges to {out}" in result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "gephi-lite"
    plain = tmp_path / "rs.json"
    result = kg("network", "export", "-P", "resource-sharing", "-f", "gephi-lite", "-o", str(plain))
    assert result.exit_code == 0, result.output
    assert json.loads(plain.read_text(encoding="utf-8"))["type"] == "gephi-lite"
    result = kg("network", "export", "-P", "resource-sharing", "-o", str(tmp_path / "g.json"))
    assert result.exit_code == 0, result.output
    assert "type" not in json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
