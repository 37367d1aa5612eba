"""Safe by default (issue #7, item 2): a refused query opens no socket and no file, remote JSON-LD
contexts and external XML entities are never fetched, entity bombs never expand.

A Python audit hook (PEP 578) records every `open`, `socket.*` and file-system `os.*` event while
a refused command runs. Hooks cannot be removed, so one is installed for the whole test process
and records only inside `watching()`. The engine's native code raises no audit event, so every IRI
a query or file names points at a fake server on 127.0.0.1 that must receive no request.
"""

from __future__ import annotations

import ast
import contextlib
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import MINI
from integration.fakes import Answer, FakeServer

from kgcli.engine.xmlsafe import check_entities
from kgcli.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
_RECORDING: list[list[tuple[str, str]]] = []
# Events that touch the outside world; os.putenv/unsetenv (CliRunner's env) are not among them.
_WATCHED = ("socket.", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.mkdir")


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _RECORDING and (event == "open" or event.startswith(_WATCHED)):
        _RECORDING[-1].append((event, str(args[0]) if args else ""))


sys.addaudithook(_hook)


@contextlib.contextmanager
def watching() -> Iterator[list[tuple[str, str]]]:
    """Record the audited events of the block."""
    events: list[tuple[str, str]] = []
    _RECORDING.append(events)
    try:
        yield events
    finally:
        _RECORDING.remove(events)


def _refused_quietly(kg, args: list[str], allowed: set[str] = frozenset()) -> str:  # type: ignore[assignment,no-untyped-def]
    """Run `kg ARGS` twice (the first imports what the command needs), watch the second.

    Returns its one-line error; asserts it opened no socket and no file but `allowed`.
    """
    kg(*args)
    with watching() as events:
        result = kg(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kg: error: ")
    assert [e for e in events if e[0].startswith("socket.")] == []
    assert {path for event, path in events if event == "open"} <= allowed, events
    assert [e for e in events if e[0].startswith("os.")] == []
    return result.stderr


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with FakeServer() as server:
        server.default = Answer(200, b"<http://e/a> <http://e/p> <http://e/b> .\n")
        yield server


def test_the_hook_sees_what_it_must(fake: FakeServer, tmp_path: Path):
    """The proof below is only as good as the hook: it sees a socket and a file being opened."""
    import urllib.request

    with watching() as events:
        (tmp_path / "f").write_text("x")
        urllib.request.urlopen(f"{fake.base}/x", timeout=5).read()
    assert ("open", str(tmp_path / "f")) in events
    assert any(event == "socket.connect" for event, _ in events)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("SELECT * WHERE { SERVICE <{base}/sparql> { ?s ?p ?o } }", "would reach the network"),
        ("SELECT * WHERE { SERVICE SILENT <{base}/sparql> { ?s ?p ?o } }", "would reach"),
        ("PREFIX e: <{base}/>\nSELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }", "would reach"),
        ("LOAD <{base}/data.ttl>", "read the network or a file"),
        ("LOAD <file:///etc/passwd> INTO GRAPH <http://g>", "read the network or a file"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "updates are refused"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "would read a local file"),
        ("SELECT * FROM NAMED <file:///etc/hostname> WHERE { ?s ?p ?o }", "would read a local"),
        ("SELECT * FROM <{base}/graph.ttl> WHERE { ?s ?p ?o }", "never downloads"),
        ("SELECT * FROM NAMED <{base}/graph.ttl> WHERE { ?s ?p ?o }", "never downloads"),
    ],
)
def test_a_refused_query_opens_no_socket_and_no_file(kg, fake: FakeServer, query: str, words: str):
    text = query.replace("{base}", fake.base)
    # Only the --data file itself may be opened: the FROM check needs the graphs it holds.
    line = _refused_quietly(kg, ["query", "--data", str(MINI), "-e", text], {str(MINI)})
    assert words in line
    assert fake.requests == []


