"""The Python API (`kgcli.open()`, issue #17): the CLI's answers as Python values, typed errors."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from support import MINI, ROOT

import kgcli
from kgcli.errors import InputError, KgError, UsageError

TYPED = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n 3 ; ex:x 2.5 ; ex:d "2024-02-29"^^xsd:date ; ex:b true ; ex:t "<b>A & B</b>" .
ex:C <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:D .
ex:a a ex:C .
ex:b ex:n 4 ; ex:x 1.0e0 ; ex:d "2023-01-01"^^xsd:date ; ex:b false ; ex:t "plain" .
"""
TYPED_QUERY = """PREFIX ex: <http://example.org/>
SELECT ?s ?n ?x ?d ?b ?t WHERE { ?s ex:n ?n ; ex:x ?x ; ex:d ?d ; ex:b ?b ; ex:t ?t } ORDER BY ?n"""


@pytest.fixture
def typed(tmp_path: Path) -> Path:
    path = tmp_path / "typed.ttl"
    path.write_text(TYPED, encoding="utf-8")
    return path


def test_a_catalogue_query_with_a_parameter_gives_plain_python_rows():
    r = kgcli.open().query("shared-resources", center="New Hongqiao")
    assert r.columns == ["facility", "resources", "how", "rule", "medicalCenter", "platform"]
    assert r.rows == [
        (
            "Dr Smile Surgical Clinic",
            "clinical laboratory; imaging department; inpatient building; pharmacy",
            "stated",
            None,
            "New Hongqiao International Medical Center",
            "shared medical technology service platform",
        )
    ]


def test_literals_become_typed_python_values(typed: Path):
    r = kgcli.open(data=[str(typed)]).query(TYPED_QUERY)
    assert r.rows == [
        ("http://example.org/a", 3, 2.5, dt.date(2024, 2, 29), True, "<b>A & B</b>"),
        ("http://example.org/b", 4, 1.0, dt.date(2023, 1, 1), False, "plain"),
    ]


EVERY_TYPE = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:v ex:value
  "42"^^xsd:integer, "7"^^xsd:nonNegativeInteger, "1750000000.50"^^xsd:decimal, "2.5E0"^^xsd:double,
  "true"^^xsd:boolean, "2024-02-29"^^xsd:date, "2024-02-29T10:30:00"^^xsd:dateTime,
  "PT10M"^^xsd:duration, "-P1DT2H0.5S"^^xsd:duration, "P3D"^^xsd:dayTimeDuration,
  "P1Y2M"^^xsd:duration, "P2M"^^xsd:yearMonthDuration, "2025"^^xsd:gYear,
  "2018-11"^^xsd:gYearMonth, "text", "words"@en .
