"""`kg infer`, `kg explain`, `kg infer --check` and `--infer`: exact stdout, stderr, exit code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KG = "https://w3id.org/kgcli/ontology#"
# What `kg infer` says of the default rule set counts the project's rules, whatever they are.
_N_RULES = len(list((ROOT / "queries" / "rules").glob("*.rq")))
PROJECT_RULES = f"{_N_RULES} SPARQL rule{'s' if _N_RULES != 1 else ''}"
KGR = "https://w3id.org/kgcli/resource/"
HEALTHCARE = f"PREFIX kg: <{KG}> SELECT ?f WHERE {{ ?f a kg:HealthcareFacility }} ORDER BY ?f"

#: A clinic typed by its subclass only, and a premise of a SPARQL rule.
DATA = """\
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Clinic rdfs:subClassOf ex:Facility .
ex:Facility rdfs:subClassOf ex:Place .
ex:Facility owl:disjointWith ex:Person .
ex:partOf a owl:TransitiveProperty .
ex:smile a ex:Clinic ; ex:partOf ex:center .
ex:center ex:partOf ex:minhang .
"""
EX = "http://example.org/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DERIVED = f"""\
<{EX}smile> <{EX}partOf> <{EX}minhang> .
<{EX}smile> {RDF_TYPE} <{EX}Facility> .
<{EX}smile> {RDF_TYPE} <{EX}Place> .
<{EX}Clinic> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{EX}Place> .
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


def _lines(text: str) -> list[str]:
    return sorted(text.splitlines())


def _one_error(result, code: int, message: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"kg: error: {message}\n")


# --- kg infer ------------------------------------------------------------------------------


