"""Inference (issue #14): kg's closure against owlrl and `reasonable`; scale, memory, marking.

    python benchmarks/bench_infer.py                                   # every part, ~1 hour
    python benchmarks/bench_infer.py --parts compare --sizes 0,1e5 --runs 3
    python benchmarks/bench_infer.py --parts store --store-sizes 1e6,1e7

Every case runs in a fresh child process (so that its peak RSS is its own), the cases of one
size one after the other, round after round, so that drift on the shared machine hits them
alike. Seconds are those of the reasoning (parsing and loading excluded, they are the same
work for all); figures are medians (min-max); ratios are of medians measured in the same run.
Size 0 is the embedded graph (ontology/kg.ttl and graph/*.ttl); the others are `generate.py`'s
synthetic city (seed 7) with ontology/kg.ttl, in a named graph each, as `kg` loads them.

Parts:

- compare: load only (the memory baseline); kg's default rules (`owl-rl`); kg with every rule
  (`owl-rl` + domain-range + same-as, like for like with the references); the same rules as
  SPARQL updates run to a fixpoint on pyoxigraph (approach A, the alternative measured before
  choosing); `reasonable` (Rust, OWL 2 RL; killed past `--reasonable-gib`); owlrl (rdflib,
  killed past `--owlrl-cap` seconds, one run).
- marking: at `--marking-size`, with the project's SPARQL rule: derived triples marked with the
  rule that derived them for none, SPARQL rules only (the default), every triple (RDF 1.1
  reification), every triple (RDF 1.2 `rdf:reifies`): seconds, peak RSS, quads written.
- store: the on-disk path (`kg infer --store`): the store made by `kgcli.engine.store.load`
  (timed as the baseline), then a new generation (a backup: hard links) that the derived
  triples are bulk loaded into, and flushed; seconds and peak RSS.
- query: whole processes on the embedded graph, wall clock: `kg query shared-resources -f csv`
  without and with `--infer`, and the same work in one process without and with inference
  first (what `--infer` adds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

INFERRED = "https://w3id.org/kgcli/graph/inferred"
CASES = ("load", "kg", "kg-all", "sparql-fixpoint", "reasonable", "owlrl")
MARKINGS = ("none", "sparql", "all", "all-rdf12")


# --- The child: one case, its figures as one JSON line -------------------------------------------


def _store(files: list[str]):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    store = ox.Store()
    for i, path in enumerate(files):
        fmt = ox.RdfFormat.N_TRIPLES if path.endswith(".nt") else ox.RdfFormat.TURTLE
        store.load(path=path, format=fmt, to_graph=ox.NamedNode(f"urn:bench:{i}"))
    return store


def _rdflib(files: list[str]):  # type: ignore[no-untyped-def]
    import rdflib

    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="nt" if path.endswith(".nt") else "turtle")
    return graph


def _count(store, graph: str = INFERRED) -> int:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def child(case: str, files: list[str], extra: dict[str, str]) -> dict[str, object]:
    """Run one case; return its reasoning seconds, triples derived and (later) peak RSS."""
    from kgcli.engine.infer import RuleSet, StoreSink, infer, rule_set

    if case == "load":
        start = time.perf_counter()
        store = _store(files)
        return {"seconds": time.perf_counter() - start, "derived": 0, "stated": len(store)}
    if case in ("kg", "kg-all"):
        store = _store(files)
        rules = RuleSet() if case == "kg" else RuleSet(domain_range=True, same_as=True)
        start = time.perf_counter()
        report = infer(store, rules)
        return {"seconds": time.perf_counter() - start, "derived": report.derived}
    if case.startswith("mark-"):
        store = _store(files)
        rules = rule_set([], project_rules=ROOT / "queries" / "rules")
        start = time.perf_counter()
        report = infer(store, rules, marking=case.removeprefix("mark-"))
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "derived": report.derived, "quads": _count(store)}
    if case == "sparql-fixpoint":
        store = _store(files)
        start = time.perf_counter()
        derived = sparql_fixpoint(store, domain_range=False)
        return {"seconds": time.perf_counter() - start, "derived": derived}
    if case == "reasonable":
        import reasonable

        graph = _rdflib(files)
        stated = len(graph)
        if extra.get("gib"):
            limit = int(float(extra["gib"]) * (1 << 30))
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        start = time.perf_counter()
        reasoner = reasonable.PyReasoner()
        reasoner.from_graph(graph)
        closure = reasoner.reason()
        return {"seconds": time.perf_counter() - start, "derived": len(set(closure)) - stated}
    if case == "owlrl":
        import owlrl

        graph = _rdflib(files)
        stated = len(graph)
        start = time.perf_counter()
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
        return {"seconds": time.perf_counter() - start, "derived": len(graph) - stated}
    if case == "store-load":
        from kgcli.engine.store import load

        start = time.perf_counter()
        load(extra["dir"], files, with_embedded=False)
        return {"seconds": time.perf_counter() - start, "derived": 0}
    if case == "store-infer":
        import pyoxigraph as ox

        from kgcli.engine.store import read_manifest

        folder = Path(extra["dir"])
        current = folder / (read_manifest(folder).current or "")
        target = folder / "g-bench-infer"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        ox.Store.read_only(str(current)).backup(str(target))
        store = ox.Store(str(target))
        report = infer(store, RuleSet(), sink=StoreSink(store, bulk=True))
        store.flush()
        seconds = time.perf_counter() - start
        del store
        shutil.rmtree(target, ignore_errors=True)
        return {"seconds": seconds, "derived": report.derived}
    raise SystemExit(f"unknown case {case}")


def sparql_fixpoint(store, *, domain_range: bool) -> int:  # type: ignore[no-untyped-def]
    """Approach A: the same instance rules as SPARQL INSERTs, semi-naive, until nothing is new.

    The schema is compiled in Python as kg does (one VALUES table per rule); each round writes
    what is new into a graph of its own, which the next round reads as its delta.
    """
    import pyoxigraph as ox

    from kgcli.engine.infer.schema import compile_schema
    from kgcli.engine.infer.vocab import SCHEMA_CLASSES, SCHEMA_PREDICATES

    schema_triples = set()
    for q in store:
        if q.predicate.value in {p.decode()[1:-1] for p in SCHEMA_PREDICATES} or (
            q.predicate.value.endswith("#type") and str(q.object).encode() in SCHEMA_CLASSES
        ):
            schema_triples.add(
                (str(q.subject).encode(), str(q.predicate).encode(), str(q.object).encode())
            )
    s = compile_schema(schema_triples, owl_rl=True, domain_range=domain_range)

    def values(rows: list[tuple[bytes, ...]]) -> str:
        return " ".join("(" + " ".join(t.decode() for t in row) + ")" for row in rows)

    named = lambda t: not t.startswith(b"_:")  # noqa: E731 - a VALUES row names no blank node
    sco = values([(c, d) for c, ds in s.superclasses.items() for d in ds if named(c) and named(d)])
    spo = values([(p, q) for p, qs in s.superproperties.items() for q in qs])
    inv = values([(p, q) for p, qs in s.inverses.items() for q in qs])
    sym = " ".join(p.decode() for p in s.symmetric)
    trans = " ".join(p.decode() for p in s.transitive)
    dom = values([(p, c) for p, cs in s.domains.items() for c in cs if named(c)])
    rng = values([(p, c) for p, cs in s.ranges.items() for c in cs if named(c)])
    new = "FILTER NOT EXISTS {{ GRAPH ?any {{ {} }} }}"

    def rules(delta: str) -> list[str]:
        d = f"GRAPH {delta}"
        found = [
            f"{{ ?x a ?d }} WHERE {{ VALUES (?c ?d) {{ {sco} }} {d} {{ ?x a ?c }} "
            f"{new.format('?x a ?d')} }}",
            f"{{ ?x ?q ?y }} WHERE {{ VALUES (?p ?q) {{ {spo} }} {d} {{ ?x ?p ?y }} "
            f"{new.format('?x ?q ?y')} }}",
            f"{{ ?y ?q ?x }} WHERE {{ VALUES (?p ?q) {{ {inv} }} {d} {{ ?x ?p ?y }} "
            f"FILTER(!isLiteral(?y)) {new.format('?y ?q ?x')} }}",
            f"{{ ?y ?p ?x }} WHERE {{ VALUES ?p {{ {sym} }} {d} {{ ?x ?p ?y }} "
            f"FILTER(!isLiteral(?y)) {new.format('?y ?p ?x')} }}",
            f"{{ ?x ?t ?z }} WHERE {{ VALUES ?t {{ {trans} }} "
            f"{{ {d} {{ ?x ?t ?y }} GRAPH ?g {{ ?y ?t ?z }} }} UNION "
            f"{{ {d} {{ ?y ?t ?z }} GRAPH ?g {{ ?x ?t ?y }} }} {new.format('?x ?t ?z')} }}",
        ]
        if domain_range:
            found.append(
                f"{{ ?x a ?c }} WHERE {{ VALUES (?p ?c) {{ {dom} }} {d} {{ ?x ?p ?y }} "
                f"{new.format('?x a ?c')} }}"
            )
            found.append(
                f"{{ ?y a ?c }} WHERE {{ VALUES (?p ?c) {{ {rng} }} {d} {{ ?x ?p ?y }} "
                f"FILTER(!isLiteral(?y)) {new.format('?y a ?c')} }}"
            )
        return found

    total, delta, rnd = 0, "?from", 0
    while True:
        graph = f"<urn:bench:round:{rnd}>"
        for body in rules(delta):
            head, where = body.split(" WHERE ", 1)
            store.update(f"INSERT {{ GRAPH {graph} {head} }} WHERE {where}")
        added = _count(store, graph[1:-1])
        if not added:
            break
        total += added
        delta, rnd = graph, rnd + 1
    del ox
    return total + len(s.derived)  # the schema's own (scm-*), derived in Python as kg does


# --- The parent -------------------------------------------------------------------------------


def measure(case: str, files: list[str], extra: dict[str, str], cap: float) -> dict[str, object]:
    """Run `case` in a fresh process; its figures and peak RSS, or why it did not finish."""
    argv = [sys.executable, __file__, "--child", case, *[a for f in files for a in ("--file", f)]]
    for key, value in extra.items():
        argv += ["--extra", f"{key}={value}"]
    wrapper = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(done.returncode); print(done.stdout.strip().splitlines()[-1:] or ''); "
        "lines = done.stderr.strip().splitlines(); "
        "why = [x for x in lines if 'alloc' in x or 'memory' in x.lower() or 'Error' in x]; "
        "print((why or lines)[-1:] or ''); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, timeout=cap
        )
    except subprocess.TimeoutExpired:
        return {"stopped": f">{cap:.0f} s"}
    wall = time.perf_counter() - start
    code, out, err, rss = done.stdout.strip().splitlines()[-4:]
    if code != "0":
        return {"failed": err.strip("[]'\""), "wall": wall, "rss_mib": int(rss) // 1024}
    figures = json.loads(eval(out)[0])  # the child's last line, as the wrapper printed it
    figures["rss_mib"] = int(rss) // 1024
    return figures


def city(size: float, work: Path) -> list[str]:
    """The files of a size: the embedded graph (0), or the synthetic city with our ontology."""
    if not size:
        return [
            str(ROOT / "ontology" / "kg.ttl"),
            *map(str, sorted((ROOT / "graph").glob("*.ttl"))),
        ]
    path = work / f"city-{size:g}.nt"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as out:
            generate.write(out, int(size), 7)
    return [str(ROOT / "ontology" / "kg.ttl"), str(path)]


def cell(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def summary(results: list[dict[str, object]]) -> tuple[list[float], str, str]:
    done = [r for r in results if "seconds" in r]
    seconds = [float(r["seconds"]) for r in done]  # type: ignore[arg-type]
    if not done:
        r = results[0]
        why = (
            r.get("stopped")
            or f"did not finish: stopped after {float(r['wall']):.0f} s at {r['rss_mib']} MiB "
            f"({r['failed']})"
        )  # type: ignore[arg-type]
        return [], str(why), "-"
    rss = statistics.median(int(r["rss_mib"]) for r in done)  # type: ignore[arg-type]
    return seconds, f"{int(done[0]['derived']):,}", f"{rss:.0f}"  # type: ignore[arg-type]


def part_compare(args: argparse.Namespace, work: Path, lines: list[str]) -> None:
    for size in args.sizes:
        files = city(size, work)
        name = "the embedded graph" if not size else f"the synthetic city, {size:g} triples"
        print(f"compare: {name}", file=sys.stderr)
        results: dict[str, list[dict[str, object]]] = {c: [] for c in CASES}
        for round_ in range(args.runs):
            for case in CASES:
                if f"{case}@{size:g}" in args.skip or case in args.skip:
                    continue
                if case == "owlrl" and (round_ or (size and size > args.owlrl_max)):
                    continue
                if case == "reasonable" and round_ and size >= 1e6:
                    continue
                if case == "sparql-fixpoint" and round_ and size >= 1e6:
                    continue
                extra = {"gib": str(args.reasonable_gib)} if case == "reasonable" else {}
                cap = {"owlrl": args.owlrl_cap, "sparql-fixpoint": args.fixpoint_cap}.get(
                    case, args.cap
                )
                results[case].append(measure(case, files, extra, cap))
                print(f"  {case}: {results[case][-1]}", file=sys.stderr)
        stated = results["load"][0].get("stated", 0)
        lines += [
            f"\n### Closure of {name} ({stated:,} triples stated)\n",
            "| reasoner | seconds, median (min-max) | derived | peak RSS (MiB) | / kg, same rules"
            " |",
            "|---|---|---:|---:|---:|",
        ]

        def seconds_of(case: str, results: dict = results) -> list[float]:  # type: ignore[type-arg]
            return [float(r["seconds"]) for r in results[case] if "seconds" in r]

        against = {"sparql-fixpoint": "kg", "reasonable": "kg-all", "owlrl": "kg-all"}
        labels = {
            "load": "load only, no reasoning (memory baseline)",
            "kg": "kg, `owl-rl` (the default rules)",
            "kg-all": "kg, `owl-rl` + domain-range + same-as (like for like)",
            "sparql-fixpoint": "`owl-rl` as SPARQL updates run to a fixpoint (approach A)",
            "reasonable": "`reasonable` (Rust)",
            "owlrl": "owlrl (rdflib)",
        }
        for case in CASES:
            if not results[case]:
                lines.append(f"| {labels[case]} | not run at this size | | | |")
                continue
            seconds, derived, rss = summary(results[case])
            base = seconds_of(against.get(case, "")) if case in against else []
            ratio = (
                f"{statistics.median(seconds) / statistics.median(base):.2f}x"
                if seconds and base
                else ""
            )
            shown = cell(seconds) if seconds else derived
            lines.append(
                f"| {labels[case]} | {shown} | {derived if seconds else ''} | {rss} | {ratio} |"
            )


def part_marking(args: argparse.Namespace, work: Path, lines: list[str]) -> None:
    files = city(args.marking_size, work)
    print(f"marking: {args.marking_size:g}", file=sys.stderr)
    results: dict[str, list[dict[str, object]]] = {m: [] for m in MARKINGS}
    for _ in range(args.runs):
        for marking in MARKINGS:
            results[marking].append(measure(f"mark-{marking}", files, {}, args.cap))
            print(f"  {marking}: {results[marking][-1]}", file=sys.stderr)
    lines += [
        f"\n### Marking the rule, synthetic city of {args.marking_size:g} triples\n",
        "| marking | seconds, median (min-max) | derived | quads in kgg:inferred | "
        "peak RSS (MiB) |",
        "|---|---|---:|---:|---:|",
    ]
    for marking in MARKINGS:
        seconds, derived, rss = summary(results[marking])
        quads = results[marking][0].get("quads", 0)
        lines.append(f"| {marking} | {cell(seconds)} | {derived} | {quads:,} | {rss} |")


def part_store(args: argparse.Namespace, work: Path, lines: list[str]) -> None:
    lines += [
        "\n### The store path: `kg infer --store` (a new generation, bulk loaded)\n",
        "| size | `kgcli.engine.store.load` seconds | its peak RSS (MiB) | infer seconds | "
        "derived | infer peak RSS (MiB) |",
        "|---|---|---:|---|---:|---:|",
    ]
    for size in args.store_sizes:
        files = city(size, work)
        folder = work / f"store-{size:g}"
        print(f"store: {size:g}", file=sys.stderr)
        loads, infers = [], []
        shutil.rmtree(folder, ignore_errors=True)
        loads.append(measure("store-load", files, {"dir": str(folder)}, 4 * 3600))
        print(f"  load: {loads[-1]}", file=sys.stderr)
        for _ in range(args.store_runs):
            infers.append(measure("store-infer", files, {"dir": str(folder)}, 4 * 3600))
            print(f"  infer: {infers[-1]}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        load_s, _, load_rss = summary(loads)
        infer_s, derived, infer_rss = summary(infers)
        row = [f"{size:g}", cell(load_s), load_rss, cell(infer_s), derived, infer_rss]
        lines.append("| " + " | ".join(row) + " |")


_QUERY = """
import sys, pyoxigraph as ox
from kgcli.engine.load import load_embedded
from kgcli.engine.source import LocalSource
store = ox.Store()
files = load_embedded(store)
if sys.argv[1] == "infer":
    from kgcli.engine.infer import infer, rule_set
    infer(store, rule_set([], project_rules=sys.argv[2]))
