"""Each built-in rule on a tiny graph: the derived graph holds exactly what the rule concludes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgcli.infer import INFERRED_GRAPH, RuleSet, infer

SAME_AS = {"same_as": True}
DOMAIN_RANGE = {"domain_range": True}
RDFS_ONLY = {"owl_rl": False}

# (name, rule set switches, stated triples, the derived triples expected), Turtle with `:`.
CASES = [
    (
        "cax-sco and scm-sco",
        {},
        ":A rdfs:subClassOf :B . :B rdfs:subClassOf :C . :x a :A .",
        ":A rdfs:subClassOf :C . :x a :B , :C .",
    ),
    (
        "prp-spo1 and scm-spo",
        {},
        ':p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r . :x :p "v" .',
        ':p rdfs:subPropertyOf :r . :x :q "v" ; :r "v" .',
    ),
    (
        "domain and range are off unless asked for",
        {},
        ':p rdfs:domain :D ; rdfs:range :R . :x :p :y , "literal" .',
        "",
    ),
    (
        "prp-dom and prp-rng (never typing a literal)",
        DOMAIN_RANGE,
        ':p rdfs:domain :D ; rdfs:range :R . :x :p :y , "literal" .',
        ":x a :D . :y a :R .",
    ),
    (
        "scm-dom1, scm-dom2, scm-rng2",
        DOMAIN_RANGE,
        ":p rdfs:domain :D ; rdfs:range :R . :D rdfs:subClassOf :E . :q rdfs:subPropertyOf :p .",
        ":p rdfs:domain :E . :q rdfs:domain :D , :E ; rdfs:range :R .",
    ),
    (
        "scm-rng1",
        DOMAIN_RANGE,
        ":p rdfs:range :R . :R rdfs:subClassOf :S .",
        ":p rdfs:range :S .",
    ),
    (
        "equivalent classes: scm-eqc1, scm-eqc2 and cax-sco",
        {},
        ":A owl:equivalentClass :B . :x a :A . :y a :B .",
        ":A rdfs:subClassOf :B . :B rdfs:subClassOf :A . :B owl:equivalentClass :A . "
        ":x a :B . :y a :A .",
    ),
    (
        "scm-eqc2: mutual subclasses are equivalent",
        {},
        ":A rdfs:subClassOf :B . :B rdfs:subClassOf :A .",
        ":A owl:equivalentClass :B . :B owl:equivalentClass :A .",
    ),
    (
        "equivalent properties: scm-eqp1, scm-eqp2 and prp-spo1",
        {},
        ":p owl:equivalentProperty :q . :x :p :y .",
        ":p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :p ; owl:equivalentProperty :p . "
        ":x :q :y .",
    ),
    (
        "prp-inv1 and prp-inv2 (never a literal subject)",
        {},
        ':p owl:inverseOf :q . :x :p :y , "literal" . :z :q :w .',
        ":y :q :x . :w :p :z .",
    ),
    ("prp-symp", {}, ":p a owl:SymmetricProperty . :x :p :y .", ":y :p :x ."),
    (
        "prp-trp",
        {},
        ":p a owl:TransitiveProperty . :a :p :b . :b :p :c . :c :p :d .",
        ":a :p :c , :d . :b :p :d .",
    ),
    (
        "prp-spo2: a property chain",
        {},
        ":uncle owl:propertyChainAxiom ( :parent :brother ) . :x :parent :y . :y :brother :z .",
        ":x :uncle :z .",
    ),
    (
        "prp-spo2 with three links",
        {},
        ":p owl:propertyChainAxiom ( :a :b :c ) . :w :a :x . :x :b :y . :y :c :z . :y :c :z2 .",
        ":w :p :z , :z2 .",
    ),
    (
        "cls-int1, and cls-int2 through scm-int",
        {},
        ":C owl:intersectionOf ( :A :B ) . :x a :A , :B . :y a :C . :z a :A .",
        ":C rdfs:subClassOf :A , :B . :x a :C . :y a :A , :B .",
    ),
    (
        "cls-uni through scm-uni",
        {},
        ":C owl:unionOf ( :A :B ) . :x a :A .",
        ":A rdfs:subClassOf :C . :B rdfs:subClassOf :C . :x a :C .",
    ),
    (
        "cls-svf1",
        {},
        ":R owl:onProperty :p ; owl:someValuesFrom :D . :x :p :y . :y a :D . :u :p :v .",
        ":x a :R .",
    ),
    (
        "cls-svf2",
        {},
        ":R owl:onProperty :p ; owl:someValuesFrom owl:Thing . :x :p :y .",
        ":x a :R .",
    ),
    (
        "cls-avf (never typing a literal)",
        {},
        ':R owl:onProperty :p ; owl:allValuesFrom :D . :x a :R ; :p :y , "literal" . :u :p :v .',
        ":y a :D .",
    ),
    (
        "cls-hv1 and cls-hv2",
        {},
        ":R owl:onProperty :p ; owl:hasValue :v . :x a :R . :y :p :v .",
        ":x :p :v . :y a :R .",
    ),
    ("cls-oo", {}, ":C owl:oneOf ( :a :b ) .", ":a a :C . :b a :C ."),
    (
        "scm-hv",
        {},
        ":R1 owl:onProperty :p1 ; owl:hasValue :v . :R2 owl:onProperty :p2 ; owl:hasValue :v . "
        ":p1 rdfs:subPropertyOf :p2 .",
        ":R1 rdfs:subClassOf :R2 .",
    ),
    (
        "scm-svf1",
        {},
        ":R1 owl:onProperty :p ; owl:someValuesFrom :Y1 . "
        ":R2 owl:onProperty :p ; owl:someValuesFrom :Y2 . :Y1 rdfs:subClassOf :Y2 .",
        ":R1 rdfs:subClassOf :R2 .",
    ),
    (
        "scm-svf2",
        {},
        ":R1 owl:onProperty :p1 ; owl:someValuesFrom :Y . "
        ":R2 owl:onProperty :p2 ; owl:someValuesFrom :Y . :p1 rdfs:subPropertyOf :p2 .",
        ":R1 rdfs:subClassOf :R2 .",
    ),
    (
        "scm-avf1",
        {},
        ":R1 owl:onProperty :p ; owl:allValuesFrom :Y1 . "
        ":R2 owl:onProperty :p ; owl:allValuesFrom :Y2 . :Y1 rdfs:subClassOf :Y2 .",
        ":R1 rdfs:subClassOf :R2 .",
    ),
    (
        "scm-avf2",
        {},
        ":R1 owl:onProperty :p1 ; owl:allValuesFrom :Y . "
        ":R2 owl:onProperty :p2 ; owl:allValuesFrom :Y . :p1 rdfs:subPropertyOf :p2 .",
        ":R2 rdfs:subClassOf :R1 .",
    ),
    (
        "owl:sameAs is off unless asked for",
        {},
        ":a owl:sameAs :b . :a :p :x . :p a owl:FunctionalProperty . :y :p :v , :w .",
        "",
    ),
    (
        "eq-sym, eq-trans, eq-rep-s, eq-rep-o",
        SAME_AS,
        ":a owl:sameAs :b . :a :p :x . :y :q :b .",
        ":b owl:sameAs :a . :a owl:sameAs :a . :b owl:sameAs :b . :b :p :x . :y :q :a .",
    ),
    (
        "eq-rep-p",
        SAME_AS,
        ":p owl:sameAs :q . :x :p :y .",
        ":q owl:sameAs :p . :p owl:sameAs :p . :q owl:sameAs :q . :x :q :y .",
    ),
    (
        "prp-fp",
        SAME_AS,
        ":p a owl:FunctionalProperty . :x :p :a , :b .",
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "prp-ifp",
        SAME_AS,
        ":p a owl:InverseFunctionalProperty . :a :p :x . :b :p :x .",
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "prp-key",
        SAME_AS,
        ':C owl:hasKey ( :id ) . :a a :C ; :id "1" . :b a :C ; :id "1" . :c a :C ; :id "2" .',
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "cls-maxc2",
        SAME_AS,
        ':R owl:onProperty :p ; owl:maxCardinality "1"^^xsd:nonNegativeInteger . '
        ":x a :R ; :p :a , :b .",
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "cls-maxqc3",
        SAME_AS,
        ":R owl:onProperty :p ; owl:maxQualifiedCardinality 1 ; owl:onClass :D . "
        ":x a :R ; :p :a , :b , :c . :a a :D . :b a :D .",
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "cls-maxqc4",
        SAME_AS,
        ":R owl:onProperty :p ; owl:maxQualifiedCardinality 1 ; owl:onClass owl:Thing . "
        ":x a :R ; :p :a , :b .",
        ":a owl:sameAs :b , :a . :b owl:sameAs :a , :b .",
    ),
    (
        "the rdfs rule set leaves OWL out",
        RDFS_ONLY,
        ":p owl:inverseOf :q ; a owl:SymmetricProperty . :x :p :y . :A rdfs:subClassOf :B . "
        ":x a :A .",
        ":x a :B .",
    ),
    (
        "a stated triple is never derived",
        {},
        ":A rdfs:subClassOf :B . :x a :A , :B . :p owl:inverseOf :q . :x :p :y . :y :q :x .",
        "",
    ),
    (
        "anonymous classes are used, never written",
        DOMAIN_RANGE,
        ":p rdfs:domain _:u . _:u owl:unionOf ( :A :B ) ; rdfs:subClassOf :C . "
        ":x :p :y . :z a :A . :q rdfs:domain [ owl:unionOf ( :A :B ) ] . :w :q :v .",
        ":x a :C . :z a :C . :A rdfs:subClassOf :C . :B rdfs:subClassOf :C . :p rdfs:domain :C .",
    ),
]


@pytest.mark.parametrize(
    ("switches", "stated", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_derives_exactly_what_it_concludes(
    switches, stated, expected, store_of, derived_of, as_nt
):
    store = store_of(stated)
    report = infer(store, RuleSet(**switches))
    assert derived_of(store) == as_nt(expected)
    assert report.derived == len(as_nt(expected))


def test_stated_graphs_are_never_modified(store_of, as_nt):
    stated = ":A rdfs:subClassOf :B . :x a :A . :p owl:inverseOf :q . :x :p :y ."
    store = store_of(stated)
    infer(store, RuleSet())
    data = {
        f"{q.subject} {q.predicate} {q.object} ."
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode("urn:test:data"))
    }
    assert data == as_nt(stated)
    assert {g.value for g in store.named_graphs()} == {"urn:test:data", INFERRED_GRAPH}  # type: ignore[union-attr]


def test_derived_triples_about_blank_nodes_name_the_same_nodes(store_of):
    store = store_of(":A rdfs:subClassOf :B . :p owl:inverseOf :q . _:n a :A ; :p _:m .")
    infer(store, RuleSet())
    rows = store.query(
        f"""SELECT ?n ?m WHERE {{
          GRAPH <urn:test:data> {{ ?n a <http://example.org/A> ; <http://example.org/p> ?m }}
          GRAPH <{INFERRED_GRAPH}> {{ ?n a <http://example.org/B> .
                                     ?m <http://example.org/q> ?n }} }}"""
    )
    assert len(list(rows)) == 1  # type: ignore[arg-type]


def test_inferring_again_replaces_the_derived_graph(store_of, derived_of, as_nt):
    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    infer(store, RuleSet())
    store.remove(ox.Quad(*_iris("x", "type", "A"), ox.NamedNode("urn:test:data")))
    infer(store, RuleSet())
    assert derived_of(store) == set()  # :x a :B is no longer derivable, so no longer there


def _iris(s: str, p: str, o: str) -> tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]:
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    return (
        ox.NamedNode(f"http://example.org/{s}"),
        ox.NamedNode(rdf_type if p == "type" else f"http://example.org/{p}"),
        ox.NamedNode(f"http://example.org/{o}"),
    )


def test_a_schema_derived_by_a_rule_is_compiled_again(store_of, derived_of, as_nt):
    # `:narrower` is declared a subproperty of rdfs:subClassOf: its triples are schema, found
    # only while rules run; the engine compiles the schema again and types :x.
    store = store_of(":narrower rdfs:subPropertyOf rdfs:subClassOf . :A :narrower :B . :x a :A .")
    infer(store, RuleSet())
    assert derived_of(store) == as_nt(":A rdfs:subClassOf :B . :x a :B .")
