"""Every document `kg` writes is well-formed and reads back as written, or the command fails with
one line naming the term it cannot write (issue #12).

XML 1.0 cannot carry U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF or a lone
surrogate, not even as a character reference, so every XML writer refuses such a term
(`kgcli.rdf.xmlchars.XmlCharError`, exit 2) rather than change it; RDF/XML also refuses the
predicates it cannot write as an element name. Each XML path is fed generated IRIs (valid as
pyoxigraph checks them), literals over all of Unicode, language tags, blank nodes and triple terms,
and its output is parsed with lxml (libxml2, a conforming parser) and read back: SELECT `-f xml`
(both the engine's writer and ours), CONSTRUCT `-f rdfxml` (read back by pyoxigraph and rdflib),
GEXF 1.3 and 1.2draft and GraphML from networks built from that RDF, and `kg serve` (its XML
answers, its HTML page). Turtle, TriG, N-Triples, N-Quads and JSON-LD must read back isomorphic too.
"""

from __future__ import annotations

import functools
import html.parser
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from support import examples
from support.gexf import assert_valid
from support.server import Server, call, kg_serve

from kgcli.engine.catalogue import NamedQuery, Param
from kgcli.engine.results import GraphResult, SelectResult
from kgcli.errors import Unwritable
from kgcli.network.build import network_from_result
from kgcli.network.export import write_network
from kgcli.output.rdfxml import split_predicate
from kgcli.output.render import render
from kgcli.rdf.formats import rdf_format
from kgcli.rdf.xmlchars import FORBIDDEN, PORTABLE_NCNAME, XmlCharError, shown
from kgcli.serve.app import ServeConfig, _page

EX = "http://example.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"
EXAMPLES = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# --- generated terms ------------------------------------------------------------------------------


def _valid(make: Any) -> Any:
    def build(value: str) -> Any:
        try:
            return make(value)
        except ValueError:
            return None

    return build


