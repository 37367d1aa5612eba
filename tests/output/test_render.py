"""Every output format against its specification, byte for byte, on awkward terms.

The Python writers (remote, limited and re-iterated results) and the engine's own serialisers
(the fast path for untouched local results) must agree byte for byte; where pyoxigraph 0.5
departs from a specification (CSV IRIs with commas, XML carriage returns and forbidden
characters) both follow the specification, as `kgcli.output.render` documents: a term XML 1.0 cannot
carry is refused by name on both paths (#12; `tests/output/test_wellformed.py` generates them).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from support import TESTS, examples

from kgcli.engine.results import AskResult, GraphResult, SelectResult
from kgcli.errors import UsageError
from kgcli.output.formats import GRAPH_FORMATS, RDF_FORMATS, RESULT_FORMATS
from kgcli.output.render import render
from kgcli.output.terms import plain_value, rows_as_dicts
from kgcli.output.xml import NotXml, XmlGuard
from kgcli.rdf.formats import rdf_format
from kgcli.rdf.namespaces import WELL_KNOWN_PREFIXES, compact_iri
from kgcli.rdf.xmlchars import FORBIDDEN, XmlCharError

FIXTURES = TESTS / "fixtures" / "render"
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
QRF = ox.QueryResultsFormat
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"

Row = tuple[Any, ...]


def iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


# IRIs, blank nodes, plain/language/typed literals (non-canonical lexical forms on purpose),
# unbound values, commas, quotes, tabs, newlines, CR, non-BMP and control characters, markup,
# and one row of RDF 1.2 terms (a triple term, a directional language string).
VARIABLES = ["x", "value", "note"]
ROWS: list[Row] = [
    (iri("a"), ox.Literal("plain"), None),
    (ox.BlankNode("b0"), ox.Literal("chat", language="en"), ox.Literal("Chat", language="fr-be")),
    (iri("b"), typed("42", "integer"), typed("-1.50", "decimal")),
    (iri("c"), typed("1.0E3", "double"), typed("true", "boolean")),
    (iri("d"), typed("2024-01-31", "date"), typed("1", "boolean")),
    (iri("e"), ox.Literal('comma, "quote"'), None),
    (iri("f"), ox.Literal("tab\there"), ox.Literal("new\nline")),
    (iri("g"), ox.Literal("cr\rhere"), ox.Literal("crlf\r\n")),
    (iri("h"), ox.Literal("non-BMP 𝄞😀, é 中文"), ox.Literal("ctl \x01\x1f\x7f\x00")),
    (None, None, None),
    (iri("i"), ox.Literal(" lead and trail "), ox.Literal("back\\slash")),
    (iri("j"), typed("5", "decimal"), typed("+5", "integer")),
    (iri("k"), ox.Literal("x", datatype=iri("dt")), ox.Literal("<tag>&amp;'")),
    (iri("l"), ox.Literal(""), typed("INF", "double")),
    (ox.BlankNode("b1"), iri("a?q=1&r='x'#frag"), typed("1.5", "float")),
    (
        ox.Triple(iri("s"), iri("p"), ox.Literal("o w")),
        ox.Literal("x", language="en", direction=ox.BaseDirection.RTL),
        None,
    ),
]

# SPARQL 1.1 CSV: names without '?', CRLF, IRIs bare, literals' lexical forms, `_:label`,
# unbound empty, RFC 4180 quotes around fields with '"', ',', CR or LF ('"' doubled).
EXPECTED_CSV = (
    "x,value,note\r\n"
    "http://example.org/a,plain,\r\n"
    "_:b0,chat,Chat\r\n"
    "http://example.org/b,42,-1.50\r\n"
    "http://example.org/c,1.0E3,true\r\n"
    "http://example.org/d,2024-01-31,1\r\n"
    'http://example.org/e,"comma, ""quote""",\r\n'
    'http://example.org/f,tab\there,"new\nline"\r\n'
    'http://example.org/g,"cr\rhere","crlf\r\n"\r\n'
    'http://example.org/h,"non-BMP 𝄞😀, é 中文",ctl \x01\x1f\x7f\x00\r\n'
    ",,\r\n"
    "http://example.org/i, lead and trail ,back\\slash\r\n"
    "http://example.org/j,5,+5\r\n"
    "http://example.org/k,x,<tag>&amp;'\r\n"
    "http://example.org/l,,INF\r\n"
    "_:b1,http://example.org/a?q=1&r='x'#frag,1.5\r\n"
    "http://example.org/s http://example.org/p o w,x,\r\n"
).encode()

# SPARQL 1.1 TSV: '?'-names, LF, terms in Turtle syntax; integers, decimals, doubles and
# booleans bare when their lexical form is Turtle's abbreviation; \t \n \r \" \\ escaped.
D = "^^<http://www.w3.org/2001/XMLSchema#"
EXPECTED_TSV = (
    "?x\t?value\t?note\n"
    '<http://example.org/a>\t"plain"\t\n'
    '_:b0\t"chat"@en\t"Chat"@fr-be\n'
    "<http://example.org/b>\t42\t-1.50\n"
    "<http://example.org/c>\t1.0E3\ttrue\n"
    f'<http://example.org/d>\t"2024-01-31"{D}date>\t"1"{D}boolean>\n'
    '<http://example.org/e>\t"comma, \\"quote\\""\t\n'
    '<http://example.org/f>\t"tab\\there"\t"new\\nline"\n'
    '<http://example.org/g>\t"cr\\rhere"\t"crlf\\r\\n"\n'
    '<http://example.org/h>\t"non-BMP 𝄞😀, é 中文"\t"ctl \x01\x1f\x7f\x00"\n'
    "\t\t\n"
    '<http://example.org/i>\t" lead and trail "\t"back\\\\slash"\n'
    f'<http://example.org/j>\t"5"{D}decimal>\t+5\n'
    '<http://example.org/k>\t"x"^^<http://example.org/dt>\t"<tag>&amp;\'"\n'
    f'<http://example.org/l>\t""\t"INF"{D}double>\n'
    f"_:b1\t<http://example.org/a?q=1&r='x'#frag>\t\"1.5\"{D}float>\n"
    '<<( <http://example.org/s> <http://example.org/p> "o w" )>>\t"x"@en--rtl\t\n'
).encode()

