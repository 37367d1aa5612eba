"""The on-disk store: `kg store load|info`, `--store` on every reading command, reloads that
replace, a load that fails or is killed (SIGKILL) leaving the store as it was, and the locks."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import MINI, ROOT, TESTS
from support.fakes import FakeServer, SparqlFake, dataset

from kgcli.api import open_source
from kgcli.engine import store as stores
from kgcli.engine.source import LocalSource
from kgcli.errors import InputError, KgError, UsageError
from kgcli.rdf.iri import file_graph_name

HERE = TESTS
SMALL = HERE / "fixtures" / "network" / "small.trig"


def triples_in(path: Path) -> int:
    """How many triples (or quads) pyoxigraph parses from a file: the reference count."""
    return sum(1 for _ in ox.parse(path=str(path)))


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def csv_rows(text: str) -> list[str]:
    return text.splitlines()


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """A synthetic city of 2*10^4 triples, from the benchmark generator."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    path = tmp_path / "city.nt"
    with path.open("w", encoding="utf-8") as out:
        generate.write(out, 20_000, 3)
    return path


# --- load and info -------------------------------------------------------------------------------


def test_load_then_info_lists_each_file_with_its_graph_and_count(kg, tmp_path):
    db = tmp_path / "db"
    result = kg("store", "load", str(db), str(MINI), str(SMALL))
    ok(result)
    mini, small = triples_in(MINI), triples_in(SMALL)
    assert result.stderr == (
        f"kg: loaded {MINI}: {mini:,} triples\n"
        f"kg: loaded {SMALL}: {small:,} triples\n"
        f"kg: {db} holds 2 files, {mini + small:,} triples\n"
    )
    text = ok(kg("store", "info", str(db), "-f", "csv"))
    lines = csv_rows(text)
    assert lines[0] == "file,graph,triples,format,loaded"
    # small.trig names its own graphs: each is listed, with the file's total.
    graphs = sorted({q.graph_name.value for q in ox.parse(path=str(SMALL))})
    expected = [f"{MINI},{file_graph_name(str(MINI))},{mini},Turtle"] + [
        f"{SMALL},{g},{small},TriG" for g in graphs
    ]
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == expected
    doc = json.loads(ok(kg("store", "info", str(db), "-f", "json")))
    assert doc["triples"] == mini + small and doc["generation"] == 2
    assert [f["source"] for f in doc["files"]] == [str(MINI), str(SMALL)]
    assert doc["bytesOnDisk"] > 0


def test_loading_twice_leaves_the_count_unchanged(kg, tmp_path):
    db = tmp_path / "db"
    ok(kg("store", "load", str(db), str(MINI)))
    once = stores.store_info(db).triples
    ok(kg("store", "load", str(db), str(MINI)))
    assert stores.store_info(db).triples == once == triples_in(MINI)
    assert [f.source for f in stores.read_manifest(db).files] == [str(MINI)]


def test_files_loaded_before_one_that_fails_are_reported_loaded(kg, tmp_path):
    db, bad = tmp_path / "db", tmp_path / "bad.nt"
    bad.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    result = kg("store", "load", str(db), str(MINI), str(bad))
    assert result.exit_code == 2
    # The first file is committed before the second fails: the user is told so.
    assert result.stderr.splitlines() == [
        f"kg: loaded {MINI}: {triples_in(MINI):,} triples",
        f"kg: error: {bad}:1:23: The object of a triple must be an IRI, a blank node or a literal",
    ]
    assert [f.source for f in stores.read_manifest(db).files] == [str(MINI)]


def test_reloading_a_changed_file_replaces_its_graph(tmp_path):
    db, data = tmp_path / "db", tmp_path / "data.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1, 2, 3 .\n", encoding="utf-8")
    stores.load(db, [str(data)], with_embedded=True)
    embedded = stores.store_info(db).triples - 3
    data.write_text("<http://example.org/b> <http://example.org/p> 9 .\n", encoding="utf-8")
    stores.load(db, [str(data)])
    source = open_source(store=str(db))
    rows = source.query("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }")
    assert [(s.value, o.value) for s, o in rows] == [("http://example.org/b", "9")]
    assert stores.store_info(db).triples == embedded + 1


