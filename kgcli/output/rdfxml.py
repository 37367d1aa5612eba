"""RDF/XML, streamed, always well-formed: the document a conforming XML parser and an RDF/XML
parser read back as the very graph written, or an error naming the term that cannot be written.

The layout is pyoxigraph's (one `rdf:Description` per run of triples sharing a subject, a property
element per triple, RDF 1.2 triple terms and directional literals as it writes them), but
pyoxigraph 0.5's own writer breaks on terms any graph may hold, so `kg` writes RDF/XML here:

- a predicate with no XML name at its end (`http://ex.org/a/`, `urn:bad:9`, `http://ex.org/1`)
  became `<oxprefix:>`, ill-formed. RDF/XML can only write a predicate as namespace + local name,
  where the local name is an XML name (a letter or `_` first): such a predicate is refused, as are
  the ones whose namespace part is no URI (non-ASCII, or cut inside a `%XX`: libxml2 refuses the
  `xmlns` declaration) or whose local name only XML 1.0's fifth edition allows (expat, which
  rdflib and Python's ElementTree use, refuses U+10000 and up: `kgcli.rdf.xmlchars`), the namespace
  `http://www.w3.org/2000/xmlns/` no element may use, and the `rdf:` names RDF/XML reserves as
  syntax (`rdf:li` would come back as `rdf:_1`);
- characters XML 1.0 cannot carry were written raw: refused (`kgcli.rdf.xmlchars`);
- a CR in a literal was written raw, which every XML parser reads as LF: written as `&#13;`;
- a blank node label that is no XML name (`_:1a`, and most of the engine's own labels, which are
  hexadecimal) was written as an `rdf:nodeID` every RDF/XML parser refuses: such a label `L` is
  written `x-L` (or `x.` and its UTF-8 in hexadecimal, when `x-L` is no name either; a label
  starting `x-` or `x.` is renamed too, so no two labels meet), which keeps the graph: a blank
  node's label means nothing outside its document.

Every refusal says which other formats (Turtle, N-Triples, JSON-LD) write the graph whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import pyoxigraph as ox

from kgcli.errors import Unwritable
from kgcli.rdf import xsd
from kgcli.rdf.namespaces import ITS, RDF
from kgcli.rdf.xmlchars import NAME_MORE as _MORE
from kgcli.rdf.xmlchars import NAME_START as _START
from kgcli.rdf.xmlchars import NCNAME, PORTABLE_NCNAME, XmlCharError, attr, shown, text

_XML_NS = "http://www.w3.org/XML/1998/namespace"
_XMLNS_NS = "http://www.w3.org/2000/xmlns/"
#: Names RDF/XML gives a meaning of its own: never a property element (RDF/XML 1.1, 7.2.5;
#: `rdf:li` is one, but a parser reads it as the next `rdf:_n`).
_SYNTAX_TERMS = frozenset(
    RDF + name
    for name in (
        *("RDF", "ID", "about", "parseType", "resource", "nodeID", "datatype"),
        *("Description", "li", "aboutEach", "aboutEachPrefix", "bagID"),
    )
)
_Object = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_KEEP = "turtle, ntriples and jsonld"
_INSTEAD = "turtle, ntriples and jsonld write it"

_NAME_TAIL = re.compile(f"[{_START}{_MORE}]*\\Z")
_NAME_START = re.compile(f"[{_START}]")
_CUT_ESCAPE = re.compile("%[0-9A-Fa-f]?\\Z")
_PREFIX_NAME = re.compile(f"(?![Xx][Mm][Ll])[{_START}][{_START}{_MORE}]*")


def split_predicate(iri: str) -> tuple[str, str] | None:
    """(namespace, local name) to write `iri` as an XML element, or None if it has none.

    The local name is the longest XML name ending the IRI whose namespace part is a URI an XML
    parser accepts in `xmlns` (ASCII, not cut inside a `%XX` escape, not reserved).
    """
    tail = _NAME_TAIL.search(iri)
    start = tail.start() if tail else len(iri)
    for found in _NAME_START.finditer(iri, start):
        namespace, local = iri[: found.start()], iri[found.start() :]
        if _namespace_ok(namespace) and _portable_name(local):
            return namespace, local
    return None


def _portable_name(name: str) -> bool:
    """Whether every XML parser takes `name`, a name by XML 1.0's fifth edition, as a name."""
    return name.isascii() or PORTABLE_NCNAME.fullmatch(name) is not None


def _namespace_ok(namespace: str) -> bool:
    return (
        bool(namespace)
        and namespace.isascii()
        and _CUT_ESCAPE.search(namespace) is None
        and namespace not in (_XML_NS, _XMLNS_NS)
    )


def node_id(label: str) -> str:
    """A blank node label as an `rdf:nodeID`, which must be an XML name: see the module doc."""
    if _xml_name(label) and not label.startswith(("x-", "x.")):
        return label
    renamed = "x-" + label
    if _xml_name(renamed):
        return renamed
    return "x." + label.encode().hex()  # a name no parser refuses, and no kept label's


def _xml_name(name: str) -> bool:
    return NCNAME.fullmatch(name) is not None and _portable_name(name)


def _predicate_refused(iri: str, why: str) -> Unwritable:
    return Unwritable(f"cannot write the predicate <{iri}> as RDF/XML: {why}; {_INSTEAD}")


