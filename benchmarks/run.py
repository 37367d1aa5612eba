"""The benchmark suite of issue #6: `kg` against pyoxigraph directly, rdflib and Apache Jena.

    python benchmarks/run.py                                # 10^5, 10^6, 10^7 triples, 5 runs
    python benchmarks/run.py --sizes 1e4 --runs 1 --quick   # the CI run: keeps it working
    python benchmarks/run.py --sizes 1e6 --write benchmarks/RESULTS.md   # record one size

At each size, on `generate.py`'s synthetic city (plus ontology/kg.ttl, which the catalogue's
`rdfs:subClassOf*` patterns need): loading (file -> memory, file -> on-disk store); the seven
fixed query shapes and the 21 catalogue queries, through `kg` (prepare, run, CSV as `kg query`
writes it), through pyoxigraph directly, rdflib's memory store and Jena (`arq` on the file,
`tdb2.tdbquery` on a TDB2 database; whole process with JVM start, and the query time Jena itself
reports); the network build, analyses and GEXF export; CLI cold start; peak memory of `kg query`
on an on-disk store. Every figure is a median (min-max) of several runs, interleaved, and is
given as a ratio to a baseline measured in the same run, because the machine is shared.

`--write` replaces only this script's marked sections of the file, one per size, so sizes can be
run (and re-run) separately. Generated data is kept in `--data-dir` (default under /tmp).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import math
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import jena  # noqa: E402

ONTOLOGY = ROOT / "ontology" / "kg.ttl"
PROFILE = ROOT / "tests" / "fixtures" / "network" / "synthetic.toml"
KG = "PREFIX kg: <https://w3id.org/kgcli/ontology#>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
KG_CLI = [sys.executable, "-m", "kgcli"]

#: The fixed query shapes, written against the synthetic graph's vocabulary.
SHAPES = {
    "star join": KG
    + RDFS
    + """SELECT ?firm ?name ?place ?sector ?year WHERE {
  ?firm a kg:Company ; rdfs:label ?name ; kg:locatedIn ?place ; kg:industrySector ?sector ;
        kg:foundingDate ?year }""",
    "aggregate": KG
    + """SELECT ?district (COUNT(?firm) AS ?firms) WHERE {
  ?firm a kg:Company ; kg:locatedIn ?town . ?town kg:locatedIn ?district .
  ?district a kg:District } GROUP BY ?district ORDER BY DESC(?firms)""",
    "FILTER on strings": KG
    + RDFS
    + """SELECT ?firm ?name WHERE {
  ?firm a kg:Company ; rdfs:label ?name FILTER(CONTAINS(LCASE(?name), "biomed")) }""",
    "property path": KG
    + """SELECT ?firm WHERE {
  ?firm a kg:Company ; kg:locatedIn+ <https://w3id.org/kgcli/resource/synthetic/district/1> }""",
    "OPTIONAL": KG
    + RDFS
    + """SELECT ?firm ?name ?year WHERE {
  ?firm a kg:Company ; rdfs:label ?name OPTIONAL { ?firm kg:foundingDate ?year } }""",
    "shared-resource self-join": KG
    + """SELECT ?a ?b (COUNT(?r) AS ?shared) WHERE {
  ?a kg:usesSharedResource ?r . ?b kg:usesSharedResource ?r FILTER(STR(?a) < STR(?b))
} GROUP BY ?a ?b""",
    "edge-list extraction": KG
    + """SELECT ?source ?target WHERE {
  ?source kg:locatedIn|kg:usesSharedResource|kg:industrySector ?target }""",
}
#: The shapes the rdflib and Jena targets speak of: joins, aggregates and paths.
JOINS_AGGREGATES_PATHS = ("star join", "aggregate", "property path", "shared-resource self-join")

#: Catalogue parameters naming synthetic entities (the defaults name the curated graph's).
SYNTHETIC_PARAMS = {
    "evidence-for-entity": {"entity": "Biogen 1"},
    "facilities-of-medical-center": {"center": "Medical Center 1-1"},
    "firms-in-place": {"place": "District 1"},
    "resource-sharing-pairs": {"center": "Medical Center 1-1"},
    "resources-of-facility": {"facility": "Facility 1-1-"},
    "shared-resources": {"center": "Medical Center 1-1"},
    "specialties-of-facility": {"facility": "Facility 1-1-"},
    "reported-figures": {"place": "District 1"},
}