#: Pieces of IRIs: every kind of character RFC 3987 allows somewhere, percent escapes (whole, so
#: that a namespace may be cut inside one), non-ASCII letters and marks, and XML-awkward ASCII.
_IRI_PIECES = [
    *"aZ_-.~09:@!$&'()*+,;=/",
    *("%41", "%4a", "%20", "%E4%B8%AD", "é", "中", "例え", "\u00b7", "\u0300", "\U00010000"),
    *("a1", "1a", "x-", "_b", "li", "xml", "xmlns", ".", "..", "ab.cd"),
]
_SCHEMES = [
    *(
        "http://example.org/",
        "https://例え.jp/",
        "http://[::1]/",
        "urn:",
        "urn:x:",
        "tag:a@b,2024:",
    ),
    *("http://example.org/a#", "http://www.w3.org/2000/xmlns/", RDF, "mailto:", "x-y.z+w:"),
]
#: IRIs kg must handle, valid or not as RDF/XML predicates.
FIXED_IRIS = [
    *("http://ex.org/a/", "urn:bad:9", EX + "1", EX + "p", EX + "a-b.c", "urn:x", EX + "%4Ab"),
    *("http://www.w3.org/2000/xmlns/foo", "http://例え.jp/ä/ö", EX + "a?b=1&c='2'", EX + "é"),
    *(RDF + "li", RDF + "Description", RDF + "type", RDF + "_1", RDF + "bagID"),
    *("http://www.w3.org/XML/1998/namespace#lang", "http://www.w3.org/XML/1998/namespace"),
]
IRIS = st.one_of(
    st.sampled_from(FIXED_IRIS).map(ox.NamedNode),
    st.builds(
        lambda scheme, pieces: scheme + "".join(pieces),
        st.sampled_from(_SCHEMES),
        st.lists(st.sampled_from(_IRI_PIECES), max_size=6),
    )
    .map(_valid(ox.NamedNode))
    .filter(lambda iri: iri is not None),
)
#: Text: all of Unicode but surrogates (the engine refuses them), and often the characters XML
#: cannot carry, CR, markup and whitespace.
_SPECIAL = [
    *("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\ufffe", "\uffff"),
    *("\t", "\n", "\r", "\r\n", " ", "&", "<", ">", '"', "'", "]]>", "&amp;", "&#0;", "\u2028"),
    *("😀", "𠀀", "上海", "\ufffd", "\ufeff"),
]
TEXT = st.lists(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(_SPECIAL)), max_size=12
).map("".join)
LANGUAGES = st.one_of(
    st.sampled_from(["en", "EN-us", "zh-Hans-CN", "x-private", "de-1996", "sgn-BE-FR"]),
    st.from_regex(r"[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8}){0,3}", fullmatch=True),
).filter(lambda tag: _valid(lambda t: ox.Literal("x", language=t))(tag) is not None)
LITERALS = st.one_of(
    st.builds(ox.Literal, TEXT),
    st.builds(lambda v, lang: ox.Literal(v, language=lang), TEXT, LANGUAGES),
    st.builds(
        lambda v, lang, d: ox.Literal(v, language=lang, direction=d),
        TEXT,
        LANGUAGES,
        st.sampled_from([ox.BaseDirection.LTR, ox.BaseDirection.RTL]),
    ),
    st.builds(lambda v, d: ox.Literal(v, datatype=d), TEXT, IRIS),
)
BLANKS = (
    st.one_of(
        st.sampled_from(
            ["b0", "1a", "a.b", "a-", "_x", "x-1", "x.1", "é", "0", "中文", "a\U00010000"]
        ),
        st.from_regex(
            r"[A-Za-z0-9_\u00c0-\u00ff]([A-Za-z0-9_.\-\u00b7]*[A-Za-z0-9_\-])?", fullmatch=True
        ),
    )
    .map(_valid(ox.BlankNode))
    .filter(lambda node: node is not None)
)
#: Predicates: mostly namespace + local name, as most data has them, else any IRI.
_NAMED = st.builds(
    str.__add__,
    st.sampled_from([EX, "urn:x:", EX + "a/b#", RDF, "https://schema.org/", "tag:a,1:"]),
    st.from_regex(r"[A-Za-z_\u00e9\u4e2d][A-Za-z0-9_.\-\u00b7\u00e9\u4e2d]{0,6}", fullmatch=True),
).map(ox.NamedNode)
PREDICATES = st.one_of(_NAMED, _NAMED, IRIS)
SUBJECTS = st.one_of(IRIS, BLANKS)
PLAIN_OBJECTS = st.one_of(IRIS, BLANKS, LITERALS)
OBJECTS = st.one_of(PLAIN_OBJECTS, st.builds(ox.Triple, SUBJECTS, PREDICATES, PLAIN_OBJECTS))
TRIPLES = st.lists(st.builds(ox.Triple, SUBJECTS, PREDICATES, OBJECTS), max_size=6).map(
    lambda triples: list(dict.fromkeys(triples))  # a graph: each triple once
)


# --- oracles: what can be written, judged by libxml2 and expat, not by kg's own rules ---------

_SYNTAX_TERMS = {
    RDF + name
    for name in (
        *("RDF", "ID", "about", "parseType", "resource", "nodeID", "datatype"),
        *("Description", "li", "aboutEach", "aboutEachPrefix", "bagID"),
    )
}


@functools.cache
def writable_predicate(iri: str) -> bool:
    """Whether some namespace + local name spells `iri` as an element libxml2 and expat accept."""
    if iri in _SYNTAX_TERMS:
        return False
    for cut in range(1, len(iri)):
        document = f"<p:{iri[cut:]} xmlns:p={quoteattr(iri[:cut])}/>".encode()
        try:
            etree.fromstring(document)  # libxml2
            ElementTree.fromstring(document)  # expat, as rdflib reads RDF/XML
        except (etree.XMLSyntaxError, ElementTree.ParseError):
            continue
        return True
    return False


