"""Text from files, stdin and the command line: UTF-8, or one line naming where it is not.

Python reads undecodable bytes of `argv` (and of stdin in a C locale) as lone surrogates
(`surrogateescape`), which fail only later, when the text is encoded for the engine, with a
traceback. Checking where the text comes in names the source, line and column instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kgcli.errors import InputError

_BOM = b"\xef\xbb\xbf"


def _where(text: str, index: int) -> tuple[int, int]:
    """The (line, column) of `text[index]`, 1-based; lines end at '\\n', columns are characters."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def read_file(path: str | os.PathLike[str], what: str) -> bytes:
    """The bytes of the file `path`, a `what` (`query file`): each way it can be unusable is an
    InputError naming it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a {what}")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {str(path)!r} does not exist") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the {what} (permission denied)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the {what} ({err.strerror or err})") from None


def decode(
    data: bytes,
    source: str,
    *,
    bom: bool = True,
    hint: str = "; save it as UTF-8",
    context: Callable[[str], str] | None = None,
) -> str:
    """`data` as UTF-8 text (a leading byte order mark dropped if `bom`).

    Raises InputError `SOURCE:LINE:COLUMN: not UTF-8 (byte 0xff)`, at the first bad byte;
    `context`, given the text before that byte, names what it is in (a TOML file's key).
    """
    if bom and data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        good = data[: err.start].decode("utf-8")
        line, column = _where(good, len(good))
        bad = data[err.start : err.start + 1].hex()
        what = f" {context(good)}:" if context else ""
        raise InputError(
            f"{source}:{line}:{column}:{what} not UTF-8 (byte 0x{bad}){hint}"
        ) from None


def cut(text: str, width: int) -> str:
    """`text` cut to `width` characters, the last an ellipsis when anything was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def one_line(text: str, width: int) -> str:
    """`text` on one line (its white space runs as single spaces), cut to `width` characters."""
    return cut(" ".join(text.split()), width)


def check(text: str, source: str) -> str:
    """`text` if it is valid Unicode (no lone surrogate), else InputError naming where.

    A surrogate that `surrogateescape` made from a byte is reported as that byte.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        line, column = _where(text, err.start)
        code = ord(text[err.start])
        if 0xDC80 <= code <= 0xDCFF:  # a byte Python could not decode, kept by surrogateescape
            what = f"not UTF-8 (byte 0x{code - 0xDC00:02x})"
        else:
            what = f"not valid Unicode (lone surrogate U+{code:04X})"
        raise InputError(f"{source}:{line}:{column}: {what}") from None
    return text
