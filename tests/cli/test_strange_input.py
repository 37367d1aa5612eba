"""Deep or strange input never crashes kg (issue #12, class 3): one line, no traceback.

Each class of input has its test, with the exact line: queries nested deeper than the engine's
stack allows (brackets of every kind, long chains of UNION, BIND, `||` ...), queries over the size
limit, text that is not UTF-8 (in `-e`, stdin, a query file, `-p`), config and profile TOML that
is not UTF-8, nests without end or holds a value of the wrong type at any key, non-finite
timeouts, deep JSON-LD files and deep JSON results from an endpoint, malformed requests to
`kg serve`. The cases that killed the process before (SIGSEGV) run in a subprocess, so that a
regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from support import MINI, ROOT
from support.fakes import Answer, FakeServer
from support.server import Server, call, kg_serve

from kgcli.engine.catalogue import from_text
from kgcli.engine.query import prepare
from kgcli.errors import InputError
from kgcli.network.profile import load_profile

N = 5000  # levels: each kind below kills the engine (SIGSEGV) well before this
P = "<http://a/p>"
TOO_DEEP = "nested more than 128 levels deep"
REFUSED = "kg refuses such a query (the engine would run out of stack)"
CHAINED = "and chained UNION, OPTIONAL, BIND, ||, + ... worth"

#: Every place the engine recurses in a query: (its text, the column of the error on line 1 and,
#: where chains were counted, how the error accounts for them).
DEEP_QUERIES: dict[str, tuple[str, str]] = {
    "groups": ("SELECT * WHERE " + "{" * N + "}" * N, "144"),
    "parentheses": ("SELECT * WHERE { FILTER(" + "(" * N + "1" + ")" * N + ") }", "150"),
    "property path": ("SELECT * WHERE { ?s " + "(" * N + P + ")" * N + " ?o }", "148"),
    "collections": (f"SELECT * WHERE {{ ?s {P} " + "(" * N + ")" * N + " }", "161"),
    "blank nodes": (f"SELECT * WHERE {{ ?s {P} " + f"[ {P} " * N + "1" + " ]" * N + " }", "1939"),
    "triple terms": (
        f"SELECT * WHERE {{ ?s {P} " + f"<< {P} {P} " * N + P + " >>" * N + " }",
        "3717",
    ),
    "function calls": (
        "SELECT * WHERE { BIND(" + "CONCAT(" * N + '"a"' + ")" * N + " AS ?x) }",
        "904",
    ),
    "EXISTS": (
        "SELECT * WHERE { " + "FILTER EXISTS { " * N + "}" * N + " }",
        f"1824: {TOO_DEEP} (114 brackets, {CHAINED} 14 more)",
    ),
    "subqueries": (
        "SELECT * WHERE { " + "{ SELECT * WHERE " * N + "{}" + "}" * N + " }",
        f"1931: {TOO_DEEP} (114 brackets, {CHAINED} 14 more)",
    ),
    "UNION chain": (
        "SELECT * WHERE { {}" + " UNION {}" * N + " }",
        f"9099: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
    "BIND chain": (
        "SELECT * WHERE {" + "".join(f" BIND(1 AS ?b{i})" for i in range(N)) + " }",
        f"5624: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
    "MINUS chain": (
        f"SELECT * WHERE {{ ?s {P} ?o" + f" MINUS {{ ?s {P} ?o }}" * N + " }",
        f"9787: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
    "|| chain": (
        "SELECT * WHERE { FILTER(?x = 1" + " || ?x = 1" * N + ") }",
        f"10102: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
    "+ chain": (
        "SELECT * WHERE { FILTER(1" + " + 1" * N + ") }",
        f"4055: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
    "! chain": (
        "SELECT * WHERE { FILTER(" + "!" * N + "true) }",
        f"1032: {TOO_DEEP} (2 brackets, {CHAINED} 126 more)",
    ),
}


def _deep_message(detail: str) -> str:
    """The error of a DEEP_QUERIES entry."""
    if detail.isdigit():
        return f"line 1, column {detail}: {TOO_DEEP}; {REFUSED}"
    return f"line 1, column {detail}; {REFUSED}"


def _kg(*args: str | bytes, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run `kg ARGS` as a process (bytes arguments pass as they are): (code, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    clean["KG_CONFIG"] = str(ROOT / "no-such-config.toml")
    proc = subprocess.run(
        [
            sys.executable.encode(),
            b"-m",
            b"kgcli",
            *(a if isinstance(a, bytes) else a.encode() for a in args),
        ],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=120,
        env=clean,
    )
    return (
        proc.returncode,
        proc.stdout.decode(errors="replace"),
        proc.stderr.decode(errors="replace"),
    )


def _error(message: str, code: int = 2) -> tuple[int, str, str]:
    return code, "", f"kg: error: {message}\n"


# --- nesting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DEEP_QUERIES))
def test_a_deep_query_is_refused_before_the_engine_sees_it(kind: str) -> None:
    text, detail = DEEP_QUERIES[kind]
    with pytest.raises(InputError) as caught:
        prepare(from_text(text, "-e"))
    assert str(caught.value) == _deep_message(detail)


def test_queries_at_the_limit_run() -> None:
    """The limit is no lower than it needs to be: the deepest allowed queries run."""
    import pyoxigraph as ox

    from kgcli.engine.query import run
    from kgcli.engine.source import LocalSource

    source = LocalSource(ox.Store())
    for text in (
        "ASK " + "{" * 128 + "}" * 128,
        "ASK { FILTER(1" + " + 1" * 1000 + " > 0) }",
        "ASK { {}" + " UNION {}" * 1000 + " }",
    ):
        result = run(source, prepare(from_text(text, "-e")))
        assert result.value is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("how", "args", "stdin"),
    [
        ("-e", ("-e", DEEP_QUERIES["groups"][0]), None),
        ("-e with --timeout", ("--timeout", "30", "-e", DEEP_QUERIES["groups"][0]), None),
        ("stdin", ("-",), DEEP_QUERIES["groups"][0].encode()),
        ("-e, a chain", ("-e", DEEP_QUERIES["UNION chain"][0]), None),
    ],
)
def test_a_deep_query_is_one_line_and_exit_2(how: str, args: tuple[str, ...], stdin: Any) -> None:
    """These killed `kg query` (SIGSEGV, exit 139) or printed a traceback (with --timeout)."""
    detail = DEEP_QUERIES["UNION chain" if "chain" in how else "groups"][1]
    got = _kg("query", "--data", str(MINI), *args, stdin=stdin)
    assert got == _error(_deep_message(detail))


def test_a_deep_query_file_and_header(tmp_path: Path) -> None:
    """In a file with a header whose IRI default reads the prefixes, the depth is named as such."""
    path = tmp_path / "deep.rq"
    header = "# title: deep\n# param: x iri = http://a/x\n"
    path.write_text(header + DEEP_QUERIES["groups"][0] + "\n")
    got = _kg("query", "--data", str(MINI), str(path))
    assert got == _error(f"line 3, column 144: {TOO_DEEP}; {REFUSED}")


def test_a_deep_property_path_in_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    deep = "(" * N + "kg:a" + ")" * N
    path.write_text(
        f'title = "t"\n[[nodes]]\nclass = "kg:Firm"\n[[edges]]\npath = "{deep}"\nkind = "x"\n'
    )
    got = _kg("network", "analyze", "--data", str(MINI), "-P", str(path))
    shown = "(" * 59 + "…"
    assert got == _error(f"{path}:5: path '{shown}' is not usable: {TOO_DEEP}; {REFUSED}")


def test_a_deep_json_ld_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonld"
    path.write_text(
        '{"@id": "http://a/s",\n "http://a/p": ' + '{"http://a/p": ' * N + "1" + "}" * N + "}\n"
    )
    got = _kg("query", "--data", str(path), "-e", "ASK {}")
    assert got == _error(
        f"{path}:2:1921: JSON nested more than 128 levels deep; kg refuses deeper documents "
        "(the engine's parser would run out of stack)"
    )


def test_deep_turtle_trig_and_rdf_xml_load(tmp_path: Path) -> None:
    """Their parsers do not recurse: no limit is needed, and none is put on them."""
    files = {
        "deep.ttl": f"<http://a/s> {P} " + f"[ {P} " * N + "1" + " ]" * N + " .\n",
        "lists.ttl": f"<http://a/s> {P} " + "( " * N + ")" * N + " .\n",
        "deep.trig": f"<http://a/g> {{ <http://a/s> {P} "
        + f"[ {P} " * N
        + "1"
        + " ]" * N
        + " . }\n",
        "deep.rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:a="http://a/"><rdf:Description rdf:about="http://a/s">'
        + "<a:p><rdf:Description>" * N
        + "</rdf:Description></a:p>" * N
        + "</rdf:Description></rdf:RDF>\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = [a for name in files for a in ("--data", str(tmp_path / name))]
    got = _kg("query", *args, "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f", "csv")
    # N + 1 triples in each nest of blank nodes, 2 (N - 1) + 1 in the nest of lists, N in XML.
    assert got == (0, f"n\r\n{(N + 1) + (2 * (N - 1) + 1) + (N + 1) + N}\r\n", "")


def _deep_triple_term(levels: int) -> str:
    """A SPARQL JSON term: a triple term whose subject is one, `levels` deep (as JSON text)."""
    head = '{"type": "triple", "value": {"subject": '
    iri = '{"type": "uri", "value": "http://a/x"}'
    tail = f', "predicate": {iri}, "object": {iri}}}}}'
    return head * levels + iri + tail * levels


def test_deep_json_results_from_an_endpoint() -> None:
    """A SPARQL endpoint that answers 5,000 nested triple terms killed `kg query` (SIGSEGV)."""
    term = _deep_triple_term(N)
    body = '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": ' + term + "}]}}"
    answer = Answer(200, body.encode(), {"Content-Type": "application/sparql-results+json"})
    with FakeServer() as fake:
        fake.default = answer
        url = f"{fake.base}/sparql"
        got = _kg("query", "-E", url, "-e", "SELECT ?x WHERE { ?s ?p ?x }")
    assert got == _error(
        f"{url}: answered JSON nested more than 128 levels deep, which kg refuses to parse", 1
    )


def test_json_depth_is_counted_outside_strings_only() -> None:
    from kgcli.limits import json_too_deep

    assert json_too_deep(b'["[[[[", {"a": "{{{{"}]', limit=2) is None
    assert json_too_deep(b'[\n  [[ "]" ]]', limit=2) == (2, 4)
    assert json_too_deep(b'["\\"[", [[["x"]]]]', limit=3) == (1, 11)


# --- size -----------------------------------------------------------------------------------------


def test_a_query_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.rq"
    values = " ".join(f"<http://example.org/item/{i}>" for i in range(40_000))
    path.write_text(f"SELECT * WHERE {{ VALUES ?x {{ {values} }} }}\n")
    size = len(path.read_text())
    got = _kg("query", "--data", str(MINI), str(path))
    assert got == _error(
        f"{path}: the query has {size:,} characters, more than kg's limit of 1,048,576 "
        "(write long lists of values to a file and load it with --data)"
    )


# --- text that is not UTF-8 -----------------------------------------------------------------------

BAD_QUERY = b'SELECT * WHERE {\n  ?s ?p "caf\xe9" }'


def test_a_query_that_is_not_utf8_in_e() -> None:
    """Bytes in argv: Python keeps them as lone surrogates, which failed at the engine."""
    got = _kg("query", "--data", str(MINI), b"-e", BAD_QUERY)
    assert got == _error("-e:2:13: not UTF-8 (byte 0xe9)")


def test_a_query_that_is_not_utf8_on_stdin() -> None:
    got = _kg("query", "--data", str(MINI), "-", stdin=BAD_QUERY)
    assert got == _error("<stdin>:2:13: not UTF-8 (byte 0xe9); save it as UTF-8")


def test_a_query_file_that_is_not_utf8(tmp_path: Path, kg: Any) -> None:
    path = tmp_path / "bad.rq"
    path.write_bytes(b"\xef\xbb\xbf# title: bad\n" + BAD_QUERY)
    result = kg("query", "--data", str(MINI), str(path))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {path}:3:13: not UTF-8 (byte 0xe9); save it as UTF-8\n",
    )
    result = kg("network", "analyze", "--data", str(MINI), "-q", str(path))
    assert result.stderr == f"kg: error: {path}:3:13: not UTF-8 (byte 0xe9); save it as UTF-8\n"


def test_a_lone_surrogate_in_e(kg: Any) -> None:
    result = kg("query", "--data", str(MINI), "-e", 'ASK { ?s ?p "\ud800" }')
    assert (result.exit_code, result.stderr) == (
        2,
        "kg: error: -e:1:14: not valid Unicode (lone surrogate U+D800)\n",
    )


def test_a_query_file_that_is_a_folder(tmp_path: Path, kg: Any) -> None:
    folder = tmp_path / "folder.rq"
    folder.mkdir()
    result = kg("query", "--data", str(MINI), str(folder))
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: {folder}: is a directory, expected a query file\n",
    )


def test_parameters_that_are_not_utf8_or_hold_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "iri.rq"
    path.write_text("# title: t\n# param: x iri = http://a/\nSELECT * WHERE { ?s ?p ?x }\n")
    got = _kg("query", "--data", str(MINI), str(path), b"-p", b"x=http://a/\xff")
    assert got == _error("parameter 'x': 'http://a/\\udcff' is not valid Unicode")
    got = _kg("query", "firms-in-place", "-p", "place=a\x01b\x7f", "-f", "csv")
    # The empty result is explained, the control characters escaped, never written raw.
    assert got == (
        0,
        "placeLabel,firmLabel,type,location,firm\r\n",
        "kg: no rows: no label or other name in the graph has the words place='a\\x01b\\x7f'\n",
    )


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "nan", "1e308"])
@pytest.mark.parametrize(
    "command",
    [
        ("query", "-e", "ASK {}"),
        ("network", "analyze"),
        ("push", "-E", "http://127.0.0.1:9/sparql"),
        ("serve",),
    ],
)
def test_a_timeout_that_is_no_number_of_seconds(
    kg: Any, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], value: str
) -> None:
    """`--timeout inf` passed click's range, then overflowed select() with a traceback."""
    monkeypatch.setattr("kgcli.serve.app.serve", lambda *args, **kwargs: None)  # never listen
    result = kg(*command, "--data", str(MINI), "--timeout", value)
    shown = f"{float(value):g}"
    where = " ".join(command[:2]) if command[0] == "network" else command[0]
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: Invalid value for '--timeout': {shown} is not a number of seconds above "
        f"zero and at most 1,000,000,000 (see 'kg {where} -h')\n",
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [("http://a b/", "' '"), ("http://a/\x01", "'\\x01'"), ("http://\udcff/", "'\\udcff'")],
)
def test_an_endpoint_url_http_cannot_send(kg: Any, url: str, shown: str) -> None:
    """http.client refused these with a traceback (InvalidURL, UnicodeEncodeError)."""
    result = kg("query", "-E", url, "-e", "ASK {}")
    assert (result.exit_code, result.stderr) == (
        2,
        f"kg: error: --endpoint {url!r} is not an http(s) URL: {shown} must be percent-encoded "
        "(a host in other scripts written in punycode, xn--...)\n",
    )