def first_unwritable(triples: Iterable[ox.Triple]) -> tuple[str, Any] | None:
    """("predicate" | "literal", term): what RDF/XML must refuse first, in writing order."""

    def walk(predicate: ox.NamedNode, obj: Any) -> tuple[str, Any] | None:
        if not writable_predicate(predicate.value):
            return "predicate", predicate
        if isinstance(obj, ox.Literal) and FORBIDDEN.search(obj.value):
            return "literal", obj
        if isinstance(obj, ox.Triple):
            return walk(obj.predicate, obj.object)
        return None

    for triple in triples:
        found = walk(triple.predicate, triple.object)
        if found:
            return found
    return None


def literals_of(terms: Iterable[Any]) -> Iterable[ox.Literal]:
    for term in terms:
        if isinstance(term, ox.Literal):
            yield term
        elif isinstance(term, ox.Triple):
            yield from literals_of((term.subject, term.predicate, term.object))


def _rdflib_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language is not None:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    plain = datatype == "http://www.w3.org/2001/XMLSchema#string"
    return rdflib.Literal(term.value, datatype=None if plain else rdflib.URIRef(datatype))


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """The graph as rdflib builds it from terms (its N-Triples parser refuses non-ASCII labels)."""
    graph = rdflib.Graph()
    for t in triples:
        graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
    return graph


def canonical(triples: Iterable[Any]) -> ox.Dataset:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def rendered(result: Any, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    render(result, fmt, out, **options)
    return out.getvalue()


def is_rdf_1_2(triples: Sequence[ox.Triple]) -> bool:
    return any(
        isinstance(t.object, ox.Triple)
        or (isinstance(t.object, ox.Literal) and t.object.direction is not None)
        for t in triples
    )


# --- CONSTRUCT -f rdfxml --------------------------------------------------------------------------


@EXAMPLES
@given(triples=TRIPLES)
@example(
    triples=[ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode("http://ex.org/a/"), ox.Literal("x"))]
)
@example(triples=[ox.Triple(ox.BlankNode("1a"), ox.NamedNode(EX + "p"), ox.Literal("a\rb"))])
def test_rdfxml_is_well_formed_and_reads_back_the_graph_or_names_the_term(triples):
    refused = first_unwritable(triples)
    if refused is not None:
        with pytest.raises(Unwritable) as err:
            rendered(GraphResult(iter(triples)), "rdfxml")
        kind, term = refused
        if kind == "predicate":
            assert str(err.value).startswith(
                f"cannot write the predicate <{term.value}> as RDF/XML:"
            )
        else:
            bad = FORBIDDEN.search(term.value)
            assert bad is not None
            assert str(err.value).startswith(
                f"cannot write the literal {shown(str(term))} as RDF/XML: it holds "
                f"U+{ord(bad.group()):04X} (character {bad.start() + 1}), which XML 1.0 "
            )
        assert err.value.exit_code == 2
        return
    data = rendered(GraphResult(iter(triples)), "rdfxml")
    etree.fromstring(data)  # well-formed XML with namespaces, or it raises
    back = list(ox.parse(data, format=ox.RdfFormat.RDF_XML))
    assert canonical(back) == canonical(triples)
    if not is_rdf_1_2(triples):  # rdflib 7 reads RDF 1.1 only
        ours = rdflib.Graph().parse(data=data, format="xml")
        assert rdflib.compare.isomorphic(ours, to_rdflib(triples))


def test_portable_name_characters_are_names_to_expat_and_libxml2() -> None:
    """Every character `kgcli.rdf.xmlchars` deems portable in names, tried on both parsers."""
    starts = [chr(c) for c in range(0x80, 0x10000) if PORTABLE_NCNAME.fullmatch(chr(c))]
    more = [chr(c) for c in range(0x80, 0x10000) if PORTABLE_NCNAME.fullmatch("a" + chr(c))]
    assert len(starts) > 30_000 and set(starts) < set(more)  # CJK and Hangul are in
    document = "<r>" + "".join(f"<{c}/>" for c in starts) + "".join(f"<a{c}/>" for c in more)
    document += "</r>"
    assert len(ElementTree.fromstring(document.encode())) == len(starts) + len(more)
    assert len(etree.fromstring(document.encode())) == len(starts) + len(more)
    assert not PORTABLE_NCNAME.fullmatch("a\U00010000")  # fifth edition only: expat refuses it
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring("<a\U00010000/>".encode())


