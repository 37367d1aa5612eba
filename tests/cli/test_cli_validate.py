"""`kg validate` rows name blank nodes by what they say, the same on every run, in every format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from support import FIXTURES

PEOPLE = ("--data", str(FIXTURES / "validate" / "people.ttl"))
SHAPES = ("--shapes", str(FIXTURES / "validate" / "people-shapes.ttl"))
SH = "http://www.w3.org/ns/shacl#"
EX = "http://example.org/"
KG = "https://w3id.org/kgcli/ontology#"
KNOWS_SHAPE = f"[ sh:path <{EX}knows> ; sh:nodeKind sh:IRI ]"
NAME_SHAPE = f"[ sh:path <{EX}name> ; sh:minCount 1 ]"
AGED = f"[ a <{EX}Person> ; <{EX}age> 41 ; <{EX}knows> […] ]"
LI_WEI = f'[ a <{EX}Person> ; rdfs:label "Li Wei" ]'


def test_blank_focus_nodes_values_and_shapes_are_described_in_csv(kg):
    first = kg("validate", *PEOPLE, *SHAPES, "-f", "csv")
    assert first.exit_code == 4
    assert first.stderr == "kg: error: the graph does not conform: 3 results\n"
    rows = list(csv.reader(io.StringIO(first.stdout)))
    assert rows[0] == ["severity", "focus", "path", "value", "constraint", "shape", "message"]
    # Every column but pySHACL's own message: the rows are ordered by focus, then path.
    assert [row[:6] for row in rows[1:]] == [
        [
            SH + "Violation",
            AGED,
            EX + "knows",
            '[ rdfs:label "Zhang Min" ]',
            SH + "NodeKindConstraintComponent",
            KNOWS_SHAPE,
        ],
        [SH + "Violation", AGED, EX + "name", "", SH + "MinCountConstraintComponent", NAME_SHAPE],
        [SH + "Violation", LI_WEI, EX + "name", "", SH + "MinCountConstraintComponent", NAME_SHAPE],
    ]
    # Blank node ids are drawn afresh on each parse: a second run must not differ at all.
    assert kg("validate", *PEOPLE, *SHAPES, "-f", "csv").stdout == first.stdout


def test_blank_nodes_are_described_in_json(kg):
    result = kg("validate", *PEOPLE, *SHAPES, "-f", "json")
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert [(v["focus"], v.get("value"), v["shape"]) for v in report["violations"]] == [
        (AGED, '[ rdfs:label "Zhang Min" ]', KNOWS_SHAPE),
        (AGED, None, NAME_SHAPE),
        (LI_WEI, None, NAME_SHAPE),
    ]
    assert kg("validate", *PEOPLE, *SHAPES, "-f", "json").stdout == result.stdout


def test_the_embedded_shapes_property_shapes_are_described_not_numbered(kg, tmp_path):
    # The embedded shapes are blank property shapes: each row named one by a random id.
    broken = tmp_path / "clinic.ttl"
    broken.write_text(
        f"@prefix kg: <{KG}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://example.org/clinic> a kg:Clinic ; rdfs:label "clinic"@en ;\n'
        '    kg:floorAreaSquareMetres "200 square meters" .\n'
    )
    result = kg("validate", "--data", str(broken), "--with-embedded", "-f", "json")
    assert result.exit_code == 4
    violations = json.loads(result.stdout)["violations"]
    assert [v["shape"] for v in violations] == [
        "[ sh:path kg:floorAreaSquareMetres ; sh:datatype xsd:decimal ; sh:maxCount 1 ]"
    ]  # once: the clinic's node shape no longer repeats the place's property shape
    assert kg("validate", "--data", str(broken), "--with-embedded", "-f", "json").stdout == (
        result.stdout
    )


def test_a_long_description_is_cut_after_whole_pairs():
    import rdflib

    from kgcli.engine.validate import describe_blank

    graph = rdflib.Graph()
    node = rdflib.BNode()
    for k in range(30):
        graph.add((node, rdflib.URIRef(f"{EX}p{k:02}"), rdflib.Literal(k)))
    graph.add((node, rdflib.RDFS.label, rdflib.Literal("first", lang="en")))
    shown = describe_blank(graph, node)
    assert shown.startswith(f'[ rdfs:label "first"@en ; <{EX}p00> 0 ; <{EX}p01> 1 ; ')
    assert shown.endswith(" ; … ]") and len(shown) <= 122
    assert describe_blank(graph, rdflib.BNode()) == "[]"


def test_a_shapes_file_of_unknown_extension_is_told_what_to_name_it(kg, tmp_path):
    # --data-format, which the message of a --data file advises, does not apply to the shapes.
    shapes = tmp_path / "shapes.shacl"
    shapes.write_bytes((FIXTURES / "validate" / "people-shapes.ttl").read_bytes())
    result = kg("validate", *PEOPLE, "--shapes", str(shapes), "--data-format", "turtle")
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg: error: {shapes}: cannot tell the RDF format of the shapes file from its "
        "extension; name it .ttl, .trig, .nt, .nq, .jsonld, .rdf\n"
    )


BAD_SHAPE = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "<http://e/S> a sh:NodeShape ; sh:targetNode <http://example.org/ana> ;\n"
    "    sh:property [ sh:path <http://example.org/name> ; {} ] .\n"
)


@pytest.mark.parametrize(
    ("constraint", "error"),
    [
        (
            'sh:minCount "one"',
            "MinCountConstraintComponent sh:minCount must be a literal with datatype "
            "xsd:integer. For reference, see https://www.w3.org/TR/shacl/#MinCountConstraintComponent",
        ),
        (
            "sh:pattern 5",
            "pySHACL cannot use a constraint of these shapes (object of type 'int' has no len()); "
            "check that each value is of the kind SHACL asks (a string for sh:pattern, ...)",
        ),
    ],
)
def test_a_constraint_pyshacl_cannot_use_is_one_line_and_exit_2(tmp_path, constraint, error):
    # A real process: pySHACL's own log handler writes to the stderr it found at import.
    shapes = tmp_path / "bad.ttl"
    shapes.write_text(BAD_SHAPE.replace("{}", constraint), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kgcli", "validate", *PEOPLE, "--shapes", str(shapes)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (2, f"kg: error: {shapes}: {error}\n")
