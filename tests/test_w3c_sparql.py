"""The W3C SPARQL 1.1 test suite, run through `kg query` (issue #12).

The official files are read in place from `../shared/w3c/sparql11/` (see its README); the module
skips where they are absent. Each test runs twice, on the same dataset with the same base IRI:

- through the `kg` command line, in-process: `kg query QUERY.rq --default-graph DATA
  --named-graph GRAPHDATA -f FORMAT`, its output parsed back with a real parser;
- through pyoxigraph directly, the engine `kg` runs on.

A test the engine passes must pass through `kg` (failures of ours: none). A test the engine itself
fails is listed in ENGINE_FAILURES with why; `kg` must then answer as the engine does, and a listed
test that starts passing fails the run, so the list stays exact (strict xfail).

The dataset, as the suite defines it: qt:data files are merged into the default graph
(`--default-graph`), each qt:graphData file is a named graph named by the file's IRI
(`--named-graph`); a test without either runs on an empty default graph. The base IRI of a query
is its file's IRI, and of a data file its own (`kgcli.rdf.iri.file_iri`, which `kg` uses too).

How results are compared:
- solutions as multisets, blank nodes matched by a bijection; in order only when the query has
  ORDER BY; the ASK boolean; CONSTRUCT graphs by isomorphism; language tags case-insensitively
  (RDF 1.1 says their value is lower case);
- `kg`'s writer is the one the expected file tests: `-f xml` for .srx, `-f json` for .srj,
  `-f tsv` for .tsv, `-f csv` for .csv (compared as CSV rows, header first), `-f ntriples` for a
  graph, `-f json` for a result set written in RDF (.ttl with rs:ResultSet);
- terms are compared exactly. Where an expected file writes a number in another lexical form of
  the same datatype and value ("1.0" for "1"), the test passes only if listed in LEXICAL_FORMS,
  so every such case stays visible (the suite defines no value comparison).

Out of scope here (README, "Standards conformance"): SPARQL Update evaluation (`kg query` runs no
updates), the protocol, service, http-rdf-update and service-description tests (they need HTTP
servers), and entailment (the engine implements none).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from typer.testing import CliRunner

from kgcli.cli import app
from kgcli.rdf.iri import file_iri

SUITE = Path(__file__).resolve().parents[2] / "shared" / "w3c" / "sparql11"
pytestmark = pytest.mark.skipif(
    not SUITE.is_dir(), reason=f"the W3C SPARQL 1.1 test suite is not at {SUITE} (../shared)"
)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The query-evaluation, syntax and result-format manifests of the suite.
QUERY_MANIFESTS = (
    "aggregates",
    "bind",
    "bindings",
    "cast",
    "construct",
    "exists",
    "functions",
    "grouping",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
    "syntax-query",
    "csv-tsv-res",
    "json-res",
)
#: Syntax tests of forms `kg query` refuses by design, with why. It must refuse each with its own
#: one-line refusal (exit 2), never evaluate it.
REFUSED_MANIFESTS = {
    "syntax-fed": "refused by design: SERVICE reaches the network (kg query --allow-federation "
    "accepts it)",
    "syntax-update-1": "refused by design: kg query runs no updates",
    "syntax-update-2": "refused by design: kg query runs no updates",
    # Only the syntax tests of this manifest: its evaluation tests are updates (out of scope).
    "delete-insert": "refused by design: kg query runs no updates",
}
#: Single tests refused by design, and why.
REFUSED_TESTS = {
    # FROM <file> (the file named "file" beside the query) names a graph the dataset does not hold:
    # kg refuses such a FROM before evaluation (it never reads nor downloads what FROM names).
    "syntax-query/test_42": "refused by design: FROM names a graph that is not loaded",
}
#: Positive update syntax tests that hold no operation at all (only comments, BASE or PREFIX):
#: to `kg query` that is an empty query, refused as such.
EMPTY_UPDATES = {"syntax-update-1/test_38", "syntax-update-1/test_39", "syntax-update-1/test_40"}
SYNTAX_TYPES = {
    MF.PositiveSyntaxTest11: True,
    MF.NegativeSyntaxTest11: False,
    MF.PositiveUpdateSyntaxTest11: True,
    MF.NegativeUpdateSyntaxTest11: False,
}

#: Tests pyoxigraph itself fails (`kg` answers as the engine does), each with why. pyoxigraph
#: 0.5; a test that starts passing fails the run: remove it from here.
ENGINE_FAILURES = {
    "aggregates/agg-groupconcat-04": "GROUP_CONCAT of literals with one language tag keeps the "
    'tag ("1 2"@en); SPARQL 1.1 gives a simple literal',
    "aggregates/agg-groupconcat-06": 'GROUP_CONCAT of a single "1"@en keeps the tag',
    "aggregates/agg-empty-group-count-graph": "an aggregate subquery inside GRAPH ?g leaves ?g "
    "unbound: one row instead of one per graph",
    "bindings/graph": "VALUES inside GRAPH ?g: a row with ?g UNDEF is not joined with each graph",
    "functions/bnode01": "BNODE(str) gives the same blank node in every solution, not one per "
    "solution",
    "negation/graph-minus": "MINUS inside GRAPH ?g takes ?g as shared by both sides: no row left",
    "property-path/zero_or_more_set_start": "a zero-length path (p*) from a constant matches "
    "nothing on an empty graph, not the constant itself",
    "property-path/zero_or_more_set_end": "the same with the constant at the end (p*)",
    "property-path/zero_or_one_set_start": "the same with p? from a constant",
    "property-path/zero_or_one_set_end": "the same with p? to a constant",
    "csv-tsv-res/tsv03": "the TSV writer writes an xsd:negativeInteger as a bare number, which "
    "reads as xsd:integer",
}

#: Tests whose expected file writes a number or boolean in another lexical form of the same
#: datatype and value; they pass when the values are equal, and are listed so that the
#: difference stays visible. The engine keeps such literals in canonical form (it stores values).
LEXICAL_FORMS = {
    "aggregates/agg-sum-02": "expects the doubles 3.21E4 and 4.0E-1; the engine writes 32100, 0.4",
    "aggregates/agg-avg-02": "expects 2.0E-1 (double) and 2.0 (decimal); the engine: 0.2, 2",
    "aggregates/agg-min-01": "expects the decimal 1.0; the engine writes 1",
    "aggregates/agg-min-02": "expects 1.0, 1.0E2, 2.0E-1; the engine writes 1, 100, 0.2",
    "aggregates/agg-max-01": "expects the double 3.0E4; the engine writes 30000",
    "aggregates/agg-max-02": "expects the double 3.0E4; the engine writes 30000",
    "aggregates/agg-err-02": "expects 2.5E0 (double) and 2.0 (decimal); the engine: 2.5, 2",
    "aggregates/agg-max-distinct": "expects the double 2.0E3; the engine writes 2000",
    "aggregates/agg-min-distinct": "expects 1.0 and 1.0E2; the engine writes 1 and 100",
    "cast/cast-bool": 'the data\'s "1.0"^^xsd:decimal, "0E1"^^xsd:double, "0"^^xsd:boolean... '
    "come back in canonical form (1, 0, false)",
    "cast/cast-int": "the same data, in canonical form",
    "cast/cast-float": "the same data, in canonical form",
    "cast/cast-double": "the same data, in canonical form",
    "cast/cast-decimal": "the same data, in canonical form",
    "cast/cast-string": "the same data, in canonical form",
    "functions/plus-1-corrected": "expects the decimals 1.0 and 3.0; the engine writes 1 and 3",
    "functions/plus-2-corrected": "expects the decimals 1.0 and 3.0; the engine writes 1 and 3",
    "functions/coalesce01": "expects the decimals 2.0 and 0.0; the engine writes 2 and 0",
    "csv-tsv-res/csv03": "expects the double 1.0E6 in CSV; the engine writes 1000000",
}


@dataclass(frozen=True)
class Case:
    """One test of a manifest: its id (`folder/name`), kind and files."""

    id: str
    kind: str  # "eval", "csv", "syntax" or "refused"
    query: Path
    data: tuple[Path, ...] = ()
    graph_data: tuple[Path, ...] = ()
    result: Path | None = None
    positive: bool = True
    reason: str = ""


def _path(iri: object) -> Path:
    """The file a manifest's `file:` IRI names."""
    return Path(url2pathname(urlparse(str(iri)).path))


