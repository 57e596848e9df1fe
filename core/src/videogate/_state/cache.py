"""The result cache: cache key -> finished result (metadata and object key, never bytes).

The engine computes the key with :func:`videogate.cache_key`, looks it up before contacting
any provider, and treats an entry whose stored object has vanished as a miss. The embedded
backend is SQLite (table ``cache`` in the state file, WAL, safe for several processes);
others plug in through the ``register_cache`` hook and ``[cache] backend = "NAME"``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from videogate._contract.errors import ConfigError, StorageError, VideogateError
from videogate._contract.result import VideoResult
from videogate._contract.secrets import redact

if TYPE_CHECKING:
    import pluggy

    from videogate._artifacts.storage import Storage
    from videogate._plugins.config import Config

__all__ = ["Cache", "CacheEntry", "SqliteCache", "cached_result", "open_cache"]

_BUSY_TIMEOUT_MS = 10_000
#: Attempts of a statement SQLite refused as locked without waiting.
_LOCK_RETRIES = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    object_key TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


@attrs.frozen
class CacheEntry:
    """One cached result.

    :ivar key: the cache key (hex sha256 of the canonical request).
    :ivar result: the result as first delivered (``cached`` is ``False`` in it).
    :ivar object_key: the storage key of its video, to check it still exists.
    :ivar created_at: Unix time it was stored.
    """

    key: str
    result: VideoResult
    object_key: str
    created_at: float


@runtime_checkable
class Cache(Protocol):
    """A result cache. Implementations raise :class:`StorageError` on backend failures."""

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``, or ``None``."""
        ...

    def put(self, key: str, result: VideoResult, object_key: str) -> None:
        """Store (or replace) the entry for ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error if absent)."""
        ...

    def stats(self) -> dict[str, Any]:
        """JSON-ready figures: at least ``backend`` and ``entries``."""
        ...

    def clear(self) -> int:
        """Forget every entry; returns how many there were."""
        ...


