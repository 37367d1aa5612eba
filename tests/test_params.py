"""Typed parameters: text -> RDF terms, binding with defaults, and `-p NAME=VALUE` options."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgcli.engine.catalogue import Param
from kgcli.engine.params import bind, parse_assignments, parse_value
from kgcli.errors import InputError, UsageError

XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {"kg": "https://w3id.org/kgcli/ontology#", "": "http://example.org/"}


def typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("iri", "<https://example.org/a>", ox.NamedNode("https://example.org/a")),
        ("iri", " https://example.org/a?b=c#d ", ox.NamedNode("https://example.org/a?b=c#d")),
        ("iri", "urn:isbn:0451450523", ox.NamedNode("urn:isbn:0451450523")),
        ("iri", "mailto:a@example.org", ox.NamedNode("mailto:a@example.org")),
        ("iri", "<ex:thing>", ox.NamedNode("ex:thing")),
        ("iri", "kg:Firm", ox.NamedNode("https://w3id.org/kgcli/ontology#Firm")),
        ("iri", ":thing", ox.NamedNode("http://example.org/thing")),
        ("iri", "<kg:Firm>", ox.NamedNode("kg:Firm")),  # between <>, an IRI is taken as written
        ("iri", "https://例え.jp/é", ox.NamedNode("https://例え.jp/é")),
        ("string", "Huacao", ox.Literal("Huacao")),
        ("string", "  spaced  ", ox.Literal("  spaced  ")),
        ("string", "", ox.Literal("")),
        (
            "string",
            'a "quoted" {x} # not a comment\nline',
            ox.Literal('a "quoted" {x} # not a comment\nline'),
        ),
        ("string", "\x00\x07\x1b", ox.Literal("\x00\x07\x1b")),
        ("integer", "42", typed("42", "integer")),
        ("integer", " -7 ", typed("-7", "integer")),
        ("integer", "+007", typed("7", "integer")),
        (
            "integer",
            "123456789012345678901234567890",
            typed("123456789012345678901234567890", "integer"),
        ),
        ("decimal", "2.50", typed("2.5", "decimal")),
        ("decimal", "-.25", typed("-0.25", "decimal")),
        ("decimal", "3", typed("3", "decimal")),
        ("decimal", "1.000", typed("1", "decimal")),
        ("decimal", "-0.0", typed("0", "decimal")),
        ("decimal", "5.", typed("5", "decimal")),
        ("date", "2024-02-29", typed("2024-02-29", "date")),
        ("date", " 1999-12-31 ", typed("1999-12-31", "date")),
        ("boolean", "true", typed("true", "boolean")),
        ("boolean", "FALSE", typed("false", "boolean")),
        ("boolean", "1", typed("true", "boolean")),
        ("boolean", "0", typed("false", "boolean")),
        ("boolean", "Yes", typed("true", "boolean")),
        ("boolean", "no", typed("false", "boolean")),
    ],
)
def test_valid_values(type_: str, value: str, expected: ox.NamedNode | ox.Literal) -> None:
    assert parse_value("p", type_, value, PREFIXES) == expected


@pytest.mark.parametrize(
    ("type_", "value", "message"),
    [
        ("integer", "abc", "parameter 'p': 'abc' is not an integer"),
        ("integer", "1.5", "parameter 'p': '1.5' is not an integer"),
        ("integer", "1_000", "parameter 'p': '1_000' is not an integer"),
        ("integer", "١٢", "parameter 'p': '١٢' is not an integer"),
        ("integer", "", "parameter 'p': '' is not an integer"),
        ("decimal", "1e5", "parameter 'p': '1e5' is not a decimal number"),
        ("decimal", "NaN", "parameter 'p': 'NaN' is not a decimal number"),
        ("decimal", "1,5", "parameter 'p': '1,5' is not a decimal number"),
        ("date", "2023-02-29", "parameter 'p': '2023-02-29' is not a date (YYYY-MM-DD)"),
        ("date", "20240101", "parameter 'p': '20240101' is not a date (YYYY-MM-DD)"),
        ("date", "2024-1-1", "parameter 'p': '2024-1-1' is not a date (YYYY-MM-DD)"),
        ("date", "2024-13-01", "parameter 'p': '2024-13-01' is not a date (YYYY-MM-DD)"),
        ("boolean", "maybe", "parameter 'p': 'maybe' is not a boolean (true/false, yes/no, 1/0)"),
        ("boolean", "", "parameter 'p': '' is not a boolean (true/false, yes/no, 1/0)"),
        (
            "iri",
            "Firm",
            "parameter 'p': 'Firm' is not an IRI: write <https://...>, https://... or a prefixed "
            "name whose prefix the query declares (prefixes: :, kg:)",
        ),
        (
            "iri",
            "ex:thing",
            "parameter 'p': 'ex:thing' is not an IRI: write <https://...>, https://... or a "
            "prefixed name whose prefix the query declares (prefixes: :, kg:)",
        ),
        (
            "iri",
            "<https://example.org/a b>",
            "parameter 'p': '<https://example.org/a b>' is not an IRI: "
            "' ' is not allowed in an IRI",
        ),
        (
            "iri",
            'https://example.org/a"> } DROP ALL',
            "parameter 'p': 'https://example.org/a\"> } DROP ALL' is not an IRI: "
            "'\"' is not allowed in an IRI",
        ),
        (
            "iri",
            "https://example.org/{x}",
            "parameter 'p': 'https://example.org/{x}' is not an IRI: '{' is not allowed in an IRI",
        ),
        (
            "iri",
            "kg:a\\b",
            "parameter 'p': 'kg:a\\\\b' is not an IRI: '\\\\' is not allowed in an IRI",
        ),
        (
            "string",
            "lone \udc80 surrogate",
            "parameter 'p': 'lone \\udc80 surrogate' is not valid Unicode",
        ),
    ],
)
def test_invalid_values(type_: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_value("p", type_, value, PREFIXES)
    assert str(caught.value) == message


def test_relative_iri_is_refused() -> None:
    with pytest.raises(UsageError, match=r"parameter 'p': '<a/b>' is not an absolute IRI"):
        parse_value("p", "iri", "<a/b>", {})


def test_unknown_type() -> None:
    with pytest.raises(InputError) as caught:
        parse_value("p", "float", "1.0", {})
    assert str(caught.value) == (
        "parameter 'p': unknown type 'float' (iri, string, integer, decimal, date, boolean)"
    )


def test_a_declared_prefix_wins_over_a_scheme_but_not_over_a_url() -> None:
    prefixes = {"urn": "http://example.org/urn/", "http": "http://example.org/http/"}
    assert parse_value("p", "iri", "urn:x", prefixes) == ox.NamedNode("http://example.org/urn/x")
    assert parse_value("p", "iri", "http://e.org/", prefixes) == ox.NamedNode("http://e.org/")


# --- bind -----------------------------------------------------------------------------------

PLACE = Param("place", "string", None, "text of the place's label")
YEAR = Param("year", "integer", "2020", "")
KIND = Param("kind", "iri", "kg:Firm", "")


def test_bind_uses_given_values_then_defaults() -> None:
    bound = bind([PLACE, YEAR, KIND], {"place": "Huacao"}, PREFIXES)
    assert bound == {
        "place": ox.Literal("Huacao"),
        "year": typed("2020", "integer"),
        "kind": ox.NamedNode("https://w3id.org/kgcli/ontology#Firm"),
    }
    assert list(bound) == ["place", "year", "kind"]
    assert bind([YEAR], {"year": "1999"}, {}) == {"year": typed("1999", "integer")}
    assert bind([], {}, {}) == {}


def test_bind_unknown_parameter() -> None:
    with pytest.raises(UsageError) as caught:
        bind([PLACE], {"twn": "x"}, {}, query_name="firms-in-town")
    assert (
        str(caught.value) == "unknown parameter 'twn' for query firms-in-town (parameters: place)"
    )
    with pytest.raises(UsageError) as caught:
        bind([], {"x": "1"}, {})
    assert str(caught.value) == "unknown parameter 'x' (parameters: none)"


def test_bind_missing_parameters() -> None:
    with pytest.raises(UsageError) as caught:
        bind([PLACE, YEAR], {}, {})
    assert str(caught.value) == "missing parameter 'place' (string): -p place=VALUE"
    other = Param("since", "date", None, "")
    with pytest.raises(UsageError) as caught:
        bind([PLACE, other], {}, {})
    assert str(caught.value) == (
        "missing parameters 'place' (string), 'since' (date): -p place=VALUE -p since=VALUE"
    )


def test_bind_ill_typed_value() -> None:
    with pytest.raises(UsageError) as caught:
        bind([YEAR], {"year": "abc"}, {})
    assert str(caught.value) == "parameter 'year': 'abc' is not an integer"


# --- parse_assignments ----------------------------------------------------------------------


def test_parse_assignments() -> None:
    assert parse_assignments([]) == {}
    assert parse_assignments(["town=Huacao", "q=a=b", "empty=", "sp= x "]) == {
        "town": "Huacao",
        "q": "a=b",
        "empty": "",
        "sp": " x ",
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["town"], "-p expects NAME=VALUE, not 'town'"),
        (["=Huacao"], "-p expects NAME=VALUE, not '=Huacao'"),
        (["town=a", "town=b"], "parameter 'town' is given twice (-p town=...)"),
    ],
)
def test_parse_assignments_errors(items: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_assignments(items)
    assert str(caught.value) == message
