"""`kg network` in-process: exact CSV and JSON on stdout, errors as one line, exports for Gephi."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest
from support import MINI, TESTS

HERE = TESTS
MINI_PROFILE = str(HERE / "fixtures" / "network" / "mini.toml")
DATA = ("--data", str(MINI))
KGR = "https://w3id.org/kgcli/resource/"


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout_bytes.decode()


def failed(result, code: int) -> str:
    assert result.exit_code == code, result.output
    (line,) = result.stderr.splitlines()
    return line


def test_profiles_as_csv_and_json(kg):
    text = ok(kg("network", "profiles", "-f", "csv"))
    lines = text.split("\r\n")
    assert lines[0] == "name,title,description"
    assert [line.split(",")[0] for line in lines[1:-1]] == [
        "cluster",
        "co-location",
        "facility-sharing",
        "generic",
        "resource-sharing",
    ]
    assert lines[3] == (
        "facility-sharing,Facility sharing,Healthcare facilities linked when they use the same "
        "shared medical resources; the weight is the number of resources they share."
    )
    docs = json.loads(ok(kg("network", "profiles", "-f", "json")))
    assert [d["name"] for d in docs][:2] == ["cluster", "co-location"]
    assert docs[0]["title"] == "Shanghai health cluster" and docs[0]["path"].endswith(
        "cluster.toml"
    )


def test_analyze_facility_sharing_exact_csv(kg, derived_graph):
    # The sharing of all three facilities is derived (issue #15): the derived graph is added.
    derived = ("--data", str(derived_graph), "--with-embedded")
    text = ok(
        kg("network", "analyze", "-P", "facility-sharing", "-m", "degree,component,community",
           *derived)
    )  # fmt: skip
    assert text == (
        "id,label,kind,degree,component,community\r\n"
        f"{KGR}dr-smile-surgical-clinic,Dr Smile Surgical Clinic,HealthcareFacility,2,0,0\r\n"
        f"{KGR}huacao-community-health-service-center,Huacao Community Health Service Center,"
        "HealthcareFacility,2,0,0\r\n"
        f"{KGR}huashan-hospital-hongqiao-branch,Huashan Hospital's Hongqiao Branch,"
        "HealthcareFacility,2,0,0\r\n"
        f"{KGR}huashan-hospital,Huashan Hospital,HealthcareFacility,0,1,1\r\n"
    )


def test_analyze_exact_json(kg, derived_graph):
    doc = json.loads(
        ok(
            kg(
                "network",
                "analyze",
                "--data",
                str(derived_graph),
                "--with-embedded",
                "-P",
                "facility-sharing",
                "-m",
                "core",
                "--top",
                "1",
                "-f",
                "json",
            )
        )
    )
    assert doc == {
        "head": {"vars": ["id", "label", "kind", "core"]},
        "results": {
            "bindings": [
                {
                    "id": {"type": "uri", "value": f"{KGR}dr-smile-surgical-clinic"},
                    "label": {"type": "literal", "value": "Dr Smile Surgical Clinic"},
                    "kind": {"type": "literal", "value": "HealthcareFacility"},
                    "core": {
                        "type": "literal",
                        "value": "2",
                        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                    },
                }
            ]
        },
    }


MINI_CSV = (
    "id,label,kind,degree,in_degree,out_degree,pagerank\r\n"
    "http://example.org/district,North District,District,3,2,1,0.2626303319808543\r\n"
    "http://example.org/city,Metropolis,City,2,2,0,0.3651981237949987\r\n"
    "http://example.org/town,River Town,Town,2,1,1,0.1419623416112726\r\n"
    "http://example.org/firmA,Firm A,Firm,1,0,1,0.07673640087095815\r\n"
    'http://example.org/firmB,"Firm B, ""the second""",Firm,1,0,1,0.07673640087095815\r\n'
    "http://example.org/firmC,Firm C,Firm,1,0,1,0.07673640087095815\r\n"
)
_FLOAT = re.compile(r"\b\d+\.\d+\b")


def same_but_last_digits(text: str, expected: str) -> bool:
    """`text` is `expected`, floats in full (#17) but for their last digits: PageRank is
    igraph's exact solve or networkx's iteration (to 1e-12), which part past the 11th digit."""
    got, want = _FLOAT.findall(text), _FLOAT.findall(expected)
    return _FLOAT.sub("F", text) == _FLOAT.sub("F", expected) and all(
        float(g) == pytest.approx(float(w), rel=1e-10, abs=0)
        for g, w in zip(got, want, strict=True)
    )


def test_analyze_user_data_with_a_profile_file(kg):
    args = ("network", "analyze", "-P", MINI_PROFILE, "-m", "degree,pagerank", "-f", "csv")
    assert same_but_last_digits(ok(kg(*args, *DATA)), MINI_CSV)