# --- measuring -----------------------------------------------------------------------------------


def cell(times: list[float] | None) -> str:
    if not times:
        return "-"
    if len(times) == 1:
        return f"{times[0]:.3f}"
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def med(times: list[float] | None) -> float | None:
    return statistics.median(times) if times else None


def ratio(ours: list[float] | None, base: list[float] | None) -> str:
    if not ours or not base:
        return "-"
    return f"{statistics.median(ours) / max(statistics.median(base), 1e-9):.2f}x"


def interleaved(
    cases: dict[str, Callable[[], object]], runs: int, warmup: bool = True
) -> dict[str, list[float]]:
    """Seconds of each case, run in turn `runs` times, each from a collected heap.

    Interleaving makes drift on the shared machine hit every case alike; a result is freed after
    the clock stops, because freeing is not the work measured.
    """
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(runs + (1 if warmup else 0)):
        for name, fn in cases.items():
            gc.collect()
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
            del result
            if round_ or not warmup:
                times[name].append(elapsed)
    return times


def capped(fn: Callable[[], object], cap: float) -> float | None:
    """Seconds of `fn` run in a forked child, or None if it passed `cap` seconds (then killed).

    rdflib cannot be interrupted from inside; a fork inherits its loaded graph for free.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            start = time.perf_counter()
            fn()
            os.write(write, repr(time.perf_counter() - start).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], cap)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            return None
        data = os.read(read, 64)
        return float(data) if data else None
    finally:
        os.close(read)
        os.waitpid(pid, 0)


def process(argv: list[str], timeout: float = 3600) -> tuple[float, str]:
    """Wall-clock seconds of a whole process (stdout discarded) and its stderr."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{argv[:4]}... failed: {done.stderr[-500:]}")
    return elapsed, done.stderr


def stopped_process(argv: list[str], cap: float) -> tuple[float | None, str]:
    """`process`, or (None, "") if it passed `cap` seconds (then killed)."""
    try:
        return process(argv, timeout=cap)
    except subprocess.TimeoutExpired:
        return None, ""


def has_store() -> bool:
    """Whether kgcli's on-disk store (issue #6) is installed."""
    return importlib.util.find_spec("kgcli.engine.store") is not None


# --- data ----------------------------------------------------------------------------------------


def data_file(size: int, folder: Path) -> Path:
    """The synthetic city of about `size` triples, generated once per folder and seed."""
    path = folder / f"city-{size}-seed7.nt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        with open(partial, "w", encoding="utf-8") as out:
            generate.write(out, size, seed=7)
        partial.rename(path)
    return path


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


@dataclass
class Query:
    """One benchmark query: its group, name, bound text, and how `kg` runs it."""

    group: str
    name: str
    named: Any  # kgcli.engine.catalogue.NamedQuery
    params: dict[str, str]
    text: str


def queries() -> list[Query]:
    from kgcli.engine.catalogue import Catalogue, from_text
    from kgcli.engine.query import prepare

    found = []
    for name, text in SHAPES.items():
        named = from_text(text)
        found.append(Query("shape", name, named, {}, prepare(named).text))
    for named in Catalogue().list():
        params = SYNTHETIC_PARAMS.get(named.name, {})
        found.append(Query("catalogue", named.name, named, params, prepare(named, params).text))
    return found


# --- the suite, one size -------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    size: int
    path: Path
    runs: int
    work: Path  # scratch directory for stores
    store_dir: Path | None = None  # a kgcli (or pyoxigraph) on-disk store of the city
    tdb_dir: Path | None = None


def _jena_on(ctx: Context) -> bool:
    return not ctx.args.no_jena and ctx.size <= ctx.args.jena_max and jena.available()


