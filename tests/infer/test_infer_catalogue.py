"""The query catalogue on the embedded graph, with and without inference.

`--infer` is off by default on the embedded graph (docs/inference.md says why): the catalogue's
answers do not change unless asked. With it, the queries below give more rows, for the reason
given; every other query gives the same rows.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from kgcli.catalogue import Catalogue
from kgcli.infer import infer, rule_set
from kgcli.query import prepare

ROOT = Path(__file__).resolve().parents[2]

#: The catalogue queries whose rows differ with --infer, and why (docs/inference.md).
DIFFER = {
    "facilities-of-medical-center": "one row per type: a clinic is a derived healthcare facility",
    "facilities-offering-specialty": "one row per type: the derived supertypes add rows",
    "firms-in-place": "one row per location: every enclosing place is a derived location",
    "landmarks": "one row per location: the landmark's enclosing places are derived locations",
    "overview": "entities are counted in their derived classes too (place, organisation...)",
    "parks-and-focus-areas": "one row per location: the park's enclosing places are derived",
    "plans-and-targets": "a target is a derived objective: it is listed as both",
}


def _rows(store: ox.Store, text: str) -> Counter[tuple[str, ...]]:
    answer = store.query(text, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    return Counter(tuple(str(t) for t in row) for row in answer)


def test_only_the_listed_catalogue_queries_change_with_inference(embedded):
    stated, closure = embedded(), embedded()
    infer(closure, rule_set([], project_rules=ROOT / "queries" / "rules"))
    differ = set()
    for query in Catalogue().list():
        text = prepare(query).text
        without, with_inference = _rows(stated, text), _rows(closure, text)
        if without != with_inference:
            differ.add(query.name)
            # Inference adds rows (or, in aggregates, counts more); it never loses an entity.
            if query.name != "overview":
                assert not (without - with_inference), query.name
    assert differ == set(DIFFER)
