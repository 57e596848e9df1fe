"""The job runner: the runs an engine knows and the life of one run, from start to its end."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs

from videogate._contract.capabilities import ServiceLimits
from videogate._contract.convert import structure, unstructure
from videogate._contract.errors import (
    Cancelled,
    InvalidRequest,
    StorageError,
    Timeout,
    VideogateError,
)
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.normalize import Mode, Normalized, normalize
from videogate._contract.pricing import CostEstimate
from videogate._contract.provider import CancelOutcome, Provider
from videogate._contract.request import VideoRequest
from videogate._contract.result import VideoResult
from videogate._engine.budget import check_budget, estimate_for
from videogate._engine.claiming import release
from videogate._engine.flight import cache_lookup, cached_run, join
from videogate._engine.ids import new_job_id
from videogate._engine.lifecycle import ensure_ended, execute
from videogate._engine.limits import Limits, LocalLimits
from videogate._engine.pacing import PollPolicy
from videogate._engine.resources import Resources
from videogate._engine.run import Run, listener_in_loop
from videogate._engine.runcontext import RunContext
from videogate._engine.scheduler import PollScheduler
from videogate._engine.services import ProgressCallback
from videogate._state.cachekey import cache_key
from videogate._state.claims import new_owner
from videogate._state.journal import JobRecord, JobState

__all__ = ["ProgressCallback", "Runner"]

logger = logging.getLogger("videogate.engine")

T = TypeVar("T")


class Runner:
    """Runs jobs on the engine loop, sharing one poll scheduler, one set of provider limits
    and the worker pools among them. Every coroutine here runs on the engine loop."""

    def __init__(
        self,
        resources: Resources,
        *,
        limits: Limits | None,
        poll_policy: PollPolicy | None,
        clock: Callable[[], float],
        cleanup_grace: float = 5.0,
        claim_lease: float | None = None,
    ) -> None:
        config = resources.config
        self.resources = resources
        self.config = config
        self.clock = clock
        scale = config.poll_time_scale
        limits_of = functools.partial(_scaled_limits, resources.limits_of, scale)
        self.limits: Limits = limits or _default_limits(resources, limits_of, clock)
        self.scheduler = PollScheduler(
            poll_policy
            or PollPolicy(
                budget=config.poll_budget,
                min_interval=config.poll_interval_min,
                max_interval=config.poll_interval_max,
                slot_idle=config.poll_slot_idle,
            ).scaled(scale)
        )
        self.workers = ThreadPoolExecutor(
            max(1, config.workers), thread_name_prefix="videogate-worker"
        )
        self.finalizers = ThreadPoolExecutor(
            max(1, min(4, config.workers)), thread_name_prefix="videogate-finalize"
        )
        self._db = ThreadPoolExecutor(1, thread_name_prefix="videogate-db")
        self.runs: dict[str, Run] = {}
        self.inflight: dict[str, Run] = {}
        self.closing = False
        self.cleanup_grace = cleanup_grace
        #: Cleanups that outlived their run's grace (kept referenced until they end).
        self.background: set[asyncio.Task[Any]] = set()
        self.counters: dict[str, int] = {"submits": 0, "polls": 0, "cancels": 0, "cache_hits": 0}
        #: Who this engine is in the journal's claims, and how long its leases last (one
        #: setting with the shared slots' lease: ``[state] lease``).
        self.owner = new_owner()
        self.claim_lease = config.state.lease if claim_lease is None else claim_lease
        self._heartbeat: asyncio.Task[None] | None = None
        self._preflights: dict[str, asyncio.Future[None]] = {}

    # -- shared helpers --------------------------------------------------------------------

    async def in_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the single database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(fn, *args, **kwargs))

    def in_db_nowait(self, fn: Callable[[], Any]) -> None:
        """``fn()`` queued on the database thread, not awaited (it ends before the engine
        closes)."""
        with contextlib.suppress(RuntimeError):
            self._db.submit(fn)

    def heartbeat(self) -> None:
        """Keep renewing the leases this engine holds (started once, on the first claim)."""
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        journal = self.resources.journal
        while not self.closing:
            await asyncio.sleep(self.claim_lease / 3)
            try:
                held = await self.in_db(journal.renew, self.owner, lease=self.claim_lease)
            except StorageError as exc:
                logger.warning("renewing claims failed (retried): %s", exc)
                continue
            if held == 0 and not any(r.claim_key for r in self.runs.values()):
                return

    async def preflight(self, run: Run) -> None:
        """What can fail before a paid submit, checked before it (once per storage): the
        storage opens (protocol installed, credentials found) and is writable, the record
        encodes."""
        from videogate._engine.preflight import check_record, check_storage

        check_record(run.record)
        namespace = run.context.provider.namespace
        checked = self._preflights.get(namespace)
        if checked is None or (checked.done() and checked.exception() is not None):
            loop = asyncio.get_running_loop()
            checked = loop.run_in_executor(self.workers, check_storage, self.resources, namespace)
            self._preflights[namespace] = checked
        await asyncio.shield(checked)

    async def journal_update(self, run: Run, **changes: Any) -> None:
        """Update the journal row; a failing journal is logged, never fatal to the job."""
        try:
            run.record = await self.in_db(self.resources.journal.update, run.job_id, **changes)
        except (StorageError, KeyError) as exc:
            logger.error("job %s: journal update failed: %s", run.job_id, exc)
            run.record = attrs.evolve(run.record, **changes)

    async def journal_end(self, run: Run, state: JobState, **changes: Any) -> None:
        """Record that the job ended in ``state`` (now)."""
        await self.journal_update(run, state=state, finished_at=time.time(), **changes)

    def context(
        self,
        name: str,
        plugin: str,
        provider: Provider,
        normalized: Normalized,
        mode: Mode,
        model: str,
    ) -> RunContext:
        """The context of a run of ``provider``, whose adapter calls use the worker pool."""
        return RunContext(
            name=name,
            plugin=plugin,
            provider=provider,
            normalized=normalized,
            mode=mode,
            model=model,
            workers=self.workers,
        )

    # -- events ----------------------------------------------------------------------------

    def emit(
        self,
        run: Run,
        phase: JobPhase,
        *,
        progress: float | None = None,
        eta: float | None = None,
        remote: bool = False,
        message: str | None = None,
    ) -> None:
        """Publish a progress event of ``run`` to its listeners and the observer hooks."""
        event = ProgressEvent(
            job_id=run.job_id,
            provider=run.provider,
            phase=phase,
            progress=progress,
            elapsed=max(0.0, self.clock() - run.started),
            eta=eta,
            remote=remote,
            task_id=None if run.ref is None else run.ref.task_id,
            message=message,
        )
        run.publish(event)
        self.resources.observers.progress(event)

    def finish(
        self,
        run: Run,
        result: VideoResult | None,
        error: VideogateError | None,
        phase: JobPhase,
    ) -> None:
        """End ``run`` with ``result`` or ``error`` (once; later calls do nothing)."""
        if run.future.done():
            return
        total = self.clock() - run.started
        self.emit(
            run,
            phase,
            progress=1.0 if phase is JobPhase.DONE else None,
            eta=0.0,
            message=None if error is None else str(error),
        )
        # Released: its handles keep what they need, and the journal keeps its record.
        if self.runs.get(run.job_id) is run:
            del self.runs[run.job_id]
        if error is not None:
            run.future.set_exception(error)
            # Nobody may be waiting (a fire-and-forget submit): mark it retrieved.
            run.future.exception()
        else:
            assert result is not None
            run.future.set_result(result)
        key = run.record.cache_key
        if key is not None and self.inflight.get(key) is run:
            del self.inflight[key]
        gave_up = isinstance(error, Timeout) or (
            isinstance(error, Cancelled) and run.cancel_requested
        )
        release(self, run, gave_up=gave_up)
        self.resources.observers.finished(run.job_id, run.provider, result, error)
        logger.debug("job %s ended %s after %.3f s", run.job_id, phase, total)

    # -- starting runs -----------------------------------------------------------------------

    async def start(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None,
        mode: Mode | str | None,
        timeout: float | None,
        use_cache: bool,
        on_progress: ProgressCallback | None,
        caller_loop: asyncio.AbstractEventLoop | None,
        auto_cancel: bool,
        seed: int | None,
        max_cost: float | None = None,
    ) -> Run:
        """Validate ``request`` and start its run, or join the identical one in flight, or
        answer from the cache (see :meth:`Engine.agenerate` for the arguments). A new run is
        priced and refused (:class:`BudgetExceeded`) before anything is sent when its
        estimate would exceed a budget; joined and cached runs cost nothing."""
        if self.closing:
            raise RuntimeError("this videogate Engine is closing")
        check_timeout(timeout)
        req = _coerce(request)
        name = provider or self.resources.default_name()
        prov = self.resources.provider(name)
        plugin = self.resources.plugin_of(name, prov)
        chosen = Mode.parse(mode if mode is not None else self.config.mode)
        normalized = normalize(req, prov.capabilities, chosen, provider=plugin, seed=seed)
        key = cache_key(normalized.original, provider=name, model=prov.model, mode=str(chosen))
        listener = None if on_progress is None else listener_in_loop(on_progress, caller_loop)
        ctx = self.context(name, plugin, prov, normalized, chosen, prov.model)
        # Without the cache an identical job in flight is still joined: it is never paid twice.
        joined = join(self, key, listener, auto_cancel)
        if joined is not None:
            return joined
        if use_cache:
            hit = await cache_lookup(self, key, prov)
            if hit is not None:
                return cached_run(self, ctx, hit, listener)
            # The lookup awaited: an identical job may have started meanwhile.
            joined = join(self, key, listener, auto_cancel)
            if joined is not None:
                return joined
        estimate = estimate_for(self.resources, name, plugin, prov, normalized.request)
        await check_budget(self, estimate, max_cost)
        record = JobRecord(
            job_id=new_job_id(),
            provider=name,
            plugin=plugin,
            model=ctx.model,
            mode=str(chosen),
            request=unstructure(normalized.original),
            normalized=unstructure(normalized.request),
            warnings=[unstructure(w) for w in normalized.warnings],
            cache_key=key,
            owner_pid=os.getpid(),
            estimate=estimate.to_dict(),
        )
        run = self.new_run(ctx, record, timeout=timeout, auto_cancel=auto_cancel, listener=listener)
        self.inflight[key] = run
        self.launch(run, remote=False, message="waiting for a provider slot")
        return run

    async def estimate(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None,
        mode: Mode | str | None,
        use_cache: bool,
    ) -> CostEstimate:
        """What ``request`` would cost now: 0 when cached or in flight, else its price."""
        req = _coerce(request)
        name = provider or self.resources.default_name()
        prov = self.resources.provider(name)
        plugin = self.resources.plugin_of(name, prov)
        chosen = Mode.parse(mode if mode is not None else self.config.mode)
        normalized = normalize(req, prov.capabilities, chosen, provider=plugin)
        estimate = estimate_for(self.resources, name, plugin, prov, normalized.request)
        if use_cache:
            key = cache_key(normalized.original, provider=name, model=prov.model, mode=str(chosen))
            running = self.inflight.get(key)
            if (running is not None and not running.done) or await cache_lookup(self, key, prov):
                return estimate.free()
        return estimate

    def new_run(
        self,
        ctx: RunContext,
        record: JobRecord,
        *,
        timeout: float | None,
        auto_cancel: bool,
        listener: ProgressCallback | None,
    ) -> Run:
        """A known run of ``record`` (not started yet)."""
        run = Run(
            job_id=record.job_id,
            provider=ctx.name,
            record=record,
            future=asyncio.get_running_loop().create_future(),
            started=self.clock(),
            timeout=timeout if timeout is not None else self.config.timeout,
            auto_cancel=auto_cancel,
            context=ctx,
        )
        if listener is not None:
            run.subscribe(listener)
        self.runs[run.job_id] = run
        return run

    def launch(self, run: Run, *, remote: bool, message: str) -> None:
        """Announce ``run`` as queued and run it as a task of the engine loop."""
        self.emit(run, JobPhase.QUEUED, remote=remote, message=message)
        run.task = asyncio.get_running_loop().create_task(execute(self, run))
        run.task.add_done_callback(functools.partial(ensure_ended, self, run))

    # -- waiting and cancelling ----------------------------------------------------------------

    async def wait(self, run: Run) -> VideoResult:
        """The result of ``run``; cancelling the last waiter of an auto-cancel run cancels it."""
        run.waiters += 1
        try:
            return await asyncio.shield(run.future)
        except asyncio.CancelledError:
            if not run.done and run.waiters == 1 and run.auto_cancel:
                self._request_cancel(run)
            raise
        finally:
            run.waiters -= 1

    def _request_cancel(self, run: Run) -> None:
        if run.done or run.task is None:
            return
        run.cancel_requested = True
        run.task.cancel()

    async def cancel(self, run: Run) -> CancelOutcome:
        """Cancel ``run`` and wait for it to end; returns what the provider did."""
        if run.done:
            return run.cancel_outcome or CancelOutcome.TOO_LATE
        self._request_cancel(run)
        with contextlib.suppress(BaseException):
            await asyncio.shield(run.future)
        return run.cancel_outcome or CancelOutcome.UNKNOWN

    # -- shutdown --------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Interrupt every unfinished run (they stay journaled) and stop the scheduler."""
        self.closing = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        pending = [r.task for r in self.runs.values() if r.task is not None and not r.done]
        pending.extend(self.background)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self.scheduler.close()

    def close_pools(self) -> None:
        """Stop the worker pools (the database one after its last write)."""
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.finalizers.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=True)


