"""Resuming journaled jobs: a run rebuilt from its record polls its task, never submits again."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from videogate._contract.convert import structure
from videogate._contract.errors import (
    Cancelled,
    InvalidRequest,
    TaskExpired,
    TaskFailed,
    VideogateError,
)
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.normalize import Mode, Normalized
from videogate._contract.provider import TaskRef
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning, VideoResult
from videogate._engine.run import Run
from videogate._state.journal import JobRecord, JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["adopt", "adopt_journaled", "adopt_unfinished"]


async def adopt_journaled(runner: RunServices, job_id: str, timeout: float | None) -> Run:
    """:func:`adopt` the journaled job ``job_id``.

    :raises InvalidRequest: no such job.
    """
    record = await runner.in_db(runner.resources.journal.get, job_id)
    if record is None:
        raise InvalidRequest(f"no journaled job {job_id!r}", field="job_id")
    return await adopt(runner, record, timeout)


async def adopt(runner: RunServices, record: JobRecord, timeout: float | None = None) -> Run:
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
    return await _resume(runner, record, timeout)


async def _resume(runner: RunServices, record: JobRecord, timeout: float | None) -> Run:
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
    if record.state is JobState.SUBMITTING:
        return TaskFailed(
            f"job {record.job_id}: the process stopped while the submit was in flight; whether "
            f"{record.provider} created a task is unknown, and nothing was submitted again",
            provider=record.provider,
        )
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


async def adopt_unfinished(
    runner: RunServices,
    key: str,
    timeout: float | None,
    listener: Callable[[ProgressEvent], None] | None,
) -> Run | None:
    """The run of a journaled, submitted and unfinished job of the request ``key`` that no
    run of this engine holds (one left by a stopped process or run on another machine): it
    is polled to its end, so its paid task is used instead of a second submit. ``None``
    when there is none (or the journal cannot look jobs up by request)."""
    finder = getattr(runner.resources.journal, "unfinished_with_key", None)
    if finder is None:
        return None
    records: list[JobRecord] = await runner.in_db(finder, key)
    for record in records:
        live = runner.runs.get(record.job_id)
        if (live is not None and not live.done) or not record.resumable:
            continue
        run = await _resume(runner, record, timeout)
        if listener is not None:
            run.subscribe(listener)
        if not run.done:
            runner.inflight[key] = run
        return run
    return None
