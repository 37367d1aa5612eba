"""The evaluator behind `kg serve`: one single-threaded process holding the store, and its workers.

Why processes: pyoxigraph evaluates blocking operators (ORDER BY, aggregates) in native code that
neither signals nor threads can interrupt, so a runaway query is stopped by killing the process
that runs it (as `LocalSource` does for `kg query --timeout`). Why a separate executor: forking
the HTTP server, whose other threads may hold locks (the allocator's, pyoxigraph's, logging's),
could hand a child a lock nobody will release. The executor is forked before the server starts
any thread and never starts one, so its own forks are safe.

Workers: the executor forks a pool of single-threaded workers that share the store
copy-on-write and evaluate one job at a time. A fork per query would do too, but costs 5-40 ms
(page tables, copy-on-write faults, teardown) where the catalogue's queries take about one; a
warm worker does not. A worker past its job's deadline is killed (SIGKILL) and replaced; one that
has grown (a large result) or served many jobs leaves and is replaced.

One job, one request socket: the server passes the executor a socket and an unnamed temporary
file (SCM_RIGHTS), which the executor hands to an idle worker. The worker reads the job from the
socket, renders the result into the file with the CLI's renderers, then writes one status line
(JSON). When the executor kills a worker it writes the timeout line itself; the server reads the
first line only. The body is complete before the status is known, so a 200 always carries the
whole answer.

Updates change the executor's own store, so they cannot run in a worker. Each is first tried in
a child forked for it, under the deadline, on the child's copy of the store, and applied for real
only if the trial finished in time: a runaway update is killed, a good one costs twice its time.
Then every worker is replaced, since each holds the store as it was; the answer is sent after,
so a client that reads its own write sees it.
"""

from __future__ import annotations

import collections
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
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any, BinaryIO, cast

import pyoxigraph as ox

# Imported here, not in the functions: a child imports nothing, so forks stay cheap.
from kgcli.engine import child
from kgcli.engine.results import AskResult, GraphResult, Result, SelectResult
from kgcli.engine.sparql import syntax_error_line
from kgcli.errors import KgError, Unwritable
from kgcli.output.render import render
from kgcli.text import one_line

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
    #: A render format name (`kgcli.output.formats`): json, xml, csv, tsv, turtle, ...
    fmt: str = "json"
    prefixes: dict[str, str] = field(default_factory=dict)
    #: Evaluate with the default graph as the union of all graphs (no FROM, no protocol dataset).
    union: bool = True
    #: The protocol's dataset (default-graph-uri / named-graph-uri), None when not given.
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    #: With `union`, the named graphs a query sees (the default graph is the store's own and
    #: these); None: every one. A store's `kgg:inferred` is left out without --infer.
    visible: list[str] | None = None
    #: At most this many rows or triples; more is an error rather than a silent truncation.
    max_results: int | None = None
    #: The base IRI of the query's relative IRIs (the endpoint's URL).
    base: str | None = None


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
    return one_line(text, width)


# --- evaluation (in a child) -----------------------------------------------------------------


def _capped(items: Iterator[Any], cap: int | None, noun: str) -> Iterator[Any]:
    for count, item in enumerate(items):
        if cap is not None and count >= cap:
            raise ResultTooLarge(
                f"the result has more than {cap:,} {noun}s (--max-results): "
                "add a LIMIT or narrow the query"
            )
        yield item


def evaluate(store: ox.Store, job: Job) -> Result:
    """Run `job`'s query on `store`; the result's rows are capped at `job.max_results`."""
    kwargs: dict[str, Any] = {}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    elif job.union and job.visible is not None:
        named = [ox.NamedNode(g) for g in job.visible]
        kwargs["default_graph"] = [ox.DefaultGraph(), *named]
        kwargs["named_graphs"] = named
    elif job.union:
        kwargs["use_default_graph_as_union"] = True
    answer = store.query(job.text, base_iri=job.base, **kwargs)
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
        return {"status": 400, "message": short(syntax_error_line(err, text=job.text))}
    except ValueError as err:  # a bad IRI in the dataset, a term a format cannot write
        return {"status": 400, "message": short(str(err))}
    except ResultTooLarge as err:
        return {"status": 500, "message": str(err)}
    except Unwritable as err:  # the answer exists, only not in the format asked for
        return {"status": 406, "message": short(str(err))}
    except KgError as err:
        return {"status": 400 if err.exit_code == 2 else 500, "message": short(str(err))}
    except (OSError, RuntimeError) as err:
        return {"status": 500, "message": short(f"query failed: {err}")}
    return {"status": 200}


