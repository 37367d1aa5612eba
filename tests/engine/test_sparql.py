"""The SPARQL lexer: tokens, query form, safety checks and parameter binding."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import examples

from kgcli.engine.params import parse_value
from kgcli.engine.sparql import (
    check_safe,
    inject_values,
    insert,
    position,
    prefixes,
    query_form,
    syntax_error_location,
    tokenize,
    unbound_position,
    value_insertions,
)
from kgcli.errors import InputError, UsageError

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in tokenize(text)]


# --- tokenize -------------------------------------------------------------------------------


def test_tokens_of_a_small_query() -> None:
    assert kinds("PREFIX ex: <http://e/>\nSELECT ?x WHERE { ?x ex:p 'a' ; a ex:C . }") == [
        ("keyword", "PREFIX"),
        ("pname", "ex:"),
        ("iri", "<http://e/>"),
        ("keyword", "SELECT"),
        ("var", "?x"),
        ("keyword", "WHERE"),
        ("punct", "{"),
        ("var", "?x"),
        ("pname", "ex:p"),
        ("string", "'a'"),
        ("punct", ";"),
        ("keyword", "a"),
        ("pname", "ex:C"),
        ("punct", "."),
        ("punct", "}"),
    ]


def test_comments_are_skipped_but_not_inside_iris_or_strings() -> None:
    text = 'SELECT * { <http://e/a#SERVICE> ?p "x # SERVICE" } # SERVICE <http://x>\nLIMIT 1'
    assert kinds(text) == [
        ("keyword", "SELECT"),
        ("op", "*"),
        ("punct", "{"),
        ("iri", "<http://e/a#SERVICE>"),
        ("var", "?p"),
        ("string", '"x # SERVICE"'),
        ("punct", "}"),
        ("keyword", "LIMIT"),
        ("number", "1"),
    ]


def test_strings_of_every_kind_with_escapes() -> None:
    strings = [
        r"'a\'b'",
        r'"c\"d"',
        "'''e ' '' f'''",
        '"""g "" \\""" h\ni"""',
        r'"x\\"',
        '""',
        "''",
    ]
    assert kinds(" ".join(strings)) == [("string", s) for s in strings]


def test_a_long_string_spans_lines_and_positions_follow_it() -> None:
    tokens = tokenize('SELECT ?x {\n  BIND("""one\ntwo\nthree""" AS ?x)\n  ?x ?p ?o }')
    string = next(t for t in tokens if t.kind == "string")
    assert (string.line, string.column) == (2, 8)
    after = next(t for t in tokens if t.kind == "keyword" and t.value == "AS")
    assert (after.line, after.column) == (4, 10)
    last = tokens[-1]
    assert (last.value, last.line, last.column) == ("}", 5, 12)


def test_less_than_is_an_operator_when_no_iri_follows() -> None:
    assert kinds("FILTER(?a < 3 && ?b<=?c && 1<2)") == [
        ("keyword", "FILTER"),
        ("punct", "("),
        ("var", "?a"),
        ("op", "<"),
        ("number", "3"),
        ("op", "&&"),
        ("var", "?b"),
        ("op", "<="),
        ("var", "?c"),
        ("op", "&&"),
        ("number", "1"),
        ("op", "<"),
        ("number", "2"),
        ("punct", ")"),
    ]


def test_iri_excludes_spaces_and_specials_but_accepts_unicode_escapes() -> None:
    assert kinds(r"<http://e/\u0041>") == [("iri", r"<http://e/\u0041>")]
    assert kinds("<http://e/é>") == [("iri", "<http://e/é>")]
    assert [k for k, _ in kinds("?a <b c> ?d")] == ["var", "op", "keyword", "keyword", "op", "var"]


def test_other_tokens() -> None:
    assert kinds('_:b1 $v "en"@en-GB 1.5e3 .5 7 ^^ <<( :x ) >> [] ex:a\\-b') == [
        ("bnode", "_:b1"),
        ("var", "$v"),
        ("string", '"en"'),
        ("langtag", "@en-GB"),
        ("number", "1.5e3"),
        ("number", ".5"),
        ("number", "7"),
        ("op", "^^"),
        ("op", "<<"),
        ("punct", "("),
        ("pname", ":x"),
        ("punct", ")"),
        ("op", ">>"),
        ("punct", "["),
        ("punct", "]"),
        ("pname", "ex:a\\-b"),
    ]


