"""Named SPARQL endpoints from a TOML file, and the credentials that go with them.

`kg --endpoint NAME` reads `$KG_CONFIG`, else `$XDG_CONFIG_HOME/kgcli/config.toml` (by default
`~/.config/kgcli/config.toml`)::

    [endpoints.lab]
    url = "https://sparql.example.org/sparql"
    auth = "digest"              # or "basic" (the default when there are credentials)
    user_env = "LAB_USER"        # names of environment variables holding the credentials
    password_env = "LAB_PASSWORD"
    server = "virtuoso"          # optional: oxigraph, fuseki, virtuoso (timeout units, push URLs)
    graph_store = "https://sparql.example.org/sparql-graph-crud-auth"  # optional, for kg push
    update = "https://sparql.example.org/sparql-auth"                   # optional, for kg push
    timeout = 120                # optional: seconds to wait for an answer

`user` and `password` may be written in the file itself, which is less safe (the file gets copied,
backed up, shared). Without a config entry credentials come from `KG_ENDPOINT_USER` and
`KG_ENDPOINT_PASSWORD` (and `KG_ENDPOINT_AUTH=digest` for digest authentication), which keep
them out of shell history and `ps`.

A URL's `user:password@` (percent-encoded) is credentials too: taken out of the URL, which is
what every message shows, and sent as the `auth` says. It wins over `KG_ENDPOINT_USER` and
`KG_ENDPOINT_PASSWORD`; `user@` alone takes its password from `KG_ENDPOINT_PASSWORD`. In a config
entry it must agree with the entry's `user` and `password` keys, and the `url`, `graph_store` and
`update` of one entry carry one set of credentials.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kgcli.errors import InputError
from kgcli.redact import Secrets, loose_url, split_userinfo

USER_ENV = "KG_ENDPOINT_USER"
PASSWORD_ENV = "KG_ENDPOINT_PASSWORD"
AUTH_ENV = "KG_ENDPOINT_AUTH"
CONFIG_ENV = "KG_CONFIG"

AUTH_KINDS = ("basic", "digest")
SERVERS = ("oxigraph", "fuseki", "virtuoso", "other")
_KEYS = {
    "url",
    "auth",
    "user",
    "password",
    "user_env",
    "password_env",
    "server",
    "graph_store",
    "update",
    "timeout",
}
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_DEFAULT_FROM = f"{USER_ENV} / {PASSWORD_ENV}"
#: A URL's scheme and authority (group 1: the scheme and its `://`).
_AUTHORITY = re.compile(r"(?i)([a-z][a-z0-9+.-]*://)[^/?#]*")


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL server to talk to: its query URL, credentials and what is known of it."""

    url: str
    name: str | None = None
    auth: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    #: Where the credentials come from, for the message on a 401/403.
    credentials_from: str = _DEFAULT_FROM
    server: str | None = None
    graph_store: str | None = None
    update: str | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        # No URL of an endpoint keeps a user:password@ part: messages show these URLs, and
        # urllib would take the part for the host name. It becomes the credentials instead.
        user, password = self.user, self.password
        for key in ("url", "graph_store", "update"):
            value = getattr(self, key)
            if value is None or "@" not in value:
                continue
            try:
                clean, url_user, url_password = split_userinfo(value)
            except ValueError as err:
                raise InputError(f"{loose_url(value)}: {err}") from None
            if url_user is None:
                continue
            object.__setattr__(self, key, clean)
            user = _agree(user, url_user, f"the {key} {clean}", "user")
            password = _agree(password, url_password, f"the {key} {clean}", "password")
        if (user, password) == (self.user, self.password):
            return
        if password is None:
            raise InputError(f"{self.url}: the URL names a user but no password")
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "password", password)
        object.__setattr__(self, "auth", self.auth or "basic")
        if self.credentials_from == _DEFAULT_FROM:
            object.__setattr__(self, "credentials_from", "the URL's user:password")

    @functools.cached_property
    def secrets(self) -> Secrets:
        """The forms of this endpoint's password a server could echo, to mask in its text."""
        return Secrets.of(self.user, self.password)


def _agree(have: str | None, given: str | None, where: str, what: str) -> str | None:
    """One credential given twice: the same value, or an InputError that shows neither."""
    if given is None:
        return have
    if have is None or have == given:
        return given
    raise InputError(
        f"{where}: the {what} in its user:password@ differs from the one given elsewhere; "
        "give it once"
    )


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file to read: `$KG_CONFIG`, else the XDG config folder's kgcli/config.toml."""
    env = os.environ if env is None else env
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kgcli" / "config.toml"