def test_a_file_that_fails_to_parse_leaves_the_store_as_it_was(kg, tmp_path, city):
    db, bad = tmp_path / "db", tmp_path / "bad.nt"
    ok(kg("store", "load", str(db), str(city)))
    before = (db / stores.MANIFEST).read_bytes()
    # The bulk loader has written many triples of the new generation by the time it fails.
    text = city.read_text(encoding="utf-8")
    bad.write_text(text + "<http://example.org/a> <http://example.org/p> .\n", encoding="utf-8")
    line = text.count("\n") + 1
    result = kg("store", "load", str(db), str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kg: error: {bad}:{line}:")
    assert (db / stores.MANIFEST).read_bytes() == before
    assert sorted(p.name for p in db.iterdir() if p.name.startswith("g")) == ["g000001"]
    assert stores.store_info(db).triples == triples_in(city)


# --- --store on every reading command ------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "db"
    stores.load(db, [], with_embedded=True)
    return db


@pytest.mark.parametrize(
    "args",
    [
        ("query", "shared-resources", "-f", "csv"),
        ("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv"),
        ("query", "firms-by-sector", "--timeout", "60", "-f", "csv"),  # runs in a forked child
        ("info", "-s", "classes", "-f", "csv"),
        ("network", "analyze", "-P", "facility-sharing", "-m", "degree,pagerank", "-f", "csv"),
        ("network", "path", "Huacao Town", "pharmacy", "-f", "csv"),
    ],
)
def test_a_store_answers_as_the_embedded_graph_does(kg, embedded_store, args):
    assert ok(kg(*args, "--store", str(embedded_store))) == ok(kg(*args))


def test_info_names_the_file_of_each_graph_in_a_store(kg, embedded_store):
    text = ok(kg("info", "-s", "graphs", "-f", "csv", "-S", str(embedded_store)))
    assert csv_rows(text) == [
        "graph,triples,source",
        "https://w3id.org/kgcli/graph/jiading-precision-medicine,1523,"
        "embedded:graph/jiading-precision-medicine.ttl",
        "https://w3id.org/kgcli/graph/kg,1961,embedded:ontology/kg.ttl",
        "https://w3id.org/kgcli/graph/minhang-health-cluster,2203,"
        "embedded:graph/minhang-health-cluster.ttl",
    ]


@pytest.mark.slow  # pyshacl and an export of the store: ~5 s alone
def test_validate_and_export_read_a_store(kg, embedded_store, tmp_path):
    assert kg("validate", "-S", str(embedded_store)).exit_code == 0
    ours, theirs = tmp_path / "store.graphml", tmp_path / "memory.graphml"
    ok(kg("network", "export", "-P", "cluster", "-o", str(ours), "-S", str(embedded_store)))
    ok(kg("network", "export", "-P", "cluster", "-o", str(theirs)))
    # The same network; the order of nodes and edges is the engine's, which differs on disk, and
    # so do the edge ids (edges are numbered in that order).
    import networkx as nx

    def edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, list]]:
        return sorted(
            (u, v, sorted((k, x) for k, x in d.items() if k != "id"))
            for u, v, d in graph.edges(data=True)
        )

    mine, reference = nx.read_graphml(ours), nx.read_graphml(theirs)
    assert dict(mine.nodes(data=True)) == dict(reference.nodes(data=True))
    # As many edges as the cluster network's golden holds (not a number to keep in step here).
    golden = (TESTS / "golden" / "network" / "cluster.tsv").read_text(encoding="utf-8")
    assert edges(mine) == edges(reference)
    assert mine.number_of_edges() == sum(line.startswith("edge\t") for line in golden.splitlines())


