"""XML Schema datatypes: their IRIs, their lexical forms, and literals read as Python values.

The one place that says what an `xsd:integer` looks like (ASCII digits only: Python's `int()` and
`float()` accept far more, `"١٢"` and `"1_000"` among them) and which datatypes are numbers. The
renderers, the parameter binder and the network builder all read literals through it.
"""

from __future__ import annotations

import re
from decimal import Decimal

XSD = "http://www.w3.org/2001/XMLSchema#"

STRING = XSD + "string"
BOOLEAN = XSD + "boolean"
INTEGER = XSD + "integer"
DECIMAL = XSD + "decimal"
DOUBLE = XSD + "double"
FLOAT = XSD + "float"
DATE = XSD + "date"
DATE_TIME = XSD + "dateTime"

#: xsd:integer and every datatype derived from it.
INTEGER_TYPES = frozenset(
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
#: The other numeric datatypes, read as floating point.
FLOAT_TYPES = frozenset({DECIMAL, DOUBLE, FLOAT})
NUMERIC_TYPES = INTEGER_TYPES | FLOAT_TYPES

# The lexical spaces (XSD 1.1 part 2), in ASCII digits.
INTEGER_LEXICAL = re.compile(r"[+-]?[0-9]+")
DECIMAL_LEXICAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
DOUBLE_LEXICAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: What a date parameter is written as (`2020-01-31`), no time zone.
DATE_LEXICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Turtle's abbreviated numbers (Turtle grammar rules 19-21), which SPARQL TSV writes bare; an
# integer is written as in XSD.
TURTLE_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")
TURTLE_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+")


def integer(text: str) -> int | None:
    """The value of an xsd:integer lexical form, None if `text` is none."""
    return int(text) if INTEGER_LEXICAL.fullmatch(text) else None


def decimal(text: str) -> Decimal | None:
    """The exact value of an xsd:decimal lexical form, None if `text` is none."""
    return Decimal(text) if DECIMAL_LEXICAL.fullmatch(text) else None


def double(text: str) -> float | None:
    """The value of an xsd:double lexical form in digits, None if `text` is none or too large for
    a float (`INF` and `NaN` are left to the caller: they are text to most readers)."""
    if not DOUBLE_LEXICAL.fullmatch(text):
        return None
    number = float(text)
    return None if number in (float("inf"), float("-inf")) else number


def boolean(text: str) -> bool | None:
    """The value of an xsd:boolean lexical form (`true`, `false`, `1`, `0`), else None."""
    return text in ("true", "1") if text in ("true", "false", "1", "0") else None


def canonical_decimal(number: Decimal) -> str:
    """XSD 1.1 canonical xsd:decimal, as pyoxigraph writes it: `1`, `2.5`, `-0.25`."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0") else text
