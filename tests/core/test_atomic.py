"""Output files are replaced whole or not at all, durably; what killed writes leave is removed."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from kgcli.atomic import atomic_write
from kgcli.errors import InputError


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write(b"new, half written")
        raise RuntimeError("the renderer failed")
    assert target.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv"]


def test_a_finished_write_replaces_the_file_keeping_its_mode(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    with atomic_write(target) as out:
        out.write(b"new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_bad_targets_are_input_errors(tmp_path: Path):
    with pytest.raises(InputError, match="is a directory"), atomic_write(tmp_path):
        pass
    with pytest.raises(InputError, match="does not exist"), atomic_write(tmp_path / "no" / "x"):
        pass


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_that_exists_but_takes_no_files_is_not_called_missing():
    # procfs answers ENOENT to a new file in a folder that is there.
    with pytest.raises(InputError) as caught, atomic_write("/proc/x.json"):
        pass
    assert str(caught.value) == (
        "/proc/x.json: cannot create a file in folder /proc "
        "(it exists, but its file system takes no new files)"
    )
    assert caught.value.exit_code == 2


def test_the_part_of_the_path_that_is_a_file_is_named(tmp_path: Path):
    (tmp_path / "file.txt").write_text("a file\n")
    target = tmp_path / "file.txt" / "sub" / "out.csv"
    with pytest.raises(InputError) as caught, atomic_write(target):
        pass
    assert str(caught.value) == f"{target}: {tmp_path / 'file.txt'} is not a folder"


def test_a_link_to_a_missing_folder_is_a_missing_folder(tmp_path: Path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    target = tmp_path / "link" / "out.csv"
    with pytest.raises(InputError) as caught, atomic_write(target):
        pass
    assert str(caught.value) == f"{target}: folder {tmp_path / 'link'} does not exist"


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied")],
)
def test_other_failures_to_create_the_file_say_why(tmp_path: Path, monkeypatch, code, reason):
    real_open = os.open

    def refusing(path, flags, *args):
        if str(path).endswith(".tmp"):
            raise OSError(code, os.strerror(code), path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing)
    with pytest.raises(InputError) as caught, atomic_write(tmp_path / "out.csv"):
        pass
    assert (
        str(caught.value) == f"{tmp_path / 'out.csv'}: cannot write in folder {tmp_path} ({reason})"
    )


def test_a_failing_query_leaves_the_old_output(kg, tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    result = kg("query", "--data", "missing.ttl", "-e", "ASK {}", "-o", str(target))
    assert result.exit_code == 2
    assert target.read_text() == "old\n"


def test_the_folder_is_synced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The rename is durable too (a power cut after `atomic_write` returns keeps the new file):
    the data is synced, then renamed into place, then the folder that holds the name synced."""
    calls: list[tuple[object, ...]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(fd: int) -> None:
        found = os.fstat(fd)
        kind = "folder" if stat.S_ISDIR(found.st_mode) else "file"
        calls.append(("fsync", kind, found.st_ino))
        fsync(fd)

    def recording_replace(source: str, target: str) -> None:
        calls.append(("replace", target))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    target = tmp_path / "out.csv"
    with atomic_write(target) as out:
        out.write(b"new\n")
    assert calls == [
        ("fsync", "file", target.stat().st_ino),
        ("replace", target),
        ("fsync", "folder", tmp_path.stat().st_ino),
    ]


#: Writes `half` to the target through kgcli.atomic, says so, then waits for a line to finish.
WRITER = """
import sys
from kgcli.atomic import atomic_write
with atomic_write(sys.argv[1]) as out:
    out.write(b"half")
    out.flush()
    print("writing", flush=True)
    sys.stdin.readline()
    out.write(b" and done\\n")
"""


def _writer(target: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    return proc


def _temporaries(target: Path) -> list[str]:
    return sorted(n for n in os.listdir(target.parent) if n.startswith(f".{target.name}."))


@pytest.mark.parametrize(
    "command",
    [
        ("query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "-o", "{target}"),
        ("network", "export", "-P", "cluster", "-o", "{target}"),
    ],
    ids=["query", "network export"],
)
def test_the_next_write_removes_what_killed_writes_left_and_spares_live_ones(kg, tmp_path, command):
    target = tmp_path / ("out.csv" if command[0] == "query" else "cluster.gexf")
    killed = _writer(target)
    killed.kill()
    killed.wait()
    (left,) = _temporaries(target)
    live = _writer(target)
    (held,) = set(_temporaries(target)) - {left}
    try:
        result = kg(*(arg.replace("{target}", str(target)) for arg in command))
        assert result.exit_code == 0, result.output
        assert _temporaries(target) == [held]  # the killed write's file is gone, not the live one
    finally:
        assert live.stdin is not None
        live.stdin.write("\n")
        live.stdin.close()
        live.wait()
    assert live.returncode == 0
    assert target.read_bytes() == b"half and done\n"
    assert _temporaries(target) == []