@pytest.mark.integration
def test_analyze_remote_endpoint_gives_the_same_rows(kg, endpoint):
    args = ("network", "analyze", "-P", MINI_PROFILE, "-m", "degree,pagerank", "-f", "csv")
    assert same_but_last_digits(ok(kg(*args, "--endpoint", endpoint)), MINI_CSV)


def test_network_from_a_select_query_file(kg, tmp_path):
    query = tmp_path / "located.rq"
    query.write_text(
        "PREFIX ex: <http://example.org/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?source ?target ?sourceLabel ?targetLabel WHERE {\n"
        "  ?source ex:locatedIn ?target . ?source rdfs:label ?sourceLabel .\n"
        "  ?target rdfs:label ?targetLabel FILTER(LANG(?targetLabel) != 'zh') }\n",
        encoding="utf-8",
    )
    text = ok(
        kg("network", "analyze", "-q", str(query), "-m", "degree", "--top", "2", "-f", "csv", *DATA)
    )
    assert text == (
        "id,label,kind,degree,in_degree,out_degree\r\n"
        "http://example.org/district,North District,Resource,3,2,1\r\n"
        "http://example.org/city,Metropolis,Resource,2,2,0\r\n"
    )


def test_network_from_a_construct_query_with_parameters(kg, tmp_path):
    query = tmp_path / "around.rq"
    query.write_text(
        "# title: Places around a firm\n"
        "# param: firm iri = ex:firmA\n"
        "PREFIX ex: <http://example.org/>\n"
        "CONSTRUCT { ?firm ?p ?o . ?o ?q ?r } WHERE { ?firm ?p ?o OPTIONAL { ?o ?q ?r } }\n",
        encoding="utf-8",
    )
    args = ("network", "path", "Firm A", "ex:district", "-q", str(query), "-f", "csv", *DATA)
    assert ok(kg(*args, "-p", "firm=ex:firmA")) == (
        "step,subjectLabel,predicateLabel,objectLabel,direction,subject,predicate,object\r\n"
        "1,Firm A,locatedIn,River Town,forward,http://example.org/firmA,"
        "http://example.org/locatedIn,http://example.org/town\r\n"
        # The district's label is beyond what the CONSTRUCT returns: its local name stands in.
        "2,River Town,locatedIn,district,forward,http://example.org/town,"
        "http://example.org/locatedIn,http://example.org/district\r\n"
    )
    # Firm C is in the city directly: its network does not reach the district.
    line = failed(kg(*args, "-p", "firm=ex:firmC"), 2)
    assert line.startswith("kg: error: no node of the network is 'Firm A'")


def test_path_exact_csv(kg):
    text = ok(kg("network", "path", "a manager of Wego", "Huacao Town", "-f", "csv"))
    assert text == (
        "step,subjectLabel,predicateLabel,objectLabel,direction,subject,predicate,object\r\n"
        f"1,a manager of Wego Holding,member of,Wego Holding,forward,{KGR}wego-holding-manager,"
        f"http://www.w3.org/ns/org#memberOf,{KGR}wego-holding\r\n"
        # Two relations join the pair (located in; explains its location in, #16's shortcut for
        # the manager's reason): a step names the smallest kind.
        f"2,Wego Holding,explains its location in,Huacao Town,forward,{KGR}wego-holding,"
        f"https://w3id.org/kgcli/ontology#explainsLocationIn,{KGR}huacao-town\r\n"
    )


def test_export_gexf_with_metrics_and_legend(kg, tmp_path, derived_graph):
    out = tmp_path / "sharing.gexf"
    result = kg(
        "network",
        "export",
        "--data",
        str(derived_graph),
        "--with-embedded",
        "-P",
        "facility-sharing",
        "--size-by",
        "pagerank",
        "-m",
        "community",
        "-o",
        str(out),
    )
    assert ok(result) == ""
    assert result.stderr.splitlines()[-2:] == [
        f"kg: wrote 4 nodes and 3 edges to {out}",
        "HealthcareFacility  #009e73",
    ]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<gexf" in text.splitlines()[1]
    import networkx as nx

    back = nx.read_gexf(out)
    node = back.nodes[f"{KGR}dr-smile-surgical-clinic"]
    # --size-by adds its metric; a group number is written as a category, c1 the largest.
    assert node["community"] == "c1" and node["pagerank"] > 0.3
    assert {d["weight"] for *_, d in back.edges(data=True)} == {4.0}


