"""The life of one run: prepare, stage, take a slot, submit, poll, collect, under the run's
deadline, with cancels and engine shutdown ending it cleanly and exactly once."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from videogate._artifacts.probe import warm_up
from videogate._contract.errors import Cancelled, Timeout, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.provider import CancelOutcome, TaskStatus
from videogate._contract.result import VideoResult
from videogate._engine.cancelling import cancel_remote
from videogate._engine.claiming import acquire
from videogate._engine.collect import collect
from videogate._engine.polling import poll_until_done
from videogate._engine.reconcile import reconcile
from videogate._engine.run import Run, cancelled_message
from videogate._engine.runcontext import RunContext
from videogate._engine.services import RunServices
from videogate._engine.staging import stage
from videogate._engine.submitting import submit
from videogate._state.journal import JobState

__all__ = ["ensure_ended", "execute", "task_id_of"]

logger = logging.getLogger("videogate.engine")


def ensure_ended(services: RunServices, run: Run, task: asyncio.Task[None]) -> None:
    """Its task is over: the run has ended, or it ends now. A task cancelled before its
    first step never ran a line of :func:`execute`; its waiters must still be told."""
    _end_unfinished(services, run, cancelled=task.cancelled())


def _end_unfinished(services: RunServices, run: Run, *, cancelled: bool) -> None:
    if run.done:
        return
    if cancelled:
        services.finish(run, None, _cancelled_error(services, run), JobPhase.CANCELLED)
        return
    err = VideogateError(
        f"internal error: job {run.job_id} stopped without an outcome",
        provider=run.provider,
        task_id=task_id_of(run),
    )
    services.finish(run, None, err, JobPhase.FAILED)


async def execute(services: RunServices, run: Run) -> None:
    """Run the life of ``run`` under its deadline and end it, once, whatever happens.

    The life runs as a task of its own, so the deadline never depends on it honoring a
    cancel promptly: on expiry (or a cancel) it is cancelled, and given
    ``services.cleanup_grace`` seconds to see an in-flight submit through and cancel the
    task at the provider. Past that the run ends anyway (cancel outcome ``unknown``,
    resumable) while the cleanup goes on in the background.
    """
    ctx: RunContext = run.context
    life = asyncio.get_running_loop().create_task(_lifecycle(services, run))
    deadline = asyncio.timeout(run.timeout)
    try:
        try:
            async with deadline:
                result = await asyncio.shield(life)
        except TimeoutError:
            if not deadline.expired():
                err = VideogateError(f"{ctx.name}: unexpected timeout", provider=ctx.name)
                await _fail(services, run, err)
                return
            await _stop(services, run, life)
            if _delivered(services, run, life):
                return
            outcome = run.cancel_outcome or CancelOutcome.CANCELLED
            text = f"job {run.job_id} did not finish within {run.timeout:g} s; cancel: {outcome}"
            if outcome is not CancelOutcome.CANCELLED and (run.ref is not None or not life.done()):
                text += f"; it stays resumable: videogate resume {run.job_id}"
            await _fail(services, run, Timeout(text, provider=ctx.name, task_id=task_id_of(run)))
        except asyncio.CancelledError:
            await _stop(services, run, life)
            if not _delivered(services, run, life):
                services.finish(run, None, _cancelled_error(services, run), JobPhase.CANCELLED)
        except VideogateError as err:
            await _fail(services, run, err)
        except Exception as exc:
            logger.exception("job %s: internal error", run.job_id)
            await _fail(
                services,
                run,
                VideogateError(f"internal error: {type(exc).__name__}: {exc}", provider=ctx.name),
            )
        else:
            services.finish(run, result, None, JobPhase.DONE)
    finally:
        # Stopped while ending (a second cancel, a failing journal): end it now.
        stopped_by = sys.exc_info()[1]
        _end_unfinished(services, run, cancelled=isinstance(stopped_by, asyncio.CancelledError))


async def _stop(services: RunServices, run: Run, life: asyncio.Task[VideoResult]) -> None:
    """Cancel the life of ``run`` and wait at most :attr:`cleanup_grace` for its cleanup
    (an in-flight submit seen through, the provider's task cancelled)."""
    life.cancel()
    await asyncio.wait({life}, timeout=services.cleanup_grace)
    if not life.done():
        logger.warning(
            "job %s: cleanup still running after %.3g s; the job ends now and stays resumable",
            run.job_id,
            services.cleanup_grace,
        )
        if run.cancel_outcome is None:
            run.cancel_outcome = CancelOutcome.UNKNOWN
        services.background.add(life)
        life.add_done_callback(services.background.discard)
    else:
        if not life.cancelled():
            life.exception()  # retrieved: the run's own error decides


def _delivered(services: RunServices, run: Run, life: asyncio.Task[VideoResult]) -> bool:
    """Whether the life of ``run`` finished with its video after all (then it is
    delivered: the task is paid for)."""
    if life.done() and not life.cancelled() and life.exception() is None:
        services.finish(run, life.result(), None, JobPhase.DONE)
        return True
    return False


def _cancelled_error(services: RunServices, run: Run) -> Cancelled:
    if _interrupted(services, run):
        resume = f"; resume it with `videogate resume {run.job_id}`" if run.ref else ""
        return Cancelled(
            f"job {run.job_id} interrupted by engine shutdown{resume}",
            provider=run.provider,
            task_id=task_id_of(run),
        )
    outcome = run.cancel_outcome or CancelOutcome.CANCELLED
    return Cancelled(
        cancelled_message(run.job_id, outcome),
        outcome=str(outcome),
        provider=run.provider,
        task_id=task_id_of(run),
    )


def _interrupted(services: RunServices, run: Run) -> bool:
    """Whether ``run`` is being stopped by the engine's shutdown, not by a cancel."""
    return services.closing and not run.cancel_requested


async def _fail(services: RunServices, run: Run, err: VideogateError) -> None:
    if err.task_id is None and run.ref is not None:
        err.task_id = run.ref.task_id
    if run.record.state in (JobState.SUBMITTED, JobState.SUBMITTING, JobState.TASK_UNKNOWN):
        await services.journal_update(run, error=err.to_dict())
    phase = JobPhase.CANCELLED if isinstance(err, Cancelled) else JobPhase.FAILED
    services.finish(run, None, err, phase)


async def _lifecycle(services: RunServices, run: Run) -> VideoResult:
    ctx: RunContext = run.context
    try:
        native: Any = None
        if run.ref is None and not run.record.task_may_exist:
            # Pure and local: done before taking a slot, so a freed slot is reused at once.
            native = await ctx.call("prepare", ctx.normalized.request)
            await services.preflight(run)
        if run.claim_key is None:
            # The journal decides who pays: follow the job that owns the key, or adopt it.
            followed = await acquire(services, run)
            if followed is not None:
                return followed
        if run.ref is None and run.record.task_may_exist:
            await reconcile(services, run, task_id=run.adopt_task)
        if run.ref is None and native is not None:
            native = await stage(services, run, native)
        if not run.holding_slot:
            await services.limits.acquire_slot(ctx.name)
            run.holding_slot = True
        if run.ref is None:
            await submit(services, run, native)
        warm_up()  # the video will need probing
        state = await poll_until_done(services, run)
        _release_slot(services, run)
        if state.status is TaskStatus.FAILED:
            # Reported, never submitted again: ``retryable`` only informs the caller.
            assert state.error is not None
            err = state.error
            err.provider = err.provider or ctx.name
            await services.journal_end(run, JobState.FAILED, error=err.to_dict())
            raise err
        if state.status is TaskStatus.CANCELLED:
            run.cancel_outcome = CancelOutcome.CANCELLED
            await services.journal_end(run, JobState.CANCELLED)
            raise Cancelled(
                f"job {run.job_id}: the provider reports the task cancelled",
                outcome=str(CancelOutcome.CANCELLED),
                provider=ctx.name,
            )
        assert state.output is not None
        return await collect(services, run, state.output)
    except asyncio.CancelledError:
        if not _interrupted(services, run):
            run.cancel_outcome = await cancel_remote(services, run)
        raise
    finally:
        _release_slot(services, run)


def _release_slot(services: RunServices, run: Run) -> None:
    if run.holding_slot:
        run.holding_slot = False
        services.limits.release_slot(run.provider)


def task_id_of(run: Run) -> str | None:
    """The provider's task id of ``run``, once submitted."""
    return None if run.ref is None else run.ref.task_id