def bench_load(ctx: Context, lines: list[str]) -> Any:
    """File -> memory and file -> store; returns rdflib's graph (for the queries) or None."""
    import pyoxigraph as ox

    from kgcli.engine.load import load_file
    from kgcli.rdf.iri import file_graph_name

    path, nt = str(ctx.path), ox.RdfFormat.N_TRIPLES
    graph = ox.NamedNode(file_graph_name(path))

    def ox_load() -> ox.Store:
        store = ox.Store()
        store.load(path=path, format=nt, to_graph=graph)
        return store

    def ox_bulk() -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=path, format=nt, to_graph=graph)
        return store

    def kg_load() -> ox.Store:
        store = ox.Store()
        load_file(store, path)
        return store

    print("  load: file -> memory", file=sys.stderr)
    mem = interleaved(
        {"base": ox_load, "bulk": ox_bulk, "kg": kg_load}, ctx.runs, warmup=ctx.size < 10**7
    )
    lines += [
        "| load | seconds | / baseline |",
        "|---|---|---|",
        f"| file -> memory: pyoxigraph `Store.load` (baseline) | {cell(mem['base'])} | 1.00x |",
        f"| file -> memory: pyoxigraph `Store.bulk_load` | {cell(mem['bulk'])} | "
        f"{ratio(mem['bulk'], mem['base'])} |",
        f"| file -> memory: `kg` (`kgcli.engine.load.load_file`, as `--data`) | "
        f"{cell(mem['kg'])} | "
        f"{ratio(mem['kg'], mem['base'])} |",
    ]
    rdflib_graph = None
    if ctx.size <= ctx.args.rdflib_max:
        import rdflib

        print("  load: rdflib", file=sys.stderr)
        start = time.perf_counter()
        rdflib_graph = rdflib.Graph()
        rdflib_graph.parse(path, format="nt")
        rdflib_time = [time.perf_counter() - start]
        rdflib_graph.parse(str(ONTOLOGY), format="turtle")  # for the catalogue, not timed
        lines.append(
            f"| file -> memory: rdflib `Graph.parse` (1 run) | {cell(rdflib_time)} | "
            f"{ratio(rdflib_time, mem['base'])} |"
        )
    else:
        lines.append(
            "| file -> memory: rdflib `Graph.parse` | not run above "
            f"{ctx.args.rdflib_max:,.0f} triples | |"
        )

    # File -> on-disk store, each run into a fresh directory.
    def fresh(name: str) -> Path:
        target = ctx.work / name
        shutil.rmtree(target, ignore_errors=True)
        return target

    def ox_disk() -> None:
        store = ox.Store(str(fresh("ox-store")))
        store.bulk_load(path=path, format=nt, to_graph=graph)
        store.flush()
        del store

    cases: dict[str, Callable[[], object]] = {"base": ox_disk}
    if has_store():
        from kgcli.engine import store as kg_store

        cases["kg"] = lambda: kg_store.load(fresh("kg-store"), [path])
        cases["kg cli"] = lambda: process([*KG_CLI, "store", "load", str(fresh("kg-cli")), path])
    if _jena_on(ctx) or (not ctx.args.no_jena and jena.available() and ctx.size >= 10**7):
        cases["tdb2"] = lambda: process(
            jena.command("tdb2.tdbloader", "--loc", str(fresh("tdb2")), path)
        )
    print("  load: file -> store", file=sys.stderr)
    disk = interleaved(cases, ctx.args.store_runs or ctx.runs, warmup=False)
    lines.append(
        f"| file -> store: pyoxigraph `bulk_load` into an on-disk `Store` (baseline) | "
        f"{cell(disk['base'])} | 1.00x |"
    )
    if "kg" in disk:
        lines.append(
            f"| file -> store: `kgcli.engine.store.load` (new generation, bulk loader, switch) | "
            f"{cell(disk['kg'])} | {ratio(disk['kg'], disk['base'])} |"
        )
        lines.append(
            f"| file -> store: `kg store load` (whole process) | {cell(disk['kg cli'])} | "
            f"{ratio(disk['kg cli'], disk['base'])} |"
        )
    else:
        lines.append(
            "| file -> store: `kg store load` | not measured: no `kgcli.engine.store` yet | |"
        )
    if "tdb2" in disk:
        lines.append(
            f"| file -> store: Jena `tdb2.tdbloader` (whole process, JVM included) | "
            f"{cell(disk['tdb2'])} | {ratio(disk['tdb2'], disk['base'])} |"
        )
    # Keep one store of each kind, with the ontology added, for the queries and memory.
    if has_store():
        from kgcli.engine import store as kg_store

        ctx.store_dir = ctx.work / "kg-store"
        kg_store.load(ctx.store_dir, [str(ONTOLOGY)])
    else:
        ctx.store_dir = ctx.work / "ox-store"
        store = ox.Store(str(ctx.store_dir))
        store.bulk_load(
            path=str(ONTOLOGY),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(file_graph_name(str(ONTOLOGY))),
        )
        store.flush()
        del store
    if "tdb2" in disk:
        ctx.tdb_dir = ctx.work / "tdb2"
        process(jena.command("tdb2.tdbloader", "--loc", str(ctx.tdb_dir), str(ONTOLOGY)))
    return rdflib_graph


