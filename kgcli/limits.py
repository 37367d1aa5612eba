"""Limits on deep and huge input: refused with one line, before the engine can crash on it.

pyoxigraph parses SPARQL, JSON-LD and SPARQL JSON results, and evaluates queries, by recursion
on the native stack. Too deep a structure overflows the stack and the process dies (SIGSEGV), with
no message and nothing to catch. Measured with pyoxigraph 0.5 on Linux's 8 MiB main stack, it
dies at about 850 nested `FILTER EXISTS {`, 940 nested function calls, 2,200 nested `{`, 2,500
chained BINDs or MINUSes, 3,200 nested JSON-LD objects, 4,400 nested triple terms in SPARQL JSON
results, 6,300 chained UNIONs and 6,600 chained `+`. Within the limits below, the deepest query
of each of those kinds runs on a 2 MiB stack, a quarter of the default (threads and other
platforms may have less); and they stay far above what a person or a query builder writes.

How a query's nesting is counted (`kgcli.engine.sparql.tokenize`): each open bracket (`{`, `(`, `[`,
`<<`) is a level; an operation chained inside a bracket is a fraction of one, as it too makes the
engine's tree deeper: 3/8 for OPTIONAL, MINUS and BIND, 1/8 for UNION, FILTER, GRAPH, SERVICE and
the operators `|| && + - * / | ! ^`.
"""

from __future__ import annotations

import itertools
import re
from typing import BinaryIO

from kgcli.errors import InputError, UsageError

#: Brackets (`{`, `(`, `[`) a query may nest, or arrays and objects a JSON document may nest.
MAX_NESTING = 128
#: Characters a query may have (1 MiB of ASCII; `kg serve --max-body` caps a request's bytes).
MAX_QUERY_SIZE = 1 << 20
#: The longest wait, in seconds (31 years): the system calls that wait overflow on `1e308`.
MAX_SECONDS = 1e9


def seconds_problem(value: float) -> str | None:
    """Why `value` is no time limit (infinite, not a number, zero or less, too long); else None."""
    if 0 < value <= MAX_SECONDS:  # false for nan
        return None
    return f"{value:g} is not a number of seconds above zero and at most {MAX_SECONDS:,.0f}"


def check_seconds(value: float, what: str) -> float:
    """`value` if it is a usable time limit, else a UsageError naming `what` (`--timeout`)."""
    problem = seconds_problem(value)
    if problem is not None:
        raise UsageError(f"{what}: {problem}")
    return value


# A complete JSON string (escapes and all), which may hold any bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes after the first of a UTF-8 character
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_CHUNK = 1 << 20


def _characters(data: bytes) -> int:
    """Characters in UTF-8 `data`: its bytes but the continuation bytes."""
    return len(data.translate(None, _CONTINUATION))


def _first_too_deep(text: bytes, depth: int, limit: int) -> int:
    """Offset in `text` of the first bracket past `limit`, reading from `depth` (slow: errors)."""
    quoted = escaped = False
    for index, byte in enumerate(text):
        if quoted:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                quoted = False
        elif byte == 0x22:
            quoted = True
        elif byte in _STEP:
            depth += _STEP[byte]
            if depth > limit:
                return index
    raise AssertionError("no bracket past the limit")  # pragma: no cover


def json_too_deep(data: bytes | BinaryIO, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """Where the JSON in `data` (bytes, or a binary file read to its end) first nests deeper than
    `limit` arrays and objects: (line, column), 1-based; None if it never does.

    Only brackets outside strings count. The text need not be valid JSON: the parser will say
    what else is wrong with it. Large files are read in chunks, strings skipped at C speed.
    """
    chunks = iter((data,)) if isinstance(data, bytes) else iter(lambda: data.read(_CHUNK), b"")
    depth, line, column = 0, 1, 1
    carry = b""
    for chunk in itertools.chain(chunks, [b""]):
        text = carry + chunk
        # Strings are dropped whole. A quote left over opens a string still open at the chunk's
        # end (inside a string every quote is escaped, so nothing after it was dropped): it is
        # carried over to the next chunk.
        cleaned = _JSON_STRING.sub(b"", text)
        open_at = cleaned.find(b'"')
        if open_at >= 0:  # at the end of the data, a string never closed: the parser says so
            cleaned, carry = cleaned[:open_at], cleaned[open_at:] if chunk else b""
        else:
            carry = b""
        done = text[: len(text) - len(carry)]
        brackets = cleaned.translate(None, _NOT_BRACKETS)
        if brackets:
            running = itertools.accumulate(map(_STEP.__getitem__, brackets), initial=depth)
            if max(running) > limit:
                index = _first_too_deep(done, depth, limit)
                before = done[:index]
                newlines = before.count(b"\n")
                if newlines:
                    line += newlines
                    column = 1 + _characters(before[before.rfind(b"\n") + 1 :])
                else:
                    column += _characters(before)
                return line, column
            opened = brackets.count(b"[") + brackets.count(b"{")
            depth += 2 * opened - len(brackets)
        newlines = done.count(b"\n")
        if newlines:
            line += newlines
            column = 1 + _characters(done[done.rfind(b"\n") + 1 :])
        else:
            column += _characters(done)
        if not chunk:
            break
    return None


def check_json_nesting(data: bytes | BinaryIO, source: str) -> None:
    """Refuse JSON nested deeper than MAX_NESTING: InputError `SOURCE:LINE:COLUMN: ...`.

    A file is read to its end: seek back before parsing it.
    """
    found = json_too_deep(data)
    if found is not None:
        raise InputError(
            f"{source}:{found[0]}:{found[1]}: JSON nested more than {MAX_NESTING} levels deep; "
            "kg refuses deeper documents (the engine's parser would run out of stack)"
        )
