"""The CLI in-process, on a tiny fixture graph: exact CSV/JSON on stdout, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import MINI, MINI_QUERIES

from kgcli.api import SourceSpec
from kgcli.cli.common import EMBEDDED

DATA = ("--data", str(MINI))
CATALOGUE = ("--queries", str(MINI_QUERIES))


def test_inline_select_as_csv(kg):
    result = kg(
        "query",
        *DATA,
        "-f",
        "csv",
        "-e",
        "SELECT ?label WHERE { ?f a <http://example.org/Firm> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label",
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stdout_bytes.decode() == 'label\r\nFirm A\r\n"Firm B, ""the second"""\r\nFirm C\r\n'
    )


def test_named_query_with_default_parameter(kg):
    result = kg(*CATALOGUE, "query", "firms-in", *DATA)  # piped: csv by default
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == (
        "firm,label\r\n"
        "http://example.org/firmA,Firm A\r\n"
        'http://example.org/firmB,"Firm B, ""the second"""\r\n'
    )


def test_string_parameter_is_bound_not_pasted(kg):
    result = kg(*CATALOGUE, "query", "firms-in", *DATA, "-p", "place=Metropolis")
    assert result.stdout_bytes.decode().count("\r\n") == 4  # header + firms A, B, C (transitive)
    # An injection attempt is one plain literal: it matches no label, and nothing breaks.
    attack = 'x" } ; DROP ALL ; #'
    result = kg(*CATALOGUE, "query", "firms-in", *DATA, "-p", f"place={attack}")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == "firm,label\r\n"


def test_iri_parameter_with_prefixed_name_binds_an_unprojected_variable(kg):
    result = kg(*CATALOGUE, "query", "firm-count", *DATA, "-p", "place=ex:district")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == "firms\r\n2\r\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "missing parameter 'place'"),
        (("-p", "town=ex:town"), "unknown parameter 'town'"),
        (("-p", "place=not an iri"), "parameter 'place'"),
    ],
)
def test_parameter_errors_are_usage_errors_naming_it(kg, args, message):
    result = kg(*CATALOGUE, "query", "firm-count", *DATA, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_json_is_sparql_results_json(kg):
    result = kg(
        "query",
        *DATA,
        "-f",
        "json",
        "-e",
        "SELECT ?firm ?staff WHERE { ?firm <http://example.org/staff> ?staff }",
    )
    assert json.loads(result.stdout) == {
        "head": {"vars": ["firm", "staff"]},
        "results": {
            "bindings": [
                {
                    "firm": {"type": "uri", "value": "http://example.org/firmA"},
                    "staff": {
                        "type": "literal",
                        "value": "120",
                        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                    },
                }
            ]
        },
    }


def test_ask_and_construct(kg):
    ask = kg("query", *DATA, "-f", "json", "-e", "ASK { ?s a <http://example.org/Town> }")
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}
    graph = kg(
        "query",
        *DATA,
        "-f",
        "ntriples",
        "-e",
        "CONSTRUCT { ?s a <http://example.org/T> } WHERE { ?s a <http://example.org/Town> }",
    )
    assert graph.exit_code == 0, graph.output
    assert graph.stdout_bytes.decode() == (
        "<http://example.org/town> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://example.org/T> .\n"
    )


def test_limit_keeps_the_first_rows(kg):
    result = kg(
        "query",
        *DATA,
        "-f",
        "csv",
        "--limit",
        "1",
        "-e",
        "SELECT ?s WHERE { ?s a <http://example.org/Firm> } ORDER BY ?s",
    )
    assert result.stdout_bytes.decode() == "s\r\nhttp://example.org/firmA\r\n"


