"""TOML files (the config, network profiles): text that is not UTF-8 or nests without end named.

`tomllib` reads bytes that are not UTF-8 with a bare UnicodeDecodeError, and arrays or inline
tables nested some hundreds deep with a RecursionError: both would be tracebacks. Here they are
one line naming the file, the line and, for nesting, the key.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from kgcli.errors import InputError
from kgcli.text import decode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError

# What can hide a bracket on a line: a string (basic or literal) or a comment.
_SKIPPED = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|#.*')
_KEY = re.compile(r"\s*([^=\[{]*?)\s*=")
_TABLE = re.compile(r"\s*(\[\[?[^\]]+\]\]?)\s*(?:#.*)?$")


def parse(data: bytes, source: str, *, bom: bool = False) -> dict[str, Any]:
    """The TOML document in `data`; `source` names it in errors.

    Raises InputError for text that is not UTF-8 (`SOURCE:LINE:COLUMN`) or nested too deep for
    the parser (`SOURCE:LINE: KEY: ...`); a TOML syntax error is left to the caller, as
    TOMLDecodeError, which words it its own way.
    """
    return loads(
        decode(data, source, bom=bom, hint="; save the file as UTF-8", context=key_at), source
    )


def loads(text: str, source: str) -> dict[str, Any]:
    """The TOML document in `text`, as `parse` reads it."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        line, key = _deepest(text)
        raise InputError(
            f"{source}:{line}: {key}: arrays or inline tables nested too deeply to read"
        ) from None


def key_at(text: str) -> str:
    """The key whose value the end of `text` is in, with its table: `[endpoints.lab] url`."""
    depth, key, table = 0, "", ""
    lines = text.split("\n")
    for line in lines:
        if depth == 0 and (header := _TABLE.match(line)):
            table, key = header.group(1), ""
        elif depth == 0 and (match := _KEY.match(line)):
            key = match.group(1).strip()
        for char in _SKIPPED.sub("", line):
            depth += 1 if char in "[{" else -1 if char in "]}" else 0
        depth = max(depth, 0)
    if lines[-1].lstrip().startswith("[") and depth > 0 and not key:
        return "a table's name"
    return " ".join(p for p in (table, key) if p) or "the top of the file"


def _deepest(text: str) -> tuple[int, str]:
    """The key whose value nests deepest, and the line it is on."""
    depth, best, found = 0, -1, (1, "?")
    key, key_line = "?", 1
    for number, line in enumerate(text.split("\n"), 1):
        if depth == 0 and (match := _KEY.match(line)):
            key, key_line = match.group(1).strip() or "?", number
        code = _SKIPPED.sub("", line)
        for char in code:
            if char in "[{":
                depth += 1
                if depth > best:
                    best, found = depth, (key_line, key)
            elif char in "]}":
                depth = max(0, depth - 1)
    return found