"""


def test_every_datatype_of_the_catalogue_is_a_python_value(tmp_path: Path):
    """Decimals exact, durations as timedeltas unless they count months, gYear as a year (#17)."""
    path = tmp_path / "types.ttl"
    path.write_text(EVERY_TYPE, encoding="utf-8")
    r = kgcli.open(data=[str(path)]).query(
        "SELECT ?v WHERE { <http://example.org/v> <http://example.org/value> ?v } ORDER BY STR(?v)"
    )
    values = [(type(v).__name__, v) for (v,) in r.rows]
    assert len(values) == 16
    assert set(values) == {
        ("int", 42),
        ("int", 7),
        ("Decimal", Decimal("1750000000.50")),
        ("float", 2.5),
        ("bool", True),
        ("date", dt.date(2024, 2, 29)),
        ("datetime", dt.datetime(2024, 2, 29, 10, 30)),
        ("timedelta", dt.timedelta(minutes=10)),
        ("timedelta", -dt.timedelta(days=1, hours=2, milliseconds=500)),
        ("timedelta", dt.timedelta(days=3)),
        ("str", "P1Y2M"),  # a month has no fixed length: the text
        ("str", "P2M"),
        ("int", 2025),
        ("str", "2018-11"),
        ("str", "text"),
        ("str", "words"),
    }


def test_the_travel_time_from_hongqiao_is_ten_minutes():
    r = kgcli.open().query("transport-links", place="Hongqiao Railway Station")
    assert r.columns == ["from", "to", "link", "mode", "duration", "qualifier", "reportedBy"]
    assert r.rows == [
        (
            "Hongqiao Railway Station",
            "New Hongqiao International Medical Center",
            "travel time",
            "walk",
            dt.timedelta(minutes=10),
            "within",
            "a patient surnamed Qin",
        )
    ]
    assert "<td>walk</td><td>10 minutes</td>" in r._repr_html_()  # as kg query's table
    figures = kgcli.open().query("reported-figures", place="Jiading").rows
    assert figures[0][3:6] == ("1.75 billion yuan", Decimal("1750000000"), "CNY")
    assert type(figures[0][4]) is Decimal


def test_csv_and_json_keep_the_typed_literals(kg, tmp_path: Path):
    """The Python values change nothing of what is written: the bytes of kg query (#17)."""
    r = kgcli.open().query("transport-links")
    for fmt in ("csv", "json"):
        mine = tmp_path / f"api.{fmt}"
        r.write(str(mine), fmt)
        shown = kg("query", "transport-links", "-f", fmt)
        assert mine.read_text(encoding="utf-8") == shown.stdout
    assert "PT10M" in (tmp_path / "api.csv").read_text(encoding="utf-8")


def test_typed_parameters_are_the_cli_parameters(kg, tmp_path: Path):
    out = tmp_path / "cli.csv"
    assert kg("query", "timeline", "-p", "from=2020", "-o", str(out)).exit_code == 0
    mine = tmp_path / "api.csv"
    kgcli.open().query("timeline", **{"from": 2020}).to_csv(str(mine))
    assert mine.read_bytes() == out.read_bytes()
    assert mine.read_bytes().startswith(b"date,printed,event,subject\r\n")


def test_ask_and_construct(typed: Path):
    g = kgcli.open(str(typed))
    assert g.query("ASK { ?s ?p 4 }").value is True
    r = g.query("CONSTRUCT { ?s <http://example.org/m> ?n } WHERE { ?s <http://example.org/n> ?n }")
    assert r.columns == ["subject", "predicate", "object"]
    assert sorted(r.rows) == [
        ("http://example.org/a", "http://example.org/m", 3),
        ("http://example.org/b", "http://example.org/m", 4),
    ]


def test_html_is_escaped(typed: Path):
    r = kgcli.open(data=[str(typed)]).query(
        "PREFIX ex: <http://example.org/> SELECT ?t ?b WHERE { ex:a ex:t ?t ; ex:b ?b }"
    )
    assert r._repr_html_() == (
        "<table><thead><tr><th>t</th><th>b</th></tr></thead><tbody>"
        "<tr><td>&lt;b&gt;A &amp; B&lt;/b&gt;</td><td>true</td></tr></tbody></table>"
    )


def test_errors_are_typed_exceptions_not_exits(tmp_path: Path, capsys):
    with pytest.raises(UsageError, match="no-such-query"):
        kgcli.open().query("no-such-query")
    with pytest.raises(UsageError, match=r"'from'.*not an integer"):
        kgcli.open().query("timeline", **{"from": "soon"})
    with pytest.raises(InputError, match=r"missing\.ttl"):
        kgcli.open(data=[str(tmp_path / "missing.ttl")])
    with pytest.raises(InputError):
        kgcli.open().query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(InputError, match="--infer needs a local graph"):
        kgcli.open(endpoint="http://127.0.0.1:9/sparql", infer=True)
    assert issubclass(UsageError, KgError) and kgcli.errors.KgError is KgError
    assert capsys.readouterr() == ("", "")


def test_to_csv_keeps_the_old_file_when_the_write_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    r = kgcli.open().query("shared-resources")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kgcli.output.render.render", broken)
    with pytest.raises(KgError, match="the old file is unchanged"):
        r.to_csv(str(target))
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_the_network_is_the_one_kg_network_builds(kg):
    net = kgcli.open().network("facility-sharing")
    shown = kg("network", "analyze", "--profile", "facility-sharing", "-f", "csv")
    ids = sorted(line.split(",")[0] for line in shown.stdout.splitlines()[1:])
    assert sorted(net.nodes) == ids
    assert net.number_of_nodes() == 4 and net.number_of_edges() == 0
    with pytest.raises(UsageError, match="profile"):
        kgcli.open().network("no-such-profile")


def test_infer_gives_a_new_graph_with_the_derived_triples(typed: Path):
    g = kgcli.open(data=[str(typed)])
    count = "SELECT ?s WHERE { ?s a <http://example.org/D> }"
    assert g.query(count).rows == []
    assert g.infer(["rdfs"]).query(count).rows == [("http://example.org/a",)]
    assert g.query(count).rows == []  # the graph it came from is left as it was


def test_to_pandas_has_typed_columns(typed: Path):
    pd = pytest.importorskip("pandas")
    frame = kgcli.open(data=[str(typed)]).query(TYPED_QUERY).to_pandas()
    assert [str(t).split("[")[0] for t in frame.dtypes] == [
        "object",
        "Int64",
        "Float64",
        "datetime64",
        "boolean",
        "object",
    ]
    assert frame["n"].tolist() == [3, 4]
    assert frame["d"].tolist() == [pd.Timestamp("2024-02-29"), pd.Timestamp("2023-01-01")]


def test_to_pandas_durations_are_timedeltas_and_decimals_floats():
    pd = pytest.importorskip("pandas")
    frame = kgcli.open().query("transport-links").to_pandas()
    assert str(frame["duration"].dtype).startswith("timedelta64")
    assert frame["duration"].tolist()[1] == pd.Timedelta(minutes=10)
    assert frame["duration"].isna().tolist() == [True, False]
    figures = kgcli.open().query("reported-figures", place="Jiading").to_pandas()
    assert str(figures["value"].dtype) == "Float64"
    assert figures["value"].sum() == 3_460_000_000.0
    years = kgcli.open().query("plans-and-targets").to_pandas()
    assert str(years["byYear"].dtype) == "Int64"


def test_to_pandas_without_pandas_says_which_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError, match=r"pip install 'kgcli\[pandas\]'"):
        kgcli.open().query("shared-resources").to_pandas()