def test_a_refused_catalogue_or_file_query_reads_only_itself(kg, fake: FakeServer, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text(f"SELECT * WHERE {{ SERVICE <{fake.base}/sparql> {{ ?s ?p ?o }} }}")
    line = _refused_quietly(kg, ["query", str(query), "--data", str(MINI)], {str(query)})
    assert "would reach the network" in line
    assert fake.requests == []


def test_a_json_ld_remote_context_is_never_fetched(kg, fake: FakeServer, tmp_path: Path):
    doc = tmp_path / "remote-context.jsonld"
    doc.write_text(
        f'{{"@context": "{fake.base}/context.jsonld", "@id": "http://e/a", "name": "x"}}'
    )
    line = _refused_quietly(kg, ["query", "--data", str(doc), "-e", "ASK {}"], {str(doc)})
    refusal = "the JSON-LD @context is remote; kg never fetches it (put the context in the file)"
    assert line == f"kg: error: {doc}: {refusal}\n"
    # A shapes file goes through the same parser (rdflib's would fetch the context).
    line = _refused_quietly(
        kg, ["validate", "--data", str(MINI), "--shapes", str(doc)], {str(doc), str(MINI)}
    )
    assert line.endswith(f"{refusal}\n")
    assert fake.requests == []


@pytest.mark.parametrize("target", ["file:///etc/hostname", "{base}/entity.txt"])
def test_an_external_xml_entity_is_never_resolved(kg, fake: FakeServer, tmp_path, target):
    system = target.replace("{base}", fake.base)
    doc = tmp_path / "external.rdf"
    doc.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "{system}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        "<ex:p>&x;</ex:p></rdf:Description></rdf:RDF>\n"
    )
    line = _refused_quietly(kg, ["query", "--data", str(doc), "-e", "ASK {}"], {str(doc)})
    assert line.startswith(f"kg: error: {doc}")
    line = _refused_quietly(
        kg, ["validate", "--data", str(MINI), "--shapes", str(doc)], {str(doc), str(MINI)}
    )
    assert line == (
        f"kg: error: {doc}:2:21: the external entity 'x' would read a file or the network; kg "
        "never resolves external entities: remove its declaration\n"
    )
    assert fake.requests == []


# --- XML from an endpoint is never parsed ---------------------------------------------------

BOMB_XML = (
    b'<?xml version="1.0"?><!DOCTYPE sparql [<!ENTITY a "' + b"a" * 1000 + b'">'
    b'<!ENTITY b "' + b"&a;" * 1000 + b'">]>'
    b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><boolean>&b;</boolean></sparql>'
)