# --- config TOML ----------------------------------------------------------------------------------

URL = 'url = "http://127.0.0.1:9/sparql"\n'
CONFIG_CASES: dict[str, tuple[bytes, str]] = {
    "not UTF-8": (
        b'[endpoints.lab]\nurl = "http://127.0.0.1/caf\xe9"\n',
        "{path}:2:28: [endpoints.lab] url: not UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    "10,000 nested arrays": (
        b"[endpoints.lab]\n" + URL.encode() + b"deep = " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
        "{path}:3: deep: arrays or inline tables nested too deeply to read",
    ),
    "timeout = inf": (
        b"[endpoints.lab]\n" + URL.encode() + b"timeout = inf\n",
        "{path}: [endpoints.lab]: timeout must be a number of seconds above zero "
        "and at most 1,000,000,000, not inf",
    ),
    "timeout = nan": (
        b"[endpoints.lab]\n" + URL.encode() + b"timeout = nan\n",
        "{path}: [endpoints.lab]: timeout must be a number of seconds above zero "
        "and at most 1,000,000,000, not nan",
    ),
    "timeout = 1e308": (
        b"[endpoints.lab]\n" + URL.encode() + b"timeout = 1e308\n",
        "{path}: [endpoints.lab]: timeout must be a number of seconds above zero "
        "and at most 1,000,000,000, not 1e+308",
    ),
    "url with a space": (
        b'[endpoints.lab]\nurl = "http://a b/sparql"\n',
        "{path}: [endpoints.lab] url 'http://a b/sparql' is not an http(s) URL: ' ' must be "
        "percent-encoded (a host in other scripts written in punycode, xn--...)",
    ),
    "timeout = true": (
        b"[endpoints.lab]\n" + URL.encode() + b"timeout = true\n",
        "{path}: [endpoints.lab]: timeout must be a number of seconds above zero "
        "and at most 1,000,000,000, not True",
    ),
}
#: Every string key of an endpoint, each given a value of each wrong type.
for _key in (
    "url",
    "auth",
    "user",
    "password",
    "user_env",
    "password_env",
    "server",
    "graph_store",
    "update",
):
    for _written, _shown in (
        ("5", "5"),
        ("[]", "[]"),
        ("{}", "{}"),
        ("2024-01-01", "datetime.date(2024, 1, 1)"),
    ):
        _other = "" if _key == "url" else URL
        CONFIG_CASES[f"{_key} = {_written}"] = (
            f"[endpoints.lab]\n{_other}{_key} = {_written}\n".encode(),
            f"{{path}}: [endpoints.lab]: {_key} must be a string, not {_shown}",
        )


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_config_mistakes_are_one_line_naming_file_and_key(
    tmp_path: Path, kg: Any, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    content, message = CONFIG_CASES[case]
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    monkeypatch.setenv("KG_CONFIG", str(path))
    result = kg("query", "-E", "lab", "-e", "ASK {}")
    assert (result.exit_code, result.stderr) == (
        2,
        "kg: error: " + message.replace("{path}", str(path)) + "\n",
    )


# --- profile TOML ---------------------------------------------------------------------------------

#: A profile with every key (`kgcli/network/profiles/README.md`), each of which gets wrong values
#: below.
PROFILE = {
    "title": "t",
    "description": "d",
    "labels": ["rdfs:label"],
    "prefixes": {"ex": "http://example.org/"},
    "nodes": [{"class": "ex:A", "kind": "A"}, {"class": "ex:B"}],
    "edges": [
        {"property": "ex:p", "kind": "ex:p", "label": "p", "weight": 1.5},
        {"path": "ex:p/ex:q", "kind": "pq"},
    ],
    "attributes": [{"property": "ex:d", "name": "d", "start": True}],
    "projection": {"keep": ["ex:A"], "via": ["ex:B"], "kind": "k", "label": "l", "isolated": True},
}
#: What each key takes, where it is not a non-empty string (a title, a class, a kind, a path...).
TAKES = {
    "weight": "number",
    "start": "bool",
    "end": "bool",
    "isolated": "bool",
    "labels": "list",
    "keep": "list",
    "via": "list",
    "prefixes": "table",
    "projection": "table",
    "nodes": "tables",
    "edges": "tables",
    "attributes": "tables",
    "description": "text",
}
WRONG: dict[str, Any] = {
    "5": 5,
    "1.5": 1.5,
    "true": True,
    "inf": math.inf,
    "nan": math.nan,
    "[]": [],
    "{}": {},
    "[1]": [1],
    "deep": "deep",
}


def _fits(key: str, value: Any) -> bool:
    """Whether `value` is of the type `key` takes (then it is no mistake to test here)."""
    takes = TAKES.get(key, "string")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "number": number and math.isfinite(value),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list) and bool(value) and isinstance(value[0], str),
        "table": isinstance(value, dict) and key == "prefixes",
        "tables": value == [] and key in ("edges", "attributes"),
        "text": isinstance(value, str) and value != "deep",
    }.get(takes, isinstance(value, str) and value not in ("", "deep"))


