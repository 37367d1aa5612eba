"""The query catalogue on the embedded graph, with and without inference.

`--infer` is off by default on the embedded graph (docs/inference.md says why): the catalogue's
answers do not change unless asked. With it, the queries below give more rows, for the reason
given; every other query gives the same rows.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from kgcli.engine.catalogue import Catalogue
from kgcli.engine.infer import infer, rule_set
from kgcli.engine.query import prepare

ROOT = Path(__file__).resolve().parents[3]

#: The catalogue queries whose rows differ with --infer, and why (docs/inference.md). The queries
#: show each entity in its most specific class and narrowest place, so the supertypes and enclosing
#: places inference derives add no rows; what differs is what the rules of queries/rules derive
#: from the articles' general sentences (issue #15).
DIFFER = {
    "branches": "the Huashan branch is a derived facility of the center and uses its resources",
    "facilities-of-medical-center": "the Huashan branch is a derived facility of the center",
    "facilities-offering-specialty": "the Huashan branch's medical center is derived: filled in",
    "overview": "the Huashan branch, a derived facility of the center, counts in Minhang",
    "resource-sharing-pairs": "the other facilities' use of the shared resources is derived",
    "shared-resources": "the other facilities' use of the shared resources is derived",
    "shared-resources-per-facility": "the other facilities' use of the shared resources is derived",
}


def _rows(store: ox.Store, text: str) -> Counter[tuple[str, ...]]:
    answer = store.query(text, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    return Counter(tuple(str(t) for t in row) for row in answer)


def _fills(row: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """`other` is `row` with some of its empty cells filled in."""
    return row != other and all(a in ("None", b) for a, b in zip(row, other, strict=True))


def test_only_the_listed_catalogue_queries_change_with_inference(embedded):
    stated, closure = embedded(), embedded()
    infer(closure, rule_set([], project_rules=ROOT / "queries" / "rules"))
    differ = set()
    for query in Catalogue().list():
        text = prepare(query).text
        without, with_inference = _rows(stated, text), _rows(closure, text)
        if without != with_inference:
            differ.add(query.name)
            # Inference adds rows (or, in aggregates, counts more) or fills in an empty cell of a
            # row; it never loses an entity.
            if query.name != "overview":
                for row in without - with_inference:
                    assert any(_fills(row, other) for other in with_inference), (query.name, row)
    assert differ == set(DIFFER)