def test_offsets_lines_and_columns() -> None:
    text = "SELECT ?x\r\nWHERE {\n\t?x ?p 'é😀' }"
    tokens = tokenize(text)
    assert [(t.value, t.offset, t.line, t.column) for t in tokens] == [
        ("SELECT", 0, 1, 1),
        ("?x", 7, 1, 8),
        ("WHERE", 11, 2, 1),
        ("{", 17, 2, 7),
        ("?x", 20, 3, 2),
        ("?p", 23, 3, 5),
        ("'é😀'", 26, 3, 8),
        ("}", 31, 3, 13),
    ]
    assert all(text[t.offset : t.end] == t.value for t in tokens)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * { ?s ?p 'abc }", "line 1, column 18: unterminated string"),
        ('SELECT * {\n ?s ?p "abc\n" }', "line 2, column 8: unterminated string"),
        ("SELECT * { ?s ?p '''abc\n\n }", "line 1, column 18: unterminated string"),
        ("SELECT * { ?s ?p 'ab\\", "line 1, column 18: unterminated string"),
        ("SELECT * {\n  ?s ?p <http://e/a", "line 2, column 9: unterminated IRI"),
    ],
)
def test_unterminated_strings_and_iris(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        tokenize(text)
    assert str(caught.value) == message


def test_an_iri_left_open_is_reported_but_less_than_is_not() -> None:
    with pytest.raises(InputError, match="line 1, column 18: unterminated IRI"):
        tokenize("SELECT * { ?s ?p <http://e/a b> }")
    tail = "SELECT ?x { ?x ?p ?n } GROUP BY ?x HAVING(COUNT(?n)<2)"
    assert [t.value for t in tokenize(tail)][-4:] == [")", "<", "2", ")"]


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=st.sampled_from("<>'\"#{}()?$:_ab1.\\\n\r\tSELECT")))
def test_tokens_cover_the_text_or_input_error(text: str) -> None:
    try:
        tokens = tokenize(text)
    except InputError as err:
        assert "unterminated" in str(err)
        return
    for token in tokens:
        assert text[token.offset : token.end] == token.value
        assert (token.line, token.column) == position(text, token.offset)
    offsets = [t.offset for t in tokens]
    assert offsets == sorted(offsets)


def test_position() -> None:
    text = "ab\ncd\r\nef"
    assert position(text, 0) == (1, 1)
    assert position(text, 2) == (1, 3)
    assert position(text, 3) == (2, 1)
    assert position(text, 7) == (3, 1)
    assert position(text, 9) == (3, 3)


# --- query_form and prefixes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * { }", "SELECT"),
        ("select * { }", "SELECT"),
        ("# ASK\nPREFIX ask: <http://e/ask#>\nBASE <http://e/>\nConstruct WHERE { }", "CONSTRUCT"),
        ("ASK { }", "ASK"),
        ("DESCRIBE <http://e/a>", "DESCRIBE"),
        ("PREFIX select: <http://e/> DESCRIBE select:x", "DESCRIBE"),
        ("INSERT DATA { <a> <b> <c> }", "UPDATE"),
        ("DELETE WHERE { ?s ?p ?o }", "UPDATE"),
        ("PREFIX ex: <http://e/> LOAD <http://e/data.ttl>", "UPDATE"),
        ("CLEAR ALL", "UPDATE"),
        ("DROP GRAPH <http://e/g>", "UPDATE"),
        ("CREATE GRAPH <http://e/g>", "UPDATE"),
        ("ADD DEFAULT TO <http://e/g>", "UPDATE"),
        ("MOVE <http://e/a> TO <http://e/b>", "UPDATE"),
        ("COPY <http://e/a> TO <http://e/b>", "UPDATE"),
        ("WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
    ],
)
def test_query_form(text: str, form: str) -> None:
    assert query_form(text) == form