def _update(store: ox.Store, text: str) -> dict[str, Any]:
    try:
        store.update(text)
    except SyntaxError as err:
        return {"status": 400, "message": short(syntax_error_line(err, "update", text))}
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


def _worker_main(store: ox.Store, ctl: socket.socket, max_memory: int | None) -> int:
    """A worker's life: evaluate the jobs the executor hands it, one at a time, then leave.

    It leaves after `_RECYCLE_JOBS` jobs, or when a large result has grown it by more than
    `_RECYCLE_GROWTH` bytes (the allocator keeps freed memory): a fresh fork is cheaper than
    the drift.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    child.quiet()
    child.limit_memory(max_memory)
    baseline = child.resident()
    for done in range(1, _RECYCLE_JOBS + 1):
        data, fds, _, _ = socket.recv_fds(ctl, 1, 2)
        if not data or len(fds) != 2:
            break
        sock = socket.socket(fileno=fds[0])
        with os.fdopen(fds[1], "wb") as out:
            try:
                sock.settimeout(_READ_TIMEOUT)
                job = _read_job(sock)
                status = _answer(store, job, out)
            except Exception as err:  # a job's failure must not end the worker
                status = {"status": 500, "message": short(f"query failed: {err!r}")}
        _send_line(sock, status)
        sock.close()
        leaving = done == _RECYCLE_JOBS or child.resident() - baseline > _RECYCLE_GROWTH
        ctl.sendall(b"X" if leaving else b"D")
        if leaving:
            break
    return 0


#: A worker is replaced after this many jobs, or once it has grown by this many bytes.
_RECYCLE_JOBS = 1000
_RECYCLE_GROWTH = 256 << 20


@dataclass
class _Running:
    """A job handed to a process: its request socket (for the timeout line) and deadline."""

    sock: socket.socket
    deadline: float
    timeout: float
    killed: bool = False


@dataclass
class _Worker:
    pid: int
    ctl: socket.socket
    job: _Running | None = None
    #: No new jobs: it holds the store as it was before an update, or is being recycled.
    retiring: bool = False


@dataclass
class _Trial:
    """An update tried in a child on a copy of the store, before it is applied for real."""

    pid: int
    pidfd: int | None
    text: str
    job: _Running


@dataclass
class _Pending:
    sock: socket.socket
    out: IO[bytes]
    deadline: float
    timeout: float


class _Loop:
    """The executor's loop: receive jobs, hand them to workers, enforce deadlines, replace."""

    def __init__(
        self, store: ox.Store, ctl: socket.socket, max_memory: int | None, size: int
    ) -> None:
        self.store = store
        self.ctl = ctl
        self.max_memory = max_memory
        self.size = size
        self.workers: dict[int, _Worker] = {}
        self.trials: dict[int, _Trial] = {}
        self.pending: collections.deque[_Pending] = collections.deque()
        #: Workers told to leave (their socket closed), to reap.
        self.leaving: set[int] = set()

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
        # What is loaded now is kept for good: frozen, the collector never visits (and so
        # never copies into a worker) the store's and the modules' objects.
        gc.collect()
        gc.freeze()
        try:
            self._fill()
            while self._step():
                pass
        finally:
            for pid in [*self.workers, *self.trials]:
                child.kill(pid)
            for pid in [*self.workers, *self.trials, *self.leaving]:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)

    # -- one turn of the loop

    def _step(self) -> bool:
        """Wait for a job, a worker's word, a trial's end or a deadline; False to stop."""
        deadlines = [w.job.deadline for w in self.workers.values() if w.job and not w.job.killed]
        deadlines += [t.job.deadline for t in self.trials.values() if not t.job.killed]
        deadlines += [p.deadline for p in self.pending]
        wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        if self.leaving:
            wait = 0.05 if wait is None else min(wait, 0.05)  # reap the leavers soon
        watched: list[Any] = [self.ctl, *(w.ctl for w in self.workers.values())]
        for trial in self.trials.values():
            if trial.pidfd is None:  # no pidfd (not Linux): poll for the trial's end
                wait = 0.02 if wait is None else min(wait, 0.02)
            else:
                watched.append(trial.pidfd)
        ready, _, _ = select.select(watched, [], [], wait)
        for worker in list(self.workers.values()):
            if worker.ctl in ready:
                self._heard(worker)
        if self.ctl in ready and not self._receive():
            return False
        self._reap()
        self._kill_overdue()
        self._fill()
        self._dispatch()
        return True

    def _receive(self) -> bool:
        data, fds, _, _ = socket.recv_fds(self.ctl, _HEADER.size, 2)
        if not data:
            return False
        while len(data) < _HEADER.size:  # a stream socket may split the header
            more = self.ctl.recv(_HEADER.size - len(data))
            if not more:
                return False
            data += more
        kind, timeout = _HEADER.unpack(data)
        sock, out = socket.socket(fileno=fds[0]), os.fdopen(fds[1], "wb")
        deadline = time.monotonic() + timeout
        if kind == b"U":
            out.close()
            self._try_update(sock, deadline, timeout)
        else:
            self.pending.append(_Pending(sock, out, deadline, timeout))
        return True

    # -- workers

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

        def work() -> int:
            ours.close()
            self._forget()
            return _worker_main(self.store, theirs, self.max_memory)

        pid = child.fork(work)
        theirs.close()
        self.workers[pid] = _Worker(pid, ours)

    def _forget(self) -> None:
        """In a new child: close what belongs to the executor and the other processes.

        A copy of another worker's socket would keep it from seeing the executor close it.
        """
        self.ctl.close()
        for worker in self.workers.values():
            worker.ctl.close()
            if worker.job is not None:
                worker.job.sock.close()
        for trial in self.trials.values():
            trial.job.sock.close()
            if trial.pidfd is not None:
                os.close(trial.pidfd)
        for pending in self.pending:
            pending.sock.close()
            pending.out.close()

    def _fill(self) -> None:
        while sum(1 for w in self.workers.values() if not w.retiring) < self.size:
            self._spawn()

    def _dispatch(self) -> None:
        idle = [w for w in self.workers.values() if w.job is None and not w.retiring]
        while self.pending and idle:
            job, worker = self.pending.popleft(), idle.pop()
            try:
                socket.send_fds(worker.ctl, [b"J"], [job.sock.fileno(), job.out.fileno()])
            except OSError:  # the worker died meanwhile: it is replaced, the job waits
                worker.retiring = True
                self.pending.appendleft(job)
                continue
            job.out.close()  # the worker has its own copy now
            worker.job = _Running(job.sock, job.deadline, job.timeout)

    def _heard(self, worker: _Worker) -> None:
        """A worker finished its job (b"D"), finished and leaves (b"X"), or died (EOF)."""
        try:
            word = worker.ctl.recv(1)
        except OSError:
            word = b""
        if word == b"D":
            self._finish(worker)
            if worker.retiring:
                self._dismiss(worker)
            return
        if word == b"X":
            self._finish(worker)
        self._ended(worker)

    def _finish(self, worker: _Worker) -> None:
        if worker.job is not None:
            worker.job.sock.close()
            worker.job = None

    def _dismiss(self, worker: _Worker) -> None:
        """Tell an idle worker to leave: it reads EOF and exits; reaped later."""
        worker.ctl.close()
        del self.workers[worker.pid]
        self.leaving.add(worker.pid)

    def _ended(self, worker: _Worker) -> None:
        """A worker has gone (its socket closed): reap it and answer for its job."""
        del self.workers[worker.pid]
        worker.ctl.close()
        _, status = os.waitpid(worker.pid, 0)
        job = worker.job
        if job is not None:
            if job.killed:
                message = f"query stopped after the {job.timeout:g} s timeout"
                _send_line(job.sock, {"status": 503, "message": message})
            else:
                _send_line(job.sock, _died(status))
            job.sock.close()

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for worker in self.workers.values():
            if worker.job is not None and not worker.job.killed and worker.job.deadline <= now:
                # Its socket closes, and `_ended` answers for the job and a new worker takes
                # its place.
                child.kill(worker.pid)
                worker.job.killed = True
        for trial in self.trials.values():
            if not trial.job.killed and trial.job.deadline <= now:
                child.kill(trial.pid)
                trial.job.killed = True
        while self.pending and self.pending[0].deadline <= now:  # never got a worker in time
            late = self.pending.popleft()
            message = f"query stopped after the {late.timeout:g} s timeout (waiting)"
            _send_line(late.sock, {"status": 503, "message": message})
            late.sock.close()
            late.out.close()

    def _reap(self) -> None:
        for pid in list(self.leaving):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            self.leaving.discard(pid)
        for pid in list(self.trials):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 1 << 8
            if done:
                self._tried(self.trials.pop(pid), status)

    # -- updates

    def _try_update(self, sock: socket.socket, deadline: float, timeout: float) -> None:
        try:
            sock.settimeout(_READ_TIMEOUT)
            text = _read_job(sock).text
            sock.settimeout(None)
        except (OSError, EOFError, ValueError, TypeError):
            sock.close()
            return

        def work() -> int:
            self._forget()
            child.quiet()
            child.limit_memory(self.max_memory)
            status = _update(self.store, text)
            if status["status"] == 204:
                return 0
            _send_line(sock, status)
            return 2

        pid = child.fork(work)
        self.trials[pid] = _Trial(pid, child.pidfd(pid), text, _Running(sock, deadline, timeout))

    def _tried(self, trial: _Trial, status: int) -> None:
        if trial.pidfd is not None:
            os.close(trial.pidfd)
        job = trial.job
        try:
            code = os.waitstatus_to_exitcode(status)
            if job.killed:
                message = f"update stopped after the {job.timeout:g} s timeout"
                _send_line(job.sock, {"status": 503, "message": message})
            elif code == 0:
                # The trial finished in time: apply it to the executor's own store, then
                # replace every worker, since each holds a copy of the store as it was.
                answer = _update(self.store, trial.text)
                if answer["status"] == 204:
                    self._retire_all()
                _send_line(job.sock, answer)
            elif code != 2:  # 2: the trial sent its own error line
                _send_line(job.sock, _died(status))
        finally:
            job.sock.close()

    def _retire_all(self) -> None:
        for worker in list(self.workers.values()):
            worker.retiring = True
            if worker.job is None:
                self._dismiss(worker)
        self._fill()