from kgcli.engine.catalogue import Catalogue
from kgcli.engine.query import prepare, run
from kgcli.output.render import render
result = run(LocalSource(store, files), prepare(Catalogue().get("shared-resources")))
render(result, "csv", sys.stdout.buffer)
"""


def part_query(args: argparse.Namespace, lines: list[str]) -> None:
    kg = shutil.which("kg") or str(Path(sys.executable).with_name("kg"))
    rules = str(ROOT / "queries" / "rules")
    argvs = {
        "kg query shared-resources -f csv": [kg, "query", "shared-resources", "-f", "csv"],
        "kg query shared-resources --infer -f csv": [
            kg,
            "query",
            "shared-resources",
            "--infer",
            "-f",
            "csv",
        ],
        "the same work in one process": [sys.executable, "-c", _QUERY, "plain", rules],
        "the same, inference first (--infer)": [sys.executable, "-c", _QUERY, "infer", rules],
    }
    times: dict[str, list[float]] = {k: [] for k in argvs}
    for _ in range(args.query_runs + 1):  # the first round warms the caches
        for name, argv in argvs.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    lines += [
        "\n### `--infer` on the embedded graph: whole processes, wall clock\n",
        "| process | seconds, median (min-max) |",
        "|---|---|",
    ]
    for name, values in times.items():
        lines.append(f"| {name} | {cell(values[1:])} |")
    added = statistics.median(times["the same, inference first (--infer)"][1:]) - statistics.median(
        times["the same work in one process"][1:]
    )
    total = statistics.median(times["kg query shared-resources -f csv"][1:]) + added
    lines.append(f"\nInference adds {added:.3f} s: `kg query --infer` would take {total:.3f} s.")
    measured = statistics.median(times["kg query shared-resources --infer -f csv"][1:])
    plain = statistics.median(times["kg query shared-resources -f csv"][1:])
    lines.append(f"Measured: {measured:.3f} s, {measured / plain:.2f}x `kg query` without it.")


def machine() -> str:
    import pyoxigraph

    from kgcli import __version__

    versions = []
    for name in ("reasonable", "owlrl", "rdflib"):
        try:
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
        except Exception:
            versions.append(f"{name} not installed")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores; kgcli {__version__}, pyoxigraph {pyoxigraph.__version__}, "
        + ", ".join(versions)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="compare,marking,store,query")
    parser.add_argument("--sizes", default="0,1e5,1e6", help="0 is the embedded graph")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=1800, help="seconds a case may take")
    parser.add_argument("--owlrl-cap", type=float, default=900)
    parser.add_argument("--owlrl-max", type=float, default=1e5, help="largest size owlrl runs at")
    parser.add_argument("--fixpoint-cap", type=float, default=600)
    parser.add_argument(
        "--skip", default="", help="cases not to run: CASE or CASE@SIZE, comma-separated"
    )
    parser.add_argument("--reasonable-gib", type=float, default=8, help="its address-space cap")
    parser.add_argument("--marking-size", type=float, default=1e6)
    parser.add_argument("--store-sizes", default="1e6,1e7")
    parser.add_argument("--store-runs", type=int, default=2)
    parser.add_argument("--query-runs", type=int, default=9)
    parser.add_argument("--work", help="folder for the generated files (default: a temporary one)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--extra", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        extra = dict(item.split("=", 1) for item in args.extra)
        print(json.dumps(child(args.child, args.file, extra)))
        return
    args.sizes = [float(s) for s in args.sizes.split(",") if s]
    args.skip = set(args.skip.split(","))
    args.store_sizes = [float(s) for s in args.store_sizes.split(",") if s]
    parts = set(args.parts.split(","))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kg-bench-infer-"))
    work.mkdir(parents=True, exist_ok=True)
    lines = ["## Inference (issue #14)\n", machine() + f"; {args.runs} runs.\n"]
    try:
        if "compare" in parts:
            part_compare(args, work, lines)
        if "marking" in parts:
            part_marking(args, work, lines)
        if "store" in parts:
            part_store(args, work, lines)
        if "query" in parts:
            part_query(args, lines)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