def bench_queries(ctx: Context, rdflib_graph: Any, lines: list[str]) -> dict[str, Any]:
    """Every query through kg, pyoxigraph, rdflib and Jena; returns figures for the targets."""
    import pyoxigraph as ox

    from kgcli.engine.load import load_file
    from kgcli.engine.query import prepare, run
    from kgcli.engine.source import LocalSource
    from kgcli.output.render import render

    store = ox.Store()
    store.bulk_load(path=str(ctx.path), format=ox.RdfFormat.N_TRIPLES)
    load_file(store, str(ONTOLOGY))
    source = LocalSource(store)
    jena_on = _jena_on(ctx)
    with_processes = jena_on and not ctx.args.quick
    rq_dir = ctx.work / "rq"
    rq_dir.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    rows_out: list[tuple[Query, dict[str, Any]]] = []
    devnull = open(os.devnull, "wb")  # noqa: SIM115 - held for the whole size
    for q in queries():
        print(f"  query: {q.name}", file=sys.stderr)

        def direct(text: str = q.text) -> None:
            store.query(text, use_default_graph_as_union=True).serialize(
                devnull, format=ox.QueryResultsFormat.CSV
            )

        def through_kg(q: Query = q) -> None:
            render(run(source, prepare(q.named, q.params)), "csv", devnull)

        fig: dict[str, Any] = interleaved({"base": direct, "kg": through_kg}, ctx.runs)
        fig["rows"] = sum(1 for _ in store.query(q.text, use_default_graph_as_union=True))
        if rdflib_graph is not None:
            took = capped(
                lambda text=q.text: rdflib_graph.query(text).serialize(format="csv"),
                ctx.args.rdflib_cap,
            )
            fig["rdflib"] = [took] if took is not None else None
            fig["rdflib capped"] = took is None
        if jena_on:
            rq = rq_dir / f"{q.name}.rq"
            rq.write_text(q.text, encoding="utf-8")
            data = ["--data", str(ctx.path), "--data", str(ONTOLOGY)]
            arq = jena.command("arq", *data, "--query", str(rq), "--results", "CSV", "--time")
            cap = ctx.args.jena_cap
            cases: dict[str, Callable[[], tuple[float | None, str]]] = {
                "arq": lambda a=arq, c=cap: stopped_process(a, c)
            }
            if ctx.tdb_dir:
                tdb = jena.command(
                    "tdb2.tdbquery",
                    "--loc",
                    str(ctx.tdb_dir),
                    "--query",
                    str(rq),
                    "--results",
                    "CSV",
                    "--time",
                )
                cases["tdb2"] = lambda a=tdb, c=cap: stopped_process(a, c)
            if with_processes:
                kg_data = [*KG_CLI, "query", str(rq), "--data", str(ctx.path), "--data"]
                cases["kg data"] = lambda a=[*kg_data, str(ONTOLOGY), "-f", "csv"]: process(a)
                if has_store() and ctx.store_dir:
                    kg_store = [*KG_CLI, "query", str(rq), "--store", str(ctx.store_dir)]
                    cases["kg store"] = lambda a=[*kg_store, "-f", "csv"]: process(a)
            outs: dict[str, list[tuple[float | None, str]]] = {name: [] for name in cases}
            for _ in range(ctx.args.jena_runs):
                for name, fn in cases.items():
                    outs[name].append(fn())
            for name, got in outs.items():
                if any(wall is None for wall, _ in got):  # stopped at --jena-cap
                    fig[f"{name} stopped"] = True
                    continue
                fig[f"{name} wall"] = [wall for wall, _ in got]
                if name in ("arq", "tdb2"):
                    inner = [jena.internal_time(err) for _, err in got]
                    fig[f"{name} query"] = [t for t in inner if t is not None] or None
        rows_out.append((q, fig))
        results[q.name] = fig
    devnull.close()

    def table(group: str) -> None:
        head = "| query | rows | pyoxigraph directly (baseline) | kg + CSV | kg / baseline |"
        rule = "|---|---:|---|---|---|"
        if rdflib_graph is not None:
            head += " rdflib memory | rdflib / kg |"
            rule += "---|---|"
        if jena_on:
            head += " Jena arq, query only | arq / kg | Jena TDB2, query only | TDB2 / kg |"
            rule += "---|---|---|---|"
        lines.extend([head, rule])
        for q, fig in rows_out:
            if q.group != group:
                continue
            label = q.name if not q.params else f"{q.name} ({_params(q.params)})"
            row = (
                f"| {label} | {fig['rows']:,} | {cell(fig['base'])} | {cell(fig['kg'])} | "
                f"{ratio(fig['kg'], fig['base'])} |"
            )
            if rdflib_graph is not None:
                if fig.get("rdflib capped"):
                    row += f" >{ctx.args.rdflib_cap:g} s (stopped) | >{_cap_ratio(ctx, fig)} |"
                else:
                    row += f" {cell(fig.get('rdflib'))} | {ratio(fig.get('rdflib'), fig['kg'])} |"
            if jena_on:
                for name in ("arq", "tdb2"):
                    if fig.get(f"{name} stopped"):  # its own query time never printed
                        row += f" process stopped at {ctx.args.jena_cap:g} s | - |"
                        continue
                    inner = fig.get(f"{name} query")
                    row += f" {cell(inner)} | {ratio(inner, fig['kg'])} |"
            lines.append(row)

    lines.append(
        "\nThe seven fixed shapes, data in memory (in-process; CSV written to /dev/null):\n"
    )
    table("shape")
    lines.append(
        "\nThe 21 catalogue queries, same store (the synthetic graph plus ontology/kg.ttl). They "
        "were written for the curated graph: where a parameter names a curated entity it is given "
        "a synthetic one (in brackets); queries about things the generator does not make "
        "(articles' graphs, counts, landmarks, plans, figures, transport) return no rows and time "
        "the engine's planning and first scans only.\n"
    )
    table("catalogue")
    _summary(ctx, rows_out, rdflib_graph is not None, jena_on, lines)
    if with_processes:
        lines.append(
            "\nWhole processes, JVM start and data loading included: `kg query Q.rq --data "
            "city.nt --data kg.ttl -f csv` against `arq --data city.nt --data kg.ttl --query "
            "Q.rq --results CSV`, and `kg query Q.rq --store DIR` against `tdb2.tdbquery --loc "
            f"DIR` (each {ctx.args.jena_runs} run(s)):\n"
        )
        lines.append(
            "| query | kg --data | arq --data | arq / kg | kg --store | tdb2.tdbquery | "
            "tdbquery / kg --store |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for q, fig in rows_out:
            row = f"| {q.name} |"
            for ours, theirs in (("kg data", "arq"), ("kg store", "tdb2")):
                row += f" {cell(fig.get(f'{ours} wall'))} |"
                if fig.get(f"{theirs} stopped"):
                    row += f" {_jena_stopped(ctx, fig.get(f'{ours} wall'))} |"
                else:
                    wall = fig.get(f"{theirs} wall")
                    row += f" {cell(wall)} | {ratio(wall, fig.get(f'{ours} wall'))} |"
            lines.append(row)
    bench_export(ctx, source, lines)
    return results


def _jena_stopped(ctx: Context, ours: list[float] | None) -> str:
    """Two cells for a Jena process stopped at --jena-cap: the cap, and the least ratio it gives."""
    least = f">{ctx.args.jena_cap / max(med(ours), 1e-9):.0f}x" if med(ours) else "-"
    return f">{ctx.args.jena_cap:g} s (stopped) | {least}"


def _params(params: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def _cap_ratio(ctx: Context, fig: dict[str, Any]) -> str:
    return f"{ctx.args.rdflib_cap / max(med(fig['kg']) or 1e-9, 1e-9):.0f}x"


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(max(v, 1e-9)) for v in values) / len(values)) if values else 0.0


