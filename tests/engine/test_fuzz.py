"""Property-based tests (issue #7, item 7) of the parameter binder, the query-header parser and the
exporters, beyond those of test_sparql.py (the lexer, string binding), test_export_gexf.py (GEXF
labels and attribute text) and test_export_formats.py (CSV and JSON labels).

The rule for text XML cannot carry (`kgcli.rdf.xmlchars`, #12): GEXF and GraphML refuse a node, edge
or attribute name holding a character XML 1.0 forbids, naming it, and write nothing; CSV and JSON
keep every character but lone surrogates, which become U+FFFD (UTF-8 cannot encode them).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from support import examples
from support.gexf import assert_valid

from kgcli.engine.catalogue import parse_header
from kgcli.engine.params import TYPES, parse_value
from kgcli.engine.sparql import inject_values
from kgcli.errors import InputError
from kgcli.network.export import write_network
from kgcli.rdf.xmlchars import FORBIDDEN, XmlCharError

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
FIXTURE = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_SPECIAL = [
    *("\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\r\n"),
    *("\ufffe", "\uffff", "\ud800", "\udfff", "\u2028", "&", "<", ">", '"', "'", "]]>", ","),
    *("&amp;", "😀", "𠀀", "上海", " ", "#", "{", "}", "\\", "?x", "<http://e/>", "--"),
]
TEXT = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(_SPECIAL)), max_size=20
).map("".join)


def _no_lone_surrogates(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def _bound(term: ox.NamedNode | ox.Literal) -> object:
    """What the engine binds `?x` to when `term` is injected into a query."""
    store = ox.Store()
    rows = store.query(inject_values("SELECT ?x WHERE { }", {"x": term}))
    assert isinstance(rows, ox.QuerySolutions)
    (row,) = list(rows)
    return row["x"]


# --- the parameter binder ---------------------------------------------------------------------


@settings(max_examples=examples(300), deadline=None)
@given(type_=st.sampled_from(TYPES), value=TEXT)
def test_any_value_of_any_type_binds_exactly_its_term_or_is_a_usage_error(type_, value):
    try:
        term = parse_value("p", type_, value, {"ex": "http://example.org/"})
    except InputError as err:
        assert str(err).startswith("parameter 'p': ")
        assert "\n" not in str(err).replace(repr(value), "")
        return
    # Whatever is accepted goes into a query that the engine runs, binding that very term.
    assert _bound(term) == term
    if type_ == "string":
        assert term == ox.Literal(value)


@settings(max_examples=examples(100), deadline=None)
@given(
    number=st.integers(),
    pad=st.sampled_from(["", " ", "\t", "+"]),
    decimal=st.decimals(allow_nan=False, allow_infinity=False, places=6),
    day=st.dates(),
    flag=st.sampled_from(["true", "FALSE", " yes", "No ", "1", "0"]),
)
def test_typed_values_bind_their_canonical_literal(number, pad, decimal, day, flag):
    integer = parse_value(
        "n", "integer", f"{pad if pad != '+' or number >= 0 else ''}{number} ", {}
    )
    assert integer == ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
    bound = parse_value("d", "decimal", str(decimal), {})
    assert isinstance(bound, ox.Literal) and Decimal(bound.value) == decimal
    assert _bound(bound) == bound  # canonical: the engine reads it back unchanged
    date = parse_value("t", "date", day.isoformat(), {})
    assert date == ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    boolean = parse_value("b", "boolean", flag, {})
    truth = flag.strip().lower() in ("true", "yes", "1")
    assert boolean == ox.Literal(
        "true" if truth else "false", datatype=ox.NamedNode(XSD + "boolean")
    )


@settings(max_examples=examples(200), deadline=None)
@given(local=TEXT)
def test_a_prefixed_name_or_iri_value_binds_that_iri_or_is_refused(local):
    for value in (f"ex:{local}", f"<http://example.org/{local}>", f"http://example.org/{local}"):
        try:
            term = parse_value("p", "iri", value, {"ex": "http://example.org/"})
        except InputError as err:
            assert str(err).startswith("parameter 'p': ")
            continue
        # The value is stripped of white space as a whole (Unicode's: U+2028 too), not inside <>.
        text = value.strip()
        if text.startswith("<"):
            iri = text[1:-1]
        elif text.startswith("ex:") and not text.startswith("ex://"):
            # `ex://...` is a URL with the scheme ex, not a prefixed name: SPARQL's PN_LOCAL
            # cannot start with `/` (it would have to be written `ex:\/\/...`).
            iri = "http://example.org/" + text[3:]
        else:
            iri = text
        assert term == ox.NamedNode(iri)
        assert _bound(term) == term


# --- the query-header parser ------------------------------------------------------------------

NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
WORDS = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
DEFAULTS = {
    "string": WORDS,
    "integer": st.integers().map(str),
    "decimal": st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    "date": st.dates().map(dt.date.isoformat),
    "boolean": st.sampled_from(["true", "false", "yes", "no"]),
    "iri": st.from_regex(r"ex:[a-z]{1,6}", fullmatch=True),
}


@st.composite
def headers(draw):
    """A valid header and what it declares."""
    title = draw(WORDS)
    description = draw(st.one_of(st.just(""), WORDS))
    names = draw(st.lists(NAME, max_size=4, unique=True))
    params = []
    for name in names:
        type_ = draw(st.sampled_from(TYPES))
        default = draw(st.one_of(st.none(), DEFAULTS[type_]))
        about = draw(st.one_of(st.just(""), WORDS.filter(lambda w: not w.startswith("--"))))
        params.append((name, type_, default, about))
    lines = [f"# title: {title}"]
    if description:
        # Long descriptions continue on lines that start with "#" and two spaces.
        half = len(description) // 2
        cut = description.rfind(" ", 0, half) if " " in description[:half] else -1
        if cut > 0:
            lines += [f"# description: {description[:cut]}", f"#   {description[cut + 1 :]}"]
        else:
            lines.append(f"# description: {description}")
    for name, type_, default, about in params:
        line = f"# param: {name} {type_}"
        line += f" = {default}" if default is not None else ""
        line += f" -- {about}" if about else ""
        lines.append(line)
    text = "\n".join(lines) + "\nPREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ?p ?o }\n"
    return text, title, description, params


@settings(max_examples=examples(200), deadline=None)
@given(header=headers())
@pytest.mark.slow
def test_a_valid_header_reads_back_what_it_declares(header):
    text, title, description, params = header
    assume(not any(t == "string" and d is not None and " -- " in f" {d} " for _, t, d, _ in params))
    got_title, got_description, got_params = parse_header(text, "q.rq")
    assert (got_title, got_description) == (title, description)
    assert [(p.name, p.type, p.default, p.description) for p in got_params] == params


HEADER_LINE = st.one_of(
    TEXT.map(lambda s: "#" + s.replace("\n", " ")),
    st.sampled_from(["# title:", "# param:", "# param: x", "# param: x int", "#   more", "#"]),
    st.tuples(st.sampled_from(["title", "description", "param", "other"]), TEXT).map(
        lambda kv: f"# {kv[0]}: {kv[1].replace(chr(10), ' ')}"
    ),
)


@settings(max_examples=examples(300), deadline=None)
@given(lines=st.lists(HEADER_LINE, max_size=6))
def test_any_header_parses_or_names_its_line(lines):
    text = "\n".join(lines) + "\nSELECT * WHERE { ?s ?p ?o }\n"
    try:
        parse_header(text, "q.rq")
    except InputError as err:
        assert re.match(r"q\.rq:\d+: ", str(err)), err
        assert 1 <= int(str(err).split(":")[1]) <= len(lines) + 1


# --- the exporters: any id, label, attribute name or value ----------------------------------


#: Node ids: any text, often holding a character XML cannot carry.
IDS = st.lists(
    st.one_of(TEXT, st.sampled_from(["\x00", "\x01", "\ufffe", "\ufffd"])), min_size=1, max_size=4
)


def _graph(ids: list[str], label: str, name: str, value: str) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for i, node in enumerate(ids):
        g.add_node(node, label=label + str(i), kind="K", **{name: value})
    for u, v in itertools.pairwise(ids):
        g.add_edge(u, v, key=f"{u}->{v}", label=label, kind="kg:p", weight=1.0, **{name: value})
    return g


def _ids(draw_ids: list[str]) -> list[str]:
    return list(dict.fromkeys("n" + i for i in draw_ids))


def _refused_or_written(texts: list[str], write, fmt: str) -> bool:
    """Write; True if written. A text XML cannot carry must be refused by name, the rest written."""
    unwritable = any(FORBIDDEN.search(t) for t in texts)
    try:
        write()
    except XmlCharError as err:
        assert unwritable, err
        assert re.match(rf"cannot write .* as {fmt}: it holds U\+[0-9A-F]{{4}} ", str(err)), err
        return False
    assert not unwritable
    return True


@FIXTURE
@given(raw_ids=IDS, label=TEXT, name=TEXT, value=TEXT)
@example(raw_ids=["\x00", "\x01"], label="", name="x", value="")
def test_any_text_in_graphml_is_well_formed_and_reads_back_equal(
    tmp_path, raw_ids, label, name, value
):
    name = "p_" + name
    ids = _ids(raw_ids)
    path = tmp_path / "g.graphml"
    path.unlink(missing_ok=True)
    graph = _graph(ids, label, name, value)
    if not _refused_or_written(
        [*ids, label, name, value], lambda: write_network(graph, path), "GraphML"
    ):
        assert not path.exists()  # nothing half-written either
        return
    root = etree.parse(str(path)).getroot()  # XML 1.0's grammar: well-formed, or it raises
    assert root.tag == f"{GRAPHML}graphml"
    back = nx.read_graphml(path)
    assert sorted(back.nodes) == sorted(ids)
    for i, node in enumerate(ids):
        data = back.nodes[node]
        assert data["label"] == label + str(i)
        assert data[name] == value
    for u, v in itertools.pairwise(ids):
        edge = back.edges[u, v]  # read as a DiGraph: edge keys are unique
        assert (edge["label"], edge[name]) == (label, value)


@FIXTURE
@given(raw_ids=IDS, label=TEXT)
@example(raw_ids=["\x00", "\ufffd"], label="")
def test_any_node_id_in_gexf_is_valid_and_reads_back_equal(tmp_path, raw_ids, label):
    ids = _ids(raw_ids)
    for version in ("1.3", "1.2draft"):
        path = tmp_path / f"g-{version}.gexf"
        path.unlink(missing_ok=True)
        graph = _graph(ids, label, "note", label)
        if not _refused_or_written(
            [*ids, label],
            lambda p=path, v=version, g=graph: write_network(g, p, gexf_version=v),
            "GEXF",
        ):
            assert not path.exists()
            continue
        assert_valid(path, version)
        back = nx.read_gexf(path)
        assert sorted(back.nodes) == sorted(ids)
        assert back.number_of_edges() == len(ids) - 1


def _csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@FIXTURE
@given(raw_ids=IDS, label=TEXT, name=TEXT, value=TEXT)
def test_any_text_in_csv_and_json_reads_back_equal(tmp_path, raw_ids, label, name, value):
    name = "p_" + name
    ids = _ids(raw_ids)
    assume(len({_no_lone_surrogates(i) for i in ids}) == len(ids))
    graph = _graph(ids, label, name, value)
    write_network(graph, tmp_path / "g.csv")
    write_network(graph, tmp_path / "g.json")
    clean = _no_lone_surrogates
    # CSV (RFC 4180, as the csv module reads it): every row as wide as its header.
    nodes = _csv(tmp_path / "g.nodes.csv")
    assert all(len(row) == len(nodes[0]) for row in nodes)
    header = nodes[0]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in nodes[1:]}
    assert sorted(by_id) == sorted(clean(i) for i in ids)
    for i, node in enumerate(ids):
        assert by_id[clean(node)]["Label"] == clean(label + str(i))
        assert by_id[clean(node)][clean(name)] == clean(value)
    edges = _csv(tmp_path / "g.edges.csv")
    assert all(len(row) == len(edges[0]) for row in edges)
    assert len(edges) == len(ids)  # the header, then one row per edge
    # JSON: strict (no NaN), and equal.
    doc = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"), parse_constant=None)
    got = {n["key"]: n["attributes"] for n in doc["nodes"]}
    assert sorted(got) == sorted(clean(i) for i in ids)
    for i, node in enumerate(ids):
        assert got[clean(node)]["label"] == clean(label + str(i))
        assert got[clean(node)][clean(name)] == clean(value)
    assert [clean(e["source"]) for e in doc["edges"]] == [clean(u) for u in ids[:-1]]


def test_an_id_xml_cannot_carry_is_refused_and_the_old_file_stays(tmp_path):
    """Once replaced by U+FFFD (#7), which merged 'a\x00' and 'a\x01'; now refused (#12)."""
    path = tmp_path / "g.gexf"
    path.write_text("old\n")
    g = nx.DiGraph()
    g.add_node("a\x00", label="first")
    g.add_node("a\x01", label="second")
    with pytest.raises(XmlCharError) as err:
        write_network(g, path)
    assert str(err.value) == (
        "cannot write node 'a\\x00' (the text 'a\\x00') as GEXF: it holds U+0000 (character 2), "
        "which XML 1.0 cannot carry, not even as a character reference; the gephi-csv and "
        "graphology exports keep it"
    )
    assert path.read_text() == "old\n"


@pytest.mark.parametrize(("suffix", "fmt"), [(".gexf", "GEXF"), (".graphml", "GraphML")])
def test_an_attribute_name_xml_cannot_carry_is_refused(tmp_path, suffix, fmt):
    """Once written 'note\ufffd' and 'data:note\ufffd' (#7); now refused, naming the text (#12)."""
    path = tmp_path / f"g{suffix}"
    g = nx.DiGraph()
    g.add_node("a", label="A", **{"note\x01": "first", "note\x02": "second"})
    with pytest.raises(XmlCharError) as err:
        write_network(g, path)
    assert str(err.value) == (
        f"cannot write the network's metadata or an attribute name (the text 'note\\x01') as "
        f"{fmt}: it holds U+0001 (character 5), which XML 1.0 cannot carry, not even as a "
        "character reference; the gephi-csv and graphology exports keep it"
    )
    assert not path.exists()


def test_a_value_like_ex_slash_slash_is_a_url_not_a_prefixed_name():
    # Found by hypothesis: `ex://` has the form of a URL; a prefixed name's local part cannot
    # start with `/`, so the declared prefix `ex:` does not apply.
    assert parse_value("p", "iri", "ex://", {"ex": "http://example.org/"}) == ox.NamedNode("ex://")
