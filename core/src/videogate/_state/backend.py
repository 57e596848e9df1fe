"""The state interface: where the journal (with its claims), the result cache, the learned
task times and the account limits live.

:func:`open_state` reads ``[state] url`` (or ``$VIDEOGATE_STATE_URL``): unset or
``sqlite:///PATH`` gives :class:`SqliteState`, the embedded default (one machine, any number
of processes); ``postgresql://...`` gives :class:`PostgresState`, shared by any number of
processes on any number of machines. Everything a fleet must agree on goes through here.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from videogate._contract.errors import ConfigError
from videogate._state.journal import Journal
from videogate._state.sqlite_journal import SqliteJournal

if TYPE_CHECKING:
    import pluggy

    from videogate._plugins.config import Config
    from videogate._state.cache import Cache
    from videogate._state.latency import LatencyStore
    from videogate._state.postgres.limits import PostgresLimitStore

__all__ = ["PostgresState", "SqliteState", "StateBackend", "open_state", "state_kind"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@runtime_checkable
class StateBackend(Protocol):
    """One place for the state of a process (opened lazily; ``close`` releases it)."""

    kind: str
    """``sqlite`` or ``postgresql``."""

    def journal(self) -> Journal:
        """The job journal (the same object on every call)."""
        ...

    def cache(self, manager: pluggy.PluginManager | None = None) -> Cache | None:
        """The result cache, or ``None`` when ``[cache] enabled = false``."""
        ...

    def limit_store(self) -> PostgresLimitStore | None:
        """The shared account limits, or ``None`` when each process keeps its own."""
        ...

    def latency(self) -> LatencyStore:
        """A new store of learned task times in this state (the caller closes it)."""
        ...

    def exists(self) -> bool:
        """Whether the state was ever created (a read-only command then has nothing to show
        and must not create it)."""
        ...

    def describe(self) -> str:
        """Where the state is, for messages (never a password)."""
        ...

    def close(self) -> None:
        """Close what was opened."""
        ...


def state_kind(config: Config) -> str:
    """``postgresql`` or ``sqlite``, from ``[state] url``.

    :raises ConfigError: a URL of another scheme.
    """
    url = config.state.url
    if not url or url.startswith("sqlite:"):
        return "sqlite"
    if url.startswith(_POSTGRES_SCHEMES):
        return "postgresql"
    scheme = url.split(":", 1)[0]
    raise ConfigError(
        f"state.url: unsupported scheme {scheme!r} (use postgresql://... or sqlite:///PATH)",
        field="state.url",
    )


def _sqlite_path(config: Config) -> Path:
    url = config.state.url
    if url and url.startswith("sqlite:"):
        path = url[len("sqlite:") :]
        path = path[3:] if path.startswith("///") else path
        if path:
            return Path(path)
    return config.state_path


class SqliteState:
    """The embedded state: journal and cache in one SQLite file; limits kept per process."""

    kind = "sqlite"

    def __init__(self, config: Config) -> None:
        self.config = config
        self.path = _sqlite_path(config)
        self._lock = threading.Lock()
        self._journal: Journal | None = None

    def journal(self) -> Journal:
        with self._lock:
            if self._journal is None:
                self._journal = SqliteJournal(self.path)
            return self._journal

    def cache(self, manager: pluggy.PluginManager | None = None) -> Cache | None:
        import attrs

        from videogate._state.cache import open_cache

        config = self.config
        if self.path != config.state_path and config.journal is None:
            config = attrs.evolve(config, journal=str(self.path))
        return open_cache(config, manager)

    def limit_store(self) -> PostgresLimitStore | None:
        return None

    def latency(self) -> LatencyStore:
        from videogate._state.latency import SqliteLatencyStore

        return SqliteLatencyStore(self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None


class PostgresState:
    """State on a PostgreSQL server: journal, cache and account limits shared by a fleet.

    :raises ConfigError: psycopg (the ``postgres`` extra) is missing.
    """

    kind = "postgresql"

    def __init__(self, config: Config) -> None:
        from videogate._state.postgres.connection import Database

        assert config.state.url is not None
        self.config = config
        self.database = Database(config.state.url)
        self._lock = threading.Lock()
        self._journal: Any = None
        self._limits: Any = None
        self._caches: list[Any] = []

    def journal(self) -> Journal:
        from videogate._state.postgres.journal import PostgresJournal

        with self._lock:
            if self._journal is None:
                self._journal = PostgresJournal(self.database)
            journal: Journal = self._journal
            return journal

    def cache(self, manager: pluggy.PluginManager | None = None) -> Cache | None:
        settings = self.config.cache
        if not settings.enabled:
            return None
        if settings.backend != "sqlite" or settings.path:
            from videogate._state.cache import open_cache

            return open_cache(self.config, manager)
        from videogate._state.postgres.cache import PostgresCache

        cache = PostgresCache(self.database)
        with self._lock:
            self._caches.append(cache)
        return cache

    def limit_store(self) -> PostgresLimitStore | None:
        from videogate._state.postgres.limits import PostgresLimitStore

        with self._lock:
            if self._limits is None:
                self._limits = PostgresLimitStore(self.database, lease=self.config.state.lease)
            store: PostgresLimitStore = self._limits
            return store

    def latency(self) -> LatencyStore:
        from videogate._state.postgres.latency import PostgresLatencyStore

        return PostgresLatencyStore(self.database)

    def exists(self) -> bool:
        return True

    def describe(self) -> str:
        from videogate._state.postgres.connection import display_url

        return display_url(self.database.url)

    def close(self) -> None:
        with self._lock:
            for part in (self._journal, self._limits, *self._caches):
                if part is not None:
                    part.close()
            self._journal = self._limits = None
            self._caches.clear()


def open_state(config: Config) -> StateBackend:
    """The state backend ``config`` names (nothing is connected until first use).

    :raises ConfigError: unsupported URL, or PostgreSQL without psycopg installed.
    """
    if state_kind(config) == "postgresql":
        return PostgresState(config)
    return SqliteState(config)
