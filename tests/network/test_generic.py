"""Your own RDF: the generic profile, chosen when the data has none of the default profile's
classes, and an empty network that is never silent (#16).

The datasets are real RDF that no one here wrote, read in place from packages the project
installs: schema.org and DASH (TopQuadrant's data shapes vocabulary) as pySHACL ships them, and
the DCMI Metadata Terms as owlready2 ships them (RDF/XML).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kgcli.api import open_source
from kgcli.network.build import build_network
from kgcli.network.profile import resolve_profile


def _shipped(package: str, *parts: str) -> Path:
    module = pytest.importorskip(package)
    path = Path(module.__file__).resolve().parent.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{package} does not ship {'/'.join(parts)} in this version")
    return path


@pytest.fixture(scope="module")
def schema_org() -> Path:
    return _shipped("pyshacl", "assets", "schema.ttl")


@pytest.fixture(scope="module")
def dash() -> Path:
    return _shipped("pyshacl", "assets", "dash.ttl")


@pytest.fixture(scope="module")
def dcterms() -> Path:
    return _shipped("owlready2", "ontos", "dcterms.owl")


FALLBACK = (
    "kg: the data has none of the classes of the default profile cluster; "
    "using the generic profile (--profile generic)"
)


def test_foreign_data_gets_the_generic_profile_and_says_so(kg, schema_org):
    result = kg("network", "analyze", "--data", str(schema_org), "-m", "degree", "--top", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [FALLBACK]
    rows = result.stdout.splitlines()
    assert rows[0] == "id,label,kind,degree,in_degree,out_degree" and len(rows) == 4


def test_schema_org_enumeration_members_are_nodes_of_their_class(schema_org):
    graph = build_network(open_source(data=[str(schema_org)]), resolve_profile("generic"))
    monday = graph.nodes["http://schema.org/Monday"]
    assert (monday["label"], monday["kind"], monday["class"]) == (
        "Monday",
        "DayOfWeek",
        "http://schema.org/DayOfWeek",
    )
    # Classes and properties are the schema: left out, and no edge reaches them.
    assert "http://schema.org/Person" not in graph
    assert "http://schema.org/name" not in graph
    assert all(not v.startswith("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil") for v in graph)


def test_the_schema_switch_keeps_classes_and_properties(schema_org):
    generic = dataclasses.replace(resolve_profile("generic"), schema=True)
    with_schema = build_network(open_source(data=[str(schema_org)]), generic)
    person = with_schema.nodes["http://schema.org/Person"]
    assert person["kind"] == "Class"
    assert with_schema.number_of_nodes() > 2000


def test_dash_as_a_network_picture_and_export(kg, dash, tmp_path):
    picture = tmp_path / "dash.svg"
    result = kg("network", "draw", "--data", str(dash), "-o", str(picture))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == FALLBACK
    assert result.stderr.splitlines()[1].startswith("kg: drew 269 nodes and 195 edges")
    assert "ShapeClass" in picture.read_text(encoding="utf-8")
    out = tmp_path / "dash.gexf"
    assert kg("network", "export", "--data", str(dash), "-o", str(out)).exit_code == 0
    import networkx as nx

    back = nx.read_gexf(out)
    assert back.number_of_nodes() == 269
    assert back.nodes["http://datashapes.org/dash#Script"]["kind"] == "ShapeClass"


def test_rdf_xml_ontology_needs_the_schema_switch(kg, dcterms, tmp_path):
    out = tmp_path / "dcterms.gexf"
    plain = kg("network", "export", "-P", "generic", "--data", str(dcterms), "-o", str(out))
    assert plain.exit_code == 0, plain.stderr
    small = plain.stderr.splitlines()[0]
    schema = kg(
        "network", "export", "-P", "generic", "--schema", "--data", str(dcterms), "-o", str(out)
    )
    assert schema.exit_code == 0, schema.stderr
    nodes = [int(line.split()[2]) for line in (small, schema.stderr.splitlines()[0])]
    assert nodes[0] < 20 < nodes[1]  # the terms themselves are the schema


def test_a_profile_that_finds_nothing_says_so_and_writes_nothing(kg, dash, tmp_path):
    out = tmp_path / "x.gexf"
    result = kg("network", "export", "-P", "co-location", "--data", str(dash), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        "kg: error: profile co-location found no nodes: its classes are not in the data: try "
        "--profile generic, another profile (kg network profiles) or --query\n"
    )
    assert not out.exists()


def test_an_ontology_alone_with_the_generic_profile_points_to_schema(kg, tmp_path):
    only_schema = tmp_path / "onto.ttl"
    only_schema.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<http://ex.org/A> a owl:Class .\n<http://ex.org/p> a owl:ObjectProperty .\n",
        encoding="utf-8",
    )
    result = kg("network", "analyze", "--data", str(only_schema))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        FALLBACK,
        "kg: error: profile generic found no nodes: the data has no resources outside its "
        "schema: try --schema",
    ]


def test_schema_with_a_domain_profile_is_a_usage_error(kg):
    result = kg("network", "analyze", "-P", "cluster", "--schema")
    assert result.exit_code == 2
    assert result.stderr == ("kg: error: --schema applies to the generic profile, not to cluster\n")