def test_query_form_of_no_query() -> None:
    with pytest.raises(InputError, match="empty query"):
        query_form("# only a comment\n")
    with pytest.raises(InputError) as caught:
        query_form("PREFIX ex: <http://e/>\n  SELEC * {}")
    assert str(caught.value) == (
        "line 2, column 3: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found 'SELEC'"
    )


def test_prefixes() -> None:
    text = "PREFIX ex: <http://e/>\nprefix : <http://d/>\n# PREFIX no: <http://no/>\nSELECT * {}"
    assert prefixes(text) == {"ex": "http://e/", "": "http://d/"}
    assert prefixes("SELECT * { 'PREFIX x: <http://x/>' }") == {}


# --- check_safe -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELECT * WHERE {\n  ?s ?p ?o .\n    SERVICE <http://x/sparql> { ?s ?p ?o } }",
            "SERVICE <http://x/sparql> at line 3, column 5 would reach the network; "
            "pass --allow-federation (and --endpoint-allow URL) to permit it",
        ),
        (
            "SELECT * { service silent <http://x/sparql> { ?s ?p ?o } }",
            "SERVICE SILENT <http://x/sparql> at line 1, column 12 would reach the network; "
            "pass --allow-federation (and --endpoint-allow URL) to permit it",
        ),
        (
            "PREFIX ex: <http://x/>\nSELECT * { ?s ?p ?e SERVICE ?e { ?s ?p ?o } }",
            "SERVICE ?e at line 2, column 21 would reach the network; "
            "pass --allow-federation (and --endpoint-allow URL) to permit it",
        ),
        (
            "SELECT *\nFROM <file:///etc/passwd>\nWHERE { ?s ?p ?o }",
            "FROM <file:///etc/passwd> at line 2, column 1 would read a local file; "
            "pass --allow-federation to permit it",
        ),
        (
            "SELECT * FROM NAMED <FILE:/etc/passwd> { GRAPH ?g { ?s ?p ?o } }",
            "FROM NAMED <FILE:/etc/passwd> at line 1, column 10 would read a local file; "
            "pass --allow-federation to permit it",
        ),
        (
            "PREFIX f: <file:///etc/>\nSELECT * FROM f:passwd { ?s ?p ?o }",
            "FROM f:passwd at line 2, column 10 would read a local file; "
            "pass --allow-federation to permit it",
        ),
        (
            "BASE <file:///etc/>\nSELECT * FROM <passwd> { ?s ?p ?o }",
            "FROM <passwd> at line 2, column 10 would read a local file; "
            "pass --allow-federation to permit it",
        ),
    ],
)
def test_check_safe_refuses_network_and_files(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_safe(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("LOAD <http://x/data.ttl>", "LOAD at line 1, column 1"),
        ("PREFIX ex: <http://e/>\nINSERT DATA { ex:a ex:b ex:c }", "INSERT at line 2, column 1"),
        ("DROP ALL", "DROP at line 1, column 1"),
        ("SELECT * { ?s ?p ?o } ;\n drop all", "DROP at line 2, column 2"),
    ],
)
def test_check_safe_refuses_updates(text: str, where: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_safe(text, allow_federation=True)
    assert str(caught.value).startswith(f"updates are refused by kg query; {where} starts")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s ?p 'SERVICE <http://x/sparql> { }' }",
        "SELECT * { ?s ?p '''LOAD <http://x>\nDROP ALL''' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://x/sparql> { } DROP ALL",
        "SELECT * { ?s <http://e/SERVICE> <http://e/FROM> }",
        "PREFIX ex: <http://e/>\nSELECT ?service ?drop { ?service ex:SERVICE ex:drop }",
        "SELECT * FROM <http://example.org/graph> FROM NAMED <https://e/g> { ?s ?p ?o }",
        "SELECT * { GRAPH <file:///etc/passwd> { ?s ?p ?o } }",
        "SELECT ?x { ?x <http://e/p> 'file:///etc/passwd' }",
    ],
)
def test_check_safe_passes_keywords_in_strings_comments_iris(text: str) -> None:
    check_safe(text)


