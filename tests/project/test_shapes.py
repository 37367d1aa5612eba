"""SHACL: the embedded graph conforms to ontology/shapes.ttl, every class the graph uses has a node
shape, and every shape catches the small broken example in tests/shapes_broken/."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node
from support import ROOT, TESTS

pyshacl = pytest.importorskip("pyshacl")

SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
BROKEN = TESTS / "shapes_broken"
KGSH = Namespace("https://w3id.org/kgcli/shapes#")


def ontology_files() -> list[Path]:
    return [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]


def graph_files() -> list[Path]:
    return sorted((ROOT / "graph").glob("*.ttl"))


def parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return parse(SHAPES_FILE)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return parse(*ontology_files())


def validate(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs"
    )
    return conforms, report, text


def node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef))


def test_the_graph_conforms(shapes, ontology):
    data = parse(*ontology_files(), *graph_files())
    conforms, _, text = validate(data, shapes, ontology)
    assert conforms, text


def test_every_class_the_graph_uses_has_a_node_shape(shapes):
    data = parse(*graph_files())
    used = set(data.objects(None, RDF.type))
    targeted = set(shapes.objects(None, SH.targetClass))
    assert sorted(used - targeted) == []


def test_every_node_shape_targets_a_class(shapes):
    for shape in node_shapes(shapes):
        assert shapes.value(shape, SH.targetClass) is not None, shape


def described(shapes: Graph, node: Node) -> frozenset:
    """A property shape as what it says (its path and constraints, lists and nested shapes
    included), the same for two shapes that say the same, whatever their blank nodes."""
    found = Graph()
    todo, seen = [node], set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for predicate, value in shapes.predicate_objects(subject):
            found.add((subject, predicate, value))
            if isinstance(value, BNode):
                todo.append(value)
    return frozenset(to_canonical_graph(found))


def property_shapes(shapes: Graph, shape: URIRef) -> list[tuple[Node, frozenset]]:
    return [(p, described(shapes, p)) for p in shapes.objects(shape, SH.property)]


def test_no_node_shape_holds_two_identical_property_shapes(shapes):
    for shape in node_shapes(shapes):
        said = [what for _, what in property_shapes(shapes, shape)]
        assert len(said) == len(set(said)), f"{shape} says the same thing twice"


def test_no_property_shape_repeats_one_of_a_broader_node_shape(shapes, ontology):
    """A node shape of a subclass that repeats a property shape of its superclass's node shape
    reports each violation twice (two kg:floorAreaSquareMetres shapes, Place and Clinic, did;
    the English label, in every node shape, did until kgsh:EnglishLabelShape said it once)."""
    said = {s: property_shapes(shapes, s) for s in node_shapes(shapes)}
    repeated = []
    for narrow in said:
        target = shapes.value(narrow, SH.targetClass)
        broader = set(ontology.transitive_objects(target, RDFS.subClassOf)) - {target}
        for wide in said:
            if shapes.value(wide, SH.targetClass) not in broader:
                continue
            wide_said = {what for _, what in said[wide]}
            repeated += [
                f"{narrow.n3(shapes.namespace_manager)} repeats {wide.n3(shapes.namespace_manager)}"
                f"'s {shapes.value(node, SH.path).n3(shapes.namespace_manager)}"
                for node, what in said[narrow]
                if what in wide_said
            ]
    assert sorted(repeated) == []


def owner(shapes: Graph, source: URIRef) -> URIRef | None:
    """The node shape a sh:sourceShape belongs to: itself, or the node shape that uses it."""
    if (source, RDF.type, SH.NodeShape) in shapes:
        return source
    found = next(iter(shapes.subjects(SH.property, source)), None)
    return found if isinstance(found, URIRef) else None


def test_every_shape_has_a_broken_example(shapes):
    names = {str(s).removeprefix(str(KGSH)) for s in node_shapes(shapes)}
    fixtures = {p.stem for p in BROKEN.glob("*.ttl")}
    assert sorted(names - fixtures) == [], "shapes without a broken example"
    assert sorted(fixtures - names) == [], "broken examples of no shape"


@pytest.mark.parametrize("fixture", sorted(BROKEN.glob("*.ttl")), ids=lambda p: p.stem)
def test_shape_catches_its_broken_example(shapes, ontology, fixture):
    shape = KGSH[fixture.stem]
    conforms, report, text = validate(parse(fixture), shapes, ontology)
    assert not conforms, f"{fixture.name} conforms, but should break {shape}"
    sources = {owner(shapes, s) for s in report.objects(None, SH.sourceShape)}
    assert shape in sources, f"{shape} did not report {fixture.name}:\n{text}"


UNLABELLED = """
@prefix kg: <https://w3id.org/kgcli/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:clinic> a kg:Clinic .
<urn:test:room> a kg:ClinicRoom ; rdfs:label "salle"@fr .
<urn:test:holding> a kg:HoldingCompany, kg:Organization .
"""


def test_an_unlabelled_node_gets_one_label_violation_whatever_its_classes(shapes, ontology):
    # A clinic is also a healthcare facility and an organization: three node shapes each said it
    # needs a label, and each reported it missing (#17).
    data = Graph().parse(data=UNLABELLED, format="turtle")
    conforms, report, text = validate(data, shapes, ontology)
    label = SH.resultPath, RDFS.label
    found = sorted(
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.sourceShape)))
        for r in report.subjects(*label)
    )
    assert not conforms
    assert found == [
        (f"urn:test:{name}", str(KGSH.EnglishLabel)) for name in ("clinic", "holding", "room")
    ], text


def test_the_label_shape_targets_every_class_but_the_provenance_records(shapes):
    # Each class by name: data without the ontology's subclass axioms is checked all the same.
    labelled = set(shapes.objects(KGSH.EnglishLabelShape, SH.targetClass))
    targeted = set(shapes.objects(None, SH.targetClass))
    kg = "https://w3id.org/kgcli/ontology#"
    assert sorted(targeted - labelled) == [RDF.Statement, URIRef(kg + "Evidence")]
