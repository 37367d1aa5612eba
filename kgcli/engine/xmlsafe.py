"""Refuse XML whose entities would expand without bound, before an XML parser reads it.

pyoxigraph's RDF/XML parser refuses external entities (`SYSTEM`, `PUBLIC`) but expands internal
ones, so a 1 KiB "billion laughs" file becomes gigabytes and aborts the process. Internal entities
are common and harmless in RDF/XML written by ontology editors (`<!ENTITY owl "http://...#">`), so
they are allowed, as long as everything they expand to in the document stays under
`MAX_EXPANSION` characters: nested entities are followed, and every reference in the document is
counted (a large entity referenced many times is the "quadratic blowup").

    with open(path, "rb") as handle:
        check_entities(handle, path)   # raises InputError naming the file, line and column
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

from kgcli.errors import InputError

#: The characters all entity references of one document may expand to, in total.
MAX_EXPANSION = 16 << 20
#: The prolog (declarations before the root element) read to find a DOCTYPE.
MAX_PROLOG = 1 << 20
_CHUNK = 1 << 20

_NAME = r"[A-Za-z_:\x80-\xff][\w.:\-\x80-\xff]*"
_DECLARATION = re.compile(
    rb"<!ENTITY\s+(%\s+)?(" + _NAME.encode() + rb")\s+(?:\"([^\"]*)\"|'([^']*)'|(SYSTEM|PUBLIC))"
)
_REFERENCE = re.compile(rb"&(" + _NAME.encode() + rb");")
_ROOT = re.compile(rb"<[A-Za-z_:\x80-\xff]")


@dataclass(frozen=True)
class _Entity:
    name: str
    value: bytes
    offset: int


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _prolog(handle: BinaryIO) -> bytes:
    """The bytes before the root element (the DOCTYPE and its internal subset are there)."""
    data = b""
    while len(data) < MAX_PROLOG:
        chunk = handle.read(_CHUNK)
        if not chunk:
            return data
        data += chunk
        start = data.find(b"<!DOCTYPE")
        if start < 0:
            match = _ROOT.search(data)
            if match:
                return data[: match.start()]
            continue
        end = data.find(b"]>", start)
        if end >= 0 or (b"[" not in data[start:] and b">" in data[start:]):
            return data if end < 0 else data[: end + 2]
    return data


def check_entities(handle: BinaryIO, name: str) -> None:
    """Raise InputError if the XML in `handle` declares entities that expand beyond the cap.

    `handle` must be seekable; it is left where it was.
    """
    start = handle.tell()
    try:
        _check(handle, name)
    finally:
        handle.seek(start)


def _check(handle: BinaryIO, name: str) -> None:
    prolog = _prolog(handle)
    if b"<!ENTITY" not in prolog:
        return  # no declared entity: only the five predefined ones, a few bytes each
    entities: dict[str, _Entity] = {}
    for match in _DECLARATION.finditer(prolog):
        line, column = _position(prolog, match.start())
        where = f"{name}:{line}:{column}"
        entity = match.group(2).decode("utf-8", "replace")
        if match.group(5):
            raise InputError(
                f"{where}: the external entity '{entity}' would read a file or the network; "
                "kg never resolves external entities: remove its declaration"
            )
        if match.group(1):
            raise InputError(
                f"{where}: the parameter entity '%{entity}' is refused (it can hide external "
                "entities and unbounded expansions): remove its declaration"
            )
        value = match.group(3) if match.group(3) is not None else match.group(4)
        entities.setdefault(entity, _Entity(entity, value, match.start()))
    sizes: dict[str, int] = {}

    def size(entity: _Entity, seen: tuple[str, ...]) -> int:
        if entity.name in sizes:
            return sizes[entity.name]
        total = len(entity.value)
        for ref in _REFERENCE.finditer(entity.value):
            inner = entities.get(ref.group(1).decode("utf-8", "replace"))
            if inner is None:
                continue  # a predefined entity or an undefined one, which the parser refuses
            if inner.name in seen:
                raise _refused(name, prolog, entity, "refers to itself")
            total += size(inner, (*seen, inner.name)) - len(ref.group(0))
            if total > MAX_EXPANSION:
                raise _refused(
                    name, prolog, entity, f"expands to more than {MAX_EXPANSION:,} characters"
                )
        sizes[entity.name] = total
        return total

    for entity in entities.values():
        size(entity, (entity.name,))
    if not any(sizes[e] > len(e) + 2 for e in sizes):
        return  # every reference is no longer than itself: nothing can grow
    # Count the references in the whole document, the prolog's included (harmlessly).
    handle.seek(0)
    total, tail = 0, b""
    while chunk := handle.read(_CHUNK):
        data = tail + chunk
        cut = data.rfind(b"&")
        # A reference may straddle two chunks: keep from the last '&' if it is unterminated.
        keep = cut >= 0 and b";" not in data[cut:] and len(data) - cut < 256
        body, tail = (data[:cut], data[cut:]) if keep else (data, b"")
        for ref in _REFERENCE.finditer(body):
            total += sizes.get(ref.group(1).decode("utf-8", "replace"), 0)
        if total > MAX_EXPANSION:
            largest = max(entities.values(), key=lambda e: sizes[e.name])
            raise _refused(
                name,
                prolog,
                largest,
                f"and the others expand, where referenced, to more than {MAX_EXPANSION:,} "
                "characters",
            )


def _refused(name: str, prolog: bytes, entity: _Entity, why: str) -> InputError:
    line, column = _position(prolog, entity.offset)
    return InputError(
        f"{name}:{line}:{column}: the XML entity '{entity.name}' {why} "
        "(an entity bomb?); kg refuses XML entities that expand beyond "
        f"{MAX_EXPANSION >> 20} MiB in all: remove the DOCTYPE's entities"
    )