def _summary(
    ctx: Context,
    rows: list[tuple[Query, dict[str, Any]]],
    rdflib_on: bool,
    jena_on: bool,
    lines: list[str],
) -> None:
    """One line per comparison: geometric mean and range of the per-query ratios."""

    def ratios(key: str, over: str, which: Callable[[Query], bool]) -> list[float]:
        found = []
        for q, fig in rows:
            a, b = med(fig.get(key)), med(fig.get(over))
            if which(q) and a is not None and b is not None:
                found.append(a / max(b, 1e-9))
        return found

    def say(label: str, values: list[float]) -> None:
        if values:
            lines.append(
                f"| {label} | {len(values)} | {_geomean(values):.2f}x | "
                f"{min(values):.2f}x-{max(values):.2f}x |"
            )

    lines += [
        "\nSummary (ratios per query; geometric mean and range):\n",
        "| comparison | queries | geometric mean | range |",
        "|---|---:|---|---|",
    ]
    every = lambda q: True  # noqa: E731
    jap = lambda q: q.name in JOINS_AGGREGATES_PATHS  # noqa: E731
    say("kg / pyoxigraph, all queries", ratios("kg", "base", every))
    say("kg / pyoxigraph, the shapes", ratios("kg", "base", lambda q: q.group == "shape"))
    if rdflib_on:
        capped_out = [
            ctx.args.rdflib_cap / max(med(fig["kg"]) or 1e-9, 1e-9)
            for q, fig in rows
            if jap(q) and fig.get("rdflib capped")
        ]
        say(
            "rdflib / kg, joins, aggregates and paths (stopped ones at the cap)",
            ratios("rdflib", "kg", jap) + capped_out,
        )
        say("rdflib / kg, all queries that finished", ratios("rdflib", "kg", every))
    if jena_on:
        say("arq query time / kg, joins, aggregates and paths", ratios("arq query", "kg", jap))
        say("TDB2 query time / kg, joins, aggregates and paths", ratios("tdb2 query", "kg", jap))
        say("arq query time / kg, all queries", ratios("arq query", "kg", every))
        say("TDB2 query time / kg, all queries", ratios("tdb2 query", "kg", every))
        say("arq process / kg --data process, all", ratios("arq wall", "kg data wall", every))
        say(
            "tdbquery process / kg --store process, all",
            ratios("tdb2 wall", "kg store wall", every),
        )
        stopped = [
            f"{q.name} ({name})"
            for q, fig in rows
            for name in ("arq", "tdb2")
            if fig.get(f"{name} stopped")
        ]
        if stopped:
            lines.append(
                f"\nStopped at {ctx.args.jena_cap:g} s (`--jena-cap`), so left out of the Jena "
                f"rows above: {', '.join(stopped)}."
            )