def encode_result(result: VideoResult) -> str:
    """The canonical JSON of ``result`` as cached (``cached`` false, secrets masked)."""
    from videogate._contract.convert import unstructure

    data = unstructure(attrs.evolve(result, cached=False))
    return redact(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def decode_result(text: str) -> VideoResult:
    """The result from :func:`encode_result` output."""
    from videogate._contract.convert import from_json

    return from_json(text, VideoResult)


class SqliteCache:
    """The embedded cache: one SQLite table, shared by threads and processes.

    :param path: the SQLite file (created with its folder if missing); by default the
        state file ``config.state_path``, beside the engine's journal.
    """

    backend = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SqliteCache({str(self.path)!r})"

    def _missing(self) -> bool:
        """Whether the file was never created: a read then finds nothing and creates nothing."""
        return self._conn is None and not self.path.exists()

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def _run(self, what: str, action: Callable[[sqlite3.Connection], Any]) -> Any:
        try:
            with self._lock:
                for attempt in range(_LOCK_RETRIES):
                    try:
                        return action(self._connect())
                    except sqlite3.OperationalError as exc:
                        # SQLite answers "locked" without waiting in a few cases (another
                        # connection switching the file to WAL, a stale snapshot): try again.
                        if "locked" not in str(exc) or attempt == _LOCK_RETRIES - 1:
                            raise
                        time.sleep(0.05 * (attempt + 1))
                raise AssertionError("unreachable")  # pragma: no cover
        except VideogateError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(
                f"cache {what} failed ({self.path}): {type(exc).__name__}: {exc}",
                retryable=isinstance(exc, sqlite3.OperationalError),
            ) from None

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``; an unreadable row is dropped and counts as a miss."""

        def read(conn: sqlite3.Connection) -> Any:
            return conn.execute(
                "SELECT result, object_key, created_at FROM cache WHERE key = ?", (key,)
            ).fetchone()

        row = None if self._missing() else self._run("lookup", read)
        if row is None:
            return None
        try:
            result = decode_result(row[0])
        except VideogateError:
            self.delete(key)
            return None
        return CacheEntry(key=key, result=result, object_key=row[1], created_at=row[2])

    def put(self, key: str, result: VideoResult, object_key: str) -> None:
        """Store the entry (URLs and metadata only; secrets are masked)."""
        row = (key, encode_result(result), object_key, result.provider, time.time())
        self._run(
            "write",
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO cache (key, result, object_key, provider, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                row,
            ),
        )

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._run("delete", lambda conn: conn.execute("DELETE FROM cache WHERE key = ?", (key,)))

    def clear(self) -> int:
        """Forget every entry; returns how many were removed."""
        if self._missing():
            return 0
        cursor = self._run("clear", lambda conn: conn.execute("DELETE FROM cache"))
        return int(cursor.rowcount)

    def stats(self) -> dict[str, Any]:
        """``backend``, ``path``, ``entries``, entries per provider, oldest and newest time."""

        def read(conn: sqlite3.Connection) -> tuple[Any, list[Any]]:
            total = conn.execute(
                "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM cache"
            ).fetchone()
            per = conn.execute(
                "SELECT provider, COUNT(*) FROM cache GROUP BY provider ORDER BY provider"
            ).fetchall()
            return total, per

        total, per = ((0, None, None), []) if self._missing() else self._run("statistics", read)
        return {
            "backend": self.backend,
            "path": str(self.path),
            "entries": int(total[0]),
            "providers": {name: int(count) for name, count in per},
            "oldest": total[1],
            "newest": total[2],
        }

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def cached_result(cache: Cache, storage: Storage, key: str) -> VideoResult | None:
    """The cached result for ``key`` with ``cached=True``, or ``None`` on a miss.

    An entry whose stored object has vanished (deleted from the bucket or folder) is a
    miss, and the stale entry is forgotten so the next lookup does not check again.
    """
    entry = cache.get(key)
    if entry is None:
        return None
    if not storage.exists(entry.object_key):
        cache.delete(key)
        return None
    return attrs.evolve(entry.result, cached=True)


CacheFactory = Callable[..., Cache]


def cache_factories(manager: pluggy.PluginManager | None) -> dict[str, CacheFactory]:
    """Cache backends registered through the ``register_cache`` hook, by name."""
    if manager is None:
        return {}
    found: dict[str, CacheFactory] = {}

    def register(name: str, factory: CacheFactory) -> None:
        found[name] = factory

    manager.hook.register_cache(register=register)
    return found


def open_cache(config: Config, manager: pluggy.PluginManager | None = None) -> Cache | None:
    """The configured cache, or ``None`` when ``[cache] enabled = false``.

    ``backend = "sqlite"`` (default) uses ``[cache] path``, else the state file
    ``config.state_path``. Any other name is looked up among the ``register_cache`` hook
    implementations (of ``manager``, or of the installed plugins when none is given) and
    called with the ``[cache] options`` table as keyword arguments.

    :raises ConfigError: unknown backend, or a factory that does not return a cache.
    """
    settings = config.cache
    if not settings.enabled:
        return None
    if settings.backend == "sqlite":
        return SqliteCache(settings.path or config.state_path)
    if manager is None:
        from videogate._plugins.registry import load_registry

        manager = load_registry().manager
    factories = cache_factories(manager)
    factory = factories.get(settings.backend)
    if factory is None:
        known = ", ".join(sorted({"sqlite", *factories}))
        raise ConfigError(
            f"cache.backend: unknown backend {settings.backend!r} (available: {known})",
            field="cache.backend",
        )
    options: dict[str, Any] = dict(settings.options)
    if settings.path:
        options.setdefault("path", settings.path)
    cache = factory(**options)
    if not isinstance(cache, Cache):
        raise ConfigError(
            f"cache.backend: the {settings.backend!r} backend returned "
            f"{type(cache).__name__}, which does not implement Cache",
            field="cache.backend",
        )
    return cache
