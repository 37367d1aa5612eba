"""Run `kgcli.engine.store.load(DIR, FILE...)` and stop this process dead just before one of its
steps.

A step is a call that changes what is on disk or who holds a lock: a system call of `os` that
makes, writes, renames or removes (mkdir, replace, unlink, ...), `fcntl.flock`, a write or flush
of a Python file, or a method of pyoxigraph's `Store` that writes (backup, bulk_load, flush, ...).
Killing a load before each of its steps in turn leaves, one after the other, every state a
SIGKILL can leave: a kill before any other call (open, fsync, a read) leaves the same state as a
kill before the step that follows it. A run of the same call in a loop (rmtree's unlinks) counts
as two steps: before its first call, and before its second (a half-removed folder).

Usage (by tests/test_store_recovery.py):
    python store_steps.py N DIR FILE...        SIGKILL before step N; N = 0: run to the end
                                               and print how many steps the load took
    python store_steps.py NAME DIR FILE...     SIGKILL before the first step called NAME
    python store_steps.py --stop NAME DIR ...  SIGSTOP there instead (a load caught at work)
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Any

from kgcli.engine import store

#: Calls of `os`, `fcntl` and Python files that change the disk or the locks.
CHANGES = frozenset(
    {"mkdir", "write", "flush", "ftruncate", "replace", "rename", "link", "symlink", "unlink"}
    | {"rmdir", "flock"}
)
#: Methods of pyoxigraph's Store that only read.
READS = frozenset(
    {"read_only", "query", "named_graphs", "quads_for_pattern", "contains_named_graph", "dump"}
)


def step_name(function: Any) -> str | None:
    """The name of the step `function` is, or None if calling it changes nothing."""
    name = getattr(function, "__qualname__", "")
    if name.startswith("Store."):  # pyoxigraph's Store, its static methods (read_only) too
        method = name.removeprefix("Store.")
        return None if method in READS else method
    owner = getattr(function, "__self__", None)
    module = getattr(function, "__module__", None) or type(owner).__module__
    if module in ("posix", "fcntl", "_io") and function.__name__ in CHANGES:
        return str(function.__name__)
    return None


def main() -> None:
    args = sys.argv[1:]
    kill = signal.SIGSTOP if args[0] == "--stop" else signal.SIGKILL
    when, directory, *files = args[1:] if args[0] == "--stop" else args
    steps = 0
    last: tuple[object, ...] = ()
    repeats = 0

    def count(frame: FrameType, event: str, function: Any) -> None:
        nonlocal steps, last, repeats
        if event != "c_call" or (name := step_name(function)) is None:
            return
        here = (name, frame.f_code, frame.f_lineno)
        repeats = repeats + 1 if here == last else 0
        last = here
        if repeats >= 2:
            return
        steps += 1
        if steps == (int(when) if when.isdigit() else -1) or name == when:
            sys.setprofile(None)  # once: a stopped load goes on to its end when continued
            os.kill(os.getpid(), kill)

    sys.setprofile(count)
    store.load(directory, files)
    sys.setprofile(None)
    print(steps)


if __name__ == "__main__":
    main()
