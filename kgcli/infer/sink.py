"""Where derived triples go: a graph of a pyoxigraph store, or an N-Triples / N-Quads stream.

The engine hands a sink N-Triples text in batches; triples with a blank node come apart, as
parsed triples, because a store renames the blank nodes of text it loads and these must stay
the very nodes of the data. A sink is committed at the end, or aborted: an inference that fails
(a bound reached, a timeout) leaves no derived triple behind.
"""

from __future__ import annotations

import tempfile
from typing import Any, BinaryIO

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

    def sync(self) -> None:
        """What was written must now be in `store` (SPARQL rules are about to read it)."""

    def commit(self) -> None:
        """Everything is written."""

    def reset(self) -> None:
        """Forget what was written: the run starts again (rare: see `engine._Restart`)."""
        self.abort()

    def abort(self) -> None:
        """Nothing of what was written must remain."""


class StoreSink(Sink):
    """Write into a named graph (by default `kgg:inferred`) of a store, replacing what it held.

    `bulk` is for an on-disk store: the derived triples are spooled to a temporary N-Triples
    file (in `spool_dir`, by default the system's), and pyoxigraph's bulk loader reads it when
    the engine is done with its own memory (`sync`), writing sorted files straight to disk
    without a transaction: kg's stores get one by writing a new generation, which the caller
    commits or discards. Loading as the engine goes would add the loader's memory to the
    engine's, and many small bulk loads are slow.
    """

    def __init__(
        self,
        store: ox.Store,
        graph: str = INFERRED_GRAPH,
        *,
        bulk: bool = False,
        replace: bool = True,
        spool_dir: str | None = None,
    ) -> None:
        self.store = store
        self.graph = ox.NamedNode(graph)
        self.bulk = bulk
        self._spool: Any = None  # a named temporary file
        if bulk:
            self._spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by sync/abort
                prefix="kg-infer-", suffix=".nt", dir=spool_dir
            )
        if replace:
            store.remove_graph(self.graph)

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._spool is not None:
            self._spool.write(data)
            return
        assert self.store is not None
        self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=self.graph)

    def write_blank(self, data: bytes) -> None:
        if not data:
            return
        assert self.store is not None
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, self.graph)
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]
        (self.store.bulk_extend if self.bulk else self.store.extend)(quads)

    def sync(self) -> None:
        """Load what is spooled: SPARQL rules are about to read the store, or the end."""
        spool = self._spool
        if spool is None or not spool.tell():
            return
        assert self.store is not None
        spool.flush()
        # The text is the store's own N-Triples: no need to validate it again (lenient).
        self.store.bulk_load(
            path=spool.name, format=ox.RdfFormat.N_TRIPLES, to_graph=self.graph, lenient=True
        )
        spool.seek(0)
        spool.truncate()

    def abort(self) -> None:
        assert self.store is not None
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        self.store.remove_graph(self.graph)

    def commit(self) -> None:
        if self._spool is not None:
            self.sync()
            self._spool.close()
            self._spool = None
            assert self.store is not None
            self.store.flush()

    def reset(self) -> None:
        if self._spool is not None:
            self._spool.seek(0)
            self._spool.truncate()
        assert self.store is not None
        self.store.remove_graph(self.graph)


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

    def sync(self) -> None:
        self.first.sync()
        self.second.sync()

    def commit(self) -> None:
        self.first.commit()
        self.second.commit()

    def reset(self) -> None:
        self.first.reset()
        self.second.reset()

    def abort(self) -> None:
        self.first.abort()
        self.second.abort()
