"""Time each catalogue query against its text at an earlier commit, on the same store (#17).

Loads the synthetic city (`generate.py`, as `run.py` makes it) plus ontology/kg.ttl into one
pyoxigraph store per size, then runs every `queries/*.rq` of the working tree and, where it
existed, its text at `--against` (git), interleaved, each bound with run.py's SYNTHETIC_PARAMS.
Prints a Markdown table of medians (min-max) and the ratio new / old. With `--compare`, also
checks that each query's rows (sorted CSV) equal those of its text at another revision
(the text before a rewrite) and exits 1 if any differ.

    python benchmarks/bench_catalogue.py --sizes 1e5,1e6 --runs 5 --against 3ac46f7 \
        --adapt resource-sharing-pairs:kg:hostedBy=kg:sharedWithin
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402


def old_text(rev: str, name: str) -> str | None:
    """The query's text at `rev`, or None where it did not exist."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:queries/{name}.rq"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def csv(store: object, text: str) -> bytes:
    """The query's results as CSV, as `run.py` times them."""
    import pyoxigraph as ox

    out = io.BytesIO()
    store.query(text, use_default_graph_as_union=True).serialize(  # type: ignore[attr-defined]
        out, format=ox.QueryResultsFormat.CSV
    )
    return out.getvalue()


def sorted_rows(data: bytes) -> list[bytes]:
    """Header first, then the rows sorted: the order among equal sort keys may change."""
    lines = data.splitlines()
    return [lines[0], *sorted(lines[1:])]


def main() -> int:
    import pyoxigraph as ox

    from kgcli.engine.catalogue import Catalogue, from_text
    from kgcli.engine.load import load_file
    from kgcli.engine.query import prepare

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e5", help="comma-separated triple counts")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", default="3ac46f7", help="git revision of the old texts")
    parser.add_argument("--data", type=Path, default=Path("/tmp/kgcli-bench"))
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument(
        "--adapt",
        action="append",
        default=[],
        metavar="QUERY:OLD=NEW",
        help="in QUERY's old text, read the term OLD as NEW (a term renamed since; repeatable)",
    )
    parser.add_argument(
        "--compare",
        default="",
        metavar="REV",
        help="check the rows equal those of REV's texts, and time those too where they differ",
    )
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}

    pairs = []
    for named in Catalogue().list():
        if only and named.name not in only:
            continue
        params = bench.SYNTHETIC_PARAMS.get(named.name, {})
        old = old_text(args.against, named.name)
        for rule in args.adapt:
            query, _, terms = rule.partition(":")
            if query == named.name and old is not None:
                before, _, after = terms.partition("=")
                old = old.replace(before, after)
        old_q = prepare(from_text(old, named.name), params).text if old is not None else None
        new_q = prepare(named, params).text
        same = old_text(args.compare, named.name) if args.compare else None
        same_q = prepare(from_text(same, named.name), params).text if same is not None else None
        pairs.append((named.name, params, old_q, new_q, same_q))

    differ = 0
    for size in (int(float(s)) for s in args.sizes.split(",")):
        path = bench.data_file(size, args.data)
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        load_file(store, str(bench.ONTOLOGY))
        print(f"\n### {len(store):,} triples\n")
        before = f" {args.compare} text |" if args.compare else ""
        print(
            f"| query | rows ({args.against} text) | rows (this text) | {args.against} text "
            f"|{before} this text | this / {args.against} |"
        )
        print("|---|---:|---:|---|---|---|" + ("---|" if args.compare else ""))
        for name, params, old_q, new_q, same_q in pairs:
            texts = {"new": new_q} if old_q is None else {"old": old_q, "new": new_q}
            if same_q is not None and same_q != new_q:
                texts["same"] = same_q
            times: dict[str, list[float]] = {k: [] for k in texts}
            for _ in range(args.runs):
                for key, text in texts.items():
                    start = time.perf_counter()
                    csv(store, text)
                    times[key].append(time.perf_counter() - start)
            got = sorted_rows(csv(store, new_q))
            rows = len(got) - 1
            if same_q is not None and sorted_rows(csv(store, same_q)) != got:
                differ += 1
                print(f"  rows differ from {args.compare}'s: {name}", file=sys.stderr)
            label = name + "".join(f" ({k}={v})" for k, v in params.items())
            old_rows = f"{len(csv(store, old_q).splitlines()) - 1:,}" if old_q else "-"
            old_cell = bench.cell(times["old"]) if "old" in times else "- (new)"
            ratio = bench.ratio(times["new"], times["old"]) if "old" in times else "-"
            new_cell = bench.cell(times["new"])
            if args.compare:
                new_cell = (
                    (bench.cell(times["same"]) if "same" in times else "(same)") + " | " + new_cell
                )
            print(f"| {label} | {old_rows} | {rows:,} | {old_cell} | {new_cell} | {ratio} |")
            sys.stdout.flush()
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