class _Writer:
    """Element names per predicate, worked out once (a graph has few predicates, many triples)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        by_namespace: dict[str, str] = {}
        for name, namespace in prefixes.items():
            if name in ("rdf", "its") or not _PREFIX_NAME.fullmatch(name):
                continue
            if not _namespace_ok(namespace) or namespace in (RDF, ITS):
                continue
            try:
                ox.NamedNode(namespace)
            except ValueError:
                continue
            by_namespace[namespace] = name
        by_namespace[RDF] = "rdf"
        by_namespace[ITS] = "its"
        self.prefixes = by_namespace
        self._tags: dict[str, tuple[str, str]] = {}
        self._datatypes: dict[str, str] = {}  # datatype IRI -> its attribute (few, repeated)

    def head(self) -> str:
        declared = " ".join(
            f'xmlns:{name}="{attr(namespace)}"' for namespace, name in sorted(self.prefixes.items())
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF {declared}>\n'

    def tag(self, predicate: str) -> tuple[str, str]:
        """(start of the opening tag, closing tag) of a property element."""
        found = self._tags.get(predicate)
        if found is not None:
            return found
        if predicate in _SYNTAX_TERMS:
            raise _predicate_refused(predicate, "RDF/XML reserves this name for its own syntax")
        split = split_predicate(predicate)
        if split is None:
            tail = _NAME_TAIL.search(predicate)
            if tail is None or not _NAME_START.search(predicate, tail.start()):
                why = (
                    "RDF/XML writes a predicate as an XML element, namespace + local name, and "
                    "no end of this IRI is an XML name (one starts with a letter or _)"
                )
            else:
                why = (
                    "RDF/XML writes a predicate as an XML element, and every way to split this "
                    "IRI gives a namespace XML parsers refuse (non-ASCII, or cut in a %XX) or a "
                    "local name some refuse (characters XML 1.0 added in its fifth edition)"
                )
            raise _predicate_refused(predicate, why)
        namespace, local = split
        prefix = self.prefixes.get(namespace)
        if prefix is not None:
            found = (f"<{prefix}:{local}", f"</{prefix}:{local}>")
        else:
            found = (f'<{local} xmlns="{attr(namespace)}"', f"</{local}>")
        if len(self._tags) < 100_000:
            self._tags[predicate] = found
        return found

    def property(self, predicate: ox.NamedNode, obj: _Object, indent: str) -> str:
        """One property element (and, for a triple term, the description inside it)."""
        start, end = self.tag(predicate.value)
        # type() is, not isinstance: this runs once per triple.
        if type(obj) is ox.NamedNode:
            return f'{indent}{start} rdf:resource="{attr(obj.value)}"/>\n'
        if type(obj) is ox.Literal:
            language = obj.language
            if language is not None:  # a language tag is letters, digits and hyphens
                start += f' xml:lang="{language}"'
                direction = obj.direction
                if direction is not None:
                    start += (
                        f' rdf:version="1.2-basic" its:version="2.0" its:dir="{direction.value}"'
                    )
            else:
                datatype = obj.datatype.value
                if datatype != xsd.STRING:
                    found = self._datatypes.get(datatype)
                    if found is None:
                        found = self._datatypes[datatype] = f' rdf:datatype="{attr(datatype)}"'
                    start += found
            try:
                content = text(obj.value)
            except XmlCharError as err:
                raise err.naming(f"the literal {shown(str(obj))}", "RDF/XML", _KEEP) from None
            return f"{indent}{start}>{content}{end}\n"
        if type(obj) is ox.BlankNode:
            return f'{indent}{start} rdf:nodeID="{node_id(obj.value)}"/>\n'
        assert isinstance(obj, ox.Triple)
        inner = indent + "\t"
        return (
            f'{indent}{start} rdf:version="1.2" rdf:parseType="Triple">\n'
            f"{inner}{self.description(obj.subject)}\n"
            + self.property(obj.predicate, obj.object, inner + "\t")
            + f"{inner}</rdf:Description>\n{indent}{end}\n"
        )

    @staticmethod
    def description(subject: object) -> str:
        if isinstance(subject, ox.NamedNode):
            return f'<rdf:Description rdf:about="{attr(subject.value)}">'
        if isinstance(subject, ox.BlankNode):
            return f'<rdf:Description rdf:nodeID="{node_id(subject.value)}">'
        # RDF 1.2 has no triple-term subjects, but pyoxigraph's types still allow one.
        raise Unwritable(f"cannot write the subject {shown(str(subject))} as RDF/XML; {_INSTEAD}")


def rdfxml_lines(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> Iterator[str]:
    """RDF/XML for `triples`, in pieces; `prefixes` (name -> namespace) name predicates.

    Raises Unwritable (`XmlCharError` for a character) naming the first term RDF/XML cannot
    carry; the pieces before it have been yielded.
    """
    writer = _Writer(prefixes)
    yield writer.head()
    describe, write = writer.description, writer.property
    parts: list[str] = []
    put = parts.append
    subject = None
    for triple in triples:
        this = triple.subject
        if this != subject:
            if subject is not None:
                put("\t</rdf:Description>\n")
            subject = this
            put("\t" + describe(this) + "\n")
        put(write(triple.predicate, triple.object, "\t\t"))
        if len(parts) >= 1024:  # one piece per ~500 triples: a generator step costs
            yield "".join(parts)
            parts.clear()
    if subject is not None:
        put("\t</rdf:Description>\n")
    put("</rdf:RDF>\n")
    yield "".join(parts)
