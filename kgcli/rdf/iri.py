"""IRIs: text a person writes read as an IRI, files named by IRIs, and relative IRIs resolved.

One function reads an IRI from text (`parse_iri`: `<...>`, a prefixed name, a bare URL), for a
query parameter and a network profile alike. One function names files (`file_iri`) for every use:
the named graph of a `--data` file, the base IRI its relative IRIs resolve against, and the base
of a query read from a file. So `FROM <data.ttl>` in a query beside `data.ttl` resolves to exactly
the name that file was loaded under.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from kgcli.errors import InputError

# A bare value is an absolute IRI when it is a URL or one of these: else `ex:thing` could be a
# prefixed name whose PREFIX was forgotten, silently read as the IRI <ex:thing>.
_BARE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://|(?:urn|mailto|tag):", re.IGNORECASE)
#: A character no IRI may hold (RFC 3987): controls, space, and `<>"{}|^`\`.
NOT_IN_IRI = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
#: The IRI of the graph read from stdin, which has no file name.
STDIN_GRAPH = "urn:kgcli:stdin"


class NotAnIri(ValueError):
    """Text that is no IRI; `char` is the character no IRI may hold, if that is why."""

    def __init__(self, text: str, char: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.char = char


def parse_iri(text: str, prefixes: Mapping[str, str]) -> str:
    """The IRI that `text` writes: `<IRI>`, a prefixed name of one of `prefixes` (which wins over
    a scheme that looks alike), or a bare absolute IRI (a URL, `urn:`, `mailto:`, `tag:`).

    Surrounding white space is ignored. Raises NotAnIri for anything else, with `char` set when
    the IRI holds a character no IRI may hold. Not checked: that the IRI is absolute.
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        iri = text[1:-1]
    else:
        prefix, colon, local = text.partition(":")
        if colon and prefix in prefixes and not local.startswith("//"):
            iri = prefixes[prefix] + local
        elif _BARE_IRI.match(text):
            iri = text
        else:
            raise NotAnIri(text)
    bad = NOT_IN_IRI.search(iri)
    if bad:
        raise NotAnIri(text, bad.group())
    return iri


# What may stay as it is in an IRI's path (RFC 3987 ipchar, ASCII part): the rest is %-encoded.
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/")


def _ucschar(code: int) -> bool:
    """Whether a non-ASCII character may be written as itself in an IRI (RFC 3987 ucschar)."""
    return (
        0xA0 <= code <= 0xD7FF
        or 0xF900 <= code <= 0xFDCF
        or 0xFDF0 <= code <= 0xFFEF
        or (0x10000 <= code <= 0xEFFFD and code & 0xFFFF < 0xFFFE)
    )


def _encoded(char: str) -> str:
    if char in _PATH_SAFE or (ord(char) > 0x7F and _ucschar(ord(char))):
        return char
    # A space, '%', '#', '?' and controls; a byte that is no UTF-8 (surrogate-escaped) as itself.
    return "".join(f"%{byte:02X}" for byte in os.fsencode(char))


def file_iri(path: str | os.PathLike[str]) -> str:
    """The `file:` IRI of a path, made absolute: `file:///home/me/my%20data/données.ttl`.

    Letters outside ASCII are kept, as in an IRI and as Jena names files (`Path.as_uri` would
    %-encode them), so that `FROM <données.ttl>` finds the file loaded from `données.ttl`; what no
    IRI may hold (a space, `%`, `#`, `?`) is %-encoded.
    """
    posix = Path(path).resolve().as_posix()
    # A Windows path starts with its drive (`C:/`): file:///C:/...
    return ("file://" if posix.startswith("/") else "file:///") + "".join(map(_encoded, posix))


def directory_iri(path: str | os.PathLike[str] = ".") -> str:
    """The `file:` IRI of a folder, with the final `/` that makes `<x>` resolve inside it."""
    iri = file_iri(path)
    return iri if iri.endswith("/") else iri + "/"


def file_graph_name(path: str) -> str:
    """The named graph of a user's file: its `file:` IRI, as Jena names them; stdin's is
    `STDIN_GRAPH`."""
    return STDIN_GRAPH if path == "-" else file_iri(path)


def file_base(path: str) -> str:
    """The base IRI of a file's relative IRIs: the file's own IRI, as in every RDF tool; for
    stdin, which has none, the working directory's."""
    return directory_iri() if path == "-" else file_iri(path)


def resolve(iri: str, base: str | None) -> str:
    """`iri` (as written between `<` and `>`, escapes included) resolved against `base`.

    The engine resolves, so the result is the IRI it will use (RFC 3986 resolution as Oxigraph
    does it). Without a base, or when either is not a valid IRI, `iri` comes back as written: the
    engine reports what is wrong when it parses the query.
    """
    document = f"<{iri}> <urn:kgcli:p> <urn:kgcli:o> .".encode()
    try:
        quads = ox.parse(document, format=ox.RdfFormat.TURTLE, base_iri=base)
        subject = next(iter(quads)).subject
    except (SyntaxError, ValueError, StopIteration):
        return iri
    return subject.value if isinstance(subject, ox.NamedNode) else iri


def check_base(base: str) -> str:
    """`base` if it is an absolute IRI (a base must be); else the error to show."""
    try:
        ox.NamedNode(base)
    except ValueError as err:
        raise InputError(f"--base {base!r}: not an absolute IRI ({err})") from None
    return base
