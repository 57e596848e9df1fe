"""The embedded job journal: one SQLite file (WAL, ``synchronous=FULL``, the same file as the
cache by default), safe to share between the processes of one machine. Writers take the lock
up front (``BEGIN IMMEDIATE``) and wait on a busy timeout, so no "database is locked" reaches
a caller.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from videogate._contract.errors import StorageError
from videogate._state.claims import Claim, ClaimRole
from videogate._state.journal import SPENT_STATES, JobRecord, JobState, dump_record

__all__ = ["SqliteJournal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS videogate_jobs (
    job_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS videogate_jobs_state ON videogate_jobs (state);
CREATE TABLE IF NOT EXISTS videogate_claims (
    cache_key TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS videogate_claims_owner ON videogate_claims (owner);
CREATE INDEX IF NOT EXISTS videogate_jobs_task_id
    ON videogate_jobs (json_extract(data, '$.task.task_id'));
"""

#: Columns added after the first schema, created on open when an older file lacks them.
_MIGRATIONS = (("cost", "REAL"), ("currency", "TEXT"))


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns newer versions write (additive; old readers ignore them)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(videogate_jobs)")}
    for name, kind in _MIGRATIONS:
        if name not in have:
            db.execute(f"ALTER TABLE videogate_jobs ADD COLUMN {name} {kind}")


def _cost(record: JobRecord) -> tuple[float | None, str | None]:
    estimate = record.estimate or {}
    amount = estimate.get("amount")
    return (float(amount) if amount is not None else None), estimate.get("currency")


#: Row states after which the job's task was, or may have been, created: adopt, never resend.
_PAID = (JobState.SUBMITTING, JobState.SUBMITTED, JobState.TASK_UNKNOWN)
#: Seconds SQLite waits for another process's write lock before giving up.
_BUSY_TIMEOUT = 60.0


class SqliteJournal:
    """The embedded journal: one SQLite file (WAL), safe to share between processes.

    :param path: the SQLite file; its folder is created.
    :raises StorageError: the file cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT, check_same_thread=False, isolation_level=None
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT * 1000)}")
            _retry_locked(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
            self._db.execute("PRAGMA synchronous=FULL")
            with self._immediate():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                _migrate(self._db)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the job journal {self.path}: {exc}") from None

    def __repr__(self) -> str:
        return f"SqliteJournal({str(self.path)!r})"

    def _fail(self, exc: BaseException) -> StorageError:
        return StorageError(f"job journal {self.path}: {exc}")

    @contextmanager
    def _immediate(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front (``BEGIN IMMEDIATE``), so
        concurrent writers queue on the busy timeout instead of failing mid-transaction."""
        _retry_locked(lambda: self._db.execute("BEGIN IMMEDIATE"))
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        _retry_locked(lambda: self._db.execute("COMMIT"))

    def add(self, record: JobRecord) -> None:
        """Record a new job (durable on return)."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO videogate_jobs "
                    "(job_id, state, provider, created_at, data, cost, currency) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.job_id,
                        str(record.state),
                        record.provider,
                        record.created_at,
                        dump_record(record),
                        *_cost(record),
                    ),
                )
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields of a job in one transaction and return the new record."""
        with self._lock:
            try:
                with self._immediate() as db:
                    row = db.execute(
                        "SELECT data FROM videogate_jobs WHERE job_id = ?", (job_id,)
                    ).fetchone()
                    if row is None:
                        raise KeyError(job_id)
                    record = JobRecord.from_dict(json.loads(row[0]))
                    if "state" in changes:
                        changes["state"] = JobState(changes["state"])
                    record = attrs.evolve(record, updated_at=time.time(), **changes)
                    db.execute(
                        "UPDATE videogate_jobs SET state = ?, data = ?, cost = ?, currency = ? "
                        "WHERE job_id = ?",
                        (str(record.state), dump_record(record), *_cost(record), job_id),
                    )
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return record

    def get(self, job_id: str) -> JobRecord | None:
        """The job, or ``None``."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT data FROM videogate_jobs WHERE job_id = ?", (job_id,)
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return None if row is None else JobRecord.from_dict(json.loads(row[0]))

    def list(self, *, unfinished: bool = False, limit: int | None = None) -> list[JobRecord]:
        """Jobs, newest first (for long histories use :meth:`page` or ``iter_jobs``)."""
        return self.page(unfinished=unfinished, before=None, size=limit)

    def page(
        self, *, unfinished: bool = False, before: str | None = None, size: int | None = None
    ) -> builtins.list[JobRecord]:
        """Up to ``size`` jobs older than job id ``before``, newest first (index order)."""
        query = "SELECT data FROM videogate_jobs WHERE 1"
        params: list[Any] = []
        if unfinished:
            ends = [str(s) for s in JobState if s.finished]
            query += f" AND state NOT IN ({', '.join('?' * len(ends))})"
            params.extend(ends)
        if before is not None:
            query += " AND job_id < ?"
            params.append(before)
        query += " ORDER BY job_id DESC"
        if size is not None:
            query += " LIMIT ?"
            params.append(size)
        with self._lock:
            try:
                rows = self._db.execute(query, params).fetchall()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return [JobRecord.from_dict(json.loads(r[0])) for r in rows]

    def spend(self, since: float, *, provider: str | None = None) -> builtins.list[dict[str, Any]]:
        """Estimated spend of the jobs created since ``since`` (epoch seconds) whose task was
        (or may have been) created, one row per provider and currency: ``provider``,
        ``currency``, ``amount``, ``jobs``. Cache hits are not journaled: they cost nothing.
        """
        states = [str(s) for s in SPENT_STATES]
        marks = ", ".join("?" * len(states))
        query = (
            "SELECT provider, currency, SUM(cost), COUNT(*) FROM videogate_jobs "
            f"WHERE created_at >= ? AND cost IS NOT NULL AND state IN ({marks})"
        )
        params: list[Any] = [since, *states]
        if provider is not None:
            query += " AND provider = ?"
            params.append(provider)
        query += " GROUP BY provider, currency ORDER BY provider, currency"
        with self._lock:
            try:
                rows = self._db.execute(query, params).fetchall()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return [
            {"provider": p, "currency": c, "amount": round(a or 0.0, 6), "jobs": n}
            for p, c, a, n in rows
        ]

    # -- claims ----------------------------------------------------------------------------

    def claim(
        self,
        key: str,
        job_id: str,
        owner: str,
        *,
        lease: float,
        supersede: str | None = None,
    ) -> Claim:
        """See :meth:`Journal.claim`; one ``BEGIN IMMEDIATE`` transaction."""
        with self._lock:
            try:
                with self._immediate() as db:
                    return _claim_in(db, key, job_id, owner, lease, supersede)
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def renew(self, owner: str, *, lease: float) -> int:
        """See :meth:`Journal.renew`."""
        with self._lock:
            try:
                with self._immediate() as db:
                    cursor = db.execute(
                        "UPDATE videogate_claims SET expires_at = ? WHERE owner = ?",
                        (time.time() + lease, owner),
                    )
                    return int(cursor.rowcount)
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def release(self, key: str, owner: str, *, finished: bool) -> None:
        """See :meth:`Journal.release`."""
        with self._lock:
            try:
                with self._immediate() as db:
                    if finished:
                        db.execute(
                            "DELETE FROM videogate_claims WHERE cache_key = ? AND owner = ?",
                            (key, owner),
                        )
                    else:
                        db.execute(
                            "UPDATE videogate_claims SET expires_at = 0 "
                            "WHERE cache_key = ? AND owner = ?",
                            (key, owner),
                        )
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def claim_of(self, key: str) -> Claim | None:
        """See :meth:`Journal.claim_of`."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT job_id, owner, expires_at FROM videogate_claims WHERE cache_key = ?",
                    (key,),
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        if row is None:
            return None
        return Claim(
            key=key, job_id=row[0], owner=row[1], expires_at=row[2], role=ClaimRole.FOLLOWER
        )

    def claimed_tasks(self, task_ids: Collection[str]) -> set[str]:
        """See :meth:`Journal.claimed_tasks`."""
        wanted = sorted(set(task_ids))
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT json_extract(data, '$.task.task_id') FROM videogate_jobs "
                    f"WHERE json_extract(data, '$.task.task_id') IN ({marks})",
                    wanted,
                ).fetchall()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return {str(r[0]) for r in rows}

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._db.close()