def load_config(path: Path) -> dict[str, Any]:
    """Parse and check the config file; a missing file is an empty config.

    Every endpoint's values are checked here, when the file is read, so that a wrong one is
    named with the file and key rather than failing later (an infinite timeout would overflow
    the socket's).
    """
    from kgcli import tomlfile

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected the kgcli config file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the config file (permission denied)") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the config file ({err.strerror or err})") from None
    try:
        doc = tomlfile.parse(data, str(path))
    except tomlfile.TOMLDecodeError as err:
        raise InputError(f"{path}: {err}") from None
    _check_entries(doc, path)
    return doc


def _check_entries(doc: dict[str, Any], path: Path) -> None:
    """Refuse a value of the wrong type at any key of any endpoint, naming the file and key."""
    from kgcli.limits import MAX_SECONDS, seconds_problem

    endpoints = doc.get("endpoints", {})
    if not isinstance(endpoints, dict):
        raise InputError(f"{path}: 'endpoints' must be a table ([endpoints.NAME])")
    for name, entry in endpoints.items():
        shown = name if _NAME.fullmatch(name) else repr(name)
        where = f"{path}: [endpoints.{shown}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be a table")
        for key, value in entry.items():
            if key == "timeout":
                number = not isinstance(value, bool) and isinstance(value, int | float)
                if not number or seconds_problem(value) is not None:
                    raise InputError(
                        f"{where}: timeout must be a number of seconds above zero and at most "
                        f"{MAX_SECONDS:,.0f}, not {value!r}"
                    )
            elif key in _KEYS and not isinstance(value, str):
                raise InputError(f"{where}: {key} must be a string, not {value!r}")


def check_url(url: str, what: str = "--endpoint") -> str:
    """An http(s) URL with a host, or an InputError naming the option (and never showing the
    credentials the URL may carry)."""
    parse_url(url, what)
    return url


def parse_url(url: str, what: str = "--endpoint") -> tuple[str, str | None, str | None]:
    """A checked http(s) URL split into the URL without its `user:password@` part, the user and
    the password (percent-decoded; None when absent)."""
    from urllib.parse import urlparse

    authority = _AUTHORITY.match(url)
    start = authority.end(1) if authority else 0
    at = url.rfind("@")
    # An @ beyond the host, with a colon before it: most likely a password holding / ? or #,
    # which urllib would read as a host and port, a path or a fragment, and show.
    beyond = at >= 0 and (authority is None or at >= authority.end())
    if beyond and ":" in url[start:at]:
        raise InputError(
            f"{what} {loose_url(url)!r} is not an http(s) URL: in its user:password@, "
            "percent-encode / ? # (%2F %3F %23), and an @ after the host (%40)"
        )
    try:
        clean, user, password = split_userinfo(url)
    except ValueError as err:
        raise InputError(f"{what} {loose_url(url)!r} is not an http(s) URL ({err})") from None
    # Checked without the credentials, so that urllib's words cannot quote them.
    try:
        parsed = urlparse(clean)
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as err:
        raise InputError(f"{what} {clean!r} is not an http(s) URL ({err})") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(f"{what} {clean!r} is not an http(s) URL")
    bad = next((c for c in clean if not "!" <= c <= "~"), None)
    if bad is not None:  # HTTP sends URLs in ASCII, without spaces or control characters
        raise InputError(
            f"{what} {clean!r} is not an http(s) URL: {bad!r} must be percent-encoded "
            "(a host in other scripts written in punycode, xn--...)"
        )
    return clean, user, password


def with_url_credentials(endpoint: Endpoint, url: str, what: str) -> tuple[Endpoint, str]:
    """Another URL of the same server (`--graph-store`, `--update-endpoint`): checked, without
    its credentials, which join the endpoint's (one set of credentials per server)."""
    clean, user, password = parse_url(url, what)
    if user is None:
        return endpoint, clean
    where = f"{what} {clean}"
    user = _agree(endpoint.user, user, where, "user")
    password = _agree(endpoint.password, password, where, "password")
    if password is None:
        raise InputError(f"{where}: the URL names a user but no password")
    if (user, password) == (endpoint.user, endpoint.password):
        return endpoint, clean
    joined = replace(
        endpoint,
        user=user,
        password=password,
        auth=endpoint.auth or "basic",
        credentials_from=f"the {what} URL's user:password",
    )
    return joined, clean


def resolve_endpoint(
    value: str, *, env: Mapping[str, str] | None = None, path: Path | None = None
) -> Endpoint:
    """An `--endpoint` value (a URL, or a name from the config file) as an Endpoint."""
    env = os.environ if env is None else env
    if "://" in value or not _NAME.fullmatch(value):
        return _from_url(value, env)
    path = path or config_path(env)
    endpoints = load_config(path).get("endpoints", {})
    if not isinstance(endpoints, dict):
        raise InputError(f"{path}: 'endpoints' must be a table ([endpoints.NAME])")
    if value not in endpoints:
        known = ", ".join(sorted(endpoints)) or "none"
        raise InputError(
            f"--endpoint {value!r} is not an http(s) URL nor an endpoint named in {path} "
            f"(named there: {known})"
        )
    entry = endpoints[value]
    if not isinstance(entry, dict):
        raise InputError(f"{path}: [endpoints.{value}] must be a table")
    return _from_entry(value, entry, path, env)


