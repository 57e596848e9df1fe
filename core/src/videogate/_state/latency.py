"""Learned task times: how long tasks of one class took, kept so a new process starts warm.

A class is a text key the engine builds from provider, model and request class (resolution,
duration). :class:`LatencyStore` is the backend-neutral interface (a handful of recent
samples per class); :class:`SqliteLatencyStore` keeps them in a table of the state database
file the journal uses. Samples are hints for pacing, not records: losing one costs a few
extra status queries, never a job, so writes are not synced to disk one by one.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from videogate._contract.errors import StorageError

__all__ = ["KEEP", "LatencyStore", "MemoryLatencyStore", "SqliteLatencyStore"]

#: Samples kept per class (older ones are dropped).
KEEP = 64


@runtime_checkable
class LatencyStore(Protocol):
    """Where learned task times live (any process of a machine, or a fleet, may share it)."""

    def recent(self, key: str, limit: int = KEEP) -> list[float]:
        """The latest ``limit`` task times (seconds) of class ``key``, newest first."""
        ...

    def add(self, key: str, seconds: float) -> None:
        """Remember that a task of class ``key`` took ``seconds``."""
        ...

    def close(self) -> None:
        """Release the backend."""
        ...


class MemoryLatencyStore:
    """A :class:`LatencyStore` in this process only (tests, no state file)."""

    def __init__(self) -> None:
        self._samples: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def recent(self, key: str, limit: int = KEEP) -> list[float]:
        with self._lock:
            return list(reversed(self._samples.get(key, [])[-limit:]))

    def add(self, key: str, seconds: float) -> None:
        with self._lock:
            samples = self._samples.setdefault(key, [])
            samples.append(float(seconds))
            del samples[:-KEEP]

    def close(self) -> None:
        return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS task_latency (
    key TEXT NOT NULL,
    seconds REAL NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS task_latency_key_at ON task_latency (key, at);
"""


class SqliteLatencyStore:
    """A :class:`LatencyStore` in the table ``task_latency`` of a SQLite file (WAL).

    :param path: the state database (the journal's file by default).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the latency table in {self.path}: {exc}") from None
        self._conn: sqlite3.Connection | None = conn

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the latency store {self.path} is closed")
        return self._conn

    def recent(self, key: str, limit: int = KEEP) -> list[float]:
        with self._lock:
            try:
                rows = (
                    self._db()
                    .execute(
                        "SELECT seconds FROM task_latency WHERE key = ? ORDER BY at DESC LIMIT ?",
                        (key, limit),
                    )
                    .fetchall()
                )
            except sqlite3.Error as exc:
                raise StorageError(f"reading task times from {self.path}: {exc}") from None
        return [float(seconds) for (seconds,) in rows]

    def add(self, key: str, seconds: float) -> None:
        with self._lock:
            db = self._db()
            try:
                with db:
                    db.execute(
                        "INSERT INTO task_latency (key, seconds, at) VALUES (?, ?, ?)",
                        (key, float(seconds), time.time()),
                    )
                    db.execute(
                        "DELETE FROM task_latency WHERE key = ? AND at < (SELECT at FROM "
                        "task_latency WHERE key = ? ORDER BY at DESC LIMIT 1 OFFSET ?)",
                        (key, key, KEEP - 1),
                    )
            except sqlite3.Error as exc:
                raise StorageError(f"recording a task time in {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
