"""Benchmarks of `kg` against the engine used directly and rdflib, as ratios measured in one run.

    python benchmarks/run.py                 # 10^5 and 10^6 triples, 5 runs each, print Markdown
    python benchmarks/run.py --sizes 1e4 --runs 2          # the quick CI run
    python benchmarks/run.py --write benchmarks/RESULTS.md  # record the figures

Every figure is a median (with min-max) of several runs and is reported as a ratio to a baseline
measured in the same run, because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

KG = "PREFIX kg: <https://w3id.org/kgcli/ontology#>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

#: The fixed query shapes, written against the synthetic graph's vocabulary.
SHAPES = {
    "star join": KG
    + RDFS
    + """SELECT ?firm ?name ?place ?sector ?year WHERE {
  ?firm a kg:Company ; rdfs:label ?name ; kg:locatedIn ?place ; kg:inSector ?sector ;
        kg:establishedIn ?year }""",
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
  ?firm a kg:Company ; rdfs:label ?name OPTIONAL { ?firm kg:establishedIn ?year } }""",
    "shared-resource self-join": KG
    + """SELECT ?a ?b (COUNT(?r) AS ?shared) WHERE {
  ?a kg:usesSharedResource ?r . ?b kg:usesSharedResource ?r FILTER(STR(?a) < STR(?b))
} GROUP BY ?a ?b""",
    "edge-list extraction": KG
    + """SELECT ?source ?target WHERE {
  ?source kg:locatedIn|kg:usesSharedResource|kg:inSector ?target }""",
}


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of `runs` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def cell(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


def ratio(ours: list[float], base: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(base):.2f}x"


def bench_size(size: int, runs: int, rdflib_max: int, lines: list[str]) -> None:
    import pyoxigraph as ox

    from kgcli.catalogue import from_text
    from kgcli.load import load_file
    from kgcli.query import prepare, run
    from kgcli.render import render
    from kgcli.source import LocalSource

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "city.nt")
        with open(path, "w", encoding="utf-8") as out:
            count = generate.write(out, size, seed=7)
        lines.append(f"\n### {count:,} triples\n")
        lines.append(
            "| work | pyoxigraph directly (baseline) | kg | kg / baseline |"
            + (" rdflib memory | rdflib / kg |" if size <= rdflib_max else "")
        )
        lines.append("|---|---|---|---|" + ("---|---|" if size <= rdflib_max else ""))

        def ox_load() -> ox.Store:
            store = ox.Store()
            store.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g"))
            return store

        def kg_load() -> ox.Store:
            store = ox.Store()
            load_file(store, path)
            return store

        base, ours = timed(ox_load, runs), timed(kg_load, runs)
        row = f"| load (file -> memory) | {cell(base)} | {cell(ours)} | {ratio(ours, base)} |"
        graph = None
        if size <= rdflib_max:
            import rdflib

            def rdflib_load() -> rdflib.Graph:
                g = rdflib.Graph()
                g.parse(path, format="nt")
                return g

            slow = timed(rdflib_load, max(1, runs // 2))
            graph = rdflib_load()
            row += f" {cell(slow)} | {ratio(slow, ours)} |"
        lines.append(row)

        store = ox_load()
        source = LocalSource(store)
        devnull = open(os.devnull, "wb")  # noqa: SIM115 - held for the whole size
        for name, text in SHAPES.items():

            def direct(text: str = text) -> None:
                store.query(text, use_default_graph_as_union=True).serialize(
                    devnull, format=ox.QueryResultsFormat.CSV
                )

            def through_kg(text: str = text) -> None:
                prepared = prepare(from_text(text))
                render(run(source, prepared), "csv", devnull)

            base, ours = timed(direct, runs), timed(through_kg, runs)
            row = f"| {name} + CSV | {cell(base)} | {cell(ours)} | {ratio(ours, base)} |"
            if graph is not None:
                slow = timed(lambda text=text: list(graph.query(text)), 1)
                row += f" {cell(slow)} | {ratio(slow, ours)} |"
            lines.append(row)
            print(f"  {name}: done", file=sys.stderr)
        devnull.close()


def bench_cli(runs: int, lines: list[str]) -> None:
    """Cold start of whole processes, against `python -c pass`."""
    kg = [sys.executable, "-m", "kgcli"]
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "kg --help": [*kg, "--help"],
        "kg query shared-resources (embedded graph)": [*kg, "query", "shared-resources"],
    }
    lines.append("\n### CLI cold start (whole process, wall clock)\n")
    lines.append("| command | seconds | minus python start |")
    lines.append("|---|---|---|")
    base: list[float] = []
    for label, argv in cases.items():
        times = timed(lambda argv=argv: subprocess.run(argv, check=True, capture_output=True), runs)
        if not base:
            base = times
        extra = statistics.median(times) - statistics.median(base)
        lines.append(f"| `{label}` | {cell(times)} | {extra:+.3f} |")


def machine() -> str:
    import pyoxigraph
    import rdflib

    from kgcli import __version__

    cpu = platform.processor() or platform.machine()
    return (
        f"Python {platform.python_version()} on {platform.system()} {cpu}, "
        f"{os.cpu_count()} cores; kgcli {__version__}, pyoxigraph {pyoxigraph.__version__}, "
        f"rdflib {rdflib.__version__}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1e5,1e6",
        help="comma-separated triple counts ('' for the CLI figures only)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--rdflib-max",
        type=float,
        default=1e5,
        help="largest size to also run on rdflib (slow: minutes at 10^6)",
    )
    parser.add_argument("--write", type=Path, help="write the Markdown figures to this file")
    args = parser.parse_args(argv)
    lines = [
        "## Query engine and CLI (issue #2)",
        "",
        f"Machine: {machine()}.",
        "",
        f"Medians of {args.runs} runs, min-max in brackets, seconds.",
    ]
    for size in (int(float(s)) for s in args.sizes.split(",") if s):
        print(f"{size} triples", file=sys.stderr)
        bench_size(size, args.runs, int(args.rdflib_max), lines)
    bench_cli(max(args.runs, 5), lines)
    text = "\n".join(lines) + "\n"
    if args.write:
        _replace_section(args.write, text)
    print(text)


BEGIN, END = "<!-- benchmarks/run.py: begin -->", "<!-- benchmarks/run.py: end -->"


def _replace_section(path: Path, text: str) -> None:
    """Put the figures between the markers, keeping the prose around them."""
    old = path.read_text(encoding="utf-8") if path.exists() else f"{BEGIN}\n{END}\n"
    head, _, rest = old.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
