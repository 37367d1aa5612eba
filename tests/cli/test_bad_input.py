"""Every bad input of issue #7 (item 5) through the CLI, in one table: the exact one-line message
(file:line:column for RDF and SPARQL, the parameter for a bad value), the exit code (2 bad input or
usage, 1 runtime or remote failure, 3 timeout) and never a traceback.

Endpoints are fakes on 127.0.0.1 (`tests/support/fakes.py`). The two permission cases run as
a user without root's power to ignore permissions: as root, in a forked child that drops to
`nobody` (the only way to meet a real EACCES as root without mounting file systems).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support import MINI, MINI_QUERIES
from support.fakes import Answer, FakeServer, SparqlFake, dataset

NOBODY = 65534
BOM = b"\xef\xbb\xbf"
TTL = b"@prefix ex: <http://example.org/> .\n"
SPO = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
CHINESE = "上海新虹桥国际医学中心"
_LEVELS = zip("abcdefg", "bcdefgh", strict=True)  # each entity is ten of the one before
#: An XML entity bomb ("billion laughs"): 1 KiB that pyoxigraph expands to 10^8 characters (one
#: more level would be 10^9: the process aborts, out of memory).
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f' <!ENTITY {n} "{("&" + p + ";") * 10}">\n' for p, n in _LEVELS)
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">\n'
    '<rdf:Description rdf:about="http://example.org/a"><ex:p>&h;</ex:p></rdf:Description>\n'
    "</rdf:RDF>\n"
).encode()
#: What the engine expects after a triple's object at the end of a query whose `}` is missing.
UNCLOSED = 'expected one of ",", ".", ";", "{", "{|", "}", "~", [_]'
#: The part of the 5 MB error page a person gets: its text, tags and styles dropped, cut at 300.
PAGE_TEXT = "Internal error " + "stack frame & more " * 15


@dataclass
class Env:
    """Where a case runs: its folder (`{tmp}`), a fake endpoint (`{base}`) if it has one."""

    tmp: Path
    fake: FakeServer | None = None
    sparql: SparqlFake | None = None

    def fill(self, text: str) -> str:
        base = self.fake.base if self.fake else ""
        for key, value in (
            ("tmp", self.tmp),
            ("base", base),
            ("mini", MINI),
            ("queries", MINI_QUERIES),
        ):
            text = text.replace("{" + key + "}", str(value))
        return text


@dataclass
class Case:
    """One bad input: files to write, the command, and exactly what `kg` must answer."""

    args: tuple[str, ...]
    code: int
    line: str  # the last line of stderr, exactly ("" when nothing may be written)
    files: dict[str, bytes] = field(default_factory=dict)
    stdout: str | None = None  # exactly, when given
    fake: Answer | str | None = None  # a scripted answer, or "sparql" for a Graph Store
    unprivileged: bool = False
    setup: Callable[[Env], None] | None = None
    then: Callable[[Env, Any], None] | None = None


def _data(*args: str) -> tuple[str, ...]:
    return ("query", "--data", *args)


def _readonly(env: Env) -> None:
    (env.tmp / "locked").mkdir()
    (env.tmp / "locked" / "out.csv").write_text("old\n")
    os.chmod(env.tmp / "locked", 0o555)


def _old_file_survives(env: Env, result: Any) -> None:
    assert (env.tmp / "locked" / "out.csv").read_text() == "old\n"
    assert os.listdir(env.tmp / "locked") == ["out.csv"]


def _unreadable(env: Env) -> None:
    os.chmod(env.tmp / "secret.ttl", 0)


def _a_rerun_completes_the_push(env: Env, result: Any) -> None:
    from kgcli.api import open_source
    from kgcli.engine.source import LocalSource

    assert env.fake is not None and env.sparql is not None
    assert result.stderr.splitlines()[0].startswith("kg: written      <")
    rerun = _invoke(env, ("push", "-E", "{base}/sparql", "--graph-store", "{base}/store"))
    assert rerun[0] == 0, rerun
    source = open_source()
    assert isinstance(source, LocalSource)
    assert dataset(env.sparql.store) == dataset(source.store)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = _free_port()  # nothing listens there: a refused connection

CASES: dict[str, Case] = {
    # --- RDF files --------------------------------------------------------------------------
    "turtle missing '.'": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/g.ttl:3:1: A dot is expected at the end of statements",
        {"g.ttl": TTL + b"ex:a ex:p ex:b\nex:c ex:p ex:d .\n"},
    ),
    "turtle undefined prefix": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/g.ttl:2:11: The prefix foo: has not been declared",
        {"g.ttl": TTL + b"ex:a ex:p foo:b .\n"},
    ),
    "turtle unterminated string": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/g.ttl:2:11: Unexpected end of file",
        {"g.ttl": TTL + b'ex:a ex:p "open .\n'},
    ),
    "turtle IRI with a space": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/g.ttl:2:11: Invalid IRI code point ' '",
        {"g.ttl": TTL + b"ex:a ex:p <http://example.org/a b> .\n"},
    ),
    "turtle literal as subject": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        'kg: error: {tmp}/g.ttl:2:1: "lit" is not a valid subject or graph name',
        {"g.ttl": TTL + b'"lit" ex:p ex:b .\n'},
    ),
    # Valid Turtle with no triple: an empty graph, not an error (as in Jena and Oxigraph).
    "empty file": Case(
        _data("{tmp}/g.ttl", "-e", SPO, "-f", "csv"),
        0,
        "",
        {"g.ttl": b""},
        stdout="s,p,o\r\n",
    ),
    "latin-1 file": Case(
        _data("{tmp}/g.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/g.ttl:2:15: Invalid UTF-8: incomplete utf-8 byte sequence from index 3; "
        "save the file as UTF-8",
        {"g.ttl": TTL + 'ex:a ex:p "café" .\n'.encode("latin-1")},
    ),
    "utf-8 with a BOM and Chinese labels": Case(
        _data("{tmp}/g.ttl", "-e", "SELECT ?o WHERE { ?s ?p ?o }", "-f", "csv"),
        0,
        "",
        {"g.ttl": BOM + TTL + f'ex:a ex:label "{CHINESE}"@zh .\n'.encode()},
        stdout=f"o\r\n{CHINESE}\r\n",
    ),
    "rdf/xml entity bomb": Case(
        _data("{tmp}/g.rdf", "-e", SPO),
        2,
        "kg: error: {tmp}/g.rdf:10:2: the XML entity 'h' expands to more than 16,777,216 "
        "characters (an entity bomb?); kg refuses XML entities that expand beyond 16 MiB in all: "
        "remove the DOCTYPE's entities",
        {"g.rdf": BOMB},
    ),
    "a directory for a file": Case(
        _data("{tmp}", "-e", SPO),
        2,
        "kg: error: {tmp}: is a directory, expected an RDF file",
    ),
    "an unreadable file": Case(
        _data("{tmp}/secret.ttl", "-e", SPO),
        2,
        "kg: error: {tmp}/secret.ttl: cannot read file (permission denied)",
        {"secret.ttl": TTL},
        unprivileged=True,
        setup=_unreadable,
    ),
    "an unreadable query file (#12)": Case(
        _data("{mini}", "{tmp}/secret.rq"),
        2,
        "kg: error: {tmp}/secret.rq: cannot read the query file (permission denied)",
        {"secret.rq": b"ASK {}\n"},
        unprivileged=True,
        setup=lambda env: os.chmod(env.tmp / "secret.rq", 0),
    ),
    "an unreadable profile (#12)": Case(
        ("network", "analyze", "--data", "{mini}", "-P", "{tmp}/secret.toml"),
        2,
        "kg: error: {tmp}/secret.toml: cannot read the profile file (permission denied)",
        {"secret.toml": b'title = "t"\n'},
        unprivileged=True,
        setup=lambda env: os.chmod(env.tmp / "secret.toml", 0),
    ),
    # --- queries and parameters -------------------------------------------------------------
    "malformed SPARQL": Case(
        _data("{mini}", "-e", "SELECT ?x WHERE {\n  ?x ?y }"),
        2,
        "kg: error: query:2:10: expected one of LATERAL, SERVICE, [_]",
    ),
    "unknown prefix in a query": Case(
        _data("{mini}", "-e", "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?x foo:p ex:b }"),
        2,
        "kg: error: query:2:21: unknown prefix 'foo:' in foo:p; declare it: PREFIX foo: <...>",
    ),
    "unknown prefix in a query that declares none": Case(
        _data("{mini}", "-e", "SELECT ?s WHERE { ?s ex:p ?o }"),
        2,
        "kg: error: query:1:22: unknown prefix 'ex:' in ex:p; declare it: PREFIX ex: <...>",
    ),
    # At the end of the query the engine counts past the final line break; kg points at the end
    # of the last line written, where the missing text goes, and names the file it came from.
    "a query missing its closing brace, ending in blank lines": Case(
        _data("{mini}", "-e", "SELECT ?s WHERE { ?s ?p ?o\n\n"),
        2,
        f"kg: error: query:1:27: {UNCLOSED}",
    ),
    "a query file missing its closing brace": Case(
        _data("{mini}", "{tmp}/open.rq"),
        2,
        f"kg: error: {{tmp}}/open.rq:2:17: {UNCLOSED}",
        {"open.rq": b"SELECT ?s\nWHERE { ?s ?p ?o\n"},
    ),
    "a query file with an unterminated string": Case(
        _data("{mini}", "{tmp}/open.rq"),
        2,
        "kg: error: {tmp}/open.rq:2:15: unterminated string",
        {"open.rq": b'SELECT ?s\nWHERE { ?s ?p "abc }\n'},
    ),
    "a catalogue query missing its closing brace, a parameter bound": Case(
        ("--queries", "{tmp}", *_data("{mini}"), "open", "-p", "place=<http://example.org/x>"),
        2,
        f"kg: error: {{tmp}}/open.rq:4:21: {UNCLOSED}",
        {"open.rq": b"# title: Open\n# param: place iri\nSELECT ?s\nWHERE { ?s ?p ?place\n"},
    ),
    # A bound parameter's VALUES block goes after `WHERE {`: positions after it on that line
    # are the file's all the same.
    "an unknown prefix after `WHERE {`, a parameter bound": Case(
        ("--queries", "{tmp}", *_data("{mini}"), "pre", "-p", "place=<http://example.org/x>"),
        2,
        "kg: error: {tmp}/pre.rq:3:22: unknown prefix 'ex:' in ex:p; declare it: PREFIX ex: <...>",
        {"pre.rq": b"# title: Pre\n# param: place iri\nSELECT ?s WHERE { ?s ex:p ?place }\n"},
    ),
    "a syntax error after a subquery, a parameter bound": Case(
        ("--queries", "{tmp}", *_data("{mini}"), "sub", "-p", "place=<http://example.org/x>"),
        2,
        "kg: error: {tmp}/sub.rq:3:60: expected one of HAVING, OFFSET, OPTIONAL, VALUES, "
        "['0'..='9']",
        {
            "sub.rq": b"# title: Sub\n# param: place iri\n"
            b"SELECT ?s WHERE { SELECT ?s WHERE { ?s ?p ?place } } LIMIT x\n"
        },
    ),
    "a lint check missing its closing brace": Case(
        ("lint", "--no-builtin", "--checks", "{tmp}", "--data", "{mini}"),
        2,
        f"kg: error: {{tmp}}/open.rq:4:17: {UNCLOSED}",
        {"open.rq": b"# title: Open\n# severity: error\nSELECT ?s\nWHERE { ?s ?p ?o\n"},
    ),
    "a rule missing its closing brace": Case(
        ("infer", "--rules", "{tmp}/open.rq", "--data", "{mini}"),
        2,
        f"kg: error: {{tmp}}/open.rq:2:17: {UNCLOSED}",
        {"open.rq": b"CONSTRUCT { ?s ?p ?o }\nWHERE { ?s ?p ?o\n"},
    ),
    "missing parameter": Case(
        ("--queries", "{queries}", *_data("{mini}"), "firm-count"),
        2,
        "kg: error: missing parameter 'place' (iri): -p place=VALUE",
    ),
    "unknown parameter": Case(
        ("--queries", "{queries}", *_data("{mini}"), "firms-in", "-p", "town=North"),
        2,
        "kg: error: unknown parameter 'town' for query firms-in (parameters: place)",
    ),
    "ill-typed parameter (iri)": Case(
        ("--queries", "{queries}", *_data("{mini}"), "firm-count", "-p", "place=1"),
        2,
        "kg: error: parameter 'place': '1' is not an IRI: write <https://...>, https://... or a "
        "prefixed name whose prefix the query declares (prefixes: ex:)",
    ),
    "ill-typed parameter (integer)": Case(
        ("query", "timeline", "-p", "from=soon"),
        2,
        "kg: error: parameter 'from': 'soon' is not an integer",
    ),
    # Bound as a literal, never pasted: no syntax error, no update, just no matching place.
    "parameter with SPARQL punctuation": Case(
        ("--queries", "{queries}", *_data("{mini}"), "firms-in", "-f", "csv"),
        0,
        "",
        stdout="firm,label\r\n",
    ),
    # --- output -----------------------------------------------------------------------------
    "unknown output format": Case(
        _data("{mini}", "-e", "ASK {}", "-f", "xlsx"),
        2,
        "kg: error: unknown format 'xlsx'; choose one of: table, csv, tsv, json, xml, jsonl, "
        "markdown",
    ),
    "unknown output extension": Case(
        _data("{mini}", "-e", "ASK {}", "-o", "{tmp}/out.xlsx"),
        2,
        "kg: error: cannot tell the output format from '{tmp}/out.xlsx'; pass --format (table, "
        "csv, tsv, json, xml, jsonl, markdown)",
    ),
    "output in a read-only folder": Case(
        _data("{mini}", "-e", "ASK {}", "-o", "{tmp}/locked/out.csv"),
        2,
        "kg: error: {tmp}/locked/out.csv: cannot write in folder {tmp}/locked (permission denied)",
        unprivileged=True,
        setup=_readonly,
        then=_old_file_survives,
    ),
    "output under a file": Case(
        _data("{mini}", "-e", "ASK {}", "-o", "{tmp}/file.txt/out.csv"),
        2,
        "kg: error: {tmp}/file.txt/out.csv: {tmp}/file.txt is not a folder",
        {"file.txt": b"a file\n"},
    ),
    # --- endpoints --------------------------------------------------------------------------
    "endpoint not a URL": Case(
        ("query", "-E", "not a url", "-e", "ASK {}"),
        2,
        "kg: error: --endpoint 'not a url' is not an http(s) URL",
    ),
    "endpoint refuses": Case(
        ("query", "-E", f"http://127.0.0.1:{PORT}/sparql", "-e", "ASK {}"),
        1,
        f"kg: error: http://127.0.0.1:{PORT}/sparql: connection refused (is the server running, "
        "on this host and port?)",
    ),
    "endpoint times out": Case(
        ("query", "-E", "{base}/sparql", "--timeout", "0.5", "-e", "ASK {}"),
        3,
        "kg: error: {base}/sparql: no answer within 0.5 s (--timeout)",
        fake=Answer(hang=True),
    ),
    "endpoint 500 with 5 MB of HTML": Case(
        ("query", "-E", "{base}/sparql", "-e", "ASK {}"),
        1,
        "kg: error: {base}/sparql: 500 Internal Server Error: " + PAGE_TEXT[:299] + "…",
        fake=Answer(
            500,
            b"<html><head><style>p {color: red}</style></head><body><h1>Internal  error</h1>\n"
            + b"<p>"
            + b"stack frame &amp; more\n" * 250_000
            + b"</p></body></html>",
            {"Content-Type": "text/html"},
        ),
    ),
    "endpoint 200 with HTML": Case(
        ("query", "-E", "{base}/sparql", "-e", "ASK {}"),
        1,
        "kg: error: {base}/sparql: answered text/html (a web page), expected SPARQL JSON results "
        "(is this the SPARQL endpoint's URL?)",
        fake=Answer(200, b"<!DOCTYPE html><html>log in</html>", {"Content-Type": "text/html"}),
    ),
    "endpoint 401": Case(
        ("query", "-E", "{base}/sparql", "-e", "ASK {}"),
        1,
        "kg: error: {base}/sparql: 401 Unauthorized: the server wants credentials: set "
        "KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (and KG_ENDPOINT_AUTH=digest if it asks for "
        "digest), or name the endpoint in $KG_CONFIG's file",
        fake=Answer(401, b"", {"WWW-Authenticate": 'Basic realm="sparql"'}),
    ),
    "endpoint 429 with Retry-After": Case(
        ("query", "-E", "{base}/sparql", "-e", "ASK {}"),
        1,
        "kg: error: {base}/sparql: 429 Too Many Requests after 4 attempts; the server asks to "
        "wait 0 s; try again later: slow down",
        fake=Answer(429, b"slow down", {"Retry-After": "0"}),
    ),
    "push interrupted halfway": Case(
        ("push", "-E", "{base}/sparql", "--graph-store", "{base}/store", "--batch-size", "1000"),
        1,
        "kg: error: 1 of 3 graphs written to {base}/store; run the same command again to "
        "complete the push",
        fake="sparql",
        then=_a_rerun_completes_the_push,
    ),
    # --- runaway queries (item 3): stopped at --timeout, exit 3 -----------------------------
    "runaway cross join": Case(
        _data(
            "{mini}",
            "--timeout",
            "0.5",
            "-e",
            "SELECT (COUNT(*) AS ?n) WHERE { "
            "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }",
        ),
        3,
        "kg: error: query stopped after the 0.5 s timeout (--timeout)",
    ),
    "runaway regex": Case(
        _data(
            "{mini}",
            "--timeout",
            "0.5",
            "-e",
            "SELECT (COUNT(*) AS ?n) WHERE { "
            "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . "
            'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l), STR(?o)), "^(a+)+$")) }',
        ),
        3,
        "kg: error: query stopped after the 0.5 s timeout (--timeout)",
    ),
}
# The punctuation case's value, given apart so the table stays readable.
CASES["parameter with SPARQL punctuation"].args += ("-p", 'place=North" } ; DROP ALL ; #<>{}\\')


#: A developer's own endpoints and credentials must not leak into these tests.
pytestmark = pytest.mark.usefixtures("no_user_settings")


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder any user can enter (pytest's own are root's alone when tests run as root)."""
    path = Path(tempfile.mkdtemp(prefix="kg-bad-input-"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        for sub in path.rglob("*"):
            if sub.is_dir():
                os.chmod(sub, 0o755)
        shutil.rmtree(path)


_RUN: dict[str, Any] = {}


def _invoke(env: Env, args: tuple[str, ...], unprivileged: bool = False) -> tuple[int, str, str]:
    """Run `kg ARGS` in-process: (exit code, stdout, stderr)."""
    kg = _RUN["kg"]
    argv = [env.fill(a) for a in args]
    if not unprivileged or os.geteuid() != 0:
        result = kg(*argv)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout_bytes.decode(), result.stderr
    return _as_nobody(kg, argv)


def _as_nobody(kg: Any, argv: list[str]) -> tuple[int, str, str]:
    """Run `kg ARGV` in a forked child that has dropped root for `nobody`.

    The interpreter's files are root's alone on some machines, so everything the command imports
    is imported first, by a run of the same command that must fail another way (no such file).
    """
    kg(*[a if not a.startswith("/") else a + ".absent" for a in argv])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = kg(*argv)
            payload = [result.exit_code, result.stdout_bytes.decode(), result.stderr]
            with os.fdopen(write, "wb") as out:
                out.write(json.dumps(payload).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, stdout, stderr = json.loads(data)
    return code, stdout, stderr


#: Cases that wait for a fix in a module being edited elsewhere; strict, so the fix shows.
PENDING: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n, marks=pytest.mark.xfail(strict=True, reason=PENDING[n]) if n in PENDING else ()
        )
        for n in CASES
    ],
)
def test_each_bad_input_is_one_located_line_with_its_exit_code(kg, folder: Path, name: str):
    case = CASES[name]
    _RUN["kg"] = kg
    env = Env(folder)
    for file, content in case.files.items():
        (folder / file).write_bytes(content)
    if case.setup:
        case.setup(env)
    with FakeServer() as fake:
        env.fake = fake
        if case.fake == "sparql":
            env.sparql = SparqlFake()
            env.sparql.fail_on(
                4,
                Answer(500, b"<html><body>disk full</body></html>", {"Content-Type": "text/html"}),
            )
            fake.default = env.sparql
        elif isinstance(case.fake, Answer):
            fake.default = case.fake
        code, stdout, stderr = _invoke(env, case.args, case.unprivileged)
        assert "Traceback" not in stderr
        expected = env.fill(case.line)
        if case.code == 0:
            assert stderr == "", stderr
        elif case.fake != "sparql":
            assert stderr == expected + "\n"  # one line, exactly
        else:  # a push reports each graph on a line of its own, then the error
            assert stderr.endswith("\n" + expected + "\n"), stderr
        assert code == case.code, stderr
        if case.stdout is not None:
            assert stdout == case.stdout
        if case.then:
            case.then(env, type("Result", (), {"stdout": stdout, "stderr": stderr})())


def test_the_process_is_healthy_after_a_runaway_query(kg):
    """After --timeout stopped a query, the next query in the same process answers."""
    regex = CASES["runaway regex"].args
    stopped = kg(*[Env(Path(".")).fill(a) for a in regex])
    assert stopped.exit_code == 3
    again = kg(
        "query",
        "--data",
        str(MINI),
        "-f",
        "csv",
        "-e",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "--timeout",
        "5",
    )
    assert (again.exit_code, again.stdout_bytes.decode()) == (0, "n\r\n21\r\n")
