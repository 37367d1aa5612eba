"""The evaluator behind `kg serve`: one single-threaded process holding the store, a child per job.

Why processes: pyoxigraph evaluates blocking operators (ORDER BY, aggregates) in native code that
neither signals nor threads can interrupt, so a runaway query is stopped by killing the process
that runs it (as `LocalSource` does for `kg query --timeout`). Why a separate executor: forking
the HTTP server, whose other threads may hold locks (the allocator's, pyoxigraph's, logging's),
could hand a child a lock nobody will release. The executor is forked before the server starts
any thread and never starts one, so its own forks are safe. Children share the store
copy-on-write: a fork costs about a millisecond, not a reload.

One job, one request socket: the server passes the executor a socket and an unnamed temporary
file (SCM_RIGHTS). A query child reads the job from the socket, renders the result into the file
with the CLI's renderers, then writes one status line (JSON) and exits. The executor kills a child
at its deadline and then writes the timeout line itself; the server reads the first line only.
The body is complete before the status is known, so a 200 always carries the whole answer.

Updates change the executor's own store, so they cannot run in a killable child. Each is first
tried in a child under the deadline (on the child's copy), and applied for real only if the trial
finished in time: a runaway update is killed, a good one costs twice its time.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any, BinaryIO, cast

import pyoxigraph as ox

# Imported here, not in the functions: a child imports nothing, so forks stay cheap.
from kgcli.errors import KgError
from kgcli.render import render
from kgcli.results import AskResult, GraphResult, Result, SelectResult
from kgcli.sparql import syntax_error_location

#: Control message: job kind (b"Q" query, b"U" update) and its timeout in seconds.
_HEADER = struct.Struct("!cd")
#: The server waits this long past a job's timeout before it gives up on the executor.
_GRACE = 5.0
#: How long the executor waits for an update's text before it drops the job.
_READ_TIMEOUT = 10.0
#: A message longer than this in a status line is cut (the engine's errors can be long).
MESSAGE_WIDTH = 400


@dataclass(frozen=True)
class Job:
    """What to evaluate, and how to write the answer."""

    text: str
    #: A render format name (`kgcli.formats`): json, xml, csv, tsv, turtle, ...
    fmt: str = "json"
    prefixes: dict[str, str] = field(default_factory=dict)
    #: Evaluate with the default graph as the union of all graphs (no FROM, no protocol dataset).
    union: bool = True
    #: The protocol's dataset (default-graph-uri / named-graph-uri), None when not given.
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    #: At most this many rows or triples; more is an error rather than a silent truncation.
    max_results: int | None = None


@dataclass
class Outcome:
    """A job's answer: a status, a one-line message for errors, the rendered body for a 200."""

    status: int
    message: str = ""
    body: IO[bytes] | None = None


class ResultTooLarge(Exception):
    """The result has more rows or triples than the cap allows."""


