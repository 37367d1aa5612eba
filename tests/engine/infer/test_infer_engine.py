"""The engine: sinks, bounds, timeout, SPARQL rules in the fixpoint, marking, rule-set choice."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.engine.infer import (
    DERIVED_BY,
    INFERRED_GRAPH,
    Bounds,
    InferenceDiverged,
    RuleSet,
    StoreSink,
    StreamSink,
    infer,
    load_rules,
    rule_set,
)
from kgcli.errors import QueryTimeout, UsageError

ROOT = Path(__file__).resolve().parents[3]
PROJECT_RULES = ROOT / "queries" / "rules"
EX = "http://example.org/"


def _rule(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


def _rules(*paths: Path, **switches: bool) -> RuleSet:
    return RuleSet(**switches, sparql=tuple(load_rules(paths)))


def test_stream_sink_writes_the_same_triples_as_n_triples_and_n_quads(store_of, derived_of):
    stated = ":A rdfs:subClassOf :B . :x a :A . :p owl:inverseOf :q . :x :p :y . _:b :p :x ."
    in_store = store_of(stated)
    infer(in_store, RuleSet())
    expected = derived_of(in_store)
    out = io.BytesIO()
    infer(store_of(stated), RuleSet(), sink=StreamSink(out))
    triples = {
        f"{q.subject} {q.predicate} {q.object} ."
        for q in ox.parse(out.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    }
    # Blank node labels are the store's own: compare the rest, and count.
    assert len(triples) == len(expected)
    assert {t for t in triples if "_:" not in t} == {t for t in expected if "_:" not in t}
    quads = io.BytesIO()
    infer(store_of(stated), RuleSet(), sink=StreamSink(quads, graph=INFERRED_GRAPH))
    graphs = {q.graph_name for q in ox.parse(quads.getvalue(), format=ox.RdfFormat.N_QUADS)}
    assert graphs == {ox.NamedNode(INFERRED_GRAPH)}


def test_a_stream_sink_leaves_the_store_as_it_was(store_of):
    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    infer(store, RuleSet(), sink=StreamSink(io.BytesIO()))
    assert [g.value for g in store.named_graphs()] == ["urn:test:data"]


def test_a_store_sink_can_write_to_another_graph(store_of, derived_of):
    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    infer(store, RuleSet(), sink=StoreSink(store, "urn:test:mine"))
    assert derived_of(store, "urn:test:mine") == {
        f"<{EX}x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}B> ."
    }
    assert derived_of(store) == set()


MINTS = """# label: mints a new node each time
PREFIX : <http://example.org/>
CONSTRUCT { ?x :next [] } WHERE { ?x a :Item }
"""


def test_a_rule_that_never_converges_is_stopped_and_named_and_nothing_is_written(
    store_of, tmp_path
):
    path = _rule(tmp_path, "mints", MINTS)
    store = store_of(":i a :Item . :A rdfs:subClassOf :B . :x a :A .")
    with pytest.raises(InferenceDiverged) as caught:
        infer(store, _rules(path), bounds=Bounds(max_rounds=6))
    assert str(caught.value) == (
        "inference did not converge (6 rounds, --max-rounds): rule 'mints a new node each time' "
        f"<{path.resolve().as_uri()}> kept deriving (1 new triples in the last round); "
        "nothing was written"
    )
    assert caught.value.exit_code == 1
    assert INFERRED_GRAPH not in {g.value for g in store.named_graphs()}


def test_the_derived_triples_bound_stops_a_rule_minting_iris(store_of, tmp_path):
    path = _rule(
        tmp_path,
        "iris",
        "PREFIX : <http://example.org/>\n"
        "CONSTRUCT { ?x :next ?n } WHERE {\n"
        '  ?x a :Item BIND(IRI(CONCAT("urn:uuid:", STRUUID())) AS ?n) }',
    )
    store = store_of(":i a :Item , :Other . :j a :Item .")
    with pytest.raises(InferenceDiverged, match=r"more than 5 derived triples, --max-derived"):
        infer(store, _rules(path), bounds=Bounds(max_derived=5))


def test_the_default_bound_is_twenty_triples_per_triple_read():
    assert Bounds().derived_limit(1000) == 120_000
    assert Bounds(max_derived=7).derived_limit(1000) == 7


def test_a_timeout_stops_inference_and_nothing_is_written(store_of):
    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    with pytest.raises(QueryTimeout) as caught:
        infer(store, RuleSet(), timeout=0)
    assert caught.value.exit_code == 3
    assert INFERRED_GRAPH not in {g.value for g in store.named_graphs()}


def test_sparql_rules_run_to_a_fixpoint_with_the_built_in_rules(
    store_of, derived_of, as_nt, tmp_path
):
    # The rule reads a type only cax-sco derives; what it derives feeds prp-inv1 in turn.
    path = _rule(
        tmp_path,
        "owner",
        "PREFIX : <http://example.org/>\nCONSTRUCT { ?x :ownedBy :me } WHERE { ?x a :Asset }",
    )
    store = store_of(":Car rdfs:subClassOf :Asset . :c a :Car . :ownedBy owl:inverseOf :owns .")
    infer(store, _rules(path), marking="none")
    assert derived_of(store) == as_nt(":c a :Asset ; :ownedBy :me . :me :owns :c .")


def test_a_sparql_rules_triples_are_marked_with_the_rule(store_of, tmp_path):
    path = _rule(
        tmp_path,
        "owner",
        "# iri: http://example.org/rules/owner\n# label: owner\n"
        "PREFIX : <http://example.org/>\nCONSTRUCT { ?x :ownedBy :me } WHERE { ?x a :Car }",
    )
    store = store_of(":c a :Car . :d a :Car ; :ownedBy :me .")
    report = infer(store, _rules(path))
    rows = store.query(
        f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?x ?rule WHERE {{ GRAPH <{INFERRED_GRAPH}> {{
          ?d rdf:subject ?x ; rdf:predicate <{EX}ownedBy> ; rdf:object <{EX}me> ;
             <{DERIVED_BY}> ?rule }} }}"""
    )
    assert [(r["x"].value, r["rule"].value) for r in rows] == [
        (f"{EX}c", "http://example.org/rules/owner")
    ]
    assert report.marks == 1
    assert report.by_rule == {"http://example.org/rules/owner": 1}


