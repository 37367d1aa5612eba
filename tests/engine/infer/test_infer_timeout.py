"""Inference under a timeout runs in a killable child (`kgcli.engine.infer.isolated`): the same
closure, report and errors as without. That a timeout stops one rule's evaluation is shown by
tests/cli/test_cli_infer_timeout.py, in processes: in this one, a slow rule would only hang."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.engine.infer import (
    INFERRED_GRAPH,
    Bounds,
    InferenceDiverged,
    RuleSet,
    infer,
    isolated,
    load_rules,
)
from kgcli.errors import InputError, KgError

#: A rule that reads a derived type; one that mints a blank node on every round (never converges).
OWNS = """\
# iri: urn:test:rule:owns
# label: owns
# comment: Every member of :B is owned by its :p value.
PREFIX : <http://example.org/>
CONSTRUCT { ?x :ownedBy ?y } WHERE { ?x a :B ; :p ?y }
"""
MINTS = """\
# iri: urn:test:rule:mints
# label: mints
# comment: Every member of :A has a part, a new blank node each time.
PREFIX : <http://example.org/>
CONSTRUCT { ?x :part [ a :Part ] } WHERE { ?x a :A }
"""


def _sparql(tmp_path: Path, **rules: str) -> tuple[Path, ...]:
    paths = []
    for name, text in rules.items():
        path = tmp_path / f"{name}.rq"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return tuple(paths)


def _graph(store: ox.Store, graph: str) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


@pytest.mark.parametrize("blank", [False, True], ids=["iris", "blank nodes"])
def test_with_a_timeout_the_closure_and_the_report_are_the_same(store_of, tmp_path, blank):
    stated = ":A rdfs:subClassOf :B . :p owl:inverseOf :q . :x a :A ; :p :y ."
    if blank:
        stated += " _:b a :A ; :p :x . [] :p _:b ."
    rules = RuleSet(rdfs=True, owl_rl=True, sparql=tuple(load_rules(_sparql(tmp_path, o=OWNS))))
    here, there = store_of(stated), store_of(stated)
    expected = infer(here, rules)
    report = infer(there, rules, timeout=60)
    assert (report.derived, report.marks, report.rounds, report.by_rule) == (
        expected.derived,
        expected.marks,
        expected.rounds,
        expected.by_rule,
    )
    assert report.derived == (7 if blank else 3)

    def iris_only(store: ox.Store) -> set[ox.Quad]:
        # A derivation record's IRI is a hash of its triple, blank node labels and all, which
        # differ between two stores loaded from one text.
        return {
            q
            for q in _graph(store, INFERRED_GRAPH)
            if not isinstance(q.subject, ox.BlankNode)
            and not isinstance(q.object, ox.BlankNode)
            and not (blank and str(q.subject).startswith("<https://w3id.org/kgcli/derivation/"))
        }

    assert len(_graph(there, INFERRED_GRAPH)) == len(_graph(here, INFERRED_GRAPH))
    assert iris_only(there) == iris_only(here)
    # What is derived of a stated blank node is about that very node (the child's labels are the
    # parent's): each derived type joins the node's stated triples.
    joined = "PREFIX : <http://example.org/> SELECT ?s WHERE { ?s :p ?o ; a :B }"
    rows = list(there.query(joined, use_default_graph_as_union=True))
    assert len(rows) == (2 if blank else 1)


def test_a_bound_reached_in_the_child_is_the_same_error(store_of, tmp_path):
    rules = RuleSet(sparql=tuple(load_rules(_sparql(tmp_path, m=MINTS))))
    errors = []
    for timeout in (None, 60.0):
        store = store_of(":x a :A .")
        with pytest.raises(InferenceDiverged) as caught:
            infer(store, rules, bounds=Bounds(max_rounds=3), timeout=timeout)
        errors.append((type(caught.value), str(caught.value), caught.value.exit_code))
        assert ox.NamedNode(INFERRED_GRAPH) not in set(store.named_graphs())
    assert errors[0] == errors[1]
    assert "rule 'mints' <" in errors[1][1] and errors[1][2] == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (InputError("data.ttl:3:1: bad"), (InputError, "data.ttl:3:1: bad")),
        (InferenceDiverged("kept deriving"), (InferenceDiverged, "kept deriving")),
        (ValueError("a bug"), (KgError, "inference failed: ValueError: a bug")),
    ],
    ids=["input error", "diverged", "a bug"],
)
def test_what_the_child_raises_is_raised_again_here(raised, expected):
    def work(folder: Path, say: object) -> dict[str, object]:
        raise raised

    with pytest.raises(KgError) as caught, isolated.in_child(work, 60):
        pass
    assert (type(caught.value), str(caught.value)) == expected


def test_progress_from_the_child_is_relayed_line_by_line():
    said: list[str] = []

    def work(folder: Path, say) -> dict[str, object]:
        say("round 1")
        say("round 2")
        (folder / "made").write_text("x")
        return {"rounds": 2}

    with isolated.in_child(work, 60, progress=said.append) as (folder, answer):
        assert (folder / "made").read_text() == "x"
    assert (said, answer) == (["round 1", "round 2"], {"rounds": 2})
    assert not folder.exists()