# Queries that pyoxigraph reads as a SERVICE although a naive lexer would not. Port 1 is refused
# by pyoxigraph itself before any connection, so running them proves the SERVICE without network.
LOCAL = "PREFIX ex: <http://localhost:1/>\nPREFIX : <http://localhost:1/>\n"
HIDDEN_SERVICES = [
    # `<?b)SERVICE?x#>` is an IRIREF by its characters, but after an operand inside an expression
    # the engine reads `<` as less-than, then `#>` as a comment.
    "SELECT * { BIND(1 AS ?a) BIND(2 AS ?b) VALUES ?x { ex:s } FILTER(?a<?b)SERVICE?x#>\n{ } }",
    "SELECT * { BIND(true AS ?b) VALUES ?x { ex:s } FILTER(EXISTS{}<=?b)SERVICE?x#>\n{ } }",
    # Keywords need no space after them: these are SERVICE :s, SERVICE ex:s, SERVICE SILENT <..>.
    "SELECT * { OPTIONAL { } service:s { ?s ?p ?o } }",
    "SELECT * { OPTIONAL { } SERVICEex:s{ ?s ?p ?o } }",
    "SELECT * { OPTIONAL { } SERVICE:s{ ?s ?p ?o } }",
]


@pytest.mark.parametrize("text", HIDDEN_SERVICES)
def test_services_the_engine_sees_are_refused(text: str) -> None:
    with pytest.raises((OSError, RuntimeError), match=r"port 1|service"):
        list(ox.Store().query(LOCAL + text))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="would reach the network"):
        check_safe(LOCAL + text)


EXPRESSION_PARTS = ["?a", "?b", "1", "<", ">", "<=", "(", ")", "&&", "!", "ex:f(?a)", "EXISTS{}"]
EXPRESSION_PARTS += ['"x"@en', "true", "IN(1)", "<http://e/x>", ",", "#", "'", '"', ":x", "{", "}"]
SEPARATORS = ["", " ", "\n", "#>\n", "#\n"]
SERVICE_SPELLINGS = [
    "SERVICE",
    "service",
    "SERVICE SILENT",
    "service:s",
    "SERVICEex:s",
    "SERVICE:s",
]


@settings(max_examples=examples(400), deadline=None)
@given(
    st.sampled_from(["FILTER(", "BIND(", "FILTER ex:f(", "OPTIONAL { FILTER("]),
    st.lists(st.tuples(st.sampled_from(EXPRESSION_PARTS), st.sampled_from(SEPARATORS)), max_size=6),
    st.sampled_from([")", ") }", " AS ?z)"]),
    st.sampled_from(SERVICE_SPELLINGS),
    st.sampled_from(["?x", "<http://localhost:1/s>", "ex:s", ""]),
    st.lists(st.sampled_from(SEPARATORS), min_size=3, max_size=3),
)
def test_whatever_the_engine_runs_as_a_service_is_refused(
    opener: str,
    parts: list[tuple[str, str]],
    closer: str,
    service: str,
    endpoint: str,
    separators: list[str],
) -> None:
    """Differential: if pyoxigraph evaluates a SERVICE, check_safe refused the query."""
    before, after, inside = separators
    expression = "".join(part + sep for part, sep in parts)
    text = (
        f"{LOCAL}SELECT * {{ VALUES ?x {{ ex:s }} BIND(1 AS ?a) BIND(2 AS ?b) {opener}{expression}"
        f"{closer}{before}{service}{inside}{endpoint}{after}{{ ?s ?p ?o }} }}"
    )
    try:
        list(ox.Store().query(text))  # type: ignore[arg-type]
    except SyntaxError:
        return
    except (OSError, RuntimeError) as err:
        if "port 1" in str(err) or "service" in str(err).lower():
            with pytest.raises(InputError):
                check_safe(text)


