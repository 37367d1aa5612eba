"""table: a table drawn for the terminal (rich), IRIs shortened by prefixes, literals as text.

At most `Options.max_rows` rows are drawn; the rest are still read, only to count them, so the
last line can say `1,000 of 52,113 rows shown; use -f csv or -o FILE for all`. Off a terminal the
padding at the ends of lines goes, so the text diffs and pastes cleanly.

Made to be read: floats to a few significant digits and durations in words (`terms.Display`);
numbers never wrap; when the columns do not fit, the widest text column wraps first, at word
boundaries (spaces, and after `-`, `/`, `_`), and only a word wider than any width left is cut
short with an ellipsis. Numbers that alone are wider than the terminal make the table wider too,
as `less -S` would show it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from kgcli.engine.results import AskResult, GraphResult, Result, Row
from kgcli.output.rows import Options, rows_of, word
from kgcli.output.terms import Display, is_numeric

if TYPE_CHECKING:
    from kgcli.output.formats import Format

#: Between two columns: rich's padding on either side of a blank rule.
GAP = 3
#: A text column cut short with an ellipsis keeps at least this many cells (or its own width).
MIN_CUT = 8
# A word, with what it breaks after (`-`, `/`, `_` between two non-spaces), or a run of spaces.
_PIECE_RE = re.compile(r"\s+|\S+?(?:[-/_]+(?=\S)|(?=\s)|$)")


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


def _words(text: str) -> list[str]:
    return [piece for piece in _PIECE_RE.findall(text) if not piece.isspace()]


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken at word boundaries only; a word wider
    than `width` has a line of its own (the table cuts it short)."""
    from rich.cells import cell_len

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        space = ""
        for index, piece in enumerate(_PIECE_RE.findall(paragraph)):
            if piece.isspace():
                if index == 0:
                    line = piece  # leading spaces are the data's: kept
                else:
                    space = piece if line else ""
                continue
            if line.strip() and cell_len(line + space + piece) > width:
                lines.append(line)
                line = piece
            else:
                line += space + piece
            space = ""
        lines.append(line)
    return lines


def widths_that_fit(
    natural: Sequence[int], least: Sequence[int], wraps: Sequence[bool], room: int
) -> list[int]:
    """Column widths for `room` cells: each column's `natural` width, less where needed.

    First the headers of columns that do not wrap (numbers) wrap, then the widest column that
    `wraps` (a text column) gives way, down to the next widest, never below its longest word
    (`least`); then text columns are cut, down to `MIN_CUT`. A column that does not wrap keeps
    its `least` width (its widest number or header word), even past `room`.
    """
    widths = [max(n, m) for n, m in zip(natural, least, strict=True)]
    for floors in (
        [w if text else m for w, m, text in zip(widths, least, wraps, strict=True)],
        [m for m in least],
        [min(w, MIN_CUT) if text else m for w, m, text in zip(widths, least, wraps, strict=True)],
    ):
        excess = sum(widths) - room
        while excess > 0:
            open_ = [i for i, width in enumerate(widths) if width > floors[i]]
            if not open_:
                break
            widest = max(widths[i] for i in open_)
            next_ = max((widths[i] for i in open_ if widths[i] < widest), default=0)
            cuts = {i: widest - max(next_, floors[i]) for i in open_ if widths[i] == widest}
            if sum(cuts.values()) > excess:
                # The columns as wide share the cut, a cell at a time, the rightmost first.
                shared = dict.fromkeys(cuts, 0)
                while excess:
                    for i in reversed(cuts):
                        if excess and shared[i] < cuts[i]:
                            shared[i] += 1
                            excess -= 1
                cuts = shared
            for i, cut in cuts.items():
                widths[i] -= cut
            excess = max(0, sum(widths) - room)
    return widths


def draw(
    variables: list[str], rows: Iterable[Row], out: BinaryIO, options: Options, noun: str
) -> None:
    """Draw the rows; count those past `options.max_rows` without drawing them."""
    import io

    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    display = Display(options.prefixes, for_reading=True)
    iterator = iter(rows)
    shown: list[Row] = []
    for row in iterator:
        if len(shown) >= options.max_rows:
            hidden = 1 + sum(1 for _ in iterator)  # reading on only to count
            break
        shown.append(row)
    else:
        hidden = 0

    cells = [[display.text(term) for term in row] for row in shown]
    numeric = [
        any(row[index] is not None for row in shown)
        and all(is_numeric(row[index]) for row in shown if row[index] is not None)
        for index in range(len(variables))
    ]
    natural = []
    least = []
    for index, name in enumerate(variables):
        texts = [name] + ["".join(row[index]) for row in cells]
        natural.append(max(1, *(cell_len(line) for text in texts for line in text.split("\n"))))
        # A number is one word, whatever its characters; a header wraps like text.
        words = _words(name) + (texts[1:] if numeric[index] else _words(" ".join(texts[1:])))
        least.append(max((cell_len(word) for word in words), default=1))

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
    room = console.width - GAP * max(len(variables) - 1, 0)
    widths = widths_that_fit(natural, least, [not n for n in numeric], room)
    # Never narrower than the columns: rich would squeeze them all, numbers too.
    console.width = max(console.width, sum(widths) + GAP * max(len(variables) - 1, 0))

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for name, width, number in zip(variables, widths, numeric, strict=True):
        header = Text("\n".join(wrap(name, width)))
        table.add_column(
            header,
            justify="right" if number else "left",
            width=width,
            no_wrap=True,
            overflow="ellipsis",
        )
    for cell_texts in cells:
        drawn_cells = []
        for (text, suffix), width in zip(cell_texts, widths, strict=True):
            cell = Text("\n".join(wrap(text + suffix, width)))
            if suffix and cell.plain.endswith(suffix):
                cell.stylize("dim", len(cell.plain) - len(suffix))
            drawn_cells.append(cell)
        table.add_row(*drawn_cells)

    total = len(shown) + hidden
    plural = noun if total == 1 else noun + "s"
    if hidden:
        footer = f"{len(shown):,} of {total:,} {plural} shown; use -f csv or -o FILE for all"
    else:
        footer = f"{total:,} {plural}"

    # Drawn into a string (at most max_rows rows), so that off a terminal the padding rich leaves
    # at the ends of lines can go: plain text that diffs and pastes cleanly.
    if variables:
        console.print(table)
    console.print(Text(footer, style="dim"), soft_wrap=True)
    text = drawn.getvalue()
    if not is_tty:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text.encode())
