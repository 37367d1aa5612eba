"""The README cannot rot: its console examples run and print exactly what it shows."""

from __future__ import annotations

import doctest
import re
import shlex

import pytest
from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _examples() -> list[tuple[str, str]]:
    """(command, expected output) for every `$ kg ...` line of the console blocks."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    found.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command:
            found.append((command, "\n".join(output)))
    return found


def _quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [c.strip() for c in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    commands = _quick_start()
    assert len(commands) == 2, commands
    assert all("\n" not in c for c in commands)
    assert "kg query" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


EXAMPLES = _examples()


def test_the_readme_has_a_tour():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command: str, expected: str, runner, monkeypatch):
    from kgcli.cli import app, common

    argv = shlex.split(command)
    assert argv[0] == "kg"
    # The README shows what a person sees on a 100-column terminal.
    monkeypatch.setattr(common, "stdout_is_tty", lambda: True)
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, argv[1:], env={"COLUMNS": "100"})
    shown = (result.stdout + result.stderr).rstrip("\n")
    assert shown == expected.rstrip("\n"), f"$ {command}\n{shown}"


def _tour_python() -> str:
    section = README.split("\n## A tour\n", 1)[1].split("\n## ", 1)[0]
    return "".join(re.findall(r"```pycon\n(.*?)```", section, flags=re.S))


def test_the_tour_shows_lint_a_star_parameter_and_the_python_api():
    commands = [command for command, _output in EXAMPLES]
    tour = README.split("\n## A tour\n", 1)[1].split("\n## ", 1)[0]
    assert any(c.startswith("kg lint") for c in commands if f"$ {c}" in tour)
    assert any("='*'" in c for c in commands if f"$ {c}" in tour)
    assert "kgcli.open(" in _tour_python() and "(#python)" in tour


def test_the_tours_python_example_prints_what_it_shows(tmp_path, monkeypatch):
    """The tour's few lines of the Python API run like the Python section's (tests/api)."""
    monkeypatch.chdir(tmp_path)
    text = _tour_python()
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md#a-tour", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=0)
    shown: list[str] = []
    runner.run(test, out=shown.append)
    assert (runner.failures, "".join(shown)) == (0, "")
    assert test.examples and list(tmp_path.iterdir()) == []


def test_every_graph_size_the_readme_quotes_is_the_graphs_size():
    """The examples that need a server (push, an endpoint's `kg info`) are text, not run: their
    triple counts must still be the embedded graph's, or they go stale when the graph changes."""
    import kgcli

    found = kgcli.open().query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    counts = {str(graph): int(n) for graph, n in found.rows}
    quoted = re.findall(r"<(https://w3id\.org/kgcli/graph/[\w-]+)> \((\d+) triples\)", README)
    quoted += re.findall(r"^(https://w3id\.org/kgcli/graph/[\w-]+),(\d+)", README, re.M)
    assert quoted, "the README quotes no graph size"
    assert {(graph, int(n)) for graph, n in quoted} <= set(counts.items())
    totals = {
        int(n.replace(",", "")) for n in re.findall(r"pushed \d+ graphs, ([\d,]+) triples", README)
    }
    assert totals <= {sum(counts[g] for g in counts if not g.endswith("/inferred"))}
