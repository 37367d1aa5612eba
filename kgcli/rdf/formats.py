"""RDF syntaxes: one `Syntax` record each, found by name, alias or file extension.

The loader reads `--data` files by them (`--data-format`, or the file's extension); the RDF
writers of `kgcli.output` write by them. Cheap to import: pyoxigraph is imported only when a
syntax's parser or serialiser is asked for (`Syntax.oxigraph`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgcli.errors import InputError

if TYPE_CHECKING:
    import pyoxigraph as ox


@dataclass(frozen=True)
class Syntax:
    """An RDF serialisation: its name, other spellings, the extensions of files written in it,
    and pyoxigraph's name for it."""

    name: str
    #: The member of `pyoxigraph.RdfFormat` that parses and writes it.
    engine_name: str
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    #: Extensions read as this syntax though other outputs of kg write them too (`.json`).
    also_read: tuple[str, ...] = ()
    #: Named in the advice of an error; N3 is read, but is more than RDF.
    advertised: bool = True

    def oxigraph(self) -> ox.RdfFormat:
        """pyoxigraph's format for this syntax (imports pyoxigraph)."""
        import pyoxigraph as ox

        return getattr(ox.RdfFormat, self.engine_name)  # type: ignore[no-any-return]


#: Every syntax kg reads, in the order messages list them.
SYNTAXES = (
    Syntax("turtle", "TURTLE", ("ttl",), (".ttl", ".turtle")),
    Syntax("trig", "TRIG", (), (".trig",)),
    Syntax("ntriples", "N_TRIPLES", ("nt", "n-triples"), (".nt", ".ntriples")),
    Syntax("nquads", "N_QUADS", ("nq", "n-quads"), (".nq", ".nquads")),
    Syntax("jsonld", "JSON_LD", ("json-ld",), (".jsonld",), also_read=(".json",)),
    Syntax("rdfxml", "RDF_XML", ("rdf/xml", "rdf-xml", "xml"), (".rdf", ".owl"), (".xml",)),
    Syntax("n3", "N3", (), (".n3",), advertised=False),
)
_BY_NAME = {name: s for s in SYNTAXES for name in (s.name, *s.aliases)}
_BY_EXTENSION = {ext: s for s in SYNTAXES for ext in (*s.extensions, *s.also_read)}


def extension(path: str | os.PathLike[str]) -> str:
    """A file name's extension in lower case (`.ttl`); a URL's is read from its path."""
    name = os.fspath(path)
    if "://" in name:  # a URL: its extension is in the path, not the query or fragment
        from urllib.parse import urlsplit

        name = urlsplit(name).path
    return os.path.splitext(name)[1].lower()


def syntax(name: str) -> Syntax:
    """The syntax called `name` (any alias, any case); InputError for an unknown one."""
    found = _BY_NAME.get(name.lower())
    if found is None:
        names = ", ".join(s.name for s in SYNTAXES)
        raise InputError(f"unknown data format {name!r}; choose one of: {names}")
    return found


def syntax_for(path: str, explicit: str | None = None) -> Syntax:
    """The syntax of an input file: `explicit` (`--data-format`) wins, else its extension."""
    if explicit is not None:
        return syntax(explicit)
    found = _BY_EXTENSION.get(extension(path))
    if found is None:
        names = ", ".join(s.name for s in SYNTAXES if s.advertised)
        raise InputError(
            f"cannot tell the RDF format of {path!r} from its extension; "
            f"pass --data-format ({names})"
        )
    return found


def rdf_format_for(path: str, explicit: str | None = None) -> ox.RdfFormat:
    """pyoxigraph's parser format for an input file (see `syntax_for`)."""
    return syntax_for(path, explicit).oxigraph()


def rdf_format(name: str) -> ox.RdfFormat:
    """pyoxigraph's format for a syntax's name."""
    return syntax(name).oxigraph()


def advertised() -> str:
    """The syntaxes a person is told of, for help texts: `turtle, trig, ...`."""
    return ", ".join(s.name for s in SYNTAXES if s.advertised)
