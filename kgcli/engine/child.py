"""Child processes for work that may have to be stopped: fork, wait with a deadline, kill, and say
how a child ended.

Why processes: pyoxigraph evaluates blocking operators (ORDER BY, aggregates) in native code that
never returns to Python, so neither signals nor threads can stop a query; a process can be killed.
`kg query --timeout` (`kgcli.engine.source.LocalSource`) and `kg serve`'s executor both run queries
in children made here.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgcli.errors import KgError

#: Where a child that failed writes what it raised, for the parent to raise again.
FAILURE = "failure.json"


def fork(work: Callable[[], int]) -> int:
    """Run `work` in a forked child, which exits with the code `work` returns (1 if it raises):
    a child never returns into the caller's stack. Returns the child's pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        code = work()
    finally:
        os._exit(code)


def run(
    work: Callable[[], int],
    timeout: float,
    *,
    started: Callable[[], None] | None = None,
    reading: int | None = None,
    on_read: Callable[[bytes], None] | None = None,
) -> int | None:
    """`fork(work)`, then `wait` for it (which see), leaving no moment when an interrupt
    (Ctrl-C) would leave the child running: SIGINT is held from before the fork until `wait`
    can kill the child. `started` runs in the parent then (to close its copy of a pipe's write
    end, say)."""
    held = _hold_interrupts()

    def child_work() -> int:
        _release(held)
        return work()

    try:
        pid = fork(child_work)
    except BaseException:
        _release(held)
        raise

    def go() -> None:
        try:
            if started is not None:
                started()
        finally:
            _release(held)  # a Ctrl-C that came meanwhile is raised now, in `wait`

    return wait(pid, timeout, reading=reading, on_read=on_read, started=go)


def _hold_interrupts() -> set[int | signal.Signals] | None:
    """Block SIGINT in this thread; returns the mask to restore (None where there is none)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _release(held: set[int | signal.Signals] | None) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def pidfd(pid: int) -> int | None:
    """A file descriptor that becomes readable when the child ends (Linux), or None."""
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def kill(pid: int) -> None:
    """Stop a child at once (SIGKILL: the only way to stop the engine mid-evaluation)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def wait(
    pid: int,
    timeout: float,
    *,
    reading: int | None = None,
    on_read: Callable[[bytes], None] | None = None,
    started: Callable[[], None] | None = None,
) -> int | None:
    """Wait for a child until `timeout`; kill it and return None if it is still running, else
    its wait status. `started` is called first, where a failure kills the child.

    With `reading` (the read end of a pipe the child writes to) and `on_read`, what the child
    writes is passed on as it comes, in this thread, and the rest once it has ended: progress
    from the child shows while it works. If `on_read` raises, or the wait is interrupted
    (Ctrl-C: KeyboardInterrupt), the child is killed and reaped first: none is left running.
    """
    deadline = time.monotonic() + timeout
    ready = pidfd(pid)
    relay = reading if on_read is not None else None
    reaped = False
    try:
        if started is not None:
            started()
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                reaped = True
                _drain(relay, on_read)
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                kill(pid)
                os.waitpid(pid, 0)
                reaped = True
                _drain(relay, on_read)
                return None
            watched = [fd for fd in (ready, relay) if fd is not None]
            # Without a pidfd, the child's end is only seen by polling.
            pause = left if ready is not None else min(left, 0.01)
            if not watched:
                time.sleep(pause)
                continue
            readable, _, _ = select.select(watched, [], [], pause)
            if relay is not None and on_read is not None and relay in readable:
                chunk = os.read(relay, 65536)
                if not chunk:
                    relay = None  # the child closed its end: only its end is left to wait for
                    continue
                on_read(chunk)
    except BaseException:
        if not reaped:  # a reaped child's pid may already be another process's
            kill(pid)
            os.waitpid(pid, 0)
        raise
    finally:
        if ready is not None:
            os.close(ready)


def _drain(reading: int | None, on_read: Callable[[bytes], None] | None) -> None:
    """Pass on what a pipe still holds once its writer has ended (without blocking on it)."""
    if reading is None or on_read is None:
        return
    os.set_blocking(reading, False)
    while True:
        try:
            chunk = os.read(reading, 65536)
        except BlockingIOError:  # another process still holds the write end: enough
            return
        if not chunk:
            return
        on_read(chunk)


def killed_by(status: int) -> int | None:
    """The signal that ended a child, from its wait status; None if it exited."""
    return os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


def ended(status: int) -> str:
    """How a child ended, from its wait status: `was killed by SIGSEGV`, `exited with 70`."""
    number = killed_by(status)
    if number is None:
        return f"exited with {os.waitstatus_to_exitcode(status)}"
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    return f"was killed by {name}"


def quiet() -> None:
    """Send this (child) process's stderr to /dev/null.

    Its failures come back to the parent as messages; the engine's own abort message ("memory
    allocation failed", a backtrace) would break the parent's one-line reports.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def limit_memory(extra: int | None) -> None:
    """Cap this process's address space at its present size plus `extra` bytes.

    A runaway ORDER BY grows by about 100 MB a second until its timeout; past the cap the
    engine's allocation fails and the process dies, its parent and siblings unharmed.
    """
    if extra is None:
        return
    try:
        import resource

        size = _statm(0) + extra
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    except (ImportError, OSError, ValueError):
        pass  # no /proc (macOS) or no such limit: the timeout still bounds the work


def resident() -> int:
    """This process's resident memory in bytes (0 where /proc is not there)."""
    try:
        return _statm(1)
    except OSError:
        return 0


def _statm(field: int) -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")


def save_failure(folder: Path, err: BaseException) -> None:
    """In a child: write what it raised into `folder`, for `raise_failure` in the parent."""
    kind = f"{type(err).__module__}:{type(err).__qualname__}"
    (folder / FAILURE).write_text(json.dumps([kind, str(err)]), encoding="utf-8")


def raise_failure(folder: Path, what: str) -> None:
    """In the parent: raise what the child saved, if it saved anything, as the same `KgError`
    class (so the same exit code) and message; anything else (a bug, no memory) as a `KgError`
    saying that `what` ("inference", "validation") failed and with what."""
    if not (folder / FAILURE).exists():
        return
    kind, message = json.loads((folder / FAILURE).read_text(encoding="utf-8"))
    module, _, name = kind.partition(":")
    found: Any = None
    with contextlib.suppress(ImportError):
        found = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part, None)
    if isinstance(found, type) and issubclass(found, KgError):
        with contextlib.suppress(TypeError):
            raise found(message)
    raise KgError(f"{what} failed: {name}" + (f": {message}" if message else ""))
