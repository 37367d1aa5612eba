"""One `--timeout` for a whole command (#14): each step gets what the earlier ones left.

A fake clock stands for time: nothing here waits or measures.
"""

from __future__ import annotations

import pytest

from kgcli.engine.deadline import Deadline
from kgcli.errors import QueryTimeout


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_each_step_gets_what_the_earlier_ones_left(clock):
    deadline = Deadline(10, clock=clock)
    clock.now += 3  # before the first step (loading files): not counted
    with deadline.step("inference") as seconds:
        assert seconds == 10
        clock.now += 7.5
    with deadline.step("query") as seconds:
        assert seconds == 2.5
        clock.now += 1
    assert deadline.left() == 1.5
    assert deadline.steps == ["inference", "query"]


def test_a_step_with_nothing_left_stops_before_it_starts_naming_the_whole_budget(clock):
    deadline = Deadline(2, clock=clock)
    with deadline.step("inference"):
        clock.now += 2
    ran = []
    with pytest.raises(QueryTimeout) as stopped, deadline.step("query"):
        ran.append(True)
    assert ran == []
    assert str(stopped.value) == "query stopped after the 2 s timeout (--timeout)"


def test_a_later_step_stopped_at_its_share_names_the_whole_budget(clock):
    deadline = Deadline(2, clock=clock)
    with deadline.step("inference"):
        clock.now += 1.5
    with pytest.raises(QueryTimeout) as stopped, deadline.step("query") as seconds:
        raise QueryTimeout(f"query stopped after the {seconds:g} s timeout (--timeout)")
    assert str(stopped.value) == "query stopped after the 2 s timeout (--timeout)"
    assert stopped.value.exit_code == 3


def test_the_first_step_keeps_its_own_message(clock):
    deadline = Deadline(2, clock=clock)
    with (
        pytest.raises(QueryTimeout, match=r"^inference stopped at the timeout \(--timeout\)$"),
        deadline.step("inference"),
    ):
        raise QueryTimeout("inference stopped at the timeout (--timeout)")


def test_without_a_limit_every_step_gets_none(clock):
    deadline = Deadline(None, clock=clock)
    for what in ("inference", "query"):
        with deadline.step(what) as seconds:
            assert seconds is None
            clock.now += 1e6
    assert deadline.left() is None


def test_an_untimed_step_gets_none_and_starts_no_clock(clock):
    deadline = Deadline(5, clock=clock)
    with deadline.step("inference", timed=False) as seconds:
        assert seconds is None
        clock.now += 100  # e.g. --infer on a store: nothing is computed
    with deadline.step("query") as seconds:
        assert seconds == 5
    assert deadline.steps == ["query"]


def test_other_errors_pass_through_unchanged(clock):
    deadline = Deadline(5, clock=clock)
    with deadline.step("inference"):
        pass
    with pytest.raises(ValueError, match=r"^bad$"), deadline.step("query"):
        raise ValueError("bad")