def test_infer_writes_the_derived_triples_only_to_a_file(kg, data, tmp_path):
    out = tmp_path / "derived.nt"
    result = kg("infer", "--rules", "owl-rl", "--data", str(data), "-o", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"kg: 4 derived triples (owl-rl; 2 rounds) written to {out}\n"
    assert _lines(out.read_text(encoding="utf-8")) == _lines(DERIVED)


def test_infer_writes_any_rdf_format_to_stdout(kg, data):
    result = kg("infer", "--rules", "rdfs", "--data", str(data), "-f", "ntriples")
    assert result.exit_code == 0
    assert _lines(result.stdout) == _lines(DERIVED)[:1] + _lines(DERIVED)[2:]
    assert result.stderr == "kg: 3 derived triples (rdfs; 2 rounds) written to stdout\n"


def test_infer_on_the_embedded_graph_derives_the_healthcare_facilities(kg):
    result = kg("infer", "-f", "ntriples")
    assert result.exit_code == 0
    line = f"<{KGR}dr-smile-surgical-clinic> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    assert f"{line}<{KG}HealthcareFacility> ." in result.stdout.splitlines()
    assert result.stderr.startswith("kg: ") and f"(owl-rl, {PROJECT_RULES};" in result.stderr


def test_infer_of_a_missing_file_is_one_line_exit_2(kg, tmp_path):
    missing = tmp_path / "missing.ttl"
    _one_error(kg("infer", "--data", str(missing)), 2, f"{missing}: no such file")


def test_infer_refuses_an_unknown_rule_set(kg):
    _one_error(
        kg("infer", "--rules", "owl-dl"),
        2,
        "--rules owl-dl: not a rule set (rdfs, owl-rl), a folder of .rq rules or a .rq file",
    )


def test_infer_refuses_a_rule_that_does_not_parse_with_its_line_and_column(kg, data, tmp_path):
    rule = tmp_path / "broken.rq"
    rule.write_text(
        "PREFIX ex: <http://example.org/>\nCONSTRUCT { ?s ex:p ?o }\nWHERE { ?s ex:q ?o\n"
    )
    result = kg("infer", "--rules", str(rule), "--data", str(data))
    # At the end of the last line written, not on the line after it (the engine's count).
    expected = 'expected one of ",", ".", ";", "{", "{|", "}", "~", [_]'
    _one_error(result, 2, f"{rule}:3:19: {expected}")


def test_infer_refuses_a_rule_that_is_not_a_construct(kg, data, tmp_path):
    rule = tmp_path / "select.rq"
    rule.write_text("SELECT * WHERE { ?s ?p ?o }\n")
    result = kg("infer", "--rules", str(rule), "--data", str(data))
    _one_error(result, 2, f"{rule}:1:1: a rule must be a CONSTRUCT query, not SELECT")


def test_a_rule_set_that_does_not_converge_stops_at_the_bound_and_writes_nothing(
    kg, data, tmp_path
):
    rule = tmp_path / "mints.rq"
    rule.write_text(
        "# label: mints a new node each time\n"
        "PREFIX ex: <http://example.org/>\nCONSTRUCT { ?s ex:next [] } WHERE { ?s ex:partOf ?o }\n"
    )
    out = tmp_path / "derived.nt"
    result = kg(
        "infer", "--rules", str(rule), "--data", str(data), "--max-rounds", "3", "-o", str(out)
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(
        "kg: error: inference did not converge (3 rounds, --max-rounds): rule 'mints a new node "
        f"each time' <{rule.as_uri()}> kept deriving ("
    )
    assert result.stderr.endswith("; nothing was written\n") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_infer_into_a_store_is_a_generation_seen_only_with_infer(kg, data, tmp_path):
    store = tmp_path / "store"
    assert kg("store", "load", str(store), str(data)).exit_code == 0
    query = "SELECT ?c WHERE { <http://example.org/smile> a ?c } ORDER BY ?c"
    before = kg("query", "--store", str(store), "--infer", "-e", query, "-f", "csv")
    _one_error(
        before,
        2,
        f"{store}: the store holds no derived triples; run 'kg infer --store {store}' first",
    )
    result = kg("infer", "--rules", "owl-rl", "--store", str(store))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"kg: 4 derived triples (owl-rl; 2 rounds) written to kgg:inferred of store {store}\n"
    )
    stated = kg("query", "--store", str(store), "-e", query, "-f", "csv")
    assert stated.stdout == "c\nhttp://example.org/Clinic\n"
    graphs = kg("query", "--store", str(store), "-e", "SELECT ?g { GRAPH ?g {} }", "-f", "csv")
    assert graphs.stdout == f"g\n{data.as_uri()}\n"
    derived = kg("query", "--store", str(store), "--infer", "-e", query, "-f", "csv")
    assert derived.stdout == (
        "c\nhttp://example.org/Clinic\nhttp://example.org/Facility\nhttp://example.org/Place\n"
    )
    # Loading again makes what was derived stale: it goes, until kg infer runs again.
    assert kg("store", "load", str(store), str(data)).exit_code == 0
    assert kg("query", "--store", str(store), "--infer", "-e", query).exit_code == 2


def test_infer_into_a_store_takes_no_output_file(kg, data, tmp_path):
    store = tmp_path / "store"
    assert kg("store", "load", str(store), str(data)).exit_code == 0
    result = kg("infer", "--store", str(store), "-o", str(tmp_path / "x.nt"))
    _one_error(
        result,
        2,
        "kg infer --store writes into the store: -o is for the embedded graph, --data and -E "
        "(query the store with --infer -f FORMAT to export)",
    )


# --- kg infer --check ------------------------------------------------------------------------


def test_check_of_a_consistent_graph_says_so(kg):
    result = kg("infer", "--check")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "kg: the graph and its closure are consistent\n"


def test_check_reports_a_violation_like_shacl_and_exits_4(kg, data, tmp_path):
    clash = tmp_path / "clash.ttl"
    clash.write_text("<http://example.org/smile> a <http://example.org/Person> .\n")
    result = kg("infer", "--check", "--data", str(data), "--data", str(clash), "-f", "csv")
    assert result.exit_code == 4
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    assert result.stdout == (
        "focus,rule,message,triples\n"
        "http://example.org/smile,https://w3id.org/kgcli/rule/cax-dw,"
        "an instance of two disjoint classes,"
        f"<http://example.org/smile> {rdf_type} <http://example.org/Facility> . "
        f"<http://example.org/smile> {rdf_type} <http://example.org/Person> .\n"
    )
    assert result.stderr == "kg: error: the graph and its closure are inconsistent: 1 violation\n"
    as_json = kg("infer", "--check", "--data", str(data), "--data", str(clash), "-f", "json")
    assert as_json.exit_code == 4
    doc = json.loads(as_json.stdout)
    assert doc["conforms"] is False
    assert [(v["focus"], v["ruleName"]) for v in doc["violations"]] == [
        ("<http://example.org/smile>", "cax-dw")
    ]


# --- --infer on queries ------------------------------------------------------------------------


def test_query_sees_derived_triples_only_with_infer(kg):
    plain = kg("query", "-e", HEALTHCARE, "-f", "csv")
    assert (plain.exit_code, plain.stdout) == (0, "f\n")
    result = kg("query", "-e", HEALTHCARE, "-f", "csv", "--infer")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "f\n" + "".join(
        f"{KGR}{name}\n"
        for name in (
            "dr-smile-surgical-clinic",
            "huacao-community-health-service-center",
            "huashan-hospital",
            "huashan-hospital-hongqiao-branch",
        )
    )


def test_query_with_infer_on_data_files_and_chosen_rules(kg, data):
    query = "SELECT ?c WHERE { <http://example.org/smile> a ?c } ORDER BY ?c"
    result = kg(
        "query", "--data", str(data), "--infer", "--rules", "rdfs", "-e", query, "-f", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "c\nhttp://example.org/Clinic\nhttp://example.org/Facility\nhttp://example.org/Place\n"
    )


def test_rules_without_infer_is_a_usage_error(kg):
    _one_error(
        kg("query", "-e", HEALTHCARE, "--rules", "rdfs"),
        2,
        "--rules chooses the rules of --infer: give both",
    )


def test_infer_on_an_endpoint_is_refused(kg, no_user_settings):
    result = kg("query", "-e", HEALTHCARE, "-E", "http://127.0.0.1:9/sparql", "--infer")
    _one_error(
        result,
        2,
        "--infer needs a local graph (the embedded graph, --data or --store): "
        "an endpoint's reasoning is its own",
    )


def test_info_counts_the_derived_triples_with_infer(kg):
    plain = kg("info", "-f", "json")
    inferred = kg("info", "-f", "json", "--infer")
    assert plain.exit_code == inferred.exit_code == 0
    assert json.loads(plain.stdout)["source"] == "embedded graph"
    doc = json.loads(inferred.stdout)
    assert doc["source"] == "embedded graph + inferred"
    assert doc["triples"] > json.loads(plain.stdout)["triples"]


# --- kg explain --------------------------------------------------------------------------------


CLINIC_QUOTE = (
    "The Dr Smile Surgical Clinic where Qin received her surgery is a 200-square-meter miniature "
    "medical facility on the first floor of the New Hongqiao International Medical Center."
)


def test_explain_draws_a_derived_triple_down_to_the_quotes(kg):
    result = kg("explain", "Dr Smile Surgical Clinic", "a", "kg:HealthcareFacility")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "kgr:dr-smile-surgical-clinic rdf:type kg:HealthcareFacility  "
        "derived by cax-sco: instances of a subclass\n"
        "├─ kgr:dr-smile-surgical-clinic rdf:type kg:Clinic  "
        "stated in https://w3id.org/kgcli/graph/minhang-health-cluster\n"
        f'│    "{CLINIC_QUOTE}" — Making headway with new health industry cluster\n'
        "└─ kg:Clinic rdfs:subClassOf kg:HealthcareFacility  "
        "stated in https://w3id.org/kgcli/graph/kg\n"
    )