def bench_export(ctx: Context, source: Any, lines: list[str]) -> None:
    """GEXF export of the city's network: our writer alone, our default export (the layout,
    then the writer) and networkx's writer, same run.

    Reuses bench_export's writers and its timing function.
    """
    import bench_export

    from kgcli.network.analyze import analyze
    from kgcli.network.build import build_network
    from kgcli.network.profile import load_profile

    print("  network export", file=sys.stderr)
    network = build_network(source, load_profile(PROFILE))
    analyze(network, ["pagerank"])  # the writer sizes nodes by it
    writers = dict(bench_export.WRITERS)
    if ctx.size > ctx.args.nx_export_max:
        writers.pop(bench_export.NETWORKX)
    times: dict[str, list[float]] = {name: [] for name in writers}
    runs = max(1, min(ctx.runs, 3))
    for _ in range(runs):
        for name, write in writers.items():
            times[name].append(bench_export.timed(write, network, ctx.work / "city.gexf"))
    lines += [
        f"\nGEXF export of the city's network ({network.number_of_nodes():,} nodes, "
        f"{network.number_of_edges():,} edges; profile `tests/fixtures/network/synthetic.toml`), "
        f"{runs} run(s); our default export includes the layout, networkx writes no positions:\n",
        "| writer | seconds | / kgcli writer alone |",
        "|---|---|---|",
    ]
    for name in writers:
        base = times[bench_export.WRITER]
        lines.append(f"| {name} | {cell(times[name])} | {ratio(times[name], base)} |")
    if bench_export.NETWORKX not in writers:
        lines.append(
            f"| networkx | not run above {ctx.args.nx_export_max:,.0f} triples (it "
            "holds the whole document: 2.1 GB at 10^6 edges in bench_export) | |"
        )
    del network
    gc.collect()


