"""A bar on stderr for a long layout (#18), as for the analyses: shown from
`LAYOUT_PROGRESS_MIN` nodes (lowered here, so the small embedded network shows it)."""

from __future__ import annotations

import re

import pytest

from kgcli.network.export import plan

BAR = "━" * 20


@pytest.fixture
def terminal(monkeypatch):
    from kgcli.cli import common

    monkeypatch.setattr(common, "stderr_is_tty", lambda: True)


def _times(text: str) -> str:
    return re.sub(r" \d+\.\d\d s\b", " 0.00 s", text)


def test_a_long_layout_shows_a_bar(kg, terminal, tmp_path, monkeypatch):
    monkeypatch.setattr(plan, "LAYOUT_PROGRESS_MIN", 1)
    result = kg("network", "export", "-o", str(tmp_path / "cluster.gexf"))
    assert result.exit_code == 0, result.stderr
    first, second = _times(result.stderr).splitlines()[:2]
    assert first == f"kg: layout            {BAR} 0.00 s"
    assert second.startswith("kg: wrote ")


@pytest.mark.parametrize("layout", ["auto", "none"])
def test_no_bar_for_a_small_network_or_no_layout(kg, terminal, tmp_path, monkeypatch, layout):
    if layout == "none":
        monkeypatch.setattr(plan, "LAYOUT_PROGRESS_MIN", 1)
    result = kg("network", "export", "--layout", layout, "-o", str(tmp_path / "cluster.gexf"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("kg: wrote ")


def test_make_plan_tells_progress_as_the_layout_starts_and_ends(monkeypatch):
    import networkx as nx

    monkeypatch.setattr(plan, "LAYOUT_PROGRESS_MIN", 3)
    told: list[tuple[str, float | None]] = []
    plan.make_plan(nx.path_graph(3), progress=lambda name, s: told.append((name, s)))
    plan.make_plan(nx.path_graph(2), progress=lambda name, s: told.append((name, s)))
    assert [name for name, _ in told] == ["layout", "layout"]
    assert told[0][1] is None and isinstance(told[1][1], float)
