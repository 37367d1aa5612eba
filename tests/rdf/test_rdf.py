"""The RDF layer: XSD lexical forms, namespaces and IRIs read from text, each said once (#13)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pyoxigraph as ox
import pytest

from kgcli.engine.params import parse_value
from kgcli.errors import InputError, UsageError
from kgcli.network.profile import parse_profile
from kgcli.rdf import xsd
from kgcli.rdf.iri import NotAnIri, parse_iri
from kgcli.rdf.namespaces import WELL_KNOWN_PREFIXES, compact_iri, merged_prefixes

PREFIXES = {"ex": "http://example.org/", "urn": "http://example.org/urn/"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("+12", 12), ("-0", 0), ("١٢", None), ("1_000", None), (" 1", None), ("", None)],
)
def test_integer_lexical_forms_are_ascii_digits(text: str, value: int | None) -> None:
    assert xsd.integer(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.50", Decimal("1.50")), (".5", Decimal(".5")), ("5.", Decimal(5)), ("1e3", None)],
)
def test_decimal_lexical_forms(text: str, value: Decimal | None) -> None:
    assert xsd.decimal(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("1e3", 1000.0), ("-.5E-1", -0.05), ("1e999", None), ("INF", None), ("NaN", None)],
)
def test_double_lexical_forms_in_digits(text: str, value: float | None) -> None:
    assert xsd.double(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT10M", timedelta(minutes=10)),
        ("P1DT2H3M4.5S", timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("-PT1S", timedelta(seconds=-1)),
        ("P0Y0M2D", timedelta(days=2)),
        ("PT.25S", timedelta(milliseconds=250)),
        ("P1M", None),  # months and years have no fixed length
        ("P1Y", None),
        ("PT0.0000001S", None),  # finer than a timedelta
        ("P9999999999D", None),  # longer than a timedelta
        ("P", None),
        ("PT", None),
        ("P1DT", None),
        ("PT1H1D", None),
        ("10 minutes", None),
    ],
)
def test_durations_without_months_are_timedeltas(text: str, value: timedelta | None) -> None:
    assert xsd.day_time_duration(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2025", 2025),
        ("-0044", -44),
        ("2025Z", 2025),
        ("12025+08:00", 12025),
        ("25", None),
        ("02025", None),
        ("2025-11", None),
    ],
)
def test_g_year_lexical_forms(text: str, value: int | None) -> None:
    assert xsd.g_year(text) == value


def test_every_reader_of_literals_takes_the_same_integers() -> None:
    """The parameter binder, `jsonl` and the network builder read integers through xsd."""
    from kgcli.network.build import python_value
    from kgcli.output.terms import plain_value

    for text in ("12", "١٢", "1_000"):
        literal = ox.Literal(text, datatype=ox.NamedNode(xsd.INTEGER))
        expected = xsd.integer(text)
        assert python_value(literal) == (text if expected is None else expected)
        assert plain_value(literal) == (text if expected is None else expected)
        if expected is None:
            with pytest.raises(UsageError, match="is not an integer"):
                parse_value("n", "integer", text, {})
        else:
            assert parse_value("n", "integer", text, {}).value == str(expected)


def test_canonical_decimal() -> None:
    assert [xsd.canonical_decimal(Decimal(t)) for t in ("1.50", "-0.0", "2", ".25")] == [
        "1.5",
        "0",
        "2",
        "0.25",
    ]


def test_prefixes_are_said_once() -> None:
    assert WELL_KNOWN_PREFIXES["xsd"] == xsd.XSD
    assert merged_prefixes({"kg": "http://other/"})["kg"] == "http://other/"
    assert compact_iri(xsd.INTEGER) == "xsd:integer"


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("<http://example.org/a>", "http://example.org/a"),
        ("  ex:a  ", "http://example.org/a"),
        ("https://example.org/b", "https://example.org/b"),
        ("urn:isbn:0451450523", "http://example.org/urn/isbn:0451450523"),  # a prefix wins
        ("mailto:a@example.org", "mailto:a@example.org"),
        ("tag:example.org,2024:x", "tag:example.org,2024:x"),
        ("ex://host/path", "ex://host/path"),  # `//` after the colon: a URL, not ex:
    ],
)
def test_text_read_as_an_iri(text: str, iri: str) -> None:
    assert parse_iri(text, PREFIXES) == iri


@pytest.mark.parametrize(
    ("text", "char"),
    [("Firm", None), ("other:thing", None), ("<http://ex.org/a b>", " "), ("ex:{x}", "{")],
)
def test_text_that_is_no_iri(text: str, char: str | None) -> None:
    with pytest.raises(NotAnIri) as caught:
        parse_iri(text, PREFIXES)
    assert caught.value.char == char


PROFILE = """title = "t"
[[nodes]]
class = "{cls}"
"""


def test_a_profile_reads_iris_as_a_parameter_does() -> None:
    """One reader for both: a bare `urn:`, `mailto:` or `tag:` IRI is an IRI in a profile too
    (a profile once took URLs only)."""
    for cls in ("urn:example:Firm", "mailto:a@example.org", "https://example.org/Firm"):
        profile = parse_profile(PROFILE.format(cls=cls), source="p.toml")
        assert profile.nodes[0].iri == cls == parse_value("c", "iri", cls, {}).value
    with pytest.raises(InputError, match=r"p\.toml:3: class 'nope:Firm' is not an IRI"):
        parse_profile(PROFILE.format(cls="nope:Firm"), source="p.toml")
    with pytest.raises(UsageError, match="'nope:Firm' is not an IRI"):
        parse_value("c", "iri", "nope:Firm", {})
