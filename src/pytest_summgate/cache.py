"""A disk cache of model outputs and scores: sentence embeddings and NLI scores keyed by model
and text, and each scorer's metrics keyed by the scorer (its code, weights and model) and the
case's texts.

A rerun over unchanged cases then costs lookups instead of model calls and feature
computation. One SQLite file
(default ``summgate/models.sqlite`` in pytest's cache dir, ``.pytest_cache/d/``):
- safe with several xdist workers writing at once (SQLite's locking, WAL journal);
- bounded in size (the oldest entries are evicted first), and switchable off;
- a damaged cache is discarded and made anew, and one that cannot be used turns the cache off
  for the run (one warning line): never a crash, never a wrong score (every value carries its
  own checksum; one that does not match, or of the wrong size, is a miss, not a result);
- only a file the gate made is ever discarded: its SQLite header carries the gate's
  application id (a cache of an earlier version: exactly the cache's tables). Anything else
  at the path (a user's notes, another program's database, a directory, a pipe, a device) is
  left as it is, and the run goes on without a cache.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import files

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_MAX_MB = 512
_SCHEMA = 3
_BUSY_TIMEOUT_S = 60.0
# PRAGMA application_id of every cache the gate makes: offset 68 of the file's SQLite header.
APPLICATION_ID = int.from_bytes(b"sumg", "big")
_MAGIC = b"SQLite format 3\x00"
# The tables and columns of a cache made before it carried the application id (schemas 2
# and 3), in sqlite_master's order: such a file is the gate's own, and is adopted.
_LEGACY_COLUMNS = [
    ("meta", "name"),
    ("meta", "value"),
    ("vectors", "key"),
    ("vectors", "value"),
    ("vectors", "size"),
    ("vectors", "used"),
]


def _key(model: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=20).digest()


def cache_files(path: Path) -> list[Path]:
    """The cache's SQLite file and its write-ahead log and shared-memory files."""
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]


_CHECK = 8  # bytes of checksum in front of every stored value


def _seal(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_CHECK).digest() + payload


def _unseal(value: bytes) -> bytes | None:
    """The payload, or None when the value is damaged."""
    payload = value[_CHECK:]
    if len(value) < _CHECK or _seal(payload)[:_CHECK] != value[:_CHECK]:
        return None
    return payload


class NotACache(Exception):
    """A file at the cache's path that the gate did not make: it is left as it is."""


class _Damaged(sqlite3.DatabaseError):
    """The gate's own cache file, unusable as a cache (another schema, a failed check)."""


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite found the file itself damaged (SQLITE_CORRUPT and SQLITE_NOTADB are
    plain DatabaseErrors), rather than locked, read-only or out of room (OperationalError)."""
    return type(error) in (sqlite3.DatabaseError, _Damaged)


Found = Literal["missing", "cache", "legacy"]


def identify(path: Path) -> Found:
    """What is at ``path``: nothing, a cache the gate made, or one made by a version before
    the application id. Raises NotACache for anything else, OSError when it cannot be read.

    Reads at most the 100-byte SQLite header, opened without blocking (a named pipe with no
    writer would wait forever) and checked to be a regular file; a database without the
    gate's application id is read as an immutable file, which makes no journal beside it.
    """
    try:
        _refuse_special(path, os.stat(path).st_mode)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise NotACache("it is a symbolic link to a missing file") from None
        for journal in cache_files(path)[1:]:
            # SQLite would read a journal left without its database into the new one.
            if os.path.lexists(journal):
                raise NotACache(f"{journal.name} is there without its database") from None
        return "missing"
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        _refuse_special(path, os.fstat(descriptor).st_mode)  # the file stat() saw
        header = os.read(descriptor, 100)
    finally:
        os.close(descriptor)
    for journal in cache_files(path)[1:]:
        with contextlib.suppress(FileNotFoundError):
            mode = os.lstat(journal).st_mode
            if stat.S_ISLNK(mode):  # SQLite would write where it points
                raise NotACache(f"its journal {journal.name} is a symbolic link")
            _refuse_special(journal, mode, f"its journal {journal.name}")
    if not header:
        raise NotACache("it is an empty file, not a cache the gate made")
    if not header.startswith(_MAGIC) or len(header) < 100:
        raise NotACache("it is not an SQLite database, so not a cache the gate made")
    owner = int.from_bytes(header[68:72], "big")
    if owner == APPLICATION_ID:
        return "cache"
    if owner != 0:
        raise NotACache(f"it is the SQLite database of another program (application id {owner})")
    if _legacy(path):
        return "legacy"
    raise NotACache("it is an SQLite database without the cache's tables, not one the gate made")


def _refuse_special(path: Path, mode: int, name: str = "it") -> None:
    """NotACache unless ``mode`` is a regular file's: saying what it is, as the warning does."""
    try:
        files.refuse_special(path, mode)
    except files.FileRefused as refused:
        kind = "it is a directory" if refused.errno == errno.EISDIR else str(refused.strerror)
        raise NotACache(kind.replace("it ", f"{name} ", 1)) from None


def _legacy(path: Path) -> bool:
    """Whether the database at ``path`` has exactly the tables of the gate's cache."""
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            columns = db.execute(
                "SELECT m.name, c.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c"
                " WHERE m.type = 'table' ORDER BY m.name, c.cid"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return columns == _LEGACY_COLUMNS


def _make_tables(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
        " size INTEGER NOT NULL, used REAL NOT NULL)"
    )
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(_SCHEMA),))