def test_export_gephi_csv_writes_two_files(kg, tmp_path):
    out = tmp_path / "cluster.csv"
    ok(kg("network", "export", "-o", str(out)))
    assert (tmp_path / "cluster.nodes.csv").read_text(encoding="utf-8").startswith("Id,Label")
    assert "Source,Target" in (tmp_path / "cluster.edges.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("analyze", "-P", "clustr"), 2, "unknown profile 'clustr'; did you mean cluster?"),
        (("analyze", "-m", "pagerang"), 2, "unknown metric 'pagerang'; did you mean 'pagerank'?"),
        (("analyze", "-P", "cluster", "-q", "x.rq"), 2, "give either --profile or --query"),
        (("analyze", "-p", "a=1"), 2, "-p/--param sets parameters of --query"),
        (("analyze", "-q", "resource-sharing-pairs"), 2, "resource-sharing-pairs: a network query"),
        (("path", "Fahua Pagode", "Jiading"), 2, "did you mean 'Fahua Pagoda'?"),
        (
            ("path", "-P", "co-location", "Neosoft Holding", "Yunnan Baiyao"),
            1,
            "no path between 'Neosoft Holding' and 'Yunnan Baiyao': they are in different "
            "components",
        ),
        (("export", "-o", "out.xlsx"), 2, "cannot tell the network format of 'out.xlsx'"),
        (("analyze", "--sort", "closeness"), 2, "--sort 'closeness' is not a computed metric"),
        (("analyze", "--resolution", "0"), 2, "--resolution must be a positive number, not 0.0"),
    ],
)
def test_errors_are_one_line(kg, args, code, message):
    line = failed(kg("network", *args), code)
    assert line.startswith("kg: error: ") and message in line


def test_malformed_profile_file_names_file_and_line(kg, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "Bad"\n[[nodes]]\nclass = "kg:Company\n', encoding="utf-8")
    line = failed(kg("network", "analyze", "-P", str(bad)), 2)
    assert line.startswith(f"kg: error: {bad}:3:")


def test_betweenness_sampling_is_said_on_stderr(kg):
    result = kg("network", "analyze", "-m", "betweenness", "--k", "5", "--top", "1", "-f", "csv")
    ok(result)
    assert result.stderr == (
        "kg: betweenness estimated from 5 of 47 sources (--k 5, seed 42): every value within "
        "±0.89 of the exact one with probability 95% (Hoeffding)\n"
    )


@pytest.mark.parametrize("k", ["1", "0", "-3"])
def test_betweenness_from_fewer_than_two_sources_is_refused(kg, k):
    """One sample source cannot weigh itself (the estimator divides by k - 1): it gave NaN."""
    line = failed(kg("network", "analyze", "-m", "betweenness", "--k", k), 2)
    expected = "kg: error: --k must be at least 2 (one sample source estimates nothing), not "
    assert line == expected + k


def test_communities_of_a_network_without_edges(kg, monkeypatch):
    """The stated facility-sharing network has no edge: no modularity, said so (not nan, nor
    networkx's ZeroDivisionError as an internal error)."""
    monkeypatch.setitem(sys.modules, "igraph", None)
    result = kg("network", "analyze", "-P", "facility-sharing", "-m", "community", "-f", "csv")
    assert ok(result) == (
        "id,label,kind,community\r\n"
        f"{KGR}dr-smile-surgical-clinic,Dr Smile Surgical Clinic,HealthcareFacility,0\r\n"
        f"{KGR}huacao-community-health-service-center,Huacao Community Health Service Center,"
        "HealthcareFacility,1\r\n"
        f"{KGR}huashan-hospital,Huashan Hospital,HealthcareFacility,2\r\n"
        f"{KGR}huashan-hospital-hongqiao-branch,Huashan Hospital's Hongqiao Branch,"
        "HealthcareFacility,3\r\n"
    )
    assert result.stderr == (
        "kg: Leiden needs igraph (pip install 'kgcli[fast]'): communities by Louvain instead\n"
        "kg: community: Louvain (networkx, seed 42, resolution 1): 4 communities, one per node: "
        "modularity is undefined without edge weight (no edges, or every weight 0)\n"
    )


def test_community_falls_back_to_louvain_without_igraph(kg, monkeypatch):
    monkeypatch.setitem(sys.modules, "igraph", None)  # as if kgcli[fast] were not installed
    result = kg("network", "analyze", "-m", "community", "--top", "2", "-f", "csv")
    assert ok(result) == (
        "id,label,kind,community\r\n"
        f"{KGR}clinic-room-dr-smile,clinic room of the Dr Smile Surgical Clinic,"
        "MedicalResource,0\r\n"
        f"{KGR}clinical-laboratory-new-hongqiao,clinical laboratory,SharedMedicalResource,0\r\n"
    )
    assert result.stderr == (
        "kg: Leiden needs igraph (pip install 'kgcli[fast]'): communities by Louvain instead\n"
        "kg: community: Louvain (networkx, seed 42, resolution 1): 7 communities, "
        "modularity 0.6474\n"
    )


@pytest.mark.skipif(
    importlib.util.find_spec("igraph") is None, reason="python-igraph (kgcli[fast]) not installed"
)
def test_community_is_leiden_with_its_resolution(kg):
    result = kg(
        "network", "analyze", "-m", "leiden", "--resolution", "2", "--top", "1", "-f", "csv"
    )
    assert ok(result).startswith("id,label,kind,leiden\r\n")
    assert result.stderr == (
        "kg: community: Leiden (igraph, seed 42, resolution 2): 9 communities, "
        "modularity 0.4629, every one connected\n"
    )


def test_analysis_timeout_exits_3(kg, monkeypatch):
    import time

    from kgcli.network import analyze

    def slow(run: object) -> dict:
        time.sleep(120)
        return {}

    monkeypatch.setitem(analyze._COMPUTE, "core", slow)
    # The network is built within the same budget: 5 s leaves room under load, the sleep none.
    result = kg("network", "analyze", "-m", "degree,core", "--timeout", "5")
    assert failed(result, 3) == "kg: error: analysis stopped after the 5 s timeout (--timeout)"


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        # A string is refused as the network is built, naming the query's row.
        ('"heavy"', 'kg: error: weights: row 2: ?weight "heavy" is not a number'),
        # A negative weight builds (an export may carry it) but no weighted metric reads it.
        (
            "-2",
            "kg: error: edge http://example.org/town -> http://example.org/city: weight -2.0 is "
            "negative: pagerank and community need weights that are numbers, zero or more",
        ),
    ],
)
def test_bad_edge_weight_is_one_line_naming_the_edge(kg, tmp_path, weight, message):
    query = tmp_path / "weights.rq"
    query.write_text(
        "PREFIX ex: <http://example.org/>\n"
        "SELECT ?source ?target ?weight WHERE {\n"
        "  VALUES (?source ?target ?weight) {\n"
        f"    (ex:firmA ex:town 1) (ex:town ex:city {weight}) }}\n"
        "}\n",
        encoding="utf-8",
    )
    args = ("network", "analyze", "-q", str(query), "-m", "pagerank,community", *DATA)
    assert failed(kg(*args), 2) == message
    if weight == "-2":  # metrics that do not read weights still run
        degree = ("network", "analyze", "-q", str(query), "-m", "degree", "-f", "csv", *DATA)
        assert ok(kg(*degree)).startswith("id,label,kind,degree")