def test_glued_service_silent_and_from() -> None:
    with pytest.raises(InputError, match=r"^SERVICE SILENT <http://x/s> at line 1, column 12"):
        check_safe("SELECT * { SERVICESILENT<http://x/s>{ } }")
    with pytest.raises(InputError, match=r"^FROMf:passwd at line 2, column 10 would read a local"):
        check_safe("PREFIX f: <file:///etc/>\nSELECT * FROMf:passwd { }")
    with pytest.raises(InputError, match=r"^FROM NAMEDf:passwd at line 2, column 10 would read"):
        check_safe("PREFIX f: <file:///etc/>\nSELECT * FROM NAMEDf:passwd { }")


def test_prefixes_that_begin_like_keywords_are_names() -> None:
    text = "PREFIX service: <http://e/>\nSELECT * { service:a service:p ?o . ?o ?p service:b }"
    check_safe(text)
    assert list(ox.Store().query(text)) == []  # type: ignore[arg-type]


def test_allow_federation_and_the_allow_list() -> None:
    text = "PREFIX ep: <http://x/>\nSELECT * { SERVICE ep:sparql { ?s ?p ?o } }"
    check_safe(text, allow_federation=True)
    check_safe(text, allow_federation=True, allowed_endpoints=["http://x/sparql"])
    with pytest.raises(InputError) as caught:
        check_safe(text, allow_federation=True, allowed_endpoints=["http://y/sparql"])
    assert str(caught.value) == (
        "SERVICE ep:sparql at line 2, column 12: <http://x/sparql> is not an allowed endpoint "
        "(--endpoint-allow: http://y/sparql)"
    )
    variable = "SELECT * { VALUES ?e { <http://x/sparql> } SERVICE ?e { ?s ?p ?o } }"
    check_safe(variable, allow_federation=True)
    with pytest.raises(InputError, match="cannot be checked against --endpoint-allow"):
        check_safe(variable, allow_federation=True, allowed_endpoints=["http://x/sparql"])
    check_safe("SELECT * FROM <file:///data/g.ttl> { }", allow_federation=True)


# --- inject_values --------------------------------------------------------------------------


def term(value: str) -> ox.NamedNode:
    return ox.NamedNode(EX + value)


@pytest.fixture
def store() -> ox.Store:
    """Three people: a knows b, a knows c, b knows c; names and ages."""
    data = f"""
    @prefix ex: <{EX}> .
    ex:a ex:knows ex:b, ex:c ; ex:name "Ann" ; ex:age 30 .
    ex:b ex:knows ex:c ; ex:name "Bob" ; ex:age 40 .
    ex:c ex:name "Cid" ; ex:age 50 .
    """
    s = ox.Store()
    s.load(data.encode(), ox.RdfFormat.TURTLE)
    return s


def rows(store: ox.Store, text: str) -> list[tuple[str | None, ...]]:
    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [tuple(s[n].value if s[n] is not None else None for n in names) for s in solutions]


def triples(store: ox.Store, text: str) -> set[str]:
    result = store.query(text)
    assert isinstance(result, ox.QueryTriples)
    return {str(t) for t in result}


def subjects(store: ox.Store, text: str) -> set[str]:
    result = store.query(text)
    assert isinstance(result, ox.QueryTriples)
    return {str(t.subject) for t in result}


def test_no_bindings_leave_the_text_unchanged() -> None:
    text = "SELECT * WHERE { ?s ?p ?o }"
    assert inject_values(text, {}) == text


def test_select_with_where(store: ox.Store) -> None:
    text = f"PREFIX ex: <{EX}>\nSELECT ?friend WHERE {{ ?who ex:knows ?friend }} ORDER BY ?friend"
    injected = inject_values(text, {"who": term("a")})
    assert injected == (
        f"PREFIX ex: <{EX}>\nSELECT ?friend WHERE {{ VALUES ?who {{ <{EX}a> }} "
        "?who ex:knows ?friend } ORDER BY ?friend"
    )
    assert rows(store, injected) == [(EX + "b",), (EX + "c",)]


def test_select_without_where_and_exists_in_projection(store: ox.Store) -> None:
    text = (
        f"PREFIX ex: <{EX}>\n"
        "SELECT ?name (EXISTS { ?x ex:knows ?who } AS ?known) { ?who ex:name ?name }"
    )
    injected = inject_values(text, {"who": term("c")})
    assert "AS ?known) { VALUES ?who" in injected
    assert rows(store, injected) == [("Cid", "true")]


