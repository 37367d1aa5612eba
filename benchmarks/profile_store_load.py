"""Where `kgcli.store.load`'s time goes, phase by phase, against pyoxigraph's bulk loader.

    python benchmarks/profile_store_load.py --triples 1e5 --runs 5
    python benchmarks/profile_store_load.py --triples 1e6 --runs 3

Issue #18's store-load item: the store load was 1.5-2.2x pyoxigraph's `bulk_load` into an
on-disk store at 10^5-10^6 triples. Each run, interleaved in this order, into fresh folders:

- baseline: `ox.Store(dir)`, `bulk_load(path=...)`, `flush()`, close (what run.py times);
- the same bulk load given an open Python file instead of the path (as `load_file` does);
- whole processes: the baseline in `python -c`, `kg store load` (stderr not a terminal, so no
  progress bar), and `kg --help` (the interpreter's and the CLI's start);
- `kgcli.store.load` of the same file into an empty store (first file), then of a second, small
  file into that store (a second generation: backup of the first, the load, the commit), with
  every phase timed by wrapping the `pyoxigraph.Store` kgcli.store calls and its own helpers
  (nothing in kgcli is changed; the wrappers only read the clock).

Figures are medians (min-max) in seconds; phases sum to about the total (the rest is Python).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402
import pyoxigraph as ox  # noqa: E402

from kgcli.engine import load as kg_load  # noqa: E402
from kgcli.engine import store as kg_store  # noqa: E402

PHASES: collections.defaultdict[str, float] = collections.defaultdict(float)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASES[name] += time.perf_counter() - start

    return run


class TimedStore:
    """An `ox.Store` whose calls (and close, at `del`) are timed into PHASES."""

    def __init__(self, path: str | None = None, *, inner: ox.Store | None = None) -> None:
        if inner is None:
            start = time.perf_counter()
            inner = ox.Store(path)
            PHASES["open new generation (RocksDB create)"] += time.perf_counter() - start
        self._inner = inner

    @classmethod
    def read_only(cls, path: str) -> TimedStore:
        start = time.perf_counter()
        inner = ox.Store.read_only(path)
        PHASES["open previous generation read-only"] += time.perf_counter() - start
        return cls(inner=inner)

    def backup(self, target: str) -> None:
        timed("backup (hard-link previous generation)", self._inner.backup)(target)

    def bulk_load(self, *args: Any, **kwargs: Any) -> None:
        timed("bulk_load (parse + write)", self._inner.bulk_load)(*args, **kwargs)

    def named_graphs(self) -> Any:
        return timed("named_graphs (before/after)", lambda: list(self._inner.named_graphs()))()

    def query(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        found = list(self._inner.query(*args, **kwargs))
        PHASES["count triples (COUNT query)"] += time.perf_counter() - start
        return _Solutions(found)

    def flush(self) -> None:
        timed("flush", self._inner.flush)()

    def remove_graph(self, graph: Any) -> None:
        timed("remove_graph (reload)", self._inner.remove_graph)(graph)

    def __del__(self) -> None:
        start = time.perf_counter()
        del self._inner
        PHASES["close (RocksDB)"] += time.perf_counter() - start


class _Solutions(list):
    """The COUNT query's rows, as a list that passes kgcli's isinstance check."""


def install() -> None:
    """Time kgcli.store's calls: its `ox` seen through TimedStore, its helpers wrapped."""
    proxy = types.SimpleNamespace(**{k: getattr(ox, k) for k in dir(ox) if not k.startswith("_")})
    proxy.Store = TimedStore
    proxy.QuerySolutions = _Solutions
    kg_store.ox = proxy  # type: ignore[assignment]
    kg_store.fsync_directory = timed("fsync folder", kg_store.fsync_directory)
    kg_store._inspect = timed("inspect folder + manifest", kg_store._inspect)
    kg_store._prepare = timed("prepare folder", kg_store._prepare)
    kg_store._remove_debris = timed("remove debris", kg_store._remove_debris)
    original = kg_store.atomic_write

    class Atomic:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._cm = original(*args, **kwargs)

        def __enter__(self) -> Any:
            self._start = time.perf_counter()
            return self._cm.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            try:
                return self._cm.__exit__(*exc)
            finally:
                PHASES["manifest write + fsync (commit)"] += time.perf_counter() - self._start

    kg_store.atomic_write = Atomic  # type: ignore[assignment]
    # load_file opens the file itself and hands the engine a Python file object.
    kg_store.load_file = timed("load_file (total)", kg_load.load_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=float, default=1e5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-store-prof")
    args = parser.parse_args()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = str(work / "city.nt")
    with open(path, "w", encoding="utf-8") as out:
        count = generate.write(out, int(args.triples), 7)
    small = str(work / "small.nt")
    with open(small, "w", encoding="utf-8") as out:
        generate.write(out, 1000, 8)
    nt = ox.RdfFormat.N_TRIPLES
    graph = ox.NamedNode("file:///city.nt")

    def fresh(name: str) -> str:
        target = work / name
        shutil.rmtree(target, ignore_errors=True)
        return str(target)

    def baseline() -> None:
        store = ox.Store(fresh("ox"))
        store.bulk_load(path=path, format=nt, to_graph=graph)
        store.flush()
        del store

    def baseline_handle() -> None:
        store = ox.Store(fresh("ox-handle"))
        with open(path, "rb") as handle:
            store.bulk_load(handle, format=nt, to_graph=graph)
        store.flush()
        del store

    script = (
        "import pyoxigraph as ox, sys; s = ox.Store(sys.argv[1]); "
        "s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES, "
        "to_graph=ox.NamedNode('file:///city.nt')); s.flush()"
    )
    kg = [sys.executable, "-m", "kgcli", "store", "load"]

    def process(argv: list[str]) -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    install()
    results: dict[str, list[float]] = collections.defaultdict(list)
    phases: dict[str, dict[str, list[float]]] = {"first": {}, "second": {}}
    for _ in range(args.runs):
        for name, fn in (
            ("baseline", baseline),
            ("baseline, Python file", baseline_handle),
            (
                "baseline, whole process (`python -c`)",
                lambda: process([sys.executable, "-c", script, fresh("ox-p"), path]),
            ),
            ("`kg store load`, whole process", lambda: process([*kg, fresh("kg-p"), path])),
            ("`python -m kgcli --help`, whole process", lambda: process([*kg[:3], "--help"])),
        ):
            start = time.perf_counter()
            fn()
            results[name].append(time.perf_counter() - start)
        folder = fresh("kg")
        for which, file in (("first", path), ("second", small)):
            PHASES.clear()
            start = time.perf_counter()
            kg_store.load(folder, [file])
            total = time.perf_counter() - start
            results[f"kgcli.store.load, {which} file"].append(total)
            PHASES["total"] = total
            for key, value in PHASES.items():
                phases[which].setdefault(key, []).append(value)
    print(f"{count:,} triples, {args.runs} runs, interleaved\n")
    print("| work | seconds |\n|---|---|")
    for name, times in results.items():
        print(f"| {name} | {cell(times)} |")
    for which, found in phases.items():
        print(f"\nPhases of `kgcli.store.load`, {which} file:\n\n| phase | seconds |\n|---|---|")
        for key, times in sorted(found.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"| {key} | {cell(times)} |")
    shutil.rmtree(work, ignore_errors=True)


def cell(times: list[float]) -> str:
    if len(times) == 1:
        return f"{times[0]:.3f}"
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


if __name__ == "__main__":
    main()
