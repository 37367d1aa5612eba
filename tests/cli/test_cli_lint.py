"""`kg lint`: the built-in checks and the user's own, one row per finding, exit 4 on an error;
and `kg validate`'s closed vocabulary with its did-you-mean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import FIXTURES

from kgcli.engine.catalogue import Catalogue

LINT = FIXTURES / "lint"
BROKEN = ("--data", str(LINT / "broken.ttl"), "--with-embedded")
KG = "https://w3id.org/kgcli/ontology#"
#: What kg lint says of a graph that uses no kgcli IRI (the checks of `# scope: kgcli`).
KGCLI_CHECKS = [c.name for c in Catalogue([]).checks() if c.scope == "kgcli"]
KGCLI_SKIPPED = (
    f"kg: the data uses no kgcli IRI: skipping the {len(KGCLI_CHECKS)} checks about kgcli's own "
    f"graph ({', '.join(KGCLI_CHECKS)}); --scope kgcli runs them\n"
)


def test_the_embedded_graph_has_no_findings(kg):
    result = kg("lint", "-f", "csv")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "check,severity,focus,message\n",
        "",
    )


def test_a_broken_graph_one_row_per_finding_and_exit_4(kg):
    result = kg("lint", *BROKEN, "--checks", str(LINT / "checks"), "-f", "csv")
    assert result.exit_code == 4
    assert result.stdout.splitlines() == [
        "check,severity,focus,message",
        f"kg-terms-declared,error,{KG}Clinc,Undeclared kg: terms",
        f"kg-terms-declared,error,{KG}usesSharedResourse,Undeclared kg: terms",
        f"predicates-not-declared,warning,{KG}usesSharedResourse,"
        "Predicates the ontology does not declare",
        "unlabelled,info,http://example.org/scanner,Things without a label",
    ]
    assert result.stderr == "kg: error: 2 of 4 findings are errors\n"


def test_findings_as_json(kg):
    result = kg("lint", *BROKEN, "--no-builtin", "--checks", str(LINT / "checks"), "-f", "json")
    assert json.loads(result.stdout)["results"]["bindings"] == [
        {
            "check": {"type": "literal", "value": "unlabelled"},
            "severity": {"type": "literal", "value": "info"},
            "focus": {"type": "uri", "value": "http://example.org/scanner"},
            "message": {"type": "literal", "value": "Things without a label"},
        }
    ]
    assert result.exit_code == 0  # warnings and infos only: the graph passes


def test_the_vocabulary_checks_take_the_users_namespace(kg):
    own = LINT / "own"
    data = ("--data", str(own / "ontology.ttl"), "--data", str(own / "data.ttl"))
    assert kg("lint", *data, "-f", "csv").exit_code == 0  # kg: terms: none used
    result = kg("lint", *data, "--namespace", "http://example.org/voc#", "-f", "csv")
    assert result.exit_code == 4
    voc = "http://example.org/voc#"
    # The titles name the namespace checked, not kg: (#17).
    missing = f"<{voc}> terms without an English label, a definition or rdfs:isDefinedBy: missing="
    assert result.stdout.splitlines() == [
        "check,severity,focus,message",
        f"kg-terms-declared,error,{voc}Labb,Undeclared <{voc}> terms",
        *(
            f"kg-terms-labelled-and-defined,warning,{voc}{term},{quote}{missing}{what}{quote}"
            for term in ("Lab", "partOf")
            for what, quote in (
                ("rdfs:isDefinedBy the ontology", '"'),
                ("rdfs:label @en", '"'),
                ("skos:definition @en", '"'),
            )
        ),
        f"object-properties-without-inverse,info,{voc}partOf,"
        f"<{voc}> object properties without an inverse",
        *(
            f"properties-without-domain-or-range,info,{voc}partOf,"
            f"<{voc}> properties without a domain or a range: missing={what}"
            for what in ("rdfs:domain", "rdfs:range")
        ),
    ]


def test_every_vocabulary_check_finds_its_problem_in_the_users_namespace(kg):
    """A user's ontology with one planted problem per check about "our" vocabulary (#17)."""
    own = LINT / "vocabulary"
    data = ("--data", str(own / "ontology.ttl"), "--data", str(own / "data.ttl"))
    assert kg("lint", *data, "-f", "csv").stdout == "check,severity,focus,message\n"
    result = kg("lint", *data, "--namespace", "http://example.org/lab#", "-f", "csv")
    lab = "http://example.org/lab#"
    ns = f"<{lab}>"
    owl = "http://www.w3.org/2002/07/owl#"
    missing = f"{ns} terms without an English label, a definition or rdfs:isDefinedBy: missing="
    assert result.stdout.splitlines() == [
        "check,severity,focus,message",
        "deprecated-terms-in-use,warning,http://example.org/lab2,"
        f'"Deprecated {ns} terms still used by the graph: term=<{lab}title>, '
        f'replacement=<{lab}name>"',
        f"kg-terms-declared,error,{lab}Labb,Undeclared {ns} terms",
        *(
            f'kg-terms-labelled-and-defined,warning,{lab}Bench,"{missing}{what}"'
            for what in ("rdfs:isDefinedBy the ontology", "rdfs:label @en", "skos:definition @en")
        ),
        f"object-properties-without-inverse,info,{lab}partOf,"
        f"{ns} object properties without an inverse",
        f"properties-without-domain-or-range,info,{lab}name,"
        f"{ns} properties without a domain or a range: missing=rdfs:range",
        f"terms-of-two-kinds,warning,{lab}Assay,"
        f'"{ns} terms declared as two kinds of entity (punning): '
        f'kind1=<{owl}Class>, kind2=<{owl}NamedIndividual>"',
    ]
    assert (result.exit_code, result.stderr) == (
        4,
        KGCLI_SKIPPED + "kg: error: 1 of 8 findings are errors\n",
    )


