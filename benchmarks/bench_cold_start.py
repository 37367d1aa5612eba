"""Cold start of `kg`, this tree against an earlier commit, as ratios measured in one run.

    python benchmarks/bench_cold_start.py                 # against c330aad, 21 runs each
    python benchmarks/bench_cold_start.py --base REV --runs 41

Issue #13 re-packaged kgcli by layer (a749c56 and after); packages and records read at start-up
could slow every `kg` run. This times whole processes, wall clock: `kg --help` and a catalogue
query on the embedded graph (`kg query shared-resources -f csv`), for the tree this script is in
and for REV (checked out with `git archive` into a temporary folder, run with the same Python and
the same installed dependencies, its own source first on PYTHONPATH). Runs alternate between the
two, so drift on a shared machine hits both; medians and their ratio are printed as Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: main's last commit before the re-packaging (a749c56's parent, with a mypy cast of render.py).
DEFAULT_BASE = "c330aad"
COMMANDS = {
    "kg --help": ["--help"],
    "kg query shared-resources -f csv": ["query", "shared-resources", "-f", "csv"],
}


def export(rev: str, into: Path) -> Path:
    """The tree of `rev` in a folder of its own (nothing of this work tree leaks in)."""
    archive = into / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), rev], check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def once(tree: Path, args: list[str]) -> float:
    """Seconds of one whole `python -m kgcli ARGS` with `tree`'s sources."""
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "100"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kgcli", *args],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="the commit to compare with")
    parser.add_argument("--runs", type=int, default=21, help="runs of each command and tree")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-cold-") as tmp:
        trees = {"base": export(options.base, Path(tmp)), "this": ROOT}
        times: dict[tuple[str, str], list[float]] = {}
        for name, args in COMMANDS.items():
            for tree in trees.values():  # warm the file cache and the bytecode of both
                once(tree, args)
            for _ in range(options.runs):
                for label, tree in trees.items():
                    times.setdefault((name, label), []).append(once(tree, args))
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"Medians of {options.runs} runs each, interleaved; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores. This tree: {head} (and any "
        f"uncommitted change); base: {options.base}.\n"
    )
    print(f"| command | {options.base} (s) | this tree (s) | ratio |")
    print("|---|---|---|---|")
    for name in COMMANDS:
        base = statistics.median(times[(name, "base")])
        this = statistics.median(times[(name, "this")])
        print(f"| `{name}` | {base:.3f} | {this:.3f} | {this / base:.2f} |")


if __name__ == "__main__":
    main()