def _toml(value: Any) -> str:
    if value == "deep":
        return "[" * 2000 + "]" * 2000
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"


def _profile_text(doc: dict[str, Any]) -> str:
    """`doc` as TOML: plain keys first, then [tables] and [[arrays of tables]]."""
    head, tables = [], []
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            tables += [f"[{key}]", *(f"{k} = {_toml(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for table in value:
                tables += [f"[[{key}]]", *(f"{k} = {_toml(v)}" for k, v in table.items())]
        else:
            head.append(f"{key} = {_toml(value)}")
    return "\n".join(head + tables) + "\n"


def _places() -> Iterator[tuple[Any, ...]]:
    """Where a value sits in PROFILE: ("title",), ("nodes", 0, "class"), ("prefixes", "ex")..."""
    for key, value in PROFILE.items():
        yield (key,)
        if isinstance(value, dict):
            yield from ((key, inner) for inner in value)
        elif isinstance(value, list) and isinstance(value[0], dict):
            yield from ((key, i, inner) for i, table in enumerate(value) for inner in table)


def _mutated(place: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(PROFILE))
    holder = doc
    for step in place[:-1]:
        holder = holder[step]
    holder[place[-1]] = value
    return doc


PROFILE_CASES = {
    f"{'.'.join(map(str, place))} = {label}": (str(place[-1]), _mutated(place, value))
    for place in _places()
    for label, value in WRONG.items()
    if not _fits("ex" if place[0] == "prefixes" and len(place) > 1 else str(place[-1]), value)
}


def test_the_profile_to_mutate_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(_profile_text(PROFILE))
    assert load_profile(path).title == "t"


@pytest.mark.parametrize("case", list(PROFILE_CASES))
def test_a_profile_value_of_the_wrong_type_is_one_line_naming_file_and_key(
    tmp_path: Path, case: str
) -> None:
    key, doc = PROFILE_CASES[case]
    path = tmp_path / "p.toml"
    path.write_text(_profile_text(doc))
    with pytest.raises(InputError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:"), message
    assert key in message, message


EDGE = b'title = "t"\n[[nodes]]\nclass = "kg:Firm"\n[[edges]]\nproperty = "kg:a"\n'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'title = "caf\xe9"\n',
            "{path}:1:13: title: not UTF-8 (byte 0xe9); save the file as UTF-8",
        ),
        (
            b'title = "t"\nlabels = ' + b"[" * 10_000 + b"]" * 10_000 + b"\n",
            "{path}:2: labels: arrays or inline tables nested too deeply to read",
        ),
        (
            EDGE + b"weight = inf\n",
            "{path}:6: weight must be a finite number, not inf",
        ),
        (
            EDGE + b"weight = nan\n",
            "{path}:6: weight must be a finite number, not nan",
        ),
    ],
)
def test_profile_mistakes_on_the_command_line(
    tmp_path: Path, kg: Any, content: bytes, message: str
) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(content)
    result = kg("network", "analyze", "--data", str(MINI), "-P", str(path))
    assert (result.exit_code, result.stderr) == (
        2,
        "kg: error: " + message.replace("{path}", str(path)) + "\n",
    )


