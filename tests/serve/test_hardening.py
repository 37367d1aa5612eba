"""Runaway work is bounded (issue #7, items 3 and 6): the server's default body cap, and two
minutes of 16 clients with a runaway among them (`benchmarks/bench_hardening.py`).

The local `--timeout` cases (a cross join, a regex over one, the process healthy afterwards) are
rows of tests/cli/test_bad_input.py; the server's timeout, result cap, memory cap and 503 under
overload are in tests/serve/test_serve.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT
from support.server import call, kg_serve

MIB = 1 << 20


@pytest.mark.integration
def test_the_default_body_cap_is_one_mib() -> None:
    with kg_serve("--data", str(ROOT / "tests" / "fixtures" / "cli" / "mini.ttl")) as server:
        direct = {"Content-Type": "application/sparql-query"}
        at_cap = "ASK {} #" + "x" * (MIB - len("ASK {} #"))
        assert len(at_cap) == MIB
        status, _, body = call("POST", server.url, at_cap, direct)
        assert (status, body) == (200, b'{"head":{},"boolean":true}')
        status, _, body = call("POST", server.url, at_cap + "x", direct)
        assert status == 413
        assert body == b"the request body has 1,048,577 bytes, more than 1,048,576\n"


@pytest.mark.integration
@pytest.mark.slow
def test_two_minutes_of_sixteen_clients_and_a_runaway(tmp_path: Path) -> None:
    """No failed or wrong answer, every runaway stopped at the timeout, memory flat."""
    out = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_hardening.py"), "--runaway"]
    command += ["--clients", "16", "--duration", "120", "--timeout", "5", "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=400)
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    assert figures["failed"] == 0, figures["failures"]
    assert figures["ok"] == figures["requests"] > 1000
    # Back to back for two minutes at a 5 s timeout: about 24 runaways, each a 503 at 5 s.
    assert figures["runaways"] >= 15
    assert figures["runaway_statuses"] == [503]
    assert figures["runaway_bodies"] == ["query stopped after the 5 s timeout\n"]
    assert figures["runaways_stopped"], (figures["runaway_min_s"], figures["runaway_max_s"])
    assert figures["memory_flat"], (figures["rss_first_mib"], figures["rss_last_mib"])
