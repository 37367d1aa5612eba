"""Stores never lose data (issue #12): a damaged manifest is refused, deleting nothing; what a
killed load leaves (at any of its steps) is recovered by the next; a full disk is one line."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import MINI, ROOT, TESTS

from kgcli.engine import store as stores

HERE = TESTS
STEPS = Path(__file__).parent / "store_steps.py"
HINT = "kg store load DIR FILE..."
RECOVER = "nothing was changed (repair kgstore.json, or load the files into a new folder)"


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def snapshot(folder: Path) -> dict[str, object]:
    """Everything under `folder`: each file's bytes, each link's target, each folder."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_dir():
            found[name] = "folder"
        else:
            found[name] = path.read_bytes()
    return found


def run_steps(*args: str) -> subprocess.CompletedProcess[str]:
    """`store_steps.py ARGS`: a load that kills itself before a given step (see that file)."""
    return subprocess.run(
        [sys.executable, str(STEPS), *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store that loaded mini.ttl twice: generations 1 and 2, 21 triples."""
    folder = tmp_path / "db"
    stores.load(folder, [str(MINI)])
    stores.load(folder, [str(MINI)])
    assert listing(folder) == [".lock", "g000001", "g000002", "kgstore.json"]
    return folder


def refused_everywhere(kg, db: Path, line: str) -> None:
    """Loads and every reader refuse the store with `line` (exit 2), and delete nothing."""
    before = snapshot(db)
    for args in (
        ("store", "load", str(db), str(MINI)),
        ("store", "info", str(db)),
        ("query", "-S", str(db), "-e", "ASK {}"),
    ):
        result = kg(*args)
        assert (result.exit_code, result.stderr) == (2, f"kg: error: {line}\n"), args
    assert snapshot(db) == before


# --- a damaged manifest is refused, and nothing is deleted ----------------------------------------


@pytest.mark.parametrize("generation", ["999", "-5"])
def test_a_manifest_naming_no_generation_deletes_nothing(kg, db, generation):
    manifest = db / "kgstore.json"
    good = manifest.read_text(encoding="utf-8")
    manifest.write_text(good.replace('"generation": 2', f'"generation": {generation}'))
    if generation == "999":
        detail = f"generation: 999, but {db / 'g000999'} does not exist"
    else:
        detail = "generation: expected a whole number, 1 or more, found -5"
    refused_everywhere(kg, db, f"{manifest}: damaged manifest: {detail}; {RECOVER}")
    manifest.write_text(good, encoding="utf-8")  # the repair the message asks for
    result = kg("store", "info", str(db), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["triples"] == 21


def _edit(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(db: Path) -> None:
        doc = json.loads((db / "kgstore.json").read_text(encoding="utf-8"))
        change(doc)
        (db / "kgstore.json").write_text(json.dumps(doc), encoding="utf-8")

    return edit


def _text(text: str | bytes) -> Callable[[Path], None]:
    def edit(db: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (db / "kgstore.json").write_bytes(data)

    return edit


def _raw(old: str, new: str) -> Callable[[Path], None]:
    """Replace text in the manifest (for numbers json.dumps cannot write: 1e400, NaN)."""

    def edit(db: Path) -> None:
        manifest = db / "kgstore.json"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new))

    return edit


def _link(db: Path) -> None:
    manifest = db / "kgstore.json"
    saved = db.parent / "saved.json"
    manifest.rename(saved)
    manifest.symlink_to(saved)


def _folder(db: Path) -> None:
    (db / "kgstore.json").unlink()
    (db / "kgstore.json").mkdir()


def _generation_is_a_file(db: Path) -> None:
    shutil.rmtree(db / "g000002")
    (db / "g000002").write_text("not a store", encoding="utf-8")


def _generation_is_empty(db: Path) -> None:
    shutil.rmtree(db / "g000002")
    (db / "g000002").mkdir()


def _twice(doc: dict) -> None:
    doc["files"].append(dict(doc["files"][0]))


DAMAGED = [
    ("1e400", _raw('"generation": 2', '"generation": 1e400'),
     "{m}: damaged manifest: generation: expected a whole number, 1 or more, found 1e400"),
    ("NaN", _raw('"triples": 21', '"triples": NaN'),
     "{m}: damaged manifest: files[0].triples: expected a whole number, 0 or more, found NaN"),
    ("a graph that is an object", _edit(lambda d: d["files"][0]["graphs"].insert(0, {})),
     "{m}: damaged manifest: files[0].graphs[0]: expected an IRI, found an object"),
    ("a graph that is no IRI", _edit(lambda d: d["files"][0]["graphs"].append("a b")),
     '{m}: damaged manifest: files[0].graphs[1]: expected an IRI, found "a b"'),
    ("a string for a count", _edit(lambda d: d["files"][0].update(triples="lots")),
     '{m}: damaged manifest: files[0].triples: expected a whole number, 0 or more, found "lots"'),
    ("true for a count", _edit(lambda d: d["files"][0].update(bytes=True)),
     "{m}: damaged manifest: files[0].bytes: expected a whole number, 0 or more, found true"),
    ("a negative count", _edit(lambda d: d["files"][0].update(triples=-1)),
     "{m}: damaged manifest: files[0].triples: expected a whole number, 0 or more, found -1"),
    ("a generation in a string", _edit(lambda d: d.update(generation="2")),
     '{m}: damaged manifest: generation: expected a whole number, 1 or more, found "2"'),
    ("no date", _edit(lambda d: d["files"][0].update(loaded="yesterday")),
     '{m}: damaged manifest: files[0].loaded: expected a date and time (ISO 8601), '
     'found "yesterday"'),
    ("files not a list", _edit(lambda d: d.update(files={})),
     "{m}: damaged manifest: files: expected a list, found an object"),
    ("a missing key", _edit(lambda d: d["files"][0].pop("source")),
     "{m}: damaged manifest: files[0].source: missing"),
    ("an extra key", _edit(lambda d: d["files"][0].update(size=1)),
     "{m}: damaged manifest: files[0].size: not a field of the manifest"),
    ("an extra top-level key", _edit(lambda d: d.update(comment="mine")),
     "{m}: damaged manifest: comment: not a field of the manifest"),
    ("another format", _edit(lambda d: d.update(format="kgcli-store 2")),
     '{m}: damaged manifest: format: expected "kgcli-store 1", found "kgcli-store 2"'),
    ("a file listed twice", _edit(_twice),
     f'{{m}}: damaged manifest: files[1].source: "{MINI}" is listed twice'),
    ("not JSON", _text('{"format": "kgcli-store 1",\n  generation: 2}'),
     "{m}:2:3: damaged manifest: not JSON (Expecting property name enclosed in double quotes)"),
    ("empty", _text(""), "{m}:1:1: damaged manifest: not JSON (Expecting value)"),
    ("a list", _text("[]"), "{m}: damaged manifest: expected a JSON object, found a list"),
    ("null", _text("null"), "{m}: damaged manifest: expected a JSON object, found null"),
    ("not UTF-8", _text(b'{"format": "\xff"}'), "{m}: damaged manifest: not UTF-8 text (byte 12)"),
    ("a symbolic link", _link,
     "{m}: damaged manifest: a symbolic link, expected the store's own file"),
    ("a folder", _folder, "{m}: damaged manifest: a folder, expected a file"),
    ("a generation that is a file", _generation_is_a_file,
     "{m}: damaged manifest: generation: 2, but {db}/g000002 is not a folder"),
    ("a generation that holds no store", _generation_is_empty,
     "{m}: damaged manifest: generation: 2, but {db}/g000002 holds no Oxigraph store"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "line"), [c[1:] for c in DAMAGED], ids=[c[0] for c in DAMAGED])
def test_a_damaged_manifest_is_one_line_naming_the_field_and_nothing_is_deleted(kg, db, edit, line):
    edit(db)
    expected = line.format(m=db / "kgstore.json", db=db)
    refused_everywhere(kg, db, f"{expected}; {RECOVER}")


def test_kg_serve_refuses_a_damaged_store_before_it_listens(db):
    manifest = db / "kgstore.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"triples": 21', '"triples": "lots"')
    )
    done = subprocess.run(
        [sys.executable, "-m", "kgcli", "serve", "--port", "0", "-S", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    detail = 'files[0].triples: expected a whole number, 0 or more, found "lots"'
    assert (done.returncode, done.stderr) == (
        2,
        f"kg: error: {manifest}: damaged manifest: {detail}; {RECOVER}\n",
    )


def test_a_load_deletes_nothing_it_cannot_prove_is_its_own_leftover(kg, db, tmp_path):
    # Things kg never makes in a store's folder are left alone, whatever their names.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_text("mine", encoding="utf-8")
    (db / "notes.txt").write_text("mine", encoding="utf-8")
    (db / "g000005").symlink_to(elsewhere)
    result = kg("store", "load", str(db), str(MINI))
    assert result.exit_code == 0, result.output
    assert listing(db) == [".lock", "g000002", "g000003", "g000005", "kgstore.json", "notes.txt"]
    assert (db / "g000005" / "mine.txt").read_text(encoding="utf-8") == "mine"
    # A file where the next generation goes: refused, not removed.
    (db / "g000004").write_text("mine", encoding="utf-8")
    before = snapshot(db)
    result = kg("store", "load", str(db), str(MINI))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {db / 'g000004'}: in the way of the store's next generation and not "
        "provably a leftover of kg's own; nothing was changed (move it out of the store's "
        "folder)\n",
    )
    assert snapshot(db) == before
    (db / "g000004").unlink()
    (db / "g000005").unlink()
    # An older manifest put back (a backup): the later generations it does not know were
    # committed, not left by a killed load (which leaves one past the current at most).
    older = (db / "kgstore.json").read_bytes()
    stores.load(db, [str(MINI)])
    stores.load(db, [str(MINI)])
    assert listing(db)[1:3] == ["g000004", "g000005"]
    shutil.copytree(db / "g000004", db / "g000003")
    (db / "kgstore.json").write_bytes(older)
    before = snapshot(db)
    result = kg("store", "load", str(db), str(MINI))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {db / 'kgstore.json'}: damaged manifest: generation: 3, but the folder "
        f"holds later generations (g000005); {RECOVER}\n",
    )
    assert snapshot(db) == before
    assert kg("store", "info", str(db)).exit_code == 0  # readers read what it names
    # A manifest lost beside generations it had committed: refused, by loads and readers.
    (db / "kgstore.json").unlink()
    (db / "notes.txt").unlink()
    line = (
        f"{db}: damaged store: no kgstore.json beside generations g000003, g000004, "
        f"g000005; {RECOVER}"
    )
    refused_everywhere(kg, db, line)


# --- what a killed load leaves, the next load recovers ----------------------------------------


def test_a_killed_first_load_is_recovered_by_the_next(kg, tmp_path):
    db = tmp_path / "db"
    # Killed just before its commit: a whole generation, the manifest's temporary file, a lock.
    killed = run_steps("replace", str(db), str(MINI))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    names = listing(db)
    assert names[1:] == [".lock", "g000001"] and names[0].startswith(".kgstore.json.")
    result = kg("store", "info", str(db))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {db}: an empty store, nothing loaded yet (kg store load DIR FILE...)\n",
    )
    result = kg("store", "load", str(db), str(MINI))
    assert (result.exit_code, result.stderr) == (
        0,
        f"kg: loaded {MINI}: 21 triples\nkg: {db} holds 1 files, 21 triples\n",
    )
    assert listing(db) == [".lock", "g000001", "kgstore.json"]
    assert stores.store_info(db).triples == 21


def test_a_second_first_load_is_told_another_load_is_running(kg, tmp_path):
    db = tmp_path / "db"
    first = subprocess.Popen(
        [sys.executable, str(STEPS), "--stop", "bulk_load", str(db), str(MINI)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, status = os.waitpid(first.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)  # caught at work: its lock held, its generation begun
        assert listing(db) == [".lock", "g000001"]
        result = kg("store", "load", str(db), str(MINI))
        assert (result.exit_code, result.stderr) == (
            1,
            f"kg: error: {db}: another process is loading this store; try again later\n",
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(first.pid, signal.SIGCONT)
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert stores.store_info(db).triples == 21


def _count_then_kill_at_every_step(
    kg: Callable[..., Any],
    make: Callable[[Path], None],
    data: Path,
    before: int | None,
    after: int,
    folder: Path,
) -> dict[str, int]:
    """Kill a load of `data` into a store `make` makes, before each of its steps in turn; each
    time a reader sees the store as it was (`before` triples, None: empty) or as the load made
    it (`after`), and the next load recovers: it succeeds and leaves no debris."""
    folder.mkdir()
    scratch = folder / "scratch"
    make(scratch)
    whole = run_steps("0", str(scratch), str(data))
    assert whole.returncode == 0, whole.stderr
    outcomes = {"before": 0, "after": 0}
    for step in range(1, int(whole.stdout) + 1):
        db = folder / f"step{step}"
        make(db)
        killed = run_steps(str(step), str(db), str(data))
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr)
        result = kg("store", "info", str(db), "-f", "json")
        if result.exit_code == 0:
            seen = json.loads(result.stdout)
            assert seen["triples"] in (before, after), step
            # The manifest agrees with the generation it names.
            assert [f["triples"] for f in seen["files"]] == [seen["triples"]], step
            outcomes["after" if seen["triples"] == after else "before"] += 1
        else:
            assert before is None, (step, result.stderr)
            # Killed before it made the folder, or before its first commit.
            assert result.stderr in (
                f"kg: error: {db}: no such store (make one with: {HINT})\n",
                f"kg: error: {db}: an empty store, nothing loaded yet ({HINT})\n",
            ), step
            outcomes["before"] += 1
        result = kg("store", "load", str(db), str(data))
        assert (result.exit_code, result.stderr) == (
            0,
            f"kg: loaded {data}: {after} triples\nkg: {db} holds 1 files, {after} triples\n",
        ), step
        current = stores.read_manifest(db).generation
        generations = [f"g{n:06d}" for n in (current - 1, current) if n > 0]
        # Readers leave their lock files beside the generations they read (kept: they share).
        left = [n for n in listing(db) if n.removesuffix(".readers") not in generations]
        assert left == [".lock", "kgstore.json"], step
        assert [n for n in listing(db) if n.startswith("g0")] == sorted(
            generations + [f"{g}.readers" for g in generations if (db / f"{g}.readers").exists()]
        ), step
        assert stores.store_info(db).triples == after
        shutil.rmtree(db)
    return outcomes


@pytest.mark.slow
def test_a_load_killed_before_any_of_its_steps_is_recovered_by_the_next(kg, tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text("<urn:a> <urn:p> 1, 2, 3 .\n", encoding="utf-8")

    def new(db: Path) -> None:
        pass

    first = _count_then_kill_at_every_step(kg, new, data, None, 3, tmp_path / "first")
    # A store at generation 2 (and 1 kept), whose file changes: a reload that replaces it.
    template = tmp_path / "template"
    stores.load(template, [str(data)])
    stores.load(template, [str(data)])
    data.write_text("<urn:a> <urn:p> 1, 2, 3, 4, 5 .\n", encoding="utf-8")

    def loaded(db: Path) -> None:
        shutil.copytree(template, db, symlinks=True)

    reload = _count_then_kill_at_every_step(kg, loaded, data, 3, 5, tmp_path / "reload")
    # A first load's commit is its last step; a reload's is followed by the removal of the
    # generation before the previous one: kills fell on both sides of it.
    assert first["before"] and reload["before"] and reload["after"], (first, reload)


# --- kg infer --store keeps its temporary files in the store, where the next run removes them ---


def test_kg_infer_spools_in_the_store_s_folder_not_the_system_s(db, monkeypatch):
    # Without a timeout (with one, the child's spool is in a folder made there too; that run
    # is tested in processes: tests/cli/test_cli_infer_timeout.py).
    import tempfile
    from types import SimpleNamespace

    from kgcli.engine.infer import sink

    made: list[str | None] = []

    def spool(**options: Any) -> Any:
        made.append(options.get("dir"))
        return tempfile.NamedTemporaryFile(**options)

    monkeypatch.setattr(sink, "tempfile", SimpleNamespace(NamedTemporaryFile=spool))
    stores.infer(db, stores_rules())
    assert made == [str(db / "g000003.spool")]  # without the fix: [None], the system's folder
    assert listing(db) == [".lock", "g000002", "g000003", "kgstore.json"]


@pytest.mark.parametrize(
    "command",
    [("infer", "--rules", "rdfs", "--store"), ("store", "load")],
    ids=["kg infer", "kg store load"],
)
def test_a_killed_inference_s_spool_is_removed_by_the_next_run(kg, db, command):
    # What `kg infer --store` killed while spooling leaves: the half-made generation, its spool.
    stores.infer(db, stores_rules())
    shutil.copytree(db / "g000003", db / "g000004")
    (db / "g000004.spool").mkdir()
    (db / "g000004.spool" / "kg-infer-x1y2z3.nt").write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    assert stores.store_info(db).triples == 21  # readers are not troubled by it
    args = [*command, str(db)] + ([str(MINI)] if command[0] == "store" else [])
    result = kg(*args)
    assert result.exit_code == 0, result.output
    # Without the fix: g000004.spool stays, a name kg would never remove.
    assert listing(db) == [".lock", "g000003", "g000003.readers", "g000004", "kgstore.json"]
    assert stores.store_info(db).triples == 21


def stores_rules() -> Any:
    from kgcli.engine.infer import rule_set

    return rule_set(["rdfs"])


# --- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """2*10^4 triples (3 MB of N-Triples), from the benchmark generator."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    path = tmp_path / "city.nt"
    with path.open("w", encoding="utf-8") as out:
        generate.write(out, 20_000, 3)
    return path


def _limit_file_size() -> None:
    # Python ignores SIGXFSZ, so writes past the limit fail with EFBIG, as on a full disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (500_000, resource.RLIM_INFINITY))


def test_a_load_that_cannot_write_is_one_line_and_the_store_stays(city, tmp_path):
    db = tmp_path / "db"
    stores.load(db, [str(MINI)])
    before = snapshot(db)
    done = subprocess.run(
        [sys.executable, "-m", "kgcli", "store", "load", str(db), str(city)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"kg: error: {db}: file too large while loading {city}; "
        "the store is as it was before that file\n",
    )
    assert snapshot(db) == before
    assert stores.store_info(db).triples == 21


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system of its own (tmpfs) that a load fills up; mounting it needs root."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command to make a small file system with")
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=2m", "kgcli-test", str(disk)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.root
def test_a_load_that_fills_the_disk_is_one_line_and_the_store_stays(small_disk, city):
    db = small_disk / "db"
    stores.load(db, [str(MINI)])
    before = snapshot(db)
    done = subprocess.run(
        [sys.executable, "-m", "kgcli", "store", "load", str(db), str(city)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"kg: error: {db}: no space left on device while loading {city}; "
        "the store is as it was before that file\n",
    )
    assert snapshot(db) == before  # the half-made generation is gone: the space is free again
    assert stores.store_info(db).triples == 21