# `kg lint --checks` and `kg infer --rules` read query files alike: a folder's .rq files or one
# .rq file; a missing path, an empty folder or any other file is bad input, named.
LINT_CHECKS = ("lint", "--checks")
INFER_RULES = ("infer", "-f", "ntriples", "--rules")


@pytest.mark.parametrize(("args", "what"), [(LINT_CHECKS, "checks"), (INFER_RULES, "rules")])
def test_a_missing_checks_or_rules_path_is_bad_input(kg, tmp_path: Path, args, what):
    missing = tmp_path / "nowhere"
    result = kg(*args, str(missing))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"kg: error: {what} folder or .rq or .sparql file {str(missing)!r} does not exist\n"
    )


@pytest.mark.parametrize(("args", "what"), [(LINT_CHECKS, "checks"), (INFER_RULES, "rules")])
def test_an_empty_checks_or_rules_folder_is_bad_input(kg, tmp_path: Path, args, what):
    (tmp_path / "notes.txt").write_text("not a query\n")
    result = kg(*args, str(tmp_path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"kg: error: {what} folder {str(tmp_path)!r} holds no .rq or .sparql files\n"
    )


@pytest.mark.parametrize(("args", "what"), [(LINT_CHECKS, "checks"), (INFER_RULES, "rules")])
def test_a_file_that_is_not_rq_is_refused_by_name_not_parsed(kg, tmp_path: Path, args, what):
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    result = kg(*args, str(passwd))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"kg: error: {what} file {str(passwd)!r} is not a .rq or .sparql file "
        "(give one, or a folder of them)\n"
    )


def test_one_rq_file_given_as_checks_runs_as_its_folder_would(kg):
    folder = LINT / "checks"
    one = sorted(folder.glob("*.rq"))[0]
    by_file = kg("lint", *BROKEN, "--no-builtin", "--checks", str(one), "-f", "csv")
    by_folder = kg("lint", *BROKEN, "--no-builtin", "--checks", str(folder), "-f", "csv")
    expected = [by_folder.stdout.splitlines()[0]] + [
        line for line in by_folder.stdout.splitlines()[1:] if line.startswith(one.stem + ",")
    ]
    assert len(expected) > 1 and by_file.stdout.splitlines() == expected


def test_a_malformed_rule_names_its_file_line_and_column(kg):
    rule = LINT / "bad-checks" / "broken-rule.rq"
    result = kg("lint", *BROKEN, "--checks", str(rule.parent))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"kg: error: {rule}:3:27: expected OPTIONAL\n"


