"""Atomic file output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from kgcli.errors import InputError, KgError

#: Errors of writing the temporary file itself (as opposed to producing its data).
_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS})


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
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError:
        raise InputError(f"{target}: folder {folder} does not exist") from None
    except NotADirectoryError:
        raise InputError(f"{target}: {folder} is not a folder") from None
    except PermissionError:
        raise InputError(f"{target}: cannot write in folder {folder} (permission denied)") from None
    except OSError as err:  # a read-only file system, no space or inodes left, ...
        raise InputError(f"{target}: cannot write in folder {folder} ({err.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                yield out
                out.flush()
                os.fsync(out.fileno())
            except OSError as err:
                if err.errno not in _WRITE_FAILURES:
                    raise
                # The disk filled up or failed under us: one line, and the old file stays.
                raise KgError(
                    f"{target}: could not write ({err.strerror}); the old file is unchanged"
                ) from None
        if target.exists():
            # Keep the permissions the user gave the old file, not mkstemp's 0600.
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
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