# SPARQL 1.1 JSON: unbound variables absent from a binding, xsd:string literals untyped.
EXPECTED_JSON = (
    '{"head":{"vars":["x","value","note"]},"results":{"bindings":['
    '{"x":{"type":"uri","value":"http://example.org/a"},'
    '"value":{"type":"literal","value":"plain"}},'
    '{"x":{"type":"bnode","value":"b0"},'
    '"value":{"type":"literal","value":"chat","xml:lang":"en"},'
    '"note":{"type":"literal","value":"Chat","xml:lang":"fr-be"}},'
    '{"x":{"type":"uri","value":"http://example.org/b"},'
    '"value":{"type":"literal","value":"42","datatype":"' + XSD + 'integer"},'
    '"note":{"type":"literal","value":"-1.50","datatype":"' + XSD + 'decimal"}},'
    '{"x":{"type":"uri","value":"http://example.org/c"},'
    '"value":{"type":"literal","value":"1.0E3","datatype":"' + XSD + 'double"},'
    '"note":{"type":"literal","value":"true","datatype":"' + XSD + 'boolean"}},'
    '{"x":{"type":"uri","value":"http://example.org/d"},'
    '"value":{"type":"literal","value":"2024-01-31","datatype":"' + XSD + 'date"},'
    '"note":{"type":"literal","value":"1","datatype":"' + XSD + 'boolean"}},'
    '{"x":{"type":"uri","value":"http://example.org/e"},'
    '"value":{"type":"literal","value":"comma, \\"quote\\""}},'
    '{"x":{"type":"uri","value":"http://example.org/f"},'
    '"value":{"type":"literal","value":"tab\\there"},'
    '"note":{"type":"literal","value":"new\\nline"}},'
    '{"x":{"type":"uri","value":"http://example.org/g"},'
    '"value":{"type":"literal","value":"cr\\rhere"},'
    '"note":{"type":"literal","value":"crlf\\r\\n"}},'
    '{"x":{"type":"uri","value":"http://example.org/h"},'
    '"value":{"type":"literal","value":"non-BMP 𝄞😀, é 中文"},'
    '"note":{"type":"literal","value":"ctl \\u0001\\u001f\x7f\\u0000"}},'
    "{},"
    '{"x":{"type":"uri","value":"http://example.org/i"},'
    '"value":{"type":"literal","value":" lead and trail "},'
    '"note":{"type":"literal","value":"back\\\\slash"}},'
    '{"x":{"type":"uri","value":"http://example.org/j"},'
    '"value":{"type":"literal","value":"5","datatype":"' + XSD + 'decimal"},'
    '"note":{"type":"literal","value":"+5","datatype":"' + XSD + 'integer"}},'
    '{"x":{"type":"uri","value":"http://example.org/k"},'
    '"value":{"type":"literal","value":"x","datatype":"http://example.org/dt"},'
    '"note":{"type":"literal","value":"<tag>&amp;\'"}},'
    '{"x":{"type":"uri","value":"http://example.org/l"},'
    '"value":{"type":"literal","value":""},'
    '"note":{"type":"literal","value":"INF","datatype":"' + XSD + 'double"}},'
    '{"x":{"type":"bnode","value":"b1"},'
    '"value":{"type":"uri","value":"http://example.org/a?q=1&r=\'x\'#frag"},'
    '"note":{"type":"literal","value":"1.5","datatype":"' + XSD + 'float"}},'
    '{"x":{"type":"triple","value":{"subject":{"type":"uri","value":"http://example.org/s"},'
    '"predicate":{"type":"uri","value":"http://example.org/p"},'
    '"object":{"type":"literal","value":"o w"}}},'
    '"value":{"type":"literal","value":"x","xml:lang":"en","its:dir":"rtl"}}'
    "]}}"
).encode()


def _bindings(*pairs: tuple[str, str]) -> str:
    return (
        "<result>" + "".join(f'<binding name="{n}">{v}</binding>' for n, v in pairs) + "</result>"
    )


def _lit(text: str, attributes: str = "") -> str:
    return f"<literal{attributes}>{text}</literal>"


def _dt(name: str) -> str:
    return f' datatype="{XSD}{name}"'


