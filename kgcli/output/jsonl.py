"""JSON Lines: one JSON object per row, of plain values (`kgcli.output.terms.plain_value`).

Unbound variables are left out of the object (as in SPARQL JSON bindings), so a missing key means
unbound and "" an empty string. No specification applies; ASK is `{"boolean": true}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from kgcli.engine.results import AskResult, Result, Row
from kgcli.output.rows import Options, rows_of, word, write_all
from kgcli.output.terms import json_plain, json_str, plain_value

if TYPE_CHECKING:
    from kgcli.output.formats import Format


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as JSON Lines."""
    if isinstance(result, AskResult):
        out.write(('{"boolean": ' + word(result.value) + "}\n").encode())
    else:
        write_all(out, lines(*rows_of(result)))


def lines(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    keys = [json_str(name) + ": " for name in variables]
    for row in rows:
        fields = [
            key + json_plain(plain_value(term))
            for key, term in zip(keys, row, strict=True)
            if term is not None
        ]
        yield "{" + ", ".join(fields) + "}\n"
