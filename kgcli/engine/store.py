"""An on-disk store: Oxigraph's RocksDB store, loaded file by file, each load all or nothing.

A store is a folder:

    DIR/kgstore.json    the manifest: the current generation and the files loaded into it
    DIR/g000003/        the current generation, an Oxigraph store (what readers open)
    DIR/g000002/        the one before, kept for readers that opened it before the switch
    DIR/.lock           locked by the one load at work
    DIR/g000003.readers locked (shared) by each reader of g000003
    DIR/g000004.spool/  `kg infer --store`'s temporary files while it makes g000004

Loading a file never writes into the current generation. It makes the next one as a backup of
the current (RocksDB hard-links its immutable files, so this costs milliseconds whatever the
size), removes the file's old graphs there, bulk-loads the file (pyoxigraph's fastest loader,
which on its own is not transactional), and then commits by replacing the manifest atomically.
A kill at any moment leaves the manifest naming either the old generation or the new, complete
one. A parse error or a full disk discards the new generation the same way, so nothing is lost.

A load deletes only what it can prove is a leftover of its own: a name kg makes (a generation
folder, its `.readers` file, the manifest's temporary file, a `.spool` folder) that is neither
the current generation nor the one before, and that no reader holds. A killed load leaves at
most the generation after the current one (in a new folder: `g000001`, and no manifest yet),
and a killed `kg infer` its spool folder too (its temporary files are kept in the store's
folder, not the system's, so that the next load or inference removes them). So a
manifest that breaks its schema, names a generation that is not there, or sits beside later
generations than that, is damaged: loads and readers refuse it, and nothing is deleted.

Readers (`--store DIR`) open the current generation read-only; a folder without a manifest that
holds an Oxigraph store (one `oxigraph load --location DIR` made, say) is opened as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from kgcli.atomic import WRITE_FAILURES, atomic_write, fsync_directory, leftover_pattern
from kgcli.engine import resources
from kgcli.engine.infer import INFERRED_GRAPH, Bounds, InferenceReport, RuleSet, infer_at
from kgcli.engine.load import load_file
from kgcli.errors import InputError, KgError, UsageError
from kgcli.text import cut

MANIFEST = "kgstore.json"
FORMAT = "kgcli-store 1"
_LOCK = ".lock"
_READERS = ".readers"
#: The folder beside a generation that `kg infer` makes it with, for its temporary files.
_SPOOL = ".spool"
_GENERATION_RE = re.compile(r"g([0-9]{6,})")
_MANIFEST_TEMPORARY = leftover_pattern(MANIFEST)
#: The end of every error about a damaged store: the store was left alone, and what to do.
_RECOVER = "nothing was changed (repair kgstore.json, or load the files into a new folder)"
#: How often a reader reads the manifest again when a load removed what it named meanwhile.
_OPEN_ATTEMPTS = 10

#: Called with the number of bytes read since the last call, while a file loads.
Progress = Callable[[int], None]


@dataclass
class StoredFile:
    """A file loaded into the store: where from, the named graphs it filled, what it held."""

    source: str
    graphs: list[str]
    format: str
    triples: int
    bytes: int
    loaded: str  # when, ISO 8601 in UTC


@dataclass
class Manifest:
    """The store's own record: which generation is current, and the files it holds."""

    generation: int = 0
    files: list[StoredFile] = field(default_factory=list)

    @property
    def current(self) -> str | None:
        return _generation_name(self.generation) if self.generation else None

    def to_json(self) -> bytes:
        doc = {"format": FORMAT, "generation": self.generation}
        doc["files"] = [asdict(f) for f in self.files]
        return json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"


def _generation_name(number: int) -> str:
    return f"g{number:06d}"


def _generation_number(name: str) -> int | None:
    """The number of a generation folder's name, if it is a name kg makes (`g000042`)."""
    match = _GENERATION_RE.fullmatch(name)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 and _generation_name(number) == name else None


