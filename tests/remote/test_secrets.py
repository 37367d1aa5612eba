"""Passwords never shown (#12): a URL's user:password@ is credentials, taken out of the URL, and no
message, report or --debug traceback of any command that takes -E holds the password, in clear,
percent-encoded or base64, whatever way the endpoint fails. Every server is a fake on 127.0.0.1.
"""

from __future__ import annotations

import base64
import socket
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import examples
from support.fakes import Answer, FakeServer, Handler, Seen, SparqlFake, digest_guard
from typer.testing import CliRunner

from kgcli.errors import InputError, RemoteError
from kgcli.redact import Secrets, loose_url, redact, split_userinfo
from kgcli.remote.client import server_message
from kgcli.remote.config import Endpoint, parse_url, resolve_endpoint, with_url_credentials

#: A developer's own endpoints and credentials must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_user_settings")

USER = "ana"
#: Every character that is special in a URL's userinfo, a space, and a non-ASCII letter.
PASSWORD = "pä:ss/w@rd %20#?+ end"
ASK = "ASK { ?s ?p ?o }"
TRUE = Answer(
    200, b'{"head":{},"boolean":true}', {"Content-Type": "application/sparql-results+json"}
)


def userinfo(password: str = PASSWORD, user: str = USER) -> str:
    return f"{quote(user, safe='')}:{quote(password, safe='')}@"


def basic(password: str = PASSWORD, user: str = USER) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def leaks(text: str, password: str, user: str = USER) -> list[str]:
    """The forms of the password found in `text` (case-insensitively: a media type is lowered)."""
    forms = {password, quote(password, safe=""), quote(password), quote_plus(password)}
    for token in (f"{user}:{password}", password):
        for encoded in (base64.b64encode(token.encode()), base64.urlsafe_b64encode(token.encode())):
            forms.add(encoded.decode().rstrip("="))
    low = text.lower()
    return sorted(form for form in forms if form.lower() in low)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the redactor and URL parsing, as functions -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "split"),
    [
        ("http://h:1/s?q=1#f", ("http://h:1/s?q=1#f", None, None)),
        ("http://ana:p%40ss@h:1/s?q=1#f", ("http://h:1/s?q=1#f", "ana", "p@ss")),
        ("http://ana:p@ss@h/s", ("http://h/s", "ana", "p@ss")),  # the host follows the last @
        ("http://ana:pa:ss@h/s", ("http://h/s", "ana", "pa:ss")),  # the first colon splits
        ("http://ana@h/s", ("http://h/s", "ana", None)),
        ("http://ana:@h/s", ("http://h/s", "ana", "")),
        ("https://%C3%A9:%E2%82%AC+1@h/s", ("https://h/s", "é", "€+1")),  # + is not a space
        ("http://h/s@x", ("http://h/s@x", None, None)),
    ],
)
def test_split_userinfo(url: str, split: tuple[str, str | None, str | None]) -> None:
    assert split_userinfo(url) == split


def test_split_userinfo_refuses_escapes_that_are_not_utf8() -> None:
    with pytest.raises(ValueError, match=r"^its user:password@ has percent-escapes") as caught:
        split_userinfo("http://ana:%FFx@h/")
    assert "%FF" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://h/sparql", "http://h/sparql"),
        ("http://ana:pa/ss@h/sparql", "http://***@h/sparql"),
        ("http:/ana:pw@h/sparql", "http:/***@h/sparql"),
        ("ana:pw@h", "ana:***@h"),
        ("//ana:pw@h", "***@h"),
    ],
)
def test_loose_url_masks_up_to_the_last_at(value: str, shown: str) -> None:
    assert loose_url(value) == shown


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("http://ana:pw@h/s: failed", "http://***@h/s: failed"),
        ("see https://u@h and http://h/a@b", "see https://***@h and http://h/a@b"),
        ("Authorization: Basic YW5hOnB3\nHost: h", "Authorization: ***\nHost: h"),
        ('{"authorization": "Basic YW5hOnB3", "host": "h"}', '{"authorization": ***, "host": "h"}'),
        ("{'Authorization': 'Bearer t0k3n'}", "{'Authorization': ***}"),
        ("Proxy-Authorization=Digest x", "Proxy-Authorization=***"),
        ("Authorization Basic YW5hOnB3 Host h", "Authorization Basic *** Host h"),
        # Our own words stay as they are.
        (
            "check the credentials (basic authentication)",
            "check the credentials (basic authentication)",
        ),
    ],
)
def test_redact_masks_userinfo_and_authorization_values(text: str, redacted: str) -> None:
    assert redact(text) == redacted


