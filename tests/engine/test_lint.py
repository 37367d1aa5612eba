"""The lint library: the checks' headers, findings as rows, the namespace parameter."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from support import FIXTURES

from kgcli.api import open_source
from kgcli.engine.catalogue import SEVERITIES, from_text
from kgcli.engine.lint import checks, for_namespace, lint, namespace_iri
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


def test_no_check_that_takes_the_namespace_names_ours_in_its_text():
    """Such a check names the namespace as {ns}, which lint fills in with the one in use (#17)."""
    takes_ns = [c for c in checks() if any(p.name == "ns" for p in c.params)]
    assert takes_ns
    ours = ("kg:", "kgcli/ontology")
    hard_coded = {
        (c.name, part): text
        for c in takes_ns
        for part, text in (("title", c.title), ("description", c.description))
        if "{ns}" not in text or any(word in text for word in ours)
    }
    assert hard_coded == {}


def test_titles_name_the_namespace_in_use():
    builtin = {c.name: c for c in checks()}
    declared = builtin["kg-terms-declared"]
    assert for_namespace(declared).title == "Undeclared kg: terms"
    assert for_namespace(declared, "<http://example.org/voc#>").title == (
        "Undeclared <http://example.org/voc#> terms"
    )
    assert for_namespace(declared, "<http://www.w3.org/2004/02/skos/core#>").description.startswith(
        "Every IRI of the skos: namespace (the `ns` parameter's) used anywhere"
    )
    other = builtin["predicates-not-declared"]  # takes no namespace: as it is
    assert for_namespace(other, "<http://example.org/voc#>") == other


def test_a_users_check_names_the_namespace_with_its_own_prefix():
    own = from_text(
        "# title: {ns} classes without instances\n"
        "# param: ns iri = voc: -- the vocabulary\n"
        "PREFIX voc: <http://example.org/voc#>\n"
        "SELECT ?c WHERE { ?c a ?k FILTER(STRSTARTS(STR(?c), STR(?ns))) }\n",
        "own",
    )
    assert for_namespace(own).title == "voc: classes without instances"
    assert for_namespace(own, "<http://example.org/voc#>").title == "voc: classes without instances"
    assert for_namespace(own, "<https://w3id.org/kgcli/ontology#>").title == (
        "kg: classes without instances"
    )
    assert for_namespace(own, "<http://example.org/other/>").title == (
        "<http://example.org/other/> classes without instances"
    )