def _cases() -> Iterator[Case]:
    if not SUITE.is_dir():
        return
    for folder in (*QUERY_MANIFESTS, *REFUSED_MANIFESTS):
        manifest = SUITE / folder / "manifest.ttl"
        graph = Graph()
        graph.parse(manifest, format="turtle", publicID=manifest.as_uri())
        for entry in Collection(graph, next(graph.objects(None, MF.entries))):
            kind = graph.value(entry, RDF.type)
            name = f"{folder}/{str(entry).rsplit('#', 1)[-1]}"
            action = graph.value(entry, MF.action)
            if kind in SYNTAX_TYPES:
                positive = SYNTAX_TYPES[kind]
                if folder in REFUSED_MANIFESTS or name in REFUSED_TESTS:
                    reason = REFUSED_MANIFESTS.get(folder) or REFUSED_TESTS[name]
                    yield Case(name, "refused", _path(action), positive=positive, reason=reason)
                else:
                    yield Case(name, "syntax", _path(action), positive=positive)
            elif kind in (MF.QueryEvaluationTest, MF.CSVResultFormatTest):
                if folder in REFUSED_MANIFESTS:
                    continue  # delete-insert's update evaluation tests: out of scope
                yield Case(
                    name,
                    "csv" if kind == MF.CSVResultFormatTest else "eval",
                    _path(graph.value(action, QT.query)),
                    tuple(sorted(map(_path, graph.objects(action, QT.data)))),
                    tuple(sorted(map(_path, graph.objects(action, QT.graphData)))),
                    _path(graph.value(entry, MF.result)),
                )