# SPARQL XML results: & < > ' " escaped; whitespace at either end of a text as character
# references (some parsers trim it); every CR as &#13; (XML parsers turn a raw CR into LF). The
# rows are ROWS but for the characters XML 1.0 forbids (U+0001, U+001F, U+0000), which are
# refused: U+007F and U+0085 are allowed, and kept.
CONTROLS = ox.Literal("ctl \x01\x1f\x7f\x00")
XML_ROWS = [tuple(ox.Literal("ctl \x7f\x85") if t == CONTROLS else t for t in r) for r in ROWS]
EXPECTED_XML = (
    '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
    '<variable name="x"/><variable name="value"/><variable name="note"/></head><results>'
    + _bindings(("x", "<uri>http://example.org/a</uri>"), ("value", _lit("plain")))
    + _bindings(
        ("x", "<bnode>b0</bnode>"),
        ("value", _lit("chat", ' xml:lang="en"')),
        ("note", _lit("Chat", ' xml:lang="fr-be"')),
    )
    + _bindings(
        ("x", "<uri>http://example.org/b</uri>"),
        ("value", _lit("42", _dt("integer"))),
        ("note", _lit("-1.50", _dt("decimal"))),
    )
    + _bindings(
        ("x", "<uri>http://example.org/c</uri>"),
        ("value", _lit("1.0E3", _dt("double"))),
        ("note", _lit("true", _dt("boolean"))),
    )
    + _bindings(
        ("x", "<uri>http://example.org/d</uri>"),
        ("value", _lit("2024-01-31", _dt("date"))),
        ("note", _lit("1", _dt("boolean"))),
    )
    + _bindings(
        ("x", "<uri>http://example.org/e</uri>"), ("value", _lit("comma, &quot;quote&quot;"))
    )
    + _bindings(
        ("x", "<uri>http://example.org/f</uri>"),
        ("value", _lit("tab\there")),
        ("note", _lit("new\nline")),
    )
    + _bindings(
        ("x", "<uri>http://example.org/g</uri>"),
        ("value", _lit("cr&#13;here")),
        ("note", _lit("crlf&#13;&#10;")),
    )
    + _bindings(
        ("x", "<uri>http://example.org/h</uri>"),
        ("value", _lit("non-BMP 𝄞😀, é 中文")),
        ("note", _lit("ctl \x7f\x85")),
    )
    + "<result></result>"
    + _bindings(
        ("x", "<uri>http://example.org/i</uri>"),
        ("value", _lit("&#32;lead and trail&#32;")),
        ("note", _lit("back\\slash")),
    )
    + _bindings(
        ("x", "<uri>http://example.org/j</uri>"),
        ("value", _lit("5", _dt("decimal"))),
        ("note", _lit("+5", _dt("integer"))),
    )
    + _bindings(
        ("x", "<uri>http://example.org/k</uri>"),
        ("value", _lit("x", ' datatype="http://example.org/dt"')),
        ("note", _lit("&lt;tag&gt;&amp;amp;&apos;")),
    )
    + _bindings(
        ("x", "<uri>http://example.org/l</uri>"),
        ("value", _lit("")),
        ("note", _lit("INF", _dt("double"))),
    )
    + _bindings(
        ("x", "<bnode>b1</bnode>"),
        ("value", "<uri>http://example.org/a?q=1&amp;r=&apos;x&apos;#frag</uri>"),
        ("note", _lit("1.5", _dt("float"))),
    )
    + _bindings(
        (
            "x",
            "<triple><subject><uri>http://example.org/s</uri></subject>"
            "<predicate><uri>http://example.org/p</uri></predicate>"
            "<object><literal>o w</literal></object></triple>",
        ),
        (
            "value",
            _lit(
                "x",
                ' xml:lang="en" its:dir="rtl" xmlns:its="http://www.w3.org/2005/11/its"'
                ' its:version="2.0"',
            ),
        ),
    )
    + "</results></sparql>"
).encode()

# One plain JSON object per row; unbound variables left out.
EXPECTED_JSONL = (
    '{"x": "http://example.org/a", "value": "plain"}\n'
    '{"x": "_:b0", "value": "chat", "note": "Chat"}\n'
    '{"x": "http://example.org/b", "value": 42, "note": -1.50}\n'
    '{"x": "http://example.org/c", "value": 1000.0, "note": true}\n'
    '{"x": "http://example.org/d", "value": "2024-01-31", "note": true}\n'
    '{"x": "http://example.org/e", "value": "comma, \\"quote\\""}\n'
    '{"x": "http://example.org/f", "value": "tab\\there", "note": "new\\nline"}\n'
    '{"x": "http://example.org/g", "value": "cr\\rhere", "note": "crlf\\r\\n"}\n'
    '{"x": "http://example.org/h", "value": "non-BMP 𝄞😀, é 中文", '
    '"note": "ctl \\u0001\\u001f\x7f\\u0000"}\n'
    "{}\n"
    '{"x": "http://example.org/i", "value": " lead and trail ", "note": "back\\\\slash"}\n'
    '{"x": "http://example.org/j", "value": 5, "note": 5}\n'
    '{"x": "http://example.org/k", "value": "x", "note": "<tag>&amp;\'"}\n'
    '{"x": "http://example.org/l", "value": "", "note": "INF"}\n'
    '{"x": "_:b1", "value": "http://example.org/a?q=1&r=\'x\'#frag", "note": 1.5}\n'
    '{"x": {"subject": "http://example.org/s", "predicate": "http://example.org/p", '
    '"object": "o w"}, "value": "x"}\n'
).encode()

EXPECTED_MARKDOWN = (
    "| x | value | note |\n"
    "| --- | --- | --- |\n"
    "| ex:a | plain |  |\n"
    "| _:b0 | chat | Chat@fr-be |\n"
    "| ex:b | 42 | -1.50 |\n"
    "| ex:c | 1.0E3 | true |\n"
    "| ex:d | 2024-01-31 | 1 |\n"
    '| ex:e | comma, "quote" |  |\n'
    "| ex:f | tab\there | new<br>line |\n"
    "| ex:g | cr<br>here | crlf<br> |\n"
    "| ex:h | non-BMP 𝄞😀, é 中文 | ctl \\x01\\x1f\\x7f\\x00 |\n"
    "|  |  |  |\n"
    "| ex:i |  lead and trail  | back\\slash |\n"
    "| ex:j | 5 | +5 |\n"
    "| ex:k | x | <tag>&amp;' |\n"
    "| ex:l |  | INF |\n"
    "| _:b1 | ex:a?q=1&r='x'#frag | 1.5 |\n"
    "| << ex:s ex:p o w >> | x |  |\n"
).encode()

EXPECTED_TABLE = "\n".join(
    [
        "x                     value                 note",
        "─" * 64,
        "ex:a                  plain",
        "_:b0                  chat                  Chat@fr-be",
        "ex:b                  42                    -1.50",
        "ex:c                  1000                  true",
        "ex:d                  2024-01-31            1",
        'ex:e                  comma, "quote"',
        "ex:f                  tab     here          new",
        "                                            line",
        "ex:g                  cr                    crlf",
        "                      here",
        "ex:h                  non-BMP 𝄞😀, é 中文   ctl \\x01\\x1f\\x7f\\x00",
        "",
        "ex:i                   lead and trail       back\\slash",
        "ex:j                  5                     +5",
        "ex:k                  x                     <tag>&amp;'",
        "ex:l                                        INF",
        "_:b1                  ex:a?q=1&r='x'#frag   1.5",
        "<< ex:s ex:p o w >>   x",
        "16 rows",
        "",
    ]
).encode()


# --- helpers ---------------------------------------------------------------------------------


