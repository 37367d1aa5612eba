"""One `--timeout` for a whole command: inference, then the query, share one budget (#14).

A command that chains timed steps (`kg query --infer`: the closure, then the query) gives each
step what the earlier ones left, so the command stops within `--timeout` seconds, not within
one timeout per step. The clock starts when the first timed step does: loading files was never
timed, and a command with one step then gives it exactly `--timeout`, as before.

Example:
    deadline = Deadline(timeout)
    with deadline.step("inference", timed=spec.infer) as seconds:
        source = open_source(spec, timeout=seconds)
    with deadline.step("query") as seconds:
        result = run(source, prepared, timeout=seconds)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from kgcli.errors import QueryTimeout


class Deadline:
    """A time budget of `seconds` (None: no limit) shared by the steps of one command.

    `clock` is injectable for tests (`time.monotonic` by default).
    """

    def __init__(self, seconds: float | None, *, clock: Callable[[], float] | None = None) -> None:
        self.seconds = seconds
        self._clock = clock if clock is not None else time.monotonic
        self._end: float | None = None
        #: The steps that have started, in order.
        self.steps: list[str] = []

    def left(self) -> float | None:
        """Seconds left (0 or less once spent); None without a limit."""
        if self.seconds is None:
            return None
        if self._end is None:
            return self.seconds
        return self._end - self._clock()

    @contextlib.contextmanager
    def step(self, what: str, *, timed: bool = True) -> Iterator[float | None]:
        """Run the step `what` (e.g. "query") with the seconds left, None without a limit.

        `timed=False`: the step takes no time worth counting here (`--infer` on a store reads
        what `kg infer` wrote): it gets None, and is not named.

        A step stopped at its share (`QueryTimeout`), or with nothing left to start with, is a
        `QueryTimeout` naming the whole budget ("query stopped after the 2 s timeout
        (--timeout)"), not the share; a command's first step, which had it all, keeps its own.
        """
        if self.seconds is None or not timed:
            yield None
            return
        first = self._end is None
        if self._end is None:  # the clock starts now; the first step has all of it
            self._end = self._clock() + self.seconds
            left = self.seconds
        else:
            left = self._end - self._clock()
        self.steps.append(what)
        if left <= 0:
            raise QueryTimeout(self._stopped(what))
        try:
            yield left
        except QueryTimeout as err:
            if first:
                raise
            raise QueryTimeout(self._stopped(what)) from err

    def _stopped(self, what: str) -> str:
        return f"{what} stopped after the {self.seconds:g} s timeout (--timeout)"