def test_importing_kgcli_imports_nothing_heavy():
    code = (
        "import sys, kgcli; kgcli.open\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('kgcli', 'pyoxigraph', 'networkx', 'pandas', 'typer', 'SPARQLWrapper')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == "['kgcli', 'kgcli.api', 'kgcli.errors', 'kgcli.redact']\n", done.stderr


def test_explain_prints_what_kg_explain_prints(kg):
    args = ("Dr Smile Surgical Clinic", "a", "kg:HealthcareFacility")
    why = kgcli.open().explain(*args)
    shown = kg("explain", *args)
    assert shown.exit_code == 0
    assert str(why) == shown.stdout
    assert str(why).startswith(
        "kgr:dr-smile-surgical-clinic rdf:type kg:HealthcareFacility  derived by cax-sco"
    )
    assert why.to_dict() == json.loads(kg("explain", *args, "-f", "json").stdout)
    with pytest.raises(KgError) as raised:
        kgcli.open().explain("Dr Smile Surgical Clinic", "a", "kg:Firm")
    assert raised.value.exit_code == shown.exit_code + 1


def test_a_store_and_a_query_file_whose_path_has_a_space(kg, typed: Path, tmp_path: Path):
    store = tmp_path / "store"
    assert kg("store", "load", str(store), str(typed)).exit_code == 0
    folder = tmp_path / "my queries"
    folder.mkdir()
    (folder / "d.rq").write_text("SELECT ?s WHERE { ?s a <http://example.org/D> }\n")
    with kgcli.open(store=str(store)) as g:
        assert g.query(str(folder / "d.rq")).rows == []
        with pytest.raises(InputError, match="run 'kg infer --store"):
            g.infer()
    assert kg("infer", "--store", str(store)).exit_code == 0
    with kgcli.open(store=str(store)) as g:
        assert g.infer().query(str(folder / "d.rq")).rows == [("http://example.org/a",)]


def test_an_endpoint_answers_as_the_same_files_do(endpoint: str):
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    remote = kgcli.open(endpoint=endpoint).query(text)
    local = kgcli.open(data=[str(MINI)]).query(text)
    assert remote.columns == ["s", "p", "o"]
    assert remote.rows == local.rows and len(remote) > 0