# --- SHACL shapes ---------------------------------------------------------------------------------

SHAPE = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
SHAPE += "ex:S a sh:NodeShape ; sh:targetNode ex:firmA ; "


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (
            'sh:sparql [ sh:select """SELECT $this WHERE ' + "{" * N + "}" * N + '""" ] .',
            "the shapes nest too deeply to check (a SPARQL constraint, a path or "
            "sh:and/sh:or/sh:not)",
        ),
        (
            'sh:sparql [ sh:select "SELECT $this WHERE { ?x ?y }" ] .',
            "a SPARQL constraint: Expected SelectQuery, found '?' (at char 178), (line:5, col:22)",
        ),
        (
            'sh:pattern "([" .',
            "sh:pattern '([' is not a regular expression (unterminated character set)",
        ),
        (
            'sh:property [ sh:path "p" ] .',
            "Values of a property path cannot be a Literal. For reference, see "
            "https://www.w3.org/TR/shacl/#property-paths",
        ),
    ],
    ids=["deep SPARQL", "bad SPARQL", "bad pattern", "literal path"],
)
def test_shapes_pyshacl_cannot_use(tmp_path: Path, kg: Any, shape: str, message: str) -> None:
    """pySHACL and rdflib raised these (RecursionError, ParseException, re.error) as tracebacks."""
    path = tmp_path / "shapes.ttl"
    path.write_text(SHAPE + shape + "\n")
    result = kg("validate", "--data", str(MINI), "--shapes", str(path))
    assert (result.exit_code, result.stderr) == (2, f"kg: error: {path}: {message}\n")