def test_marking_every_derived_triple_in_rdf_1_2(store_of):
    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    infer(store, RuleSet(), marking="all-rdf12")
    rows = store.query(
        f"""SELECT ?rule WHERE {{ GRAPH <{INFERRED_GRAPH}> {{
          << <{EX}x> a <{EX}B> >> <{DERIVED_BY}> ?rule }} }}"""
    )
    assert [r["rule"].value for r in rows] == ["https://w3id.org/kgcli/rule/cax-sco"]


def test_an_unknown_marking_is_refused(store_of):
    with pytest.raises(ValueError, match="marking must be one of"):
        infer(store_of(""), RuleSet(), marking="some")


def test_the_report_counts_and_serialises(store_of):
    store = store_of(":A rdfs:subClassOf :B . :x a :A . :y a :A .")
    report = infer(store, RuleSet())
    doc = report.to_dict()
    assert (doc["rules"], doc["schemaTriples"], doc["triplesRead"], doc["derived"]) == (
        "owl-rl",
        1,
        2,
        2,
    )
    assert (doc["byRule"], doc["rounds"], doc["hidden"], doc["marks"]) == (
        {"https://w3id.org/kgcli/rule/cax-sco": 2},
        2,
        0,
        0,
    )


# --- Choosing the rules --------------------------------------------------------------------------


def test_the_default_rules_are_owl_rl_and_the_projects_own():
    rules = rule_set([], project_rules=PROJECT_RULES)
    assert (rules.rdfs, rules.owl_rl, rules.domain_range, rules.same_as) == (
        False,
        True,
        False,
        False,
    )
    assert [r.rule.iri for r in rules.sparql] == [
        f"https://w3id.org/kgcli/rule/{name}"
        for name in (
            "districts-in-the-area-of-their-towns",
            "facilities-are-at-their-center",
            "facilities-described-among-a-centers",
            "facilities-use-center-resources",
            "places-cited-for-a-choice-lie-in-it",
            "towns-in-the-area-their-firms-explain",
        )
    ]
    assert rules.describe() == "owl-rl, 6 SPARQL rules"


def test_rule_sets_by_name_folder_and_file(tmp_path):
    path = _rule(tmp_path, "mine", MINTS)
    rules = rule_set(["rdfs", str(tmp_path)], domain_range=True)
    assert (rules.rdfs, rules.owl_rl, rules.domain_range) == (True, False, True)
    assert [r.rule.iri for r in rules.sparql] == [path.resolve().as_uri()]
    assert rules.groups == frozenset({"rdfs", "domain-range"})
    assert rule_set([str(path)]).describe() == "1 SPARQL rule"


@pytest.mark.parametrize(
    ("specs", "switches", "message"),
    [
        (
            ["owl"],
            {},
            "--rules owl: not a rule set (rdfs, owl-rl), a folder of .rq rules or a .rq file",
        ),
        (["rdfs"], {"same_as": True}, "--same-as needs --rules owl-rl (owl:sameAs is an OWL rule)"),
        (
            ["x.rq"],
            {"domain_range": True},
            "--domain-range and --same-as need --rules rdfs or owl-rl",
        ),
    ],
)
def test_rule_set_mistakes_are_one_line(specs, switches, message):
    with pytest.raises(UsageError) as caught:
        rule_set(specs, **switches)
    assert str(caught.value) == message


def test_a_query_without_infer_does_not_see_the_derived_graph(store_of):
    from kgcli.engine.infer.dataset import dataset, has_inferences

    store = store_of(":A rdfs:subClassOf :B . :x a :A .")
    assert not has_inferences(store)
    assert dataset(store, infer=False).query_kwargs() == {"use_default_graph_as_union": True}
    infer(store, RuleSet())
    assert has_inferences(store)
    ask = f"ASK {{ <{EX}x> a <{EX}B> }}"
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    plain, inferred = dataset(store, infer=False), dataset(store, infer=True)
    assert not store.query(ask, **plain.query_kwargs())
    assert store.query(ask, **inferred.query_kwargs())
    seen = [r["g"].value for r in store.query(graphs, **plain.query_kwargs())]
    assert seen == ["urn:test:data"]


def test_an_on_disk_store_gets_its_derived_graph_in_a_new_generation(tmp_path, as_nt):
    """What `kg infer --store` does: back up the current generation, bulk load into the copy."""
    current = ox.Store(str(tmp_path / "g1"))
    current.load(
        f"<{EX}A> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{EX}B> . <{EX}x> a <{EX}A> .",
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode("urn:test:data"),
    )
    current.flush()
    current.backup(str(tmp_path / "g2"))
    generation = ox.Store(str(tmp_path / "g2"))
    infer(generation, RuleSet(), sink=StoreSink(generation, bulk=True))
    del generation
    reopened = ox.Store.read_only(str(tmp_path / "g2"))
    inferred = {
        f"{q.subject} {q.predicate} {q.object} ."
        for q in reopened.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))
    }
    assert inferred == as_nt(":x a :B .")
    assert not current.contains_named_graph(ox.NamedNode(INFERRED_GRAPH))  # the old generation