def test_parameter_not_projected_inside_count(store: ox.Store) -> None:
    text = f"""PREFIX ex: <{EX}>
SELECT (COUNT(?friend) AS ?n) WHERE {{
  ?person ex:knows ?friend .
  ?person ex:name ?name
}}"""
    injected = inject_values(text, {"name": ox.Literal("Ann")})
    assert rows(store, injected) == [("2",)]
    assert injected.count("\n") == text.count("\n")  # engine error lines still match the file


def test_several_bindings_and_typed_literals(store: ox.Store) -> None:
    text = f"PREFIX ex: <{EX}>\nSELECT ?who {{ ?who ex:age ?age ; ex:name ?name }}"
    bindings = {
        "age": parse_value("age", "integer", "40", {}),
        "name": parse_value("name", "string", "Bob", {}),
    }
    injected = inject_values(text, bindings)
    assert f'VALUES (?age ?name) {{ ("40"^^<{XSD}integer> "Bob") }} ?who ex:age ?age' in injected
    assert rows(store, injected) == [(EX + "b",)]


def test_ask(store: ox.Store) -> None:
    text = f"ASK {{ <{EX}a> <{EX}knows> ?x }}"
    assert bool(store.query(inject_values(text, {"x": term("c")})))
    assert not bool(store.query(inject_values(text, {"x": term("a")})))
    assert bool(
        store.query(inject_values(f"ASK WHERE {{ ?x <{EX}name> 'Cid' }}", {"x": term("c")}))
    )


def test_construct_full_form_template_comes_first(store: ox.Store) -> None:
    text = f"CONSTRUCT {{ ?who <{EX}friendOf> ?x }} WHERE {{ ?who <{EX}knows> ?x }}"
    injected = inject_values(text, {"x": term("b")})
    assert injected.startswith(f"CONSTRUCT {{ ?who <{EX}friendOf> ?x }} WHERE {{ VALUES ?x")
    assert triples(store, injected) == {f"<{EX}a> <{EX}friendOf> <{EX}b>"}


def test_construct_without_where_keyword(store: ox.Store) -> None:
    text = f"CONSTRUCT {{ ?x <{EX}n> ?n }} {{ ?x <{EX}name> ?n }}"
    assert triples(store, inject_values(text, {"x": term("c")})) == {f'<{EX}c> <{EX}n> "Cid"'}


def test_construct_short_form_becomes_the_full_form(store: ox.Store) -> None:
    text = f"CONSTRUCT WHERE {{\n  ?x <{EX}name> ?n .\n}}"
    injected = inject_values(text, {"x": term("b")})
    # The short form admits no VALUES: its template is spelled out, on the same line.
    assert injected == (
        f"CONSTRUCT {{ ?x <{EX}name> ?n . }} WHERE {{ VALUES ?x {{ <{EX}b> }}\n"
        f"  ?x <{EX}name> ?n .\n}}"
    )
    assert triples(store, injected) == {f'<{EX}b> <{EX}name> "Bob"'}


def test_describe_with_and_without_where(store: ox.Store) -> None:
    with_where = f"DESCRIBE ?x WHERE {{ ?x <{EX}age> ?age }}"
    injected = inject_values(with_where, {"age": parse_value("age", "integer", "50", {})})
    assert subjects(store, injected) == {f"<{EX}c>"}

    without = "DESCRIBE ?x FROM <http://example.org/g> LIMIT 5"
    injected = inject_values(without, {"x": term("b")})
    assert injected == (
        f"DESCRIBE ?x FROM <http://example.org/g> WHERE {{ VALUES ?x {{ <{EX}b> }} }} LIMIT 5"
    )
    bare = inject_values("DESCRIBE ?x", {"x": term("b")})
    assert bare == f"DESCRIBE ?x WHERE {{ VALUES ?x {{ <{EX}b> }} }}"
    assert subjects(store, bare) == {f"<{EX}b>"}


