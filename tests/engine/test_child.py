"""`kgcli.engine.child`: what a child writes to a pipe reaches its parent as it comes; an
interrupted wait leaves no child behind."""

from __future__ import annotations

import os
import signal
import time

import pytest

from kgcli.engine import child


def _writer(writing: int, *parts: bytes) -> int:
    for part in parts:
        os.write(writing, part)
    time.sleep(120)  # until killed
    return 0


def test_what_the_child_writes_is_relayed_and_an_error_there_kills_it():
    reading, writing = os.pipe()
    pid = child.fork(lambda: _writer(writing, b"started\n"))
    os.close(writing)
    got: list[bytes] = []

    def on_read(chunk: bytes) -> None:
        got.append(chunk)
        raise RuntimeError("the reader gave up")

    try:
        with pytest.raises(RuntimeError, match="the reader gave up"):
            child.wait(pid, 60, reading=reading, on_read=on_read)
    finally:
        os.close(reading)
    assert got == [b"started\n"]  # read while the child still ran: it never ends by itself
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pid, os.WNOHANG)


def test_what_is_left_in_the_pipe_is_read_after_the_timeout():
    reading, writing = os.pipe()
    pid = child.fork(lambda: _writer(writing, b"a", b"b"))
    os.close(writing)
    got: list[bytes] = []
    try:
        assert child.wait(pid, 0.5, reading=reading, on_read=got.append) is None
    finally:
        os.close(reading)
    assert b"".join(got) == b"ab"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("how", ["wait", "run"])
def test_an_interrupted_wait_kills_and_reaps_the_child(how):
    # Ctrl-C while `kg` waits: a KeyboardInterrupt in the wait, here from a timer's signal.
    previous = signal.signal(signal.SIGALRM, _interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            if how == "wait":
                child.wait(child.fork(lambda: _writer(-1)), 60)
            else:
                child.run(lambda: _writer(-1), 60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ChildProcessError):  # no child left, running or a zombie
        os.waitpid(-1, os.WNOHANG)
