"""Inference in a child process that the deadline can kill (`--timeout`), even mid-rule.

Why: a SPARQL rule is one CONSTRUCT evaluated in pyoxigraph's native code, and a round of a
built-in rule one long loop; the engine's checks between steps cannot stop either, a process
can be killed (`kgcli.engine.child`). The child works on its own copy of the store (a fork) and
spools the derived triples to a temporary folder; the parent waits with the deadline, kills
the child past it, and otherwise loads the spool. A failure in the child comes back as the same
`kgcli.errors` exception with the same message. On a timeout nothing is written, and the folder
(with whatever the child had spooled) is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from kgcli.engine import child
from kgcli.engine.infer.sink import Sink
from kgcli.errors import KgError, QueryTimeout

#: What a timeout says, in the child's engine (`_tick`) as here.
STOPPED = "inference stopped at the timeout (--timeout)"
_REPORT = "report.json"
_PLAIN = "derived.nt"
_BLANK = "blank.nt"

Say = Callable[[str], None]


def can_fork() -> bool:
    """Whether children can be made here (not on Windows: there the engine's own checks of the
    deadline, between steps, are all there is)."""
    return hasattr(os, "fork")


@contextlib.contextmanager
def in_child(
    work: Callable[[Path, Say | None], dict[str, Any]],
    timeout: float,
    *,
    progress: Say | None = None,
    scratch: str | None = None,
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Run `work(folder, say)` in a child killed after `timeout` seconds (`QueryTimeout`).

    `work` writes what it makes under `folder` (made in `scratch`, by default the system's
    temporary folder) and returns a JSON-able answer; the caller gets both, and reads the
    folder before the block ends (it is removed then, as on any failure). `say` relays
    `work`'s progress lines to `progress`.
    """
    with tempfile.TemporaryDirectory(prefix="kg-infer-", dir=scratch) as tmp:
        folder = Path(tmp)
        reading, writing = os.pipe()

        def run() -> int:
            os.close(reading)
            # The engine's own abort messages would break the parent's one-line reports.
            child.quiet()
            say = None
            if progress is not None:

                def say(line: str) -> None:
                    os.write(writing, line.encode() + b"\n")

            try:
                answer = work(folder, say)
                (folder / _REPORT).write_text(json.dumps(answer), encoding="utf-8")
            except BaseException as err:  # any failure goes back to the parent, as it was
                child.save_failure(folder, err)
                return 1
            return 0

        ours = [writing]  # the parent's copy of the write end, closed once the child has it

        def started() -> None:
            os.close(ours.pop())

        try:
            status = child.run(
                run, timeout, started=started, reading=reading, on_read=_lines(progress)
            )
        finally:
            if ours:  # the fork failed
                os.close(ours.pop())
            os.close(reading)
        if status is None:
            raise QueryTimeout(STOPPED)
        child.raise_failure(folder, "inference")
        if status != 0 or not (folder / _REPORT).exists():
            hint = " (out of memory?)" if child.killed_by(status) == signal.SIGKILL else ""
            raise KgError(f"inference failed: its process {child.ended(status)}{hint}")
        yield folder, json.loads((folder / _REPORT).read_text(encoding="utf-8"))


def spooled(
    work: Callable[[Sink, Say | None], dict[str, Any]],
    timeout: float,
    *,
    sink: Callable[[], Sink],
    progress: Say | None = None,
) -> dict[str, Any]:
    """Run `work(spool, say)` in a child (`in_child`), its derived triples written to a spool;
    then write them to the sink that `sink()` makes, and commit it. Returns `work`'s answer."""

    def spooling(folder: Path, say: Say | None) -> dict[str, Any]:
        spool = SpoolSink(folder)
        try:
            answer = work(spool, say)
            spool.commit()
        except BaseException:
            spool.abort()
            raise
        return answer

    with in_child(spooling, timeout, progress=progress) as (folder, answer):
        target = sink()
        try:
            _replay(folder / _PLAIN, target.write, target.batch_bytes)
            _replay(folder / _BLANK, target.write_blank, target.batch_bytes)
            target.commit()
        except BaseException:
            target.abort()
            raise
    return answer


class SpoolSink(Sink):
    """Derived triples to two N-Triples files: those with a blank node apart (`Sink`), their
    labels those of the store the child forked from, which are the parent's too."""

    def __init__(self, folder: Path) -> None:
        self._files: list[BinaryIO] = [open(folder / _PLAIN, "wb"), open(folder / _BLANK, "wb")]  # noqa: SIM115 - closed by commit/abort

    def write(self, data: bytes) -> None:
        self._files[0].write(data)

    def write_blank(self, data: bytes) -> None:
        self._files[1].write(data)

    def reset(self) -> None:
        for spool in self._files:
            spool.seek(0)
            spool.truncate()

    def commit(self) -> None:
        for spool in self._files:
            spool.close()

    abort = commit  # the parent removes the folder


def _replay(path: Path, write: Callable[[bytes], None], batch: int) -> None:
    """Hand a spool's N-Triples to `write` in batches of whole lines."""
    with open(path, "rb") as spool:
        rest = b""
        while chunk := spool.read(batch):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                write(data[:cut])
        if rest:
            write(rest)


def _lines(progress: Say | None) -> Callable[[bytes], None] | None:
    """What the child writes to the pipe, passed on to `progress` a line at a time."""
    if progress is None:
        return None
    pending = bytearray()

    def on_read(chunk: bytes) -> None:
        pending.extend(chunk)
        while (end := pending.find(b"\n")) >= 0:
            line = pending[:end].decode("utf-8", "replace")
            del pending[: end + 1]
            progress(line)

    return on_read