def _times(text: str) -> str:
    """Stderr with every metric's seconds as 0.00 (the progress rows' only varying part)."""
    import re

    return re.sub(r" \d\.\d\d s\b", " 0.00 s", text)


BAR = "━" * 20


@pytest.fixture
def terminal(monkeypatch):
    """As if stderr were a terminal: the progress of analyses is shown."""
    from kgcli.cli import common

    monkeypatch.setattr(common, "stderr_is_tty", lambda: True)


@pytest.mark.parametrize("timeout", [(), ("--timeout", "60")])
def test_analysis_progress_on_a_terminal_a_bar_per_metric(kg, terminal, timeout):
    args = ("network", "analyze", "-m", "degree,betweenness", "--k", "5", "--top", "1", "-f", "csv")
    result = kg(*args, *timeout)
    ok(result)
    assert _times(result.stderr) == (
        f"kg: degree            {BAR} 0.00 s\n"
        f"kg: betweenness       {BAR} 0.00 s\n"
        "kg: betweenness estimated from 5 of 47 sources (--k 5, seed 42): every value within "
        "±0.89 of the exact one with probability 95% (Hoeffding)\n"
    )


def test_analysis_progress_says_which_metric_the_timeout_stopped(kg, terminal, monkeypatch):
    import time

    from kgcli.network import analyze

    def slow(run: object) -> dict:
        time.sleep(120)
        return {}

    monkeypatch.setitem(analyze._COMPUTE, "core", slow)
    result = kg("network", "analyze", "-m", "degree,core", "--timeout", "5")
    assert result.exit_code == 3
    assert _times(result.stderr) == (
        # The rows are a table: "0.00 s" padded to the width of "stopped".
        f"kg: degree            {BAR} 0.00 s \n"
        f"kg: core              {BAR} stopped\n"
        "kg: error: analysis stopped after the 5 s timeout (--timeout)\n"
    )


@pytest.mark.parametrize("command", ["export", "draw"])
def test_export_and_draw_show_the_progress_of_their_metrics(kg, terminal, tmp_path, command):
    result = kg("network", command, "-m", "pagerank", "-o", str(tmp_path / "cluster.svg"))
    ok(result)
    first, second = _times(result.stderr).splitlines()[:2]
    assert first == f"kg: pagerank          {BAR} 0.00 s"
    assert second.startswith("kg: drew ")  # a picture, whichever command drew it