def _binding(term: Any) -> dict[str, Any]:
    """A SPARQL JSON binding, built independently of kgcli.output, to feed pyoxigraph's parser."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
            if term.direction is not None:
                found["its:dir"] = term.direction.value
        else:
            found["datatype"] = term.datatype.value
        return found
    parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
    return {"type": "triple", "value": {k: _binding(v) for k, v in parts.items()}}


def native_solutions(variables: Sequence[str], rows: Sequence[Row]) -> ox.QuerySolutions:
    """The engine's own solution iterator over exactly these rows (no store normalisation)."""
    doc = {
        "head": {"vars": list(variables)},
        "results": {
            "bindings": [
                {v: _binding(t) for v, t in zip(variables, row, strict=True) if t is not None}
                for row in rows
            ]
        },
    }
    solutions = ox.parse_query_results(json.dumps(doc), format=QRF.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def python_result(variables: Sequence[str], rows: Sequence[Row]) -> SelectResult:
    """A result without a native iterator: what a remote or limited query gives."""
    return SelectResult(list(variables), list(rows))


def native_result(variables: Sequence[str], rows: Sequence[Row]) -> SelectResult:
    result = SelectResult.from_solutions(native_solutions(variables, rows))
    assert result.native is not None
    return result


def rendered(result: Any, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    render(result, fmt, out, **options)
    return out.getvalue()


def raw_native(variables: Sequence[str], rows: Sequence[Row], fmt: ox.QueryResultsFormat) -> bytes:
    data = native_solutions(variables, rows).serialize(format=fmt)
    assert data is not None
    return data


def lexical(term: Any) -> str:
    """What SPARQL CSV keeps of a term."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return " ".join(lexical(t) for t in (term.subject, term.predicate, term.object))
    return str(term.value)


def parsed_rows(data: bytes, fmt: ox.QueryResultsFormat) -> list[Row]:
    solutions = ox.parse_query_results(data, format=fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple(solution) for solution in solutions]


def test_fixture_terms_reach_the_engine_unchanged() -> None:
    assert [tuple(s) for s in native_solutions(VARIABLES, ROWS)] == ROWS


# --- CSV -------------------------------------------------------------------------------------


def test_csv_exact_bytes_on_both_paths() -> None:
    assert rendered(python_result(VARIABLES, ROWS), "csv") == EXPECTED_CSV
    assert rendered(native_result(VARIABLES, ROWS), "csv") == EXPECTED_CSV
    assert raw_native(VARIABLES, ROWS, QRF.CSV) == EXPECTED_CSV


def test_csv_parses_back_to_the_lexical_values() -> None:
    text = EXPECTED_CSV.decode()
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        VARIABLES,
        *[[lexical(term) for term in row] for row in ROWS],
    ]


def test_csv_quotes_an_iri_with_a_comma() -> None:
    # RFC 4180; pyoxigraph 0.5 writes this IRI bare, which would split the field.
    rows = [(ox.NamedNode("http://example.org/a,b"), ox.Literal("x"))]
    for result in (python_result(["s", "o"], rows), native_result(["s", "o"], rows)):
        data = rendered(result, "csv")
        assert data == b's,o\r\n"http://example.org/a,b",x\r\n'
        assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [
            ["s", "o"],
            ["http://example.org/a,b", "x"],
        ]


def test_csv_quotes_a_triple_term_as_one_field() -> None:
    rows = [(ox.Triple(iri("s"), iri("p"), ox.Literal('a, "b"')),)]
    data = rendered(python_result(["t"], rows), "csv")
    assert data == b't\r\n"http://example.org/s http://example.org/p a, ""b"""\r\n'


# --- TSV -------------------------------------------------------------------------------------


def test_tsv_exact_bytes_on_both_paths() -> None:
    assert rendered(python_result(VARIABLES, ROWS), "tsv") == EXPECTED_TSV
    assert rendered(native_result(VARIABLES, ROWS), "tsv") == EXPECTED_TSV
    assert raw_native(VARIABLES, ROWS, QRF.TSV) == EXPECTED_TSV


def test_tsv_parses_back_to_the_same_terms() -> None:
    assert parsed_rows(EXPECTED_TSV, QRF.TSV) == ROWS


@pytest.mark.parametrize(
    ("value", "datatype", "expected"),
    [
        ("42", "integer", "42"),
        ("-7", "integer", "-7"),
        ("+7", "integer", "+7"),
        ("007", "integer", "007"),
        ("4 2", "integer", f'"4 2"{D}integer>'),
        ("1.5", "decimal", "1.5"),
        (".5", "decimal", ".5"),
        ("-0.0", "decimal", "-0.0"),
        ("5", "decimal", f'"5"{D}decimal>'),
        ("5.", "decimal", f'"5."{D}decimal>'),
        ("1e3", "double", "1e3"),
        ("1.E-3", "double", "1.E-3"),
        (".5e+1", "double", ".5e+1"),
        ("1.5", "double", f'"1.5"{D}double>'),
        ("INF", "double", f'"INF"{D}double>'),
        ("1e3", "float", f'"1e3"{D}float>'),
        ("true", "boolean", "true"),
        ("false", "boolean", "false"),
        ("0", "boolean", f'"0"{D}boolean>'),
        ("x", "string", '"x"'),
    ],
)
def test_tsv_abbreviates_what_turtle_can(value: str, datatype: str, expected: str) -> None:
    rows = [(typed(value, datatype),)]
    data = f"?v\n{expected}\n".encode()
    assert rendered(python_result(["v"], rows), "tsv") == data
    assert raw_native(["v"], rows, QRF.TSV) == data
    assert parsed_rows(data, QRF.TSV) == rows


# --- JSON ------------------------------------------------------------------------------------


def test_json_exact_bytes_on_both_paths() -> None:
    assert rendered(python_result(VARIABLES, ROWS), "json") == EXPECTED_JSON
    assert rendered(native_result(VARIABLES, ROWS), "json") == EXPECTED_JSON
    assert raw_native(VARIABLES, ROWS, QRF.JSON) == EXPECTED_JSON


def test_json_round_trips_and_has_the_specified_structure() -> None:
    assert parsed_rows(EXPECTED_JSON, QRF.JSON) == ROWS
    doc = json.loads(EXPECTED_JSON)
    assert set(doc) == {"head", "results"}
    assert doc["head"] == {"vars": VARIABLES}
    bindings = doc["results"]["bindings"]
    assert len(bindings) == len(ROWS)
    for binding, row in zip(bindings, ROWS, strict=True):
        assert set(binding) == {v for v, t in zip(VARIABLES, row, strict=True) if t is not None}
        for value in binding.values():
            assert value["type"] in ("uri", "literal", "bnode", "triple")
            assert not ("xml:lang" in value and "datatype" in value)
    assert bindings[1]["value"] == {"type": "literal", "value": "chat", "xml:lang": "en"}
    assert bindings[2]["value"] == {"type": "literal", "value": "42", "datatype": XSD + "integer"}
    assert bindings[9] == {}


# --- XML -------------------------------------------------------------------------------------


def native_rerun_result(variables: Sequence[str], rows: Sequence[Row]) -> SelectResult:
    """A native result that can be evaluated again, as `kg query` makes them."""
    result = SelectResult.from_solutions(
        native_solutions(variables, rows), rerun=lambda: native_solutions(variables, rows)
    )
    assert result.native is not None
    return result


def test_xml_exact_bytes_on_both_paths() -> None:
    assert rendered(python_result(VARIABLES, XML_ROWS), "xml") == EXPECTED_XML
    assert rendered(native_result(VARIABLES, XML_ROWS), "xml") == EXPECTED_XML


#: The one line for ROWS in XML, whichever path writes it.
XML_REFUSAL = (
    'cannot write the literal "ctl \\u0001\\u001F\\u007F\\u0000" (?note) as SPARQL XML results: '
    "it holds U+0001 (character 5), which XML 1.0 cannot carry, not even as a character "
    "reference; json, tsv and csv results keep it"
)


def test_xml_refuses_a_term_xml_cannot_carry_naming_it_on_both_paths() -> None:
    for result in (python_result(VARIABLES, ROWS), native_rerun_result(VARIABLES, ROWS)):
        with pytest.raises(XmlCharError) as err:
            rendered(result, "xml")
        assert str(err.value) == XML_REFUSAL
        assert err.value.exit_code == 2
    # Without a second run, the engine's path names the text it wrote.
    with pytest.raises(XmlCharError) as err:
        rendered(native_result(VARIABLES, ROWS), "xml")
    assert str(err.value) == (
        "cannot write a term (the text 'ctl \\x01\\x1f\\x7f\\x00') as SPARQL XML results: "
        "it holds U+0001 (character 5), which XML 1.0 cannot carry, not even as a character "
        "reference; json, tsv and csv results keep it"
    )


def test_xml_differs_from_pyoxigraph_only_where_it_breaks_xml() -> None:
    raw = raw_native(VARIABLES, XML_ROWS, QRF.XML)
    assert raw != EXPECTED_XML
    assert raw.replace(b"cr\rhere", b"cr&#13;here") == EXPECTED_XML
    # pyoxigraph copies the characters XML forbids: its document is not XML.
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(raw_native(VARIABLES, ROWS, QRF.XML))


def test_xml_guard_is_exact_across_chunk_boundaries() -> None:
    raw = raw_native(VARIABLES, XML_ROWS, QRF.XML)
    for size in (1, 2, 3, 7, len(raw)):
        out = io.BytesIO()
        guard = XmlGuard(out)
        for start in range(0, len(raw), size):
            guard.write(raw[start : start + size])
        guard.flush()
        assert out.getvalue() == EXPECTED_XML
    for bad in ("\ufffe", "\uffff", "\x00", "\x0b"):
        for size in (1, 2, 3, 7):
            guard = XmlGuard(io.BytesIO())
            data = raw + f"<literal>{bad}</literal>".encode() + raw
            with pytest.raises(NotXml):
                for start in range(0, len(data), size):
                    guard.write(data[start : start + size])
                guard.flush()


def test_xml_is_well_formed_and_round_trips() -> None:
    assert parsed_rows(EXPECTED_XML, QRF.XML) == XML_ROWS
    root = etree.fromstring(EXPECTED_XML)
    assert root.tag == SPARQL_NS + "sparql"
    head = root.find(SPARQL_NS + "head")
    assert head is not None
    assert [v.get("name") for v in head] == VARIABLES
    results = root.findall(f"{SPARQL_NS}results/{SPARQL_NS}result")
    assert len(results) == len(XML_ROWS)
    # A conforming parser (lxml) reads back CR and the boundary whitespace too.
    texts = [lit.text or "" for lit in root.iter(SPARQL_NS + "literal")]
    assert "cr\rhere" in texts
    assert "crlf\r\n" in texts
    assert " lead and trail " in texts
    assert "<tag>&amp;'" in texts


# --- ASK -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_ask_in_every_format(value: bool) -> None:
    word = "true" if value else "false"
    boolean = ox.parse_query_results(f'{{"head":{{}},"boolean":{word}}}', format=QRF.JSON)
    assert isinstance(boolean, ox.QueryBoolean)
    expected = {
        "csv": word.encode(),
        "tsv": word.encode(),
        "json": f'{{"head":{{}},"boolean":{word}}}'.encode(),
        "xml": (
            '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head></head><boolean>{word}</boolean></sparql>"
        ).encode(),
        "jsonl": f'{{"boolean": {word}}}\n'.encode(),
        "markdown": f"| boolean |\n| --- |\n| {word} |\n".encode(),
        "table": f"{word}\n".encode(),
    }
    assert set(expected) == set(RESULT_FORMATS)
    for fmt, data in expected.items():
        assert rendered(AskResult(value), fmt) == data, fmt
    for fmt, native_format in (("csv", QRF.CSV), ("tsv", QRF.TSV), ("json", QRF.JSON)):
        assert boolean.serialize(format=native_format) == expected[fmt]
    assert boolean.serialize(format=QRF.XML) == expected["xml"]
    assert bool(ox.parse_query_results(expected["xml"], format=QRF.XML)) is value
    assert etree.fromstring(expected["xml"]).findtext(SPARQL_NS + "boolean") == word
    assert json.loads(expected["jsonl"]) == {"boolean": value}


def test_ask_refuses_graph_formats() -> None:
    with pytest.raises(UsageError, match="not ASK"):
        rendered(AskResult(True), "turtle")


# --- JSON lines, markdown, table -------------------------------------------------------------


def test_jsonl_exact_lines() -> None:
    assert rendered(python_result(VARIABLES, ROWS), "jsonl") == EXPECTED_JSONL
    assert rendered(native_result(VARIABLES, ROWS), "jsonl") == EXPECTED_JSONL
    for line, row in zip(EXPECTED_JSONL.decode().splitlines(), ROWS, strict=True):
        parsed = json.loads(line)
        assert set(parsed) == {v for v, t in zip(VARIABLES, row, strict=True) if t is not None}


@pytest.mark.parametrize(
    ("term", "token"),
    [
        (typed("007", "integer"), "7"),
        (typed("-3", "int"), "-3"),
        (typed("18446744073709551616", "unsignedLong"), "18446744073709551616"),
        (typed("1 000", "integer"), '"1 000"'),  # not an xsd:integer: kept as text
        (typed("1_000", "integer"), '"1_000"'),  # Python's int() would take these two
        (typed("\u0661\u0662", "integer"), '"\u0661\u0662"'),
        (typed(".5", "decimal"), "0.5"),
        (typed("5.", "decimal"), "5"),
        (typed("-0.10", "decimal"), "-0.10"),
        (typed("-1.5E3", "double"), "-1500.0"),
        (typed("1e400", "double"), '"1e400"'),  # beyond a double: kept as text
        (typed("NaN", "double"), '"NaN"'),
        (typed("-INF", "float"), '"-INF"'),
        (typed("1", "boolean"), "true"),
        (typed("0", "boolean"), "false"),
        (typed("yes", "boolean"), '"yes"'),
        (typed("2024-01-31", "date"), '"2024-01-31"'),
        (ox.Literal("hello", language="en"), '"hello"'),
        (ox.BlankNode("b9"), '"_:b9"'),
        (iri("a"), '"http://example.org/a"'),
    ],
)
def test_jsonl_values(term: Any, token: str) -> None:
    assert rendered(python_result(["v"], [(term,)]), "jsonl") == f'{{"v": {token}}}\n'.encode()
    assert plain_value(term) == json.loads(token, parse_float=Decimal) or token == "-1500.0"


def test_jsonl_decimals_are_exact_numbers() -> None:
    big = "123456789012345678901234567890.000000000000000000001"
    line = rendered(python_result(["v"], [(typed(big, "decimal"),)]), "jsonl")
    assert line == f'{{"v": {big}}}\n'.encode()


def test_rows_as_dicts() -> None:
    rows = [
        (iri("a"), typed("1.25", "decimal"), None),
        (None, None, ox.Literal("x", language="en")),
    ]
    assert rows_as_dicts(native_result(VARIABLES, rows)) == [
        {"x": EX + "a", "value": 1.25},
        {"note": "x"},
    ]
    json.dumps(rows_as_dicts(python_result(VARIABLES, ROWS)))  # every value is JSON-ready


def test_markdown_exact_text() -> None:
    result = python_result(VARIABLES, ROWS)
    assert rendered(result, "markdown", prefixes={"ex": EX}) == EXPECTED_MARKDOWN


def test_markdown_escapes_pipes_and_markdown_escapes() -> None:
    rows = [(ox.Literal("a|b"), ox.Literal("c:\\dir \\* \\|"))]
    assert rendered(python_result(["p|q", "r"], rows), "markdown") == (
        b"| p\\|q | r |\n| --- | --- |\n| a\\|b | c:\\dir \\\\* \\\\\\| |\n"
    )


def test_table_exact_text_at_width_100() -> None:
    result = python_result(VARIABLES, ROWS)
    assert rendered(result, "table", width=100, prefixes={"ex": EX}) == EXPECTED_TABLE
    result = native_result(VARIABLES, ROWS)
    assert rendered(result, "table", width=100, prefixes={"ex": EX}) == EXPECTED_TABLE


def test_table_right_aligns_numbers_and_cuts_words_wider_than_the_table() -> None:
    long_iri = "https://w3id.org/kgcli/resource/" + "firm/" + "x" * 120
    rows = [
        (ox.NamedNode(long_iri), typed("5", "integer")),
        (iri("b"), typed("12.75", "decimal")),
    ]
    data = rendered(python_result(["firm", "staff"], rows), "table", width=60).decode()
    assert data == (
        "firm                                                   staff\n" + "─" * 60 + "\n"
        "kgr:firm/                                                  5\n" + "x" * 51 + "…\n"
        "http://example.org/b                                   12.75\n"
        "2 rows\n"
    )


def test_table_shows_control_characters_instead_of_sending_them() -> None:
    rows = [(ox.Literal("\x1b[31mred\x07"),)]
    data = rendered(python_result(["v"], rows), "table", width=40)
    assert b"\x1b" not in data
    assert b"\x07" not in data
    assert b"\\x1b[31mred\\x07" in data


def test_table_markup_is_shown_as_text() -> None:
    rows = [(ox.Literal("[bold]x[/bold] :smile:"),)]
    data = rendered(python_result(["v"], rows), "table", width=40).decode()
    assert "[bold]x[/bold] :smile:" in data


class _Terminal(io.BytesIO):
    def isatty(self) -> bool:
        return True


def test_table_on_a_terminal_has_style(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)
    out = _Terminal()
    render(python_result(["v"], [(ox.Literal("chat", language="en"),)]), "table", out, width=40)
    data = out.getvalue().decode()
    assert "\x1b[" in data  # bold header, dimmed language and footer
    assert "chat" in data
    assert "1 row" in data


def test_table_caps_the_rows_it_draws_and_counts_the_rest() -> None:
    consumed = []

    def rows() -> Iterator[Row]:
        for n in range(2500):
            consumed.append(n)
            yield (typed(str(n), "integer"),)

    data = rendered(SelectResult(["n"], rows()), "table", width=40, max_rows=1000).decode()
    lines = data.splitlines()
    assert lines[0] == "  n"  # right-aligned over the numbers drawn
    assert lines[2] == "  0"
    assert lines[-2] == "999"
    assert lines[-1] == "1,000 of 2,500 rows shown; use -f csv or -o FILE for all"
    assert len(lines) == 1000 + 3
    assert len(consumed) == 2500


def test_table_of_nothing() -> None:
    assert rendered(python_result(["v"], []), "table", width=40) == b"v\n\xe2\x94\x80\n0 rows\n"
    assert rendered(python_result(["v"], [(iri("a"),)]), "table", width=40).endswith(b"\n1 row\n")


# --- streaming and the fast path -------------------------------------------------------------


class _Sink(io.BytesIO):
    """Counts the rows produced when each write arrives."""

    def __init__(self, produced: list[int]) -> None:
        super().__init__()
        self.produced = produced
        self.seen_at: list[int] = []

    def write(self, data: Any) -> int:
        self.seen_at.append(len(self.produced))
        return super().write(data)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "jsonl", "markdown"])