def _default_limits(
    resources: Resources,
    limits_of: Callable[[str], ServiceLimits],
    clock: Callable[[], float],
) -> Limits:
    """Shared limits when the state backend keeps them (PostgreSQL), else in-process ones."""
    from videogate._state.backend import state_kind

    if state_kind(resources.config) == "postgresql":
        from videogate._engine.shared_limits import SharedLimits

        store = resources.state.limit_store()
        if store is not None:
            return SharedLimits(store, limits_of)
    return LocalLimits(limits_of, clock=clock)


def _scaled_limits(
    limits_of: Callable[[str], ServiceLimits], scale: float, name: str
) -> ServiceLimits:
    """The declared limits of ``name``, with rates on a clock ``1/scale`` times faster."""
    limits = limits_of(name)
    if scale == 1.0:
        return limits
    return attrs.evolve(
        limits,
        submits_per_second=None
        if limits.submits_per_second is None
        else limits.submits_per_second / scale,
        queries_per_second=None
        if limits.queries_per_second is None
        else limits.queries_per_second / scale,
    )


def check_timeout(timeout: float | None) -> None:
    """A deadline must be a finite number of seconds > 0.

    :raises InvalidRequest: zero, negative, NaN or infinite.
    """
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise InvalidRequest("timeout: must be a number of seconds", field="timeout")
    if not math.isfinite(timeout) or timeout <= 0:
        raise InvalidRequest(
            f"timeout: must be a finite number of seconds > 0, got {timeout!r}", field="timeout"
        )


def _coerce(request: VideoRequest | Mapping[str, Any]) -> VideoRequest:
    if isinstance(request, VideoRequest):
        return request
    if isinstance(request, Mapping):
        return structure(dict(request), VideoRequest)
    raise InvalidRequest(f"expected a VideoRequest or a mapping, got {type(request).__name__}")


def _task_id(run: Run) -> str | None:
    return None if run.ref is None else run.ref.task_id
