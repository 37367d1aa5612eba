"""The official GEXF grammars (RELAX NG, in ../shared/gexf), to validate what kg writes."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from lxml import etree

from support import SHARED


@functools.cache
def _grammar(version: str) -> etree.RelaxNG:
    path = SHARED / "gexf" / version / "gexf.rng"
    if not path.exists():
        pytest.skip(
            f"../shared/gexf is absent: the official GEXF {version} grammar is expected at {path} "
            "(see /work/shared/gexf/README.md), so GEXF files cannot be validated"
        )
    return etree.RelaxNG(etree.parse(str(path)))


def assert_valid(path: Path, version: str = "1.3") -> etree._ElementTree:
    """Parse `path` and validate it against the GEXF grammar of `version`; return the tree."""
    doc = etree.parse(str(path))
    grammar = _grammar(version)
    assert grammar.validate(doc), f"{path.name}: {grammar.error_log}"
    return doc
