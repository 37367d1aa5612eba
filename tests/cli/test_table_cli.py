"""Tables on a terminal of 80 and 100 columns (#17): `kg network analyze -m all` in column blocks
that fit, every number whole (tests/golden/network/analyze-all.*.txt); words of `kg query` never
broken."""

from __future__ import annotations

import csv
import io
import re

import pytest
from support import TESTS
from typer.testing import CliRunner

from kgcli.cli import app, common

GOLDEN = TESTS / "golden" / "network"


def _on_terminal(runner: CliRunner, argv: list[str], columns: int) -> str:
    result = runner.invoke(app, argv, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", [80, 100])
def test_analyze_all_is_drawn_in_blocks_that_fit(
    columns: int, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-m all` needs more cells than the terminal has, even wrapped: column blocks, each with
    the id, none wider than the terminal; every number whole, as the CSV's to 6 digits."""
    argv = ["network", "analyze", "-m", "all"]
    rows = list(csv.DictReader(io.StringIO(_on_terminal(runner, [*argv, "-f", "csv"], columns))))
    monkeypatch.setattr(common, "stdout_is_tty", lambda: True)
    table = _on_terminal(runner, [*argv, "-f", "table"], columns)
    assert table == (GOLDEN / f"analyze-all.{columns}.txt").read_text(encoding="utf-8")
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= columns
    drawn = set(table.split())
    for row in rows:
        for metric in list(rows[0])[3:]:
            value = row[metric]
            assert (format(float(value), ".6g") if "." in value else value) in drawn
    assert lines[-1] == f"{len(rows)} rows"


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