CASES = list(_cases())


# --- outcomes and how they compare ------------------------------------------------------------

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]


@dataclass
class Outcome:
    """What a query gave: solutions (in order), a boolean, triples, CSV rows, or an error."""

    kind: str  # "solutions", "boolean", "graph", "csv" or "error"
    rows: list[Row] | None = None
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] | None = None
    csv: list[list[str]] | None = None
    error: str = ""


def _solutions(answer: object) -> Outcome:
    if isinstance(answer, ox.QueryBoolean):
        return Outcome("boolean", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            rows.append({n: t for n, t in zip(names, solution, strict=True) if t is not None})
        return Outcome("solutions", rows=rows)
    assert isinstance(answer, ox.QueryTriples)
    return Outcome("graph", triples=[(t.subject, t.predicate, t.object) for t in answer])


def _result_set(quads: list[ox.Quad]) -> Outcome | None:
    """A result set written in RDF (rs:ResultSet), or None if the graph is not one."""
    by_subject: dict[object, list[tuple[str, Term]]] = {}
    for quad in quads:
        by_subject.setdefault(quad.subject, []).append((quad.predicate.value, quad.object))
    is_a = (str(RDF.type), ox.NamedNode(RS + "ResultSet"))
    found = next((pos for pos in by_subject.values() if is_a in pos), None)
    if found is None:
        return None
    for predicate, value in found:
        if predicate == RS + "boolean":
            assert isinstance(value, ox.Literal)
            return Outcome("boolean", boolean=value.value == "true")
    indexed = []
    for predicate, solution in found:
        if predicate != RS + "solution":
            continue
        row: Row = {}
        index = None
        for p, o in by_subject.get(solution, []):
            if p == RS + "index":
                index = int(o.value)  # type: ignore[union-attr]
            elif p == RS + "binding":
                binding = dict(by_subject[o])
                row[binding[RS + "variable"].value] = binding[RS + "value"]  # type: ignore[union-attr]
        indexed.append((index, row))
    indexed.sort(key=lambda item: item[0] if item[0] is not None else 0)
    return Outcome("solutions", rows=[row for _, row in indexed])


def expected(case: Case) -> Outcome:
    """The expected result of a case, parsed from its file."""
    assert case.result is not None
    suffix = case.result.suffix
    formats = {
        ".srx": ox.QueryResultsFormat.XML,
        ".srj": ox.QueryResultsFormat.JSON,
        ".tsv": ox.QueryResultsFormat.TSV,
    }
    if suffix in formats:
        return _solutions(ox.parse_query_results(path=case.result, format=formats[suffix]))
    if suffix == ".csv":
        return _csv(case.result.read_bytes())
    quads = list(ox.parse(path=case.result, base_iri=file_iri(case.result)))
    return _result_set(quads) or Outcome(
        "graph", triples=[(q.subject, q.predicate, q.object) for q in quads]
    )


def _csv(data: bytes) -> Outcome:
    return Outcome("csv", csv=list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""))))


