"""Load test of `kg serve` against `oxigraph serve-read-only` on the same data and queries.

    python benchmarks/bench_serve.py                       # 16 clients, 20 s per server
    python benchmarks/bench_serve.py --duration 5 --skip-oxigraph

Both servers run as subprocesses on 127.0.0.1 and serve the embedded graph (oxigraph with
`--union-default-graph`, as `kg serve` does). This process is the load: `--clients` threads, each
with its own keep-alive connection, POST the catalogue's queries (parameters bound as `kg query`
binds their defaults) round-robin with `Accept: application/sparql-results+json`, until
`--duration` seconds or `--max-requests` requests. Every answer is checked: status 200 and the
same number of rows as the query gives locally. Reported: throughput, p50/p99 latency, failures.
Loopback only, bounded in time and count, and the servers are always stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    by_query: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Accept": "text/turtle"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start within {limit:g} s")


def workload(slow_ms: float | None) -> tuple[list[tuple[str, str, int]], list[str]]:
    """(name, SPARQL text with its parameters bound, expected rows) per catalogue query.

    Queries slower than `slow_ms` in memory are left out (and named): they measure the engine,
    which both servers share, not the server.
    """
    from kgcli.api import open_source
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.query import prepare, run
    from kgcli.engine.results import SelectResult

    source = open_source()
    mix, slow = [], []
    for named in Catalogue().list():
        prepared = prepare(named, {})
        started = time.perf_counter()
        result = run(source, prepared)
        assert isinstance(result, SelectResult)
        rows = sum(1 for _ in result)
        if slow_ms is not None and (time.perf_counter() - started) * 1000 > slow_ms:
            slow.append(named.name)
            continue
        mix.append((named.name, prepared.text, rows))
    return mix, slow


def load(
    port: int, path: str, mix: list[tuple[str, str, int]], clients: int, duration: float, cap: int
) -> tuple[Stats, float, int]:
    """Run the load; (stats, elapsed seconds, requests sent)."""
    stats = Stats()
    sent = [0]
    sent_lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        turn = index
        while time.monotonic() < stop_at:
            with sent_lock:
                if sent[0] >= cap:
                    break
                sent[0] += 1
            name, text, expected = mix[turn % len(mix)]
            turn += 1
            body = urllib.parse.urlencode({"query": text})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                took = time.perf_counter() - started
                if response.status != 200:
                    raise ValueError(f"HTTP {response.status}: {data[:200]!r}")
                rows = len(json.loads(data)["results"]["bindings"])
                if rows != expected:
                    raise ValueError(f"{rows} rows, expected {expected}")
            except (OSError, ValueError, http.client.HTTPException) as err:
                with stats.lock:
                    stats.failures.append(f"{name}: {err}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with stats.lock:
                stats.latencies.append(took)
                stats.by_query.setdefault(name, []).append(took)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.monotonic() - started, sent[0]


RUNAWAY = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"


def runaways(port: int, path: str, every: float, duration: float) -> list[tuple[int, float]]:
    """Send the runaway query every `every` seconds for `duration`; (status, seconds) each."""
    answers: list[tuple[int, float]] = []
    stop_at = time.monotonic() + duration
    while time.monotonic() + every < stop_at:
        time.sleep(every)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        conn.request(
            "POST",
            path,
            body=urllib.parse.urlencode({"query": RUNAWAY}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        answers.append((response.status, time.perf_counter() - started))
        conn.close()
    return answers


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def tree_pss(pid: int) -> int:
    """Proportional set size, in bytes, of `pid` and all its descendants (Linux)."""
    total = 0
    for current in process_tree(pid):
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
        total += int(found.group(1)) * 1024 if found else 0
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def report(name: str, stats: Stats, elapsed: float, sent: int) -> dict[str, float]:
    done = len(stats.latencies)
    figures = {
        "requests": float(sent),
        "ok": float(done),
        "failed": float(len(stats.failures)),
        "throughput": done / elapsed if elapsed else 0.0,
        "p50_ms": percentile(stats.latencies, 50) * 1000 if done else float("nan"),
        "p99_ms": percentile(stats.latencies, 99) * 1000 if done else float("nan"),
        "mean_ms": statistics.fmean(stats.latencies) * 1000 if done else float("nan"),
    }
    print(
        f"| {name} | {sent} | {len(stats.failures)} | {figures['throughput']:.0f} | "
        f"{figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} |",
        flush=True,
    )
    for failure in stats.failures[:5]:
        print(f"  failure: {failure}", file=sys.stderr)
    slowest = sorted(stats.by_query.items(), key=lambda item: -statistics.median(item[1]))[:3]
    shown = ", ".join(f"{q} {statistics.median(t) * 1000:.0f}" for q, t in slowest)
    print(f"  slowest queries (median ms): {shown}", file=sys.stderr)
    return figures


def start_kg(port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "kgcli", "serve", "--port", str(port), *extra]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _oxigraph() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        raise SystemExit("oxigraph is not installed: pip install oxigraph (or --skip-oxigraph)")
    return exe


def _dump(workdir: Path) -> Path:
    """The embedded graph as N-Quads, named graphs kept."""
    import pyoxigraph as ox

    from kgcli.api import open_source

    dump = workdir / "graph.nq"
    if not dump.exists():
        with dump.open("wb") as out:
            ox.serialize(open_source().store, out, ox.RdfFormat.N_QUADS)
    return dump


def start_oxigraph_disk(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """`oxigraph serve-read-only` on a RocksDB store (its usual deployment)."""
    location = workdir / "oxigraph"
    subprocess.run(
        [_oxigraph(), "load", "--location", str(location), "--file", str(_dump(workdir))],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    command = [_oxigraph(), "serve-read-only", "--location", str(location)]
    command += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_oxigraph_memory(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """`oxigraph serve` in memory (the engine `kg serve` embeds), loaded over its /store."""
    command = [_oxigraph(), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, "/", proc)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/store",
        body=_dump(workdir).read_bytes(),
        headers={"Content-Type": "application/n-quads"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status >= 300:
        proc.kill()
        raise SystemExit(f"oxigraph refused the data: HTTP {response.status}")
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per server")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per server")
    parser.add_argument("--skip-oxigraph", action="store_true")
    parser.add_argument(
        "--kg-args", default="", help="extra `kg serve` options, e.g. '--max-concurrent 16'"
    )
    parser.add_argument(
        "--all", action="store_true", help="keep the queries slower than 50 ms in memory"
    )
    parser.add_argument(
        "--runaway-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also send kg serve a runaway query this often (it runs with --timeout 5), and "
        "report its memory before and after",
    )
    args = parser.parse_args()

    mix, slow = workload(None if args.all else 50.0)
    if slow:
        print(f"left out, slower than 50 ms in memory: {', '.join(slow)}")
    print(
        f"{len(mix)} catalogue queries, {args.clients} clients, {args.duration:g} s per server, "
        f"at most {args.max_requests} requests; {platform.python_version()}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| server | requests | failed | req/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    results = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-serve-") as tmp:
        work = Path(tmp)
        kg_args = args.kg_args.split() + (["--timeout", "5"] if args.runaway_every else [])
        servers = [("kg serve", "/sparql", lambda p: start_kg(p, kg_args))]
        if not args.skip_oxigraph:
            servers += [
                ("oxigraph serve, in memory", "/query", lambda p: start_oxigraph_memory(p, work)),
                (
                    "oxigraph serve-read-only, RocksDB",
                    "/query",
                    lambda p: start_oxigraph_disk(p, work),
                ),
            ]
        for name, path, start in servers:
            port = free_port()
            proc = start(port)
            try:
                wait_ready(port, "/" if path == "/query" else path, proc)
                load(port, path, mix[:2], 2, 1.0, 200)  # warm up
                stopped: list[tuple[int, float]] = []
                watch = name == "kg serve" and args.runaway_every > 0
                if watch:
                    before = tree_pss(proc.pid)
                    runner = threading.Thread(
                        target=lambda out, where, at: out.extend(
                            runaways(where, at, args.runaway_every, args.duration)
                        ),
                        args=(stopped, port, path),
                    )
                    runner.start()
                stats, elapsed, sent = load(
                    port, path, mix, args.clients, args.duration, args.max_requests
                )
                results[name] = report(name, stats, elapsed, sent)
                if watch:
                    runner.join()
                    after = tree_pss(proc.pid)
                    statuses = sorted({status for status, _ in stopped})
                    longest = max((t for _, t in stopped), default=0.0)
                    print(
                        f"  runaways: {len(stopped)} sent, statuses {statuses}, longest "
                        f"{longest:.1f} s; memory (PSS of the process tree) "
                        f"{before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB after",
                        file=sys.stderr,
                    )
            finally:
                stop(proc)
    ours = results["kg serve"]
    for name, theirs in results.items():
        if name == "kg serve":
            continue
        ratio = ours["p99_ms"] / theirs["p99_ms"]
        verdict = "met" if ratio <= 3 and ours["failed"] == 0 else "NOT met"
        print(f"p99 kg serve / {name}: {ratio:.2f}x (target <= 3x, no failure: {verdict})")


if __name__ == "__main__":
    main()