def test_writers_stream(fmt: str) -> None:
    produced: list[int] = []

    def rows() -> Iterator[Row]:
        for n in range(5000):
            produced.append(n)
            yield (iri(f"r{n}"), ox.Literal(f"row {n}"))

    out = _Sink(produced)
    render(SelectResult(["s", "o"], rows()), fmt, out)
    assert len(out.seen_at) > 5
    assert out.seen_at[0] < 1000  # output began long before the rows ran out


def test_rdfxml_streams() -> None:
    """RDF/XML is written by kg (#12) in batches of triples, never the whole document at once."""
    produced: list[int] = []

    def triples() -> Iterator[ox.Triple]:
        for n in range(5000):
            produced.append(n)
            yield ox.Triple(iri(f"s{n}"), iri("p"), ox.Literal(f"value {n}"))

    out = _Sink(produced)
    render(GraphResult(triples()), "rdfxml", out)
    assert len(out.seen_at) > 5
    assert out.seen_at[1] < 1000  # after the head, output began long before the triples ran out
    assert len(list(ox.parse(out.getvalue(), format=ox.RdfFormat.RDF_XML))) == 5000


def test_native_iterator_is_used_and_spent() -> None:
    store = ox.Store()
    store.add(ox.Quad(iri("s"), iri("p"), ox.Literal("o")))
    solutions = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert isinstance(solutions, ox.QuerySolutions)
    result = SelectResult.from_solutions(solutions)
    native = result.native
    assert native is not None
    assert rendered(result, "json") == (
        b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[{"s":{"type":"uri","value":'
        b'"http://example.org/s"},"p":{"type":"uri","value":"http://example.org/p"},'
        b'"o":{"type":"literal","value":"o"}}]}}'
    )
    # Spent (a result is read once), and left as it was given: rendering changes no result.
    assert list(native) == [] and list(result) == []
    assert result.native is native


def _fields(result: Any) -> tuple[Any, ...]:
    return tuple(getattr(result, f.name) for f in dataclasses.fields(result))


@pytest.mark.parametrize("fmt", RESULT_FORMATS)
@pytest.mark.parametrize("make", [native_rerun_result, python_result])
def test_rendering_never_changes_the_result(fmt: str, make: Any) -> None:
    """Issue #13: a renderer once set `native` and `rerun` to None on the result it was given."""
    result = make(VARIABLES, XML_ROWS)  # rows every format can write
    before = _fields(result)
    rendered(result, fmt)
    assert all(a is b for a, b in zip(_fields(result), before, strict=True))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.native = None


def test_select_refuses_graph_formats() -> None:
    with pytest.raises(UsageError, match="not SELECT"):
        rendered(python_result(["v"], []), "ntriples")


# --- graph results ---------------------------------------------------------------------------

GRAPH = list(ox.parse(path=str(FIXTURES / "graph.ttl")))
TRIPLES = [ox.Triple(q.subject, q.predicate, q.object) for q in GRAPH]


def canonical(quads: Any) -> ox.Dataset:
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


#: GRAPH as RDF/XML can carry it: without the literal holding U+0001.
XML_GRAPH = [q for q in GRAPH if not FORBIDDEN.search(str(getattr(q.object, "value", "")))]


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_graph_formats_parse_back_isomorphic(fmt: str) -> None:
    graph = XML_GRAPH if fmt == "rdfxml" else GRAPH
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in graph]
    data = rendered(GraphResult(iter(triples)), fmt, prefixes={"ex": EX})
    if fmt == "rdfxml":
        etree.fromstring(data)  # well-formed (pyoxigraph's own parser is not that strict)
    parsed = list(ox.parse(data, format=rdf_format(fmt)))
    assert len(parsed) == len(triples)
    assert canonical(parsed) == canonical(graph)


def test_rdfxml_refuses_a_literal_xml_cannot_carry() -> None:
    with pytest.raises(XmlCharError) as err:
        rendered(GraphResult(iter(TRIPLES)), "rdfxml")
    assert str(err.value) == (
        'cannot write the literal "non-BMP 𝄞😀 and a control \\u0001 character" '
        "as RDF/XML: it holds U+0001 (character 26), which XML 1.0 cannot carry, not even as a "
        "character reference; turtle, ntriples and jsonld keep it"
    )


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_graph_formats_from_the_engine(fmt: str) -> None:
    store = ox.Store()
    store.extend(XML_GRAPH if fmt == "rdfxml" else GRAPH)
    triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(triples, ox.QueryTriples)
    result = GraphResult.from_triples(triples)
    assert result.native is not None
    parsed = ox.parse(rendered(result, fmt), format=rdf_format(fmt))
    assert canonical(parsed) == canonical(store)


def test_turtle_declares_the_project_prefixes() -> None:
    data = rendered(GraphResult(iter(TRIPLES)), "turtle", prefixes={"ex": EX}).decode()
    for name in ("kg", "kgr", "rdfs", "schema", "ex"):
        namespace = EX if name == "ex" else WELL_KNOWN_PREFIXES[name]
        assert f"@prefix {name}: <{namespace}> ." in data
    assert "kgr:firm-1 a kg:Firm" in data


def test_unusable_prefixes_are_skipped() -> None:
    prefixes = {"a b": EX, "bad": "not an IRI", "ok": EX}
    data = rendered(GraphResult(iter(TRIPLES)), "turtle", prefixes=prefixes)
    assert canonical(ox.parse(data, format=ox.RdfFormat.TURTLE)) == canonical(GRAPH)
    assert b"@prefix ok: <http://example.org/> ." in data
    assert b"a b:" not in data


def test_graph_as_rows() -> None:
    triples = [
        ox.Triple(ox.NamedNode(WELL_KNOWN_PREFIXES["kgr"] + "firm-2"), iri("mentions"), iri("a,b")),
        ox.Triple(
            ox.BlankNode("n0"), ox.NamedNode(WELL_KNOWN_PREFIXES["rdfs"] + "label"), ox.Literal("x")
        ),
    ]
    assert rendered(GraphResult(iter(triples)), "csv") == (
        b"subject,predicate,object\r\n"
        b'https://w3id.org/kgcli/resource/firm-2,http://example.org/mentions,"http://example.org/a,b"\r\n'
        b"_:n0,http://www.w3.org/2000/01/rdf-schema#label,x\r\n"
    )
    assert rendered(GraphResult(iter(triples)), "table", width=100, prefixes={"ex": EX}) == (
        b"subject      predicate     object\n" + "─".encode() * 33 + b"\n"
        b"kgr:firm-2   ex:mentions   ex:a,b\n"
        b"_:n0         rdfs:label    x\n"
        b"2 triples\n"
    )
    lines = rendered(GraphResult(iter(triples)), "jsonl").decode().splitlines()
    assert json.loads(lines[1]) == {
        "subject": "_:n0",
        "predicate": WELL_KNOWN_PREFIXES["rdfs"] + "label",
        "object": "x",
    }


@pytest.mark.parametrize("fmt", [f for f in GRAPH_FORMATS if f not in RDF_FORMATS])
def test_graph_tabular_formats_match_the_select_writers(fmt: str) -> None:
    rows = [(t.subject, t.predicate, t.object) for t in TRIPLES]
    expected = rendered(python_result(["subject", "predicate", "object"], rows), fmt, width=100)
    assert rendered(GraphResult(iter(TRIPLES)), fmt, width=100) == expected.replace(
        b" rows\n", b" triples\n"
    )


def test_graph_refuses_result_only_formats() -> None:
    with pytest.raises(UsageError, match="not CONSTRUCT/DESCRIBE"):
        rendered(GraphResult(iter(TRIPLES)), "xml")


# --- prefixes --------------------------------------------------------------------------------


def test_compact_iri() -> None:
    assert compact_iri("http://www.w3.org/2000/01/rdf-schema#label") == "rdfs:label"
    assert compact_iri("https://w3id.org/kgcli/ontology#Firm") == "kg:Firm"
    assert compact_iri("https://w3id.org/kgcli/resource/firm/1") == "kgr:firm/1"
    assert compact_iri("https://w3id.org/kgcli/graph/embedded") == "kgg:embedded"
    assert compact_iri("http://example.org/x") == "http://example.org/x"
    assert compact_iri("http://www.w3.org/2002/07/owl#") == "owl:"
    # The longest namespace wins; a caller's mapping replaces the default.
    prefixes = {"ex": EX, "exa": EX + "a/"}
    assert compact_iri(EX + "a/b", prefixes) == "exa:b"
    assert compact_iri(EX + "ab", prefixes) == "ex:ab"
    assert compact_iri("http://www.w3.org/2000/01/rdf-schema#label", prefixes) == (
        "http://www.w3.org/2000/01/rdf-schema#label"
    )


def test_query_prefixes_win_in_tables() -> None:
    rows = [(ox.NamedNode(WELL_KNOWN_PREFIXES["kgr"] + "x"),)]
    data = rendered(
        python_result(["v"], rows), "markdown", prefixes={"r": WELL_KNOWN_PREFIXES["kgr"]}
    )
    assert data.endswith(b"| r:x |\n")


# --- any text, every format ------------------------------------------------------------------

SPECIAL = list("\",;\t\n\r\\ <>&'|\x00\x01\x1b\x1f\x7f\x85\u2028\ufeff\ufffe\uffff𝄞😀é中")
TEXT = st.text(
    st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=["Cs"])), max_size=30
)


