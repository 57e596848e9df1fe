"""Claim before submit: the journal decides which job, in which process, pays for a key.

Before a paid submit a run claims its cache key (:meth:`Journal.claim`). As the *owner* it
goes on; as a *follower* it waits on the journal row of the owning job (in this or another
process, or on another machine sharing the journal), with progress, and delivers that job's
video; as an *adopter* (the owner's lease expired: it died) it takes the job over and
finishes it from its row, never submitting it again. A follower whose owner dies while it
waits claims again, and so becomes the adopter (or follows the new owner).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any

import attrs

from videogate._contract.convert import structure
from videogate._contract.errors import Cancelled, TaskFailed, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.provider import TaskRef
from videogate._contract.result import VideoResult
from videogate._engine.run import Run
from videogate._state.claims import Claim, ClaimRole, owner_gone
from videogate._state.journal import JobRecord, JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["acquire", "error_of", "release"]

logger = logging.getLogger("videogate.engine")

#: Seconds between two looks at a followed job's row: growing from the first to the last.
FOLLOW_FIRST = 0.05
FOLLOW_MAX = 0.5


async def acquire(services: RunServices, run: Run) -> VideoResult | None:
    """Claim the key of ``run`` and act as the journal decides.

    :returns: the followed job's result (this run pays nothing), or ``None`` when ``run``
        goes on: as the owner of its own job, or as the adopter of another one (then
        ``run.record`` is that job's row, and ``run.ref`` its task when known).
    :raises VideogateError: the followed job's error.
    """
    key = run.record.cache_key
    if key is None:
        return None
    resumed = "resumed" in run.marks
    if resumed:
        held = await services.in_db(services.resources.journal.claim_of, key)
        if held is not None and held.job_id != run.job_id:
            # Another job holds the key: finishing this one pays nothing new (its task
            # exists or is looked for), so it goes on without the claim.
            return None
    while True:
        claim = await _claim(services, key, run.job_id)
        if claim.role is not ClaimRole.FOLLOWER:
            run.claim_key = key
            services.heartbeat()
            if claim.role is ClaimRole.ADOPTER and claim.job_id != run.job_id:
                await _take_over(services, run, claim.job_id)
            return None
        result = await _follow(services, run, claim)
        if result is not None:
            return result


async def _claim(services: RunServices, key: str, job_id: str) -> Claim:
    journal = services.resources.journal
    claim = await services.in_db(
        journal.claim, key, job_id, services.owner, lease=services.claim_lease
    )
    if claim.role is ClaimRole.FOLLOWER and owner_gone(claim.owner):
        claim = await services.in_db(
            journal.claim,
            key,
            job_id,
            services.owner,
            lease=services.claim_lease,
            supersede=claim.owner,
        )
    return claim


async def _take_over(services: RunServices, run: Run, job_id: str) -> None:
    """Make ``run`` the run of the journaled job ``job_id`` (its owner is gone)."""
    record = await services.in_db(services.resources.journal.get, job_id)
    assert record is not None  # the journal only makes adopters of journaled jobs
    logger.info("job %s: adopting job %s, whose owner is gone", run.job_id, job_id)
    services.runs.pop(run.job_id, None)
    run.job_id = record.job_id
    services.runs[record.job_id] = run
    run.record = record
    run.marks["resumed"] = 1.0
    if record.state is JobState.SUBMITTED and record.task is not None:
        run.ref = TaskRef(
            task_id=str(record.task["task_id"]),
            provider=str(record.task.get("provider", record.plugin)),
            data=dict(record.task.get("data") or {}),
        )
        if record.submitted_at:
            run.marks["submitted"] = services.clock() - max(0.0, time.time() - record.submitted_at)
    await services.journal_update(run, owner_pid=os.getpid())
    services.emit(run, JobPhase.QUEUED, remote=run.ref is not None, message=f"adopted job {job_id}")


async def _follow(services: RunServices, run: Run, claim: Claim) -> VideoResult | None:
    """Wait for the job ``claim`` names to end; ``None`` when the claim changed hands (its
    owner died or gave it up) and must be asked for again."""
    journal = services.resources.journal
    followed = claim.job_id
    services.emit(
        run, JobPhase.QUEUED, remote=True, message=f"following job {followed} ({claim.owner})"
    )
    seen: JobState | None = None
    delay = FOLLOW_FIRST
    while True:
        record = await services.in_db(journal.get, followed)
        if record is not None:
            if record.state is JobState.SUCCEEDED and record.result is not None:
                result: VideoResult = structure(record.result, VideoResult)
                return attrs.evolve(result, cached=True)
            if record.state.finished:
                raise error_of(record)
            if record.state is not seen:
                seen = record.state
                if seen is JobState.SUBMITTED:
                    services.emit(
                        run, JobPhase.RUNNING, remote=True, message=f"job {followed} is running"
                    )
        current = await services.in_db(journal.claim_of, claim.key)
        if (
            current is None
            or current.job_id != followed
            or current.expires_at <= time.time()
            or owner_gone(current.owner)
        ):
            # Ended (re-read the row once more), or the owner is gone: ask again.
            record = await services.in_db(journal.get, followed)
            if record is not None and record.state.finished:
                continue
            return None
        await asyncio.sleep(delay)
        delay = min(FOLLOW_MAX, delay * 1.5)


def release(services: RunServices, run: Run, *, gave_up: bool = False) -> None:
    """Give up the claim ``run`` holds (from the engine loop, without waiting): removed when
    its job ended, never sent anything, or its caller gave up on it (a cancel or deadline:
    a later identical request starts afresh, the job stays resumable by id); else its lease
    ends now so the next caller adopts the job at once (a crash, an engine shutdown, a lost
    submit answer)."""
    key = run.claim_key
    if key is None:
        return
    run.claim_key = None
    state = run.record.state
    finished = state.finished or state is JobState.PENDING or gave_up
    journal = services.resources.journal

    def give_up() -> None:
        try:
            journal.release(key, services.owner, finished=finished)
        except VideogateError as exc:
            logger.warning("job %s: releasing its claim failed: %s", run.job_id, exc)

    services.in_db_nowait(give_up)


def error_of(record: JobRecord) -> VideogateError:
    """The error a finished, unsuccessful job ended with, rebuilt from its row."""
    error = dict(record.error or {})
    message = str(error.get("message") or f"job {record.job_id} ended {record.state}")
    common: dict[str, Any] = {
        "provider": record.provider,
        "task_id": record.task_id,
        "code": error.get("code"),
    }
    if record.state is JobState.CANCELLED:
        return Cancelled(message, outcome=str(record.cancel_outcome or "cancelled"), **common)
    from videogate._contract import errors as error_module

    cls = getattr(error_module, str(error.get("error")), TaskFailed)
    if not (isinstance(cls, type) and issubclass(cls, VideogateError)):
        cls = TaskFailed
    try:
        err = cls(message, **common)
    except TypeError:
        err = TaskFailed(message, **common)
    if "retryable" in error:
        err.retryable = bool(error["retryable"])
    return err