@pytest.mark.parametrize(
    ("query", "ctype", "expected"),
    [
        ("ASK {}", "application/sparql-results+xml", "expected SPARQL JSON results"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/rdf+xml", "expected RDF (Turtle)"),
    ],
)
def test_xml_from_an_endpoint_is_never_parsed(kg, fake: FakeServer, query, ctype, expected):
    fake.default = Answer(200, BOMB_XML, {"Content-Type": ctype})
    started = time.monotonic()
    result = kg("query", "-E", f"{fake.base}/sparql", "-e", query)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert result.stderr == (
        f"kg: error: {fake.base}/sparql: answered {ctype}, {expected}"
        + (" (is this the SPARQL endpoint's URL?)" if "JSON" in expected else "")
        + "\n"
    )


def test_no_module_of_ours_imports_an_xml_parser():
    """Our XML is written, never read: no lxml, ElementTree, minidom, SAX or expat in kgcli."""
    parsers = ("lxml", "xml.etree", "xml.dom", "xml.sax", "xml.parsers", "pyexpat", "defusedxml")
    found = []
    for path in sorted((ROOT / "kgcli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.startswith(parsers)]
    assert found == []


# --- the entity guard -------------------------------------------------------------------------


def _xml(subset: str, body: str) -> io.BytesIO:
    return io.BytesIO(f'<?xml version="1.0"?>\n<!DOCTYPE r [\n{subset}\n]>\n<r>{body}</r>'.encode())


def _laughs(levels: int) -> str:
    lines = ['<!ENTITY l0 "lol">']
    lines += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("subset", "body", "message"),
    [
        (
            _laughs(9),
            "&l9;",
            "bomb.rdf:10:1: the XML entity 'l7' expands to more than 16,777,216 characters",
        ),
        (
            _laughs(9),
            "",  # declared is enough: what an entity expands to is computed, not its uses
            "bomb.rdf:10:1: the XML entity 'l7' expands to more than 16,777,216 characters",
        ),
        (
            f'<!ENTITY big "{"x" * 10_000}">',
            "&big;" * 2_000,  # 10 KB referenced 2,000 times: the quadratic blowup
            "bomb.rdf:3:1: the XML entity 'big' and the others expand, where referenced, to more",
        ),
        ('<!ENTITY a "&b;">\n<!ENTITY b "&a;">', "&a;", "bomb.rdf:4:1: the XML entity 'b' refers"),
        (
            '<!ENTITY x SYSTEM "file:///etc/passwd">',
            "&x;",
            "bomb.rdf:3:1: the external entity 'x' would read a file or the network",
        ),
        (
            '<!ENTITY x PUBLIC "-//x//EN" "http://e/x.dtd">',
            "&x;",
            "bomb.rdf:3:1: the external entity 'x' would read",
        ),
        ('<!ENTITY % p "x">', "", "bomb.rdf:3:1: the parameter entity '%p' is refused"),
    ],
)
def test_entities_that_could_blow_up_are_refused(subset: str, body: str, message: str):
    with pytest.raises(InputError) as err:
        check_entities(_xml(subset, body), "bomb.rdf")
    assert str(err.value).startswith(message)


def test_ontology_editors_entities_pass_and_parse():
    """Protégé writes a few short entities for namespaces and uses them everywhere: allowed."""
    owl = "http://www.w3.org/2002/07/owl#"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    items = "".join(
        f'<owl:Class rdf:about="&ex;C{i}"><rdfs:label>&ex; &amp; {i}</rdfs:label></owl:Class>'
        for i in range(5_000)
    )
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY owl "{owl}">\n'
        f' <!ENTITY rdf "{rdf}">\n <!ENTITY ex "http://example.org/onto#">\n]>\n'
        '<rdf:RDF xmlns:rdf="&rdf;" xmlns:owl="&owl;" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">' + items + "</rdf:RDF>\n"
    ).encode()
    handle = io.BytesIO(doc)
    handle.seek(7)
    check_entities(handle, "onto.rdf")
    assert handle.tell() == 7  # left where it was, for the parser
    assert len(list(ox.parse(doc, format=ox.RdfFormat.RDF_XML))) == 10_000


def test_a_reference_split_between_two_reads_is_still_counted(monkeypatch):
    from kgcli.engine import xmlsafe

    # Reads of 7 bytes: most references straddle two reads. 1,000 x 9 characters is the cap.
    monkeypatch.setattr(xmlsafe, "_CHUNK", 7)
    monkeypatch.setattr(xmlsafe, "MAX_EXPANSION", 9_000)
    check_entities(_xml('<!ENTITY v "123456789">', "&v;" * 999), "ok.rdf")
    with pytest.raises(InputError, match="and the others expand"):
        check_entities(_xml('<!ENTITY v "123456789">', "&v;" * 1001), "big.rdf")


def test_files_without_entities_cost_one_read_of_their_prolog():
    class Counting(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            Counting.reads += 1
            return super().read(size)

    handle = Counting(MINI.read_bytes() * 1000)
    check_entities(handle, "mini.ttl")
    assert Counting.reads == 1


def test_endpoint_allow_limits_service_to_the_endpoints_named(kg):
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    args = ("query", "--data", str(MINI), "--allow-federation", "-e", text)
    result = kg(*args, "--endpoint-allow", "http://x/sparql")
    assert (result.exit_code, result.stderr) == (
        2,
        "kg: error: SERVICE <http://127.0.0.1:9/sparql> at line 1, column 18: "
        "<http://127.0.0.1:9/sparql> is not an allowed endpoint (--endpoint-allow: "
        "http://x/sparql)\n",
    )
    alone = kg("query", "--data", str(MINI), "--endpoint-allow", "http://x/sparql", "-e", "ASK {}")
    assert (alone.exit_code, alone.stderr) == (
        2,
        "kg: error: --endpoint-allow narrows --allow-federation: give both\n",
    )
