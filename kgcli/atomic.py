"""Atomic file output: write to a temporary file beside the target, then rename over it.

The temporary file is `.NAME.XXXXXXXX.tmp` beside the target `NAME`. Its writer holds an
exclusive `flock` on it until the rename, so a write that was killed (SIGKILL, a power cut)
leaves a temporary file nobody holds: the next write to the same target removes such leftovers,
and only those (a write still at work holds its lock, so it is never disturbed).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from kgcli.errors import InputError, KgError

#: Errors of writing the temporary file itself (as opposed to producing its data).
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS})


def leftover_pattern(name: str) -> re.Pattern[str]:
    """The names of the temporary files that writes to a file called `name` make."""
    # 8 characters: ours are hex; older versions used mkstemp's [a-z0-9_]{8}.
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")


def fsync_directory(folder: str | os.PathLike[str]) -> None:
    """Make the folder's entries (a rename, a new file or folder) survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as err:
        # Some file systems cannot sync a folder; their renames are as durable as they get.
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def remove_leftovers(target: str | os.PathLike[str]) -> None:
    """Remove the temporary files of killed writes to `target`: those no live writer holds."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    pattern = leftover_pattern(target.name)
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return  # the write itself reports an unusable folder
    for name in names:
        _remove_if_abandoned(os.path.join(folder, name))


def _remove_if_abandoned(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # its writer is alive
        # Still the file we locked (not renamed into place or replaced since we opened it)?
        try:
            now = os.stat(path, follow_symlinks=False)
        except OSError:
            return
        if (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino):
            with contextlib.suppress(OSError):
                os.unlink(path)
    finally:
        os.close(fd)


def _unusable(target: Path, folder: Path, err: OSError) -> InputError:
    """What is true of a folder in which no file could be created: missing, not a folder, ..."""
    if isinstance(err, FileNotFoundError | NotADirectoryError):
        # The first part of the path that is there says which: ENOENT and ENOTDIR alone do not
        # (/proc exists but refuses new files with ENOENT; /etc/passwd/a/ is not a folder).
        there = next((p for p in (folder, *folder.parents) if os.path.exists(p)), None)
        if there == folder and folder.is_dir():
            return InputError(
                f"{target}: cannot create a file in folder {folder} "
                "(it exists, but its file system takes no new files)"
            )
        if there is not None and not there.is_dir():
            return InputError(f"{target}: {there} is not a folder")
        return InputError(f"{target}: folder {folder} does not exist")
    # Permission denied, a read-only file system, no space or inodes left, ...
    reason = (err.strerror or str(err))[:1].lower() + (err.strerror or str(err))[1:]
    return InputError(f"{target}: cannot write in folder {folder} ({reason})")


def _create_temporary(target: Path, folder: Path) -> tuple[int, str]:
    """Create and lock a new temporary file beside `target`: (its descriptor, its path)."""
    while True:
        tmp = os.path.join(folder, f".{target.name}.{secrets.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue
        except OSError as err:
            raise _unusable(target, folder, err) from None
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Another write's sweep may have taken the file between its creation and our lock
        # (it cannot tell a new file from a leftover): then it is gone, and we start again.
        try:
            now = os.stat(tmp, follow_symlinks=False)
        except FileNotFoundError:
            now = None
        opened = os.fstat(fd)
        if now is not None and (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino):
            return fd, tmp
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces `path` only if the block completes.

    A crash or kill at any moment leaves either the old file or the new one, never a mix:
    the data is fsynced before the rename, the rename is atomic on POSIX filesystems, and the
    folder is fsynced after it, so the new file survives a power cut once this returns.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{target}: is a directory, expected a file path")
    remove_leftovers(target)  # first: on a full disk, the space they hold may be what we need
    fd, tmp = _create_temporary(target, folder)
    out = os.fdopen(fd, "wb")
    try:
        try:
            yield out
            out.flush()
            os.fsync(out.fileno())
        except OSError as err:
            if err.errno not in WRITE_FAILURES:
                raise
            # The disk filled up or failed under us: one line, and the old file stays.
            raise KgError(
                f"{target}: could not write ({err.strerror}); the old file is unchanged"
            ) from None
        if target.exists():
            # Keep the permissions the user gave the old file, not our 0600.
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        with contextlib.suppress(OSError):  # unflushed data of a failed write: dropped
            out.close()
        raise
    out.close()  # the lock goes with it, after the rename: a sweep never sees a live file
    try:
        fsync_directory(folder)
    except OSError as err:
        raise KgError(
            f"{target}: written, but the folder could not be synced to disk ({err.strerror})"
        ) from None


@contextlib.contextmanager
def output_stream(path: str | os.PathLike[str] | None) -> Iterator[BinaryIO]:
    """Yield stdout's binary stream for None or '-', else an atomic file."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with atomic_write(path) as out:
            yield out
