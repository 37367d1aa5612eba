"""How terms read outside RDF: in a table cell, as plain JSON values, in a one-line message."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgcli.engine.results import SelectResult
from kgcli.output.rows import rows_of
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import Compactor, merged_prefixes
from kgcli.rdf.xmlchars import shown

if TYPE_CHECKING:
    from kgcli.engine.results import Term

_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and LF
#: Significant digits of a float or decimal in a table (other formats keep every digit).
SIGNIFICANT_DIGITS = 6
_DURATION_TYPES = frozenset(
    xsd.XSD + name for name in ("duration", "dayTimeDuration", "yearMonthDuration")
)
_DURATION_RE = re.compile(
    r"P(?!$)(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?"
    r"(?:T(?!$)(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?"
)
_DURATION_UNITS = ("year", "month", "day", "hour", "minute", "second")
json_str = json.encoder.encode_basestring


def is_numeric(term: Term | None) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in xsd.NUMERIC_TYPES


def _literal_value(term: ox.Literal) -> Any:
    value = term.value
    datatype = term.datatype.value
    found: Any = None
    if datatype in xsd.INTEGER_TYPES:
        found = xsd.integer(value)
    elif datatype == xsd.DECIMAL:
        found = xsd.decimal(value)
    elif datatype in (xsd.DOUBLE, xsd.FLOAT):
        found = xsd.double(value)  # too large: None, and the text is kept
    elif datatype == xsd.BOOLEAN:
        found = xsd.boolean(value)
    return value if found is None else found


def plain_value(term: Term) -> Any:
    """A term as a plain JSON value: what `jsonl` writes for it.

    IRIs and strings are strings (the language tag is dropped), blank nodes `_:label`, valid xsd
    numbers and booleans JSON numbers and booleans (`decimal.Decimal` for xsd:decimal, exact),
    other literals their lexical form (so `INF`, `NaN` and invalid numbers stay strings), and
    triple terms objects with subject/predicate/object.
    """
    if isinstance(term, ox.Literal):
        return _literal_value(term)
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return {
        "subject": plain_value(term.subject),
        "predicate": plain_value(term.predicate),
        "object": plain_value(term.object),
    }


def json_plain(value: Any) -> str:
    """JSON text of a plain value; a Decimal is written exactly, as a number."""
    if isinstance(value, str):
        return json_str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json_str(k)}: {json_plain(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def rows_as_dicts(result: SelectResult) -> list[dict[str, Any]]:
    """Rows as dicts of plain values for a JSON document (unbound variables left out).

    Values are those of `plain_value`, except xsd:decimal becomes a float so `json.dumps` takes it.
    """
    return [
        {
            name: _jsonable(plain_value(term))
            for name, term in zip(result.variables, row, strict=True)
            if term is not None
        }
        for row in rows_of(result)[1]
    ]


def term_kind(term: Term) -> str:
    if isinstance(term, ox.Literal):
        return "literal"
    if isinstance(term, ox.NamedNode):
        return "IRI"
    return "blank node"


def shown_term(term: Term) -> str:
    """A term in SPARQL syntax for a one-line message (control characters escaped), cut short."""
    return shown(f"<<( {term} )>>" if isinstance(term, ox.Triple) else str(term))


def _control_escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def readable(text: str) -> str:
    """Text safe to show: line ends as LF, other control characters as visible `\\x1b`.

    Data from files and endpoints is untrusted: a raw ESC in a cell would drive the terminal.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub(_control_escape, text)


def short_number(term: ox.Literal) -> str:
    """A number as a table shows it: integers whole, floats and decimals to
    `SIGNIFICANT_DIGITS` (a decimal keeps every digit before its point), else the lexical form."""
    value = term.value
    datatype = term.datatype.value
    if datatype in (xsd.DOUBLE, xsd.FLOAT):
        number = xsd.double(value)
        return value if number is None else format(number, f".{SIGNIFICANT_DIGITS}g")
    if datatype == xsd.DECIMAL:
        exact = xsd.decimal(value)
        if exact is None or not exact.is_finite():
            return value
        places = max(0, SIGNIFICANT_DIGITS - 1 - exact.adjusted()) if exact else 0
        exponent = exact.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            return xsd.canonical_decimal(exact.quantize(Decimal(1).scaleb(-places)))
    return value


def duration_words(text: str) -> str | None:
    """An xsd:duration in words (`PT1H30M` is `1 hour 30 minutes`), None if it is not one.

    Negative durations are left as written: "minus" reads worse than the typed value.
    """
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        return None
    words = []
    for unit, amount in zip(_DURATION_UNITS, match.groups(), strict=True):
        if amount is not None:
            plural = "" if Decimal(amount) == 1 else "s"
            words.append(f"{amount} {unit}{plural}")
    return " ".join(words)


class Display:
    """How a term reads in a table cell: compact IRIs, literal values, `_:b0` blank nodes."""

    def __init__(self, prefixes: Mapping[str, str] | None, *, for_reading: bool = False) -> None:
        """`for_reading` (a table's): floats to a few significant digits, durations in words."""
        self.compact = Compactor(merged_prefixes(prefixes))
        self.for_reading = for_reading

    def text(self, term: Term | None) -> tuple[str, str]:
        """The cell's text, and a suffix to show dimmed (a literal's language).

        A language is shown only where it tells something: not for English, the language of
        the tool's own labels (`-f tsv` or `-f json` show every tag and datatype).
        """
        if term is None:
            return "", ""
        if isinstance(term, ox.NamedNode):
            return self.compact(term.value), ""
        if isinstance(term, ox.Literal):
            if self.for_reading:
                datatype = term.datatype.value
                if datatype in xsd.FLOAT_TYPES:
                    return short_number(term), ""
                if datatype in _DURATION_TYPES:
                    words = duration_words(term.value)
                    if words is not None:
                        return words, ""
            language = term.language
            telling = language and language.lower() not in ("en", "en-gb", "en-us")
            return readable(term.value), (f"@{language}" if telling else "")
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value, ""
        parts = (term.subject, term.predicate, term.object)
        return "<< " + " ".join("".join(self.text(part)) for part in parts) + " >>", ""