def test_push_from_a_store(kg, embedded_store, monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CONFIG", str(tmp_path / "none.toml"))
    with FakeServer() as fake:
        sparql = SparqlFake()
        fake.default = sparql
        args = ("push", "-E", f"{fake.base}/sparql", "--graph-store", f"{fake.base}/store")
        ok(kg(*args, "-S", str(embedded_store)))
        memory = open_source()
        assert isinstance(memory, LocalSource)
        assert dataset(sparql.store) == dataset(memory.store)


def test_serve_a_store_read_only(embedded_store):
    from support.server import get_query, kg_serve

    with kg_serve("--store", str(embedded_store)) as server:
        status, _, body = get_query(
            server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept="text/csv"
        )
        assert (status, body) == (200, b"n\r\n5687\r\n")
        status, _, _ = get_query(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        assert status == 400


def test_serve_refuses_updates_to_a_store(kg, embedded_store):
    result = kg("serve", "-S", str(embedded_store), "--allow-update")
    assert result.exit_code == 2
    assert result.stderr == (
        "kg: error: --allow-update changes the graph in memory; a --store is served read-only "
        f"(change it with: kg store load {embedded_store} FILE...)\n"
    )


# --- what is refused ------------------------------------------------------------------------------


def test_bad_store_arguments_are_one_line_each(kg, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "file").write_text("", encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text('<urn:a> <urn:b> "c"\n<urn:d> <urn:e> <urn:f> .\n', encoding="utf-8")
    cases = [
        (("query", "-S", str(tmp_path / "none"), "-e", "ASK {}"), 2,
         f"{tmp_path / 'none'}: no such store (make one with: kg store load DIR FILE...)"),
        (("query", "-S", str(tmp_path / "full"), "-e", "ASK {}"), 2,
         f"{tmp_path / 'full'}: not a store (make one with: kg store load DIR FILE...)"),
        (("store", "load", str(tmp_path / "first"), str(bad)), 2,
         f"{bad}:2:1: A dot is expected at the end of statements"),
        (("store", "info", str(tmp_path / "first")), 2,
         f"{tmp_path / 'first'}: an empty store, nothing loaded yet (kg store load DIR FILE...)"),
        (("query", "-S", str(tmp_path / "file"), "-e", "ASK {}"), 2,
         f"{tmp_path / 'file'}: is a file, expected a store folder"),
        (("store", "load", str(tmp_path / "full"), str(MINI)), 2,
         f"{tmp_path / 'full'}: not empty and not a store (give a new folder)"),
        (("store", "load", str(tmp_path / "db"), str(tmp_path / "missing.ttl")), 2,
         f"{tmp_path / 'missing.ttl'}: no such file"),
        (("store", "load", str(tmp_path / "db"), "-"), 2,
         "kg store load reads files, not stdin: save it to a file first"),
        (("store", "load", str(tmp_path / "db")), 2,
         "name the files to load: kg store load DIR FILE..."),
        (("query", "-S", str(tmp_path), "-d", str(MINI), "-e", "ASK {}"), 2,
         "--store cannot be combined with --data or --with-embedded "
         f"(add files to the store: kg store load {tmp_path} FILE...)"),
    ]  # fmt: skip
    for args, code, message in cases:
        result = kg(*args)
        assert (result.exit_code, result.stderr) == (code, f"kg: error: {message}\n"), args
    assert not (tmp_path / "db").exists()  # nothing made for a load that could not start


def test_a_bare_oxigraph_store_is_read_but_not_loaded_into(kg, tmp_path):
    bare = tmp_path / "oxigraph"
    made = ox.Store(str(bare))
    made.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c")))
    made.flush()
    del made
    result = kg("query", "-S", str(bare), "-e", "SELECT ?o WHERE { ?s ?p ?o }", "-f", "csv")
    assert (result.exit_code, result.stdout_bytes) == (0, b"o\r\nc\r\n")
    with pytest.raises(UsageError, match="an Oxigraph store not made by kg"):
        stores.load(bare, [str(MINI)])


def test_a_damaged_manifest_is_one_line(tmp_path):
    db = tmp_path / "db"
    stores.load(db, [str(MINI)])
    (db / stores.MANIFEST).write_text('{"format": "kgcli-store 1"}', encoding="utf-8")
    with pytest.raises(InputError, match=r"kgstore.json: damaged manifest: generation: missing; "):
        stores.open_store(db)


# --- concurrency and crashes --------------------------------------------------------------------


def test_one_loader_at_a_time(tmp_path):
    import fcntl

    db = tmp_path / "db"
    stores.load(db, [str(MINI)])
    with (db / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(KgError, match="another process is loading this store"):
            stores.load(db, [str(MINI)])


def test_a_generation_a_reader_holds_outlives_later_loads(tmp_path):
    db = tmp_path / "db"
    stores.load(db, [str(MINI)])
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from kgcli.engine.store import open_store; "
            "open_store(sys.argv[1]); print('open', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "open\n"
        for _ in range(3):
            stores.load(db, [str(MINI)])
        assert (db / "g000001").is_dir()  # still open in the reader
        assert not (db / "g000002").exists()  # neither current, previous, nor held
    finally:
        reader.kill()
        reader.wait()
    stores.load(db, [str(MINI)])
    assert sorted(p.name for p in db.iterdir() if p.is_dir()) == ["g000004", "g000005"]


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_the_old_or_the_new_content(tmp_path, city):
    """SIGKILL `kg store load` at random moments while it replaces a file's graph: each time, the
    store reopens and holds exactly the content of that file before the load or after it."""
    db, data = tmp_path / "db", tmp_path / "data.nt"
    lines = city.read_text(encoding="utf-8").splitlines(keepends=True)
    contents = ["".join(lines[: len(lines) // 3]), "".join(lines)]  # two sizes, told apart
    sizes = [len(lines) // 3, len(lines)]
    data.write_text(contents[0], encoding="utf-8")
    stores.load(db, [str(data)])
    graph = file_graph_name(str(data))
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    command = [sys.executable, "-m", "kgcli", "store", "load", str(db), str(data)]
    # How long a whole `kg store load` takes here, so that kills land before, during and after
    # its work (the interpreter's start included).
    start = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    whole = time.monotonic() - start
    rng = random.Random(20261123)
    held, outcomes = 0, {"before": 0, "after": 0}
    for attempt in range(16):
        target = 1 - held
        data.write_text(contents[target], encoding="utf-8")
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.0) * whole)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        opened = stores.open_store(db)
        (row,) = opened.query(count)
        found = int(row[0].value)
        stores.close_store(opened)
        del opened
        assert found in (sizes[held], sizes[target]), f"attempt {attempt}: {found} triples"
        outcomes["after" if found == sizes[target] else "before"] += 1
        held = target if found == sizes[target] else held
        manifest = {f.source: f.triples for f in stores.read_manifest(db).files}
        assert manifest == {str(data.resolve()): found}  # the manifest agrees with the store
    assert outcomes["before"] and outcomes["after"], outcomes  # kills landed on both sides
    stores.load(db, [str(data)])  # the next load clears what the killed ones left
    assert len([p for p in db.iterdir() if p.is_dir()]) == 2  # current and previous only


def test_progress_counts_every_byte_of_each_file(tmp_path, city):
    told: list[tuple[str, int]] = []
    read: list[int] = []
    stores.load(
        tmp_path / "db",
        [str(city), str(MINI)],
        progress=read.append,
        on_file=lambda *a: told.append(a),
    )
    assert told == [(str(city), city.stat().st_size), (str(MINI), MINI.stat().st_size)]
    assert sum(read) == city.stat().st_size + MINI.stat().st_size
