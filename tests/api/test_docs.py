"""The README's Python examples and the notebook in docs/ run, and show what they say (#17)."""

from __future__ import annotations

import doctest
import re
import runpy
from pathlib import Path

import pytest
from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTEBOOK = ROOT / "docs" / "notebook.py"


def _python_examples() -> str:
    section = README.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return "".join(re.findall(r"```pycon\n(.*?)```", section, flags=re.S))


def test_the_readme_python_examples_print_what_they_show(tmp_path: Path, monkeypatch, kg):
    monkeypatch.chdir(tmp_path)
    text = _python_examples()
    assert text.count(">>> ") >= 10
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md#python", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=0)
    shown: list[str] = []
    runner.run(test, out=shown.append)
    assert (runner.failures, "".join(shown)) == (0, "")
    # What r.to_csv wrote is what kg query writes.
    assert (
        kg("query", "shared-resources", "-p", "center=New Hongqiao", "-o", "cli.csv").exit_code == 0
    )
    assert (tmp_path / "shared.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()


def test_the_notebook_runs(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(NOTEBOOK), run_name="__main__")
    out = capsys.readouterr().out
    assert out.startswith(
        "kgr:dr-smile-surgical-clinic rdf:type kg:HealthcareFacility  derived by cax-sco"
    )
    assert out.endswith(
        "kg: error: a parameter is text, a number, a boolean or a date, not ['New Hongqiao']\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cell", NOTEBOOK.read_text(encoding="utf-8").split("# %%")[1:])
def test_each_notebook_cell_is_markdown_or_code(cell: str):
    lines = cell.splitlines()
    if lines[0].strip() == "[markdown]":
        assert all(line.startswith("#") for line in lines[1:] if line.strip())
    else:
        assert lines[0] == "" and any(line and not line.startswith("#") for line in lines)
