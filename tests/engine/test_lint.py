"""The lint library: the checks' headers, findings as rows, the namespace parameter."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from support import FIXTURES

from kgcli.api import open_source
from kgcli.engine.catalogue import SEVERITIES
from kgcli.engine.lint import checks, lint, namespace_iri
from kgcli.errors import UsageError

LINT = FIXTURES / "lint"


def test_every_builtin_check_declares_its_severity():
    builtin = checks()
    assert len(builtin) >= 10
    assert {c.name: c.severity for c in builtin if c.severity not in SEVERITIES} == {}
    takes_ns = sorted(c.name for c in builtin if any(p.name == "ns" for p in c.params))
    assert takes_ns == ["kg-terms-declared", "kg-terms-labelled-and-defined", "terms-of-two-kinds"]


def test_findings_are_rows_of_terms_and_errors_are_counted():
    source = open_source(data=[str(LINT / "broken.ttl")], with_embedded=True)
    result, errors = lint(source, checks([LINT / "checks"]))
    kg = "https://w3id.org/kgcli/ontology#"
    assert result.variables == ["check", "severity", "focus", "message"]
    assert next(iter(result.rows)) == (
        ox.Literal("kg-terms-declared"),
        ox.Literal("error"),
        ox.NamedNode(kg + "Clinc"),
        ox.Literal("Undeclared kg: terms"),
    )
    assert errors == 2


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("kg:", "<https://w3id.org/kgcli/ontology#>"),
        ("http://example.org/voc#", "<http://example.org/voc#>"),
        ("<http://example.org/voc/>", "<http://example.org/voc/>"),
    ],
)
def test_the_namespace_is_any_iri_or_a_well_known_prefix(text, iri):
    assert namespace_iri(text) == iri


def test_a_bad_namespace_is_a_usage_error():
    with pytest.raises(UsageError, match=r"^--namespace: 'voc:' is not an IRI"):
        namespace_iri("voc:")
