"""The job journal: every submitted job, durably, so a paid video is never lost nor paid twice.

A job is recorded before its submit call (state ``submitting``) and updated with the task id
the moment the provider answers (state ``submitted``), before anything else can fail. A
process that dies afterwards leaves a ``submitted`` row that ``videogate resume`` completes by
polling the task id, never by submitting again.

:class:`Journal` is the interface; :class:`~videogate._state.sqlite_journal.SqliteJournal`
the embedded implementation and :mod:`videogate._state.postgres` the one a fleet shares.

The journal also decides who pays for a cache key: :meth:`Journal.claim` and its companions
keep one claim (owner + lease) per key, see :mod:`videogate._state.claims`. A submit whose
answer was lost leaves the row ``task_unknown`` ("submitted, task id unknown") until
``resume`` finds the task in the provider's task list.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Collection
from typing import Any, Protocol, runtime_checkable

import attrs

from videogate._contract.secrets import redact
from videogate._state.claims import Claim

__all__ = ["SPENT_STATES", "JobRecord", "JobState", "Journal", "dump_record"]


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


#: States whose estimate counts as spent: the task was (or may have been) created.
SPENT_STATES = (
    JobState.SUBMITTING,
    JobState.SUBMITTED,
    JobState.TASK_UNKNOWN,
    JobState.SUCCEEDED,
)


def dump_record(record: JobRecord) -> str:
    """The record as stored: sorted JSON with secrets masked."""
    # Belt and braces: nothing the engine writes should hold a secret, but a provider could
    # put one in a message; mask it before it reaches the disk.
    return redact(json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False))