def _claim_in(
    db: sqlite3.Connection,
    key: str,
    job_id: str,
    owner: str,
    lease: float,
    supersede: str | None,
) -> Claim:
    """The decision of :meth:`Journal.claim`, inside the caller's write transaction."""
    moment = time.time()
    expires = moment + lease
    row = db.execute(
        "SELECT job_id, owner, expires_at FROM videogate_claims WHERE cache_key = ?", (key,)
    ).fetchone()
    if row is not None:
        held_job, held_by, held_until = str(row[0]), str(row[1]), float(row[2])
        if held_by == owner and held_job == job_id:
            db.execute(
                "UPDATE videogate_claims SET expires_at = ? WHERE cache_key = ?", (expires, key)
            )
            return Claim(key=key, job_id=job_id, owner=owner, expires_at=expires, role=_OWN)
        live = held_until > moment and (supersede is None or held_by != supersede)
        if live:
            return Claim(
                key=key, job_id=held_job, owner=held_by, expires_at=held_until, role=_FOLLOW
            )
        state = db.execute(
            "SELECT state FROM videogate_jobs WHERE job_id = ?", (held_job,)
        ).fetchone()
        if state is not None and state[0] in {str(s) for s in _PAID}:
            db.execute(
                "UPDATE videogate_claims SET owner = ?, expires_at = ? WHERE cache_key = ?",
                (owner, expires, key),
            )
            return Claim(
                key=key, job_id=held_job, owner=owner, expires_at=expires, role=ClaimRole.ADOPTER
            )
    db.execute(
        "INSERT OR REPLACE INTO videogate_claims (cache_key, job_id, owner, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (key, job_id, owner, expires),
    )
    return Claim(key=key, job_id=job_id, owner=owner, expires_at=expires, role=_OWN)


_OWN = ClaimRole.OWNER
_FOLLOW = ClaimRole.FOLLOWER


def _retry_locked(action: Any, *, attempts: int = 50) -> Any:
    """``action()``, repeated while SQLite says the database is locked or busy (the busy
    timeout does not cover every statement, e.g. switching to WAL or a lock upgrade), so
    "database is locked" never reaches a user while other processes write."""
    delay = 0.005
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(0.5, delay * 2)
    return None
