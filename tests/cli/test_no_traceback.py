"""No traceback reaches a user without `--debug`, anywhere in the CLI or the server (issue #12).

Every command and subcommand of `kg` is found in the typer app, so a new one is covered without
a change here, and driven with garbage: an unknown option, each option and argument in turn given
values of the wrong type, non-finite and out-of-range numbers, and, wherever a file or folder is
taken, one that is missing, empty, binary, not UTF-8, a folder, or nested too deep. Each run must
end with an exit code of 1 to 4 (0 where the garbage happens to be valid input) and no traceback:
neither printed nor raised out of the command (in-process, an escaping exception is what a user
would see as a traceback). `kg serve` gets malformed HTTP requests over a raw socket and must
answer each with a 4xx status.

The CLI runs in-process; the cases where a real process matters (bytes in argv that are not
UTF-8, a forked `--timeout` child, the server) run as subprocesses.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import MINI
from support.server import kg_serve
from typer.main import get_command
from typer.testing import CliRunner

from kgcli.cli import app

DEEP = 5000  # levels: what kills the engine, far over kg's limit


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DEAD = f"http://127.0.0.1:{_free_port()}/sparql"  # nothing listens there: refused at once

# --- the garbage ---------------------------------------------------------------------------------

#: Files that are wrong whatever they should hold; {name: (content, may it be valid?)}. A
#: content of None makes a folder; "missing" is not created.
BAD_FILES: dict[str, tuple[bytes | None, bool]] = {
    "missing": (b"", False),  # for --output: in a folder that is missing
    "empty": (b"", True),  # an empty RDF file is an empty graph
    "binary": (bytes(range(256)) * 4, False),
    "not-utf8": (b'# title: x\nSELECT * WHERE { ?s ?p "\xff\xfe" }\n', False),
    "folder": (None, False),
}
#: Values for options that take a number, by click's type name; {value: may it be valid?}.
NUMBERS: dict[str, dict[str, bool]] = {
    "integer": {
        "abc": False,
        "1e309": False,
        "1.5": False,
        "-1": True,
        "99999999999999999999999": True,
    },
    "float": {"abc": False, "inf": False, "nan": False, "-inf": False, "1e309": False},
}
#: Values for options that take text: accepted or refused, never a traceback.
TEXTS = ("", "a\x00b\x01\nc", "\udcff\ud800")
#: Values for options that take a URL: all refused (exit 2), or unreachable (exit 1).
URLS = (
    "ftp://x/",
    "http://a b/",
    "http://\udcff/",
    "http://例え.jp/",
    "http://[::1/",
    "http://a:99999/",
)
URL_PARAMS = {"endpoint", "graph_store", "update_endpoint"}
#: Extensions given to the bad files, so that each is read as what the option takes.
EXTENSIONS = {
    "data": ".ttl",
    "shapes": ".ttl",
    "profile": ".toml",
    "query": ".rq",
    "name": ".rq",
    "files": ".ttl",
    "output": ".csv",
}

#: Valid values for each command's other options, so that the garbage is read where it matters.
#: Keys are parameter names; "_" is for commands not listed (a new one gets the generic sweep).
BASE: dict[tuple[str, ...], dict[str, Any]] = {
    ("query",): {"data": [str(MINI)], "expression": "ASK {}"},
    ("info",): {"data": [str(MINI)]},
    ("validate",): {"data": [str(MINI)]},
    ("lint",): {"data": [str(MINI)]},
    ("push",): {"data": [str(MINI)], "endpoint": DEAD},
    ("serve",): {"data": [str(MINI)], "port": "0"},
    ("queries", "show"): {"name": "articles"},
    ("network", "analyze"): {"data": [str(MINI)]},
    ("network", "path"): {"data": [str(MINI)], "start": "a", "end": "b"},
    ("network", "export"): {"data": [str(MINI)], "output": "{tmp}/out.gexf", "layout": "spring"},
    ("store", "load"): {"directory": "{tmp}/store", "files": [str(MINI)]},
    ("store", "info"): {"directory": "{tmp}/store"},
}
#: Parameters whose value is a file or folder (besides those typed as paths).
FILE_PARAMS = {"data", "shapes", "profile", "query", "files", "output", "store", "directory"}
#: File parameters that a command writes to or creates: any file or folder may be valid there.
MAY_REPLACE: dict[tuple[str, ...], tuple[str, ...]] = {("store", "load"): ("directory",)}
#: Parameters that are left alone: they only select what is printed or repeat another case.
SKIP = {"help"}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf command under `command` (click duck typing: a group has `commands`)."""
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if getattr(sub, "commands", None) is not None:
            yield from _commands(sub, (*path, name))
        else:
            yield (*path, name), sub


