"""A disk cache of model outputs and scores: sentence embeddings and NLI scores keyed by model
and text, and each scorer's metrics keyed by the scorer (its code, weights and model) and the
case's texts.

A rerun over unchanged cases then costs lookups instead of model calls and feature
computation. One SQLite file
(default ``summgate/models.sqlite`` in pytest's cache dir, ``.pytest_cache/d/``):
- safe with several xdist workers writing at once (SQLite's locking, WAL journal);
- bounded in size (the oldest entries are evicted first), and switchable off;
- a corrupt or unreadable cache is discarded and the run goes on without it: never a crash,
  never a wrong score (every value carries its own checksum; one that does not match, or of
  the wrong size, is a miss, not a result).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DEFAULT_MAX_MB = 512
_SCHEMA = 3
_BUSY_TIMEOUT_S = 60.0


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._open()
        except sqlite3.DatabaseError:
            # Not a database, or damaged: discard it and start an empty one.
            self._discard()
            try:
                db = self._open()
            except (sqlite3.Error, OSError) as error:
                self._off(f"cannot be recreated: {error}")
                return None
        except (sqlite3.Error, OSError) as error:
            self._off(str(error))
            return None
        self._db = db
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                " size INTEGER NOT NULL, used REAL NOT NULL)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(_SCHEMA),))
            (schema,) = db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
            if schema != str(_SCHEMA):
                raise sqlite3.DatabaseError(f"cache schema {schema}, expected {_SCHEMA}")
            db.execute("PRAGMA quick_check").fetchone()
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    def _discard(self) -> None:
        for path in cache_files(self.path):
            path.unlink(missing_ok=True)

    def _off(self, problem: str) -> None:
        self.problem = f"model cache {self.path} turned off: {problem}"
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
