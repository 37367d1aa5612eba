"""CSV through the engine's fast writer, guarded: identical bytes to ours, even where it errs."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from kgcli.engine.source import LocalSource
from kgcli.output.render import render

EX = "http://example.org/"


def _source(rows: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode | ox.Literal]]):
    store = ox.Store()
    for s, o in rows:
        store.add(ox.Quad(s, ox.NamedNode(EX + "p"), o, ox.NamedNode(EX + "g")))
    return LocalSource(store)


def _both(source: LocalSource, query: str) -> tuple[bytes, bytes]:
    fast, slow = io.BytesIO(), io.BytesIO()
    render(source.query(query), "csv", fast)  # native result: guarded engine writer
    render(source.query(query, limit=10**9), "csv", slow)  # limited: our writer only
    return fast.getvalue(), slow.getvalue()


TRICKY = [
    ox.Literal("plain"),
    ox.Literal('comma, and "quotes"'),
    ox.Literal("line\r\nbreak\nand\rreturn"),
    ox.Literal("tab\there", language="en"),
    ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal("é 上海 😀"),
    ox.NamedNode(EX + "plain-iri"),
]


def test_engine_csv_equals_ours_on_awkward_values():
    source = _source([(ox.NamedNode(f"{EX}s{i}"), o) for i, o in enumerate(TRICKY)])
    fast, slow = _both(source, "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s")
    assert fast == slow
    assert len(list(csv.reader(io.StringIO(fast.decode(), newline="")))) == 1 + len(TRICKY)


@pytest.mark.parametrize("before", [0, 1, 5000])
def test_an_iri_with_a_comma_hands_over_to_our_writer(before: int):
    # `before` rows push the bad record past the engine's first 8 KiB chunks.
    rows = [(ox.NamedNode(f"{EX}s{i:05d}"), ox.Literal(f"v{i}")) for i in range(before)]
    rows.append((ox.NamedNode(EX + "zz,with-comma"), ox.Literal("after, the comma")))
    rows += [(ox.NamedNode(f"{EX}zz{i}"), ox.Literal("tail")) for i in range(3)]
    source = _source(rows)
    fast, slow = _both(source, "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s")
    assert fast == slow
    parsed = list(csv.reader(io.StringIO(fast.decode(), newline="")))
    assert ["http://example.org/zz,with-comma", "after, the comma"] in parsed
    assert all(len(row) == 2 for row in parsed)
    assert len(parsed) == 1 + len(rows)
