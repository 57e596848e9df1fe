"""One account's limits shared by every process on PostgreSQL: slots as leased rows, and
submit/query pacing as a shared schedule of instants.

A slot is a row ``(account, slot)``; taking it writes this process as ``owner`` with a lease
(``lease_until``, database time) that the owner renews while it holds it, so the slots of a
process that died come back when their lease runs out. Giving one back notifies the channel
``videogate_slots`` so waiting processes try again at once.

Pacing keeps, per account and kind (``submit``, ``query``), the next free instant; a process
reserves ``n`` instants ``interval`` apart in one statement and hands them to its own
callers, so the whole fleet leaves at most one call per interval. Times are the database
server's clock, so machines need not agree on theirs.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from videogate._state.postgres.connection import Database, Store

if TYPE_CHECKING:
    import psycopg

__all__ = ["CHANNEL", "PostgresLimitStore"]

CHANNEL = "videogate_slots"
_NOW = "extract(epoch from clock_timestamp())"


class PostgresLimitStore:
    """Slots and pacing of accounts, shared through PostgreSQL (blocking calls).

    :param database: the server.
    :param lease: seconds a taken slot stays taken without renewal.
    :param owner: this process's owner id (default: a new random one).
    """

    def __init__(
        self, database: Database, *, lease: float = 30.0, owner: str | None = None
    ) -> None:
        self.database = database
        self.lease = lease
        self.owner = owner or uuid.uuid4().hex
        self._store = Store(database)
        self._listen_lock = threading.Lock()
        self._listener: psycopg.Connection[Any] | None = None
        self._known: set[tuple[str, str, int]] = set()

    def _ensure(self, kind: str, account: str, size: int = 0) -> None:
        if (kind, account, size) in self._known:
            return
        if kind == "slots":
            self._store.run(
                "slot set-up",
                lambda conn: conn.execute(
                    "INSERT INTO videogate_slots (account, slot)"
                    " SELECT %s, g FROM generate_series(0, %s - 1) AS g ON CONFLICT DO NOTHING",
                    (account, size),
                ),
            )
        else:
            self._store.run(
                "pacing set-up",
                lambda conn: conn.execute(
                    "INSERT INTO videogate_pacing (account, kind) VALUES (%s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (account, kind),
                ),
            )
        self._known.add((kind, account, size))

    # -- slots -----------------------------------------------------------------------------

    def try_acquire(self, account: str, capacity: int, job_id: str | None = None) -> int | None:
        """Take a free slot (or one whose lease ran out) of ``account``; its number, or
        ``None`` when all ``capacity`` slots are taken."""
        self._ensure("slots", account, capacity)
        row = self._store.run(
            "slot acquire",
            lambda conn: conn.execute(
                "UPDATE videogate_slots s SET owner = %s, job_id = %s,"
                f" lease_until = {_NOW} + %s"
                " FROM (SELECT slot FROM videogate_slots WHERE account = %s AND slot < %s"
                f" AND (owner IS NULL OR lease_until < {_NOW})"
                " ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) AS free"
                " WHERE s.account = %s AND s.slot = free.slot RETURNING s.slot",
                (self.owner, job_id, self.lease, account, capacity, account),
            ).fetchone(),
        )
        return None if row is None else int(row[0])

    def release(self, account: str, slot: int) -> None:
        """Give slot ``slot`` back (if still ours) and wake the waiting processes."""

        def give(conn: psycopg.Connection[Any]) -> None:
            with conn.transaction():
                conn.execute(
                    "UPDATE videogate_slots SET owner = NULL, job_id = NULL, lease_until = 0"
                    " WHERE account = %s AND slot = %s AND owner = %s",
                    (account, slot, self.owner),
                )
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, account))

        self._store.run("slot release", give)

    def renew(self) -> int:
        """Extend the lease of every slot this process holds; returns how many."""
        cursor = self._store.run(
            "slot renewal",
            lambda conn: conn.execute(
                f"UPDATE videogate_slots SET lease_until = {_NOW} + %s WHERE owner = %s",
                (self.lease, self.owner),
            ),
        )
        return int(cursor.rowcount)

    def in_use(self, account: str) -> int:
        """How many slots of ``account`` are taken (live leases), by anyone."""
        row = self._store.run(
            "slot count",
            lambda conn: conn.execute(
                "SELECT COUNT(*) FROM videogate_slots WHERE account = %s"
                f" AND owner IS NOT NULL AND lease_until >= {_NOW}",
                (account,),
            ).fetchone(),
        )
        return int(row[0]) if row else 0

    def wait_release(self, timeout: float) -> bool:
        """Block until some process gives a slot back or ``timeout`` seconds pass; ``True``
        when woken by a release."""
        import psycopg

        with self._listen_lock:
            try:
                if self._listener is None or self._listener.closed:
                    self._listener = self.database.connect()
                    self._listener.execute(f"LISTEN {CHANNEL}")
                for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                    return True
            except psycopg.Error as exc:
                if self._listener is not None:
                    self._listener.close()
                self._listener = None
                raise self.database.error("waiting for a slot", exc) from None
        return False

    # -- pacing ----------------------------------------------------------------------------

    def reserve(self, account: str, kind: str, interval: float, count: int = 1) -> float:
        """Reserve ``count`` instants ``interval`` seconds apart for calls of ``kind``;
        returns seconds from now to the first (the k-th is ``k * interval`` later)."""
        self._ensure(kind, account)
        span = interval * count
        row = self._store.run(
            "pacing",
            lambda conn: conn.execute(
                f"UPDATE videogate_pacing SET next_at = GREATEST(next_at, {_NOW}) + %s"
                f" WHERE account = %s AND kind = %s RETURNING next_at - %s - {_NOW}",
                (span, account, kind, span),
            ).fetchone(),
        )
        return max(0.0, float(row[0])) if row else 0.0

    def push_back(self, account: str, seconds: float) -> None:
        """Nothing of ``account`` may leave before ``seconds`` from now (Retry-After)."""
        self._store.run(
            "pacing back-off",
            lambda conn: conn.execute(
                f"UPDATE videogate_pacing SET next_at = GREATEST(next_at, {_NOW} + %s)"
                " WHERE account = %s",
                (seconds, account),
            ),
        )

    def close(self) -> None:
        """Give back every slot this process holds and close the connections."""
        import contextlib

        with contextlib.suppress(Exception):
            self._store.run(
                "slot release",
                lambda conn: conn.execute(
                    "UPDATE videogate_slots SET owner = NULL, job_id = NULL, lease_until = 0"
                    " WHERE owner = %s",
                    (self.owner,),
                ),
            )
        self._store.close()
        with self._listen_lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
