"""Resuming journaled jobs: a run rebuilt from its record polls its task, never submits again."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from videogate._contract.convert import structure
from videogate._contract.errors import (
    Cancelled,
    InvalidRequest,
    TaskExpired,
    TaskFailed,
    VideogateError,
)
from videogate._contract.events import JobPhase
from videogate._contract.normalize import Mode, Normalized
from videogate._contract.provider import TaskRef
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning, VideoResult
from videogate._engine.run import Run
from videogate._state.journal import JobRecord, JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["adopt", "adopt_journaled"]


async def adopt_journaled(
    runner: RunServices, job_id: str, timeout: float | None, *, task_id: str | None = None
) -> Run:
    """:func:`adopt` the journaled job ``job_id`` (with ``task_id`` as its task, for a job
    whose submit answer was lost).

    :raises InvalidRequest: no such job, or a ``task_id`` for a job that is not waiting for
        one.
    """
    record = await runner.in_db(runner.resources.journal.get, job_id)
    if record is None:
        raise InvalidRequest(f"no journaled job {job_id!r}", field="job_id")
    if task_id is not None and not record.task_may_exist:
        raise InvalidRequest(
            f"job {job_id} is {record.state}; --task only applies to a job whose submit "
            "answer was lost (task_unknown)",
            field="task",
        )
    return await adopt(runner, record, timeout, task_id=task_id)


async def adopt(
    runner: RunServices,
    record: JobRecord,
    timeout: float | None = None,
    *,
    task_id: str | None = None,
) -> Run:
    """The run of ``record``: the live one if this engine runs it, else a resumed one.

    A record unknown to the journal (one from another engine's JSON) is journaled first; a
    known one is taken from the journal, which is more recent. Finished records give a
    finished run; ``submitted`` ones are polled (never resubmitted).
    """
    run = runner.runs.get(record.job_id)
    if run is not None and not run.done:
        return run
    journal = runner.resources.journal
    known = await runner.in_db(journal.get, record.job_id)
    if known is None:
        await runner.in_db(journal.add, record)
    else:
        record = known
    return await _resume(runner, record, timeout, task_id)


async def _resume(
    runner: RunServices, record: JobRecord, timeout: float | None, task_id: str | None
) -> Run:
    provider = runner.resources.provider(record.provider)
    normalized = Normalized(
        structure(record.normalized, VideoRequest),
        structure(record.request, VideoRequest),
        tuple(structure(w, ResultWarning) for w in record.warnings),
    )
    ctx = runner.context(
        record.provider, record.plugin, provider, normalized, Mode.parse(record.mode), record.model
    )
    run = runner.new_run(ctx, record, timeout=timeout, auto_cancel=False, listener=None)
    if record.state is JobState.SUCCEEDED and record.result is not None:
        runner.finish(run, structure(record.result, VideoResult), None, JobPhase.DONE)
        return run
    if record.task_may_exist:
        # Its task is looked for in the provider's list (or ``task_id`` adopted) first.
        run.marks["resumed"] = 1.0
        run.adopt_task = task_id
        await runner.journal_update(run, owner_pid=os.getpid())
        runner.launch(run, remote=True, message="looking for the task of a lost submit answer")
        return run
    if not record.resumable:
        runner.finish(run, None, _not_resumable(record), JobPhase.FAILED)
        return run
    assert record.task is not None
    run.ref = TaskRef(
        task_id=str(record.task["task_id"]),
        provider=str(record.task.get("provider", record.plugin)),
        data=dict(record.task.get("data") or {}),
    )
    run.marks["resumed"] = 1.0
    if record.submitted_at:
        run.marks["submitted"] = runner.clock() - max(0.0, time.time() - record.submitted_at)
    await runner.journal_update(run, owner_pid=os.getpid())
    runner.launch(run, remote=True, message="resuming")
    return run


def _not_resumable(record: JobRecord) -> VideogateError:
    """Why ``record`` cannot be resumed, as the error its job ends with."""
    if record.state is JobState.CANCELLED:
        return Cancelled(f"job {record.job_id} was cancelled", outcome="cancelled")
    if record.state is JobState.FAILED:
        error = dict(record.error or {})
        message = str(error.get("message") or "the task failed")
        if error.get("error") == "TaskExpired":
            return TaskExpired(message, provider=record.provider, task_id=record.task_id)
        return TaskFailed(
            f"job {record.job_id} failed: {message}",
            provider=record.provider,
            task_id=record.task_id,
            code=error.get("code"),
        )
    return TaskFailed(
        f"job {record.job_id} cannot be resumed (state {record.state})", provider=record.provider
    )