def test_secrets_mask_every_form_of_the_password() -> None:
    secrets = Secrets.of(USER, PASSWORD)
    b64 = basic()[6:]
    for form in (
        PASSWORD,
        quote(PASSWORD, safe=""),
        quote(PASSWORD, safe="").lower(),
        quote_plus(PASSWORD),
        b64,
        b64.rstrip("="),
        base64.urlsafe_b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
        base64.b64encode(PASSWORD.encode()).decode(),
        PASSWORD.replace("ä", "\\u00e4"),  # JSON-escaped
    ):
        assert secrets.redact(f"<{form}>") == "<***>", form
    assert Secrets.of(None, None).redact("pw") == "pw"
    assert repr(secrets) == "Secrets()"


def test_a_servers_message_is_masked_before_it_is_cut() -> None:
    b64 = basic()[6:]
    body = ("x" * 280 + f" token {b64} and {PASSWORD}").encode()
    said = server_message(body, "text/plain", secrets=Secrets.of(USER, PASSWORD))
    assert said == "x" * 280 + " token *** and ***"
    # An HTML page: masked before tags are stripped, which would break the password apart.
    page = f"<p>user {USER} pw {PASSWORD.replace('s', '<b>s</b>')}</p><p>{PASSWORD}</p>".encode()
    said = server_message(page, "text/html", secrets=Secrets.of(USER, PASSWORD))
    assert leaks(said, PASSWORD) == []
    # Without the endpoint's secrets, an echoed Authorization header is still masked.
    # ... and what follows it on other lines stays (masked once, not again to the end).
    said = server_message(b"Authorization: Basic YW5hOnB3\nthe rest")
    assert said == "Authorization: *** the rest"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "http://ana:pa/ss@h/sparql",
            "--endpoint 'http://***@h/sparql' is not an http(s) URL: in its user:password@, "
            "percent-encode / ? # (%2F %3F %23), and an @ after the host (%40)",
        ),
        (
            "http://ana:12/ss@h/sparql",  # urllib would read host ana, port 12
            "--endpoint 'http://***@h/sparql' is not an http(s) URL: in its user:password@, "
            "percent-encode / ? # (%2F %3F %23), and an @ after the host (%40)",
        ),
        (
            "http://ana:s3cret@h:x/sparql",
            "--endpoint 'http://h:x/sparql' is not an http(s) URL "
            "(Port could not be cast to integer value as 'x')",
        ),
        ("ftp://ana:s3cret@h/sparql", "--endpoint 'ftp://h/sparql' is not an http(s) URL"),
        (
            "http://ana:%FF@h/",
            "--endpoint 'http://***@h/' is not an http(s) URL "
            "(its user:password@ has percent-escapes that are not UTF-8)",
        ),
    ],
)
def test_a_bad_url_is_named_without_its_credentials(value: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_url(value)
    assert str(caught.value) == message


def test_kg_errors_never_show_a_urls_credentials() -> None:
    assert str(RemoteError("http://ana:pw@h/s: refused")) == "http://***@h/s: refused"
    assert "".join(traceback.format_exception_only(RemoteError("http://a:b@h/"))) == (
        "kgcli.errors.RemoteError: http://***@h/\n"
    )


# -- where the credentials come from ------------------------------------------------------------


def test_a_urls_credentials_are_taken_out_of_it_and_win_over_the_environment() -> None:
    env = {"KG_ENDPOINT_USER": "bob", "KG_ENDPOINT_PASSWORD": "other", "KG_ENDPOINT_AUTH": "digest"}
    endpoint = resolve_endpoint(f"https://{userinfo()}h:8890/sparql", env=env)
    assert (endpoint.url, endpoint.user, endpoint.password) == (
        "https://h:8890/sparql",
        USER,
        PASSWORD,
    )
    assert endpoint.auth == "digest"
    assert endpoint.credentials_from == "the endpoint URL's user:password"
    assert PASSWORD not in repr(endpoint) and "%" not in repr(endpoint)


def test_a_user_alone_in_the_url_takes_the_password_from_the_environment() -> None:
    endpoint = resolve_endpoint("http://ana@h/sparql", env={"KG_ENDPOINT_PASSWORD": "pw"})
    assert (endpoint.url, endpoint.user, endpoint.password, endpoint.auth) == (
        "http://h/sparql",
        "ana",
        "pw",
        "basic",
    )
    with pytest.raises(InputError) as caught:
        resolve_endpoint("http://ana@h/sparql", env={})
    assert str(caught.value) == (
        "--endpoint http://h/sparql: the URL names the user 'ana' but no password: set "
        "KG_ENDPOINT_PASSWORD (or write user:password@ in the URL, percent-encoded)"
    )


def test_a_config_url_with_credentials(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[endpoints.lab]\n"
        f'url = "http://{userinfo()}h/sparql"\n'
        'auth = "digest"\n'
        f'graph_store = "http://{userinfo()}h/store"\n'
        'update = "http://h/update"\n'
    )
    endpoint = resolve_endpoint(
        "lab", env={"KG_ENDPOINT_USER": "bob", "KG_ENDPOINT_PASSWORD": "x"}, path=path
    )
    assert (endpoint.url, endpoint.graph_store, endpoint.update) == (
        "http://h/sparql",
        "http://h/store",
        "http://h/update",
    )
    assert (endpoint.user, endpoint.password, endpoint.auth) == (USER, PASSWORD, "digest")
    assert endpoint.credentials_from == f"the user:password@ of its url in {path}"


@pytest.mark.parametrize(
    ("entry", "env", "message"),
    [
        (
            f'url = "http://{userinfo()}h/sparql"\nuser = "ana"\npassword = "other"\n',
            {},
            "{path}: [endpoints.lab] url: the password in its user:password@ differs from the "
            "one given elsewhere; give it once",
        ),
        (
            f'url = "http://{userinfo()}h/sparql"\ngraph_store = "http://bob:x@h/store"\n',
            {},
            "{path}: [endpoints.lab] graph_store: the user in its user:password@ differs from "
            "the one given elsewhere; give it once",
        ),
        (
            'url = "http://ana@h/sparql"\n',
            {},
            "{path}: [endpoints.lab]: has a user only",
        ),
    ],
)
def test_config_credentials_that_disagree(
    tmp_path: Path, entry: str, env: dict, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[endpoints.lab]\n" + entry)
    with pytest.raises(InputError) as caught:
        resolve_endpoint("lab", env=env, path=path)
    assert str(caught.value) == message.format(path=path)
    assert "other" not in str(caught.value) and PASSWORD not in str(caught.value)


def test_a_config_url_naming_the_user_takes_the_password_from_its_variable(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[endpoints.lab]\nurl = "http://ana@h/sparql"\npassword_env = "LAB_PW"\n')
    endpoint = resolve_endpoint("lab", env={"LAB_PW": "pw"}, path=path)
    assert (endpoint.url, endpoint.user, endpoint.password) == ("http://h/sparql", "ana", "pw")


def test_an_endpoint_made_in_code_takes_its_urls_credentials_out_too() -> None:
    endpoint = Endpoint(f"http://{userinfo()}h/sparql", update=f"http://{userinfo()}h/update")
    assert (endpoint.url, endpoint.update) == ("http://h/sparql", "http://h/update")
    assert (endpoint.user, endpoint.password, endpoint.auth) == (USER, PASSWORD, "basic")
    assert repr(endpoint) == (
        "Endpoint(url='http://h/sparql', name=None, auth='basic', user='ana', "
        'credentials_from="the URL\'s user:password", server=None, graph_store=None, '
        "update='http://h/update', timeout=None)"
    )
    with pytest.raises(InputError, match="differs from the one given elsewhere"):
        Endpoint("http://ana:one@h/sparql", user="ana", password="two")


def test_the_sparql_client_does_not_print_the_password() -> None:
    from kgcli.remote.client import _wrapper_class

    client = _wrapper_class()("http://h/sparql")
    client.setCredentials(USER, PASSWORD)
    assert str(client) == "<_KgWrapper http://h/sparql>"


def test_the_push_urls_credentials_join_the_endpoints() -> None:
    plain = Endpoint("http://h/sparql")
    joined, url = with_url_credentials(plain, f"http://{userinfo()}h/store", "--graph-store")
    assert url == "http://h/store"
    assert (joined.user, joined.password, joined.auth) == (USER, PASSWORD, "basic")
    assert joined.credentials_from == "the --graph-store URL's user:password"
    same, _ = with_url_credentials(joined, f"http://{userinfo()}h/update", "--update-endpoint")
    assert same is joined
    with pytest.raises(InputError) as caught:
        with_url_credentials(joined, "http://ana:other@h/update", "--update-endpoint")
    assert str(caught.value) == (
        "--update-endpoint http://h/update: the password in its user:password@ differs from the "
        "one given elsewhere; give it once"
    )


# -- a URL's credentials reach the server --------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


def test_a_urls_credentials_are_sent_and_the_url_is_cleaned(kg, fake: FakeServer) -> None:
    fake.default = TRUE
    result = kg(
        "query",
        "-E",
        f"http://{userinfo()}127.0.0.1:{fake.server_address[1]}/sparql",
        "-e",
        ASK,
        "-f",
        "csv",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "true"
    assert len(fake.requests) == 1
    seen = fake.requests[0]
    assert seen.path == "/sparql"
    assert seen.headers["authorization"] == basic()


def test_kg_endpoint_with_credentials_reaches_the_server(
    runner: CliRunner, fake: FakeServer
) -> None:
    from kgcli.cli import app

    fake.default = TRUE
    env = {"KG_ENDPOINT": f"http://{userinfo()}127.0.0.1:{fake.server_address[1]}/sparql"}
    result = runner.invoke(app, ["query", "-e", ASK, "-f", "csv"], env=env)
    assert result.exit_code == 0, result.output
    assert [r.headers["authorization"] for r in fake.requests] == [basic()]


def test_a_urls_credentials_with_digest(kg, fake: FakeServer, monkeypatch) -> None:
    ascii_password = PASSWORD.replace("ä", "a")  # urllib's digest handler takes ASCII only
    monkeypatch.setenv("KG_ENDPOINT_AUTH", "digest")
    fake.default = digest_guard(USER, ascii_password, TRUE)
    url = f"http://{userinfo(ascii_password)}127.0.0.1:{fake.server_address[1]}/sparql"
    result = kg("query", "-E", url, "-e", ASK, "-f", "csv")
    assert result.exit_code == 0, result.output
    assert [r.headers.get("authorization", "")[:7] for r in fake.requests] == ["", "Digest "]
    # A password urllib cannot digest: one line, where its own error would show the password.
    url = f"http://{userinfo()}127.0.0.1:{fake.server_address[1]}/sparql"
    result = kg("query", "-E", url, "-e", ASK)
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg: error: {fake.base}/sparql: digest authentication here takes a user and password "
        "in ASCII only (urllib's limit); use basic authentication, over https\n"
    )
    wrong = f"http://{userinfo('wrong')}127.0.0.1:{fake.server_address[1]}/sparql"
    result = kg("query", "-E", wrong, "-e", ASK)
    assert result.exit_code == 1
    assert result.stderr == (
        f"kg: error: {fake.base}/sparql: 401 Unauthorized: check the credentials (the endpoint "
        "URL's user:password) and that this user may do this (digest authentication)\n"
    )


def test_push_with_credentials_in_the_graph_store_url(kg, fake: FakeServer) -> None:
    sparql = SparqlFake()
    fake.default = sparql
    port = fake.server_address[1]
    result = kg(
        "push",
        "-E",
        f"{fake.base}/sparql",
        "--graph-store",
        f"http://{userinfo()}127.0.0.1:{port}/store",
    )
    assert result.exit_code == 0, result.output
    assert {r.headers["authorization"] for r in fake.requests} == {basic()}
    assert result.stderr.splitlines()[-1] == (
        f"kg: pushed 3 graphs, 5687 triples, to {fake.base}/store (Graph Store Protocol)"
    )


# -- the property: no command, no failure, shows the password ------------------------------------


def echo(
    status: int, headers: dict[str, str] | None = None, html: bool = False
) -> Callable[[Handler, Seen], None]:
    """A server that echoes what it was sent: the Authorization header, and the password it
    decodes from it in clear, percent-encoded and base64."""

    def action(handler: Handler, seen: Seen) -> None:
        auth = seen.headers.get("authorization", "")
        decoded = ""
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        password = decoded.partition(":")[2]
        b64 = base64.b64encode(password.encode()).decode()
        said = (
            f"Authorization: {auth}\nyou sent {auth[6:]} that is {decoded} so the password is "
            f"{password} ({quote(password, safe='')}, {b64})"
        )
        if html:
            said = f"<html><body><h1>Error</h1><pre>{said}</pre><p>{password}</p></body></html>"
        extra = {
            k: v.replace("{auth}", auth).replace("{pw}", quote(password, safe=""))
            for k, v in (headers or {}).items()
        }
        kind = "text/html" if html else "text/plain"
        handler.answer(Answer(status, said.encode(), {"Content-Type": kind, **extra}))

    return action


#: Failure paths: the fake's script, and the answer after it.
PATHS: dict[str, Callable[[], tuple[list[Any], Any]]] = {
    "401": lambda: ([], echo(401, {"WWW-Authenticate": 'Basic realm="kg"'})),
    "401-digest": lambda: (
        [],
        echo(401, {"WWW-Authenticate": 'Digest realm="kg", nonce="0123", qop="auth"'}),
    ),
    "500-echo": lambda: ([], echo(500)),
    "500-html-echo": lambda: ([], echo(500, html=True)),
    "400-echo": lambda: ([], echo(400)),
    "503-echo": lambda: ([], echo(503, {"Retry-After": "0"})),
    "301-echo": lambda: ([], echo(301, {"Location": "http://ana:{pw}@elsewhere/sparql?h={auth}"})),
    "200-echo-type": lambda: ([], echo(200, {"Content-Type": "{auth}"})),
    "partial": lambda: ([Answer(201)], echo(500)),
    "timeout": lambda: ([], Answer(hang=True)),
    "refused": lambda: ([], None),
    "bad-url-raw": lambda: ([], None),
    "bad-url-scheme": lambda: ([], None),
}

#: (command, how the endpoint is given); {out} is a file in a temporary folder.
CASES = [
    (("query", "-e", ASK), "url"),
    (("query", "-e", ASK), "env"),
    (("query", "-e", ASK), "config"),
    (("query", "-e", ASK), "digest"),
    (("info",), "url"),
    (("info",), "config"),
    (("validate",), "url"),
    (("validate",), "config"),
    (("push", "--batch-size", "2000"), "url"),
    (("push", "--batch-size", "2000"), "graph-store"),
    (("push", "--batch-size", "2000"), "update"),
    (("network", "analyze"), "url"),
    (("network", "path", "a", "b"), "url"),
    (("network", "export", "-o", "{out}"), "url"),
]
#: The commands with --timeout; the others time out through the config's `timeout`.
TIMED = ("query", "push", "network")


def run_case(
    runner: CliRunner,
    fake: FakeServer,
    tmp: Path,
    command: tuple[str, ...],
    target: str,
    path: str,
    password: str,
    debug: bool = False,
) -> str:
    """Run one command against one failure; return everything it showed."""
    from kgcli.cli import app

    script, default = PATHS[path]()
    fake.requests.clear()
    fake.script = list(script)
    fake.default = default if default is not None else Answer(500)
    port = fake.server_address[1] if path != "refused" else free_port()
    if path == "bad-url-raw":  # the password as typed, not percent-encoded
        creds, scheme = f"{USER}:{password}@", "http"
    else:
        creds, scheme = userinfo(password), "ftp" if path == "bad-url-scheme" else "http"
    secret_url = f"{scheme}://{creds}127.0.0.1:{port}/sparql"
    plain_url = f"http://127.0.0.1:{port}/sparql"
    config = tmp / "config.toml"
    config.write_text(
        f"[endpoints.lab]\nurl = {_toml(secret_url)}\ntimeout = 0.5\n", encoding="utf-8"
    )
    env: dict[str, str | None] = {
        "COLUMNS": "100",
        "KG_CONFIG": str(config),
        "KG_DEBUG": None,
        "KG_ENDPOINT": None,
        "KG_ENDPOINT_USER": None,
        "KG_ENDPOINT_PASSWORD": None,
        "KG_ENDPOINT_AUTH": None,
    }
    args = [a.replace("{out}", str(tmp / "net.gexf")) for a in command]
    if target in ("url", "digest"):
        args += ["-E", secret_url]
    elif target == "env":
        env["KG_ENDPOINT"] = secret_url
    elif target == "config":
        args += ["-E", "lab"]
    elif target == "graph-store":
        args += ["-E", plain_url, "--graph-store", secret_url.replace("/sparql", "/store")]
    elif target == "update":
        args += ["-E", plain_url, "--update-endpoint", secret_url.replace("/sparql", "/update")]
    if target == "digest":
        env["KG_ENDPOINT_AUTH"] = "digest"
    if path == "timeout" and target != "config":
        args += ["--timeout", "0.5"]
    if debug:
        args = ["--debug", *args]
    result = runner.invoke(app, args, env=env)
    shown = result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        # What Python prints for an error under --debug.
        shown += "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code != 0, shown
    if (tmp / "net.gexf").exists():
        shown += (tmp / "net.gexf").read_text(encoding="utf-8")
    return shown


def _toml(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a TOML basic string


def combos() -> list[Any]:
    out = []
    for command, target in CASES:
        for path in PATHS:
            if path == "timeout" and target != "config" and command[0] not in TIMED:
                continue  # no --timeout option: the config cases cover its timeout
            if path == "200-echo-type" and command[0] == "push":
                continue  # a write answered 200 succeeded
            out.append(
                pytest.param(command, target, path, id=f"{'-'.join(command[:2])}-{target}-{path}")
            )
    return out


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.mark.parametrize(("command", "target", "path"), combos())
def test_no_failure_of_any_command_shows_the_password(
    shared_fake: FakeServer, tmp_path: Path, command: tuple[str, ...], target: str, path: str
) -> None:
    shown = run_case(CliRunner(), shared_fake, tmp_path, command, target, path, PASSWORD)
    assert leaks(shown, PASSWORD) == [], shown
    assert "kg: error: " in shown or "kg: not written" in shown, shown


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    ("command", "target"),
    [(("query", "-e", ASK), "url"), (("push",), "graph-store"), (("info",), "config")],
)
def test_not_under_debug_either(
    shared_fake: FakeServer, tmp_path: Path, command: tuple[str, ...], target: str, path: str
) -> None:
    if path == "timeout" and target != "config" and command[0] not in TIMED:
        pytest.skip("no --timeout")
    if path == "200-echo-type" and command[0] == "push":
        pytest.skip("a write answered 200 succeeded")
    shown = run_case(
        CliRunner(), shared_fake, tmp_path, command, target, path, PASSWORD, debug=True
    )
    assert leaks(shown, PASSWORD) == [], shown


PASSWORDS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f"),
    min_size=8,
    max_size=24,
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    password=PASSWORDS,
    case=st.sampled_from(
        [(("query", "-e", ASK), "url"), (("push", "--batch-size", "2000"), "graph-store")]
    ),
    path=st.sampled_from(
        ["401", "500-echo", "500-html-echo", "301-echo", "200-echo-type", "bad-url-raw"]
    ),
)
@pytest.mark.slow
def test_odd_passwords_are_never_shown(
    shared_fake: FakeServer, tmp_path: Path, password: str, case: Any, path: str
) -> None:
    # A password of few distinct characters ("aaaaaaaa") is a part of ordinary text.
    assume(len(set(password.lower())) >= 5 and password.strip() == password)
    command, target = case
    assume(not (path == "200-echo-type" and command[0] == "push"))  # that push succeeds
    shown = run_case(CliRunner(), shared_fake, tmp_path, command, target, path, password)
    assert leaks(shown, password) == [], shown


# -- kg serve keeps its update token to itself ---------------------------------------------------


@pytest.mark.integration
def test_kg_serve_never_shows_its_update_token() -> None:
    from support import MINI
    from support.server import TOKEN, call, kg_serve

    update = "INSERT DATA { <http://x/a> <http://x/p> 1 }"
    seen: list[bytes] = []
    with kg_serve(
        "--data",
        str(MINI),
        "--allow-update",
        "--update-token-env",
        "KG_TEST_UPDATE_TOKEN",
        env={"KG_TEST_UPDATE_TOKEN": TOKEN},
    ) as server:
        for method, url, body, headers, status in [
            ("POST", server.url, update, {"Authorization": "Bearer wrong"}, 401),
            ("POST", server.url, "INSERT DATA {", {"Authorization": f"Bearer {TOKEN}"}, 400),
            ("POST", server.url, update, {"Authorization": f"Bearer {TOKEN}"}, 204),
            ("GET", f"{server.url}?access_token={TOKEN}", None, {}, 400),
            ("GET", f"{server.base}/", None, {}, 200),
        ]:
            all_headers = {"Content-Type": "application/sparql-update", **headers}
            got, answer_headers, answer = call(method, url, body, all_headers)
            assert got == status, answer
            seen += [answer, repr(answer_headers).encode()]
        log = "".join(server.log)
    assert "kg serve: " in log
    assert TOKEN not in log
    assert not [part for part in seen if TOKEN.encode() in part]