def test_rdfxml_split_agrees_with_libxml2_and_expat_on_the_fixed_iris() -> None:
    for iri in FIXED_IRIS:
        split = split_predicate(iri)
        assert (split is not None and iri not in _SYNTAX_TERMS) == writable_predicate(iri), iri


# --- SELECT -f xml, both writers ------------------------------------------------------------------


def _store(triples: Sequence[ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return store


SPO = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@EXAMPLES
@given(triples=TRIPLES)
def test_select_xml_is_well_formed_and_reads_back_or_names_the_term(triples):
    store = _store(triples)
    rows = [tuple(solution) for solution in store.query(SPO)]
    python = SelectResult(["s", "p", "o"], list(rows))
    native = SelectResult.from_solutions(store.query(SPO), rerun=lambda: store.query(SPO))
    bad = [
        lit for lit in literals_of(t for row in rows for t in row) if FORBIDDEN.search(lit.value)
    ]
    if bad:
        with pytest.raises(XmlCharError) as python_err:
            rendered(python, "xml")
        with pytest.raises(XmlCharError) as native_err:
            rendered(native, "xml")
        message = str(python_err.value)
        assert message == str(native_err.value)
        named = re.match(
            r"cannot write the literal (.*?)( in a triple term)? \(\?o\) as SPARQL XML ", message
        )
        assert named, message
        assert any(shown(str(lit)) in message for lit in bad)
        return
    data = rendered(python, "xml")
    assert data == rendered(native, "xml")
    etree.fromstring(data)
    back = ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
    assert [tuple(solution) for solution in back] == rows


@EXAMPLES
@given(
    names=st.lists(
        st.from_regex(
            r"[A-Za-z_\u00c0-\u00ff\u4e00-\u4e2f][A-Za-z0-9_\u00b7\u0300\u4e00]*", fullmatch=True
        ).filter(lambda name: _valid(ox.Variable)(name) is not None),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    values=st.lists(st.one_of(IRIS, BLANKS, LITERALS), min_size=3, max_size=3),
)
def test_select_xml_any_variable_names_and_terms(names, values):
    row = tuple(values[: len(names)])
    result = SelectResult(names, [row])
    if any(FORBIDDEN.search(lit.value) for lit in literals_of(row)):
        with pytest.raises(
            XmlCharError, match=r"^cannot write the literal .* as SPARQL XML results"
        ):
            rendered(result, "xml")
        return
    data = rendered(result, "xml")
    root = etree.fromstring(data)
    assert [v.get("name") for v in root.iter(SPARQL_NS + "variable")] == names
    back = ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
    assert [tuple(solution) for solution in back] == [row]


# --- the other RDF formats read back isomorphic ---------------------------------------------------


PREFIXES = st.dictionaries(
    st.one_of(
        st.sampled_from(["ex", "", "a.b", "中", "xml", "xmlns", "rdf", "its", "a b", "1"]),
        st.text(max_size=3),
    ),
    st.one_of(
        IRIS.map(lambda iri: iri.value), st.sampled_from([EX, "not an IRI", "http://例え.jp/"])
    ),
    max_size=4,
)


@EXAMPLES
@given(triples=TRIPLES, prefixes=PREFIXES)
def test_every_rdf_format_reads_back_isomorphic(triples, prefixes):
    for fmt in ("turtle", "trig", "ntriples", "nquads", "jsonld", "rdfxml"):
        result = GraphResult(iter(triples))
        if fmt == "jsonld" and any(isinstance(t.object, ox.Triple) for t in triples):
            with pytest.raises(
                Unwritable, match=r"^cannot write the triple term <<\( .* as JSON-LD"
            ):
                rendered(result, fmt, prefixes=prefixes)
            continue
        if fmt == "rdfxml" and first_unwritable(triples) is not None:
            with pytest.raises(Unwritable):
                rendered(result, fmt, prefixes=prefixes)
            continue
        data = rendered(result, fmt, prefixes=prefixes)
        if fmt == "rdfxml":
            etree.fromstring(data)
        back = list(ox.parse(data, format=rdf_format(fmt)))
        assert canonical(back) == canonical(triples), fmt


# --- GEXF and GraphML from arbitrary RDF ----------------------------------------------------------


def _texts(graph: nx.Graph) -> Iterable[str]:
    """Every text an XML exporter writes from `graph`."""
    yield from (str(v) for v in graph.graph.values())
    for node, data in graph.nodes(data=True):
        yield str(node)
        for key, value in data.items():
            yield from (str(key), str(value))
    for _, _, data in graph.edges(data=True):
        for key, value in data.items():
            yield from (str(key), str(value))


@EXAMPLES
@given(triples=TRIPLES)
def test_gexf_and_graphml_from_any_rdf_are_valid_or_name_the_node(tmp_path, triples):
    graph = network_from_result(GraphResult(iter(triples)))
    unwritable = any(FORBIDDEN.search(text) for text in _texts(graph))
    for name, version, fmt in (
        ("g.gexf", "1.3", "GEXF"),
        ("g12.gexf", "1.2draft", "GEXF"),
        ("g.graphml", "1.3", "GraphML"),
    ):
        path = tmp_path / name
        path.unlink(missing_ok=True)
        if unwritable:
            with pytest.raises(XmlCharError) as err:
                write_network(graph, path, gexf_version=version)
            assert re.match(
                rf"cannot write .* as {fmt}: it holds U\+[0-9A-F]{{4}} ", str(err.value)
            )
            assert not path.exists()
            continue
        write_network(graph, path, gexf_version=version)
        if fmt == "GEXF":
            assert_valid(path, version)
            back = nx.read_gexf(path)
        else:
            etree.parse(str(path))
            back = nx.read_graphml(path)
        assert sorted(back.nodes) == sorted(str(n) for n in graph.nodes)
        for node, data in graph.nodes(data=True):
            assert back.nodes[str(node)]["label"] == data["label"]


# --- kg serve: its HTML page and its XML answers --------------------------------------------------


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.values += [value or "" for _, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


#: The elements of the page: whatever a catalogue file says, no other can appear.
_PAGE_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "code", "a", "form"),
    *("textarea", "br", "select", "option", "button", "table", "tr", "td", "small", "label"),
    "input",
}


@EXAMPLES
@given(title=TEXT, description=TEXT, name=TEXT, default=TEXT, pname=TEXT)
def test_the_serve_page_escapes_any_catalogue_text(title, description, name, default, pname):
    query = NamedQuery(
        name=name or "q",
        path=Path("q.rq"),
        title=title,
        description=description,
        params=(Param(pname, "string", default, description),),
        text="SELECT * WHERE { ?s ?p ?o }",
    )
    page = _page([query], {}, ServeConfig()).decode("utf-8", "surrogateescape")
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= _PAGE_TAGS
    assert parser.tags.count("tr") == 1 and parser.tags.count("input") == 1
    text = "".join(parser.text)
    for shown_text in (title, description):
        assert shown_text.replace("\r\n", "\n").replace("\r", "\n") in text.replace(
            "\r\n", "\n"
        ).replace("\r", "\n")
    assert default in parser.values


@pytest.fixture(scope="module")
def awkward_server(tmp_path_factory: pytest.TempPathFactory):
    """`kg serve` over a graph holding a control character and a predicate RDF/XML cannot name."""
    folder = tmp_path_factory.mktemp("awkward")
    data = folder / "awkward.nt"
    data.write_text(
        f'<{EX}s> <{EX}label> "bell \\u0007 here" .\n'
        f'<{EX}s> <{EX}name> "fine & <dandy> ]]>\\r\\n" .\n'
        f"<{EX}s> <http://ex.org/a/> <{EX}o> .\n"
        f"_:1a <{EX}p> <{EX}o> .\n",
        encoding="utf-8",
    )
    with kg_serve("--data", str(data)) as running:
        yield running


def _ask(server: Server, query: str, fmt: str) -> tuple[int, dict[str, str], bytes]:
    import urllib.parse

    return call("GET", f"{server.url}?{urllib.parse.urlencode({'query': query, 'format': fmt})}")


@pytest.mark.integration
def test_serve_refuses_xml_it_cannot_write_with_406_and_one_line(awkward_server: Server) -> None:
    status, headers, body = _ask(awkward_server, "SELECT ?o WHERE { ?s ?p ?o }", "xml")
    assert status == 406
    assert headers["content-type"].startswith("text/plain")
    assert body.decode().count("\n") <= 1
    assert body.decode().startswith(
        'cannot write the literal "bell \\u0007 here" (?o) as SPARQL XML results: it holds '
        "U+0007 (character 6)"
    )
    status, _, body = _ask(awkward_server, "SELECT ?o WHERE { ?s ?p ?o }", "json")
    assert status == 200 and "bell \\u0007 here" in body.decode()
    status, _, body = _ask(awkward_server, "CONSTRUCT WHERE { ?s ?p ?o }", "rdfxml")
    assert status == 406
    assert body.decode().startswith("cannot write the ")


@pytest.mark.integration
def test_serve_xml_answers_parse_and_read_back(awkward_server: Server) -> None:
    query = f"SELECT ?o WHERE {{ ?s <{EX}name> ?o }}"
    status, _, body = _ask(awkward_server, query, "xml")
    assert status == 200
    etree.fromstring(body)
    rows = [tuple(s) for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)]  # type: ignore[union-attr]
    assert rows == [(ox.Literal("fine & <dandy> ]]>\r\n"),)]
    graph = f"CONSTRUCT WHERE {{ ?s <{EX}p> ?o }}"
    status, _, body = _ask(awkward_server, graph, "rdfxml")
    assert status == 200
    etree.fromstring(body)
    back = list(ox.parse(body, format=ox.RdfFormat.RDF_XML))
    assert len(back) == 1 and isinstance(back[0].subject, ox.BlankNode)
    status, _, body = _ask(awkward_server, "CONSTRUCT WHERE { ?s ?p ?o }", "turtle")
    assert status == 200  # the formats that carry every term still answer


# --- the examples, through the CLI --------------------------------------------------------


@pytest.fixture
def nt(tmp_path: Path):
    def write(text: str) -> str:
        path = tmp_path / "data.nt"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("predicate", ["http://ex.org/a/", "urn:bad:9", "http://ex.org/1"])
def test_rdfxml_refuses_a_predicate_without_a_local_name(kg, nt, predicate):
    data = nt(f'<{EX}s> <{predicate}> "x" .\n')
    result = kg("query", "--data", data, "-e", CONSTRUCT, "-f", "rdfxml")
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg: error: cannot write the predicate <{predicate}> as RDF/XML: RDF/XML writes a "
        "predicate as an XML element, namespace + local name, and no end of this IRI is an XML "
        "name (one starts with a letter or _); turtle, ntriples and jsonld write it\n"
    )
    assert kg("query", "--data", data, "-e", CONSTRUCT, "-f", "turtle").exit_code == 0