ROOT_COMMAND = get_command(app)
COMMANDS = dict(_commands(ROOT_COMMAND))


@dataclass(frozen=True)
class Run:
    """One garbage run: the command line (with {tmp} to fill), and whether exit 0 is allowed."""

    argv: tuple[Any, ...]
    may_pass: bool = False
    stdin: bytes | None = None
    env: tuple[tuple[str, str], ...] = ()
    #: Run as a process: where the engine crashed (SIGSEGV), so a regression cannot kill pytest.
    process: bool = False


def _render(command: Any, values: dict[str, Any]) -> list[Any]:
    """The command line for `values` ({parameter name: value or list of values})."""
    options: list[Any] = []
    arguments: list[Any] = []
    for param in command.params:
        if param.name not in values:
            continue
        value = values[param.name]
        items = value if isinstance(value, list) else [value]
        if param.param_type_name == "argument":
            arguments += items
        elif getattr(param, "is_flag", False):
            options.append(param.opts[0])
        else:
            for item in items:
                options += [param.opts[0], item]
    return [*options, "--", *arguments] if arguments else options


def _is_file(param: Any) -> bool:
    return param.name in FILE_PARAMS or param.type.name in ("path", "file", "directory")


def _runs(path: tuple[str, ...], command: Any) -> Iterator[tuple[str, Run]]:
    base = BASE.get(path, {})
    yield "unknown option", Run((*path, "--no-such-option"))
    yield "unknown option with a value", Run((*path, *_render(command, base), "--bogus=\udcff"))
    for param in command.params:
        if param.name in SKIP:
            continue
        name = param.name
        if getattr(param, "is_flag", False):
            yield f"{name}=value", Run((*path, f"{param.opts[0]}=yes"))
            continue
        kind = param.type.name.split()[0]  # "integer", "int range", "float range"...
        numbers = NUMBERS.get("integer" if kind == "int" else kind, {})
        for value, valid in numbers.items():
            values = {**base, name: value}
            yield f"{name} {value}", Run((*path, *_render(command, values)), valid)
        if numbers:
            continue
        if name in URL_PARAMS:
            for url in URLS:
                values = {**base, name: url}
                yield f"{name} {url!r}", Run((*path, *_render(command, values)))
        if _is_file(param):
            suffix = EXTENSIONS.get(name, "")
            for kind, (_, valid) in BAD_FILES.items():
                bad = f"{{tmp}}/{kind}{suffix}"
                if name in MAY_REPLACE.get(path, ()):
                    valid = True  # a store to make, or to fill
                    bad = f"{{tmp}}/made/{kind}{suffix}"  # made here: "missing" stays missing
                elif name == "output":
                    valid = kind != "folder"  # a file to write over
                if kind == "missing" and name == "output":
                    bad = f"{{tmp}}/missing/out{suffix}"
                values = {**base, name: [bad] if param.multiple else bad}
                yield f"{name} {kind} file", Run((*path, *_render(command, values)), valid)
            continue
        for text in TEXTS:
            values = {**base, name: [text] if param.multiple else text}
            yield f"{name} {text[:8]!r}", Run((*path, *_render(command, values)), True)


#: Query files that are wrong in every way, each alone in a folder given to `kg -Q`.
BAD_QUERIES: dict[str, bytes | None] = {
    **{kind: content for kind, (content, _) in BAD_FILES.items() if kind != "missing"},
    "deep": b"# title: t\nSELECT * WHERE " + b"{" * DEEP + b"}" * DEEP,
    "huge": b"# title: t\nASK {} #" + b"x" * (1 << 20),
    "bad header": b"# title: t\n# param: x iri = <\x01>\nSELECT * WHERE { ?s ?p ?x }\n",
    "chained": b"# title: t\nASK { {}" + b" UNION {}" * DEEP + b" }",
}
#: Store manifests that are wrong in every way (`kg store`, `--store`).
BAD_MANIFESTS: dict[str, bytes] = {
    "binary": bytes(range(256)),
    "not-utf8": b'{"format": "kgcli-store 1", "generation": 1, "files": ["\xff"]}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "a list": b"[]",
    "wrong types": b'{"format": "kgcli-store 1", "generation": "x", "files": 5}',
    "wrong entry": b'{"format": "kgcli-store 1", "generation": 1, "files": [{"source": 5}]}',
    "future": b'{"format": "kgcli-store 1", "generation": 99999999999999999999, "files": []}',
}
DEEP_JSONLD = (
    b'{"@id": "http://a/s", "http://a/p": ' + b'{"http://a/p": ' * DEEP + b"1" + b"}" * (DEEP + 1)
)


