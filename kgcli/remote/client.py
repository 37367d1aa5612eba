"""HTTP to SPARQL servers: queries and updates through SPARQLWrapper, Graph Store requests raw.

SPARQLWrapper builds every SPARQL request (form-encoded POST, Accept header, credentials, extra
parameters), but its own exchange (`SPARQLWrapper._query`) cannot give what a careful client needs:
it drops the headers of an error answer (no `Retry-After`), reads a whole error body into memory,
follows redirects that turn a POST into an empty GET, and for digest authentication installs a
process-wide urllib opener bound to one realm. So `_KgWrapper` overrides `_query` only, and sends
the request SPARQLWrapper built through `Connection.exchange`, which also serves the Graph Store
Protocol requests of `kg push` (SPARQLWrapper has no GSP support). One place thus owns
authentication, the User-Agent, timeouts, retries and the one-line error for each failure.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kgcli.errors import InputError, KgError, QueryTimeout, RemoteError
from kgcli.redact import Secrets
from kgcli.remote.config import AUTH_ENV, CONFIG_ENV, Endpoint
from kgcli.text import cut

if TYPE_CHECKING:
    from SPARQLWrapper import SPARQLWrapper

#: Used when neither --timeout nor the endpoint's config says how long to wait for an answer.
DEFAULT_TIMEOUT = 300.0
#: Of an error answer, only this much is read: enough for any message, never a 5 MB page.
ERROR_BODY_BYTES = 64 * 1024
#: A server's message in an error line is cut to this many characters.
MESSAGE_CHARS = 300
_RETRY_STATUSES = (429, 503)


def user_agent() -> str:
    from kgcli import __version__

    return f"kgcli/{__version__} (+https://w3id.org/kgcli)"


@dataclass
class RetryPolicy:
    """Bounded retries of a 429 or 503 answer, honouring its `Retry-After`."""

    retries: int = 3
    #: First wait when the server gives no Retry-After; doubles at each retry.
    backoff: float = 1.0
    #: The longest wait honoured: a server asking for more is given up on at once.
    max_wait: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


@dataclass
class Reply:
    """A successful HTTP answer, read whole."""

    url: str
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class HttpStatusError(RemoteError):
    """The server answered with an HTTP error status (kept for callers that react to it)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RejectedRequest(InputError):
    """400 Bad Request: the server read our query or data and refused it (exit 2, like a local
    syntax error)."""

    status = 400