# --- the manifest's schema ------------------------------------------------------------------


class _Number:
    """A JSON number that is not a whole one (`1.5`, `1e400`, `NaN`), kept as it was written."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Bad(Exception):
    """A manifest value that breaks the schema: the path to it, and what is wrong."""


#: Checks a value found at a path (`files[0].triples`); returns it, or raises `_Bad`.
_Check = Callable[[Any, str], Any]


def _shown(value: Any) -> str:
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False)
    return cut(text, 60)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _expect(what: str, test: Callable[[Any], bool]) -> _Check:
    def check(value: Any, where: str) -> Any:
        if not test(value):
            raise _Bad(f"{where}: expected {what}, found {_shown(value)}")
        return value

    return check


def _list_of(item: _Check) -> _Check:
    def check(value: Any, where: str) -> Any:
        if not isinstance(value, list):
            raise _Bad(f"{where}: expected a list, found {_shown(value)}")
        return [item(entry, f"{where}[{i}]") for i, entry in enumerate(value)]

    return check


def _record(fields: dict[str, _Check]) -> _Check:
    def check(value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            what = f"{where}: expected an object" if where else "expected a JSON object"
            raise _Bad(f"{what}, found {_shown(value)}")
        for key, field_check in fields.items():
            if key not in value:
                raise _Bad(f"{_at(where, key)}: missing")
            field_check(value[key], _at(where, key))
        for key in value:
            if key not in fields:
                raise _Bad(f"{_at(where, key)}: not a field of the manifest")
        return value

    return check


def _whole(low: int) -> _Check:
    # bool is an int to Python, not to JSON; a _Number (1e400, 2.0) is never a count.
    return _expect(f"a whole number, {low} or more", lambda v: type(v) is int and v >= low)


def _is_iri(value: Any) -> bool:
    try:
        ox.NamedNode(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _is_time(value: Any) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and value != ""


#: Every field of the manifest and what it may hold: the one place that says so.
_SCHEMA = _record(
    {
        "format": _expect(json.dumps(FORMAT), lambda v: v == FORMAT),
        "generation": _whole(1),
        "files": _list_of(
            _record(
                {
                    "source": _expect("a file name", _is_name),
                    "graphs": _list_of(_expect("an IRI", _is_iri)),
                    "format": _expect("a format name", _is_name),
                    "triples": _whole(0),
                    "bytes": _whole(0),
                    "loaded": _expect("a date and time (ISO 8601)", _is_time),
                }
            )
        ),
    }
)


def _damaged(where: object, detail: str) -> InputError:
    return InputError(f"{where}: damaged manifest: {detail}; {_RECOVER}")


def _manifest_text(path: Path) -> str | None:
    """The manifest's text, None if there is none; refuses a link, a folder, a device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise _damaged(path, "a symbolic link, expected the store's own file") from None
        raise InputError(f"{path}: cannot read the store's manifest ({err.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _damaged(path, "a folder, expected a file" if stat.S_ISDIR(mode) else "not a file")
    with os.fdopen(fd, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _damaged(path, f"not UTF-8 text (byte {err.start})") from None


def read_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """The manifest of the store at `directory`; an empty one if there is none yet.

    Every field is checked against the schema: a damaged manifest is an `InputError` that
    names the field (`files[0].triples`), never a made-up value.
    """
    path = Path(directory) / MANIFEST
    text = _manifest_text(path)
    if text is None:
        return Manifest()
    try:
        doc = json.loads(text, parse_float=_Number, parse_constant=_Number)
    except json.JSONDecodeError as err:
        raise _damaged(f"{path}:{err.lineno}:{err.colno}", f"not JSON ({err.msg})") from None
    except (ValueError, RecursionError) as err:  # an integer of 5,000 digits, [[[[...]]]]
        raise _damaged(path, f"not JSON ({err or 'nested too deeply'})") from None
    try:
        _SCHEMA(doc, "")
        seen: set[str] = set()
        for i, entry in enumerate(doc["files"]):
            if entry["source"] in seen:
                raise _Bad(f"files[{i}].source: {_shown(entry['source'])} is listed twice")
            seen.add(entry["source"])
    except _Bad as bad:
        raise _damaged(path, str(bad)) from None
    return Manifest(doc["generation"], [StoredFile(**entry) for entry in doc["files"]])


# --- what the folder holds --------------------------------------------------------------------


@dataclass
class _Survey:
    """A store folder's entries: its generation folders, their readers files, and the names
    kg never makes there (which no load touches)."""

    generations: dict[int, Path] = field(default_factory=dict)
    readers: list[Path] = field(default_factory=list)
    spools: list[Path] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def _survey(folder: Path) -> _Survey:
    found = _Survey()
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            is_file = entry.is_file(follow_symlinks=False)
            number = _generation_number(name)
            if number is not None and entry.is_dir(follow_symlinks=False):
                found.generations[number] = Path(entry.path)
            elif (
                name.endswith(_READERS)
                and _generation_number(name[: -len(_READERS)]) is not None
                and is_file
            ):
                found.readers.append(Path(entry.path))
            elif (
                name.endswith(_SPOOL)
                and _generation_number(name[: -len(_SPOOL)]) is not None
                and entry.is_dir(follow_symlinks=False)
            ):
                found.spools.append(Path(entry.path))
            elif name == MANIFEST or (is_file and name == _LOCK):
                pass
            elif is_file and _MANIFEST_TEMPORARY.fullmatch(name):
                pass  # a killed commit's; the next commit removes it (kgcli.atomic)
            else:
                found.foreign.append(name)
    return found


def _names(generations: Sequence[int]) -> str:
    return ", ".join(_generation_name(n) for n in sorted(generations))


def _missing(folder: Path, manifest: Manifest) -> str | None:
    """What is wrong with the generation the manifest names, if anything."""
    if manifest.current is None:
        return None
    current = folder / manifest.current
    if not os.path.lexists(current):
        return f"{current} does not exist"
    if not current.is_dir():
        return f"{current} is not a folder"
    if not (current / "CURRENT").is_file():
        return f"{current} holds no Oxigraph store"
    return None


def _inspect(folder: Path, *, loading: bool) -> Manifest:
    """The manifest of the store at `folder` (empty for a new store), once the folder is known
    to be one that kg can read (and, if `loading`, load into). Deletes nothing: refuses."""
    for _ in range(_OPEN_ATTEMPTS):
        manifest = read_manifest(folder)
        problem = _missing(folder, manifest)
        # Not damage if loads replaced the manifest meanwhile (and removed what it named).
        if problem is None or read_manifest(folder).generation == manifest.generation:
            break
    if problem is not None:
        raise _damaged(folder / MANIFEST, f"generation: {manifest.generation}, but {problem}")
    try:
        survey = _survey(folder)
    except OSError as err:
        raise InputError(f"{folder}: cannot read the store's folder ({err.strerror})") from None
    if manifest.current is not None:
        later = [n for n in survey.generations if n > manifest.generation + 1]
        if loading and later:
            # A killed load leaves one generation past the current, never more: these were
            # committed, by a manifest this one replaced (a restored backup, an edit).
            detail = (
                f"generation: {manifest.generation}, but the folder holds later generations "
                f"({_names(later)})"
            )
            raise _damaged(folder / MANIFEST, detail)
        return manifest
    if (folder / "CURRENT").is_file():
        if loading:
            raise UsageError(
                f"{folder}: an Oxigraph store not made by kg; kg reads it with --store, "
                "but loads only into its own stores (give a new folder)"
            )
        return manifest
    if survey.foreign:
        if loading:
            raise UsageError(f"{folder}: not empty and not a store (give a new folder)")
        raise InputError(f"{folder}: not a store (make one with: kg store load DIR FILE...)")
    if set(survey.generations) - {1}:
        # A first load that was killed leaves g000001 at most: these were committed.
        raise InputError(
            f"{folder}: damaged store: no {MANIFEST} beside generations "
            f"{_names(list(survey.generations))}; {_RECOVER}"
        )
    return manifest  # new, or what a killed first load left (the next load clears it)


def is_store(directory: str | os.PathLike[str]) -> bool:
    """Whether `directory` holds a kgcli store (a manifest) or a bare Oxigraph store."""
    folder = Path(directory)
    return (folder / MANIFEST).is_file() or (folder / "CURRENT").is_file()


def _current(directory: str | os.PathLike[str]) -> tuple[Path, Manifest]:
    """The Oxigraph store a reader opens (the current generation, or a bare store's folder)."""
    folder = Path(directory)
    if not folder.exists():
        raise InputError(f"{directory}: no such store (make one with: kg store load DIR FILE...)")
    if not folder.is_dir():
        raise InputError(f"{directory}: is a file, expected a store folder")
    manifest = _inspect(folder, loading=False)
    if manifest.current is not None:
        return folder / manifest.current, manifest
    if (folder / "CURRENT").is_file():
        return folder, manifest  # a bare Oxigraph store
    # New, or what a first load that failed or was killed leaves.
    raise InputError(f"{directory}: an empty store, nothing loaded yet (kg store load DIR FILE...)")


def store_path(directory: str | os.PathLike[str]) -> Path:
    """The Oxigraph store a reader opens: the current generation, or the folder itself."""
    return _current(directory)[0]


# --- readers ---------------------------------------------------------------------------------

#: The reader lock (a descriptor) of each store opened (by `id`), until `close_store` or exit.
_HELD: dict[int, int] = {}


def _readers_file(generation: Path) -> Path:
    return generation.with_name(generation.name + _READERS)


def _reader_lock(generation: Path) -> int | None:
    """A shared lock on `generation`, which loads then leave in place; None where none can be
    taken because the folder is not writable (a shared or read-only store: read it anyway)."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(_readers_file(generation), flags, 0o666)
    except OSError as err:
        if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return None
        raise KgError(f"{_readers_file(generation)}: cannot lock ({err.strerror})") from None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _open(directory: str | os.PathLike[str]) -> tuple[ox.Store, Path, Manifest]:
    """Open the store read-only: (the store, the generation it reads, the manifest naming it)."""
    for _ in range(_OPEN_ATTEMPTS):
        path, manifest = _current(directory)
        lock = _reader_lock(path) if manifest.current is not None else None
        if lock is not None and not (path / "CURRENT").is_file():
            # A load replaced the manifest and removed this generation before we locked it.
            os.close(lock)
            continue
        try:
            opened = ox.Store.read_only(str(path))
        except OSError as err:
            if lock is not None:
                os.close(lock)
            raise KgError(f"{directory}: cannot open the store: {err}") from None
        if lock is not None:
            _HELD[id(opened)] = lock
        return opened, path, manifest
    raise KgError(f"{directory}: loads kept replacing the store while it opened; try again")


def open_store(directory: str | os.PathLike[str]) -> ox.Store:
    """Open the store at `directory` read-only.

    Until `close_store` (or exit) the process holds a shared lock on the generation it opened,
    so that a later load does not remove it from under a reader that runs long (`kg serve`).
    """
    return _open(directory)[0]


def close_store(opened: ox.Store) -> None:
    """Let later loads remove the generation `opened` reads (drop the store after this)."""
    lock = _HELD.pop(id(opened), None)
    if lock is not None:
        os.close(lock)


# --- loads -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the store's write lock: one loader at a time (readers need none)."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(folder / _LOCK, flags, 0o666)
    except OSError as err:
        raise InputError(f"{folder / _LOCK}: cannot lock the store ({err.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KgError(
                f"{folder}: another process is loading this store; try again later"
            ) from None
        yield
    finally:
        os.close(fd)  # the lock goes with it (and with the process, if it is killed)


def _prepare(directory: str | os.PathLike[str]) -> Path:
    """The store folder, made if missing; refuses a folder that holds something else."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{directory}: is a file, expected a store folder")
    if folder.is_dir():
        _inspect(folder, loading=True)  # before the lock file: nothing made in a wrong folder
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fsync_directory(folder.parent)  # a store that a power cut cannot unmake
    except OSError as err:
        raise InputError(f"{directory}: cannot make the store folder ({err.strerror})") from None
    return folder


def _remove_unheld(generation: Path) -> None:
    """Remove a generation folder and its readers file, unless a reader holds it."""
    readers = _readers_file(generation)
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(readers, flags, 0o666)
    except OSError:
        return  # cannot tell whether a reader holds it: leave it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a reader still has it open: the next load will try again
        shutil.rmtree(generation, ignore_errors=True)
        if not os.path.lexists(generation):
            readers.unlink(missing_ok=True)
    finally:
        os.close(fd)


def _remove_debris(folder: Path, manifest: Manifest) -> None:
    """Remove generations that are neither current nor the one before (an interrupted load's
    half-made generation, or ones no reader can still be using), orphaned readers files, and
    spool folders (called under the store's lock: no inference is at work)."""
    keep = {n for n in (manifest.generation, manifest.generation - 1) if n > 0}
    with contextlib.suppress(OSError):  # cleaning is best effort: the next load tries again
        survey = _survey(folder)
        for number, generation in survey.generations.items():
            if number not in keep:
                _remove_unheld(generation)
        for readers in survey.readers:
            generation = readers.with_name(readers.name[: -len(_READERS)])
            if not os.path.lexists(generation):
                _remove_unheld(generation)
        for spool in survey.spools:
            shutil.rmtree(spool, ignore_errors=True)


def _failed(folder: Path, path: str, err: OSError) -> KgError:
    """A load the file system failed (a full disk, say), as one line."""
    text = " ".join(str(err).split())
    if err.errno is not None:
        reason: str | None = os.strerror(err.errno)
    else:  # the engine's errors carry the system's words, not the number
        words = (os.strerror(code) for code in sorted(WRITE_FAILURES))
        reason = next((w for w in words if w in text), None)
    what = f"{reason[0].lower()}{reason[1:]}" if reason else f"the store failed ({text})"
    return KgError(
        f"{folder}: {what} while loading {path}; the store is as it was before that file"
    )


class _Counting:
    """A binary file that reports how many bytes have been read from it (for a progress bar)."""

    def __init__(self, handle: BinaryIO, progress: Progress) -> None:
        self._handle = handle
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._progress(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)  # type: ignore[attr-defined]
        self._progress(count or 0)
        return count or 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _number(store: ox.Store, text: str) -> int:
    """The one number a COUNT query answers."""
    answer = store.query(text)
    assert isinstance(answer, ox.QuerySolutions)
    (row,) = answer
    value = row[0]
    return int(value.value) if isinstance(value, ox.Literal) else 0


def _count(store: ox.Store, graphs: Sequence[str]) -> int:
    total = 0
    for graph in graphs:
        total += _number(
            store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
    return total


def _committed(folder: Path) -> int | None:
    """The generation the manifest names now; None if that cannot be read."""
    try:
        return read_manifest(folder).generation
    except KgError:
        return None


def _load_one(
    folder: Path,
    manifest: Manifest,
    path: str,
    *,
    graph: str | None,
    source: str,
    data_format: str | None,
    progress: Progress | None,
) -> Manifest:
    """Load one file as a new generation and commit it; return the new manifest."""
    number = manifest.generation + 1
    target = folder / _generation_name(number)
    if os.path.lexists(target):  # what debris removal left: a reader's, or not kg's
        raise InputError(
            f"{target}: in the way of the store's next generation and not provably a leftover "
            "of kg's own; nothing was changed (move it out of the store's folder)"
        )
    old = next((f for f in manifest.files if f.source == source), None)
    try:
        try:
            if manifest.current is not None:
                current = ox.Store.read_only(str(folder / manifest.current))
                current.backup(str(target))
                del current
            store = ox.Store(str(target))
            if old is not None:
                for name in old.graphs:
                    store.remove_graph(ox.NamedNode(name))
            # What `kg infer` derived from the old graphs may not hold with the new: it goes.
            store.remove_graph(ox.NamedNode(INFERRED_GRAPH))
            before = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
            wrap = (lambda handle: _Counting(handle, progress)) if progress else None
            loaded = load_file(
                store, path, data_format=data_format, graph=graph, bulk=True, wrap=wrap
            )
            after = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
            # The file's own graph, and in TriG or N-Quads the graphs it named that were new.
            graphs = sorted((after - before) | ({loaded.graph} & after))
            entry = StoredFile(
                source=source,
                graphs=graphs,
                format=loaded.format,
                triples=_count(store, graphs),
                bytes=os.path.getsize(path),
                loaded=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            )
            store.flush()
            del store
            fsync_directory(folder)  # the new generation's name, before the manifest gives it
        except OSError as err:
            raise _failed(folder, path, err) from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    # A file loaded again keeps its place in the list; the derived graph is gone (above).
    files = [
        entry if f.source == source else f for f in manifest.files if f.source != INFERRED_SOURCE
    ]
    if old is None:
        files.append(entry)
    done = Manifest(number, files)
    try:
        with atomic_write(folder / MANIFEST) as out:  # the commit
            out.write(done.to_json())
    except BaseException:
        if _committed(folder) == manifest.generation:  # provably not committed
            shutil.rmtree(target, ignore_errors=True)
        raise
    _remove_debris(folder, done)
    return done


def load(
    directory: str | os.PathLike[str],
    paths: Sequence[str],
    *,
    data_format: str | None = None,
    with_embedded: bool = False,
    progress: Progress | None = None,
    on_file: Callable[[str, int], None] | None = None,
    on_loaded: Callable[[StoredFile], None] | None = None,
) -> list[StoredFile]:
    """Load files into the store at `directory` (made if missing), one transaction per file.

    Each file fills its own named graph (its `file:` URI; the embedded graph's files their
    stable names), so loading a file again replaces what it loaded before. `on_file` is told
    each file's name and size before it loads; `progress` the bytes read as it does;
    `on_loaded` each file's entry once it is committed (so a later file's failure cannot hide
    what was loaded before it).
    """
    if "-" in paths:
        raise UsageError("kg store load reads files, not stdin: save it to a file first")
    jobs: list[tuple[str, str | None, str]] = []  # (path, graph, source)
    if with_embedded:
        for found in resources.embedded_files():
            name = f"{found.parent.name}/{found.name}"
            jobs.append((str(found), resources.embedded_graph_name(found), f"embedded:{name}"))
    for path in paths:
        jobs.append((path, None, str(Path(path).resolve())))
    if not jobs:
        raise UsageError("name the files to load: kg store load DIR FILE...")
    for path, _, _ in jobs:  # every file checked before any is loaded
        if Path(path).is_dir():
            raise InputError(f"{path}: is a directory, expected an RDF file")
        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
    folder = _prepare(directory)
    with _locked(folder):
        # Again, under the lock: another load may have changed the store since.
        manifest = _inspect(folder, loading=True)
        _remove_debris(folder, manifest)
        for path, graph, source in jobs:
            if on_file is not None:
                on_file(path, os.path.getsize(path))
            manifest = _load_one(
                folder,
                manifest,
                path,
                graph=graph,
                source=source,
                data_format=data_format,
                progress=progress,
            )
            if on_loaded is not None:
                on_loaded(next(f for f in manifest.files if f.source == source))
    return manifest.files


#: The manifest's entry for the derived graph that `kg infer --store` writes (not a file).
INFERRED_SOURCE = "kg infer"


def infer(
    directory: str | os.PathLike[str],
    rules: RuleSet,
    *,
    bounds: Bounds | None = None,
    timeout: float | None = None,
) -> InferenceReport:
    """Derive the closure of the store's stated graphs into `kgg:inferred` of a new generation.

    As a load: the new generation is a backup of the current one, the derived triples are bulk
    loaded into it, and the manifest's atomic replacement commits it; a failure (a bound, the
    timeout, a full disk) leaves the store as it was. Stated graphs are read, never written.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"{directory}: no such store folder")
    with _locked(folder):
        manifest = _inspect(folder, loading=True)
        if manifest.current is None:
            raise InputError(f"{directory}: the store is empty (kg store load {directory} FILE)")
        _remove_debris(folder, manifest)
        number = manifest.generation + 1
        target = folder / _generation_name(number)
        if os.path.lexists(target):
            raise InputError(
                f"{target}: in the way of the store's next generation and not provably a "
                "leftover of kg's own; nothing was changed (move it out of the store's folder)"
            )
        # The temporary files beside the generation, not in the system's folder: a kill leaves
        # them where the next load or inference removes them (`_remove_debris`).
        spool = folder / f"{target.name}{_SPOOL}"
        try:
            try:
                spool.mkdir()
                # With a timeout, a child makes the generation (a backup of the current one)
                # and writes it, killed at the deadline even inside one rule's evaluation; the
                # generation is then removed.
                report = infer_at(
                    str(target),
                    rules,
                    bounds=bounds,
                    timeout=timeout,
                    scratch=str(spool),
                    copy_of=str(folder / manifest.current),
                )
                fsync_directory(folder)
            except OSError as err:
                raise _failed(folder, "the derived triples", err) from None
            finally:
                shutil.rmtree(spool, ignore_errors=True)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        entry = StoredFile(
            source=INFERRED_SOURCE,
            graphs=[INFERRED_GRAPH],
            format=f"derived ({report.rules})",
            triples=report.derived,
            bytes=0,
            loaded=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        )
        files = [f for f in manifest.files if f.source != INFERRED_SOURCE] + [entry]
        done = Manifest(number, files)
        try:
            with atomic_write(folder / MANIFEST) as out:  # the commit
                out.write(done.to_json())
        except BaseException:
            if _committed(folder) == manifest.generation:  # provably not committed
                shutil.rmtree(target, ignore_errors=True)
            raise
        _remove_debris(folder, done)
    return report


@dataclass
class StoreInfo:
    """What `kg store info` reports."""

    path: str
    generation: int
    bytes_on_disk: int
    triples: int
    files: list[StoredFile]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "generation": self.generation,
            "bytesOnDisk": self.bytes_on_disk,
            "triples": self.triples,
            "files": [asdict(f) for f in self.files],
        }


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def store_info(directory: str | os.PathLike[str]) -> StoreInfo:
    """The store's generation, size on disk, triple count and files."""
    store, path, manifest = _open(directory)  # one manifest, and the generation it names
    try:
        named = _number(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        default = _number(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        size = _size(path)
    finally:
        close_store(store)
    return StoreInfo(
        path=str(Path(directory)),
        generation=manifest.generation,
        bytes_on_disk=size,
        triples=named + default,
        files=manifest.files,
    )


def graph_sources(directory: str | os.PathLike[str]) -> dict[str, str]:
    """named graph -> the file it was loaded from, for `kg info` on a store."""
    sources = {}
    for entry in read_manifest(directory).files:
        for graph in entry.graphs:
            sources[graph] = entry.source
    return sources


__all__ = [
    "INFERRED_SOURCE",
    "MANIFEST",
    "Manifest",
    "StoreInfo",
    "StoredFile",
    "close_store",
    "graph_sources",
    "infer",
    "is_store",
    "load",
    "open_store",
    "read_manifest",
    "store_info",
    "store_path",
]
