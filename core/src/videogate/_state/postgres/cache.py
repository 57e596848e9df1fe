"""The result cache on PostgreSQL: one table, shared by every process of a fleet."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from videogate._contract.errors import VideogateError
from videogate._contract.result import VideoResult
from videogate._state.cache import CacheEntry, decode_result, encode_result
from videogate._state.postgres.connection import Database, Store, display_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresCache"]


class PostgresCache:
    """:class:`~videogate._state.cache.Cache` on PostgreSQL (URLs and metadata, never bytes).

    :param database: the server (``Database(url)``).
    """

    backend = "postgresql"

    def __init__(self, database: Database) -> None:
        self.database = database
        self._store = Store(database)

    def __repr__(self) -> str:
        return f"PostgresCache({display_url(self.database.url)!r})"

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``; an unreadable row is dropped and counts as a miss."""
        row = self._store.run(
            "cache lookup",
            lambda conn: conn.execute(
                "SELECT result, object_key, created_at FROM videogate_cache WHERE key = %s",
                (key,),
            ).fetchone(),
        )
        if row is None:
            return None
        try:
            result = decode_result(row[0])
        except VideogateError:
            self.delete(key)
            return None
        return CacheEntry(key=key, result=result, object_key=row[1], created_at=row[2])

    def put(self, key: str, result: VideoResult, object_key: str) -> None:
        """Store (or replace) the entry (secrets masked)."""
        row = (key, encode_result(result), object_key, result.provider, time.time())
        self._store.run(
            "cache write",
            lambda conn: conn.execute(
                "INSERT INTO videogate_cache (key, result, object_key, provider, created_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
                " result = EXCLUDED.result, object_key = EXCLUDED.object_key,"
                " provider = EXCLUDED.provider, created_at = EXCLUDED.created_at",
                row,
            ),
        )

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._store.run(
            "cache delete",
            lambda conn: conn.execute("DELETE FROM videogate_cache WHERE key = %s", (key,)),
        )

    def clear(self) -> int:
        """Forget every entry; returns how many were removed."""
        cursor = self._store.run(
            "cache clear", lambda conn: conn.execute("DELETE FROM videogate_cache")
        )
        return int(cursor.rowcount)

    def stats(self) -> dict[str, Any]:
        """``backend``, ``url`` (no password), ``entries``, per provider, oldest, newest."""

        def read(conn: psycopg.Connection[Any]) -> tuple[Any, list[Any]]:
            total = conn.execute(
                "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM videogate_cache"
            ).fetchone()
            per = conn.execute(
                "SELECT provider, COUNT(*) FROM videogate_cache GROUP BY provider ORDER BY provider"
            ).fetchall()
            return total, per

        total, per = self._store.run("cache statistics", read)
        return {
            "backend": self.backend,
            "url": display_url(self.database.url),
            "entries": int(total[0]),
            "providers": {name: int(count) for name, count in per},
            "oldest": total[1],
            "newest": total[2],
        }

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        self._store.close()