_NUMERIC = {XSD + n for n in ("integer", "decimal", "double", "float")}


def _value(term: ox.Literal) -> object:
    """The value of a number or boolean, for LEXICAL_FORMS (None for other literals)."""
    kind = term.datatype.value
    try:
        if kind == XSD + "boolean":
            return {"true": True, "1": True, "false": False, "0": False}.get(term.value)
        if kind in (XSD + "double", XSD + "float"):
            return float(term.value)
        return Decimal(term.value) if kind in _NUMERIC else None
    except (ValueError, InvalidOperation):
        return None


class _Matcher:
    """Terms equal up to a bijection of blank nodes; numbers by value if `by_value`."""

    def __init__(self, by_value: bool) -> None:
        self.by_value = by_value
        self.forward: dict[str, str] = {}
        self.backward: dict[str, str] = {}

    def key(self, term: Term | None) -> object:
        """A key equal for terms that compare equal, blank nodes aside."""
        if isinstance(term, ox.BlankNode):
            return "_"
        if isinstance(term, ox.Literal):
            if term.language:
                return ("lang", term.value, term.language.lower())
            value = _value(term) if self.by_value else None
            if value is not None:
                return ("value", term.datatype.value, value)
        return str(term) if term is not None else None

    def same(self, a: Term | None, b: Term | None, bind: list[tuple[str, str]]) -> bool:
        if isinstance(a, ox.BlankNode) and isinstance(b, ox.BlankNode):
            mapped, back = self.forward.get(a.value), self.backward.get(b.value)
            if mapped is None and back is None:
                self.forward[a.value], self.backward[b.value] = b.value, a.value
                bind.append((a.value, b.value))
                return True
            return mapped == b.value
        return self.key(a) == self.key(b)

    def undo(self, bind: list[tuple[str, str]]) -> None:
        for a, b in bind:
            del self.forward[a], self.backward[b]

    def rows(self, expect: Sequence[dict], got: Sequence[dict], ordered: bool) -> bool:
        """Whether two lists of rows (variable -> term dicts) are equal as multisets (or lists)."""
        if len(expect) != len(got):
            return False
        if ordered:
            return all(self._row(e, g, []) for e, g in zip(expect, got, strict=True))
        # Rows without blank nodes compare by key; the others by backtracking.
        plain = lambda row: not any(isinstance(t, ox.BlankNode) for t in row.values())  # noqa: E731
        keyed = lambda row: frozenset((v, self.key(t)) for v, t in row.items())  # noqa: E731
        if Counter(keyed(r) for r in expect if plain(r)) != Counter(
            keyed(r) for r in got if plain(r)
        ):
            return False
        return self._match([r for r in expect if not plain(r)], [r for r in got if not plain(r)])

    def _row(self, e: dict, g: dict, bind: list[tuple[str, str]]) -> bool:
        return e.keys() == g.keys() and all(self.same(e[v], g[v], bind) for v in e)

    def _match(self, expect: list[dict], got: list[dict]) -> bool:
        if not expect:
            return not got
        first = expect[0]
        for i, candidate in enumerate(got):
            bind: list[tuple[str, str]] = []
            if self._row(first, candidate, bind) and self._match(
                expect[1:], got[:i] + got[i + 1 :]
            ):
                return True
            self.undo(bind)
        return False