def test_output_file_takes_its_format_from_the_extension(kg, tmp_path: Path):
    target = tmp_path / "firms.json"
    result = kg(*CATALOGUE, "query", "firms-in", *DATA, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == ""
    assert json.loads(target.read_text())["head"]["vars"] == ["firm", "label"]


def test_query_from_stdin_and_from_a_file(kg, tmp_path: Path):
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://example.org/Firm> }"
    assert kg("query", "-", *DATA, "-f", "csv", input=text).stdout_bytes.decode() == "n\r\n3\r\n"
    path = tmp_path / "count.rq"
    path.write_text(text)
    assert kg("query", str(path), *DATA, "-f", "csv").stdout_bytes.decode() == "n\r\n3\r\n"


def test_timeout_stops_a_runaway_query(kg):
    runaway = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
        "?m ?n2 ?o . ?p ?q ?r }"
    )
    result = kg("query", *DATA, "--timeout", "0.5", "-e", runaway)
    assert result.exit_code == 3
    assert "timeout" in result.stderr
    # The process is still healthy: the next query answers.
    assert (
        kg(
            "query", *DATA, "--timeout", "5", "-f", "csv", "-e", "ASK { ?s ?p ?o }"
        ).stdout_bytes.decode()
        == "true"
    )


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "file:"),
        ("DROP ALL", "update"),
    ],
)
def test_queries_reaching_network_or_disk_or_updating_are_refused(kg, query, where):
    result = kg("query", *DATA, "-e", query)
    assert result.exit_code == 2
    assert where.lower() in result.stderr.lower()


def test_malformed_sparql_names_line_and_column(kg):
    result = kg("query", *DATA, "-e", "SELECT ?x WHERE {\n  ?x ?y }")
    assert result.exit_code == 2
    assert result.stderr.startswith("kg: error: query:2:")


def test_malformed_turtle_names_file_line_and_column(kg, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "unterminated .\n')
    result = kg("query", "--data", str(bad), "-e", "ASK {}")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kg: error: {bad}:2:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data", "missing.ttl"), "missing.ttl: no such file"),
        (("--data", "graph.xyz"), "cannot tell the RDF format"),
        (("--endpoint", "not-a-url"), "is not an http(s) URL"),
        (("-f", "xlsx"), "xlsx"),
    ],
)
def test_bad_input_is_one_line_exit_2(kg, tmp_path: Path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graph.xyz").write_text("")
    result = kg("query", *args, "-e", "ASK {}")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_unknown_query_name_suggests_the_closest(kg):
    result = kg(*CATALOGUE, "query", "firms-inn", *DATA)
    assert result.exit_code == 2
    assert "firms-in" in result.stderr


def test_unreachable_endpoint_is_a_runtime_error(kg):
    result = kg("query", "--endpoint", "http://127.0.0.1:9/sparql", "-e", "ASK {}")
    assert result.exit_code == 1
    assert result.stderr.startswith("kg: error: http://127.0.0.1:9/sparql:")


def test_remote_results_render_identically(kg, endpoint):
    for args in (("firms-in",), ("firm-count", "-p", "place=ex:city")):
        for fmt in ("csv", "tsv", "json", "xml", "jsonl", "markdown"):
            local = kg(*CATALOGUE, "query", *args, *DATA, "-f", fmt)
            remote = kg(*CATALOGUE, "query", *args, "--endpoint", endpoint, "-f", fmt)
            assert remote.exit_code == 0, remote.output
            assert remote.stdout_bytes == local.stdout_bytes, (args, fmt)
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://example.org/Town> ; ?p ?o }"
    local = kg("query", *DATA, "-f", "ntriples", "-e", construct)
    remote = kg("query", "--endpoint", endpoint, "-f", "ntriples", "-e", construct)
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())