def create(path: Path) -> None:
    """Make an empty cache at ``path``, unless a file is there by then (another process's).

    Built whole under a temporary name beside it, then linked into place: a link never
    replaces a file, and the path never holds a half-made cache that a later run could not
    tell from a user's file.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as error:  # said of the folder, not of the temporary name
        raise OSError(
            error.errno, f"cannot make a file in {path.parent}: {error.strerror}"
        ) from None
    os.close(handle)
    temporary = Path(name)
    try:
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)  # as SQLite makes a file; mkstemp's is owner-only
        db = sqlite3.connect(temporary)
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("PRAGMA journal_mode=WAL")
            _make_tables(db)
            db.commit()
        finally:
            db.close()
        with contextlib.suppress(FileExistsError):
            _link(temporary, path)
    finally:
        for leftover in cache_files(temporary):
            leftover.unlink(missing_ok=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: a copy, into a file that must not exist yet.
        data = source.read_bytes()
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)


def _one_line(text: str) -> str:
    """``text`` with control characters escaped: a path may hold a newline."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ModelCache:
    """Vectors by (model identity, text). Every failure turns the cache off, not the run."""

    def __init__(self, path: Path, max_mb: int = DEFAULT_MAX_MB) -> None:
        self.path = path
        self.max_bytes = max_mb * 1024 * 1024
        self.problem = ""  # why the cache was turned off, for the run's summary
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._opened = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._opened:
            return self._db
        self._opened = True
        try:
            self._db = self._open_or_make()
        except NotACache as refused:
            self._off(f"{refused}; left as it is (name a new file with --summgate-cache, or off)")
        except OSError as error:
            self._off(str(error) if error.filename or not error.strerror else error.strerror)
        except (sqlite3.Error, ValueError) as error:
            self._off(str(error))
        return self._db

    def _open_or_make(self) -> sqlite3.Connection:
        """The cache at the path, made when there is none, made anew when it is damaged.
        Raises NotACache when the file there is not one the gate made."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open(self._find_or_make())
        except sqlite3.DatabaseError as error:
            if not _damaged(error):
                raise
        # The gate's own file, damaged (a crash, a full disk, a version with another schema).
        self._discard()
        return self._open(self._find_or_make())

    def _find_or_make(self) -> Found:
        found = identify(self.path)
        if found == "missing":
            create(self.path)
            found = identify(self.path)  # this process's, or another's made meanwhile
            if found == "missing":
                raise FileNotFoundError(errno.ENOENT, "removed while it was being made")
        return found

    def _open(self, found: Found) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            _make_tables(db)
            (schema,) = db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
            if schema != str(_SCHEMA):
                raise _Damaged(f"cache schema {schema}, expected {_SCHEMA}")
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise _Damaged(f"quick_check: {verdict}")
            if found == "legacy":  # made before the application id: mark it as the gate's
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    def _discard(self) -> None:
        # The journals first: a journal left without its database would stop the next run.
        for path in reversed(cache_files(self.path)):
            path.unlink(missing_ok=True)

    def _off(self, problem: str) -> None:
        self.problem = _one_line(f"model cache {self.path} turned off: {problem}")
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def get(self, model: str, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The cached vectors among ``texts`` (callers check their length against the model)."""
        import numpy as np

        return {
            text: np.frombuffer(value, dtype=np.float32)
            for text, value in self._get(model, texts).items()
            if value and len(value) % 4 == 0
        }

    def put(self, model: str, vectors: dict[str, npt.NDArray[np.float32]]) -> None:
        """Store vectors, in one transaction, then keep the file under its size bound."""
        import numpy as np

        self._put(
            model,
            {t: np.ascontiguousarray(v, dtype=np.float32).tobytes() for t, v in vectors.items()},
        )

    def get_records(self, scorer: str, keys: Sequence[str]) -> dict[str, Any]:
        """The cached JSON records of ``scorer`` among ``keys`` (callers check their shape)."""
        found = {}
        for key, value in self._get(scorer, keys).items():
            try:
                found[key] = json.loads(value)
            except ValueError:
                continue
        return found

    def put_records(self, scorer: str, records: dict[str, Any]) -> None:
        self._put(
            scorer, {k: json.dumps(r, separators=(",", ":")).encode() for k, r in records.items()}
        )

    def _get(self, model: str, texts: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._lock:
            db = self._connect()
            if db is None or not texts:
                return found
            keys = {_key(model, t): t for t in texts}
            try:
                items = list(keys)
                for start in range(0, len(items), 500):
                    chunk = items[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = db.execute(
                        f"SELECT key, value FROM vectors WHERE key IN ({marks})", chunk
                    ).fetchall()
                    for key, value in rows:
                        payload = _unseal(bytes(value))
                        if payload is not None:
                            found[keys[key]] = payload
            except sqlite3.Error as error:
                self._off(str(error))
                return {}
        self.hits += len(found)
        self.misses += len(set(texts)) - len(found)
        return found

    def _put(self, model: str, values: dict[str, bytes]) -> None:
        with self._lock:
            db = self._connect()
            if db is None or not values:
                return
            now = time.time()
            rows = []
            for text, payload in values.items():
                blob = _seal(payload)
                rows.append((_key(model, text), blob, len(blob), now))
            try:
                with db:
                    db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                self._evict(db)
            except sqlite3.Error as error:
                self._off(str(error))

    def _evict(self, db: sqlite3.Connection) -> None:
        (total,) = db.execute("SELECT COALESCE(SUM(size), 0) FROM vectors").fetchone()
        if total <= self.max_bytes:
            return
        # Drop the oldest entries down to 90% of the bound, so eviction is not every write.
        excess = total - int(self.max_bytes * 0.9)
        with db:
            db.execute(
                "DELETE FROM vectors WHERE key IN (SELECT key FROM (SELECT key, SUM(size) OVER "
                "(ORDER BY used, key) AS running FROM vectors) WHERE running <= ?)",
                (excess,),
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