def _from_url(value: str, env: Mapping[str, str]) -> Endpoint:
    """An endpoint URL: its own `user:password@` wins over the environment's credentials."""
    url, user, password = parse_url(value)
    if user is None:
        return _from_env(url, env)
    source = "the endpoint URL's user:password"
    if password is None:
        password = env.get(PASSWORD_ENV) or None
        if password is None:
            raise InputError(
                f"--endpoint {url}: the URL names the user {user!r} but no password: set "
                f"{PASSWORD_ENV} (or write user:password@ in the URL, percent-encoded)"
            )
        source = f"the endpoint URL's user / {PASSWORD_ENV}"
    return Endpoint(
        url, auth=_env_auth(env) or "basic", user=user, password=password, credentials_from=source
    )


def _env_auth(env: Mapping[str, str]) -> str | None:
    auth = (env.get(AUTH_ENV) or "").lower() or None
    if auth is not None and auth not in AUTH_KINDS:
        raise InputError(f"{AUTH_ENV}={auth!r}: expected one of {', '.join(AUTH_KINDS)}")
    return auth


def _from_env(url: str, env: Mapping[str, str]) -> Endpoint:
    user, password = env.get(USER_ENV) or None, env.get(PASSWORD_ENV) or None
    auth = _env_auth(env)
    if (user is None) != (password is None):
        missing = PASSWORD_ENV if password is None else USER_ENV
        raise InputError(f"{missing} is not set (set both {USER_ENV} and {PASSWORD_ENV})")
    return Endpoint(url, auth=(auth or "basic") if user else None, user=user, password=password)


def _from_entry(name: str, entry: dict[str, Any], path: Path, env: Mapping[str, str]) -> Endpoint:
    where = f"{path}: [endpoints.{name}]"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        # A typo such as `pasword_env` must not silently drop the credentials.
        raise InputError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(sorted(_KEYS))})")
    for key in _KEYS - {"timeout"}:
        if key in entry and not isinstance(entry[key], str):
            raise InputError(f"{where}: {key} must be a string")
    if "url" not in entry:
        raise InputError(f"{where}: no url")
    # The entry's URLs without their user:password@, which must agree with one another.
    urls: dict[str, str] = {}
    url_user = url_password = None
    for key in ("url", "graph_store", "update"):
        if key in entry:
            urls[key], given_user, given_password = parse_url(entry[key], f"{where} {key}")
            url_user = _agree(url_user, given_user, f"{where} {key}", "user")
            url_password = _agree(url_password, given_password, f"{where} {key}", "password")
    url = urls["url"]
    auth = entry.get("auth")
    if auth is not None and auth not in AUTH_KINDS:
        raise InputError(f"{where}: auth must be one of {', '.join(AUTH_KINDS)}, not {auth!r}")
    server = entry.get("server")
    if server is not None and server not in SERVERS:
        raise InputError(f"{where}: server must be one of {', '.join(SERVERS)}, not {server!r}")
    timeout = entry.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        raise InputError(f"{where}: timeout must be a number of seconds above zero")

    user, password, sources = entry.get("user"), entry.get("password"), []
    for key, var_key in (("user", "user_env"), ("password", "password_env")):
        var = entry.get(var_key)
        if var is None:
            continue
        if not env.get(var):
            raise InputError(f"{where}: {var_key} names {var}, which is not set")
        sources.append(var)
        if key == "user":
            user = env[var]
        else:
            password = env[var]
    if url_user is not None:
        user = _agree(user, url_user, f"{where} url", "user")
        password = _agree(password, url_password, f"{where} url", "password")
        sources.append(f"the user:password@ of its url in {path}")
    if user is None and password is None:
        fallback = _from_env(url, env)
        user, password, auth = fallback.user, fallback.password, auth or fallback.auth
        sources = [USER_ENV, PASSWORD_ENV]
    elif user is None or password is None:
        raise InputError(f"{where}: has a {'user' if password is None else 'password'} only")
    if ("user" in entry or "password" in entry) and url_user is None:
        sources.append(str(path))
    return Endpoint(
        url,
        name=name,
        auth=(auth or "basic") if user is not None else None,
        user=user,
        password=password,
        credentials_from=" / ".join(sources),
        server=server,
        graph_store=urls.get("graph_store"),
        update=urls.get("update"),
        timeout=float(timeout) if timeout is not None else None,
    )
