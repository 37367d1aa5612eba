"""The derived graph is consistent with the ontology under an OWL 2 DL reasoner (HermiT).

As tests/test_ontology.py does for the stated graph: owlready2 runs HermiT (Java) on the
ontology, the graph and now the derived triples too. The reified statements use the rdf:
vocabulary OWL 2 DL reserves, so they are left out, as there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.engine.infer import INFERRED_GRAPH, RuleSet, infer

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
REIFICATION = {RDF + "subject", RDF + "predicate", RDF + "object"}


def _owlready2():
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: owlready2's HermiT reasoner needs it")
    return pytest.importorskip(
        "owlready2", reason="owlready2 is not installed (pip install owlready2)"
    )


def _without_reification(store: ox.Store) -> bytes:
    def keep(q: ox.Quad) -> bool:
        if q.predicate.value in REIFICATION:
            return False
        return not (
            q.predicate.value == RDF + "type" and q.object == ox.NamedNode(RDF + "Statement")
        )

    triples = [q.triple for q in store if keep(q)]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data


@pytest.mark.slow  # HermiT on the JVM: ~4 s alone
def test_stated_and_derived_together_are_consistent_for_hermit(embedded, tmp_path: Path):
    owlready2 = _owlready2()
    store = embedded()
    report = infer(store, RuleSet())
    assert report.derived > 1000
    assert any(
        True for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))
    )
    path = tmp_path / "closure.nt"
    path.write_bytes(_without_reification(store))
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
    assert list(world.inconsistent_classes()) == []


@pytest.mark.slow  # HermiT on the JVM: ~3 s alone
def test_hermit_does_see_a_contradiction_the_derived_graph_makes(embedded, tmp_path: Path):
    """The test above means something: a clinic that is also a person is caught."""
    owlready2 = _owlready2()
    store = embedded()
    clinic = "https://w3id.org/kgcli/resource/dr-smile-surgical-clinic"
    person = "https://w3id.org/kgcli/ontology#Person"
    store.update(f"INSERT DATA {{ GRAPH <urn:test:wrong> {{ <{clinic}> a <{person}> }} }}")
    infer(store, RuleSet())
    path = tmp_path / "closure.nt"
    path.write_bytes(_without_reification(store))
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