def _extra_runs() -> Iterator[tuple[str, Run]]:
    """Garbage the per-option sweep cannot give: catalogue folders, config files, stores, stdin."""
    mini = str(MINI)
    for kind in BAD_QUERIES:
        folder = f"{{tmp}}/catalogue-{kind}"
        # The catalogue lists files only, and reads a query's text only to run it.
        skipped = kind in ("folder", "deep", "huge", "chained")
        yield f"-Q with a {kind} query: list", Run(("-Q", folder, "queries", "list"), skipped)
        yield (
            f"-Q with a {kind} query: run",
            Run(("-Q", folder, "query", "--data", mini, "q"), process=kind in ("deep", "chained")),
        )
        yield (
            f"-Q with a {kind} query: serve",
            Run(("-Q", folder, "serve", "--data", mini), skipped),
        )
    for kind in BAD_FILES:
        yield f"-Q {kind}", Run(("-Q", f"{{tmp}}/{kind}", "queries", "list"), kind == "folder")
        config = (("KG_CONFIG", f"{{tmp}}/{kind}.toml"),)
        command = ("query", "-E", "lab", "-e", "ASK {}")
        yield f"config {kind}: query", Run(command, env=config)
        yield f"config {kind}: push", Run(("push", "-E", "lab", "--data", mini), env=config)
        stdin = BAD_FILES[kind][0]
        if stdin:
            yield f"stdin {kind}: query", Run(("query", "--data", mini, "-"), stdin=stdin)
            yield f"stdin {kind}: data", Run(("query", "--data", "-", "-e", "ASK {}"), stdin=stdin)
    for kind in BAD_MANIFESTS:
        store = f"{{tmp}}/store-{kind}"
        yield f"store {kind}: info", Run(("store", "info", store))
        yield f"store {kind}: query", Run(("query", "-S", store, "-e", "ASK {}"))
        yield f"store {kind}: load", Run(("store", "load", store, mini))
    yield (
        "deep JSON-LD",
        Run(("query", "--data", "{tmp}/deep.jsonld", "-e", "ASK {}"), process=True),
    )
    yield (
        "deep JSON-LD on stdin",
        Run(("info", "--data", "-", "--data-format", "jsonld"), stdin=DEEP_JSONLD, process=True),
    )
    deep = (b"SELECT * WHERE " + b"{" * DEEP + b"}" * DEEP).decode()
    yield "deep -e with --timeout", Run(("query", "--data", mini, "--timeout", "30", "-e", deep))
    yield (
        "deep network query",
        Run(("network", "analyze", "--data", mini, "-q", "{tmp}/deep.rq"), process=True),
    )


CASES = {
    **{
        f"{' '.join(path)}: {what}": run
        for path, command in COMMANDS.items()
        for what, run in _runs(path, command)
    },
    **dict(_extra_runs()),
}