def test_nested_subquery_is_wrapped(store: ox.Store) -> None:
    text = f"""SELECT ?who ?n WHERE {{
  SELECT ?who (COUNT(?f) AS ?n) WHERE {{ ?who <{EX}knows> ?f }} GROUP BY ?who
}}"""
    injected = inject_values(text, {"who": term("a")})
    assert injected.startswith(f"SELECT ?who ?n WHERE {{ VALUES ?who {{ <{EX}a> }} {{\n  SELECT")
    assert rows(store, injected) == [(EX + "a", "2")]


def test_subquery_deeper_in_the_group_is_left_alone(store: ox.Store) -> None:
    text = f"""SELECT ?name WHERE {{
  {{ SELECT ?who WHERE {{ ?who <{EX}knows> ?any }} }}
  ?who <{EX}name> ?name
}}"""
    injected = inject_values(text, {"name": ox.Literal("Bob")})
    assert injected.startswith('SELECT ?name WHERE { VALUES ?name { "Bob" }\n  { SELECT')
    assert rows(store, injected) == [("Bob",)]


def test_inject_values_refuses_bad_names_terms_and_updates() -> None:
    with pytest.raises(InputError, match="not a valid parameter name"):
        inject_values("SELECT * {}", {"x) {} SERVICE": ox.Literal("a")})
    with pytest.raises(InputError, match="only an IRI or a literal"):
        inject_values("SELECT * {}", {"x": ox.BlankNode("b")})  # type: ignore[dict-item]
    with pytest.raises(InputError, match="not in an update"):
        inject_values("DELETE WHERE { ?x ?p ?o }", {"x": term("a")})
    with pytest.raises(InputError, match="no WHERE group"):
        inject_values("SELECT ?x", {"x": term("a")})


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s WHERE { ?s ?p ?x . ?s ex:p 1 }",
        "SELECT ?s WHERE {?s ?p ?x}",
        "SELECT ?s WHERE { SELECT ?s WHERE { ?s ?p ?x } } LIMIT 1",
        "CONSTRUCT WHERE { ?s ?p ?x }\n# end",
        "DESCRIBE ?x",
        "SELECT ?s\nWHERE { ?s ?p ?x .\n  ?s ?q ?o } ORDER BY ?s",
    ],
    ids=["values", "no-space", "subquery", "construct-where", "no-where", "lines"],
)
def test_positions_in_the_bound_text_map_back_to_the_text_as_written(text: str) -> None:
    insertions = value_insertions(text, {"x": term("a")})
    bound = inject_values(text, {"x": term("a")})
    assert insertions and insert(text, insertions) == bound
    for offset in range(len(text) + 1):
        # Inserted text goes before the character at its offset.
        moved = offset + sum(len(added) for at, added in insertions if at <= offset)
        if offset < len(text):
            assert bound[moved] == text[offset]
        line, column = position(bound, moved)
        assert unbound_position(text, insertions, line, column) == position(text, offset)
    # A position inside inserted text is where it was inserted.
    at, added = insertions[-1]
    inside = at + sum(len(a) for a_at, a in insertions[:-1]) + len(added) // 2
    assert unbound_position(text, insertions, *position(bound, inside)) == position(text, at)


# --- the injection test ---------------------------------------------------------------------

PROBE = "SELECT ?v WHERE { }"


def bound_value(value: str) -> tuple[str, ox.Literal]:
    """Bind `value` as a string parameter in PROBE; return the query and the term it returns."""
    injected = inject_values(PROBE, {"v": parse_value("v", "string", value, {})})
    assert query_form(injected) == "SELECT"
    result = ox.Store().query(injected)
    assert isinstance(result, ox.QuerySolutions)
    solutions = list(result)
    assert len(solutions) == 1
    result = solutions[0]["v"]
    assert isinstance(result, ox.Literal)
    return injected, result