def _ordered(case: Case) -> bool:
    """Whether the query's solutions come in a defined order: it has an ORDER BY (in the suite's
    queries, only ever at the top level)."""
    text = re.sub(r"#[^\n]*", "", case.query.read_text(encoding="utf-8"))
    return re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE) is not None


def agree(expect: Outcome, got: Outcome, case: Case, *, by_value: bool = False) -> bool:
    """Whether `got` is the `expect`ed outcome, as the module docstring says."""
    if expect.kind != got.kind:
        return False
    matcher = _Matcher(by_value)
    if expect.kind == "boolean":
        return expect.boolean == got.boolean
    if expect.kind == "error":
        return True
    if expect.kind == "solutions":
        assert expect.rows is not None and got.rows is not None
        return matcher.rows(expect.rows, got.rows, _ordered(case))
    if expect.kind == "graph":
        assert expect.triples is not None and got.triples is not None
        as_rows = lambda ts: [dict(zip("spo", t, strict=True)) for t in set(ts)]  # noqa: E731
        return matcher.rows(as_rows(expect.triples), as_rows(got.triples), False)
    assert expect.csv is not None and got.csv is not None
    ordered = _ordered(case)
    return matcher.rows(_csv_rows(expect.csv, by_value), _csv_rows(got.csv, by_value), ordered)


def _csv_cell(cell: str, by_value: bool) -> Term:
    if cell.startswith("_:"):
        return ox.BlankNode(cell[2:])
    if by_value and _CSV_NUMBER.fullmatch(cell):
        return ox.Literal(cell, datatype=ox.NamedNode(XSD + "double"))  # compared by value
    return ox.Literal(cell)


_CSV_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _csv_rows(table: list[list[str]], by_value: bool) -> list[Row]:
    """CSV rows as variable -> term: columns by their header's name (SELECT * sets no order), a
    blank node written `_:label` as a blank node, an empty cell as unbound; with `by_value`, a
    number as a number (CSV writes no datatype: its lexical form is all there is)."""
    header = table[0] if table else []
    return [
        {v: _csv_cell(c, by_value) for v, c in zip(header, row, strict=False) if c}
        for row in table[1:]
    ]


# --- running a case: through kg, and through the engine ----------------------------------------

