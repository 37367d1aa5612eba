"""An on-disk store: Oxigraph's RocksDB store, loaded file by file, each load all or nothing.

A store is a folder:

    DIR/kgstore.json    the manifest: the current generation and the files loaded into it
    DIR/g000003/        the current generation, an Oxigraph store (what readers open)
    DIR/g000002/        the one before, kept for readers that opened it before the switch

Loading a file never writes into the current generation. It makes the next one as a backup of
the current (RocksDB hard-links its immutable files, so this costs milliseconds whatever the
size), removes the file's old graphs there, bulk-loads the file (pyoxigraph's fastest loader,
which on its own is not transactional), and then commits by replacing the manifest atomically.
A kill at any moment leaves the manifest naming either the old generation or the new, complete
one; a generation the manifest does not name is debris of an interrupted load, removed by the
next. A parse error discards the new generation the same way, so nothing is lost either.

Readers (`--store DIR`) open the current generation read-only; a folder without a manifest that
holds an Oxigraph store (one `oxigraph load --location DIR` made, say) is opened as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from kgcli import resources
from kgcli.atomic import atomic_write
from kgcli.errors import InputError, KgError, UsageError
from kgcli.load import file_graph_name, load_file

MANIFEST = "kgstore.json"
FORMAT = "kgcli-store 1"
_LOCK = ".lock"
_GENERATION_RE = re.compile(r"g[0-9]{6}")

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
        doc["files"] = [asdict(f) for f in self.files]  # type: ignore[assignment]
        return json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"


def _generation_name(number: int) -> str:
    return f"g{number:06d}"


def is_store(directory: str | os.PathLike[str]) -> bool:
    """Whether `directory` holds a kgcli store (a manifest) or a bare Oxigraph store."""
    folder = Path(directory)
    return (folder / MANIFEST).is_file() or (folder / "CURRENT").is_file()


def read_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """The manifest of the store at `directory`; an empty one if there is none yet."""
    path = Path(directory) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError, RecursionError) as err:  # RecursionError: nested past reason
        raise InputError(f"{path}: not a kgcli store manifest ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"{path}: not a kgcli store manifest (expected format {FORMAT!r})")
    try:
        files = [StoredFile(**entry) for entry in doc["files"]]
        return Manifest(int(doc["generation"]), files)
    except KeyError as err:
        raise InputError(f"{path}: damaged manifest (no {err.args[0]!r})") from None
    except (TypeError, ValueError) as err:
        raise InputError(f"{path}: damaged manifest ({err})") from None


def store_path(directory: str | os.PathLike[str]) -> Path:
    """The Oxigraph store a reader opens: the current generation, or the folder itself."""
    folder = Path(directory)
    if not folder.exists():
        raise InputError(f"{directory}: no such store (make one with: kg store load DIR FILE...)")
    if not folder.is_dir():
        raise InputError(f"{directory}: is a file, expected a store folder")
    manifest = read_manifest(folder)
    if manifest.current is not None:
        return folder / manifest.current
    if (folder / "CURRENT").is_file():
        return folder  # a bare Oxigraph store
    if all(c.name == _LOCK or _GENERATION_RE.match(c.name) for c in folder.iterdir()):
        # What a first load that failed leaves: its lock, perhaps an uncommitted generation.
        raise InputError(
            f"{directory}: an empty store, nothing loaded yet (kg store load DIR FILE...)"
        )
    raise InputError(f"{directory}: not a store (make one with: kg store load DIR FILE...)")


#: The reader lock of each store opened (by `id`), until `close_store` or the process exits.
_HELD: dict[int, Any] = {}


def open_store(directory: str | os.PathLike[str]) -> ox.Store:
    """Open the store at `directory` read-only.

    Until `close_store` (or exit) the process holds a shared lock on the generation it opened,
    so that a later load does not remove it from under a reader that runs long (`kg serve`).
    """
    path = store_path(directory)
    handle = None
    if path != Path(directory):
        handle = _readers_file(path).open("a")
        fcntl.flock(handle, fcntl.LOCK_SH)
    try:
        opened = ox.Store.read_only(str(path))
    except OSError as err:
        if handle is not None:
            handle.close()
        raise KgError(f"{directory}: cannot open the store: {err}") from None
    if handle is not None:
        _HELD[id(opened)] = handle
    return opened


def close_store(opened: ox.Store) -> None:
    """Let later loads remove the generation `opened` reads (drop the store after this)."""
    handle = _HELD.pop(id(opened), None)
    if handle is not None:
        handle.close()


def _readers_file(generation: Path) -> Path:
    return generation.with_name(generation.name + ".readers")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the store's write lock: one loader at a time (readers need none)."""
    handle = (folder / _LOCK).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise KgError(f"{folder}: another process is loading this store; try again later") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _prepare(directory: str | os.PathLike[str]) -> Path:
    """The store folder, made if missing; refuses a folder that holds something else."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{directory}: is a file, expected a store folder")
    if folder.is_dir() and not (folder / MANIFEST).exists():
        if (folder / "CURRENT").is_file():
            raise UsageError(
                f"{directory}: an Oxigraph store not made by kg; kg reads it with --store, "
                "but loads only into its own stores (give a new folder)"
            )
        strays = [p.name for p in folder.iterdir() if p.name != _LOCK]  # an empty folder will do
        if strays:
            raise UsageError(f"{directory}: not empty and not a store (give a new folder)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{directory}: cannot make the store folder ({err.strerror})") from None
    return folder


def _remove_debris(folder: Path, manifest: Manifest) -> None:
    """Remove generations that are neither current nor the one before (an interrupted load's
    half-made generation, or ones no reader can still be using)."""
    keep = {_generation_name(n) for n in (manifest.generation, manifest.generation - 1) if n > 0}
    for child in folder.iterdir():
        if not _GENERATION_RE.fullmatch(child.name) or child.name in keep:
            continue
        readers = _readers_file(child)
        with readers.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader still has it open: the next load will try again
            shutil.rmtree(child, ignore_errors=True)
            readers.unlink(missing_ok=True)


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
    if target.exists():  # debris of a load killed before it could be cleaned
        shutil.rmtree(target)
    old = next((f for f in manifest.files if f.source == source), None)
    try:
        if manifest.current is not None:
            try:
                current = ox.Store.read_only(str(folder / manifest.current))
            except OSError as err:  # a manifest naming a generation that is not there
                raise KgError(f"{folder}: cannot open the store: {err}") from None
            current.backup(str(target))
            del current
        store = ox.Store(str(target))
        if old is not None:
            for name in old.graphs:
                store.remove_graph(ox.NamedNode(name))
        before = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
        wrap = (lambda handle: _Counting(handle, progress)) if progress else None
        loaded = load_file(store, path, data_format=data_format, graph=graph, bulk=True, wrap=wrap)
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
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    # A file loaded again keeps its place in the list.
    files = [entry if f.source == source else f for f in manifest.files]
    if old is None:
        files.append(entry)
    done = Manifest(number, files)
    with atomic_write(folder / MANIFEST) as out:  # the commit
        out.write(done.to_json())
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
) -> list[StoredFile]:
    """Load files into the store at `directory` (made if missing), one transaction per file.

    Each file fills its own named graph (its `file:` URI; the embedded graph's files their
    stable names), so loading a file again replaces what it loaded before. `on_file` is told
    each file's name and size before it loads; `progress` the bytes read as it does.
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
        manifest = read_manifest(folder)
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
    return manifest.files


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
    path = store_path(directory)
    manifest = read_manifest(directory)
    store = open_store(directory)
    try:
        named = _number(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        default = _number(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    finally:
        close_store(store)
    return StoreInfo(
        path=str(Path(directory)),
        generation=manifest.generation,
        bytes_on_disk=_size(path),
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
    "MANIFEST",
    "Manifest",
    "StoreInfo",
    "StoredFile",
    "close_store",
    "file_graph_name",
    "graph_sources",
    "is_store",
    "load",
    "open_store",
    "read_manifest",
    "store_info",
    "store_path",
]