def test_explain_as_json(kg):
    result = kg(
        "explain", "kgr:dr-smile-surgical-clinic", "a", "kg:HealthcareFacility", "-f", "json"
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["status"] == "derived"
    assert doc["rule"] == {
        "iri": "https://w3id.org/kgcli/rule/cax-sco",
        "label": "instances of a subclass",
    }
    assert [p["status"] for p in doc["premises"]] == ["stated", "stated"]
    assert doc["premises"][0]["evidence"][0]["quote"] == CLINIC_QUOTE


def test_explain_of_a_transitive_step_on_data_files(kg, data):
    result = kg(
        "explain",
        "--data",
        str(data),
        "<http://example.org/smile>",
        "<http://example.org/partOf>",
        "<http://example.org/minhang>",
    )
    assert result.exit_code == 0
    assert result.stdout == (
        "<http://example.org/smile> <http://example.org/partOf> <http://example.org/minhang>  "
        "derived by prp-trp: transitive property\n"
        f"├─ <http://example.org/smile> <http://example.org/partOf> <http://example.org/center>  "
        f"stated in {data.as_uri()}\n"
        f"├─ <http://example.org/center> <http://example.org/partOf> <http://example.org/minhang>  "
        f"stated in {data.as_uri()}\n"
        "└─ <http://example.org/partOf> rdf:type owl:TransitiveProperty  "
        f"stated in {data.as_uri()}\n"
    )


def test_explain_of_what_does_not_hold_is_one_line_exit_1(kg):
    _one_error(
        kg("explain", "kgr:huashan-hospital", "a", "kg:Clinic"),
        1,
        f"<{KGR}huashan-hospital> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{KG}Clinic> "
        f"is neither stated nor derivable with owl-rl, {PROJECT_RULES}",
    )


def test_explain_of_an_unknown_prefix_lists_the_known_ones(kg):
    _one_error(
        kg("explain", "ex:a", "a", "kg:Hospital"),
        2,
        "ex:a: unknown prefix 'ex:' (known: dcterms:, kg:, kgg:, kgr:, org:, owl:, prov:, rdf:, "
        "rdfs:, schema:, skos:, xsd:)",
    )


def test_explain_of_an_ambiguous_label_lists_the_candidates(kg):
    _one_error(
        kg("explain", "Huashan", "a", "kg:Hospital"),
        2,
        f"'Huashan' matches 2 things: Huashan Hospital <{KGR}huashan-hospital>; "
        f"Huashan Hospital's Hongqiao Branch <{KGR}huashan-hospital-hongqiao-branch>",
    )


def test_explain_refuses_an_unknown_format(kg):
    _one_error(
        kg("explain", "kgr:huashan-hospital", "a", "kg:Hospital", "-f", "csv"),
        2,
        "unknown --format 'csv' for kg explain; choose tree or json",
    )


@pytest.mark.parametrize(
    "args",
    [("infer", "-f", "ntriples"), ("query", "--infer", "shared-resources")],
    ids=["kg infer", "kg query --infer"],
)
def test_timeout_stops_inference_with_exit_3(kg, args):
    # Inference on the embedded graph reads its schema before the first check of the deadline:
    # that alone takes longer than a millisecond.
    _one_error(kg(*args, "--timeout", "0.001"), 3, "inference stopped at the timeout (--timeout)")


def test_infer_and_explain_read_an_endpoint(kg, endpoint, no_user_settings):
    # The endpoint's graph has no schema: nothing to derive, but every triple stated.
    result = kg("infer", "-E", endpoint, "-f", "ntriples")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        f"kg: 0 derived triples (owl-rl, {PROJECT_RULES}; 1 round) written to stdout\n"
    )
    firm, located, town = (f"<http://example.org/{n}>" for n in ("firmA", "locatedIn", "town"))
    explained = kg("explain", "-E", endpoint, firm, located, town)
    assert (explained.exit_code, explained.stderr) == (0, "")
    assert explained.stdout == f"{firm} {located} {town}  stated in the default graph\n"


