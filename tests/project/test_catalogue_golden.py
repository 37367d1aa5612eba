"""Golden results of the query catalogue: every queries/NAME.rq, run on the embedded graph with its
default parameters (and a few other values), gives exactly the rows of tests/golden/*.csv.

With inference (the project's rules of queries/rules and OWL 2 RL, into the derived graph), the
queries whose answers the rules change give the rows of tests/golden/inferred/*.csv: what the
articles imply, marked 'derived' with its rule (issue #15).

The golden files are SPARQL 1.1 CSV results, checked row by row against the two articles: they are
the contract. Rows are compared as multisets (SPARQL leaves the order of equal sort keys open); the
columns and their order are the query's. Each case runs through the `kg` command line
and directly on pyoxigraph (binding parameters the way `kg` does, with a VALUES block at
the start of the WHERE group), so a difference points at either the tool or the query.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from support import ROOT, TESTS

QUERIES = ROOT / "queries"
GOLDEN = TESTS / "golden"
GRAPH_NS = "https://w3id.org/kgcli/graph/"
PARAM_RE = re.compile(r"^# param: (\w+) (\w+)(?: = (.*?))?(?: -- .*)?$", re.MULTILINE)

#: Cases beyond the defaults: (query, parameters). Their golden file is NAME.param=value.csv.
OTHER_CASES: list[tuple[str, dict[str, str]]] = [
    ("firms-in-place", {"place": "Minhang"}),
    ("firms-in-place", {"place": "Jiading"}),
    ("firms-in-place", {"place": "Shanghai"}),
    ("firms-in-place", {"place": "Qianwan"}),
    ("resources-of-facility", {"facility": "Huashan"}),
    ("facilities-offering-specialty", {"specialty": "varicose"}),
    ("specialties-of-facility", {"facility": "Dr Smile"}),
    ("people-and-roles", {"person": "Qin"}),
    ("plans-and-targets", {"plan": "14th"}),
    ("reported-figures", {"place": "Shanghai"}),
    ("evidence-for-entity", {"entity": "Huashan"}),
    ("overview", {"district": "Jiading"}),
    ("timeline", {"from": "2020"}),
    ("transport-links", {"place": "Railway"}),
    ("counts", {"subject": "Kindly"}),
    ("articles", {"title": "Jiading"}),
    ("quotes-by-speaker", {"speaker": "Qin"}),
    ("location-reasons", {"place": "Shanghai"}),
    # * means any for every string parameter (#17): these printed only a header.
    ("transport-links", {"place": "*"}),
    ("firms-in-place", {"place": "*"}),
    ("facilities-of-medical-center", {"center": "*"}),
    ("resources-of-facility", {"facility": "*"}),
    ("firms-by-sector", {"sector": "*"}),
    # Labels match on words, case and punctuation aside: "(Nanxiang)" is the word Nanxiang (#17).
    ("evidence-for-entity", {"entity": "Nanxiang Precision"}),
    ("parks-and-focus-areas", {"park": "nanxiang"}),
    # A park's place is a parameter (#17).
    ("parks-and-focus-areas", {"place": "Jiading"}),
    ("firms-by-sector", {"place": "Huacao", "sector": "*"}),
    # Where the Bengbu patient is, so that evidence-for-entity gives the source (#17).
    ("people-and-roles", {"place": "Bengbu"}),
    # Which hospital has a branch in the center, and what it shares (#17).
    ("branches", {"center": "New Hongqiao"}),
    # A per-facility count of shared resources (#17): stated, Dr Smile's only.
    ("shared-resources-per-facility", {"center": "New Hongqiao"}),
    ("shared-resources-per-facility", {"facility": "smile"}),
    ("shared-resources-per-facility", {"facility": "Huashan"}),
]


#: Cases run on the stated graph and its derived graph (tests/golden/inferred/NAME.csv): the
#: queries whose rows the rules of queries/rules change, and the two questions of issue #15.
INFERRED_CASES: list[tuple[str, dict[str, str]]] = [
    ("shared-resources", {}),
    ("resource-sharing-pairs", {}),
    ("resources-of-facility", {"facility": "Huashan"}),
    ("facilities-of-medical-center", {}),
    ("facilities-offering-specialty", {}),
    ("overview", {}),
    ("firms-in-place", {"place": "Shanghai"}),
    ("branches", {}),
    ("shared-resources-per-facility", {}),
    ("shared-resources-per-facility", {"facility": "Huashan"}),
]


def catalogue() -> list[str]:
    return sorted(p.stem for p in QUERIES.glob("*.rq"))


def golden_path(name: str, params: dict[str, str], folder: Path = GOLDEN) -> Path:
    suffix = "".join(f".{key}={value}" for key, value in sorted(params.items()))
    return folder / f"{name}{suffix}.csv"


CASES: list[tuple[str, dict[str, str]]] = [(name, {}) for name in catalogue()] + OTHER_CASES


def case_id(case: tuple[str, dict[str, str]]) -> str:
    return golden_path(*case).stem


# --- Running a query ----------


def _store() -> ox.Store:
    store = ox.Store()
    ontology = [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    for path in ontology + sorted((ROOT / "graph").glob("*.ttl")):
        store.load(
            path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_NS + path.stem)
        )
    return store


_STORE: ox.Store | None = None
_INFERRED: ox.Store | None = None


def _inferred_store() -> ox.Store:
    """The embedded graph with its derived graph, as `--infer` gives it (docs/inference.md)."""
    from kgcli.engine.infer import infer, rule_set

    global _INFERRED
    if _INFERRED is None:
        _INFERRED = _store()
        infer(_INFERRED, rule_set([], project_rules=QUERIES / "rules"))
    return _INFERRED


def _term(type_: str, value: str) -> str:
    if type_ == "string":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if type_ == "integer":
        return str(int(value))
    raise NotImplementedError(f"parameter type {type_} is not used by the catalogue's tests")


def run_on_engine(name: str, params: dict[str, str], store: ox.Store | None = None) -> str:
    """The query on pyoxigraph, each parameter bound by a VALUES block at the start of WHERE."""
    global _STORE
    if store is None:
        if _STORE is None:
            _STORE = _store()
        store = _STORE
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    values = [
        f"VALUES ?{param} {{ {_term(type_, params.get(param, default))} }}"
        for param, type_, default in PARAM_RE.findall(text)
    ]
    where = re.search(r"\bWHERE\s*\{", text)
    assert where, f"{name}.rq has no WHERE group"
    query = text[: where.end()] + " " + " ".join(values) + text[where.end() :]
    results = store.query(query, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    data = results.serialize(format=ox.QueryResultsFormat.CSV)
    assert data is not None
    return data.decode("utf-8")


def run_on_cli(name: str, params: dict[str, str]) -> str:
    """The query through `kg query NAME -f csv -p NAME=VALUE ...`, in-process."""
    from typer.testing import CliRunner

    from kgcli.cli import app

    args = ["query", name, "-f", "csv"]
    for key, value in params.items():
        args += ["-p", f"{key}={value}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"kg {' '.join(args)} failed:\n{result.output}"
    return result.stdout


RUNNERS = {"cli": run_on_cli, "engine": run_on_engine}


def parse_csv(text: str) -> tuple[list[str], Counter[tuple[str, ...]]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, "no CSV header"
    return rows[0], Counter(tuple(row) for row in rows[1:])


# --- Tests ----------


def test_the_catalogue_has_at_least_fifteen_queries():
    assert len(catalogue()) >= 15


@pytest.mark.parametrize("name", catalogue())
def test_header_has_title_description_and_defaults(name):
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    assert text.startswith("# title: "), name
    assert "\n# description: " in text, name
    params = PARAM_RE.findall(text)
    assert params, f"{name}.rq declares no parameter"
    for param, _type, default in params:
        assert default, f"{name}.rq: parameter {param} has no default"
        assert f"?{param}" in text.split("WHERE", 1)[1], f"{name}.rq never uses ?{param}"


@pytest.mark.parametrize("name", catalogue())
def test_every_column_is_described_in_the_header(name):
    """Each result column has a `# column: NAME -- meaning` line, in the order of the results."""
    from kgcli.engine.catalogue import load_file

    query = load_file(QUERIES / f"{name}.rq")
    header, _rows = parse_csv(golden_path(name, {}).read_text(encoding="utf-8"))
    assert [c.name for c in query.columns] == header
    assert all(c.description for c in query.columns)


def test_every_golden_file_belongs_to_a_case():
    expected = {golden_path(*case).name for case in CASES}
    assert sorted(p.name for p in GOLDEN.glob("*.csv") if p.name not in expected) == []


def test_every_inferred_golden_file_belongs_to_a_case():
    expected = {golden_path(*case, GOLDEN / "inferred").name for case in INFERRED_CASES}
    assert sorted(p.name for p in (GOLDEN / "inferred").glob("*.csv")) == sorted(expected)


def _assert_golden(golden: Path, got: str) -> None:
    assert golden.is_file(), f"missing golden file {golden.relative_to(ROOT)}"
    want_header, want_rows = parse_csv(golden.read_text(encoding="utf-8"))
    got_header, got_rows = parse_csv(got)
    assert got_header == want_header
    missing = want_rows - got_rows
    extra = got_rows - want_rows
    assert not missing and not extra, (
        f"{golden.name}: rows differ\n  missing: {sorted(missing.elements())}\n"
        f"  unexpected: {sorted(extra.elements())}"
    )


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_query_gives_its_golden_rows(case, runner):
    name, params = case
    _assert_golden(golden_path(name, params), RUNNERS[runner](name, params))


@pytest.mark.parametrize("case", INFERRED_CASES, ids=case_id)
def test_query_with_inference_gives_its_golden_rows(case):
    name, params = case
    got = run_on_engine(name, params, _inferred_store())
    _assert_golden(golden_path(name, params, GOLDEN / "inferred"), got)
