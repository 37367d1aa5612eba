"""Shared fixtures (an in-process runner, a local SPARQL endpoint) and the `slow` marker; what
the tests share besides fixtures is in `support`."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import settings
from support import HYPOTHESIS_PROFILE, MINI, ROOT, examples
from typer.testing import CliRunner

# Property tests without their own count follow the profile too (see support.examples); the "ci"
# profile changes nothing: hypothesis's defaults, and its own CI settings when CI=true.
if HYPOTHESIS_PROFILE != "ci":
    settings.register_profile("kgcli-dev", max_examples=examples(100))
    settings.load_profile("kgcli-dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", help="run the slow tests too (.ci/run does)"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: over ~5 s alone; skipped unless --run-slow (or -m slow)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the slow tests in the everyday run (networkx's conftest does the same)."""
    if config.getoption("--run-slow") or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (as .ci/run does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def derived_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded graph's derived graph (kgg:inferred, OWL 2 RL and queries/rules) as N-Quads,
    for `--data FILE --with-embedded` (issue #15: the articles state only Dr Smile's use of the
    center's shared resources; the other facilities' is derived)."""
    from kgcli.api import open_source
    from kgcli.engine.infer import INFERRED_GRAPH, infer, rule_set
    from kgcli.engine.source import LocalSource

    source = open_source()
    assert isinstance(source, LocalSource)
    infer(source.store, rule_set([], project_rules=ROOT / "queries" / "rules"))
    path = tmp_path_factory.mktemp("derived") / "inferred.nq"
    graph = ox.NamedNode(INFERRED_GRAPH)
    quads = source.store.quads_for_pattern(None, None, None, graph)
    ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own endpoints and credentials must not leak into a test."""
    for var in ("KG_ENDPOINT", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD", "KG_ENDPOINT_AUTH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KG_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture
def kg(runner: CliRunner):
    """Run `kg ARGS...` in-process; return the click Result."""
    from kgcli.cli import app

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, env={"COLUMNS": "100"})

    return invoke


def _handler(store: ox.Store) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """The SPARQL 1.1 Protocol's query operation, enough for client tests."""

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _answer(self, text: str) -> None:
            try:
                answer = store.query(text, use_default_graph_as_union=True)
            except SyntaxError as err:
                self.send_response(400)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(str(err).encode())
                return
            body: bytes | None
            if isinstance(answer, ox.QueryTriples):
                body, ctype = answer.serialize(format=ox.RdfFormat.TURTLE), "text/turtle"
            else:
                body = answer.serialize(format=ox.QueryResultsFormat.JSON)
                ctype = "application/sparql-results+json"
            assert body is not None  # no file given: the bytes are returned
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            self._answer(query["query"][0])

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            if self.headers["Content-Type"].startswith("application/sparql-query"):
                self._answer(body)
            else:
                self._answer(urllib.parse.parse_qs(body)["query"][0])

    return Handler


@pytest.fixture
def endpoint() -> Iterator[str]:
    """A SPARQL endpoint on 127.0.0.1 serving the tiny graph, one named graph like `--data`."""
    store = ox.Store()
    store.load(path=str(MINI), to_graph=ox.NamedNode(MINI.resolve().as_uri()))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The temporary folder a `kg` process is given (TMPDIR, `support.kg_process`): tests check
    it is left empty."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder
