"""The ontology: its header, every term labelled and defined, properties with domain, range and
inverse, kg:locatedIn transitive, and consistency under an OWL 2 DL reasoner (HermiT)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from support import ROOT

ONTOLOGY = URIRef("https://w3id.org/kgcli/ontology")
KG = Namespace("https://w3id.org/kgcli/ontology#")
KGR = Namespace("https://w3id.org/kgcli/resource/")
GRAPH_NS = "https://w3id.org/kgcli/graph/"
# A plain string, not rdflib.XSD: pytest probing a closed namespace warns on collection.
XSD = "http://www.w3.org/2001/XMLSchema#"
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def ontology_files() -> list[Path]:
    return [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]


def graph_files() -> list[Path]:
    return sorted((ROOT / "graph").glob("*.ttl"))


@pytest.fixture(scope="module")
def onto() -> Graph:
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


def kg_terms(onto: Graph) -> list[URIRef]:
    terms = {
        s
        for kind in (*KINDS, OWL.NamedIndividual)
        for s in onto.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(KG))
    }
    return sorted(terms)


def test_header_metadata(onto):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY, OWL.versionInfo) == Literal("0.2.1")
    assert onto.value(ONTOLOGY, OWL.versionIRI) == URIRef("https://w3id.org/kgcli/ontology/0.2.1")
    assert onto.value(ONTOLOGY, OWL.priorVersion) == URIRef("https://w3id.org/kgcli/ontology/0.2.0")
    assert onto.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert onto.value(ONTOLOGY, DCTERMS.created) == Literal(
        "2026-11-23", datatype=URIRef(XSD + "date")
    )
    assert onto.value(ONTOLOGY, DCTERMS.modified) == Literal(
        "2026-12-03", datatype=URIRef(XSD + "date")
    )
    for annotation in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        assert onto.value(ONTOLOGY, annotation) is not None, annotation


def test_every_term_is_labelled_defined_and_defined_by_the_ontology(onto):
    terms = kg_terms(onto)
    assert len(terms) > 100
    missing = []
    for term in terms:
        labels = [o for o in onto.objects(term, RDFS.label) if getattr(o, "language", None) == "en"]
        definitions = [
            o for o in onto.objects(term, SKOS.definition) if getattr(o, "language", None) == "en"
        ]
        if len(labels) != 1:
            missing.append(f"{term}: {len(labels)} English labels")
        if len(definitions) != 1:
            missing.append(f"{term}: {len(definitions)} English definitions")
        if (term, RDFS.isDefinedBy, ONTOLOGY) not in onto:
            missing.append(f"{term}: not rdfs:isDefinedBy the ontology")
    assert missing == [], "\n".join(missing)


def test_properties_have_domain_range_and_inverse(onto):
    problems = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in onto.subjects(RDF.type, kind):
            if not str(prop).startswith(str(KG)):
                continue
            if onto.value(prop, RDFS.domain) is None:
                problems.append(f"{prop}: no rdfs:domain")
            if onto.value(prop, RDFS.range) is None:
                problems.append(f"{prop}: no rdfs:range")
            if kind == OWL.ObjectProperty and not (
                (prop, RDF.type, OWL.SymmetricProperty) in onto
                or onto.value(prop, OWL.inverseOf) is not None
                or onto.value(None, OWL.inverseOf, prop) is not None
            ):
                problems.append(f"{prop}: neither symmetric nor with an inverse")
    assert problems == [], "\n".join(problems)


def test_datatype_properties_have_xsd_or_rdf_ranges(onto):
    for prop in onto.subjects(RDF.type, OWL.DatatypeProperty):
        if str(prop).startswith(str(KG)):
            rng = onto.value(prop, RDFS.range)
            union = onto.value(rng, OWL.unionOf)
            restricted = onto.value(rng, OWL.onDatatype)  # a facet restriction, such as >= 0
            members = list(onto.items(union)) if union is not None else [restricted or rng]
            for datatype in members:
                assert str(datatype).startswith((XSD, str(RDF))), (prop, datatype)


def test_no_term_is_of_two_kinds(onto):
    """OWL 2 DL: no punning of kg: terms."""
    for term in kg_terms(onto):
        kinds = [k for k in (*KINDS, OWL.NamedIndividual) if (term, RDF.type, k) in onto]
        assert len(kinds) == 1, (term, kinds)


def test_located_in_is_transitive_with_an_inverse(onto):
    assert (KG.locatedIn, RDF.type, OWL.TransitiveProperty) in onto
    assert onto.value(KG.locatedIn, OWL.inverseOf) == KG.contains


def test_alignment_of_properties_fits_their_domains(onto):
    """Issue #15: kg:locatedIn holds firms too, so it is schema:location, not containedInPlace
    (places only); a part of an area is contained in it; a quote is attributed to its speaker; where
    a patient 'came from' is not said to be her home."""
    schema = "https://schema.org/"
    assert set(onto.objects(KG.locatedIn, RDFS.subPropertyOf)) == {URIRef(schema + "location")}
    assert set(onto.objects(KG.contains, RDFS.subPropertyOf)) == set()
    assert (KG.partOf, RDFS.subPropertyOf, URIRef(schema + "containedInPlace")) in onto
    assert (KG.hasPart, RDFS.subPropertyOf, KG.contains) in onto
    attributed = URIRef("http://www.w3.org/ns/prov#wasAttributedTo")
    assert (KG.saidBy, RDFS.subPropertyOf, attributed) in onto
    assert set(onto.objects(KG.comesFrom, RDFS.subPropertyOf)) == set()


def test_alignment_with_standard_vocabularies(onto):
    expected = [
        (KG.Organization, URIRef("http://www.w3.org/ns/org#Organization")),
        (KG.Organization, URIRef("https://schema.org/Organization")),
        (KG.Hospital, URIRef("https://schema.org/Hospital")),
        (KG.Evidence, URIRef("http://www.w3.org/ns/prov#Entity")),
        (KG.NewsArticle, URIRef("https://schema.org/NewsArticle")),
        (KG.NewsArticle, URIRef("http://www.w3.org/ns/prov#Entity")),
    ]
    for sub, sup in expected:
        assert (sub, RDFS.subClassOf, sup) in onto, (sub, sup)


def test_firms_in_minhang_through_the_transitive_chain():
    """A firm located in Huacao Town is found in Minhang district with kg:locatedIn+."""
    store = ox.Store()
    for path in (*ontology_files(), *graph_files()):
        store.load(
            path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_NS + path.stem)
        )
    query = """
        PREFIX kg: <https://w3id.org/kgcli/ontology#>
        PREFIX kgr: <https://w3id.org/kgcli/resource/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?firm WHERE {
          ?firm a/rdfs:subClassOf* kg:Company ; kg:locatedIn+ kgr:minhang .
          FILTER NOT EXISTS { ?firm kg:locatedIn kgr:minhang }
        }"""
    firms = {s["firm"].value for s in store.query(query, use_default_graph_as_union=True)}
    assert str(KGR["wego-holding"]) in firms
    assert str(KGR["shengsheng-logistics"]) in firms
    assert str(KGR["shanghai-kindly-medical-instruments"]) not in firms


# --- The reasoner ---------------------------------------------------------------------------------
#
# owlready2 runs HermiT (Java). The dates and durations the articles print are typed xsd:gYear,
# xsd:gYearMonth, xsd:date and xsd:duration, which are outside the OWL 2 datatype map: HermiT treats
# them as opaque (--ignoreUnsupportedDatatypes). The reified statements (rdf:Statement, rdf:subject,
# rdf:predicate, rdf:object) use the rdf: vocabulary that OWL 2 DL reserves, so they are left out.

REIFICATION = {RDF.subject, RDF.predicate, RDF.object}


def _owlready2():
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: owlready2's HermiT reasoner needs it")
    return pytest.importorskip(
        "owlready2", reason="owlready2 is not installed (pip install owlready2)"
    )


def _as_ntriples(tmp_path: Path, *, with_graph: bool, extra: str = "") -> Path:
    graph = Graph()
    for path in ontology_files() + (graph_files() if with_graph else []):
        graph.parse(path, format="turtle")
    if extra:
        graph.parse(data=extra, format="turtle")
    for triple in list(graph):
        _, predicate, obj = triple
        if predicate in REIFICATION or (predicate == RDF.type and obj == RDF.Statement):
            graph.remove(triple)
    out = tmp_path / "kg.nt"
    graph.serialize(out, format="nt", encoding="utf-8")
    return out


def _reason(owlready2, path: Path, *, infer_property_values: bool = False):
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner_hermit(
        world,
        debug=0,
        ignore_unsupported_datatypes=True,
        infer_property_values=infer_property_values,
    )
    return world


@pytest.mark.slow  # HermiT on the JVM: ~6 s alone
def test_ontology_is_consistent_with_no_unsatisfiable_class(tmp_path):
    owlready2 = _owlready2()
    world = _reason(owlready2, _as_ntriples(tmp_path, with_graph=False))
    assert list(world.inconsistent_classes()) == []


@pytest.mark.slow
def test_ontology_and_graph_are_consistent_and_located_in_is_inferred(tmp_path):
    owlready2 = _owlready2()
    world = _reason(owlready2, _as_ntriples(tmp_path, with_graph=True), infer_property_values=True)
    assert list(world.inconsistent_classes()) == []
    located_in = world[str(KG.locatedIn)]
    wego = world[str(KGR["wego-holding"])]
    assert {p.iri for p in located_in[wego]} >= {str(KGR["huacao-town"]), str(KGR.minhang)}


@pytest.mark.slow  # HermiT on the JVM: ~4 s alone
def test_the_reasoner_does_find_a_contradiction(tmp_path):
    """The consistency tests mean something: a firm that is also a person is caught."""
    owlready2 = _owlready2()
    wrong = f"<{KGR['wego-holding']}> a <{KG.Person}> ."
    path = _as_ntriples(tmp_path, with_graph=True, extra=wrong)
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(owlready2, path)
