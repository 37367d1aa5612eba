"""Markdown: a GitHub table, IRIs shortened by the prefixes as in `table`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, BinaryIO

from kgcli.engine.results import AskResult, Result, Row
from kgcli.output.rows import Options, rows_of, word, write_all
from kgcli.output.terms import Display

if TYPE_CHECKING:
    from kgcli.output.formats import Format

_MARKDOWN_BACKSLASH_RE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Write `result` as a Markdown table."""
    if isinstance(result, AskResult):
        out.write(f"| boolean |\n| --- |\n| {word(result.value)} |\n".encode())
    else:
        variables, rows = rows_of(result)
        write_all(out, lines(variables, rows, options.prefixes))


def _markdown_cell(text: str) -> str:
    """A GitHub table cell: `|` escaped, line breaks as `<br>`, other text left as written.

    A backslash is doubled only before ASCII punctuation, where Markdown would read an escape.
    """
    text = _MARKDOWN_BACKSLASH_RE.sub(r"\\\\", text).replace("|", "\\|")
    return text.replace("\n", "<br>")


def lines(
    variables: list[str], rows: Iterable[Row], prefixes: Mapping[str, str] | None
) -> Iterator[str]:
    display = Display(prefixes)
    columns = variables or [""]
    yield "| " + " | ".join(_markdown_cell(name) for name in columns) + " |\n"
    yield "|" + "|".join(" --- " for _ in columns) + "|\n"
    for row in rows:
        cells = [_markdown_cell("".join(display.text(term))) for term in row] or [""]
        yield "| " + " | ".join(cells) + " |\n"
