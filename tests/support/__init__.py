"""What the tests share (the one helpers package; no test module imports another): where things
are, the tiny CLI graph, fake SPARQL servers (`support.fakes`), a running `kg serve`
(`support.server`) and the GEXF grammars (`support.gexf`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: tests/, and the repository above it.
TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
#: The source articles, the W3C SPARQL test suite and the GEXF grammars, beside the repository.
SHARED = ROOT.parent / "shared"
MINI = FIXTURES / "cli" / "mini.ttl"
MINI_QUERIES = FIXTURES / "cli" / "queries"

#: The hypothesis profile: "ci" (.ci/run sets it; CI=true implies it) runs every property test's
#: full example count, the everyday "dev" run a fifth, so that the README's test command stays
#: under 3 minutes (#13). KG_HYPOTHESIS_PROFILE=ci runs the full counts anywhere.
HYPOTHESIS_PROFILE = os.environ.get(
    "KG_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI", "").lower() in ("1", "true") else "dev"
)


def examples(count: int) -> int:
    """A property test's example count under the current profile: `count` in CI, else a fifth."""
    return count if HYPOTHESIS_PROFILE == "ci" else max(10, count // 5)


#: What a test waits for a `kg` process at most; a run that hangs fails here instead.
PATIENCE = 120


def kg_process(scratch: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`kg ARGS` as a whole process, its temporary folder (TMPDIR) `scratch`, which the test can
    then check is left empty; for what runs in child processes (timeouts, signals)."""
    return subprocess.run(
        [sys.executable, "-m", "kgcli", *map(str, args)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch), "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
