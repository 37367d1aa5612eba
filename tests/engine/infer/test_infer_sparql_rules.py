"""SPARQL rule files: checked before anything runs, with file:line:column; header, IRI, template."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgcli.engine.infer import load_rules
from kgcli.engine.infer.sparql_rules import Pattern, parse_rule, read_rule
from kgcli.errors import InputError

ROOT = Path(__file__).resolve().parents[3]
PROJECT_RULES = ROOT / "queries" / "rules"
EX = "PREFIX : <http://example.org/>\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "rule.rq") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (EX + "SELECT * WHERE { ?s ?p ?o }", "2:1", "a rule must be a CONSTRUCT query, not SELECT"),
        (EX + "ASK { ?s ?p ?o }", "2:1", "a rule must be a CONSTRUCT query, not ASK"),
        (EX + "DESCRIBE :x", "2:1", "a rule must be a CONSTRUCT query, not DESCRIBE"),
        (
            EX + "INSERT { ?s :p ?o } WHERE { ?s :q ?o }",
            "2:1",
            "a rule must be a CONSTRUCT query, not 'INSERT'",
        ),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p }",
            "1:39",
            "expected one of LATERAL, SERVICE, [_]",
        ),
        (
            EX + "CONSTRUCT { ?s :p ?o }\nWHERE { ?s ex:q ?o }",
            "3:12",
            "unknown prefix 'ex:' in ex:q; declare it: PREFIX ex: <...>",
        ),
        (
            EX
            + "CONSTRUCT { ?s :p ?o }\nWHERE {\n"
            + "  SERVICE <http://example.org/sparql> { ?s :q ?o } }",
            "4:3",
            "SERVICE is refused in rules (no network)",
        ),
        (
            "# titel: mine\n" + EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }",
            "1:3",
            "unknown header key 'titel' (a rule's header has iri, label and comment)",
        ),
        (
            "# iri: not an IRI\n" + EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }",
            "1:1",
            "'not an IRI' is not an IRI",
        ),
    ],
    ids=["select", "ask", "describe", "update", "syntax", "prefix", "service", "header", "iri"],
)
def test_a_bad_rule_is_refused_with_its_file_line_and_column(tmp_path, text, where, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_rules([path])
    assert str(caught.value) == f"{path}:{where}: {message}"
    assert caught.value.exit_code == 2


def test_files_that_cannot_be_read_are_refused(tmp_path):
    latin1 = _write(tmp_path, "# label: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"rule\.rq: not UTF-8 text \(byte 12\); save it as UTF-8"):
        read_rule(latin1)
    nothing = tmp_path / "nothing.rq"
    with pytest.raises(InputError) as caught:
        load_rules([nothing])
    assert (
        str(caught.value) == f"rules folder or .rq or .sparql file {str(nothing)!r} does not exist"
    )
    empty = _write(tmp_path, "# label: nothing yet\n", "empty.rq")
    with pytest.raises(InputError, match=r"empty\.rq: empty rule: expected a CONSTRUCT query"):
        read_rule(empty)


def test_every_rule_is_checked_before_any_runs(tmp_path):
    _write(tmp_path, EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }", "a-good.rq")
    bad = _write(tmp_path, EX + "SELECT * WHERE { ?s ?p ?o }", "b-bad.rq")
    with pytest.raises(InputError, match=f"^{bad}:2:1: "):
        load_rules([tmp_path])


def test_two_rules_with_one_iri_are_refused(tmp_path):
    header = "# iri: http://example.org/rule\n"
    first = _write(tmp_path, header + EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }", "a.rq")
    second = _write(tmp_path, header + EX + "CONSTRUCT { ?s :r ?o } WHERE { ?s :q ?o }", "b.rq")
    with pytest.raises(InputError) as caught:
        load_rules([tmp_path])
    assert str(caught.value) == f"{second}: rule IRI <http://example.org/rule> is also {first}'s"


def test_the_header_gives_iri_label_and_comment(tmp_path):
    path = _write(
        tmp_path,
        "# iri: <http://example.org/rules/r1>\n# label: first rule\n# comment: what it says,\n"
        "#   on two lines\n" + EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }",
    )
    (rule,) = load_rules([path])
    assert (rule.rule.iri, rule.rule.label, rule.rule.comment, rule.rule.name) == (
        "http://example.org/rules/r1",
        "first rule",
        "what it says, on two lines",
        "rule",
    )


def test_default_iris_name_a_users_rule_by_its_file_and_a_project_rule_by_its_stem(tmp_path):
    path = _write(tmp_path, EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }", "mine.rq")
    assert load_rules([path])[0].rule.iri == path.resolve().as_uri()
    assert load_rules([path], project=tmp_path)[0].rule.iri == "https://w3id.org/kgcli/rule/mine"
    assert load_rules([path])[0].rule.label == "mine"


def test_a_folders_rules_run_in_name_order_and_other_files_are_ignored(tmp_path):
    for name in ("b.rq", "a.sparql", "c.txt"):
        _write(tmp_path, EX + "CONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }", name)
    assert [r.rule.name for r in load_rules([tmp_path])] == ["a", "b"]


@pytest.mark.parametrize(
    ("template", "heads", "classes"),
    [
        ("?s :p ?o ; a :C", {":p", "rdf:type"}, {":C"}),
        ("?s ?p ?o", None, set()),
        ("?s a ?c", None, set()),
        ("?s :p []", {":p"}, set()),
        ("?s :p ( ?o )", None, set()),
        ("?s :p [ :q ?o ]", None, set()),
    ],
)
def test_the_predicates_a_template_writes_are_known(template, heads, classes):
    text = EX + f"CONSTRUCT {{ {template} }} WHERE {{ ?s :x ?o }}"
    rule = parse_rule(text, "r.rq", default_iri="urn:r")
    full = {
        ":p": "<http://example.org/p>",
        ":C": "<http://example.org/C>",
        "rdf:type": "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
        "rdf:first": "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>",
        "rdf:rest": "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>",
    }
    if heads is None:  # unknown: the engine reads every triple
        assert rule.head_predicates is None
    else:
        assert rule.head_predicates is not None
        assert {h.decode() for h in rule.head_predicates} == {full[h] for h in heads}
    assert {c.decode() for c in rule.head_classes} == {full[c] for c in classes}


def test_the_premises_are_the_where_clauses_triple_patterns():
    text = EX + (
        "CONSTRUCT { ?a :r ?c } WHERE {\n"
        "  ?a :p ?b ; :q ?c .\n"
        '  FILTER(?b != "x") FILTER NOT EXISTS { ?a :never ?c }\n'
        "  OPTIONAL { ?c :label ?l }\n"
        "  { ?a a :A } UNION { ?a a :B }\n"
        "  ?a :s/:t ?z .\n"
        "  BIND(1 AS ?one)\n"
        "}"
    )
    rule = parse_rule(text, "r.rq", default_iri="urn:r")
    ex = "<http://example.org/{}>".format
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    assert rule.premises == (
        Pattern("?a", ex("p"), "?b"),
        Pattern("?a", ex("q"), "?c"),
        Pattern("?c", ex("label"), "?l", optional=True),
        Pattern("?a", rdf_type, ex("A")),
        Pattern("?a", rdf_type, ex("B"), optional=True),
    )
    assert rule.template == (Pattern("?a", ex("r"), "?c"),)
    assert rule.select == EX + "SELECT *  WHERE {" + text.split("WHERE {", 1)[1]


def test_the_projects_rules_all_have_an_iri_a_label_and_a_comment():
    rules = load_rules([PROJECT_RULES], project=PROJECT_RULES)
    assert rules
    for rule in rules:
        assert rule.rule.iri.startswith("https://w3id.org/kgcli/rule/"), rule.path
        assert rule.rule.label and rule.rule.label != rule.rule.name, rule.path
        assert len(rule.rule.comment) > 40, rule.path