def test_a_rule_without_a_title_or_with_an_unknown_severity(kg, tmp_path: Path):
    rule = tmp_path / "r.rq"
    rule.write_text("SELECT * WHERE { ?s ?p ?o }\n")
    result = kg("lint", "--checks", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {rule}:1: the header has no title: start the file with '# title: ...'\n",
    )
    rule.write_text("# title: T\n# severity: fatal\nSELECT * WHERE { ?s ?p ?o }\n")
    result = kg("lint", "--checks", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {rule}:2: unknown severity 'fatal' (severities: error, warning, info)\n",
    )
    rule.write_text("# title: T\n# scope: mine\nSELECT * WHERE { ?s ?p ?o }\n")
    result = kg("lint", "--checks", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {rule}:2: unknown scope 'mine' (scopes: vocabulary, kgcli)\n",
    )


def test_a_rule_must_be_a_select(kg, tmp_path: Path):
    rule = tmp_path / "ask.rq"
    rule.write_text("# title: T\nASK { ?s ?p ?o }\n")
    result = kg("lint", "--no-builtin", "--checks", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {rule}: a check is a SELECT query, not ASK\n",
    )


def test_a_bad_namespace(kg):
    result = kg("lint", "--namespace", "nope:")
    assert result.exit_code == 2
    assert result.stderr.startswith("kg: error: --namespace: 'nope:' is not an IRI: ")


def test_validate_reports_undeclared_terms_of_our_namespaces_with_a_suggestion(kg):
    result = kg("validate", "--data", str(LINT / "broken.ttl"), "-f", "json")
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    closed = [
        (v["focus"], v["message"])
        for v in report["violations"]
        if v.get("constraint") == "https://w3id.org/kgcli/ontology/closed-vocabulary"
    ]
    assert closed == [
        (
            f"{KG}Clinc",
            "kg:Clinc is used as a class but the ontology does not declare it; "
            "did you mean kg:Clinic?",
        ),
        (
            f"{KG}usesSharedResourse",
            "kg:usesSharedResourse is used as a property but the ontology does not declare it; "
            "did you mean kg:usesSharedResource?",
        ),
    ]


def test_validate_closed_vocabulary_without_a_close_term(kg, tmp_path: Path):
    data = tmp_path / "d.ttl"
    data.write_text(
        "@prefix kg: <https://w3id.org/kgcli/ontology#> .\n<http://example.org/x> a kg:Zebra .\n"
    )
    result = kg("validate", "--data", str(data), "--shapes", str(tmp_path / "none.ttl"))
    assert result.exit_code == 2  # the shapes file is missing: bad input, as before
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("")
    result = kg("validate", "--data", str(data), "--shapes", str(shapes), "-f", "csv")
    assert result.exit_code == 4
    assert result.stdout.splitlines()[1:] == [
        "http://www.w3.org/ns/shacl#Violation,https://w3id.org/kgcli/ontology#Zebra,,,"
        "https://w3id.org/kgcli/ontology/closed-vocabulary,,"
        "kg:Zebra is used as a class but the ontology does not declare it"
    ]
    assert result.stderr == "kg: error: the graph does not conform: 1 results\n"


def test_the_checks_about_kgclis_own_graph_are_skipped_on_a_users_graph_and_said(kg, tmp_path):
    data = tmp_path / "mine.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    result = kg("lint", "--data", str(data), "-f", "csv")
    assert (result.exit_code, result.stderr) == (0, KGCLI_SKIPPED)
    assert result.stdout == (
        "check,severity,focus,message\n"
        "predicates-not-declared,warning,http://example.org/p,"
        "Predicates the ontology does not declare\n"
    )
    # Asked for, they run (and find nothing here), and nothing is said.
    result = kg("lint", "--data", str(data), "--scope", "kgcli", "--scope", "any", "-f", "csv")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == kg("lint", "--data", str(data), "-f", "csv").stdout


def test_a_scope_chooses_the_checks_that_run(kg, tmp_path):
    data = tmp_path / "mine.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    result = kg("lint", "--data", str(data), "--scope", "vocabulary", "-f", "csv")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "check,severity,focus,message\n",  # predicates-not-declared is about any graph
        "",
    )


def test_an_unknown_scope_is_a_usage_error(kg):
    result = kg("lint", "--scope", "mine")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "kg: error: unknown --scope 'mine'; choose any, vocabulary, kgcli\n"