def test_rdfxml_refuses_a_predicate_whose_namespace_is_no_uri(kg, nt):
    data = nt(f'<{EX}s> <http://例え.jp/ä/ö> "x" .\n')
    result = kg("query", "--data", data, "-e", CONSTRUCT, "-f", "rdfxml")
    assert result.exit_code == 2
    assert result.stderr == (
        "kg: error: cannot write the predicate <http://例え.jp/ä/ö> as RDF/XML: RDF/XML writes "
        "a predicate as an XML element, and every way to split this IRI gives a namespace XML "
        "parsers refuse (non-ASCII, or cut in a %XX) or a local name some refuse (characters XML "
        "1.0 added in its fifth edition); turtle, ntriples and jsonld write it\n"
    )


def test_rdfxml_refuses_nul_and_u0001_in_a_literal(kg, nt):
    data = nt(f'<{EX}s> <{EX}p> "a\\u0000b\\u0001c" .\n')
    result = kg("query", "--data", data, "-e", CONSTRUCT, "-f", "rdfxml")
    assert result.exit_code == 2
    assert result.stderr == (
        'kg: error: cannot write the literal "a\\u0000b\\u0001c" as RDF/XML: it holds U+0000 '
        "(character 2), which XML 1.0 cannot carry, not even as a character reference; turtle, "
        "ntriples and jsonld keep it\n"
    )


