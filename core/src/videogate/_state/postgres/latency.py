"""Learned task times on PostgreSQL: every process of a fleet polls with what the others
learned (the same samples a single machine keeps in its SQLite file)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from videogate._state.latency import KEEP
from videogate._state.postgres.connection import Database, Store, display_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresLatencyStore"]


class PostgresLatencyStore:
    """:class:`~videogate._state.latency.LatencyStore` in the table ``videogate_latency``
    (the newest :data:`~videogate._state.latency.KEEP` samples per class are kept).

    :param database: the server (``Database(url)``).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._store = Store(database)

    def __repr__(self) -> str:
        return f"PostgresLatencyStore({display_url(self.database.url)!r})"

    def recent(self, key: str, limit: int = KEEP) -> list[float]:
        """The latest ``limit`` task times (seconds) of class ``key``, newest first."""
        rows = self._store.run(
            "reading task times",
            lambda conn: conn.execute(
                "SELECT seconds FROM videogate_latency WHERE key = %s"
                " ORDER BY at DESC, id DESC LIMIT %s",
                (key, limit),
            ).fetchall(),
        )
        return [float(r[0]) for r in rows]

    def add(self, key: str, seconds: float) -> None:
        """Remember a task time; samples beyond the newest ``KEEP`` of the class are dropped."""

        def write(conn: psycopg.Connection[Any]) -> None:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO videogate_latency (key, seconds, at) VALUES (%s, %s, %s)",
                    (key, float(seconds), time.time()),
                )
                conn.execute(
                    "DELETE FROM videogate_latency WHERE key = %s AND id NOT IN"
                    " (SELECT id FROM videogate_latency WHERE key = %s"
                    " ORDER BY at DESC, id DESC LIMIT %s)",
                    (key, key, KEEP),
                )

        self._store.run("recording a task time", write)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._store.close()
