"""Terms as N-Triples text, their dictionary encoding, and reading N-Triples from the engine.

The engine reads triples as the N-Triples that pyoxigraph writes (one `s p o .` per line, terms in
canonical form), keeps each distinct term once, and works on integers. A triple of one
predicate is one integer, `subject << 32 | object`, so that a relation is a Python `set` of
ints: compact, and hashed in C.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

IRI, BLANK, LITERAL, TRIPLE = 0, 1, 2, 3
SHIFT = 32
LOW = (1 << SHIFT) - 1


def kind_of(term: bytes) -> int:
    """What an N-Triples term is: IRI, blank node, literal or (RDF 1.2) triple term."""
    first = term[:1]
    if first == b"<":
        return TRIPLE if term.startswith(b"<<(") else IRI
    if first == b"_":
        return BLANK
    return LITERAL


class Terms:
    """The dictionary: term text <-> dense integer id, and each term's kind."""

    __slots__ = ("index", "ints", "kind", "text")

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}
        self.text: list[bytes] = []
        self.kind = bytearray()
        #: Each id's int object, the dictionary's own: indexes hold these instead of the fresh
        #: ints `key >> 32` makes (36 bytes each, tens of millions of them at 10^7).
        self.ints: list[int] = []

    def __len__(self) -> int:
        return len(self.text)

    def id(self, term: bytes) -> int:
        found = self.index.get(term)
        if found is None:
            found = self.index[term] = len(self.text)
            self.text.append(term)
            self.kind.append(kind_of(term))
            self.ints.append(found)
            if found > LOW:
                raise OverflowError("more than 2^32 distinct terms")
        return found

    def get(self, term: bytes) -> int | None:
        return self.index.get(term)


def nt(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> bytes:
    """A pyoxigraph term as N-Triples text, as pyoxigraph's own serialiser writes it."""
    if isinstance(term, ox.Triple):
        return (
            b"<<( "
            + nt(term.subject)
            + b" "
            + nt(term.predicate)
            + b" "
            + nt(term.object)
            + b" )>>"
        )
    return str(term).encode()


def to_term(text: bytes) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    """N-Triples term text back to a pyoxigraph term (blank node labels kept)."""
    kind = kind_of(text)
    if kind == IRI:
        return ox.NamedNode(text[1:-1].decode())
    if kind == BLANK:
        return ox.BlankNode(text[2:].decode())
    (quad,) = ox.parse(b"<urn:x:s> <urn:x:p> " + text + b" .\n", format=ox.RdfFormat.N_TRIPLES)
    return quad.object


def parse_lines(data: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """The triples of N-Triples text as pyoxigraph writes it: `s p o .` per line."""
    for line in data.split(b"\n"):
        if line:
            s, p, rest = line.split(b" ", 2)
            yield s, p, rest[:-2]


class LineWriter:
    """A file-like object for pyoxigraph's serialisers that hands on whole lines, in batches.

    Results are read as they are written, so a query's N-Triples output is never held whole.
    """

    def __init__(self, handle: Callable[[bytes], None], batch: int = 1 << 20) -> None:
        self._handle = handle
        self._batch = batch
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._size += len(chunk)
        if self._size >= self._batch:
            self._pass(final=False)
        return len(chunk)

    def flush(self) -> None:
        pass

    def _pass(self, *, final: bool) -> None:
        data = b"".join(self._parts)
        cut = len(data) if final else data.rfind(b"\n") + 1
        rest = data[cut:]
        self._parts, self._size = ([rest], len(rest)) if rest else ([], 0)
        if cut:
            self._handle(data[:cut])

    def close(self) -> None:
        self._pass(final=True)


def construct_lines(
    store: ox.Store, query: str, handle: Callable[[bytes], None], *, union: bool = False
) -> None:
    """Run a CONSTRUCT and hand its N-Triples to `handle`, a batch of whole lines at a time."""
    writer = LineWriter(handle)
    result = store.query(query, use_default_graph_as_union=union)
    assert isinstance(result, ox.QueryTriples)
    result.serialize(writer, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
    writer.close()


def values(terms: Iterable[bytes]) -> str:
    """A VALUES block's terms, from N-Triples text."""
    return " ".join(t.decode() for t in terms)
