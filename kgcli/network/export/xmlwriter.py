"""The buffered writer of the XML exporters; their escaping is `kgcli.rdf.xmlchars`, shared with
every XML writer of `kg`: text XML 1.0 cannot carry is refused (`XmlCharError`), never altered.
"""

from __future__ import annotations

from typing import BinaryIO

from kgcli.rdf.xmlchars import XmlCharError, attr, text

__all__ = ["Buffer", "XmlCharError", "attr", "refused", "text"]

#: What keeps every character, for the messages of the XML exporters.
KEEP = "the gephi-csv and graphology exports"


def refused(err: XmlCharError, what: str, fmt: str) -> XmlCharError:
    """`err` naming `what` (a node, an edge, an attribute name) that `fmt` cannot carry."""
    return err.naming(what, fmt, KEEP, whole=False)


class Buffer:
    """Collect small strings and write them to a binary stream in large UTF-8 batches."""

    def __init__(self, out: BinaryIO, batch: int = 4096) -> None:
        self._out = out
        self._parts: list[str] = []
        self._batch = batch
        self.append = self._parts.append

    def tick(self) -> None:
        """Write out the batch if it is full; call once per node or edge."""
        if len(self._parts) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._out.write("".join(self._parts).encode("utf-8"))
            self._parts.clear()
