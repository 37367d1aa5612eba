"""table: a table drawn for the terminal (rich), IRIs shortened by prefixes, literals as text.

At most `Options.max_rows` rows are drawn; the rest are still read, only to count them, so the
last line can say `1,000 of 52,113 rows shown; use -f csv or -o FILE for all`. Off a terminal the
padding at the ends of lines goes, so the text diffs and pastes cleanly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

from kgcli.engine.results import AskResult, GraphResult, Result, Row
from kgcli.output.rows import Options, rows_of, word
from kgcli.output.terms import Display, is_numeric

if TYPE_CHECKING:
    from kgcli.output.formats import Format


def write(result: Result, out: BinaryIO, fmt: Format, options: Options) -> None:
    """Draw `result` as a table."""
    if isinstance(result, AskResult):
        out.write((word(result.value) + "\n").encode())
        return
    variables, rows = rows_of(result)
    noun = "triple" if isinstance(result, GraphResult) else "row"
    draw(variables, rows, out, options, noun)


def _isatty(out: BinaryIO) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def draw(
    variables: list[str], rows: Iterable[Row], out: BinaryIO, options: Options, noun: str
) -> None:
    """Draw the rows; count those past `options.max_rows` without drawing them."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    display = Display(options.prefixes)
    iterator = iter(rows)
    shown: list[Row] = []
    for row in iterator:
        if len(shown) >= options.max_rows:
            hidden = 1 + sum(1 for _ in iterator)  # reading on only to count
            break
        shown.append(row)
    else:
        hidden = 0

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for index, name in enumerate(variables):
        values = [row[index] for row in shown if row[index] is not None]
        numeric = bool(values) and all(is_numeric(term) for term in values)
        table.add_column(name, justify="right" if numeric else "left", overflow="fold")
    for row in shown:
        cells = []
        for term in row:
            text, suffix = display.text(term)
            cell = Text(text)
            if suffix:
                cell.append(suffix, style="dim")
            cells.append(cell)
        table.add_row(*cells)

    total = len(shown) + hidden
    plural = noun if total == 1 else noun + "s"
    if hidden:
        footer = f"{len(shown):,} of {total:,} {plural} shown; use -f csv or -o FILE for all"
    else:
        footer = f"{total:,} {plural}"

    # Drawn into a string (at most max_rows rows), so that off a terminal the padding rich leaves
    # at the ends of lines can go: plain text that diffs and pastes cleanly.
    is_tty = _isatty(out)
    drawn = io.StringIO()
    console = Console(
        file=drawn,
        width=options.width,
        force_terminal=is_tty,
        color_system="auto" if is_tty else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    if variables:
        console.print(table)
    console.print(Text(footer, style="dim"), soft_wrap=True)
    text = drawn.getvalue()
    if not is_tty:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text.encode())
