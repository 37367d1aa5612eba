"""What every writer shares: the options of a write, a result as rows, and batched writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from kgcli.engine.results import GraphResult, Row, SelectResult

#: Rows drawn by the `table` format; the others are counted, not shown.
TABLE_MAX_ROWS = 1000
#: The columns of a graph written as rows: one triple a row.
GRAPH_COLUMNS = ["subject", "predicate", "object"]


@dataclass(frozen=True)
class Options:
    """How to write: `width` of a table (None: the terminal's, or 80), `prefixes` (a query's own,
    name -> namespace, added to the well-known ones) to shorten IRIs with, and `max_rows` that a
    table draws."""

    width: int | None = None
    prefixes: Mapping[str, str] | None = None
    max_rows: int = TABLE_MAX_ROWS


def rows_of(result: SelectResult | GraphResult) -> tuple[list[str], Iterator[Row]]:
    """A result as a table: its variables and rows, or a graph's triples as subject, predicate,
    object rows. Reads the engine's own iterator directly when there is one: `tuple(solution)`
    is the fastest way to its terms."""
    if isinstance(result, GraphResult):
        return list(GRAPH_COLUMNS), ((t.subject, t.predicate, t.object) for t in result)
    if result.native is not None:
        return list(result.variables), map(tuple, result.native)
    return list(result.variables), iter(result)


def write_all(out: BinaryIO, pieces: Iterable[str], batch: int = 512) -> None:
    """Encode and write `pieces`, a few hundred at a time (one write per row is slow)."""
    buffer: list[str] = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= batch:
            out.write("".join(buffer).encode())
            buffer.clear()
    if buffer:
        out.write("".join(buffer).encode())


def word(value: bool) -> str:
    """An ASK answer as SPARQL writes a boolean."""
    return "true" if value else "false"
