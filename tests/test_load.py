"""Loading files: formats by extension or flag, one named graph per file, located errors."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgcli.engine.load import load_embedded, load_file
from kgcli.errors import InputError
from kgcli.rdf.iri import file_graph_name
from kgcli.rdf.namespaces import GRAPH_NS

TRIPLE = '<http://example.org/a> <http://example.org/p> "上海"@zh .\n'  # a non-ASCII label survives
SAME = {
    "g.ttl": TRIPLE,
    "g.nt": TRIPLE,
    "g.rdf": (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        '<ex:p xml:lang="zh">上海</ex:p></rdf:Description></rdf:RDF>'
    ),
    "g.jsonld": (
        '{"@id": "http://example.org/a", '
        '"http://example.org/p": {"@value": "上海", "@language": "zh"}}'
    ),
}


def _quads(store: ox.Store) -> set[tuple[str, str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in store}


@pytest.mark.parametrize("name", sorted(SAME))
def test_each_format_loads_into_the_files_named_graph(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text(SAME[name], encoding="utf-8")
    store = ox.Store()
    loaded = load_file(store, str(path))
    assert loaded.graph == path.resolve().as_uri() == file_graph_name(str(path))
    assert _quads(store) == {
        (
            "<http://example.org/a>",
            "<http://example.org/p>",
            '"上海"@zh',
            f"<{path.resolve().as_uri()}>",
        )
    }


def test_trig_and_nquads_keep_their_graph_names(tmp_path: Path):
    trig = tmp_path / "d.trig"
    trig.write_text(
        "<http://example.org/a> <http://example.org/p> 1 .\n"
        "<http://example.org/g> { <http://example.org/a> <http://example.org/p> 2 . }\n"
    )
    nq = tmp_path / "d.nq"
    nq.write_text('<http://example.org/a> <http://example.org/p> "3" <http://example.org/h> .\n')
    store = ox.Store()
    load_file(store, str(trig))
    load_file(store, str(nq))
    assert {(str(q.object), str(q.graph_name)) for q in store} == {
        ('"1"^^<http://www.w3.org/2001/XMLSchema#integer>', f"<{trig.resolve().as_uri()}>"),
        ('"2"^^<http://www.w3.org/2001/XMLSchema#integer>', "<http://example.org/g>"),
        ('"3"', "<http://example.org/h>"),
    }


def test_data_format_overrides_the_extension_and_stdin_reads(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(TRIPLE.encode())))
    store = ox.Store()
    loaded = load_file(store, "-", data_format="ntriples")
    assert loaded.graph == "urn:kgcli:stdin" and len(store) == 1


def test_a_utf8_byte_order_mark_is_skipped(tmp_path: Path):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + TRIPLE.encode())
    store = ox.Store()
    load_file(store, str(path))
    assert len(store) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<http://example.org/a> <http://example.org/p> "x"', "bad.ttl:1:"),
        ('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b ;\n ex:q "open .\n', "bad.ttl:3:"),
        ("ex:a ex:p ex:b .\n", "bad.ttl:1:1:"),
    ],
)
def test_malformed_turtle_is_located(tmp_path: Path, content: str, message: str):
    path = tmp_path / "bad.ttl"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        load_file(ox.Store(), str(path))
    assert str(err.value).startswith(str(tmp_path / message))


def test_a_directory_or_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(InputError, match="is a directory"):
        load_file(ox.Store(), str(tmp_path))
    with pytest.raises(InputError, match="no such file"):
        load_file(ox.Store(), str(tmp_path / "missing.ttl"))


def test_the_embedded_graph_has_one_named_graph_per_file():
    store = ox.Store()
    loaded = load_embedded(store)
    assert {f.source for f in loaded} == {
        "ontology/kg.ttl",
        "graph/minhang-health-cluster.ttl",
        "graph/jiading-precision-medicine.ttl",
    }
    assert {g.value for g in store.named_graphs()} == {
        GRAPH_NS + "kg",
        GRAPH_NS + "minhang-health-cluster",
        GRAPH_NS + "jiading-precision-medicine",
    }
