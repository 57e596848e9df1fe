"""The job journal: every submitted job, durably, so a paid video is never lost nor paid twice.

A job is recorded before its submit call (state ``submitting``) and updated with the task id
the moment the provider answers (state ``submitted``), before anything else can fail. A
process that dies afterwards leaves a ``submitted`` row that ``videogate resume`` completes by
polling the task id, never by submitting again.

:class:`Journal` is the interface; :class:`SqliteJournal` the embedded implementation (WAL,
``synchronous=FULL``, the same file as the cache by default). A fleet of workers can share a
journal by implementing the protocol on a server database.
"""

from __future__ import annotations

import builtins
import enum
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from videogate._contract.errors import StorageError
from videogate._contract.secrets import redact

__all__ = ["JobRecord", "JobState", "Journal", "SqliteJournal", "dump_record"]


class JobState(enum.StrEnum):
    """Where a journaled job is."""

    PENDING = "pending"
    """Created; waiting locally (nothing sent)."""
    SUBMITTING = "submitting"
    """The submit call is in flight. Found in a dead process's journal, its fate is unknown."""
    SUBMITTED = "submitted"
    """The provider accepted the task; the job is resumable until it reaches an end state."""
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

    @property
    def task_id(self) -> str | None:
        """The provider's task id, once submitted."""
        return None if self.task is None else str(self.task.get("task_id"))

    @property
    def resumable(self) -> bool:
        """Whether ``resume`` can finish it: a task exists and no end state was recorded."""
        return self.state is JobState.SUBMITTED and self.task is not None

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
CREATE INDEX IF NOT EXISTS videogate_jobs_cache_key
    ON videogate_jobs (json_extract(data, '$.cache_key'));
"""


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
                self.path, timeout=30.0, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the job journal {self.path}: {exc}") from None

    def __repr__(self) -> str:
        return f"SqliteJournal({str(self.path)!r})"

    def _fail(self, exc: BaseException) -> StorageError:
        return StorageError(f"job journal {self.path}: {exc}")

    def add(self, record: JobRecord) -> None:
        """Record a new job (durable on return)."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO videogate_jobs VALUES (?, ?, ?, ?, ?)",
                    (
                        record.job_id,
                        str(record.state),
                        record.provider,
                        record.created_at,
                        dump_record(record),
                    ),
                )
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields of a job in one transaction and return the new record."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    row = self._db.execute(
                        "SELECT data FROM videogate_jobs WHERE job_id = ?", (job_id,)
                    ).fetchone()
                    if row is None:
                        raise KeyError(job_id)
                    record = JobRecord.from_dict(json.loads(row[0]))
                    if "state" in changes:
                        changes["state"] = JobState(changes["state"])
                    record = attrs.evolve(record, updated_at=time.time(), **changes)
                    self._db.execute(
                        "UPDATE videogate_jobs SET state = ?, data = ? WHERE job_id = ?",
                        (str(record.state), dump_record(record), job_id),
                    )
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
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
            query += " AND state NOT IN (?, ?, ?)"
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

    def unfinished_with_key(self, cache_key: str) -> builtins.list[JobRecord]:
        """Unfinished jobs of the request ``cache_key``, oldest first (indexed)."""
        ends = [str(s) for s in JobState if s.finished]
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT data FROM videogate_jobs WHERE json_extract(data, '$.cache_key') = ?"
                    " AND state NOT IN (?, ?, ?) ORDER BY job_id",
                    (cache_key, *ends),
                ).fetchall()
            except sqlite3.Error as exc:
                raise self._fail(exc) from None
        return [JobRecord.from_dict(json.loads(r[0])) for r in rows]

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._db.close()
