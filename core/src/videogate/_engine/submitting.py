"""Submitting a run's task: at most once unless a repeat is provably free, journaled durably."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from videogate._contract.errors import (
    MalformedResponse,
    RateLimited,
    TaskFailed,
    TaskMayExist,
    VideogateError,
)
from videogate._contract.events import JobPhase
from videogate._contract.provider import TaskRef
from videogate._engine.retry import provably_not_created, retry_call, submit_retry_predicate
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._logging import get_logger
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["answer_lost", "submit", "task_may_exist", "unstructure_task"]

logger = get_logger("videogate.engine")

T = TypeVar("T")


async def submit(runner: RunServices, run: Run, native: dict[str, Any]) -> None:
    """Submit the task of ``run`` (``native`` is the provider's prepared request).

    The row is journaled ``submitting`` first and ``submitted`` with the task id as soon as
    the provider answers. A failed submit is repeated only when the failure proves nothing
    was created (or the provider's submit is idempotent).
    """
    ctx: RunContext = run.context
    submitting = attrs.evolve(run.record, state=JobState.SUBMITTING)
    # The first turn is taken while the row is written: both are round trips to the state
    # backend, and the submit leaves only after both.
    turn = asyncio.ensure_future(runner.limits.submit_turn(ctx.name))
    try:
        await runner.in_db(runner.resources.journal.add, submitting)
    except BaseException:
        turn.cancel()
        raise
    first_turn: asyncio.Future[None] | None = turn
    run.record = submitting
    runner.emit(run, JobPhase.QUEUED, remote=False, message="submitting")

    async def attempt() -> None:
        nonlocal first_turn
        if first_turn is not None:
            waiting, first_turn = first_turn, None
            await waiting
        else:
            await runner.limits.submit_turn(ctx.name)
        await _complete_even_if_cancelled(_submit_once(runner, run, native))

    def on_retry(exc: BaseException, delay: float) -> None:
        if isinstance(exc, RateLimited) and exc.retry_after:
            runner.limits.back_off(ctx.name, exc.retry_after)
        logger.info("job %s: submit refused (%s); retrying in %.2f s", run.job_id, exc, delay)

    try:
        await retry_call(
            attempt,
            config=runner.config.retry,
            retry_if=submit_retry_predicate(ctx.provider.capabilities.idempotent_submit),
            on_retry=on_retry,
        )
    except VideogateError as err:
        if not answer_lost(err):
            await runner.journal_end(run, JobState.FAILED, error=err.to_dict())
            raise
        lost = task_may_exist(err, run.job_id)
        await runner.journal_update(run, state=JobState.TASK_UNKNOWN, error=lost.to_dict())
        raise lost from err
    except asyncio.CancelledError:
        if run.ref is None:
            await runner.journal_end(run, JobState.CANCELLED)
        raise
    finally:
        if first_turn is not None:
            first_turn.cancel()


def answer_lost(err: VideogateError) -> bool:
    """Whether a failed submit may have created a task: the provider says so
    (:class:`TaskMayExist`), or the failure is transient yet does not prove that nothing was
    created (a reset or timeout after sending, a gateway answer, an unreadable answer)."""
    if isinstance(err, TaskMayExist):
        return True
    if isinstance(err, TaskFailed) or not err.retryable:
        return False
    return not provably_not_created(err)


def task_may_exist(err: VideogateError, job_id: str) -> TaskMayExist:
    """``err`` as the :class:`TaskMayExist` that names the job and how to finish it."""
    detail = err.message
    return TaskMayExist(
        f"job {job_id}: the submit was sent but its answer was lost ({detail}); the provider "
        "may have created a task, so it was not sent again (nothing is paid twice); "
        f"`videogate resume {job_id}` looks for it in the provider's task list",
        job_id=job_id,
        provider=err.provider,
        code=err.code,
        request_id=err.request_id,
        http_status=err.http_status,
    )


async def _submit_once(runner: RunServices, run: Run, native: dict[str, Any]) -> None:
    ctx: RunContext = run.context
    run.submits += 1
    runner.counters["submits"] += 1
    started = runner.clock()
    ref = await ctx.call("submit", native)
    if not isinstance(ref, TaskRef):
        raise MalformedResponse(
            f"{ctx.name}: submit returned {type(ref).__name__}, not a TaskRef",
            provider=ctx.name,
        )
    run.marks["submitted"] = runner.clock()
    logger.info(
        "job %s: submitted to %s, task %s (%.3f s)",
        run.job_id,
        ctx.name,
        ref.task_id,
        run.marks["submitted"] - started,
    )
    await runner.journal_update(
        run,
        state=JobState.SUBMITTED,
        task=unstructure_task(ref),
        submitted_at=time.time(),
    )
    # Visible (Job.task_id) once durable.
    run.ref = ref


async def _complete_even_if_cancelled(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end even if the caller is cancelled meanwhile (a submit in flight
    must be seen through, or its task id would be lost); then propagate the cancel."""
    future = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise


def unstructure_task(ref: TaskRef) -> dict[str, Any]:
    """JSON form of a task reference."""
    return {"task_id": ref.task_id, "provider": ref.provider, "data": dict(ref.data)}
