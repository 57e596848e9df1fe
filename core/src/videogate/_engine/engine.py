"""The engine: validate, look up the cache, submit once, poll, store, probe, report.

Every job runs on the engine's own event loop (:class:`~videogate._engine.loopthread.LoopThread`),
so the sync face (:meth:`Engine.generate`) and the async face (:meth:`Engine.agenerate`,
:class:`~videogate.Job`) share one poll scheduler, one set of provider limits and one
worker pool for adapter calls, whoever calls from wherever.

Order of a job, and why:

1. structure and normalize the request (no I/O: invalid requests never reach a provider);
2. cache lookup and single flight: an identical request in flight is joined, not repeated
   (:mod:`videogate._engine.flight`);
3. wait locally for a provider slot (FIFO), then ``prepare`` and ``submit``;
4. journal the task id durably before anything else can fail (:mod:`videogate._engine.submitting`);
5. poll on the shared scheduler until the task ends (:mod:`videogate._engine.polling`);
6. download, store and probe (:func:`videogate._artifacts.finalize.finalize`, on a worker thread);
7. build the result from the probe, put it in the cache, mark the journal row done
   (:mod:`videogate._engine.collect`, :mod:`videogate._engine.delivery`).

This module holds the public faces; :mod:`videogate._engine.runner` runs the jobs,
:mod:`videogate._engine.adoption` resumes journaled ones.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any, TypeVar

from videogate._contract.normalize import Mode
from videogate._contract.pricing import CostEstimate
from videogate._contract.provider import CancelOutcome, Provider
from videogate._contract.request import VideoRequest
from videogate._contract.result import VideoResult
from videogate._engine.adoption import adopt, adopt_journaled
from videogate._engine.handle import Job
from videogate._engine.limits import Limits
from videogate._engine.loopthread import LoopThread
from videogate._engine.pacing import PollPolicy
from videogate._engine.resources import DEFAULT, Resources
from videogate._engine.run import Run
from videogate._engine.runner import ProgressCallback, Runner
from videogate._plugins.config import Config, load_config
from videogate._plugins.registry import Registry
from videogate._state.journal import JobRecord, Journal

if TYPE_CHECKING:
    from videogate._engine.batch import BatchOutcome

__all__ = ["Engine", "Job"]

T = TypeVar("T")


class Engine:
    """Runs ``video.generate`` jobs.

    Everything is injectable for tests and embedding; the defaults come from ``config``.

    :param config: configuration (default: :func:`load_config`).
    :param registry: installed providers (default: entry points).
    :param journal: where jobs are recorded (default: SQLite at ``config.state_path``).
    :param cache: the result cache; ``None`` disables it (default: ``open_cache(config)``).
    :param storage: a :class:`~videogate.Storage` for every namespace, or a factory
        ``storage(namespace)`` (default: ``open_storage(config, namespace)``, where storage
        backends registered by plugins apply).
    :param providers: ready provider instances by configured name (skip the factories).
    :param limits: the per-provider slots and pacers (default: in-process, from capabilities).
    :param poll_policy: poll pacing constants (default from ``config``).
    :param latency: the store of learned task times (default: a table of the state
        database at ``config.state_path``); ``None`` learns in memory only.
    :param clock: monotonic seconds, for elapsed times and learned latencies.
    :param cleanup_grace: seconds a job stopped by its deadline (or a cancel) is given to
        see an in-flight submit through and cancel its task at the provider before it ends
        anyway, with cancel outcome ``unknown`` (the cleanup goes on in the background).
    :param claim_lease: seconds a claim on a cache key lasts unless renewed (the engine
        renews its claims every third of it); another process adopts a job whose owner's
        lease expired (at once when the owner is a dead process of this machine). Default
        ``config.state.lease`` (``[state] lease``), the lease of shared slots too.
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        registry: Registry | None = None,
        journal: Journal | None = None,
        cache: Any = DEFAULT,
        storage: Any = None,
        providers: Mapping[str, Provider] | None = None,
        limits: Limits | None = None,
        poll_policy: PollPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        cleanup_grace: float = 5.0,
        latency: Any = DEFAULT,
        claim_lease: float | None = None,
    ) -> None:
        self.config = config if config is not None else load_config()
        self._resources = Resources(
            self.config,
            registry=registry,
            journal=journal,
            cache=cache,
            storage=storage,
            providers=providers,
            latency=latency,
        )
        self._runner = Runner(
            self._resources,
            limits=limits,
            poll_policy=poll_policy,
            clock=clock,
            cleanup_grace=cleanup_grace,
            claim_lease=claim_lease,
        )
        self.scheduler = self._runner.scheduler
        self.counters = self._runner.counters
        self._lock = threading.Lock()
        self._thread: LoopThread | None = None
        self._closed = False
        self._host = _Host(self)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _loop_thread(self) -> LoopThread:
        with self._lock:
            if self._closed:
                raise RuntimeError("this videogate Engine is closed")
            if self._thread is None:
                self._thread = LoopThread()
            return self._thread

    # -- resources -------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """The provider registry (loaded on first use)."""
        return self._resources.registry

    @property
    def journal(self) -> Journal:
        """The job journal (opened on first use)."""
        return self._resources.journal

    @property
    def cache(self) -> Any:
        """The result cache, or ``None`` when disabled."""
        return self._resources.cache

    def storage(self, namespace: str) -> Any:
        """The storage of a namespace (opened on first use)."""
        return self._resources.storage(namespace)

    def provider(self, name: str | None = None) -> Provider:
        """The provider configured as ``name`` (default provider if ``None``), created once.

        :raises UnknownProvider: no such provider is installed.
        :raises ConfigError: its options are wrong (the message names them).
        """
        return self._resources.provider(name)

    # -- starting jobs -----------------------------------------------------------------------

    async def asubmit(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        timeout: float | None = None,
        use_cache: bool = True,
        on_progress: ProgressCallback | None = None,
        seed: int | None = None,
        max_cost: float | None = None,
    ) -> Job:
        """Start a job and return its handle at once (see :meth:`agenerate` for arguments).

        The job keeps running until it ends or :meth:`Job.cancel` is called.
        """
        thread = self._loop_thread()
        loop = asyncio.get_running_loop()
        run = await thread.run_async(
            self._runner.start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None if thread.in_loop() else loop,
                auto_cancel=False,
                seed=seed,
                max_cost=max_cost,
            )
        )
        return Job(self._host, run)

    def submit(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        timeout: float | None = None,
        use_cache: bool = True,
        on_progress: ProgressCallback | None = None,
        seed: int | None = None,
        max_cost: float | None = None,
    ) -> Job:
        """Blocking :meth:`asubmit`; ``on_progress`` is called on the engine's thread."""
        run = self._loop_thread().run(
            self._runner.start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None,
                auto_cancel=False,
                seed=seed,
                max_cost=max_cost,
            )
        )
        return Job(self._host, run)

    async def agenerate(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        timeout: float | None = None,
        use_cache: bool = True,
        on_progress: ProgressCallback | None = None,
        seed: int | None = None,
        max_cost: float | None = None,
    ) -> VideoResult:
        """Generate one video.

        :param request: a :class:`VideoRequest` or a mapping structured into one.
        :param provider: configured provider name (default ``config.default_provider``).
        :param mode: ``strict``, ``adjust`` or ``conform`` (default ``config.mode``).
        :param timeout: overall deadline in seconds (default ``config.timeout``); on expiry
            the task is cancelled if possible and :class:`Timeout` is raised.
        :param use_cache: look up the cache and join identical jobs in flight.
        :param on_progress: called with each :class:`ProgressEvent` (in the caller's loop).
        :param seed: the seed to send when the request has none (default: a random one).
        :param max_cost: the most this job may cost, in the budget's currency (default
            ``[budget] per_run``); checked with the daily caps before anything is sent.
        :raises InvalidRequest, UnsupportedParameter: before any network call.
        :raises BudgetExceeded: the estimate would exceed a budget; nothing was sent.
        :raises VideogateError: the provider's refusal or failure, :class:`Timeout`, or
            :class:`Cancelled` when the caller's task is cancelled.
        """
        thread = self._loop_thread()
        caller_loop = None if thread.in_loop() else asyncio.get_running_loop()
        runner = self._runner

        async def generate() -> VideoResult:
            run = await runner.start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=caller_loop,
                auto_cancel=True,
                seed=seed,
                max_cost=max_cost,
            )
            return await runner.wait(run)

        return await thread.run_async(generate())

    def generate(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        timeout: float | None = None,
        use_cache: bool = True,
        on_progress: ProgressCallback | None = None,
        seed: int | None = None,
        max_cost: float | None = None,
    ) -> VideoResult:
        """Blocking :meth:`agenerate`; works from any thread, even inside a running event
        loop. ``on_progress`` is called on the engine's thread. On ``KeyboardInterrupt`` the
        job is cancelled (the outcome is awaited) before the interrupt propagates."""
        thread = self._loop_thread()
        run = thread.run(
            self._runner.start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None,
                auto_cancel=True,
                seed=seed,
                max_cost=max_cost,
            )
        )
        try:
            return thread.run(self._runner.wait(run))
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                thread.run(self._runner.cancel(run), timeout=60)
            raise

    # -- many requests -----------------------------------------------------------------------

    def map(
        self,
        items: Iterable[Any],
        *,
        window: int = 64,
        timeout: float | None = None,
        on_progress: Callable[[Any, Any], None] | None = None,
    ) -> Iterator[BatchOutcome]:
        """Generate every request of ``items`` (requests, mappings with optional ``id``,
        ``provider``, ``mode``, or :class:`BatchItem`), at most ``window`` in flight, and
        yield a :class:`BatchOutcome` (result or typed error) for each as it finishes.
        ``items`` is read lazily, so any number of requests uses bounded memory."""
        from videogate._engine.batch import map_requests

        return map_requests(self, items, window=window, timeout=timeout, on_progress=on_progress)

    def amap(
        self,
        items: Iterable[Any] | AsyncIterable[Any],
        *,
        window: int = 64,
        timeout: float | None = None,
        on_progress: Callable[[Any, Any], None] | None = None,
    ) -> AsyncIterator[BatchOutcome]:
        """Async :meth:`map` (``async for outcome in engine.amap(items)``); ``items`` may be
        an async iterable."""
        from videogate._engine.batch import amap_requests

        return amap_requests(self, items, window=window, timeout=timeout, on_progress=on_progress)

    def submit_coroutine(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the engine's loop; its future (cancelling it cancels ``coro``)."""
        return self._loop_thread().submit(coro)

    # -- cost ------------------------------------------------------------------------------

    async def aestimate(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        use_cache: bool = True,
    ) -> CostEstimate:
        """What generating ``request`` would cost, with its basis; 0 when the cache already
        holds it or the identical job is in flight (``use_cache=False`` prices a new task).

        :raises InvalidRequest, UnsupportedParameter: as :meth:`agenerate` would.
        """
        runner = self._runner
        return await self._loop_thread().run_async(
            runner.estimate(request, provider=provider, mode=mode, use_cache=use_cache)
        )

    def estimate(
        self,
        request: VideoRequest | Mapping[str, Any],
        *,
        provider: str | None = None,
        mode: Mode | str | None = None,
        use_cache: bool = True,
    ) -> CostEstimate:
        """Blocking :meth:`aestimate`."""
        return self._loop_thread().run(
            self._runner.estimate(request, provider=provider, mode=mode, use_cache=use_cache)
        )

    # -- journaled jobs ----------------------------------------------------------------------

    def adopt(self, record: JobRecord) -> Job:
        """A :class:`Job` for a journaled (or serialized) record, resumed by polling.

        Finished records give a finished job; ``submitted`` ones are polled (never
        resubmitted).
        """
        return Job(self._host, self._loop_thread().run(adopt(self._runner, record)))

    async def aresume(self, job_id: str, *, timeout: float | None = None) -> VideoResult:
        """Finish a journaled job by polling its task id (never submitting again).

        :raises InvalidRequest: no such job.
        :raises TaskExpired: the provider no longer knows the task.
        """
        runner = self._runner

        async def resume() -> VideoResult:
            return await runner.wait(await adopt_journaled(runner, job_id, timeout))

        return await self._loop_thread().run_async(resume())

    def resume(self, job_id: str, *, timeout: float | None = None) -> VideoResult:
        """Blocking :meth:`aresume`."""
        return self._loop_thread().run(self.aresume(job_id, timeout=timeout))

    def resume_job(
        self, job_id: str, *, timeout: float | None = None, task_id: str | None = None
    ) -> Job:
        """A :class:`Job` resuming the journaled job ``job_id`` (for progress and cancel).

        :param task_id: for a job whose submit answer was lost (``task_unknown``): the
            provider task to adopt as its task (one of the candidates ``resume`` listed).
        :raises InvalidRequest: no such job, or ``task_id`` for a job that has a task.
        """
        run = self._loop_thread().run(
            adopt_journaled(self._runner, job_id, timeout, task_id=task_id)
        )
        return Job(self._host, run)

    def jobs(self, *, unfinished: bool = False, limit: int | None = None) -> list[JobRecord]:
        """Journaled jobs, newest first."""
        return self.journal.list(unfinished=unfinished, limit=limit)

    # -- shutdown --------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the engine: unfinished jobs stay journaled (resumable), providers, journal
        and cache are closed. Idempotent."""
        with self._lock:
            if self._closed:
                return
            thread = self._thread
        if thread is not None and thread.alive:
            if thread.in_loop():
                raise RuntimeError("Engine.close() called from the engine's own loop")
            with contextlib.suppress(Exception):
                thread.run(self._runner.shutdown(), timeout=30)
            thread.stop()
        with self._lock:
            self._closed = True
        self._runner.close_pools()
        self._resources.close()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the caller's loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)


class _Host:
    """The engine as a :class:`JobHost`: a job's waits and cancels hop onto its loop."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def wait_run(self, run: Run) -> Awaitable[VideoResult]:
        return self._engine._loop_thread().run_async(self._engine._runner.wait(run))

    def wait_run_future(self, run: Run) -> concurrent.futures.Future[VideoResult]:
        return self._engine._loop_thread().submit(self._engine._runner.wait(run))

    def cancel_run(self, run: Run) -> Awaitable[CancelOutcome]:
        return self._engine._loop_thread().run_async(self._engine._runner.cancel(run))

    def cancel_run_blocking(self, run: Run) -> CancelOutcome:
        return self._engine._loop_thread().run(self._engine._runner.cancel(run))

    def adopt(self, record: JobRecord) -> Job:
        return self._engine.adopt(record)
