"""XML Schema datatypes: their IRIs, their lexical forms, and literals read as Python values.

The one place that says what an `xsd:integer` looks like (ASCII digits only: Python's `int()` and
`float()` accept far more, `"١٢"` and `"1_000"` among them) and which datatypes are numbers. The
renderers, the parameter binder and the network builder all read literals through it.
"""

from __future__ import annotations

import re
from datetime import timedelta
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


# --- durations and years, read as Python values (the Python API's `Result.rows`) -----------------

DURATION = XSD + "duration"
DAY_TIME_DURATION = XSD + "dayTimeDuration"
YEAR_MONTH_DURATION = XSD + "yearMonthDuration"
DURATION_TYPES = frozenset({DURATION, DAY_TIME_DURATION, YEAR_MONTH_DURATION})
G_YEAR = XSD + "gYear"
G_YEAR_MONTH = XSD + "gYearMonth"

_SECONDS = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
DURATION_LEXICAL = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>[0-9]+)Y)?(?:(?P<months>[0-9]+)M)?(?:(?P<days>[0-9]+)D)?"
    rf"(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>{_SECONDS})S)?)?"
)
#: A gYear: four digits or more (no leading zero beyond four), an optional time zone.
G_YEAR_LEXICAL = re.compile(r"(-?(?:[1-9][0-9]{3,}|0[0-9]{3}))(?:Z|[+-][0-9]{2}:[0-9]{2})?")


def day_time_duration(text: str) -> timedelta | None:
    """The value of an xsd:duration lexical form as a `timedelta` (`PT10M` is 10 minutes); None
    if `text` is none, counts years or months (whose length in days varies), is finer than a
    microsecond or too long for a timedelta."""
    found = DURATION_LEXICAL.fullmatch(text)
    if not found or text.endswith(("P", "T")):  # `P`, `PT`, `P1DT`: no component after them
        return None
    parts = found.groupdict()
    if int(parts["years"] or 0) or int(parts["months"] or 0):
        return None
    micro = Decimal(parts["seconds"] or 0) * 1_000_000
    if micro != micro.to_integral_value():
        return None
    try:
        value = timedelta(
            days=int(parts["days"] or 0),
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            microseconds=int(micro),
        )
    except OverflowError:
        return None
    return -value if parts["sign"] else value


def g_year(text: str) -> int | None:
    """The year of an xsd:gYear lexical form (`2025`; a time zone is dropped), else None."""
    found = G_YEAR_LEXICAL.fullmatch(text)
    return int(found.group(1)) if found else None
