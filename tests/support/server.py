"""A real `kg serve` in a child process, and HTTP calls to it, for the tests that need one."""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from support import FIXTURES, ROOT

SERVE_QUERIES = FIXTURES / "serve" / "queries"
TOKEN = "s3cret-token-for-tests"
JSON_TYPE = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Server:
    """A running `kg serve`: its endpoint URL and the log lines it wrote so far."""

    url: str
    log: list[str]

    @property
    def base(self) -> str:
        return self.url.rsplit("/", 1)[0]


@contextlib.contextmanager
def kg_serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start `kg serve --port 0 ARGS` with the fixture catalogue; always stop it."""
    command = [sys.executable, "-m", "kgcli", "--queries", str(SERVE_QUERIES), "serve"]
    command += ["--port", "0", *args]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    ready: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # read the log continuously, or a full pipe would stall the server
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                ready.put(found.group(1))
        ready.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        try:
            url = ready.get(timeout=60)
        except queue.Empty:
            url = None
        assert url is not None, "kg serve did not start:\n" + "".join(lines)
        yield Server(url, lines)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(5)


def call(
    method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request: (status, headers with lower-case names, body)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def get_query(server: Server, text: str, accept: str = JSON_TYPE, **params: str) -> Any:
    query = urllib.parse.urlencode({"query": text, **params})
    return call("GET", f"{server.url}?{query}", headers={"Accept": accept})


def post_form(server: Server, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    body = urllib.parse.urlencode(fields)
    return call("POST", server.url, body, {"Content-Type": FORM, **(headers or {})})
