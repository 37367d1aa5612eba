"""XML: the SPARQL Query Results XML Format.

pyoxigraph 0.5 writes a carriage return inside a literal as a raw byte, which every XML parser
reads back as a line feed, and copies characters that XML 1.0 forbids, which makes the document
ill-formed. Here CR is written `&#13;` and a result holding a forbidden character is refused, naming
the term (`kgcli.rdf.xmlchars`: no XML 1.0 document can carry one, not even escaped): exit 2.
The engine's own writer, used for a result that still holds its iterator, passes through a byte
filter doing the same (`XmlGuard`); json, tsv and csv keep such characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

import pyoxigraph as ox

from kgcli.engine.results import AskResult, Result, Row, SelectResult
from kgcli.output.rows import Options, rows_of, word, write_all
from kgcli.output.terms import shown_term, term_kind
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import ITS
from kgcli.rdf.xmlchars import FORBIDDEN, XmlCharError
from kgcli.rdf.xmlchars import attr as _xml_attribute
from kgcli.rdf.xmlchars import text as _xml_text

if TYPE_CHECKING:
    from kgcli.engine.results import Term
    from kgcli.output.formats import Format

_XML_HEAD = '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
_ITS = f' xmlns:its="{ITS}" its:version="2.0"'
_XML_FORMAT = "SPARQL XML results"
_XML_KEEP = "json, tsv and csv results"


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as SPARQL XML results, or refuse a term XML cannot carry."""
    if isinstance(result, AskResult):
        text = _XML_HEAD + "<head></head><boolean>" + word(result.value) + "</boolean></sparql>"
        out.write(text.encode())
    elif isinstance(result, SelectResult) and result.native is not None:
        _write_native(result, result.native, out)
    else:
        write_all(out, lines(*rows_of(result)))


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return "<uri>" + _xml_text(term.value) + "</uri>"
    if isinstance(term, ox.Literal):
        language = term.language
        if language is not None:
            tag = '<literal xml:lang="' + _xml_attribute(language) + '"'
            if term.direction is not None:
                tag += f' its:dir="{term.direction.value}"{_ITS}'
        elif term.datatype.value != xsd.STRING:
            tag = '<literal datatype="' + _xml_attribute(term.datatype.value) + '"'
        else:
            tag = "<literal"
        return tag + ">" + _xml_text(term.value) + "</literal>"
    if isinstance(term, ox.BlankNode):
        return "<bnode>" + _xml_text(term.value) + "</bnode>"
    return (
        "<triple><subject>"
        + _xml_term(term.subject)
        + "</subject><predicate>"
        + _xml_term(term.predicate)
        + "</predicate><object>"
        + _xml_term(term.object)
        + "</object></triple>"
    )


def _xml_unwritable(term: Term) -> tuple[Term, XmlCharError] | None:
    """The term, or the part of a triple term, that XML cannot carry, and why."""
    if isinstance(term, ox.Triple):
        for part in (term.subject, term.predicate, term.object):
            found = _xml_unwritable(part)
            if found is not None:
                return found
        return None
    try:
        _xml_term(term)
    except XmlCharError as err:
        return term, err
    return None


def _xml_refusal(variables: list[str], rows: Iterable[Row]) -> XmlCharError | None:
    """The error naming the first term of `rows` that XML cannot carry, and its variable."""
    for row in rows:
        for name, term in zip(variables, row, strict=True):
            found = None if term is None else _xml_unwritable(term)
            if found is not None:
                part, err = found
                inside = "" if part is term else " in a triple term"
                what = f"the {term_kind(part)} {shown_term(part)}{inside} (?{name})"
                return err.naming(what, _XML_FORMAT, _XML_KEEP)
    return None


def lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    try:
        names = [f'<binding name="{_xml_attribute(name)}">' for name in variables]
    except XmlCharError as err:
        raise err.naming("a variable name", _XML_FORMAT, _XML_KEEP, whole=False) from None
    head = "".join(f'<variable name="{_xml_attribute(name)}"/>' for name in variables)
    yield _XML_HEAD + "<head>" + head + "</head><results>"
    for row in rows:
        try:
            bindings = [
                name + _xml_term(term) + "</binding>"
                for name, term in zip(names, row, strict=True)
                if term is not None
            ]
        except XmlCharError as err:
            raise (_xml_refusal(variables, [row]) or err) from None
        yield "<result>" + "".join(bindings) + "</result>"
    yield "</results></sparql>"


class NotXml(Exception):
    """The engine wrote a character XML 1.0 cannot carry; `text` is the element holding it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class XmlGuard:
    """A byte filter over pyoxigraph's XML results: CR as `&#13;`; a forbidden character stops it.

    Raw CR and C0 bytes can only come from literal text (the serialiser adds no line breaks), so
    replacing CR is exact; U+FFFE/U+FFFF are matched on their UTF-8 bytes, which no other
    character's encoding contains. A chunk may end inside one of those, so its tail waits.
    """

    _C0 = bytes([*range(0x09), *range(0x0B, 0x20)])  # C0 controls but tab and LF; CR included
    _BAD = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._held = b""

    def write(self, data: bytes) -> int:
        chunk = self._held + bytes(data)
        cut = len(chunk)
        if chunk.endswith(b"\xef"):
            cut -= 1
        elif chunk.endswith(b"\xef\xbf"):
            cut -= 2
        chunk, self._held = chunk[:cut], chunk[cut:]
        # Cheap tests first (a regular expression scan costs more than the serialiser itself).
        if (
            len(chunk.translate(None, self._C0)) != len(chunk)
            or b"\xef\xbf\xbe" in chunk
            or b"\xef\xbf\xbf" in chunk
        ):
            bad = self._BAD.search(chunk)
            if bad is not None:
                start = chunk.rfind(b">", 0, bad.start()) + 1
                end = chunk.find(b"<", bad.end())
                raise NotXml(chunk[start : end if end >= 0 else None].decode("utf-8", "replace"))
            chunk = chunk.replace(b"\r", b"&#13;")
        self._out.write(chunk)
        return len(data)

    def flush(self) -> None:
        if self._held:
            self._out.write(self._held)
            self._held = b""


def _write_native(result: SelectResult, native: ox.QuerySolutions, out: BinaryIO) -> None:
    """The engine's XML writer, guarded; a term XML cannot carry is named from a second run."""
    guard = XmlGuard(out)
    try:
        native.serialize(cast(BinaryIO, guard), format=ox.QueryResultsFormat.XML)
    except NotXml as stop:
        found = None
        if result.rerun is not None:
            found = _xml_refusal(list(result.variables), map(tuple, result.rerun()))
        if found is None:  # no second run to read the term from: name it as the engine wrote it
            bad = FORBIDDEN.search(stop.text)
            index = bad.start() if bad else 0
            found = XmlCharError(stop.text, index).naming(
                "a term", _XML_FORMAT, _XML_KEEP, whole=False
            )
        raise found from None
    guard.flush()
