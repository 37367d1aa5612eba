"""Where derived triples go: a graph of a pyoxigraph store, or an N-Triples / N-Quads stream.

The engine hands a sink N-Triples text in batches; triples with a blank node come apart, as
parsed triples, because a store renames the blank nodes of text it loads and these must stay
the very nodes of the data. A sink is committed at the end, or aborted: an inference that fails
(a bound reached, a timeout) leaves no derived triple behind.
"""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from kgcli.errors import KgError
from kgcli.infer.vocab import INFERRED_GRAPH


class Sink:
    """Receives derived triples; `commit` or `abort` ends it."""

    #: The store that holds what is written, if any: SPARQL rules read derived triples there.
    store: ox.Store | None = None
    #: How much N-Triples text the engine gathers before it writes a batch.
    batch_bytes = 4 << 20

    def write(self, data: bytes) -> None:
        """N-Triples lines with no blank node."""
        raise NotImplementedError

    def write_blank(self, data: bytes) -> None:
        """N-Triples lines with a blank node (labels are those of the source store)."""
        raise NotImplementedError

    def commit(self) -> None:
        """Everything is written."""

    def reset(self) -> None:
        """Forget what was written: the run starts again (rare: see `engine._Restart`)."""
        self.abort()

    def abort(self) -> None:
        """Nothing of what was written must remain."""


class StoreSink(Sink):
    """Write into a named graph (by default `kgg:inferred`) of a store, replacing what it held.

    `bulk` uses pyoxigraph's bulk loader: for an on-disk store it writes sorted files straight
    to disk in flat memory, without a transaction; kg's stores get one by writing a new
    generation, which the caller commits or discards.
    """

    def __init__(
        self,
        store: ox.Store,
        graph: str = INFERRED_GRAPH,
        *,
        bulk: bool = False,
        replace: bool = True,
    ) -> None:
        self.store = store
        self.graph = ox.NamedNode(graph)
        self.bulk = bulk
        if bulk:  # each bulk load writes sorted files: fewer and bigger, less to compact
            self.batch_bytes = 64 << 20
        if replace:
            store.remove_graph(self.graph)

    def write(self, data: bytes) -> None:
        if not data:
            return
        assert self.store is not None
        loader = self.store.bulk_load if self.bulk else self.store.load
        loader(data, format=ox.RdfFormat.N_TRIPLES, to_graph=self.graph)

    def write_blank(self, data: bytes) -> None:
        if not data:
            return
        assert self.store is not None
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, self.graph)
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
        (self.store.bulk_extend if self.bulk else self.store.extend)(quads)

    def abort(self) -> None:
        assert self.store is not None
        self.store.remove_graph(self.graph)

    def commit(self) -> None:
        if self.bulk:
            assert self.store is not None
            self.store.flush()


class StreamSink(Sink):
    """Write N-Triples (or N-Quads naming `graph`) to a binary file the caller opened.

    The caller makes the file atomic (`kgcli.atomic`) and converts to other formats.
    """

    def __init__(self, out: BinaryIO, *, graph: str | None = None) -> None:
        self.out = out
        self._suffix = f" <{graph}> .\n".encode() if graph else None

    def write(self, data: bytes) -> None:
        if self._suffix is not None:
            data = data.replace(b" .\n", self._suffix)
        self.out.write(data)

    write_blank = write

    def reset(self) -> None:
        try:
            self.out.seek(0)
            self.out.truncate()
        except (OSError, ValueError):
            raise KgError(
                "the rules derive schema triples: inference must start again, which a pipe "
                "cannot; write to a file (-o FILE)"
            ) from None


class TeeSink(Sink):
    """Write to two sinks; the first one's store is the one SPARQL rules read."""

    def __init__(self, first: Sink, second: Sink) -> None:
        self.first, self.second = first, second
        self.store = first.store
        self.batch_bytes = min(first.batch_bytes, second.batch_bytes)

    def write(self, data: bytes) -> None:
        self.first.write(data)
        self.second.write(data)

    def write_blank(self, data: bytes) -> None:
        self.first.write_blank(data)
        self.second.write_blank(data)

    def commit(self) -> None:
        self.first.commit()
        self.second.commit()

    def reset(self) -> None:
        self.first.reset()
        self.second.reset()

    def abort(self) -> None:
        self.first.abort()
        self.second.abort()