_RUNNER = CliRunner()


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty Turtle file: the default graph of a test without data."""
    path = tmp_path_factory.mktemp("w3c") / "empty.ttl"
    path.write_text("")
    return path


def _dataset_args(case: Case, empty: Path) -> list[str]:
    args = [arg for path in case.data for arg in ("--default-graph", str(path))]
    args += [arg for path in case.graph_data for arg in ("--named-graph", str(path))]
    return args or ["--default-graph", str(empty)]


def kg(*args: str) -> tuple[int, bytes, str]:
    """Run `kg ARGS`: its exit code, stdout and stderr (a traceback is a failure of ours)."""
    result = _RUNNER.invoke(app, list(args), env={"COLUMNS": "100"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout_bytes, result.stderr


_WRITERS = {".srx": "xml", ".srj": "json", ".tsv": "tsv", ".csv": "csv", ".ttl": "json"}
_READERS = {
    "xml": ox.QueryResultsFormat.XML,
    "json": ox.QueryResultsFormat.JSON,
    "tsv": ox.QueryResultsFormat.TSV,
}


def through_kg(case: Case, empty: Path, want: Outcome) -> Outcome:
    """The case's outcome through `kg query`, its output read back with a real parser."""
    assert case.result is not None
    fmt = "ntriples" if want.kind == "graph" else _WRITERS[case.result.suffix]
    code, out, err = kg("query", str(case.query), *_dataset_args(case, empty), "-f", fmt)
    if code != 0:
        return Outcome("error", error=err)
    if fmt == "csv":
        return _csv(out)
    if fmt == "ntriples":
        triples = ox.parse(out, format=ox.RdfFormat.N_TRIPLES)
        return Outcome("graph", triples=[(t.subject, t.predicate, t.object) for t in triples])
    return _solutions(ox.parse_query_results(out, format=_READERS[fmt]))


def _engine_store(case: Case) -> ox.Store:
    store = ox.Store()
    for path in case.data:
        store.load(path=path, base_iri=file_iri(path), to_graph=ox.DefaultGraph())
    for path in case.graph_data:
        store.load(path=path, base_iri=file_iri(path), to_graph=ox.NamedNode(file_iri(path)))
    return store


def through_engine(case: Case) -> Outcome:
    """The case's outcome through pyoxigraph alone, on the same dataset with the same base."""
    try:
        answer = _engine_store(case).query(
            case.query.read_text(encoding="utf-8"), base_iri=file_iri(case.query)
        )
        if case.kind == "csv":
            assert isinstance(answer, ox.QuerySolutions)
            data = answer.serialize(format=ox.QueryResultsFormat.CSV)
            assert data is not None
            return _csv(data)
        if case.result is not None and case.result.suffix == ".tsv":
            assert isinstance(answer, ox.QuerySolutions)
            data = answer.serialize(format=ox.QueryResultsFormat.TSV)
            assert data is not None
            answer = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        return _solutions(answer)
    except (SyntaxError, OSError, RuntimeError, ValueError) as err:
        return Outcome("error", error=str(err))


def _passes(case: Case, want: Outcome, got: Outcome) -> bool:
    """Whether `got` is the expected outcome: exactly, or by value for the LEXICAL_FORMS."""
    if agree(want, got, case):
        # Strict, as for ENGINE_FAILURES: a listed difference that is gone leaves the list.
        assert case.id not in LEXICAL_FORMS, "equal lexical forms now: remove from LEXICAL_FORMS"
        return True
    return case.id in LEXICAL_FORMS and agree(want, got, case, by_value=True)


# --- the tests ---------------------------------------------------------------------------------


def _marks(case: Case) -> list[pytest.MarkDecorator]:
    if case.id in ENGINE_FAILURES:
        return [
            pytest.mark.xfail(strict=True, raises=EngineFailure, reason=ENGINE_FAILURES[case.id])
        ]
    return []


class EngineFailure(AssertionError):
    """The engine itself fails the test (listed in ENGINE_FAILURES); kg answers as it does."""


def _params(kinds: tuple[str, ...]) -> list[object]:
    return [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES if c.kind in kinds]


@pytest.mark.parametrize("case", _params(("eval", "csv")))
def test_query_evaluation(case: Case, empty: Path) -> None:
    want = expected(case)
    engine = through_engine(case)
    ours = through_kg(case, empty, want)
    engine_passes, kg_passes = _passes(case, want, engine), _passes(case, want, ours)
    if case.id not in ENGINE_FAILURES:
        assert engine_passes, f"the engine fails: list it in ENGINE_FAILURES, with why: {engine}"
        assert kg_passes, f"the engine passes, kg does not (ours): {ours}"
        return
    # The engine's own failure: kg answers as the engine does (or passes, and the run says so).
    assert kg_passes or agree(engine, ours, case), f"kg differs from the engine: {ours}"
    if not (engine_passes or kg_passes):
        raise EngineFailure(ENGINE_FAILURES[case.id])