class _Retry(Exception):
    def __init__(self, error: KgError, after: float | None) -> None:
        self.error = error
        self.after = after


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def server_message(
    body: bytes,
    content_type: str = "",
    width: int = MESSAGE_CHARS,
    secrets: Secrets | None = None,
) -> str:
    """A server's error body as one short printable line (HTML reduced to its text), with the
    credentials it may echo masked (`secrets`: the endpoint's; Authorization headers always)."""
    mask = (secrets or Secrets()).redact
    # Masked before and after the clean-up, which may join a password's spaces or unescape it,
    # and before the cut, which could leave a part of one.
    text = mask(body.decode("utf-8", "replace"))
    if "html" in content_type or text.lstrip()[:1] == "<":
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
        text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
    # Untrusted text goes to a terminal: no escape sequences, no control characters.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return cut(mask(" ".join(text.split())), width)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib turns a redirected POST into a GET without the query, and would
    send the credentials to wherever the server points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Connection:
    """Talks HTTP to one server: authentication, User-Agent, deadlines, retries, error lines."""

    def __init__(self, endpoint: Endpoint, *, retry: RetryPolicy | None = None) -> None:
        self.endpoint = endpoint
        self.retry = retry or RetryPolicy()

    # -- SPARQL through SPARQLWrapper ------------------------------------------------------

    def sparql(
        self,
        text: str,
        form: str,
        *,
        timeout: float | None = None,
        update_url: str | None = None,
    ) -> Reply:
        """Send a query (form SELECT, ASK, CONSTRUCT, DESCRIBE) or an update (form UPDATE)."""
        from SPARQLWrapper import BASIC, DIGEST, JSON, POST, TURTLE, URLENCODED

        client: Any = _wrapper_class()(
            self.endpoint.url, updateEndpoint=update_url, agent=user_agent()
        )
        client.connection = self
        client.wait = timeout
        # Content negotiation only: SPARQLWrapper otherwise adds format=/output=/results=
        # parameters that some servers answer with something else than the Accept header asks.
        client.setOnlyConneg(True)
        with warnings.catch_warnings():  # it warns on queries its regular expression cannot read
            warnings.simplefilter("ignore")
            # Its type-detecting regular expressions take ~4 s on a 50,000-triple INSERT DATA:
            # an update is set through a stand-in, then given its text.
            client.setQuery("INSERT DATA {}" if form == "UPDATE" else text)
        client.queryString = text
        # Our lexer knows the form; SPARQLWrapper's regular expression only guesses it, and the
        # Accept header and the query/update choice follow from it.
        client.queryType = "INSERT" if form == "UPDATE" else form
        # Form-encoded POST: no URL length limit, and Virtuoso does not answer a POST whose body
        # is application/sparql-query.
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setReturnFormat(TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON)
        if self.endpoint.user is not None:
            client.setCredentials(self.endpoint.user, self.endpoint.password)
            client.setHTTPAuth(DIGEST if self.endpoint.auth == "digest" else BASIC)
        hint = self.timeout_hint(timeout)
        if hint is not None and form != "UPDATE":
            client.addParameter("timeout", hint)
        reply = client.query().response
        assert isinstance(reply, Reply)
        return reply

    def timeout_hint(self, timeout: float | None) -> str | None:
        """The `timeout` parameter asking the server to stop the query itself.

        Virtuoso reads it in milliseconds, Fuseki in seconds; Oxigraph ignores it (its limit is
        `oxigraph serve --timeout-s`). Unless the config names the server, it is sent in
        milliseconds: a server that reads seconds then gets a limit 1000 times too long, which is
        harmless, while seconds sent to Virtuoso would cut every query off after milliseconds.
        """
        if timeout is None or self.endpoint.server == "oxigraph":
            return None
        if self.endpoint.server == "fuseki":
            return f"{timeout:g}"
        return str(max(1, round(timeout * 1000)))

    # -- any request ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """Send one plain HTTP request (the Graph Store Protocol's PUT and POST)."""
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("User-Agent", user_agent())
        if content_type:
            request.add_header("Content-Type", content_type)
        return self.exchange(request, timeout=timeout)

    def exchange(self, request: urllib.request.Request, *, timeout: float | None) -> Reply:
        """Send a request, retrying 429/503 within bounds, and read the answer whole."""
        explicit = timeout is not None or self.endpoint.timeout is not None
        wait = timeout if timeout is not None else self.endpoint.timeout or DEFAULT_TIMEOUT
        deadline = time.monotonic() + wait
        if self.endpoint.auth == "basic" and not request.has_header("Authorization"):
            token = f"{self.endpoint.user}:{self.endpoint.password}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        policy = self.retry
        for attempt in range(policy.retries + 1):
            try:
                return self._once(request, wait, deadline, explicit, attempt + 1)
            except _Retry as retry:
                if attempt == policy.retries:
                    raise retry.error from None
                pause = retry.after if retry.after is not None else policy.backoff * 2**attempt
                if pause > policy.max_wait:
                    raise retry.error from None
                if time.monotonic() + pause >= deadline:
                    raise retry.error from None
                policy.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _opener(self) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if self.endpoint.auth == "digest" and self.endpoint.user is not None:
            # Any realm (SPARQLWrapper binds one, "SPARQL"); a fresh handler per attempt, since
            # urllib's digest handler counts failures across requests.
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            parts = urlsplit(self.endpoint.url)
            # The whole server: the Graph Store and update URLs sit beside the query URL.
            root = f"{parts.scheme}://{parts.netloc}/"
            passwords.add_password(None, root, self.endpoint.user, self.endpoint.password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
        return urllib.request.build_opener(*handlers)

    def _once(
        self,
        request: urllib.request.Request,
        wait: float,
        deadline: float,
        explicit: bool,
        attempt: int,
    ) -> Reply:
        url = request.full_url.split("?")[0]
        how_long = "(--timeout)" if explicit else "(the default; set --timeout)"
        timed_out = QueryTimeout(f"{url}: no answer within {wait:g} s {how_long}")
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise timed_out
            with self._opener().open(request, timeout=left) as response:
                body = _read(response, deadline, timed_out)
                return Reply(request.full_url, response.status, response.headers, body)
        except urllib.error.HTTPError as err:
            try:
                body = err.read(ERROR_BODY_BYTES) if err.fp is not None else b""
                # Python 3.11.2 (Debian 12's) reads urllib's own errors, such as "digest auth
                # failed", from a StringIO.
                body = body if isinstance(body, bytes) else body.encode("utf-8", "replace")
            except (OSError, ValueError):
                body = b""
            finally:
                err.close()
            error = self._status_error(url, err, body, attempt)
            if err.code in _RETRY_STATUSES:
                raise _Retry(error, retry_after(err.headers.get("Retry-After"))) from None
            raise error from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise timed_out from None
            raise RemoteError(f"{url}: {_network_reason(reason, url)}") from None
        except TimeoutError:
            raise timed_out from None
        except OSError as err:  # a reset or a closed connection while reading the answer
            raise RemoteError(f"{url}: {_network_reason(err, url)}") from None
        except UnicodeError:
            # Never the error's own text: urllib's digest handler puts the password in it.
            raise InputError(f"{url}: {self._not_ascii()}") from None

    def _not_ascii(self) -> str:
        endpoint = self.endpoint
        credentials = f"{endpoint.user or ''}{endpoint.password or ''}"
        if endpoint.auth == "digest" and not credentials.isascii():
            return (
                "digest authentication here takes a user and password in ASCII only (urllib's "
                "limit); use basic authentication, over https"
            )
        return "the URL holds characters that are not ASCII: percent-encode them"

    def _status_error(
        self, url: str, err: urllib.error.HTTPError, body: bytes, attempt: int
    ) -> KgError:
        code, reason = err.code, err.reason or ""
        if code in (401, 403):  # urllib's digest handler says "digest auth failed" instead
            from http import HTTPStatus

            reason = HTTPStatus(code).phrase
        status = f"{code} {reason}".strip()
        ctype = (err.headers.get("Content-Type") or "") if err.headers else ""
        said = server_message(body, ctype, secrets=self.endpoint.secrets)
        tail = f": {said}" if said else ""
        if code == 400:
            return RejectedRequest(f"{url}: {status}, the server says{tail or ' nothing'}")
        if code in (401, 403):
            if self.endpoint.user is None:
                hint = (
                    "the server wants credentials: set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD "
                    f"(and {AUTH_ENV}=digest if it asks for digest), or name the endpoint in "
                    f"${CONFIG_ENV}'s file"
                )
            else:
                hint = (
                    f"check the credentials ({self.endpoint.credentials_from}) and that this "
                    f"user may do this ({self.endpoint.auth} authentication)"
                )
            return HttpStatusError(f"{url}: {status}: {hint}", code)
        if code == 404:
            return HttpStatusError(f"{url}: {status} (is this URL right?)", code)
        if 300 <= code < 400:
            location = (err.headers.get("Location") or "") if err.headers else ""
            where = server_message(location.encode(), secrets=self.endpoint.secrets)
            where = where or "elsewhere"
            return HttpStatusError(
                f"{url}: {status}: redirected to {where}; use that URL instead", code
            )
        if code in _RETRY_STATUSES:
            asked = retry_after(err.headers.get("Retry-After") if err.headers else None)
            wanted = f"; the server asks to wait {asked:g} s" if asked is not None else ""
            tries = "1 attempt" if attempt == 1 else f"{attempt} attempts"
            return HttpStatusError(
                f"{url}: {status} after {tries}{wanted}; try again later{tail}", code
            )
        return HttpStatusError(f"{url}: {status}{tail}", code)


def _read(response: Any, deadline: float, timed_out: QueryTimeout) -> bytes:
    """Read an answer whole, giving up at the deadline even if the server trickles bytes."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise timed_out
        chunk = response.read(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _network_reason(reason: object, url: str) -> str:
    import http.client
    import socket
    import ssl

    host = urlsplit(url).hostname or url
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, on this host and port?)"
    if isinstance(reason, socket.gaierror):
        return f"host not found: {host} ({reason.strerror})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {getattr(reason, 'reason', None) or reason}"
    if isinstance(reason, http.client.RemoteDisconnected | ConnectionResetError):
        return "the server closed the connection without an answer"
    if isinstance(reason, http.client.HTTPException):
        return f"the server's answer is not HTTP ({type(reason).__name__})"
    if isinstance(reason, OSError) and reason.strerror:
        return f"connection failed ({reason.strerror})"
    return f"connection failed ({reason})"


@functools.cache
def _wrapper_class() -> type[SPARQLWrapper]:
    """SPARQLWrapper with its exchange replaced by `Connection.exchange` (imported lazily)."""
    from SPARQLWrapper import DIGEST, SPARQLWrapper

    class _KgWrapper(SPARQLWrapper):
        connection: Connection
        wait: float | None

        def __str__(self) -> str:
            # SPARQLWrapper's own lists every attribute, the password among them.
            return f"<{type(self).__name__} {self.endpoint}>"

        def _createRequest(self) -> urllib.request.Request:
            if self.http_auth != DIGEST:
                return super()._createRequest()
            # SPARQLWrapper would install a global digest opener here; ours is per connection.
            user, self.user = self.user, None
            try:
                return super()._createRequest()
            finally:
                self.user = user

        def _query(self) -> tuple[Any, str]:
            reply = self.connection.exchange(self._createRequest(), timeout=self.wait)
            return reply, self.returnFormat

    return _KgWrapper