def test_a_query_asks_per_row_whether_a_triple_is_stated_or_derived(kg, data, tmp_path):
    """The documented way (docs/inference.md): membership of kgg:inferred, and kgi:derivedBy."""
    rule = tmp_path / "near.rq"
    rule.write_text(
        "# label: a place is near what it is part of\n"
        "PREFIX ex: <http://example.org/>\n"
        "CONSTRUCT { ?a ex:near ?b } WHERE { ?a ex:partOf ?b }\n"
    )
    near = tmp_path / "near.ttl"
    near.write_text(
        "<http://example.org/center> <http://example.org/near> <http://example.org/minhang> .\n"
    )
    query = """PREFIX ex: <http://example.org/>
    PREFIX kgi: <https://w3id.org/kgcli/inference#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    SELECT ?a ?b ?how ?rule WHERE {
      ?a ex:near ?b .
      BIND(IF(EXISTS { GRAPH <https://w3id.org/kgcli/graph/inferred> { ?a ex:near ?b } },
              "derived", "stated") AS ?how)
      OPTIONAL { GRAPH <https://w3id.org/kgcli/graph/inferred> {
        ?d rdf:subject ?a ; rdf:predicate ex:near ; rdf:object ?b ; kgi:derivedBy ?rule } }
    } ORDER BY ?a ?b"""
    args = ("query", "--data", str(data), "--data", str(near), "-e", query, "-f", "csv")
    plain = kg(*args)
    assert (plain.exit_code, plain.stdout) == (
        0,
        "a,b,how,rule\nhttp://example.org/center,http://example.org/minhang,stated,\n",
    )
    inferred = kg(*args, "--infer", "--rules", "owl-rl", "--rules", str(rule))
    assert (inferred.exit_code, inferred.stderr) == (0, "")
    assert inferred.stdout == (
        "a,b,how,rule\n"
        "http://example.org/center,http://example.org/minhang,stated,\n"
        f"http://example.org/smile,http://example.org/center,derived,{rule.as_uri()}\n"
        f"http://example.org/smile,http://example.org/minhang,derived,{rule.as_uri()}\n"
    )


