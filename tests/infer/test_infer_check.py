"""Consistency checks over stated + derived triples, reported like SHACL violations."""

from __future__ import annotations

from kgcli.infer import RuleSet, infer
from kgcli.infer.check import check

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
EVERY_VIOLATION = """
:A owl:disjointWith :B . :A1 rdfs:subClassOf :A . :x a :A1 , :B .
[] a owl:AllDisjointClasses ; owl:members ( :C :D :E ) . :y a :C , :E .
:n a owl:Nothing .
:F owl:complementOf :G . :z a :F , :G .
:R owl:onProperty :p ; owl:maxCardinality 0 . :r a :R ; :p :v .
:irr a owl:IrreflexiveProperty . :i :irr :i .
:asy a owl:AsymmetricProperty . :a1 :asy :a2 . :a2 :asy :a1 .
:p1 owl:propertyDisjointWith :p2 . :d :p1 :e ; :p2 :e .
[] a owl:NegativePropertyAssertion ; owl:sourceIndividual :s ; owl:assertionProperty :q ;
   owl:targetIndividual :t . :s :q :t .
:same1 owl:sameAs :same2 ; owl:differentFrom :same2 .
:fun a owl:FunctionalProperty . :f :fun :v1 , :v2 . :g :fun "1" , "2" . :h :fun 1 , 1.0 .
:ifun a owl:InverseFunctionalProperty . :k1 :ifun :k . :k2 :ifun :k .
"""


def _ex(name: str) -> str:
    return f"<http://example.org/{name}>"


def _t(s: str, p: str, o: str) -> str:
    return " ".join(x if x.startswith(("<", '"')) else _ex(x) for x in (s, p, o)) + " ."


def _rows(report) -> list[tuple[str, str, str]]:
    return [(r["focus"], r["rule"], r["triples"]) for r in report.rows()]


EXPECTED = [
    (_ex("y"), "cax-adc", _t("y", RDF_TYPE, "C") + " " + _t("y", RDF_TYPE, "E")),
    (_ex("x"), "cax-dw", _t("x", RDF_TYPE, "A") + " " + _t("x", RDF_TYPE, "B")),
    (_ex("z"), "cls-com", _t("z", RDF_TYPE, "F") + " " + _t("z", RDF_TYPE, "G")),
    (_ex("r"), "cls-maxc1", _t("r", "p", "v")),
    (_ex("n"), "cls-nothing2", _t("n", RDF_TYPE, "<http://www.w3.org/2002/07/owl#Nothing>")),
    (
        _ex("same1"),
        "eq-diff1",
        _t("same1", "<http://www.w3.org/2002/07/owl#sameAs>", "same2")
        + " "
        + _t("same1", "<http://www.w3.org/2002/07/owl#differentFrom>", "same2"),
    ),
    (_ex("f"), "functional", _t("f", "fun", "v1") + " " + _t("f", "fun", "v2")),
    (_ex("g"), "functional", _t("g", "fun", '"1"') + " " + _t("g", "fun", '"2"')),
    (_ex("k"), "inverse-functional", _t("k1", "ifun", "k") + " " + _t("k2", "ifun", "k")),
    (_ex("a1"), "prp-asyp", _t("a1", "asy", "a2") + " " + _t("a2", "asy", "a1")),
    (_ex("i"), "prp-irp", _t("i", "irr", "i")),
    (_ex("s"), "prp-npa1", _t("s", "q", "t")),
    (_ex("d"), "prp-pdw", _t("d", "p1", "e") + " " + _t("d", "p2", "e")),
]


def test_every_kind_of_inconsistency_is_found_with_its_focus_rule_and_triples(store_of):
    store = store_of(EVERY_VIOLATION)
    infer(store, RuleSet())  # :x is an :A only once derived
    report = check(store, RuleSet())
    assert not report.conforms
    assert _rows(report) == EXPECTED


def test_with_same_as_two_iris_of_a_functional_property_are_the_same_thing(store_of):
    store = store_of(EVERY_VIOLATION)
    rules = RuleSet(same_as=True)
    infer(store, rules)
    found = _rows(check(store, rules))
    assert (_ex("f"), "functional", _t("f", "fun", "v1") + " " + _t("f", "fun", "v2")) not in found
    assert (
        _ex("k"),
        "inverse-functional",
        _t("k1", "ifun", "k") + " " + _t("k2", "ifun", "k"),
    ) not in found
    # Two different literals are never the same: still a violation.
    assert (_ex("g"), "functional", _t("g", "fun", '"1"') + " " + _t("g", "fun", '"2"')) in found


def test_the_embedded_graph_and_its_closure_are_consistent(embedded):
    store = embedded()
    infer(store, RuleSet())
    report = check(store, RuleSet())
    assert report.rows() == []
    assert report.conforms


def test_a_firm_that_is_also_a_person_is_caught(embedded):
    store = embedded()
    store.update(
        "INSERT DATA { GRAPH <urn:test:wrong> { <https://w3id.org/kgcli/resource/wego-holding> "
        "a <https://w3id.org/kgcli/ontology#Person> } }"
    )
    infer(store, RuleSet())
    (violation,) = check(store, RuleSet()).violations
    assert (violation.focus, violation.rule.name, violation.message) == (
        "<https://w3id.org/kgcli/resource/wego-holding>",
        "cax-adc",
        "an instance of two disjoint classes",
    )
    # Wego is a kg:Company: kg:Organization is derived, and disjoint with kg:Person.
    assert violation.to_dict()["triples"] == [
        f"<https://w3id.org/kgcli/resource/wego-holding> {RDF_TYPE} "
        "<https://w3id.org/kgcli/ontology#Organization> .",
        f"<https://w3id.org/kgcli/resource/wego-holding> {RDF_TYPE} "
        "<https://w3id.org/kgcli/ontology#Person> .",
    ]


def test_at_most_limit_violations_per_check(store_of):
    store = store_of(":A owl:disjointWith :B . :x a :A , :B . :y a :A , :B .")
    assert len(check(store, RuleSet()).violations) == 2
    assert len(check(store, RuleSet(), limit=1).violations) == 1
