"""table: a table drawn for the terminal (rich), IRIs shortened by prefixes, literals as text.

At most `Options.max_rows` rows are drawn; the rest are still read, only to count them, so the
last line can say `1,000 of 52,113 rows shown; use -f csv or -o FILE for all`. Off a terminal the
padding at the ends of lines goes, so the text diffs and pastes cleanly.

Made to be read: floats to a few significant digits and durations in words (`terms.Display`);
numbers never wrap; when the columns do not fit, the widest text column wraps first, at word
boundaries (spaces, and after `-`, `/`, `_`). When they still do not fit, the table is drawn in
blocks of columns, one under the other, as `less -S` would page it sideways: the first column
(the key) in every block, each block headed `columns X-Y of N` (`blocks_that_fit`). Only a word
wider than a block can hold is cut short with an ellipsis; numbers that alone are wider than the
terminal make their block wider too.
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


def blocks_that_fit(
    natural: Sequence[int], least: Sequence[int], wraps: Sequence[bool], width: int
) -> list[tuple[list[int], list[int]]]:
    """The columns in blocks of `width` cells: each block's column indices and their widths.

    One block when every column fits at its `least` width (text wrapped at word boundaries):
    `widths_that_fit`. Else the first column, the key, heads every block, at most a third of
    the width when it `wraps` (half, cut, for a word longer than that); the other columns go,
    in order, into as few blocks as hold them at their `least` widths, and each block's widths
    are then fitted to the room left by the key. A column too wide for any block has one alone;
    when all the columns would make one block anyway, they stay one table (a word cut short).
    """
    count = len(natural)
    gaps = GAP * max(count - 1, 0)
    whole = [(list(range(count)), widths_that_fit(natural, least, wraps, width - gaps))]
    if count <= 1 or sum(least) + gaps <= width:
        return whole
    if wraps[0]:
        key = min(natural[0], max(least[0], width // 3))
        if key > width // 2:
            key = max(width // 2, MIN_CUT)
    else:
        key = max(natural[0], least[0]) if natural[0] + GAP <= width // 2 else least[0]
    room = width - key - GAP  # for the other columns of a block and the gaps between them
    blocks: list[list[int]] = []
    used = 0
    for index in range(1, count):
        if blocks and used + GAP + least[index] <= room:
            blocks[-1].append(index)
            used += GAP + least[index]
        else:
            blocks.append([index])
            used = least[index]
    if len(blocks) == 1:  # only the key's longest word is too wide: one table, that word cut
        return whole
    planned = []
    for block in blocks:
        widths = widths_that_fit(
            [natural[i] for i in block],
            [least[i] for i in block],
            [wraps[i] for i in block],
            room - GAP * (len(block) - 1),
        )
        planned.append(([0, *block], [key, *widths]))
    return planned


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
    blocks = blocks_that_fit(natural, least, [not n for n in numeric], console.width)
    # Never narrower than a block: rich would squeeze its columns, numbers too.
    console.width = max(
        console.width, *(sum(widths) + GAP * (len(widths) - 1) for _, widths in blocks)
    )

    total = len(shown) + hidden
    plural = noun if total == 1 else noun + "s"
    if hidden:
        footer = f"{len(shown):,} of {total:,} {plural} shown; use -f csv or -o FILE for all"
    else:
        footer = f"{total:,} {plural}"

    # Drawn into a string (at most max_rows rows), so that off a terminal the padding rich leaves
    # at the ends of lines can go: plain text that diffs and pastes cleanly.
    for number, (columns, widths) in enumerate(blocks if variables else []):
        if len(blocks) > 1:
            if number:
                console.print()
            first, last = columns[1 if number else 0] + 1, columns[-1] + 1
            span = f"{first}-{last}" if last > first else f"{first}"
            console.print(Text(f"columns {span} of {len(variables)}", style="dim"))
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
        for index, width in zip(columns, widths, strict=True):
            table.add_column(
                Text("\n".join(wrap(variables[index], width))),
                justify="right" if numeric[index] else "left",
                width=width,
                no_wrap=True,
                overflow="ellipsis",
            )
        for cell_texts in cells:
            drawn_cells = []
            for index, width in zip(columns, widths, strict=True):
                text, suffix = cell_texts[index]
                cell = Text("\n".join(wrap(text + suffix, width)))
                if suffix and cell.plain.endswith(suffix):
                    cell.stylize("dim", len(cell.plain) - len(suffix))
                drawn_cells.append(cell)
            table.add_row(*drawn_cells)
        console.print(table)
    console.print(Text(footer, style="dim"), soft_wrap=True)
    text = drawn.getvalue()
    if not is_tty:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    out.write(text.encode())
