"""Polling a submitted task on the shared scheduler until it ends, reporting progress and
teaching the latency model (and its store) how long the task took."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from videogate._contract.capabilities import Capabilities, LatencyPrior
from videogate._contract.errors import MalformedResponse, RateLimited, TaskExpired, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.provider import TaskState, TaskStatus
from videogate._engine.pacing import PollPolicy, Window, learned_time
from videogate._engine.retry import is_safe_to_retry
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._logging import get_logger
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["poll_until_done", "prior_of"]

logger = get_logger("videogate.engine")


async def poll_until_done(runner: RunServices, run: Run) -> TaskState:
    """Poll the task of ``run`` until its state is terminal, and return that state.

    Poll times come from the task times learned for the run's class (loaded from the latency
    store once per process), else from the provider's prior; a task that ends teaches them.
    While jobs wait for a slot of the provider, the policy is narrowed
    (:meth:`~videogate._engine.pacing.PollPolicy.contended`): a finished task holds its slot
    until a poll sees it. A failed poll is repeated when safe, never sooner than the step;
    none of this ever submits again.

    :raises TaskExpired: the provider no longer knows the task (journaled as failed).
    """
    ctx: RunContext = run.context
    scheduler = runner.scheduler
    policy = scheduler.policy
    key = ctx.stats_key
    await _warm(runner, ctx)
    submitted = run.marks.setdefault("submitted", runner.clock())
    last_quiet: float | None = None
    polls = 0
    failures = 0
    retry_after: float | None = None
    retry = runner.config.retry

    while True:
        window = scheduler.window(key, ctx.name)
        pacing = _contended(runner, ctx.name, window)
        if pacing is not policy:
            # The first poll spends a share of the budget on tasks already over: under
            # contention, of the narrowed one.
            window = scheduler.model.window(key, ctx.name, pacing)
        now = runner.clock()
        last = run.marks.get("last_poll")
        await scheduler.sleep(
            pacing.next_delay(
                window,
                elapsed=now - submitted,
                polls=polls,
                since_last=None if last is None or polls == 0 else now - last,
                retry_after=retry_after,
            )
        )
        try:
            state = await _poll_once(runner, run)
        except TaskExpired as err:
            await runner.journal_end(run, JobState.FAILED, error=err.to_dict())
            raise
        except VideogateError as exc:
            failures += 1
            if not is_safe_to_retry(exc) or failures >= max(1, retry.attempts):
                raise
            backoff = min(retry.max_backoff, retry.initial_backoff * 2.0 ** (failures - 1))
            retry_after = max(backoff, exc.retry_after or 0.0)
            logger.info("job %s: poll failed (%s); retrying in %.2f s", run.job_id, exc, backoff)
            continue
        failures = 0
        polls += 1
        sent = run.marks["last_poll"]
        if state.status.terminal:
            run.terminal = state
            run.marks["terminal"] = runner.clock()
            run.marks.setdefault("running", run.marks.get("first_poll", submitted))
            if not run.marks.get("resumed"):
                _learn(runner, ctx, submitted, last_quiet, sent)
            return state
        last_quiet = sent
        retry_after = state.retry_after
        elapsed = runner.clock() - submitted
        eta = policy.eta(window, elapsed)
        if state.status is TaskStatus.QUEUED:
            runner.emit(run, JobPhase.QUEUED, remote=state.remote_queued, eta=eta)
        else:
            run.marks.setdefault("running", runner.clock())
            progress = state.progress
            if progress is None:
                progress = policy.progress(window, elapsed)
            runner.emit(run, JobPhase.RUNNING, progress=progress, eta=eta)


def _contended(runner: RunServices, provider: str, window: Window | None) -> PollPolicy:
    """The scheduler's policy, narrowed while jobs wait for a slot of ``provider``."""
    policy = runner.scheduler.policy
    if not runner.limits.waiting(provider):
        return policy
    declared = runner.limits.declared(provider)
    return policy.contended(window, declared.max_concurrent_tasks, declared.queries_per_second)


async def _warm(runner: RunServices, ctx: RunContext) -> None:
    """Load the class's learned times (once per process) and the provider's prior."""
    model = runner.scheduler.model
    key = ctx.stats_key
    if model.prior(ctx.name) is None:
        model.set_prior(ctx.name, prior_of(ctx.provider.capabilities))
    if model.known(key):
        return
    store = runner.resources.latency
    try:
        samples = await runner.in_db(store.recent, key) if store is not None else []
    except VideogateError as exc:
        logger.warning("task times of %s could not be read: %s", key, exc)
        samples = []
    model.load(key, samples)


def prior_of(caps: Capabilities) -> LatencyPrior | None:
    """The provider's declared task times (``latency``, else one built around
    ``typical_latency``), or ``None``."""
    if caps.latency is not None:
        return caps.latency
    if caps.typical_latency:
        typical = caps.typical_latency
        return LatencyPrior(low=typical / 4.0, typical=typical, high=typical * 2.0)
    return None


def _learn(
    runner: RunServices,
    ctx: RunContext,
    submitted: float,
    last_quiet: float | None,
    terminal: float,
) -> None:
    """Record how long the task took (:func:`~videogate._engine.pacing.learned_time`)."""
    quiet = None if last_quiet is None else last_quiet - submitted
    # Kept in service seconds, so runs on a scaled clock (emulators) teach the same history.
    seconds = learned_time(quiet, terminal - submitted) / runner.scheduler.policy.time_scale
    key = ctx.stats_key
    runner.scheduler.model.observe(key, seconds)
    store = runner.resources.latency
    if store is None:
        return
    future = asyncio.ensure_future(runner.in_db(store.add, key, seconds))
    future.add_done_callback(_log_failure)


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("a task time could not be recorded: %s", future.exception())


async def _poll_once(runner: RunServices, run: Run) -> TaskState:
    ctx: RunContext = run.context
    await runner.limits.query_turn(ctx.name)
    run.marks["last_poll"] = runner.clock()
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