@pytest.mark.parametrize(
    "value",
    [
        'x" } ; DROP ALL ; #',
        "x' } ; DROP ALL ; #",
        "line one\nline two\r\n} SERVICE <http://x/sparql> {",
        'back\\slash \\" \\u0041 \\',
        "''' \"\"\" '' \"\" ' \"",
        "non-BMP 😀 \U0001d538 \U0010ffff and NUL \x00 and DEL \x7f",
        "",
        "# } ;",
    ],
)
def test_injection_binds_exactly_the_text(value: str) -> None:
    injected, result = bound_value(value)
    assert result.value == value
    assert result.datatype == ox.NamedNode(XSD + "string")
    assert result.language is None
    check_safe(injected)  # no keyword escaped from the literal
    assert injected.count("\n") == 0


@settings(max_examples=examples(300), deadline=None)
@given(st.text())
def test_any_text_round_trips_through_a_bound_parameter(value: str) -> None:
    term_ = parse_value("v", "string", value, {})
    assert term_.value == value
    _, result = bound_value(value)
    assert result.value == value


@settings(max_examples=examples(100), deadline=None)
@given(st.text(alphabet=st.sampled_from("'\"\\{}#<>;\n\r.?$ SERVICEDROPuU0123")))
def test_sparql_specials_round_trip_and_stay_safe(value: str) -> None:
    injected, result = bound_value(value)
    assert result.value == value
    check_safe(injected)


# --- syntax errors --------------------------------------------------------------------------


def test_syntax_error_location_of_real_messages() -> None:
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query("SELECT ?x WHERE {\n ?x ?y }")
    assert syntax_error_location(str(caught.value)) == (2, 9)
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query("SELECT ?x WHERE { 'é😀' ?y ?z . ]")
    assert syntax_error_location(str(caught.value)) == (1, 33)  # characters, not bytes
    assert syntax_error_location("error at 12:3: expected one of LATERAL") == (12, 3)
    assert syntax_error_location("something else") is None


# --- parse once (#13) -------------------------------------------------------------------------


@pytest.fixture
def tokenized(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the lexer tokenizes from now on."""
    from kgcli.engine import sparql

    seen: list[str] = []
    real = sparql.tokenize

    def counting(text: str) -> list:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(sparql, "tokenize", counting)
    return seen


def _named(text: str, params: str = ""):
    from kgcli.engine.catalogue import from_text

    return from_text(params + text, "-e")


def test_a_query_is_tokenized_once_through_prepare_and_run(tokenized: list[str]) -> None:
    from kgcli.api import open_source
    from kgcli.engine.query import prepare, run

    source = open_source(data=[])
    text = "PREFIX ex: <http://example.org/> SELECT ?s FROM ex:g WHERE { ?s ?p ?o }"
    with pytest.raises(InputError, match="no graph of that name"):
        run(source, prepare(_named(text)))  # checked from the one parse: FROM names no graph
    assert tokenized == [text]
    tokenized.clear()
    result = run(source, prepare(_named("ASK { ?s ?p ?o }")), timeout=30)  # in a child
    assert result.value is True and len(tokenized) == 1  # type: ignore[union-attr]


def test_a_bound_query_is_tokenized_once_more_as_bound(tokenized: list[str]) -> None:
    from kgcli.api import open_source
    from kgcli.engine.query import prepare, run

    header = "# title: t\n# param: n integer = 1\n"
    prepared = prepare(_named("SELECT ?n WHERE { }", header), {"n": "7"})
    assert tokenized == [header + "SELECT ?n WHERE { }", prepared.text]
    assert "VALUES ?n" in prepared.text and prepared.parsed.text == prepared.text
    assert [row[0].value for row in run(open_source(data=[]), prepared)] == ["7"]  # type: ignore[union-attr]
    assert len(tokenized) == 2


def test_serve_tokenizes_a_named_query_once_for_all_requests(tokenized: list[str]) -> None:
    """`kg serve` once kept an LRU cache of analysed queries to hide re-tokenizing them."""
    from kgcli.serve.app import _analysed

    query = _named("PREFIX ex: <http://example.org/> ASK { ex:a ex:b ex:c }")
    for _ in range(3):
        analysed = _analysed(query, (), False, "http://127.0.0.1:7878/query")
    assert analysed.form == "ASK" and analysed.prefixes == {"ex": EX}
    assert len(tokenized) == 1
