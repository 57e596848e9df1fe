"""Polling a submitted task on the shared scheduler until it ends, reporting progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videogate._contract.errors import MalformedResponse, RateLimited, TaskExpired
from videogate._contract.events import JobPhase
from videogate._contract.provider import TaskState, TaskStatus
from videogate._engine.retry import is_safe_to_retry, retry_call
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._logging import get_logger
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["poll_until_done"]

logger = get_logger("videogate.engine")


async def poll_until_done(runner: RunServices, run: Run) -> TaskState:
    """Poll the task of ``run`` until its state is terminal, and return that state.

    Intervals come from the scheduler's learned latency; a successful task teaches it.
    Failed polls are retried when safe; none of this ever submits again.

    :raises TaskExpired: the provider no longer knows the task (journaled as failed).
    """
    ctx: RunContext = run.context
    scheduler = runner.scheduler
    caps = ctx.provider.capabilities
    if caps.typical_latency and scheduler.estimate(ctx.name) is None:
        scheduler.model.set_prior(ctx.name, caps.typical_latency)
    submitted = run.marks.setdefault("submitted", runner.clock())
    last_quiet = submitted
    polls = 0
    retry_after: float | None = None

    def on_retry(exc: BaseException, delay: float) -> None:
        logger.info("job %s: poll failed (%s); retrying in %.2f s", run.job_id, exc, delay)

    while True:
        delay = scheduler.interval(
            ctx.stats_key,
            elapsed=runner.clock() - submitted,
            polls=polls,
            retry_after=retry_after,
            prior_key=ctx.name,
        )
        await scheduler.sleep(delay)
        try:
            state = await retry_call(
                lambda: _poll_once(runner, run),
                config=runner.config.retry,
                retry_if=is_safe_to_retry,
                on_retry=on_retry,
            )
        except TaskExpired as err:
            await runner.journal_end(run, JobState.FAILED, error=err.to_dict())
            raise
        polls += 1
        now = runner.clock()
        if state.status.terminal:
            run.terminal = state
            run.marks["terminal"] = now
            run.marks.setdefault("running", run.marks.get("first_poll", submitted))
            if state.status is TaskStatus.SUCCEEDED and not run.marks.get("resumed"):
                scheduler.model.observe(ctx.stats_key, (last_quiet + now) / 2 - submitted)
            return state
        last_quiet = now
        retry_after = state.retry_after
        estimate = scheduler.estimate(ctx.stats_key, ctx.name)
        elapsed = now - submitted
        eta = scheduler.policy.eta(elapsed, estimate)
        progress = state.progress
        if progress is None and estimate is not None and estimate.mean > 0:
            progress = min(0.95, elapsed / estimate.mean)
        if state.status is TaskStatus.QUEUED:
            runner.emit(run, JobPhase.QUEUED, remote=state.remote_queued, eta=eta)
        else:
            run.marks.setdefault("running", now)
            runner.emit(run, JobPhase.RUNNING, progress=progress, eta=eta)


async def _poll_once(runner: RunServices, run: Run) -> TaskState:
    ctx: RunContext = run.context
    await runner.limits.query_turn(ctx.name)
    run.polls += 1
    runner.counters["polls"] += 1
    started = runner.clock()
    try:
        state = await ctx.call("poll", run.ref)
    except RateLimited as exc:
        logger.info(
            "job %s: poll throttled by %s; pausing its calls %.2f s (Retry-After)",
            run.job_id,
            ctx.name,
            exc.retry_after or 1.0,
        )
        runner.limits.back_off(ctx.name, exc.retry_after or 1.0)
        raise
    if not isinstance(state, TaskState):
        raise MalformedResponse(
            f"{ctx.name}: poll returned {type(state).__name__}, not a TaskState",
            provider=ctx.name,
        )
    logger.debug(
        "job %s: poll %d of task %s: %s (%.3f s)",
        run.job_id,
        run.polls,
        run.ref.task_id if run.ref else "-",
        state.status,
        runner.clock() - started,
    )
    return state