def test_info_sections(kg):
    result = kg("info", *DATA, "-s", "classes", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == (
        "class,entities\r\n"
        "http://example.org/Firm,3\r\n"
        "http://example.org/City,1\r\n"
        "http://example.org/District,1\r\n"
        "http://example.org/Town,1\r\n"
    )
    whole = json.loads(kg("info", *DATA, "-f", "json").stdout)
    assert whole["triples"] == 21
    assert whole["graphs"] == [
        {"graph": MINI.resolve().as_uri(), "triples": 21, "source": str(MINI)}
    ]


def test_validate_reports_violations_with_exit_4(kg):
    shapes = str(MINI.parent / "mini-shapes.ttl")
    result = kg("validate", *DATA, "--shapes", shapes, "-f", "json")
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert sorted(v["focus"] for v in report["violations"]) == [
        "http://example.org/firmB",
        "http://example.org/firmC",
    ]


def test_queries_list_as_json(kg):
    result = kg(*CATALOGUE, "queries", "list", "-f", "json")
    assert result.exit_code == 0, result.output
    mine = {
        q["name"]: q for q in json.loads(result.stdout) if q["path"].startswith(str(MINI_QUERIES))
    }
    assert mine["firms-in"]["params"] == [
        {
            "name": "place",
            "type": "string",
            "default": "North",
            "description": "text of the place's label",
        }
    ]
    assert mine["firm-count"]["title"] == "How many firms a place has"


def test_version_and_module_entry_point():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "kgcli", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("kg ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # A name close to none (Click suggests close ones: `--bogus` gets "--base").
        (("query", "--zzz"), "kg: error: No such option: --zzz (see 'kg query -h')\n"),
        (
            ("query", "--bogus"),
            "kg: error: No such option: --bogus (Possible options: --base) (see 'kg query -h')\n",
        ),
        (("nope",), "kg: error: No such command 'nope'. (see 'kg -h')\n"),
        (("query", "articles", "--limit", "-3"), "kg: error: Invalid value for '--limit': "),
    ],
)
def test_usage_errors_are_one_line_exit_2(kg, args, message):
    result = kg(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.endswith("-h')\n") and result.stderr.count("\n") == 1


def test_describe_and_with_embedded(kg):
    described = kg("query", *DATA, "-f", "ntriples", "-e", "DESCRIBE <http://example.org/town>")
    assert described.exit_code == 0, described.output
    assert len(described.stdout.splitlines()) == 3  # type, label, locatedIn
    both = kg(
        "query",
        *DATA,
        "--with-embedded",
        "-f",
        "csv",
        "-e",
        "SELECT (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
    assert both.stdout_bytes.decode() == "graphs\r\n4\r\n"  # mini.ttl + the three embedded


def test_data_from_stdin(kg):
    result = kg(
        "query",
        "--data",
        "-",
        "-f",
        "csv",
        "-e",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://example.org/Firm> }",
        input=MINI.read_text(),
    )
    assert result.stdout_bytes.decode() == "n\r\n3\r\n"


def test_from_chooses_the_graphs_a_query_reads(kg):
    """Without FROM the default graph is the union of all; with FROM, only the graphs named
    (pyoxigraph ignores FROM when asked for the union, so it must not be asked then)."""
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    kgg = "https://w3id.org/kgcli/graph/"
    union = kg("query", "-e", count.format(""), "-f", "csv")
    ontology = kg("query", "-e", count.format(f"FROM <{kgg}kg>"), "-f", "csv")
    both = kg("query", "-e", count.format(f"FROM <{kgg}kg> FROM <{kgg}jiading-precision-medicine>"),
              "-f", "csv")  # fmt: skip
    assert [r.stdout_bytes for r in (union, ontology, both)] == [
        b"n\r\n5687\r\n",
        b"n\r\n1961\r\n",
        b"n\r\n3484\r\n",
    ]


# --- one source object, one place for errors (#13) ------------------------------------------


def _app_with(command):
    """A fresh app of kg's own class with one more command, as a new command would be added."""
    import typer

    from kgcli.cli.app import OneLineErrors

    app = typer.Typer(cls=OneLineErrors, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command("probe")(command)
    app.command("other")(lambda: None)  # two commands: `probe` is a subcommand, as in kg
    return app


def test_a_new_command_gets_the_source_options_as_one_object(runner):
    from kgcli.cli.common import source_options

    seen: list[SourceSpec] = []

    @source_options(graphs=True)
    def probe(source: SourceSpec = EMBEDDED, limit: int = 0) -> None:
        seen.append(source)

    app = _app_with(probe)
    args = ["probe", "-d", "a.ttl", "--data", "b.nt", "--named-graph", "g.ttl", "-S", "db"]
    result = runner.invoke(app, [*args, "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert seen == [
        SourceSpec(data=("a.ttl", "b.nt"), named_graph=("g.ttl",), store="db"),
    ]
    assert runner.invoke(app, ["probe"]).exit_code == 0
    assert seen[-1] == SourceSpec() == EMBEDDED
    help_text = runner.invoke(app, ["probe", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--data", "--default-graph", "--data-format", "--with-embedded", "--store"):
        assert option in help_text
    assert help_text.index("--endpoint") < help_text.index("--limit")  # in `source`'s place


def test_source_spec_is_frozen_and_the_keyword_form_is_the_same(tmp_path):
    import dataclasses

    from kgcli.api import open_source

    spec = SourceSpec(data=[str(MINI)])
    assert spec.data == (str(MINI),) and hash(spec) == hash(SourceSpec(data=(str(MINI),)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.store = "db"
    assert open_source(spec).description == open_source(data=[str(MINI)]).description
    with pytest.raises(TypeError):
        open_source(spec, data=[str(MINI)])


def test_a_new_command_reports_errors_in_one_line_without_being_told(runner):
    """Every command's errors go through the app's group: none can forget (it once took a
    decorator on each command)."""
    from kgcli.errors import InputError, QueryTimeout

    def probe(kind: str = "input") -> None:
        if kind == "input":
            raise InputError("data.ttl:3:7: bad triple")
        if kind == "timeout":
            raise QueryTimeout("the query took longer than 1 s")
        raise ZeroDivisionError("a secret=hunter2")

    app = _app_with(probe)
    found = runner.invoke(app, ["probe"])
    assert (found.exit_code, found.output) == (2, "kg: error: data.ttl:3:7: bad triple\n")
    assert runner.invoke(app, ["probe", "--kind", "timeout"]).exit_code == 3
    bug = runner.invoke(app, ["probe", "--kind", "bug"])
    assert bug.exit_code == 1
    assert bug.output.startswith("kg: error: internal error (ZeroDivisionError in test_cli.py")
    assert "hunter2" not in bug.output and "Traceback" not in bug.output


def test_kg_error_with_debug_is_a_traceback(kg):
    result = kg("--debug", "query", "--data", "missing.ttl", "-e", "ASK {}")
    assert isinstance(result.exception, Exception) and result.exit_code == 1
    assert type(result.exception).__name__ == "InputError"


# --- The catalogue behaves the same everywhere (#17) -----------------------------------------


def test_an_empty_result_says_which_words_no_label_has(kg):
    result = kg("query", "evidence-for-entity", "-p", "entity=Nanxiang Precison", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == (
        "entityLabel,property,value,quote,saidBy,article,statement\r\n"
    )
    assert result.stderr == (
        "kg: no rows: no label or other name in the graph has the words "
        "entity='Nanxiang Precison'\n"
    )


def test_an_empty_result_is_quiet_when_a_label_has_the_words(kg):
    # "Jiading" is a place's label, not a sector's: the rows are none, but not for want of a label.
    result = kg("query", "firms-by-sector", "-p", "sector=Jiading", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == "sectorLabel,firmLabel,basis,via,firm\r\n"
    assert result.stderr == ""


def test_a_star_or_a_found_label_gives_rows_and_no_note(kg):
    for given in ("place=*", "place=hongqiao RAILWAY"):
        result = kg("query", "transport-links", "-p", given, "-f", "csv")
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert "Hongqiao Railway Station,New Hongqiao International Medical Center" in result.stdout


def test_queries_show_prints_the_columns_with_their_meaning(kg):
    result = kg("queries", "show", "quotes-by-speaker")
    assert result.exit_code == 0, result.output
    assert (
        "# column: statements -- how many statements of the graph the quote supports (kg query\n"
        "#   evidence-for-entity lists them)\n"
    ) in result.stdout


def test_queries_list_as_json_gives_the_columns(kg):
    result = kg("queries", "list", "-f", "json")
    counts = next(q for q in json.loads(result.stdout) if q["name"] == "overview")
    assert counts["columns"] == [
        {"name": "districtLabel", "description": "the district's label"},
        {
            "name": "class",
            "description": "an entity class, by its label (most specific classes only)",
        },
        {"name": "entities", "description": "how many entities of that class lie in the district"},
    ]
