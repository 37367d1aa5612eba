"""XML Schema datatypes read as numbers, shared by the renderers and the network builder."""

from __future__ import annotations

XSD = "http://www.w3.org/2001/XMLSchema#"

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
FLOAT_TYPES = frozenset({XSD + "decimal", XSD + "double", XSD + "float"})
