"""`--timeout` stops inference anywhere, even inside one SPARQL rule's evaluation (#14), and
Ctrl-C while `kg` waits on a child leaves no child running.

Each test runs `kg` as a process: without the fix, a slow rule runs for many minutes, which the
generous `subprocess` timeout turns into a failure instead of a hang. No timing is asserted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import PATIENCE, ROOT, kg_process

from kgcli.engine import store as stores

#: One evaluation of this rule is a cross product of three type triples, filtered by a test that
#: always fails: about 10^9 rows on the embedded graph (1,112 types) or `_types(1000)`, minutes of
#: native code between two of the engine's checks of the deadline, in flat memory.
SLOW_RULE = """\
# iri: urn:test:rule:slow
# label: slow
# comment: A cross product, whose every row the filter drops.
CONSTRUCT { ?a <urn:test:far> ?c }
WHERE {
  ?a a ?x . ?b a ?y . ?c a ?z .
  FILTER(STRLEN(STR(?x)) + STRLEN(STR(?y)) + STRLEN(STR(?z)) < 0)
}
"""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STOPPED = "kg: error: inference stopped at the timeout (--timeout)\n"


def _types(path: Path, n: int) -> Path:
    path.write_text(
        "".join(f"<urn:test:n{i}> <{RDF_TYPE}> <urn:test:C{i}> .\n" for i in range(n)),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def slow(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding the slow rule (for `--rules DIR`), and data on which it is slow."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.rq").write_text(SLOW_RULE, encoding="utf-8")
    return rules, _types(tmp_path / "types.nt", 1000)


def _stopped(result: subprocess.CompletedProcess[str]) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (3, "", STOPPED)


@pytest.mark.parametrize("where", ["embedded", "data"])
def test_timeout_stops_kg_infer_inside_a_rule_and_writes_no_file(slow, scratch, tmp_path, where):
    rules, data = slow
    target = tmp_path / "derived.ttl"
    source = ["--data", data] if where == "data" else []
    _stopped(
        kg_process(scratch, "infer", *source, "--rules", rules, "--timeout", "1", "-o", target)
    )
    assert not target.exists()
    assert list(scratch.iterdir()) == []


def test_timeout_stops_kg_infer_to_stdout(slow, scratch):
    rules, data = slow
    _stopped(
        kg_process(scratch, "infer", "--data", data, "--rules", rules, "--timeout", "1", "-f", "nt")
    )
    assert list(scratch.iterdir()) == []


def test_timeout_stops_kg_infer_on_a_store_and_adds_no_generation(slow, scratch, tmp_path):
    rules, data = slow
    store = tmp_path / "store"
    loaded = kg_process(scratch, "store", "load", store, data)
    assert loaded.returncode == 0, loaded.stderr
    before = (stores.read_manifest(store), sorted(p.name for p in store.iterdir()))
    _stopped(kg_process(scratch, "infer", "--store", store, "--rules", rules, "--timeout", "1"))
    assert (stores.read_manifest(store), sorted(p.name for p in store.iterdir())) == before
    assert list(scratch.iterdir()) == []


def test_kg_infer_on_a_store_with_a_timeout_it_does_not_reach_derives_as_without(scratch, tmp_path):
    # The child made the generation that its parent had opened (a backup of the current one):
    # RocksDB's threads do not survive a fork, and the child's flush waited for them until the
    # timeout, every time. Now the child makes the backup, the parent opens no store.
    files = sorted([*(ROOT / "ontology").glob("*.ttl"), *(ROOT / "graph").glob("*.ttl")])
    stores_ = [tmp_path / "timed", tmp_path / "untimed"]
    for store in stores_:
        loaded = kg_process(scratch, "store", "load", store, *files)
        assert loaded.returncode == 0, loaded.stderr
    timed = kg_process(scratch, "infer", "--store", stores_[0], "--timeout", "100")
    untimed = kg_process(scratch, "infer", "--store", stores_[1])
    assert timed.returncode == 0, timed.stderr  # without the fix: 3, after 100 s
    assert timed.stderr == untimed.stderr.replace("untimed", "timed")
    timed_names, untimed_names = (sorted(p.name for p in store.iterdir()) for store in stores_)
    assert timed_names == untimed_names
    assert not [name for name in timed_names if name.endswith(".spool")]
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [("query", "-e", "ASK {}"), ("network", "export", "-f", "gexf")],
    ids=["kg query", "kg network export"],
)
def test_timeout_stops_the_closure_behind_infer(slow, scratch, tmp_path, command):
    rules, data = slow
    target = tmp_path / "out"
    args = ("--infer", "--rules", rules, "--data", data, "--timeout", "1", "-o", target)
    _stopped(kg_process(scratch, *command, *args))
    assert not target.exists()
    assert list(scratch.iterdir()) == []


# --- Ctrl-C -------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # "pid (name) state ppid ...": the name may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie is not: it has ended)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "command",
    [
        ("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?x . ?b a ?y . ?c a ?z }"),
        ("infer", "--rules", "RULES"),
    ],
    ids=["kg query", "kg infer"],
)
def test_ctrl_c_kills_the_child_and_exits_130(slow, scratch, command):
    rules, data = slow
    args = [str(rules) if arg == "RULES" else arg for arg in command]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kgcli", *args, "--data", str(data), "--timeout", "60"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: list[int] = []
    try:
        waited = time.monotonic() + PATIENCE
        while not (children := _children(proc.pid)):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < waited, "kg never started its child"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        left = [pid for pid in children if _running(pid)]
        for pid in left:  # an orphan (the bug this tests): stop it, after noting it
            os.kill(pid, signal.SIGKILL)
    assert (proc.returncode, out, err) == (130, "", "kg: interrupted\n")
    assert left == []
    assert list(scratch.iterdir()) == []


# --- one deadline for the whole command ---------------------------------------------------------
# In-process, with the deadline's clock faked: the closure "takes" a set part of the budget (it is
# really computed, untimed), and the test reads the timeout every query was then given.

#: The commands that chain inference and queries, each with a query it runs after the closure.
CHAINS = {
    "kg query": ("query", "-e", "ASK { ?s ?p ?o }", "--infer"),
    "kg info": ("info", "--infer", "-s", "graphs", "-f", "csv"),
    "kg network analyze": ("network", "analyze", "--infer", "-m", "degree", "-f", "csv"),
    "kg network path": ("network", "path", "--infer", "Dr Smile", "Huashan Hospital"),
}


class _Clock:
    """The deadline's clock (`kgcli.engine.deadline.time.monotonic`), moved only by the test."""

    def __init__(self) -> None:
        self.now = 1000.0
        #: How far inference moves the clock.
        self.closure = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def timed(monkeypatch: pytest.MonkeyPatch) -> tuple[_Clock, list[float | None], list[float | None]]:
    """A fake clock; the timeouts inference was given; those each query was given."""
    from types import SimpleNamespace

    from kgcli.engine import deadline, source
    from kgcli.engine.infer import infer

    clock = _Clock()
    monkeypatch.setattr(deadline, "time", SimpleNamespace(monotonic=clock))
    closures: list[float | None] = []
    queries: list[float | None] = []

    def closure(store: object, rules: object, *, timeout: float | None = None, **kw: object):
        closures.append(timeout)
        report = infer(store, rules, **kw)  # type: ignore[arg-type]
        clock.now += clock.closure
        return report

    real = source.LocalSource.query

    def query(self: object, text: object, **kw: object) -> object:
        queries.append(kw.get("timeout"))  # type: ignore[arg-type]
        return real(self, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(source, "infer", closure)
    monkeypatch.setattr(source.LocalSource, "query", query)
    return clock, closures, queries


@pytest.mark.parametrize("command", CHAINS.values(), ids=CHAINS.keys())
def test_the_queries_get_what_inference_left_of_the_timeout(kg, timed, command):
    clock, closures, queries = timed
    clock.closure = 7.5
    result = kg(*command, "--timeout", "10")
    assert result.exit_code == 0, result.output
    assert closures == [10]
    assert queries and set(queries) == {2.5}  # without the fix: 10 each


@pytest.mark.parametrize("command", CHAINS.values(), ids=CHAINS.keys())
def test_a_closure_that_spends_the_timeout_leaves_no_query_run(kg, timed, command):
    clock, closures, queries = timed
    clock.closure = 10.5
    result = kg(*command, "--timeout", "10")
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == "kg: error: query stopped after the 10 s timeout (--timeout)\n"
    assert (closures, queries) == ([10], [])


def test_without_a_timeout_nothing_is_limited(kg, timed):
    clock, closures, queries = timed
    clock.closure = 1e6
    result = kg(*CHAINS["kg query"])
    assert (result.exit_code, result.stdout) == (0, "true")
    assert (closures, queries) == ([None], [None])


@pytest.mark.parametrize(
    "command",
    [
        ("infer", "-f", "nt"),
        ("explain", "<http://example.org/firmA>", "a", "<http://example.org/Firm>"),
    ],
    ids=["kg infer", "kg explain"],
)
def test_inference_gets_what_reading_an_endpoint_left(kg, timed, endpoint, monkeypatch, command):
    from kgcli import engine
    from kgcli.engine import source
    from kgcli.remote.source import RemoteSource

    clock, closures, _ = timed
    monkeypatch.setattr(engine.infer, "infer", source.infer)  # the fixture's closure
    real = RemoteSource.query

    def slow_read(self: object, text: object, **kw: object) -> object:
        clock.now += 4
        return real(self, text, **kw)

    monkeypatch.setattr(RemoteSource, "query", slow_read)
    result = kg(*command, "-E", endpoint, "--timeout", "10")
    assert result.exit_code == 0, result.output
    assert closures == [6]  # without the fix: 10


@pytest.mark.parametrize(
    "command",
    [
        ("query",),
        ("info",),
        ("infer",),
        ("explain",),
        *(("network", name) for name in ("analyze", "path", "export", "draw", "legend")),
    ],
    ids=" ".join,
)
def test_every_command_that_runs_queries_or_inference_takes_a_timeout(kg, command):
    result = kg(*command, "--help")
    assert result.exit_code == 0
    assert "--timeout" in result.stdout
    assert "exit code 3" in result.stdout or "exit 3" in result.stdout
