"""The gate's own file handling: bounded reads, atomic writes, appends, and a lock.

Every file the gate reads is named by a user (case files, a baseline, predictions), so a
read is refused, with an ``OSError`` that callers already report as "cannot be read:
<reason>", when the path is not a regular file (``/dev/zero``, a FIFO, a directory) or is
larger than the caller's limit. Text the gate writes may quote a lone surrogate from a
user's file: it is written as ``\\udxxx`` (in JSON the same string), never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

MB = 1024 * 1024
# Lone surrogates (from a "\ud800" escape in a case file) cannot be encoded: write them as
# the escape that made them.
ENCODING_ERRORS = "backslashreplace"


class FileRefused(OSError):
    """A path the gate will not read: not a regular file, or over the size limit."""


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Opened without blocking (a named pipe with no writer would wait forever), checked to be
    a regular file, and read to at most ``limit + 1`` bytes (a file in /proc reports size 0
    and may hold more). Raises FileNotFoundError as ``open`` does, FileRefused otherwise.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        refuse_special(path, os.fstat(descriptor).st_mode)
    except OSError:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(
            errno.EFBIG, f"it is larger than the limit of {limit / MB:g} MB", str(path)
        )
    return data


def refuse_special(path: Path, mode: int | None = None) -> None:
    """Raise FileRefused unless ``path`` (whose mode is ``mode``) is a regular file or absent."""
    if mode is None:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            return
    if stat.S_ISDIR(mode):  # worded as the system words it
        raise FileRefused(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        raise FileRefused(errno.EINVAL, f"it is {kind}, not a regular file", str(path))


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically: write a temporary file beside it, then
    rename it over the old one, so a crash or Ctrl-C never leaves half a file.

    A path that is something other than a regular file (``/dev/null``, a directory, a named
    pipe) is refused with FileRefused: renaming over it would replace a device node.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    refuse_special(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes the file owner-only; a baseline or report is shared like any file.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8", errors=ENCODING_ERRORS) as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def append_text(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (GitHub's step summary file is appended to by each step).

    Opened without blocking: a named pipe that nobody reads is an error (ENXIO), not a wait.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags, 0o666)
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "w", encoding="utf-8", errors=ENCODING_ERRORS) as handle:
        handle.write(text)


LOCK_TIMEOUT = 120.0  # seconds; another run holds the lock only while it reads and writes


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: beside it, hidden, removed when the lock is released."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (through its lock file) for the ``with`` block.

    Runs on one machine that update one file (two CI jobs in one workspace, a developer's
    two terminals) take turns: the second waits for the first to write. The lock file is
    removed on release; a waiter that locked a removed file tries again, so two holders
    never overlap. Raises TimeoutError after ``timeout`` seconds. Without ``fcntl``
    (Windows) nothing is locked.
    """
    if sys.platform == "win32":
        yield
        return
    import fcntl

    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            errno.ETIMEDOUT,
                            f"another run has held the lock {lock} for more than {timeout:g} s",
                        ) from None
                    time.sleep(0.05)
            try:
                current = os.stat(lock)
            except FileNotFoundError:
                continue  # released and removed while we waited: lock the new one
            mine = os.fstat(descriptor)
            if (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
                continue
            try:
                yield
            finally:
                lock.unlink(missing_ok=True)
            return
        finally:
            os.close(descriptor)


def posix_relative(path: Path, root: Path) -> str:
    """``path`` below ``root`` in forward slashes (as node ids and patterns have it), or
    the whole path when it is not below ``root``."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
