"""CSV: the SPARQL 1.1 Query Results CSV Format (RFC 4180 fields, CRLF line ends).

pyoxigraph 0.5 writes IRIs bare even when they contain a comma, which splits the field (RFC 4180
wants it quoted), and quotes a triple term's inner literals rather than the field. So the
engine's fast writer is used only through a guard that checks each record's field count and hands
over to the writer here at the first bad record (`_CsvGuard`); every other result (remote,
limited, a graph's rows) is written here. Both give the same bytes. ASK is `true` or `false`
without a line end, as pyoxigraph writes it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

import pyoxigraph as ox

from kgcli.engine.results import AskResult, Result, Row, SelectResult
from kgcli.output.rows import Options, rows_of, word, write_all

if TYPE_CHECKING:
    from kgcli.engine.results import Term
    from kgcli.output.formats import Format

_CSV_QUOTE_RE = re.compile('[",\r\n]')


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as CSV."""
    if isinstance(result, AskResult):
        out.write(word(result.value).encode())
        return
    # The engine's writer needs a rerun to finish with ours, and a variable to count fields of.
    native = result.native if isinstance(result, SelectResult) else None
    if (
        isinstance(result, SelectResult)
        and native is not None
        and result.rerun
        and result.variables
    ):
        _write_native(result, native, out)
    else:
        write_all(out, lines(*rows_of(result)))


def _csv_text(term: Term) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    # A triple term (RDF 1.2, outside SPARQL 1.1 CSV): its parts, space separated, as pyoxigraph
    # 0.5 writes it; but the field is then quoted as a whole, where pyoxigraph quotes the inner
    # literals and breaks the row.
    return " ".join(_csv_text(part) for part in (term.subject, term.predicate, term.object))


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    text = _csv_text(term)
    if _CSV_QUOTE_RE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield ",".join(variables) + "\r\n"
    for row in rows:
        yield ",".join([_csv_field(term) for term in row]) + "\r\n"


class _AmbiguousCsv(Exception):
    """The engine wrote a record with the wrong number of fields; `records` were good."""

    def __init__(self, records: int) -> None:
        super().__init__(records)
        self.records = records


class _CsvGuard:
    """Forward the engine's CSV after checking that every record has one field per variable.

    pyoxigraph 0.5 writes an IRI containing a comma (legal in IRIs) without quotes, which splits
    its field beyond repair; every other record it writes is byte-identical to ours. Checking
    costs a few byte counts per 8 KiB chunk, where writing CSV from Python costs 2-3x the query,
    so we keep the engine's speed and hand over to our writer at the first bad record.
    """

    def __init__(self, out: BinaryIO, width: int) -> None:
        self.out = out
        self.width = width
        self.pending = b""
        self.records = -1  # the header is not a record
        self.failed = False

    def write(self, data: bytes) -> int:
        if self.failed:  # the engine may flush once more after we stopped it
            return len(data)
        buffer = self.pending + bytes(data)
        cut = buffer.rfind(b"\n") + 1
        self.pending = buffer[cut:]
        self._forward(buffer[:cut])
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self.pending:
            self._forward(self.pending)
            self.pending = b""

    def _forward(self, body: bytes) -> None:
        if not body:
            return
        lines = body.count(b"\n")
        if b'"' not in body and body.count(b",") == (self.width - 1) * lines:
            self.out.write(body)
            self.records += lines
            return
        # Some field is quoted, or a count is off: walk record by record. A newline ends a
        # record only when the quotes before it balance (a quoted field may hold newlines).
        good: list[bytes] = []
        record = b""
        for line in body.split(b"\n")[: lines if body.endswith(b"\n") else None]:
            record = record + b"\n" + line if record else line
            if record.count(b'"') % 2:
                continue
            if not self._well_formed(record):
                self.out.write(b"".join(good))
                self.failed = True
                raise _AmbiguousCsv(self.records)
            good.append(record + b"\n")
            self.records += 1
            record = b""
        if record:  # an unfinished quoted field: wait for the rest
            self.pending = record + (b"\n" if body.endswith(b"\n") else b"") + self.pending
        self.out.write(b"".join(good))

    def _well_formed(self, record: bytes) -> bool:
        if b'"' not in record:
            return record.count(b",") == self.width - 1
        import csv

        fields = next(csv.reader([record.decode("utf-8").rstrip("\r")]), [])
        return len(fields) == self.width


def _write_native(result: SelectResult, native: ox.QuerySolutions, out: BinaryIO) -> None:
    """The engine's CSV writer, guarded; from the first ambiguous record on, ours."""
    guard = _CsvGuard(out, len(result.variables))
    try:
        native.serialize(cast(BinaryIO, guard), format=ox.QueryResultsFormat.CSV)
        guard.finish()
    except _AmbiguousCsv as stop:
        assert result.rerun is not None
        rows = itertools.islice(map(tuple, result.rerun()), stop.records, None)
        write_all(out, itertools.islice(lines(list(result.variables), rows), 1, None))
