"""Real SPARQL servers for the integration tests, each started on 127.0.0.1 at a free port with its
own data folder under the test's tmp folder, and stopped afterwards; every wait is bounded.

A missing server binary skips its tests on a developer's machine; with KG_REQUIRE_SERVERS=1 (set by
.ci/run, which installs them) it fails them instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_TIMEOUT = 60.0


def require(binary: str | None, name: str, how: str) -> str:
    """The binary's path, or skip (fail under KG_REQUIRE_SERVERS=1) saying how to install it."""
    if binary:
        return binary
    message = f"{name} is not installed ({how})"
    if os.environ.get("KG_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{message}; KG_REQUIRE_SERVERS=1 forbids skipping", pytrace=False)
    pytest.skip(message)


def find(name: str) -> str | None:
    """A binary next to this Python (a venv's bin, not always on PATH), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `url` until the server answers anything over HTTP (bounded)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # an HTTP error is an answer
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"no answer from {url} within {START_TIMEOUT:g} s: {log.read_text()[-2000:]}"
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


# -- Oxigraph ----------------------------------------------------------------------------------


@dataclass
class Oxigraph:
    """`oxigraph serve` on a folder; the default graph is the union of all graphs, as ours."""

    binary: str
    location: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    def start(self) -> Oxigraph:
        log = self.location.parent / "oxigraph.log"
        self.process = subprocess.Popen(
            [
                self.binary,
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
            ],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_until_answering(f"{self.base}/", self.process, log)
        return self

    def kill(self) -> None:
        """Stop it hard, as a crash would."""
        if self.process is not None:
            stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    binary = require(find("oxigraph"), "the Oxigraph server", "pip install oxigraph")
    server = Oxigraph(binary, tmp_path / "oxigraph-data").start()
    try:
        yield server
    finally:
        server.stop()


# -- Virtuoso ----------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/www
ServerThreads = 4
MaxClientConnections = 4
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@dataclass
class Virtuoso:
    """Virtuoso open source with a user that may write RDF (the SPARQL_UPDATE role)."""

    base: str
    user: str = "kgpush"
    password: str = "kg-test-password"

    @property
    def query_url(self) -> str:
        return f"{self.base}/sparql"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    how = "apt-get install virtuoso-opensource"
    binary = require(find("virtuoso-t"), "Virtuoso (virtuoso-t)", how)
    isql = require(find("isql-vt") or find("isql"), "Virtuoso's isql-vt", how)
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "www").mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "stdout.log"
    process = subprocess.Popen(
        [binary, "+configfile", str(ini), "+foreground"],
        cwd=folder,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    server = Virtuoso(f"http://127.0.0.1:{http_port}")
    try:
        wait_until_answering(f"{server.base}/sparql", process, log)
        # A fresh database's dba password is "dba"; this one lives only as long as the test run.
        script = (
            f"DB.DBA.USER_CREATE('{server.user}', '{server.password}'); "
            f'GRANT SPARQL_UPDATE TO "{server.user}"; '
            f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{server.user}', 7);"
        )
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={script}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        yield server
    finally:
        stop(process)