def test_select_xml_refuses_a_control_character_naming_term_and_variable(kg, nt):
    data = nt(f'<{EX}s> <{EX}p> "x\\u0001"@en .\n')
    for text in ("SELECT ?o WHERE { ?s ?p ?o }", "SELECT ?o WHERE { ?s ?p ?o } LIMIT 9"):
        result = kg("query", "--data", data, "-e", text, "-f", "xml")  # engine's writer, ours
        assert result.exit_code == 2
        assert result.stderr == (
            'kg: error: cannot write the literal "x\\u0001"@en (?o) as SPARQL XML results: it '
            "holds U+0001 (character 2), which XML 1.0 cannot carry, not even as a character "
            "reference; json, tsv and csv results keep it\n"
        )


def test_rdfxml_keeps_cr_and_blank_nodes_no_xml_name_allows(kg, nt):
    data = nt(f'_:1a <{EX}p> "cr\\r lf\\n" .\n_:x-1 <{EX}p> _:b .\n<{EX}s> <{EX}p> _:1a .\n')
    result = kg("query", "--data", data, "-e", CONSTRUCT, "-f", "rdfxml")
    assert result.exit_code == 0, result.stderr
    etree.fromstring(result.stdout_bytes)
    back = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.RDF_XML))
    assert canonical(back) == canonical(ox.parse(path=data))
    assert rdflib.compare.isomorphic(
        rdflib.Graph().parse(data=result.stdout_bytes, format="xml"),
        to_rdflib(ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=data)),
    )


