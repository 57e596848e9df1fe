"""The job journal: every submitted job, durably, so a paid video is never lost nor paid twice.

A job is recorded before its submit call (state ``submitting``) and updated with the task id
the moment the provider answers (state ``submitted``), before anything else can fail. A
process that dies afterwards leaves a ``submitted`` row that ``videogate resume`` completes by
polling the task id, never by submitting again.

:class:`Journal` is the interface; :class:`SqliteJournal` the embedded implementation (WAL,
``synchronous=FULL``, the same file as the cache by default). A fleet of workers can share a
journal by implementing the protocol on a server database.

The journal also decides who pays for a cache key: :meth:`Journal.claim` and its companions
keep one claim (owner + lease) per key, see :mod:`videogate._state.claims`. A submit whose
answer was lost leaves the row ``task_unknown`` ("submitted, task id unknown") until
``resume`` finds the task in the provider's task list.
"""

from __future__ import annotations

import builtins
import enum
import json
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from videogate._contract.errors import StorageError
from videogate._contract.secrets import redact
from videogate._state.claims import Claim, ClaimRole

__all__ = ["JobRecord", "JobState", "Journal", "SqliteJournal", "dump_record"]


class JobState(enum.StrEnum):
    """Where a journaled job is."""

    PENDING = "pending"
    """Created; waiting locally (nothing sent)."""
    SUBMITTING = "submitting"
    """The submit call is in flight. Found in a dead process's journal, its fate is unknown."""
    SUBMITTED = "submitted"
    """The provider accepted the task; the job is resumable until it reaches an end state."""
    TASK_UNKNOWN = "task_unknown"
    """Submitted, task id unknown: the submit was sent but its answer was lost (reset, read
    timeout, unreadable answer). The provider may have created (and billed) a task;
    ``resume`` looks for it in the provider's task list, and nothing is submitted again."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether nothing more will happen to the job."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@attrs.frozen(kw_only=True)
class JobRecord:
    """One journaled job. JSON values only; never a secret, never video bytes.

    :ivar job_id: videogate's id (sortable by creation time).
    :ivar provider: the configured provider name; ``plugin`` the plugin behind it.
    :ivar model: the provider's model.
    :ivar mode: the normalization mode.
    :ivar state: see :class:`JobState`.
    :ivar request: the caller's request (unstructured).
    :ivar normalized: the request sent to the provider (unstructured).
    :ivar warnings: the normalization warnings (unstructured).
    :ivar cache_key: the cache key of the request, if it may be cached.
    :ivar task: the provider's task reference (``task_id``, ``provider``, ``data``).
    :ivar result: the :class:`VideoResult` (unstructured) once succeeded.
    :ivar artifact: the stored file once succeeded: ``key``, ``url``, ``sha256``,
        ``size_bytes``, ``original_key`` and the ``probe`` (container, codec, duration, fps,
        width, height, frames, audio, pixel format).
    :ivar error: the error (``VideogateError.to_dict()``) of a failed, cancelled or
        interrupted job.
    :ivar cancel_outcome: what a cancel achieved, if one was asked.
    :ivar owner_pid: the process working on the job.
    :ivar estimate: the job's cost estimate (``CostEstimate.to_dict()``), if one was made.
    """

    job_id: str
    provider: str
    plugin: str
    model: str
    mode: str
    state: JobState = JobState.PENDING
    request: dict[str, Any] = attrs.field(factory=dict)
    normalized: dict[str, Any] = attrs.field(factory=dict)
    warnings: list[dict[str, Any]] = attrs.field(factory=list)
    cache_key: str | None = None
    task: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    artifact: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    cancel_outcome: str | None = None
    owner_pid: int | None = None
    created_at: float = attrs.field(factory=time.time)
    updated_at: float = attrs.field(factory=time.time)
    submitted_at: float | None = None
    finished_at: float | None = None
    estimate: dict[str, Any] | None = None

    @property
    def task_id(self) -> str | None:
        """The provider's task id, once submitted."""
        return None if self.task is None else str(self.task.get("task_id"))

    @property
    def resumable(self) -> bool:
        """Whether ``resume`` can finish it: a task exists and no end state was recorded."""
        return self.state is JobState.SUBMITTED and self.task is not None

    @property
    def task_may_exist(self) -> bool:
        """Whether a submit was sent whose task id is unknown (``task_unknown``, or
        ``submitting`` left by a process that died): ``resume`` reconciles it through the
        provider's task list."""
        return self.state in (JobState.TASK_UNKNOWN, JobState.SUBMITTING)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``state`` as text)."""
        data = attrs.asdict(self, recurse=False)
        data["state"] = str(self.state)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        """The record from :meth:`to_dict` output; unknown keys (newer writers) are ignored."""
        names = {a.name for a in attrs.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["state"] = JobState(values.get("state", JobState.PENDING))
        return cls(**values)


@runtime_checkable
class Journal(Protocol):
    """Durable storage of job records. Writes must be durable when the call returns."""

    def add(self, record: JobRecord) -> None:
        """Record a new job."""

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields of a job (``updated_at`` is set) and return the new record.

        :raises KeyError: no such job.
        """

    def get(self, job_id: str) -> JobRecord | None:
        """The job, or ``None``."""

    def list(self, *, unfinished: bool = False, limit: int | None = None) -> list[JobRecord]:
        """Jobs, newest first; ``unfinished`` keeps those not in an end state."""

    # -- claims: who pays for a cache key (see videogate._state.claims) -------------------

    def claim(
        self,
        key: str,
        job_id: str,
        owner: str,
        *,
        lease: float,
        supersede: str | None = None,
    ) -> Claim:
        """Claim ``key`` for ``job_id`` of ``owner``, atomically, and say what to do.

        - no claim, or the claimed job never sent anything (no row, ``pending``) or has
          ended: the claim becomes ``(job_id, owner)``, role ``OWNER``;
        - a claim whose lease runs (and whose owner is not ``supersede``): unchanged, role
          ``FOLLOWER`` (wait for ``Claim.job_id``);
        - a claim whose lease expired, or held by ``supersede`` (an owner the caller knows is
          dead), on a job that was or may have been submitted: ``owner`` takes it over with
          a new lease on that same job, role ``ADOPTER``.

        The lease lasts ``lease`` seconds from now; an owner renews it with :meth:`renew`.
        """

    def renew(self, owner: str, *, lease: float) -> int:
        """Extend every lease ``owner`` holds to ``lease`` seconds from now (the owner's
        heartbeat); returns how many it holds."""

    def release(self, key: str, owner: str, *, finished: bool) -> None:
        """Give up ``owner``'s claim on ``key``: removed when its job ``finished``, else its
        lease ends now so the next caller adopts the job at once. No-op if not held."""

    def claim_of(self, key: str) -> Claim | None:
        """The claim on ``key`` (role ``FOLLOWER``), or ``None``."""

    def claimed_tasks(self, task_ids: Collection[str]) -> set[str]:
        """Those of ``task_ids`` that a journaled job already holds as its task."""

    def close(self) -> None:
        """Release the connection."""


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

#: States whose estimate counts as spent: the task was (or may have been) created.
SPENT_STATES = (
    JobState.SUBMITTING,
    JobState.SUBMITTED,
    JobState.TASK_UNKNOWN,
    JobState.SUCCEEDED,
)


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


def dump_record(record: JobRecord) -> str:
    """The record as stored: sorted JSON with secrets masked."""
    # Belt and braces: nothing the engine writes should hold a secret, but a provider could
    # put one in a message; mask it before it reaches the disk.
    return redact(json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False))


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