def bench_network(ctx: Context, lines: list[str]) -> None:
    """benchmarks/bench_network.py at this size, in its own process, its table as it prints it."""
    print("  network build and analyses", file=sys.stderr)
    big = ctx.size >= 10**7
    argv = [sys.executable, str(HERE / "bench_network.py"), "--triples", str(ctx.size)]
    argv += ["--runs", str(1 if ctx.args.quick or big else min(ctx.runs, 3))]
    argv += ["--analysis-runs", "1"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=4 * 3600)
    if done.returncode:
        lines.append(f"\nNetwork benchmark failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    text = done.stdout.strip().replace("## Networks:", "Network (`bench_network.py`):")
    lines += ["", text]


def bench_memory(ctx: Context, lines: list[str]) -> None:
    """Peak RSS of whole `kg query --store` processes (the target: under 2 GiB at 10^7)."""
    if not has_store() or ctx.store_dir is None:
        lines.append(
            "\nPeak memory of `kg query --store`: not measured, no `kgcli.engine.store` yet."
        )
        return
    print("  memory", file=sys.stderr)
    wrapper = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    lines += [
        "\nPeak resident memory of one `kg query --store DIR ... -f csv` process (whole process, "
        "`getrusage` of a fresh parent):\n",
        "| query | rows | peak RSS (MiB) |",
        "|---|---:|---:|",
    ]
    for q in queries():
        if q.group != "shape" and q.name not in ("firms-by-sector", "people-and-roles"):
            continue
        rq = ctx.work / "rq" / f"mem-{q.name.replace(' ', '-')}.rq"
        rq.parent.mkdir(exist_ok=True)
        rq.write_text(q.text, encoding="utf-8")
        argv = [*KG_CLI, "query", str(rq), "--store", str(ctx.store_dir), "-f", "csv"]
        done = subprocess.run(
            [sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, check=True
        )
        rows = subprocess.run(argv, capture_output=True, check=True).stdout.count(b"\n") - 1
        lines.append(f"| {q.name} | {rows:,} | {int(done.stdout.split()[-1]) / 1024:.0f} |")


def bench_size(args: argparse.Namespace, size: int) -> str:
    path = data_file(size, Path(args.data_dir))
    count = count_lines(path)
    runs = args.big_runs if size >= 10**7 else args.runs
    lines = [f"### {count:,} triples\n", f"{runs} runs per figure unless said otherwise.\n"]
    with tempfile.TemporaryDirectory(dir=args.work_dir) as work:
        ctx = Context(args, size, path, runs, Path(work))
        graph = bench_load(ctx, lines)
        bench_queries(ctx, graph, lines)
        del graph
        gc.collect()
        if size >= args.memory_min:
            bench_memory(ctx, lines)
        if not args.no_network:
            bench_network(ctx, lines)
    return "\n".join(lines) + "\n"


def bench_cli(runs: int) -> str:
    """Cold start of whole processes, against `python -c pass`."""
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "kg --help": [*KG_CLI, "--help"],
        "kg query shared-resources (embedded graph)": [*KG_CLI, "query", "shared-resources"],
    }
    lines = [
        "### CLI cold start (whole process, wall clock)\n",
        f"Medians of {runs} runs, interleaved.\n",
        "| command | seconds | minus python start |",
        "|---|---|---|",
    ]
    # An installed kg starts from the bytecode pip compiled; the warm-up round writes it here too.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = interleaved(
        {
            label: lambda a=argv: subprocess.run(a, check=True, capture_output=True, env=env)
            for label, argv in cases.items()
        },
        runs,
    )
    base = med(times["python -c pass (baseline)"]) or 0.0
    for label, got in times.items():
        lines.append(f"| `{label}` | {cell(got)} | {(med(got) or 0) - base:+.3f} |")
    return "\n".join(lines) + "\n"


