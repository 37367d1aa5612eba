"""Turtle, N-Triples, N-Quads, TriG and JSON-LD: a graph written by pyoxigraph's serialisers.

pyoxigraph checks the namespaces it declares but not their names, so only prefixes Turtle can
write are passed to it. JSON-LD 1.1 cannot hold an RDF 1.2 triple term: one is refused by name.
(RDF/XML is `kgcli.output.rdfxml`'s: pyoxigraph's writer of it is not to be trusted.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from kgcli.engine.results import GraphResult, Result
from kgcli.errors import Unwritable
from kgcli.output.rows import Options
from kgcli.output.terms import shown_term
from kgcli.rdf.formats import rdf_format
from kgcli.rdf.namespaces import merged_prefixes
from kgcli.rdf.xmlchars import NAME_MORE, NAME_START

if TYPE_CHECKING:
    from kgcli.output.formats import Format

# Turtle's PN_PREFIX: PN_CHARS_BASE first (XML's name start but "_"), "." never last.
_PN_CHARS = NAME_START + NAME_MORE.replace(".", "")
_PN_PREFIX = re.compile(f"(?:(?!_)[{NAME_START}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?")


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write a graph result in the RDF syntax of `fmt`."""
    assert isinstance(result, GraphResult) and fmt.rdf is not None
    triples = _without_triple_terms(result) if fmt.rdf == "jsonld" else iter(result)
    try:
        ox.serialize(triples, out, rdf_format(fmt.rdf), prefixes=turtle_prefixes(options.prefixes))
    except ValueError as err:
        raise Unwritable(f"cannot write these triples as {fmt.name}: {err}") from None
    except OSError as err:
        if err.errno is not None:  # the output failed, not the format
            raise
        raise Unwritable(f"cannot write these triples as {fmt.name}: {err}") from None


def turtle_prefixes(prefixes: Mapping[str, str] | None) -> dict[str, str]:
    """The well-known prefixes and `prefixes` that pyoxigraph can declare: names Turtle can
    write, of namespaces that are IRIs."""
    usable = {}
    for name, namespace in merged_prefixes(prefixes).items():
        if not _PN_PREFIX.fullmatch(name):
            continue
        try:
            ox.NamedNode(namespace)
        except ValueError:
            continue
        usable[name] = namespace
    return usable


def _without_triple_terms(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """`triples`, refusing by name a triple term (RDF 1.2), which JSON-LD 1.1 cannot hold."""
    for triple in triples:
        if isinstance(triple.object, ox.Triple):
            raise Unwritable(
                f"cannot write the triple term {shown_term(triple.object)} as JSON-LD, which has "
                "no triple terms; turtle, trig, ntriples and nquads write it"
            )
        yield triple
