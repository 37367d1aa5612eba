"""Fixtures for the inference tests: stores from Turtle, the embedded graph, derived triples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.infer import INFERRED_GRAPH

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = """
@prefix : <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix kg: <https://w3id.org/kgcli/ontology#> .
@prefix kgr: <https://w3id.org/kgcli/resource/> .
"""
DATA_GRAPH = ox.NamedNode("urn:test:data")


def _ntriples(turtle: str) -> set[str]:
    parsed = ox.parse((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE)
    return {f"{q.subject} {q.predicate} {q.object} ." for q in parsed}


@pytest.fixture
def as_nt() -> Callable[[str], set[str]]:
    """Turtle (with the test prefixes) as a set of N-Triples lines."""
    return _ntriples


@pytest.fixture
def store_of() -> Callable[[str], ox.Store]:
    """A store whose graph urn:test:data holds the Turtle given (with the test prefixes)."""

    def make(turtle: str) -> ox.Store:
        store = ox.Store()
        store.load((PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=DATA_GRAPH)
        return store

    return make


def derived(store: ox.Store, graph: str = INFERRED_GRAPH) -> set[str]:
    """The triples of the derived graph, as N-Triples lines."""
    return {
        f"{q.subject} {q.predicate} {q.object} ."
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }


@pytest.fixture
def derived_of() -> Callable[..., set[str]]:
    return derived


@pytest.fixture(scope="module")
def embedded() -> Callable[[], ox.Store]:
    """A fresh store of the embedded graph, each file in its named graph, as `kg` loads it."""
    from kgcli.load import load_embedded

    def make() -> ox.Store:
        store = ox.Store()
        load_embedded(store)
        return store

    return make
