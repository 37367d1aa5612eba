"""IRIs for files and bases: how a file is named, and how a relative IRI resolves.

One function names files (`file_iri`) for every use: the named graph of a `--data` file, the base
IRI its relative IRIs resolve against, and the base of a query read from a file. So `FROM
<data.ttl>` in a query beside `data.ttl` resolves to exactly the name that file was loaded under.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pyoxigraph as ox

from kgcli.errors import InputError

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