def short(text: str, width: int = MESSAGE_WIDTH) -> str:
    """`text` on one line, cut to `width` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


# --- evaluation (in a child) -----------------------------------------------------------------


def _capped(items: Iterator[Any], cap: int | None, noun: str) -> Iterator[Any]:
    for count, item in enumerate(items):
        if cap is not None and count >= cap:
            raise ResultTooLarge(
                f"the result has more than {cap:,} {noun}s (--max-results): "
                "add a LIMIT or narrow the query"
            )
        yield item


def _syntax_message(err: SyntaxError, what: str) -> str:
    message = str(err)
    where = syntax_error_location(message)
    detail = message.split(": ", 1)[1] if message.startswith("error at") else message
    return f"{what}:{where[0]}:{where[1]}: {detail}" if where else f"{what}: {detail}"


def evaluate(store: ox.Store, job: Job) -> Result:
    """Run `job`'s query on `store`; the result's rows are capped at `job.max_results`."""
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    answer = store.query(job.text, **kwargs)
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        return SelectResult(variables, _capped(map(tuple, answer), job.max_results, "row"))
    if isinstance(answer, ox.QueryBoolean):
        return AskResult(bool(answer))
    return GraphResult(_capped(iter(answer), job.max_results, "triple"))


def _answer(store: ox.Store, job: Job, out: IO[bytes]) -> dict[str, Any]:
    """Evaluate and render `job` into `out`; the status line to send."""
    try:
        result = evaluate(store, job)
        render(result, job.fmt, cast(BinaryIO, out), prefixes=job.prefixes)
        out.flush()
    except SyntaxError as err:
        return {"status": 400, "message": short(_syntax_message(err, "query"))}
    except ValueError as err:  # a bad IRI in the dataset, a term a format cannot write
        return {"status": 400, "message": short(str(err))}
    except ResultTooLarge as err:
        return {"status": 500, "message": str(err)}
    except KgError as err:
        return {"status": 400 if err.exit_code == 2 else 500, "message": short(str(err))}
    except (OSError, RuntimeError) as err:
        return {"status": 500, "message": short(f"query failed: {err}")}
    return {"status": 200}


def _update(store: ox.Store, text: str) -> dict[str, Any]:
    try:
        store.update(text)
    except SyntaxError as err:
        return {"status": 400, "message": short(_syntax_message(err, "update"))}
    except (OSError, RuntimeError, ValueError) as err:
        return {"status": 500, "message": short(f"update failed: {err}")}
    return {"status": 204}


# --- framing -----------------------------------------------------------------------------------


def _send_line(sock: socket.socket, status: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the server may have given up on this job already
        sock.sendall(json.dumps(status).encode() + b"\n")


def _send_job(sock: socket.socket, job: Job) -> None:
    payload = json.dumps(asdict(job)).encode()
    sock.sendall(len(payload).to_bytes(8, "big") + payload)


def _read_exact(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the job was cut short")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_job(sock: socket.socket) -> Job:
    size = int.from_bytes(_read_exact(sock, 8), "big")
    return Job(**json.loads(_read_exact(sock, size)))


def _read_line(sock: socket.socket) -> bytes:
    """The first line on `sock` (empty if it closes first); what follows is ignored."""
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return b""
        data += chunk
    return data.split(b"\n", 1)[0]


# --- the executor process ----------------------------------------------------------------------


@dataclass
class _Child:
    pid: int
    deadline: float
    timeout: float
    sock: socket.socket
    pidfd: int | None
    #: For an update's trial: the text to apply when the trial ends well.
    update: str | None = None
    killed: bool = False


def _limit_memory(extra: int | None) -> None:
    """Cap this process's address space at its present size plus `extra` bytes.

    A runaway ORDER BY grows by about 100 MB a second until its timeout; past the cap the
    engine's allocation fails and the child dies, the executor and the other jobs unharmed.
    """
    if extra is None:
        return
    try:
        import resource

        with open("/proc/self/statm") as statm:
            present = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (present + extra, present + extra))
    except (ImportError, OSError, ValueError):
        pass  # no /proc (macOS) or no such limit: the timeout still bounds the job


def _child_main(body: Callable[[], int], max_memory: int | None) -> None:
    """Run `body` in a fresh child and leave without returning into the executor's loop."""
    code = 1
    try:
        gc.disable()  # a child lives for one job: collecting would only copy pages
        # Failures come back as status lines; the engine's own abort message ("memory
        # allocation failed", a backtrace) would break the one-line-per-request log.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        _limit_memory(max_memory)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = body()
    except BaseException:  # a child must never return into the executor's stack
        code = 1
    finally:
        os._exit(code)


