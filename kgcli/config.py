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
backed up, shared). Credentials never come from the command line, where shell history and `ps`
would show them: without a config entry they come from `KG_ENDPOINT_USER` and
`KG_ENDPOINT_PASSWORD` (and `KG_ENDPOINT_AUTH=digest` for digest authentication).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgcli.errors import InputError

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


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL server to talk to: its query URL, credentials and what is known of it."""

    url: str
    name: str | None = None
    auth: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    #: Where the credentials come from, for the message on a 401/403.
    credentials_from: str = f"{USER_ENV} / {PASSWORD_ENV}"
    server: str | None = None
    graph_store: str | None = None
    update: str | None = None
    timeout: float | None = None


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
    """An http(s) URL with a host, or an InputError naming the option."""
    from urllib.parse import urlparse

    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as err:
        raise InputError(f"{what} {url!r} is not an http(s) URL ({err})") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(f"{what} {url!r} is not an http(s) URL")
    bad = next((c for c in url if not "!" <= c <= "~"), None)
    if bad is not None:  # HTTP sends URLs in ASCII, without spaces or control characters
        raise InputError(
            f"{what} {url!r} is not an http(s) URL: {bad!r} must be percent-encoded "
            "(a host in other scripts written in punycode, xn--...)"
        )
    return url


def resolve_endpoint(
    value: str, *, env: Mapping[str, str] | None = None, path: Path | None = None
) -> Endpoint:
    """An `--endpoint` value (a URL, or a name from the config file) as an Endpoint."""
    env = os.environ if env is None else env
    if "://" in value or not _NAME.fullmatch(value):
        return _from_env(check_url(value), env)
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


def _from_env(url: str, env: Mapping[str, str]) -> Endpoint:
    user, password = env.get(USER_ENV) or None, env.get(PASSWORD_ENV) or None
    auth = (env.get(AUTH_ENV) or "").lower() or None
    if auth is not None and auth not in AUTH_KINDS:
        raise InputError(f"{AUTH_ENV}={auth!r}: expected one of {', '.join(AUTH_KINDS)}")
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
    url = check_url(entry["url"], f"{where} url")
    for key in ("graph_store", "update"):
        if key in entry:
            check_url(entry[key], f"{where} {key}")
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
    if user is None and password is None:
        fallback = _from_env(url, env)
        user, password, auth = fallback.user, fallback.password, auth or fallback.auth
        sources = [USER_ENV, PASSWORD_ENV]
    elif user is None or password is None:
        raise InputError(f"{where}: has a {'user' if password is None else 'password'} only")
    if "user" in entry or "password" in entry:
        sources.append(str(path))
    return Endpoint(
        url,
        name=name,
        auth=(auth or "basic") if user else None,
        user=user,
        password=password,
        credentials_from=" / ".join(sources),
        server=server,
        graph_store=entry.get("graph_store"),
        update=entry.get("update"),
        timeout=float(timeout) if timeout is not None else None,
    )