def machine(args: argparse.Namespace) -> str:
    import networkx
    import pyoxigraph
    import rdflib

    from kgcli import __version__

    cpu = platform.processor() or platform.machine()
    model = ""
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = f" ({found.group(1).strip()})" if found else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = (
        f"kgcli {__version__}, pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}, "
        f"networkx {networkx.__version__}"
    )
    if jena.available() and not args.no_jena:
        versions += f", {jena.version()}"
    return (
        f"Machine: Python {platform.python_version()} on {platform.system()} {cpu}{model}, "
        f"{os.cpu_count()} cores, {memory:.0f} GiB, shared with other work. Versions: {versions}."
    )


# --- command line and the results file ------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="comma-separated triple counts")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure")
    parser.add_argument("--big-runs", type=int, default=3, help="runs per figure at 10^7")
    parser.add_argument("--store-runs", type=int, default=0, help="runs of file -> store loads")
    parser.add_argument("--rdflib-max", type=float, default=1e6, help="largest size on rdflib")
    parser.add_argument("--rdflib-cap", type=float, default=120, help="seconds per rdflib query")
    parser.add_argument("--jena-max", type=float, default=1e6, help="largest size on Jena")
    parser.add_argument("--jena-runs", type=int, default=3, help="runs of each Jena process")
    parser.add_argument(
        "--jena-cap", type=float, default=600, help="seconds per Jena query process"
    )
    parser.add_argument("--no-jena", action="store_true")
    parser.add_argument("--no-network", action="store_true")
    parser.add_argument("--nx-export-max", type=float, default=1e6)
    parser.add_argument("--memory-min", type=float, default=1e7, help="smallest size for RSS")
    parser.add_argument("--no-cli", action="store_true", help="skip the cold-start figures")
    parser.add_argument("--quick", action="store_true", help="CI: few runs, no whole processes")
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "kgbench"))
    parser.add_argument("--work-dir", default=None, help="where stores are built (default /tmp)")
    parser.add_argument("--write", type=Path, help="write the Markdown sections to this file")
    parser.add_argument(
        "--merge-from",
        type=Path,
        help="copy the marked sections of this file (an earlier --write) into --write; run nothing",
    )
    args = parser.parse_args(argv)
    if args.merge_from:
        found = re.findall(
            r"<!-- benchmarks/run.py: (.+?) -->\n(.*?)\n<!-- benchmarks/run.py: \1 end -->",
            args.merge_from.read_text(encoding="utf-8"),
            flags=re.S,
        )
        _replace_sections(args.write, dict(found))
        return
    if args.quick:
        args.jena_runs = min(args.jena_runs, 1)
        args.rdflib_cap = min(args.rdflib_cap, 10)
        args.memory_min = min(args.memory_min, 1e4)
    sections = {"header": machine(args) + "\n"}
    for size in (int(float(s)) for s in args.sizes.split(",") if s):
        print(f"{size} triples", file=sys.stderr)
        sections[f"size {size}"] = bench_size(args, size)
        if args.write:
            _replace_sections(args.write, sections)
    if not args.no_cli:
        sections["cli"] = bench_cli(max(args.runs, 5))
    if args.write:
        _replace_sections(args.write, sections)
    print("\n".join(sections.values()))


def _markers(key: str) -> tuple[str, str]:
    return f"<!-- benchmarks/run.py: {key} -->", f"<!-- benchmarks/run.py: {key} end -->"


#: New sections go before this line (the sections of the other benchmarks follow it).
ANCHOR = "<!-- benchmarks/run.py: sections above -->"


def _replace_sections(path: Path, sections: dict[str, str]) -> None:
    """Put each section between its markers, keeping everything else in the file as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{ANCHOR}\n"
    for key, body in sections.items():
        begin, end = _markers(key)
        block = f"{begin}\n{body.rstrip()}\n{end}"
        if begin in text and end in text:
            head, _, rest = text.partition(begin)
            _, _, tail = rest.partition(end)
            text = f"{head}{block}{tail}"
        elif ANCHOR in text:
            text = text.replace(ANCHOR, f"{block}\n\n{ANCHOR}")
        else:
            text = f"{text.rstrip()}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