def test_jsonld_refuses_a_triple_term_by_name(kg, nt):
    data = nt(f"<{EX}s> <{EX}p> <<( <{EX}a> <{EX}b> <{EX}c> )>> .\n")
    result = kg("query", "--data", data, "-e", CONSTRUCT, "-f", "jsonld")
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg: error: cannot write the triple term <<( <{EX}a> <{EX}b> <{EX}c> )>> as JSON-LD, "
        "which has no triple terms; turtle, trig, ntriples and nquads write it\n"
    )


@pytest.mark.parametrize("suffix", [".gexf", ".graphml"])
def test_network_export_refuses_a_label_xml_cannot_carry(kg, nt, tmp_path, suffix):
    data = nt(
        f"<{EX}a> <{EX}knows> <{EX}b> .\n"
        f'<{EX}a> <http://www.w3.org/2000/01/rdf-schema#label> "A\\u0000" .\n'
    )
    out = tmp_path / f"net{suffix}"
    query = tmp_path / "graph.rq"
    query.write_text(CONSTRUCT + "\n", encoding="utf-8")
    result = kg("network", "export", "--data", data, "-q", str(query), "-o", str(out))
    assert result.exit_code == 2
    fmt = "GEXF" if suffix == ".gexf" else "GraphML"
    assert result.stderr == (
        f"kg: error: cannot write node '{EX}a' (the text 'A\\x00') as {fmt}: it holds U+0000 "
        "(character 2), which XML 1.0 cannot carry, not even as a character reference; the "
        "gephi-csv and graphology exports keep it\n"
    )
    assert not out.exists()