@pytest.fixture(scope="module")
def garbage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every bad file under every extension the commands read."""
    folder = tmp_path_factory.mktemp("garbage")
    (folder / "made").mkdir()  # for what a command may create: "missing" stays missing above
    for suffix, base in itertools.product({"", *EXTENSIONS.values()}, (folder, folder / "made")):
        for kind, (content, _) in BAD_FILES.items():
            target = base / f"{kind}{suffix}"
            if kind == "missing":
                continue
            if content is None:
                target.mkdir()
            else:
                target.write_bytes(content)
    for kind, content in BAD_QUERIES.items():
        (folder / f"catalogue-{kind}").mkdir()
        if content is None:
            (folder / f"catalogue-{kind}" / "q.rq").mkdir()
        else:
            (folder / f"catalogue-{kind}" / "q.rq").write_bytes(content)
    for kind, content in BAD_MANIFESTS.items():
        (folder / f"store-{kind}").mkdir()
        (folder / f"store-{kind}" / "kgstore.json").write_bytes(content)
    (folder / "deep.jsonld").write_bytes(DEEP_JSONLD)
    (folder / "deep.rq").write_bytes(BAD_QUERIES["deep"] or b"")
    return folder


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch, garbage: Path) -> None:
    """No user settings; `kg serve` parses and checks everything, then does not listen."""
    for var in ("KG_ENDPOINT", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD", "KG_STORE", "KG_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KG_CONFIG", str(garbage / "no-config.toml"))
    monkeypatch.setattr("kgcli.serve.app.serve", lambda *args, **kwargs: None)


def _check(run: Run, code: int, stdout: str, stderr: str, raised: BaseException | None) -> None:
    output = stdout + stderr
    assert raised is None, f"{run.argv}: raised {raised!r}"
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    allowed = {0, 1, 2, 3, 4} if run.may_pass else {1, 2, 3, 4}
    assert code in allowed, f"exit {code}: {output}"
    if code:
        errors = [line for line in stderr.splitlines() if line.startswith("kg: error:")]
        assert len(errors) == 1, stderr


def _fill(argv: tuple[Any, ...], folder: Path) -> list[str]:
    return [str(a).replace("{tmp}", str(folder)) for a in argv]


def test_every_command_is_swept() -> None:
    """The sweep reaches every command, each with more than an unknown option."""
    assert {" ".join(p) for p in COMMANDS} >= {
        "query",
        "info",
        "validate",
        "push",
        "serve",
        "queries list",
        "queries show",
        "network profiles",
        "network analyze",
        "network path",
        "network export",
        "store load",
        "store info",
    }
    for path in COMMANDS:
        assert sum(1 for name in CASES if name.startswith(" ".join(path) + ":")) >= 2


@pytest.mark.parametrize("name", list(CASES))
def test_garbage_gets_one_line_and_an_exit_code(
    name: str, garbage: Path, quiet_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = CASES[name]
    for var, value in run.env:
        monkeypatch.setenv(var, value.replace("{tmp}", str(garbage)))
    argv = _fill(run.argv, garbage)
    if run.process:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        env["KG_CONFIG"] = str(garbage / "no-config.toml")
        proc = subprocess.run(
            [sys.executable, "-m", "kgcli", *argv],
            input=run.stdin,
            capture_output=True,
            timeout=120,
            env=env,
        )
        stderr = proc.stderr.decode(errors="replace")
        _check(run, proc.returncode, proc.stdout.decode(errors="replace"), stderr, None)
        return
    result = CliRunner().invoke(app, argv, input=run.stdin)
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    stdout = result.stdout_bytes.decode(errors="replace")
    _check(run, result.exit_code, stdout, result.stderr, result.exception if escaped else None)


# --- where a real process matters -----------------------------------------------------------------

#: Arguments as bytes that are not UTF-8: Python keeps them as lone surrogates in `sys.argv`.
ARGV_BYTES: dict[str, tuple[bytes, ...]] = {
    "-e": (b"query", b"--data", str(MINI).encode(), b"-e", b'ASK { ?s ?p "\xff" }'),
    "-p": (b"query", b"firms-in-place", b"-p", b"place=\xff\xfe"),
    "-p name": (b"query", b"firms-in-place", b"-p", b"pl\xffce=x"),
    "--data": (b"query", b"--data", b"/tmp/\xff.ttl", b"-e", b"ASK {}"),
    "--output": (b"query", b"--data", str(MINI).encode(), b"-e", b"ASK {}", b"-o", b"\xff/x.csv"),
    "--endpoint": (b"query", b"-E", b"http://\xff/sparql", b"-e", b"ASK {}"),
    "--profile": (b"network", b"analyze", b"--data", str(MINI).encode(), b"-P", b"\xff.toml"),
    "query name": (b"query", b"\xff\xfe"),
    "--format": (b"query", b"--data", str(MINI).encode(), b"-e", b"ASK {}", b"-f", b"\xff"),
    "deep -e, --timeout": (
        b"query",
        b"--data",
        str(MINI).encode(),
        b"--timeout",
        b"30",
        b"-e",
        b"SELECT * WHERE " + b"{" * DEEP + b"}" * DEEP,
    ),
}


@pytest.mark.parametrize("name", list(ARGV_BYTES))
def test_arguments_that_are_not_utf8(name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"kgcli", *ARGV_BYTES[name]],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env={**env, "KG_CONFIG": str(tmp_path / "none.toml")},
    )
    output = (proc.stdout + proc.stderr).decode(errors="replace")
    assert "Traceback" not in output and "internal error" not in output, output
    assert proc.returncode in (1, 2), output
    assert proc.stderr.count(b"\n") == 1 and proc.stderr.startswith(b"kg: error: "), output


#: Malformed requests, each of which must get a 4xx answer (and no traceback in the log).
REQUESTS: dict[str, bytes] = {
    "Host [::1": b"GET /sparql HTTP/1.1\r\nHost: [::1\r\n\r\n",
    "Host with a space": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: a b\r\n\r\n",
    "Host port too large": b"GET /sparql HTTP/1.1\r\nHost: localhost:99999999\r\n\r\n",
    "Host not ASCII": b"GET /sparql HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
    "two Hosts": b"GET /sparql HTTP/1.1\r\nHost: a\r\nHost: [\r\n\r\n",
    "Content-Length abc": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: abc\r\n\r\nASK {}",
    "Content-Length -5": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: -5\r\n\r\nASK {}",
    "Content-Length huge": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "Content-Length twice": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\n"
    b"ASK {}",
    "bad percent-encoding": b"GET /sparql?query=%ZZ%E0%A4 HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad percent-encoding in the path": b"GET /queries/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
    "form not UTF-8": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nquery=AS%FFK",
    "raw form not UTF-8": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\n"
    b"query=\xff\xfe{}",
    "body not UTF-8": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 7\r\n\r\nASK {\xff}",
    "unknown Accept": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: foo/bar\r\n\r\n",
    "garbage Accept": b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
    b"Accept: \xff;q=nan;;,,*/x\r\n\r\n",
    "request line not ASCII": b"GET /sp\xc3\xa4rql?query=\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    "query string not ASCII": b"GET /sparql?query=ASK\xff{} HTTP/1.1\r\nHost: x\r\n\r\n",
    "garbage Content-Type": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: \xff/\xfe; charset=\xff\r\nContent-Length: 6\r\n\r\nASK {}",
    "empty charset": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b'Content-Type: application/sparql-query; charset=""\r\nContent-Length: 6\r\n\r\nASK {}',
    "deep GET": b"GET /sparql?query=SELECT%20*%20WHERE%20"
    + b"%7B" * DEEP
    + b"%7D" * DEEP
    + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "deep POST": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    + f"Content-Length: {15 + 2 * DEEP}\r\n\r\n".encode()
    + b"SELECT * WHERE "
    + b"{" * DEEP
    + b"}" * DEEP,
    "chained POST": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\n"
    + f"Content-Length: {9 + 9 * DEEP}\r\n\r\n".encode()
    + b"ASK { {}"
    + b" UNION {}" * DEEP
    + b"}",
    "method not a token": b"F\xffO /sparql HTTP/1.1\r\nHost: x\r\n\r\n",
    "absolute target, broken IPv6": b"GET http://[::1/sparql HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad chunk": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n",
    "header without a colon": b"GET /sparql HTTP/1.1\r\nHost: x\r\nGarbage\r\n\r\n",
    "NUL in a header": b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "timeout=nan": b"GET /sparql?query=ASK%7B%7D&timeout=nan HTTP/1.1\r\nHost: x\r\n\r\n",
    "timeout=-inf": b"GET /sparql?query=ASK%7B%7D&timeout=-inf HTTP/1.1\r\nHost: x\r\n\r\n",
    "format garbage": b"GET /sparql?query=ASK%7B%7D&format=%00%ff HTTP/1.1\r\nHost: x\r\n\r\n",
    "graph IRI garbage": b"GET /sparql?query=ASK%7B%7D&default-graph-uri=%00 HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",
    "surrogate in a parameter": b"GET /queries/firms-in-place?place=%ED%A0%80 HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",
    "parameter twice": b"GET /queries/firms-in-place?place=a&place=b HTTP/1.1\r\nHost: x\r\n\r\n",
    "update, garbage token": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Authorization: Bearer \xff\xfe\r\nContent-Type: application/sparql-update\r\n"
    b"Content-Length: 9\r\n\r\nCLEAR ALL",
    "NUL in the query": b"GET /sparql?query=ASK%7B%00%7D HTTP/1.1\r\nHost: x\r\n\r\n",
    "query over the size limit": b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 1048600\r\n\r\nASK {} #"
    + b"x"
    * (1048600 - 8),
    "headers too large": b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 300_000 + b"\r\n\r\n",
}


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        with contextlib.suppress(OSError):  # the server may answer and close before all is sent
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 16):
                data += chunk
    return data


def test_malformed_requests_get_a_4xx_and_no_traceback() -> None:
    with kg_serve("--data", str(MINI), "--timeout", "10") as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        answers = {name: _exchange(port, request) for name, request in REQUESTS.items()}
        log = "".join(server.log)
    statuses = {name: answer.split(b" ", 2)[1:2] for name, answer in answers.items()}
    wrong = {name: s for name, s in statuses.items() if not (s and s[0].startswith(b"4"))}
    assert not wrong, wrong
    for name, answer in answers.items():
        assert b"Traceback" not in answer and b"internal error" not in answer, name
    assert "Traceback" not in log and "uncaptured" not in log, log