def test_serve_with_infer_answers_from_stated_and_derived_triples(tmp_path):
    command = [sys.executable, "-m", "kgcli", "serve", "--port", "0", "--infer"]
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        log = [proc.stderr.readline(), proc.stderr.readline()]
        url = re.search(r"listening on (http://\S+)", "".join(log))
        assert log[0] == "kg serve: embedded graph + inferred loaded\n" and url, log
        ask = f"ASK {{ ?f a <{KG}HealthcareFacility> }}"
        query = urllib.parse.urlencode({"query": ask})
        request = urllib.request.Request(
            f"{url.group(1)}?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.load(answer) == {"head": {}, "boolean": True}
    finally:
        proc.terminate()
        proc.wait(30)
        if proc.stderr is not None:
            proc.stderr.close()


def test_infer_help_says_the_store_is_written_not_read_only(kg):
    """`kg infer --store` writes a new generation; other commands only read a store."""
    written = " ".join(kg("infer", "--help").stdout.split())
    assert (
        "-S, --store DIR An on-disk store made by 'kg store load' (or an Oxigraph store folder): "
        "the derived triples are written into it, as a new generation (--check only reads it). "
        "[env var: KG_STORE]"
    ) in written
    assert "read-only" not in written
    read = " ".join(kg("query", "--help").stdout.split())
    assert (
        "-S, --store DIR An on-disk store made by 'kg store load' (or an Oxigraph store folder), "
        "read-only. [env var: KG_STORE]"
    ) in read