def _engine_parses(case: Case) -> bool:
    """Whether the engine accepts the query's syntax (it evaluates lazily: nothing runs)."""
    try:
        ox.Store().query(case.query.read_text(encoding="utf-8"), base_iri=file_iri(case.query))
    except SyntaxError:
        return False
    except RuntimeError:
        return True  # parsed, but cannot be evaluated (an unknown function)
    return True


@pytest.mark.parametrize("case", _params(("syntax",)))
def test_syntax(case: Case, empty: Path) -> None:
    """A positive syntax test runs (exit 0); a negative one is refused as bad input (exit 2)."""
    engine_passes = _engine_parses(case) == case.positive
    code, _, err = kg("query", str(case.query), "--default-graph", str(empty))
    if case.positive:
        # Parsed and run; or parsed, and the engine could not evaluate it (exit 1: test_4 calls
        # a function <http://example/function> that no engine implements).
        kg_passes = code == 0 or (code == 1 and err.startswith("kg: error: query failed: "))
    else:
        kg_passes = code == 2 and err.startswith("kg: error: ") and err.count("\n") == 1
    if case.id not in ENGINE_FAILURES:
        assert engine_passes, "the engine fails: list it in ENGINE_FAILURES, with why"
        assert kg_passes, f"the engine passes, kg does not (ours): exit {code}: {err}"
        return
    assert kg_passes or (code == 0) == (_engine_parses(case)), f"kg differs from the engine: {err}"
    if not (engine_passes or kg_passes):
        raise EngineFailure(ENGINE_FAILURES[case.id])


@pytest.mark.parametrize("case", _params(("refused",)))
def test_refused_by_design(case: Case, empty: Path) -> None:
    """SERVICE and updates: `kg query` refuses them with its own one line, before evaluation."""
    code, out, err = kg("query", str(case.query), "--default-graph", str(empty))
    assert (code, out) == (2, b""), f"{case.reason}, yet: {err}"
    assert err.startswith("kg: error: ") and err.count("\n") == 1, err
    if case.id in EMPTY_UPDATES:
        assert err == "kg: error: empty query: expected SELECT, ASK, CONSTRUCT or DESCRIBE\n"
    elif case.id in REFUSED_TESTS:
        assert "would read a local file, which kg never does" in err, err
        assert _engine_parses(case)
    elif case.query.suffix == ".ru":
        # A negative test may be refused for its syntax first; a positive one only by design.
        assert not case.positive or "updates are refused by kg query" in err, err
    else:
        assert "would reach the network; pass --allow-federation" in err, err
        assert _engine_parses(case), "the engine does not accept this SERVICE query's syntax"


def test_the_readme_reports_these_counts() -> None:
    """The README's "Standards conformance" figures are this module's (docs that cannot rot)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Standards conformance", 1)[1].split("\n## ", 1)[0]
    results = {"csv-tsv-res", "json-res"}

    def figures(cases: list[Case]) -> str:
        failing = sum(c.id in ENGINE_FAILURES for c in cases)
        return f"| {len(cases) - failing} of {len(cases)} | {failing} |"

    evaluation = [c for c in CASES if c.kind in ("eval", "csv")]
    assert figures([c for c in evaluation if c.id.split("/")[0] not in results]) in section
    assert figures([c for c in evaluation if c.id.split("/")[0] in results]) in section
    assert figures([c for c in CASES if c.kind == "syntax"]) in section
    assert f"| {sum(c.kind == 'refused' for c in CASES)} refused," in section
    assert f"{len(LEXICAL_FORMS)} passes are by value" in " ".join(section.split())