@given(TEXT)
@settings(max_examples=examples(300), deadline=None)
def test_any_literal_text_round_trips(text: str) -> None:
    variables = ["plain", "lang", "typed"]
    rows: list[Row] = [
        (ox.Literal(text), ox.Literal(text, language="en"), ox.Literal(text, datatype=iri("dt")))
    ]

    data = rendered(python_result(variables, rows), "csv")
    assert (
        data
        == rendered(native_result(variables, rows), "csv")
        == raw_native(variables, rows, QRF.CSV)
    )
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [variables, [text] * 3]

    for fmt, native_format in (("tsv", QRF.TSV), ("json", QRF.JSON)):
        data = rendered(python_result(variables, rows), fmt)
        assert data == rendered(native_result(variables, rows), fmt)
        assert data == raw_native(variables, rows, native_format)
        assert parsed_rows(data, native_format) == rows

    if FORBIDDEN.search(text):  # XML 1.0 cannot carry it: refused, by name, on both paths
        with pytest.raises(XmlCharError) as python_err:
            rendered(python_result(variables, rows), "xml")
        with pytest.raises(XmlCharError) as native_err:
            rendered(native_rerun_result(variables, rows), "xml")
        assert str(python_err.value) == str(native_err.value)
        assert str(python_err.value).startswith("cannot write the literal ")
        return
    data = rendered(python_result(variables, rows), "xml")
    assert data == rendered(native_result(variables, rows), "xml")
    assert parsed_rows(data, QRF.XML) == rows
    literals = etree.fromstring(data).iter(SPARQL_NS + "literal")
    assert [lit.text or "" for lit in literals] == [text] * 3


# --- import cost -----------------------------------------------------------------------------


def test_importing_render_does_not_import_rich() -> None:
    code = "import sys, kgcli.output.render; print('rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
