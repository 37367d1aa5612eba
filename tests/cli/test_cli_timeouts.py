"""`--timeout` on kg lint and kg validate, and the closure behind `kg push --infer` and `kg serve
--infer` bounded (#14): exit 3, one line, nothing written, pushed or served.

Each test runs `kg` as a process on generated data where the work is a cross product (about 10^9
rows): without the bound it runs for many minutes, which the generous `subprocess` timeout turns
into a failure instead of a hang. No timing is asserted.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import kg_process

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Three type triples of a cross product, filtered by a test that always fails.
CROSS = """
  ?a a ?x . ?b a ?y . ?c a ?z .
  FILTER(STRLEN(STR(?x)) + STRLEN(STR(?y)) + STRLEN(STR(?z)) < 0)
"""
SLOW_RULE = f"""\
# iri: urn:test:rule:slow
# label: slow
# comment: A cross product, whose every row the filter drops.
CONSTRUCT {{ ?a <urn:test:far> ?c }} WHERE {{{CROSS}}}
"""
SLOW_CHECK = f"""\
# title: slow
# severity: error
SELECT ?a WHERE {{{CROSS}}}
"""
#: A SPARQL-based constraint (SHACL-SPARQL), evaluated by rdflib for each of 1,000 focus nodes.
SLOW_SHAPES = f"""\
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:SlowShape> a sh:NodeShape ;
    sh:targetSubjectsOf <{RDF_TYPE}> ;
    sh:sparql [ sh:select \"\"\"SELECT $this WHERE {{{CROSS}}}\"\"\" ] .
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """1,000 typed nodes: the cross products above are slow on them."""
    path = tmp_path / "types.nt"
    path.write_text(
        "".join(f"<urn:test:n{i}> <{RDF_TYPE}> <urn:test:C{i}> .\n" for i in range(1000)),
        encoding="utf-8",
    )
    return path


def _folder(tmp_path: Path, name: str, file: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / file).write_text(text, encoding="utf-8")
    return folder


def _outcome(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return result.returncode, result.stdout, result.stderr


def test_lint_timeout_stops_a_slow_check_and_names_it(data, scratch, tmp_path):
    checks = _folder(tmp_path, "checks", "slow.rq", SLOW_CHECK)
    target = tmp_path / "findings.csv"
    args = ("--data", data, "--checks", checks, "--no-builtin", "--timeout", "1", "-o", target)
    assert _outcome(kg_process(scratch, "lint", *args)) == (
        3,
        "",
        f"kg: error: lint stopped after the 1 s timeout (--timeout), in check slow "
        f"({checks / 'slow.rq'})\n",
    )
    assert not target.exists()
    assert list(scratch.iterdir()) == []


def test_lint_timeout_not_reached_changes_nothing(scratch):
    timed = kg_process(scratch, "lint", "-f", "csv", "--timeout", "100")
    untimed = kg_process(scratch, "lint", "-f", "csv")
    assert untimed.returncode in (0, 4), untimed.stderr
    assert _outcome(timed) == _outcome(untimed)


def test_validate_timeout_stops_a_slow_sparql_constraint(data, scratch, tmp_path):
    shapes = tmp_path / "slow-shapes.ttl"
    shapes.write_text(SLOW_SHAPES, encoding="utf-8")
    target = tmp_path / "report.csv"
    args = ("--data", data, "--shapes", shapes, "--timeout", "1", "-o", target)
    assert _outcome(kg_process(scratch, "validate", *args)) == (
        3,
        "",
        "kg: error: validation stopped after the 1 s timeout (--timeout)\n",
    )
    assert not target.exists()
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_validate_timeout_not_reached_changes_nothing(scratch, tmp_path, fmt):
    # The child's report comes back whole: the same rows, blank nodes described, as without it.
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix kg: <https://w3id.org/kgcli/ontology#> .\n"
        "<urn:test:clinic> a kg:Clinic ; kg:locatedIn [ a kg:Place ] .\n"
        "<urn:test:firm> a kg:Company ; kg:tpyo 1 .\n",
        encoding="utf-8",
    )
    timed = kg_process(scratch, "validate", "--data", broken, "-f", fmt, "--timeout", "100")
    untimed = kg_process(scratch, "validate", "--data", broken, "-f", fmt)
    assert untimed.returncode == 4, untimed.stderr
    assert _outcome(timed) == _outcome(untimed)
    assert list(scratch.iterdir()) == []


def test_validate_timeout_keeps_the_shapes_error(scratch, tmp_path):
    # A failure in the child comes back as the same error line and exit code.
    shapes = tmp_path / "bad.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetNode <urn:n> ;\n"
        '  sh:property [ sh:path <urn:p> ; sh:pattern "(" ] .\n',
        encoding="utf-8",
    )
    timed = kg_process(scratch, "validate", "--shapes", shapes, "--timeout", "100")
    untimed = kg_process(scratch, "validate", "--shapes", shapes)
    assert untimed.returncode == 2, untimed.stderr
    assert _outcome(timed) == _outcome(untimed)


def test_push_infer_closure_stops_at_the_timeout_before_sending(data, scratch, tmp_path):
    # Nothing listens on port 9: a push that got as far as sending would fail with exit 1.
    rules = _folder(tmp_path, "rules", "slow.rq", SLOW_RULE)
    args = ("-E", "http://127.0.0.1:9/query", "--infer", "--rules", rules, "--data", data)
    assert _outcome(kg_process(scratch, "push", *args, "--timeout", "1")) == (
        3,
        "",
        "kg: error: inference stopped at the timeout (--timeout)\n",
    )
    assert list(scratch.iterdir()) == []


def test_serve_infer_timeout_stops_the_closure_and_serves_nothing(data, scratch, tmp_path):
    rules = _folder(tmp_path, "rules", "slow.rq", SLOW_RULE)
    args = ("--infer", "--rules", rules, "--data", data, "--port", "0", "--infer-timeout", "1")
    assert _outcome(kg_process(scratch, "serve", *args)) == (
        3,
        "",
        "kg: error: inference stopped after the 1 s timeout (--infer-timeout); nothing served\n",
    )
    assert list(scratch.iterdir()) == []


def test_serve_infer_timeout_needs_infer(scratch):
    assert _outcome(kg_process(scratch, "serve", "--infer-timeout", "1", "--port", "0")) == (
        2,
        "",
        "kg: error: --infer-timeout bounds the closure of --infer: give both\n",
    )
