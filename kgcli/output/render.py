"""Write a query result in any output format of `kg`, streaming: the one entry point of output.

The format's record (`kgcli.output.formats`) names its writer, a module of this package with

    def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None

imported when a result is first written in that format. Writers stream row by row (a table draws
at most `Options.max_rows`), and never change the result they are given. CSV, TSV, JSON and XML
follow the W3C SPARQL results formats and, for a result that still holds the engine's own
iterator, use pyoxigraph's serialisers where those follow the specification (CSV and XML through
a guard that mends or refuses where pyoxigraph 0.5 errs: see those modules); Python writers give
the same bytes for every other result (remote, limited, a graph's rows).
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Mapping
from typing import Any, BinaryIO, cast

from kgcli.engine.results import Result, kind_of
from kgcli.errors import KgError
from kgcli.output import formats
from kgcli.output.rows import TABLE_MAX_ROWS, Options


def render(
    result: Result,
    fmt: str,
    out: BinaryIO,
    *,
    width: int | None = None,
    prefixes: Mapping[str, str] | None = None,
    max_rows: int = TABLE_MAX_ROWS,
) -> None:
    """Write `result` to the binary stream `out` in format `fmt` (see `kgcli.output.formats`).

    `width` is the table's width (default: the terminal's, or 80); `prefixes` (a query's own,
    name -> namespace) add to the well-known ones for tables and Turtle-like outputs;
    `max_rows` caps the rows a table draws. Reads the result (it can be read once).

    The engine evaluates lazily, so a query can still fail while it is written (a SERVICE that
    does not answer): that is a `KgError` ("query failed"), told apart from a failure of `out`
    itself (a full disk, a closed pipe), which is raised as it is.
    """
    record = formats.get(formats.check_format(fmt, kind_of(result)))
    writer = importlib.import_module(f"kgcli.output.{record.writer}")
    watched = _Watched(out)
    try:
        writer.write(result, cast(BinaryIO, watched), record, Options(width, prefixes, max_rows))
    except (OSError, RuntimeError) as err:
        if watched.failed is not None:
            raise watched.failed from None
        raise KgError(f"query failed: {' '.join(str(err).split())}") from None


class _Watched(io.RawIOBase):
    """`out`, remembering the error its own write raised (so it is not taken for the engine's)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.failed: OSError | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:  # type: ignore[override]
        try:
            written = self._out.write(data)
        except OSError as err:
            self.failed = err
            raise
        return len(data) if written is None else written

    def flush(self) -> None:
        try:
            self._out.flush()
        except OSError as err:
            self.failed = err
            raise

    def isatty(self) -> bool:
        return self._out.isatty()

    def fileno(self) -> int:
        return self._out.fileno()