# --- failures of the process itself ---------------------------------------------------------------


def test_a_query_process_killed_by_a_signal_is_one_line(kg: Any, monkeypatch: Any) -> None:
    """With --timeout the query runs in a child; one that died read a missing result file."""
    from kgcli.engine.source import LocalSource

    def crash(self: Any, text: str, *args: Any, **kwargs: Any) -> None:
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)  # past pytest's faulthandler
        os.kill(os.getpid(), signal.SIGSEGV)

    monkeypatch.setattr(LocalSource, "_run", crash)
    result = kg("query", "--data", str(MINI), "--timeout", "30", "-e", "ASK {}")
    assert (result.exit_code, result.stderr) == (
        1,
        "kg: error: query failed: the engine's process was killed by SIGSEGV\n",
    )


def test_a_bug_is_one_line_and_debug_shows_it(kg: Any, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise TypeError("http://user:secret@example.org/ failed")  # a message is never shown

    monkeypatch.setattr("kgcli.engine.query.prepare", broken)
    result = kg("query", "--data", str(MINI), "-e", "ASK {}")
    line = broken.__code__.co_firstlineno + 1
    assert (result.exit_code, result.stderr) == (
        1,
        f"kg: error: internal error (TypeError in test_strange_input.py line {line}); run again "
        "with --debug for the traceback and report it\n",
    )
    result = kg("--debug", "query", "--data", str(MINI), "-e", "ASK {}")
    assert isinstance(result.exception, TypeError)


def test_a_store_manifest_nested_without_end(tmp_path: Path, kg: Any) -> None:
    (tmp_path / "kgstore.json").write_text("[" * 100_000 + "]" * 100_000)
    result = kg("store", "info", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kg: error: {tmp_path}/kgstore.json: ")
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr


# --- kg serve -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with kg_serve("--data", str(MINI), "--timeout", "10") as running:
        yield running


def _raw(server: Server, request: bytes) -> tuple[int, bytes]:
    """Send `request` as it is; the status and the body of the answer."""
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(1 << 16):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    ("request_", "status", "body"),
    [
        (b"GET /sparql HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, b"malformed Host header '[::1'\n"),
        (
            b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost:99999\r\n\r\n",
            400,
            b"malformed Host header 'localhost:99999'\n",
        ),
        (
            b"GET http://[::1/sparql HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
            b"Bad Request\r\n\r\nBad URI (Invalid IPv6 URL)\r\n\r\n(generated by kgcli)",
        ),
        (
            b"GET /sparql?query=SELECT%20*%20WHERE%20"
            + b"%7B" * N
            + b"%7D" * N
            + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            400,
            f"line 1, column 144: {TOO_DEEP}; {REFUSED}\n".encode(),
        ),
    ],
    ids=["Host [::1", "Host with a port too large", "request target", "deep query"],
)
def test_malformed_requests_get_400(server: Server, request_: bytes, status: int, body: bytes):
    assert _raw(server, request_) == (status, body)


def test_serve_on_a_taken_port_or_a_bad_host() -> None:
    """waitress raised these (OSError, ValueError) as tracebacks."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, stderr = _kg("serve", "--data", str(MINI), "--port", str(port))
    assert (code, stderr.splitlines()[-1]) == (
        1,
        f"kg: error: cannot listen on 127.0.0.1 port {port}: Address already in use",
    )
    code, _, stderr = _kg("serve", "--data", str(MINI), "--host", "a b", "--port", "0")
    assert (code, stderr.splitlines()[-1]) == (
        2,
        "kg: error: --host 'a b': cannot listen there (Invalid host/port specified.)",
    )


def test_the_server_still_answers_and_logged_no_traceback(server: Server) -> None:
    status, _, body = call(
        "GET",
        server.url + "?query=ASK%7B%7D",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert (status, json.loads(body)["boolean"]) == (200, True)
    assert "Traceback" not in "".join(server.log)
    assert "uncaptured" not in "".join(server.log)


# --- an engine that fails while the answer is written -------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "table", "json", "xml", "tsv", "jsonl"])
def test_a_query_that_fails_while_its_answer_is_written_is_one_line(kg: Any, fmt: str) -> None:
    # The engine evaluates lazily: SERVICE is called when the first row is asked for, here by the
    # writer. Port 9 is refused by the engine itself, before any connection is tried.
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    result = kg("query", "--data", str(MINI), "--allow-federation", "-f", fmt, "-e", text)
    assert result.exit_code == 1
    assert result.stderr == (
        "kg: error: query failed: The port 9 is not allowed for HTTP(S) because it is dedicated "
        "to an other use\n"
    )


def test_a_failing_output_is_not_taken_for_a_failing_query() -> None:
    import errno

    import pyoxigraph as ox

    from kgcli.engine.results import SelectResult
    from kgcli.output.render import render

    class Full:
        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c")))
    for fmt in ("csv", "json", "table"):
        answer = store.query("SELECT * WHERE { ?s ?p ?o }")
        assert isinstance(answer, ox.QuerySolutions)
        rerun = cast(Callable[[], ox.QuerySolutions], lambda: store.query("SELECT * {}"))
        result = SelectResult.from_solutions(answer, rerun=rerun)
        with pytest.raises(OSError) as caught:
            render(result, fmt, Full(), width=80)  # type: ignore[arg-type]
        assert caught.value.errno == errno.ENOSPC, fmt
