"""What the tests share (the one helpers package; no test module imports another): where things
are, the tiny CLI graph, fake SPARQL servers (`support.fakes`), a running `kg serve`
(`support.server`) and the GEXF grammars (`support.gexf`)."""

from __future__ import annotations

from pathlib import Path

#: tests/, and the repository above it.
TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
#: The source articles, the W3C SPARQL test suite and the GEXF grammars, beside the repository.
SHARED = ROOT.parent / "shared"
MINI = FIXTURES / "cli" / "mini.ttl"
MINI_QUERIES = FIXTURES / "cli" / "queries"
