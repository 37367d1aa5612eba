"""Tables on a terminal of 80 and 100 columns (#17): every number of `kg network analyze -m all`
whole on its row's first line, as the analysis computed it; words of `kg query` never broken."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from kgcli.cli import app, common


def _on_terminal(runner: CliRunner, argv: list[str], columns: int) -> str:
    result = runner.invoke(app, argv, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", [80, 100])
def test_analyze_numbers_never_wrap(
    columns: int, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["network", "analyze", "-m", "all"]
    rows = list(csv.DictReader(io.StringIO(_on_terminal(runner, [*argv, "-f", "csv"], columns))))
    monkeypatch.setattr(common, "stdout_is_tty", lambda: True)
    table = _on_terminal(runner, [*argv, "-f", "table"], columns).splitlines()
    metrics = list(rows[0])[3:]
    for row in rows:
        numbers = [row[m] if "." not in row[m] else format(float(row[m]), ".6g") for m in metrics]
        pattern = r"\s+".join(map(re.escape, numbers)) + "$"
        assert any(re.search(r"\s" + pattern, line) for line in table), (row["id"], numbers)
    assert table[-1] == f"{len(rows)} rows"


@pytest.mark.parametrize("columns", [80, 100])
def test_query_words_are_never_broken(
    columns: int, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["query", "firms-in-place"]
    rows = list(csv.DictReader(io.StringIO(_on_terminal(runner, [*argv, "-f", "csv"], columns))))
    monkeypatch.setattr(common, "stdout_is_tty", lambda: True)
    table = _on_terminal(runner, [*argv, "-f", "table"], columns).splitlines()
    assert max(len(line) for line in table) <= columns
    # Every token drawn is a word of a value, or a run of its parts split after hyphens.
    whole: set[str] = set()
    for row in rows:
        for value in row.values():
            for word in value.replace("https://w3id.org/kgcli/resource/", "kgr:").split():
                parts = re.findall(r"[^-]+-?|-", word)
                for start in range(len(parts)):
                    whole.update(
                        "".join(parts[start:end]) for end in range(start + 1, len(parts) + 1)
                    )
    drawn = {token for line in table[2:-1] for token in line.split()}
    assert drawn <= whole, drawn - whole
    assert "Pharmaceutical" in drawn
