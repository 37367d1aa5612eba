"""The lint library: the checks' headers, findings as rows, the namespace parameter."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from support import FIXTURES

from kgcli.api import open_source
from kgcli.engine.catalogue import SEVERITIES, NamedQuery, from_text
from kgcli.engine.lint import checks, for_namespace, lint, namespace_iri
from kgcli.errors import UsageError

LINT = FIXTURES / "lint"


def test_every_builtin_check_declares_its_severity():
    builtin = checks()
    assert len(builtin) >= 10
    assert {c.name: c.severity for c in builtin if c.severity not in SEVERITIES} == {}
    takes_ns = sorted(c.name for c in builtin if any(p.name == "ns" for p in c.params))
    assert takes_ns == [
        "deprecated-terms-in-use",
        "kg-terms-declared",
        "kg-terms-labelled-and-defined",
        "object-properties-without-inverse",
        "properties-without-domain-or-range",
        "terms-of-two-kinds",
    ]


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


#: Our namespaces: the ontology's (kg:), the resources' (kgr:), the graphs' and inference's.
OURS = "https://w3id.org/kgcli/"


def _our_iris(check: NamedQuery) -> list[str]:
    """The IRIs of ours a check's SPARQL names, PREFIX declarations and the default of a
    vocabulary check's namespace (`COALESCE(STR(?ns), "...")`) aside."""
    tokens = check.parsed.tokens
    prefixes = check.parsed.prefixes
    found = []
    for i, token in enumerate(tokens):
        if i >= 1 and tokens[i - 1].is_keyword("PREFIX"):
            continue  # the prefix name; its IRI follows
        if i >= 2 and tokens[i - 2].is_keyword("PREFIX"):
            continue
        if token.kind == "iri":
            iri = token.value[1:-1]
        elif token.kind == "pname":
            name, _, local = token.value.partition(":")
            iri = prefixes.get(name, "") + local
        elif token.kind == "string":
            iri = token.value.strip("\"'")
            if [t.value for t in tokens[i - 3 : i]] == ["?ns", ")", ","]:
                continue  # the namespace checked when the check runs on its own
        else:
            continue
        if OURS in iri:
            found.append(token.value)
    return found


def test_no_check_hard_codes_our_namespace_unless_it_is_about_our_own_graph():
    """A check about "our" vocabulary takes the namespace (`ns`), so that `kg lint --namespace`
    checks a user's ontology; only a check whose header says `scope: kgcli` (the conventions of
    kgcli's own graph) names our IRIs (#17)."""
    builtin = checks()
    hard_coded = {c.name: _our_iris(c) for c in builtin if c.scope != "kgcli" and _our_iris(c)}
    assert hard_coded == {}
    vocabulary = {c.name for c in builtin if c.scope == "vocabulary"}
    takes_ns = {c.name for c in builtin if any(p.name == "ns" for p in c.params)}
    assert vocabulary == takes_ns
    # The test sees what it is after: a kgcli check does name our IRIs.
    assert _our_iris(next(c for c in builtin if c.name == "dangling-resources")) == [
        '"https://w3id.org/kgcli/resource/"'
    ]


def test_each_vocabulary_check_finds_its_planted_problem_in_a_users_ontology():
    own = LINT / "vocabulary"
    source = open_source(data=[str(own / "ontology.ttl"), str(own / "data.ttl")])
    vocabulary = [c for c in checks() if c.scope == "vocabulary"]
    result, _errors = lint(source, vocabulary)
    assert list(result.rows) == []  # none of kg:'s terms in use
    result, _errors = lint(source, vocabulary, namespace="http://example.org/lab#")
    lab = "http://example.org/lab#"
    found = {(row[0].value, row[2].value) for row in result.rows}
    assert found == {
        ("deprecated-terms-in-use", "http://example.org/lab2"),
        ("kg-terms-declared", lab + "Labb"),
        ("kg-terms-labelled-and-defined", lab + "Bench"),
        ("object-properties-without-inverse", lab + "partOf"),
        ("properties-without-domain-or-range", lab + "name"),
        ("terms-of-two-kinds", lab + "Assay"),
    }
    assert {name for name, _focus in found} == {c.name for c in vocabulary}


def test_deprecated_terms_in_use_still_finds_ours_by_default(tmp_path):
    """A resource of ours using a deprecated kg: term: the check's default namespace (#17)."""
    data = tmp_path / "old.ttl"
    data.write_text(
        "@prefix kg: <https://w3id.org/kgcli/ontology#> .\n"
        "<https://w3id.org/kgcli/resource/plan> kg:withinPlanPeriod "
        "<https://w3id.org/kgcli/resource/period> .\n",
        encoding="utf-8",
    )
    source = open_source(data=[str(data)], with_embedded=True)
    deprecated = [c for c in checks() if c.name == "deprecated-terms-in-use"]
    result, _errors = lint(source, deprecated)
    kg = "https://w3id.org/kgcli/ontology#"
    assert [(row[2].value, row[3].value) for row in result.rows] == [
        (
            "https://w3id.org/kgcli/resource/plan",
            f"Deprecated kg: terms still used by the graph: term=<{kg}withinPlanPeriod>, "
            f"replacement=<{kg}duringPeriod>",
        )
    ]
