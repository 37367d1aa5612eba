"""Typed query parameters: command-line text -> RDF terms, checked against the declared type."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox

from kgcli.errors import InputError, UsageError
from kgcli.rdf import xsd
from kgcli.rdf.iri import NotAnIri, parse_iri

TYPES = ("iri", "string", "integer", "decimal", "date", "boolean")


@dataclass(frozen=True)
class Param:
    """A declared parameter: it binds the variable `?name` to a term of its type."""

    name: str
    type: str
    default: str | None
    description: str

    @property
    def required(self) -> bool:
        return self.default is None


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(xsd.XSD + datatype))


def _iri(name: str, value: str, prefixes: Mapping[str, str]) -> ox.NamedNode:
    try:
        iri = parse_iri(value, prefixes)
    except NotAnIri as err:
        if err.char is not None:
            raise UsageError(
                f"parameter {name!r}: {value!r} is not an IRI: {err.char!r} is not allowed in an "
                "IRI"
            ) from None
        known = ", ".join(sorted(p + ":" for p in prefixes)) or "none"
        raise UsageError(
            f"parameter {name!r}: {value!r} is not an IRI: write <https://...>, https://... "
            f"or a prefixed name whose prefix the query declares (prefixes: {known})"
        ) from None
    try:
        return ox.NamedNode(iri)
    except ValueError as err:
        raise UsageError(f"parameter {name!r}: {value!r} is not an absolute IRI ({err})") from None


def parse_value(
    param_name: str, type_: str, value: str, prefixes: Mapping[str, str]
) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter's value given as text (`-p NAME=VALUE` or a default).

    A string is taken whole (quotes, braces, `#`, line breaks and all); other types allow
    surrounding white space, and typed literals are written in their canonical form.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate, as Python decodes undecodable bytes of argv.
        raise UsageError(f"parameter {param_name!r}: {value!r} is not valid Unicode") from None
    if type_ == "iri":
        return _iri(param_name, value, prefixes)
    if type_ == "string":
        return ox.Literal(value)
    text = value.strip()
    if type_ == "integer":
        if not xsd.INTEGER_LEXICAL.fullmatch(text):
            raise UsageError(f"parameter {param_name!r}: {value!r} is not an integer")
        return _typed(str(int(text)), "integer")
    if type_ == "decimal":
        if not xsd.DECIMAL_LEXICAL.fullmatch(text):
            raise UsageError(f"parameter {param_name!r}: {value!r} is not a decimal number")
        return _typed(xsd.canonical_decimal(Decimal(text)), "decimal")
    if type_ == "date":
        try:
            if not xsd.DATE_LEXICAL.fullmatch(text):
                raise ValueError(text)
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"parameter {param_name!r}: {value!r} is not a date (YYYY-MM-DD)"
            ) from None
        return _typed(day.isoformat(), "date")
    if type_ == "boolean":
        flag = _BOOLEANS.get(text.lower())
        if flag is None:
            raise UsageError(
                f"parameter {param_name!r}: {value!r} is not a boolean (true/false, yes/no, 1/0)"
            )
        return _typed("true" if flag else "false", "boolean")
    raise InputError(f"parameter {param_name!r}: unknown type {type_!r} ({', '.join(TYPES)})")


def bind(
    params: Sequence[Param],
    given: Mapping[str, str],
    prefixes: Mapping[str, str],
    *,
    query_name: str | None = None,
) -> dict[str, ox.NamedNode | ox.Literal]:
    """The term of every declared parameter: the given value, else its default.

    `query_name` only names the query in error messages.
    """
    declared = {p.name: p for p in params}
    for name in given:
        if name not in declared:
            where = f" for query {query_name}" if query_name else ""
            listed = ", ".join(declared) if declared else "none"
            raise UsageError(f"unknown parameter {name!r}{where} (parameters: {listed})")
    missing = [p for p in params if p.name not in given and p.default is None]
    if missing:
        what = ", ".join(f"{p.name!r} ({p.type})" for p in missing)
        how = " ".join(f"-p {p.name}=VALUE" for p in missing)
        plural = "s" if len(missing) > 1 else ""
        raise UsageError(f"missing parameter{plural} {what}: {how}")
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in params:
        value = given.get(p.name, p.default)
        if value is not None:  # always: a missing required parameter was reported above
            bound[p.name] = parse_value(p.name, p.type, value, prefixes)
    return bound


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """`-p NAME=VALUE` options as a mapping; the value is everything after the first `=`."""
    found: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise UsageError(f"-p expects NAME=VALUE, not {item!r}")
        name = name.strip()
        if name in found:
            raise UsageError(f"parameter {name!r} is given twice (-p {name}=...)")
        found[name] = value
    return found
