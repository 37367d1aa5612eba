"""`kg serve` under load with a runaway query among the clients (issue #7, item 6).

    python benchmarks/bench_hardening.py --runaway              # 16 clients, 2 minutes
    python benchmarks/bench_hardening.py --runaway --duration 20 --json out.json

One `kg serve` (embedded graph, `--timeout`) on 127.0.0.1. Of `--clients` keep-alive clients,
all but one post the catalogue's queries round-robin and check every answer (status 200, the rows
`kg query` gives); with `--runaway`, the last one posts a query that never ends, again and again,
and checks each is stopped with 503 at the server's timeout. The resident memory (RSS) of the
server and its workers is sampled every `--sample` seconds. Loopback only, bounded in time, and
the server is always stopped. Reported: requests, failures, throughput, p50/p99, the runaways'
statuses and durations, and memory at the start and end of the run ("flat" when the last quarter's
mean is within 10 % or 32 MiB of the first quarter's).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serve import (
    free_port,
    load,
    percentile,
    process_tree,
    start_kg,
    stop,
    wait_ready,
    workload,
)

#: Never ends in constant memory: a count over a 5255^3-row cross join; meets the timeout.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def tree_rss(pid: int) -> int:
    """Resident set size, in bytes, of `pid` and all its descendants (Linux)."""
    total = 0
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def runaway_client(port: int, until: float, out: list[tuple[int, float, bytes]]) -> None:
    """Post the runaway query back to back until `until`; (status, seconds, body) each."""
    while time.monotonic() < until:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.monotonic()
        try:
            conn.request(
                "POST",
                "/sparql",
                body=urllib.parse.urlencode({"query": RUNAWAY}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            out.append((response.status, time.monotonic() - started, response.read()[:200]))
        except (OSError, http.client.HTTPException) as err:
            out.append((0, time.monotonic() - started, repr(err).encode()))
        finally:
            conn.close()


def run(clients: int, duration: float, timeout: float, runaway: bool, sample: float) -> dict:
    """Run the load once; every figure and verdict, as a JSON-ready dict."""
    mix, _ = workload(50.0)
    port = free_port()
    proc = start_kg(port, ["--timeout", f"{timeout:g}"])
    samples: list[tuple[float, int]] = []
    stopped: list[tuple[int, float, bytes]] = []
    try:
        wait_ready(port, "/sparql", proc)
        load(port, "/sparql", mix[:2], 2, 1.0, 200)  # warm up: the workers are forked
        started = time.monotonic()
        until = started + duration
        done = threading.Event()

        def sampler() -> None:
            while not done.is_set():
                samples.append((time.monotonic() - started, tree_rss(proc.pid)))
                done.wait(sample)

        threads = [threading.Thread(target=sampler)]
        if runaway:
            threads.append(threading.Thread(target=runaway_client, args=(port, until, stopped)))
        for thread in threads:
            thread.start()
        normal = clients - 1 if runaway else clients
        stats, elapsed, sent = load(port, "/sparql", mix, normal, duration, 10_000_000)
        done.set()
        for thread in threads:
            thread.join()
        samples.append((time.monotonic() - started, tree_rss(proc.pid)))
    finally:
        stop(proc)
    quarter = max(1, len(samples) // 4)
    first = statistics.fmean(rss for _, rss in samples[:quarter])
    last = statistics.fmean(rss for _, rss in samples[-quarter:])
    durations = [seconds for _, seconds, _ in stopped]
    figures = {
        "clients": clients,
        "duration_s": duration,
        "timeout_s": timeout,
        "queries": len(mix),
        "requests": sent,
        "ok": len(stats.latencies),
        "failed": len(stats.failures),
        "failures": stats.failures[:10],
        "throughput": len(stats.latencies) / elapsed,
        "p50_ms": percentile(stats.latencies, 50) * 1000,
        "p99_ms": percentile(stats.latencies, 99) * 1000,
        "runaways": len(stopped),
        "runaway_statuses": sorted({status for status, _, _ in stopped}),
        "runaway_min_s": min(durations, default=0.0),
        "runaway_max_s": max(durations, default=0.0),
        "runaway_bodies": sorted({body.decode("utf-8", "replace") for _, _, body in stopped})[:3],
        "rss_first_mib": first / 2**20,
        "rss_last_mib": last / 2**20,
        "rss_max_mib": max(rss for _, rss in samples) / 2**20,
        "rss_samples": len(samples),
    }
    figures["memory_flat"] = last - first <= max(32 * 2**20, 0.10 * first)
    figures["runaways_stopped"] = bool(stopped) and all(
        status == 503 and timeout * 0.95 <= seconds <= timeout + 5 for status, seconds, _ in stopped
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--timeout", type=float, default=5.0, help="kg serve --timeout")
    parser.add_argument("--runaway", action="store_true", help="one client sends a runaway")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between RSS samples")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.clients, args.duration, args.timeout, args.runaway, args.sample)
    print(
        f"{figures['queries']} catalogue queries, {args.clients} clients"
        f"{' (one sends the runaway)' if args.runaway else ''}, {args.duration:g} s, "
        f"kg serve --timeout {args.timeout:g}; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| requests | failed | req/s | p50 ms | p99 ms | runaways (status, s) | RSS MiB |")
    print("|---:|---:|---:|---:|---:|---|---|")
    statuses = ",".join(str(s) for s in figures["runaway_statuses"]) or "-"
    print(
        f"| {figures['requests']} | {figures['failed']} | {figures['throughput']:.0f} | "
        f"{figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | {figures['runaways']} x "
        f"{statuses} in {figures['runaway_min_s']:.1f}-{figures['runaway_max_s']:.1f} | "
        f"{figures['rss_first_mib']:.0f} -> {figures['rss_last_mib']:.0f} "
        f"(max {figures['rss_max_mib']:.0f}) |"
    )
    for failure in figures["failures"]:
        print(f"  failure: {failure}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
