"""The characters XML 1.0 can carry, and the one escaping every XML writer of `kg` uses.

XML 1.0 forbids U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE and U+FFFF anywhere in a
document, even as character references (`&#0;` and `&#1;` are as ill-formed as the raw bytes),
and UTF-8 cannot encode a lone surrogate (U+D800-U+DFFF). `kg` never changes data to fit a format,
so every XML writer (SPARQL XML results, RDF/XML, GEXF, GraphML) refuses a text holding one with
`XmlCharError`: exit 2, as bad input, since the data is at fault; each writer names the term or
node in its message. CSV, TSV and JSON results, Turtle, N-Triples and JSON-LD graphs, and the
Gephi CSV and graphology exports keep every such character.

Everything else is escaped so that a conforming parser reads back exactly the text written:
`& < > " '` as entities; CR as `&#13;` (a raw CR is read as LF); in attribute values tab and LF as
references too (a parser turns them into spaces); at either end of element content, whitespace as
references (some readers trim it). Cheap: one regular expression search finds whether a text needs
any work, and most IRIs and labels do not.
"""

from __future__ import annotations

import re

from kgcli.errors import Unwritable
from kgcli.text import cut

#: One character XML 1.0 cannot carry (a lone surrogate included: UTF-8 cannot encode it).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_SPACE = "\t\n\r "
_BAD = FORBIDDEN.pattern[1:-1]  # the class's contents, to build the searches below
_TEXT_WORK = re.compile(f"[<>&'\"\r{_BAD}]|^[{_SPACE}]|[{_SPACE}]\\Z")
_ATTR_WORK = re.compile(f"[<>&'\"\t\n\r{_BAD}]")
_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;", "\r": "&#13;"}
_TEXT_ESCAPES = str.maketrans(_ESCAPES)
_ATTR_ESCAPES = str.maketrans({**_ESCAPES, "\t": "&#9;", "\n": "&#10;"})
_BOUNDARY = {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;", " ": "&#32;"}

# XML 1.0 (fifth edition) name characters, without the colon namespaces reserve: a name's first
# character, and the others it may have besides. Turtle's and SPARQL's PN_CHARS_BASE is the first
# class without "_".
NAME_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
NAME_MORE = "\\-.0-9\xb7\u0300-\u036f\u203f\u2040"
#: An XML name without a colon (Namespaces in XML's NCName).
NCNAME = re.compile(f"[{NAME_START}][{NAME_START}{NAME_MORE}]*")
# The fifth edition widened the name characters, but expat (behind Python's ElementTree and
# rdflib) still takes the first edition's list, Unicode 2.0's letters: a name meant for every
# parser keeps to ASCII and these whole blocks of that list (Latin, Greek, Cyrillic, Vietnamese,
# kana, bopomofo, Hangul, CJK ideographs), which cover most names in use.
PORTABLE_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e"
    "\u0180-\u01c3\u01cd-\u01f0\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03ce"
    "\u0401-\u040c\u040e-\u044f\u0451-\u045c\u045e-\u0481\u1e00-\u1e9b\u1ea0-\u1ef9"
    "\u3007\u3021-\u3029\u3041-\u3094\u30a1-\u30fa\u3105-\u312c\u4e00-\u9fa5\uac00-\ud7a3"
)
PORTABLE_MORE = "\\-.0-9\xb7\u0300-\u0345\u0387\u3005\u3031-\u3035\u309d\u309e\u30fc-\u30fe"
#: An NCName every XML parser accepts, whichever edition of XML 1.0 it follows.
PORTABLE_NCNAME = re.compile(f"[{PORTABLE_START}][{PORTABLE_START}{PORTABLE_MORE}]*")

#: Shown of a long value in a message: its start, then an ellipsis.
SHOWN = 80


def shown(text: str, limit: int = SHOWN) -> str:
    """`text` cut to `limit` characters for a one-line message."""
    return cut(text, limit)


class XmlCharError(Unwritable):
    """A text holds a character XML 1.0 cannot carry; `value[index]` is the first one."""

    def __init__(self, value: str, index: int, message: str | None = None) -> None:
        self.value = value
        self.index = index
        super().__init__(message or f"the text {shown(repr(value))} {self.why()}")

    def why(self) -> str:
        """Which character, where, and why it cannot be written."""
        return (
            f"holds U+{ord(self.value[self.index]):04X} (character {self.index + 1}), which "
            "XML 1.0 cannot carry, not even as a character reference"
        )

    def naming(self, what: str, fmt: str, keep: str, *, whole: bool = True) -> XmlCharError:
        """The same error, its message naming `what` could not be written as `fmt`.

        `whole`: `what` shows the value itself (a term); else the value is quoted after it.
        `keep` names the formats that keep the character.
        """
        text = "" if whole else f" (the text {shown(repr(self.value))})"
        message = f"cannot write {what}{text} as {fmt}: it {self.why()}; {keep} keep it"
        return XmlCharError(self.value, self.index, message)


def check(value: str) -> None:
    """Raise XmlCharError if `value` holds a character XML 1.0 cannot carry."""
    found = FORBIDDEN.search(value)
    if found is not None:
        raise XmlCharError(value, found.start())


def text(value: str) -> str:
    """`value` as element content; raises XmlCharError if XML cannot carry it."""
    if _TEXT_WORK.search(value) is None:
        return value
    check(value)
    start = len(value) - len(value.lstrip(_SPACE))
    end = max(start, len(value.rstrip(_SPACE)))
    return (
        "".join(_BOUNDARY[c] for c in value[:start])
        + value[start:end].translate(_TEXT_ESCAPES)
        + "".join(_BOUNDARY[c] for c in value[end:])
    )


def attr(value: str) -> str:
    """`value` ready to sit between double quotes; raises XmlCharError if XML cannot carry it."""
    if _ATTR_WORK.search(value) is None:
        return value
    check(value)
    return value.translate(_ATTR_ESCAPES)
