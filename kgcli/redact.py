"""Keep passwords out of every message kgcli prints.

Two seams. A URL's `user:password@` part is taken out of the URL when the endpoint is made
(`split_userinfo`), so the URLs that messages show never hold it; `KgError` passes every message
through `redact` as a last guard (a URL with credentials, an `Authorization` header). And what a
server says (an error page, a `Location`) goes through the endpoint's `Secrets`, which also know
the password in the forms a server may echo: percent-encoded, escaped, and base64 of
`user:password` as sent in `Authorization: Basic`.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

#: What a secret is replaced with.
MASK = "***"

# `scheme://user:password@host`: the authority's userinfo, up to the `@` before the host.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@]*@")
# The value of an Authorization header however a server echoes it: `Authorization: Basic x` on a
# line of its own, or quoted, as in JSON or a Python dict (`"Authorization": "Basic x"`).
# A value masked already is left alone, so that a second pass keeps the text after it.
_HEADER = re.compile(
    r"""(?i)\b((?:proxy-)?authorization\b["']?\s*[:=](?!\s*\*\*\*)\s*)"""
    r"""("[^"\r\n]*"|'[^'\r\n]*'|[^\r\n]*)"""
)
# The same with a known scheme after other punctuation (a table cell, `Authorization => Basic x`).
_SCHEME = re.compile(
    r"(?i)\b((?:proxy-)?authorization\b\W{1,5}(?:basic|bearer|digest|negotiate|token)\s+)"
    r"[^\s\"'<>,;]+"
)
_SCHEME_PREFIX = re.compile(r"(?i)^[a-z][a-z0-9+.-]*:/*")


def redact(text: str) -> str:
    """`text` without the credentials any URL in it carries, nor Authorization header values."""
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    if "uthorization" in text or "UTHORIZATION" in text:
        text = _SCHEME.sub(lambda m: f"{m.group(1)}{MASK}", text)
        text = _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return text


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """A URL without its `user:password@` part, and the user and password (percent-decoded).

    No userinfo: (url, None, None). A user without a colon: (url, user, None). The password is
    what follows the first colon and may hold more (`user:pa:ss`); the host follows the last `@`.
    Raises ValueError for a URL urllib cannot split or percent-escapes that are not UTF-8 (the
    message never holds the URL).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("not a URL") from None
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    try:
        user = unquote(user, errors="strict")
        password = unquote(password, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("its user:password@ has percent-escapes that are not UTF-8") from None
    return urlunsplit(parts._replace(netloc=hostport)), user, password if colon else None


def loose_url(value: str) -> str:
    """A URL-like string as a message may show it, even one that does not parse: everything
    between its scheme and its last `@` masked, since a password holding `/`, `?` or `#` makes
    urllib see the host, path or fragment in the wrong place."""
    at = value.rfind("@")
    if at < 0:
        return value
    head = _SCHEME_PREFIX.match(value)
    return (head.group(0) if head else "") + MASK + value[at:]


@dataclass(frozen=True)
class Secrets:
    """The forms in which one endpoint's credentials could come back in a server's text."""

    #: Not in the repr, which would show the password.
    pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, user: str | None, password: str | None) -> Secrets:
        """The secrets of a user and password: the password in clear, percent-encoded, HTML- or
        JSON-escaped, and base64 of `user:password` (and of the password alone)."""
        if not password:
            return cls()
        forms = {
            password,
            quote(password, safe=""),
            quote(password),
            quote_plus(password),
            html.escape(password),
            json.dumps(password)[1:-1],
            json.dumps(password, ensure_ascii=False)[1:-1],
        }
        for token in (f"{user or ''}:{password}", password):
            for encoding in ("utf-8", "latin-1"):
                try:
                    raw = token.encode(encoding)
                except UnicodeEncodeError:
                    continue
                for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
                    forms.add(encoded.decode("ascii"))
                    forms.add(encoded.decode("ascii").rstrip("="))
        forms.discard("")
        # Longest first, so that a form containing another is masked whole; case-insensitive,
        # since percent-escapes may come back in lower case.
        ordered = sorted(forms, key=len, reverse=True)
        return cls(re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE))

    def redact(self, text: str) -> str:
        """`text` with these secrets masked, then `redact`'s generic masking."""
        if self.pattern is not None:
            text = self.pattern.sub(MASK, text)
        return redact(text)
