"""Job progress events, sent to observers through the ``job_progress`` hook."""

from __future__ import annotations

import enum

import attrs

__all__ = ["JobPhase", "ProgressEvent"]


class JobPhase(enum.StrEnum):
    """Phases of a job, in the order they happen."""

    QUEUED = "queued"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    STORING = "storing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """Whether no event follows this one."""
        return self in (JobPhase.DONE, JobPhase.FAILED, JobPhase.CANCELLED)


@attrs.frozen(kw_only=True)
class ProgressEvent:
    """One step of a job.

    :ivar job_id: videogate's job id.
    :ivar provider: the configured provider name.
    :ivar phase: where the job is.
    :ivar progress: 0..1 overall, when it can be told.
    :ivar elapsed: seconds since the job started.
    :ivar eta: estimated seconds remaining, when one can be made.
    :ivar remote: for ``queued``: waiting at the provider (True) or locally (False).
    :ivar task_id: the provider's task id, once submitted.
    :ivar message: a short human note.
    """

    job_id: str
    provider: str
    phase: JobPhase
    progress: float | None = None
    elapsed: float = 0.0
    eta: float | None = None
    remote: bool = False
    task_id: str | None = None
    message: str | None = None