#: How a process dies that runs past its memory cap: the engine aborts (an allocation failed),
#: faults, or the system kills it.
_OUT_OF_MEMORY = frozenset({signal.SIGABRT, signal.SIGSEGV, signal.SIGKILL})


def _died(status: int) -> dict[str, Any]:
    hint = " (perhaps over --max-memory)" if child.killed_by(status) in _OUT_OF_MEMORY else ""
    # Sent after the process's own line, if it wrote one: the server reads only the first.
    message = f"the evaluation failed: its process {child.ended(status)}{hint}"
    return {"status": 500, "message": message}


class Executor:
    """The server's handle on the executor process; `run` may be called from any thread."""

    def __init__(self, store: ox.Store, *, max_memory: int | None = None, workers: int = 4) -> None:
        self._store: ox.Store | None = store
        self._max_memory = max_memory
        self._workers = workers
        self._ctl: socket.socket | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Fork the executor; call before the process starts any thread."""
        if not hasattr(os, "fork"):
            raise KgError("kg serve needs os.fork (Linux or macOS)")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        store = self._store
        assert store is not None

        def work() -> int:
            ours.close()
            _Loop(store, theirs, self._max_memory, self._workers).run()
            return 0

        pid = child.fork(work)
        theirs.close()
        self._ctl, self._pid = ours, pid
        # The server itself never touches the store again: only the executor's copy is live.
        self._store = None

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