class _Loop:
    """The executor's loop: receive jobs, fork children, enforce deadlines, reap."""

    def __init__(self, store: ox.Store, ctl: socket.socket, max_memory: int | None) -> None:
        self.store = store
        self.ctl = ctl
        self.max_memory = max_memory
        self.children: dict[int, _Child] = {}

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
        # What is loaded now is kept for good: frozen, the collector never visits (and so never
        # copies into a child) the store's and the modules' objects.
        gc.collect()
        gc.freeze()
        try:
            while True:
                if not self._wait_and_receive():
                    return
                self._reap()
                self._kill_overdue()
        finally:
            for child in self.children.values():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
            for pid in list(self.children):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)

    def _wait_and_receive(self) -> bool:
        """Wait for a job, a child's end or a deadline; False when the server has gone."""
        now = time.monotonic()
        deadlines = [c.deadline for c in self.children.values() if not c.killed]
        wait = max(0.0, min(deadlines) - now) if deadlines else None
        watched: list[Any] = [self.ctl]
        for child in self.children.values():
            if child.pidfd is None:  # no pidfd (not Linux): poll for ends
                wait = 0.02 if wait is None else min(wait, 0.02)
            else:
                watched.append(child.pidfd)
        ready, _, _ = select.select(watched, [], [], wait)
        if self.ctl in ready:
            received = socket.recv_fds(self.ctl, _HEADER.size, 2)
            data, fds = received[0], received[1]
            if not data:
                return False
            while len(data) < _HEADER.size:  # a stream socket may split the header
                more = self.ctl.recv(_HEADER.size - len(data))
                if not more:
                    return False
                data += more
            kind, timeout = _HEADER.unpack(data)
            self._start(kind, timeout, fds)
        return True

    def _start(self, kind: bytes, timeout: float, fds: list[int]) -> None:
        sock = socket.socket(fileno=fds[0])
        out = os.fdopen(fds[1], "wb")
        update: str | None = None
        if kind == b"U":
            out.close()
            try:
                sock.settimeout(_READ_TIMEOUT)
                update = _read_job(sock).text
                sock.settimeout(None)
            except (OSError, EOFError, ValueError, TypeError):
                sock.close()
                return
        # Other jobs' sockets and pidfds are the executor's business, not this child's.
        others = [c.sock.fileno() for c in self.children.values()]
        others += [c.pidfd for c in self.children.values() if c.pidfd is not None]
        pid = os.fork()
        if pid == 0:
            self.ctl.close()
            for fd in others:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if update is not None:
                text = update

                def trial() -> int:
                    status = _update(self.store, text)
                    if status["status"] == 204:
                        return 0
                    _send_line(sock, status)
                    return 2

                _child_main(trial, self.max_memory)
            else:

                def query() -> int:
                    job = _read_job(sock)
                    status = _answer(self.store, job, out)
                    out.close()
                    _send_line(sock, status)
                    return 0

                _child_main(query, self.max_memory)
        out.close()
        pidfd = None
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                pidfd = os.pidfd_open(pid)
        deadline = time.monotonic() + timeout
        self.children[pid] = _Child(pid, deadline, timeout, sock, pidfd, update)

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                self._ended(self.children.pop(pid), status)

    def _ended(self, child: _Child, status: int) -> None:
        if child.pidfd is not None:
            os.close(child.pidfd)
        try:
            if child.killed:
                what = "update" if child.update is not None else "query"
                _send_line(
                    child.sock,
                    {
                        "status": 503,
                        "message": f"{what} stopped after the {child.timeout:g} s timeout",
                    },
                )
            elif child.update is not None and os.waitstatus_to_exitcode(status) == 0:
                _send_line(child.sock, _update(self.store, child.update))
            elif os.waitstatus_to_exitcode(status) != 0:
                code = os.waitstatus_to_exitcode(status)
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                hint = ", perhaps over --max-memory" if code in (-6, -9, -11) else ""
                # After the child's own line, if it wrote one: the server reads only the first.
                message = f"the evaluation failed ({how}{hint})"
                _send_line(child.sock, {"status": 500, "message": message})
        finally:
            child.sock.close()

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if not child.killed and child.deadline <= now:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
                child.killed = True


class Executor:
    """The server's handle on the executor process; `run` may be called from any thread."""

    def __init__(self, store: ox.Store, *, max_memory: int | None = None) -> None:
        self._store: ox.Store | None = store
        self._max_memory = max_memory
        self._ctl: socket.socket | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Fork the executor; call before the process starts any thread."""
        if not hasattr(os, "fork"):
            raise KgError("kg serve needs os.fork (Linux or macOS)")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            ours.close()
            code = 0
            try:
                assert self._store is not None
                _Loop(self._store, theirs, self._max_memory).run()
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._ctl, self._pid = ours, pid
        # The server itself never touches the store again: only the executor's copy is live.
        self._store = None

    @property
    def alive(self) -> bool:
        if self._pid is None:
            return False
        try:
            done, _ = os.waitpid(self._pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return done == 0

    def run(self, job: Job, timeout: float, *, update: bool = False) -> Outcome:
        """Evaluate `job` (a query, or an update if `update`) within `timeout` seconds."""
        if self._ctl is None:
            return Outcome(500, "the query executor is not running")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # Unnamed: nothing to clean up whatever happens; closed by the response once sent.
        body = tempfile.TemporaryFile(prefix="kg-serve-")  # noqa: SIM115
        keep = False
        try:
            ours.settimeout(timeout + _GRACE)
            header = _HEADER.pack(b"U" if update else b"Q", timeout)
            try:
                with self._lock:
                    socket.send_fds(self._ctl, [header], [theirs.fileno(), body.fileno()])
            except OSError:
                return Outcome(500, "the query executor has stopped; restart kg serve")
            finally:
                theirs.close()
            try:
                _send_job(ours, job)
                line = _read_line(ours)
            except TimeoutError:
                return Outcome(503, f"no answer within the {timeout:g} s timeout")
            except OSError as err:
                return Outcome(500, f"the query executor failed: {err}")
            if not line:
                return Outcome(500, "the query executor closed the job without an answer")
            status = json.loads(line)
            if status["status"] == 200:
                body.seek(0)
                keep = True
                return Outcome(200, body=body)
            return Outcome(int(status["status"]), str(status.get("message", "")))
        finally:
            ours.close()
            if not keep:
                body.close()

    def close(self) -> None:
        """Stop the executor (it kills its running children) and wait for it."""
        if self._ctl is not None:
            self._ctl.close()
            self._ctl = None
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None
