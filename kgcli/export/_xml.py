"""Escaping for the XML formats, and a buffered writer that keeps memory flat.

Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF;
lone surrogates) are replaced with U+FFFD, the replacement character: a parser would reject the
whole file otherwise. Tab, LF and CR inside attribute values are written as character references,
because a parser normalises them to spaces when they appear literally. Two node ids that differ
only in such characters would become one node: that is refused (`node_id`), never merged.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from kgcli.errors import InputError

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# One search finds whether a string needs any work: most labels and IRIs do not.
_ATTR_WORK = re.compile('[&<>"\x00-\x1f\ud800-\udfff\ufffe\uffff]')
_TEXT_WORK = re.compile("[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")

_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def xml_clean(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def attr(text: str) -> str:
    """`text` ready to sit between double quotes in an attribute value."""
    if _ATTR_WORK.search(text) is None:
        return text
    return _ILLEGAL.sub("\ufffd", text).translate(_ATTR_ESCAPES)


def text(value: str) -> str:
    """`value` ready to be element content."""
    if _TEXT_WORK.search(value) is None:
        return value
    return _ILLEGAL.sub("\ufffd", value).translate(_TEXT_ESCAPES)


def node_id(node: object, replaced: dict[str, object]) -> str:
    """`node`'s id as an attribute value; `replaced` remembers the ids that lost characters.

    Raises InputError when another node already got the same id: XML would make them one.
    """
    escaped = attr(str(node))
    if "\ufffd" in escaped:  # the only ids that can collide: cheap to test, rare to hold
        other = replaced.setdefault(escaped, node)
        if other != node:
            raise InputError(
                f"nodes {str(other)!r} and {str(node)!r} differ only in characters XML cannot "
                f"carry: both would be written as {escaped!r}; rename one, or export to CSV or "
                "JSON, which keep them"
            )
    return escaped


class Buffer:
    """Collect small strings and write them to a binary stream in large UTF-8 batches."""

    def __init__(self, out: BinaryIO, batch: int = 4096) -> None:
        self._out = out
        self._parts: list[str] = []
        self._batch = batch
        self.append = self._parts.append

    def tick(self) -> None:
        """Write out the batch if it is full; call once per node or edge."""
        if len(self._parts) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._out.write("".join(self._parts).encode("utf-8"))
            self._parts.clear()
