"""Connections to the PostgreSQL state: opened lazily, migrated once, errors made typed."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from videogate._contract.errors import ConfigError, StorageError
from videogate._contract.secrets import redact

if TYPE_CHECKING:
    import psycopg

__all__ = ["Database", "Store", "display_url"]

T = TypeVar("T")


def display_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _clean(text: str, url: str) -> str:
    password = urllib.parse.urlsplit(url).password
    if password:
        text = text.replace(password, "***")
    return redact(text)


class Database:
    """One PostgreSQL server holding videogate's state; its schema is migrated on first use.

    :param url: a ``postgresql://`` connection URL (libpq form).
    :raises ConfigError: the ``postgres`` extra (psycopg) is not installed.
    """

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ConfigError(
                "state.url names a PostgreSQL server, which needs psycopg: "
                'pip install "videogate[postgres]"',
                field="state.url",
            ) from None
        self.url = url
        self._migrated = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Database({display_url(self.url)!r})"

    def error(self, what: str, exc: BaseException) -> StorageError:
        """A typed error for a failed ``what``, without the password."""
        import psycopg

        message = _clean(f"{type(exc).__name__}: {exc}".strip(), self.url)
        return StorageError(
            f"PostgreSQL state {display_url(self.url)}: {what} failed: {message}",
            retryable=isinstance(exc, psycopg.OperationalError),
        )

    def connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection to a migrated schema.

        :raises StorageError: the server cannot be reached or the migration failed.
        """
        import psycopg

        from videogate._state.postgres.schema import migrate

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise self.error("connecting", exc) from None
        with self._lock:
            if not self._migrated:
                try:
                    migrate(conn)
                except psycopg.Error as exc:
                    conn.close()
                    raise self.error("migrating the schema", exc) from None
                self._migrated = True
        return conn


class Store:
    """One connection of a :class:`Database`, used under a lock, reopened once if it broke."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None

    def run(self, what: str, action: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``action(connection)``; a broken connection is reopened and the action retried once.

        :raises StorageError: the database failed.
        """
        import psycopg

        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = self.database.connect()
                try:
                    return action(self._conn)
                except psycopg.OperationalError as exc:
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise self.database.error(what, exc) from None
                except psycopg.Error as exc:
                    raise self.database.error(what, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
