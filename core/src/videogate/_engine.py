"""The engine: validate, look up the cache, submit once, poll, store, probe, report.

Every job runs on the engine's own event loop (:class:`~videogate._loopthread.LoopThread`),
so the sync face (:meth:`Engine.generate`) and the async face (:meth:`Engine.agenerate`,
:class:`~videogate.Job`) share one poll scheduler, one set of provider limits and one
worker pool for adapter calls, whoever calls from wherever.

Order of a job, and why:

1. structure and normalize the request (no I/O: invalid requests never reach a provider);
2. cache lookup and single flight: an identical request in flight is joined, not repeated;
3. wait locally for a provider slot (FIFO), then ``prepare`` and ``submit``;
4. journal the task id durably before anything else can fail;
5. poll on the shared scheduler until the task ends;
6. download, store and probe (:func:`videogate._artifacts.finalize`, on a worker thread);
7. build the result from the probe, put it in the cache, mark the journal row done.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import inspect
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs

from videogate._cachekey import cache_key
from videogate._capabilities import ServiceLimits
from videogate._config import Config, load_config
from videogate._convert import structure, unstructure
from videogate._errors import (
    Cancelled,
    ConfigError,
    InvalidRequest,
    MalformedResponse,
    RateLimited,
    StorageError,
    TaskExpired,
    TaskFailed,
    Timeout,
    VideogateError,
)
from videogate._events import JobPhase, ProgressEvent
from videogate._ids import new_job_id
from videogate._job import Job, Run, cancelled_message, listener_in_loop
from videogate._journal import JobRecord, JobState, Journal, SqliteJournal
from videogate._limits import Limits, LocalLimits
from videogate._loopthread import LoopThread
from videogate._normalize import Mode, Normalized, normalize
from videogate._observers import Observers
from videogate._pacing import PollPolicy
from videogate._plugins import Registry, load_registry
from videogate._provider import CancelOutcome, Provider, TaskOutput, TaskRef, TaskState, TaskStatus
from videogate._request import VideoRequest
from videogate._result import ResultWarning, VideoResult
from videogate._retry import (
    is_safe_to_retry,
    provably_not_created,
    retry_call,
    submit_retry_predicate,
)
from videogate._scheduler import PollScheduler

__all__ = ["Engine", "Job", "agenerate", "default_engine", "generate"]

logger = logging.getLogger("videogate.engine")

T = TypeVar("T")
ProgressCallback = Callable[[ProgressEvent], None]


class _Default:
    """Marks "open the configured default" for constructor arguments."""


DEFAULT: Any = _Default()


@attrs.frozen
class _Context:
    """What a run needs to talk to its provider."""

    name: str
    plugin: str
    provider: Provider
    normalized: Normalized
    mode: Mode
    stats_key: tuple[str, str, float]


class Engine:
    """Runs ``video.generate`` jobs.

    Everything is injectable for tests and embedding; the defaults come from ``config``.

    :param config: configuration (default: :func:`load_config`).
    :param registry: installed providers (default: entry points).
    :param journal: where jobs are recorded (default: SQLite at ``config.state_path``).
    :param cache: the result cache; ``None`` disables it (default: ``open_cache(config)``).
    :param storage: a :class:`~videogate.Storage` for every namespace, or a factory
        ``storage(namespace)`` (default: ``open_storage(config, namespace)``).
    :param providers: ready provider instances by configured name (skip the factories).
    :param limits: the per-provider slots and pacers (default: in-process, from capabilities).
    :param poll_policy: poll pacing constants (default from ``config`` intervals).
    :param clock: monotonic seconds, for elapsed times and learned latencies.
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
    ) -> None:
        self.config = config if config is not None else load_config()
        self._registry = registry
        self._journal = journal
        self._cache = cache
        self._storage = storage
        self._storages: dict[str, Any] = {}
        self._providers: dict[str, Provider] = dict(providers or {})
        self._owned_providers: set[str] = set()
        self._clock = clock
        self._limits: Limits = limits or LocalLimits(self._limits_of, clock=clock)
        self.scheduler = PollScheduler(
            poll_policy
            or PollPolicy(
                min_interval=self.config.poll_interval_min,
                max_interval=self.config.poll_interval_max,
            )
        )
        self._lock = threading.RLock()
        self._thread: LoopThread | None = None
        self._workers = ThreadPoolExecutor(
            max(1, self.config.workers), thread_name_prefix="videogate-worker"
        )
        self._finalizers = ThreadPoolExecutor(
            max(1, min(4, self.config.workers)), thread_name_prefix="videogate-finalize"
        )
        self._db = ThreadPoolExecutor(1, thread_name_prefix="videogate-db")
        self._runs: dict[str, Run] = {}
        self._inflight: dict[str, Run] = {}
        self._closing = False
        self._closed = False
        self.counters: dict[str, int] = {"submits": 0, "polls": 0, "cancels": 0, "cache_hits": 0}

    # -- plumbing ------------------------------------------------------------------------

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

    @property
    def registry(self) -> Registry:
        """The provider registry (loaded on first use)."""
        with self._lock:
            if self._registry is None:
                self._registry = load_registry()
            return self._registry

    @property
    def journal(self) -> Journal:
        """The job journal (opened on first use)."""
        with self._lock:
            if self._journal is None:
                self._journal = SqliteJournal(self.config.state_path)
            return self._journal

    @property
    def cache(self) -> Any:
        """The result cache, or ``None`` when disabled."""
        with self._lock:
            if isinstance(self._cache, _Default):
                if not self.config.cache.enabled:
                    self._cache = None
                else:
                    from videogate._cache import open_cache

                    self._cache = open_cache(self.config, self.registry.manager)
            return self._cache

    def storage(self, namespace: str) -> Any:
        """The storage of a namespace (opened on first use)."""
        with self._lock:
            if namespace not in self._storages:
                if self._storage is None:
                    from videogate._storage import open_storage

                    self._storages[namespace] = open_storage(self.config, namespace)
                elif callable(self._storage) and not hasattr(self._storage, "put_file"):
                    self._storages[namespace] = self._storage(namespace)
                else:
                    self._storages[namespace] = self._storage
            return self._storages[namespace]

    def provider(self, name: str | None = None) -> Provider:
        """The provider configured as ``name`` (default provider if ``None``), created once.

        :raises UnknownProvider: no such provider is installed.
        :raises ConfigError: its options are wrong (the message names them).
        """
        name = name or self.config.default_provider
        with self._lock:
            found = self._providers.get(name)
            if found is not None:
                return found
            entry = self.config.provider_entry(name)
            spec = self.registry.get(entry.plugin)
            try:
                created = spec.load_factory()(**entry.options)
            except VideogateError:
                raise
            except Exception as exc:
                raise ConfigError(
                    f"provider {name!r} (plugin {entry.plugin!r}) could not be created: "
                    f"{type(exc).__name__}: {exc}",
                    provider=name,
                    path=self.config.source,
                ) from None
            if not isinstance(created, Provider):
                raise ConfigError(
                    f"plugin {entry.plugin!r} produced {type(created).__name__}, not a Provider"
                )
            self._providers[name] = created
            self._owned_providers.add(name)
            return created

    def _limits_of(self, name: str) -> ServiceLimits:
        return self.provider(name).capabilities.limits

    def _plugin_of(self, name: str, provider: Provider) -> str:
        plugin = getattr(type(provider), "name", None)
        return plugin if isinstance(plugin, str) else self.config.provider_entry(name).plugin

    @property
    def _observers(self) -> Observers:
        registry = self._registry
        if registry is None:
            try:
                registry = self.registry
            except Exception:  # pragma: no cover - a broken environment must not break jobs
                return Observers(None)
        return Observers(registry.manager)

    async def _in_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(fn, *args, **kwargs))

    async def _journal_update(self, run: Run, **changes: Any) -> None:
        """Update the journal row; a failing journal is logged, never fatal to the job."""
        try:
            run.record = await self._in_db(self.journal.update, run.job_id, **changes)
        except (StorageError, KeyError) as exc:
            logger.error("job %s: journal update failed: %s", run.job_id, exc)
            run.record = attrs.evolve(run.record, **changes)

    async def _call(self, ctx: _Context, method: str, *args: Any) -> Any:
        """One adapter call: its async variant if defined, else on the worker pool. Anything
        that is not a VideogateError goes through ``map_error``."""
        provider = ctx.provider
        try:
            variant = getattr(provider, "a" + method, None)
            if variant is not None and inspect.iscoroutinefunction(variant):
                return await variant(*args)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._workers, functools.partial(getattr(provider, method), *args)
            )
        except VideogateError as err:
            if err.provider is None:
                err.provider = ctx.name
            raise
        except Exception as exc:
            raise self._map_error(ctx, exc) from exc

    @staticmethod
    def _map_error(ctx: _Context, exc: BaseException) -> VideogateError:
        try:
            err = ctx.provider.map_error(exc)
        except Exception:
            err = None
        if not isinstance(err, VideogateError):
            err = VideogateError(
                f"{ctx.name}: unexpected {type(exc).__name__}: {exc}", provider=ctx.name
            )
        if err.provider is None:
            err.provider = ctx.name
        return err

    # -- events ----------------------------------------------------------------------------

    def _emit(
        self,
        run: Run,
        phase: JobPhase,
        *,
        progress: float | None = None,
        eta: float | None = None,
        remote: bool = False,
        message: str | None = None,
    ) -> None:
        event = ProgressEvent(
            job_id=run.job_id,
            provider=run.provider,
            phase=phase,
            progress=progress,
            elapsed=max(0.0, self._clock() - run.started),
            eta=eta,
            remote=remote,
            task_id=None if run.ref is None else run.ref.task_id,
            message=message,
        )
        run.publish(event)
        self._observers.progress(event)

    def _finish(
        self,
        run: Run,
        result: VideoResult | None,
        error: VideogateError | None,
        phase: JobPhase,
    ) -> None:
        if run.future.done():
            return
        total = self._clock() - run.started
        self._emit(
            run,
            phase,
            progress=1.0 if phase is JobPhase.DONE else None,
            eta=0.0,
            message=None if error is None else str(error),
        )
        if error is not None:
            run.future.set_exception(error)
            # Nobody may be waiting (a fire-and-forget submit): mark it retrieved.
            run.future.exception()
        else:
            assert result is not None
            run.future.set_result(result)
        key = run.record.cache_key
        if key is not None and self._inflight.get(key) is run:
            del self._inflight[key]
        self._observers.finished(run.job_id, run.provider, result, error)
        logger.debug("job %s ended %s after %.3f s", run.job_id, phase, total)

    # -- starting jobs -----------------------------------------------------------------------

    @staticmethod
    def _coerce(request: VideoRequest | Mapping[str, Any]) -> VideoRequest:
        if isinstance(request, VideoRequest):
            return request
        if isinstance(request, Mapping):
            return structure(dict(request), VideoRequest)
        raise InvalidRequest(f"expected a VideoRequest or a mapping, got {type(request).__name__}")

    async def _start(
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
        seed: int | None = None,
    ) -> Run:
        if self._closing:
            raise RuntimeError("this videogate Engine is closing")
        req = self._coerce(request)
        name = provider or self.config.default_provider
        prov = self.provider(name)
        plugin = self._plugin_of(name, prov)
        chosen = Mode.parse(mode if mode is not None else self.config.mode)
        normalized = normalize(req, prov.capabilities, chosen, provider=plugin, seed=seed)
        key = cache_key(normalized.original, provider=name, model=prov.model, mode=str(chosen))
        listener = None if on_progress is None else listener_in_loop(on_progress, caller_loop)
        if use_cache:
            joined = self._join(key, listener, auto_cancel)
            if joined is not None:
                return joined
            hit = await self._cache_lookup(key, prov)
            if hit is not None:
                return self._cached_run(name, plugin, prov, chosen, hit, listener)
            # The lookup awaited: an identical job may have started meanwhile.
            joined = self._join(key, listener, auto_cancel)
            if joined is not None:
                return joined
        ctx = _Context(
            name=name,
            plugin=plugin,
            provider=prov,
            normalized=normalized,
            mode=chosen,
            stats_key=(name, prov.model, round(normalized.request.duration, 1)),
        )
        run = self._new_run(
            ctx, key=key, timeout=timeout, auto_cancel=auto_cancel, listener=listener
        )
        if use_cache:
            self._inflight[key] = run
        self._emit(run, JobPhase.QUEUED, remote=False, message="waiting for a provider slot")
        run.task = asyncio.get_running_loop().create_task(self._execute(run))
        return run

    def _join(self, key: str, listener: ProgressCallback | None, auto_cancel: bool) -> Run | None:
        """The identical job in flight, if any, with this caller attached to it."""
        joined = self._inflight.get(key)
        if joined is None or joined.done:
            return None
        if listener is not None:
            joined.subscribe(listener)
        if not auto_cancel:
            joined.auto_cancel = False
        return joined

    def _new_run(
        self,
        ctx: _Context,
        *,
        key: str | None,
        timeout: float | None,
        auto_cancel: bool,
        listener: ProgressCallback | None,
        record: JobRecord | None = None,
    ) -> Run:
        if record is None:
            record = JobRecord(
                job_id=new_job_id(),
                provider=ctx.name,
                plugin=ctx.plugin,
                model=ctx.provider.model,
                mode=str(ctx.mode),
                request=unstructure(ctx.normalized.original),
                normalized=unstructure(ctx.normalized.request),
                warnings=[unstructure(w) for w in ctx.normalized.warnings],
                cache_key=key,
                owner_pid=os.getpid(),
            )
        run = Run(
            job_id=record.job_id,
            provider=ctx.name,
            record=record,
            future=asyncio.get_running_loop().create_future(),
            started=self._clock(),
            timeout=timeout if timeout is not None else self.config.timeout,
            auto_cancel=auto_cancel,
            context=ctx,
        )
        if listener is not None:
            run.subscribe(listener)
        self._runs[run.job_id] = run
        return run

    async def _cache_lookup(self, key: str, provider: Provider) -> VideoResult | None:
        cache = self.cache
        if cache is None:
            return None
        try:
            entry = await self._in_db(cache.get, key)
            if entry is None:
                return None
            storage = self.storage(provider.namespace)
            loop = asyncio.get_running_loop()
            exists = await loop.run_in_executor(self._workers, storage.exists, entry.object_key)
        except VideogateError as exc:
            logger.warning("cache lookup failed, treated as a miss: %s", exc)
            return None
        if not exists:
            return None
        self.counters["cache_hits"] += 1
        result: VideoResult = attrs.evolve(entry.result, cached=True)
        return result

    def _cached_run(
        self,
        name: str,
        plugin: str,
        provider: Provider,
        mode: Mode,
        result: VideoResult,
        listener: ProgressCallback | None,
    ) -> Run:
        record = JobRecord(
            job_id=new_job_id(),
            provider=name,
            plugin=plugin,
            model=provider.model,
            mode=str(mode),
            state=JobState.SUCCEEDED,
            result=unstructure(result),
        )
        run = Run(
            job_id=record.job_id,
            provider=name,
            record=record,
            future=asyncio.get_running_loop().create_future(),
            started=self._clock(),
        )
        if listener is not None:
            run.subscribe(listener)
        self._finish(run, result, None, JobPhase.DONE)
        return run

    # -- the job -------------------------------------------------------------------------------

    async def _execute(self, run: Run) -> None:
        ctx: _Context = run.context
        deadline = asyncio.timeout(run.timeout)
        try:
            async with deadline:
                result = await self._lifecycle(run)
        except TimeoutError:
            if not deadline.expired():
                err = VideogateError(f"{ctx.name}: unexpected timeout", provider=ctx.name)
                await self._fail(run, err)
                return
            outcome = run.cancel_outcome or CancelOutcome.CANCELLED
            text = f"job {run.job_id} did not finish within {run.timeout:g} s; cancel: {outcome}"
            if outcome is not CancelOutcome.CANCELLED and run.ref is not None:
                text += f"; it stays resumable: videogate resume {run.job_id}"
            err = Timeout(text, provider=ctx.name, task_id=self._task_id(run))
            await self._fail(run, err)
        except asyncio.CancelledError:
            outcome = run.cancel_outcome or CancelOutcome.CANCELLED
            err = Cancelled(
                cancelled_message(run.job_id, outcome),
                outcome=str(outcome),
                provider=ctx.name,
                task_id=self._task_id(run),
            )
            if self._closing and not run.cancel_requested:
                err = Cancelled(
                    f"job {run.job_id} interrupted by engine shutdown"
                    + (f"; resume it with `videogate resume {run.job_id}`" if run.ref else ""),
                    provider=ctx.name,
                    task_id=self._task_id(run),
                )
            self._finish(run, None, err, JobPhase.CANCELLED)
        except VideogateError as err:
            await self._fail(run, err)
        except Exception as exc:
            logger.exception("job %s: internal error", run.job_id)
            await self._fail(
                run,
                VideogateError(f"internal error: {type(exc).__name__}: {exc}", provider=ctx.name),
            )
        else:
            self._finish(run, result, None, JobPhase.DONE)

    @staticmethod
    def _task_id(run: Run) -> str | None:
        return None if run.ref is None else run.ref.task_id

    async def _fail(self, run: Run, err: VideogateError) -> None:
        if err.task_id is None and run.ref is not None:
            err.task_id = run.ref.task_id
        if run.record.state in (JobState.SUBMITTED, JobState.SUBMITTING):
            await self._journal_update(run, error=err.to_dict())
        phase = JobPhase.CANCELLED if isinstance(err, Cancelled) else JobPhase.FAILED
        self._finish(run, None, err, phase)

    async def _lifecycle(self, run: Run) -> VideoResult:
        ctx: _Context = run.context
        try:
            native: Any = None
            if run.ref is None:
                # Pure and local: done before taking a slot, so a freed slot is reused at once.
                native = await self._call(ctx, "prepare", ctx.normalized.request)
            if not run.holding_slot:
                await self._limits.acquire_slot(ctx.name)
                run.holding_slot = True
            if run.ref is None:
                await self._submit(run, native)
            state = await self._poll_until_done(run)
            self._release_slot(run)
            if state.status is TaskStatus.FAILED:
                assert state.error is not None
                err = state.error
                err.provider = err.provider or ctx.name
                await self._journal_update(
                    run, state=JobState.FAILED, error=err.to_dict(), finished_at=time.time()
                )
                raise err
            if state.status is TaskStatus.CANCELLED:
                run.cancel_outcome = CancelOutcome.CANCELLED
                await self._journal_update(run, state=JobState.CANCELLED, finished_at=time.time())
                raise Cancelled(
                    f"job {run.job_id}: the provider reports the task cancelled",
                    outcome=str(CancelOutcome.CANCELLED),
                    provider=ctx.name,
                )
            assert state.output is not None
            return await self._collect(run, state.output)
        except asyncio.CancelledError:
            if not (self._closing and not run.cancel_requested):
                run.cancel_outcome = await self._cancel_remote(run)
            raise
        finally:
            self._release_slot(run)

    def _release_slot(self, run: Run) -> None:
        if run.holding_slot:
            run.holding_slot = False
            self._limits.release_slot(run.provider)

    async def _submit(self, run: Run, native: dict[str, Any]) -> None:
        ctx: _Context = run.context
        await self._in_db(self.journal.add, attrs.evolve(run.record, state=JobState.SUBMITTING))
        run.record = attrs.evolve(run.record, state=JobState.SUBMITTING)
        self._emit(run, JobPhase.QUEUED, remote=False, message="submitting")

        async def attempt() -> None:
            await self._limits.submit_turn(ctx.name)
            await _complete_even_if_cancelled(self._submit_once(run, native))

        def on_retry(exc: BaseException, delay: float) -> None:
            if isinstance(exc, RateLimited) and exc.retry_after:
                self._limits.back_off(ctx.name, exc.retry_after)
            logger.info("job %s: submit refused (%s); retrying in %.2f s", run.job_id, exc, delay)

        try:
            await retry_call(
                attempt,
                config=self.config.retry,
                retry_if=submit_retry_predicate(ctx.provider.capabilities.idempotent_submit),
                on_retry=on_retry,
            )
        except VideogateError as err:
            if provably_not_created(err) or not err.retryable:
                await self._journal_update(
                    run, state=JobState.FAILED, error=err.to_dict(), finished_at=time.time()
                )
            else:
                note = (
                    " (the submit may have reached the provider; it was not repeated, so "
                    "nothing is paid twice; check the provider's task list)"
                )
                err.message += note
                err.args = (err.message,)
                await self._journal_update(run, error=err.to_dict())
            raise
        except asyncio.CancelledError:
            if run.ref is None:
                await self._journal_update(run, state=JobState.CANCELLED, finished_at=time.time())
            raise

    async def _submit_once(self, run: Run, native: dict[str, Any]) -> None:
        ctx: _Context = run.context
        run.submits += 1
        self.counters["submits"] += 1
        ref = await self._call(ctx, "submit", native)
        if not isinstance(ref, TaskRef):
            raise MalformedResponse(
                f"{ctx.name}: submit returned {type(ref).__name__}, not a TaskRef",
                provider=ctx.name,
            )
        run.marks["submitted"] = self._clock()
        await self._journal_update(
            run,
            state=JobState.SUBMITTED,
            task=unstructure_task(ref),
            submitted_at=time.time(),
        )
        # Visible (Job.task_id) once durable.
        run.ref = ref

    async def _poll_once(self, run: Run) -> TaskState:
        ctx: _Context = run.context
        await self._limits.query_turn(ctx.name)
        run.polls += 1
        self.counters["polls"] += 1
        try:
            state = await self._call(ctx, "poll", run.ref)
        except RateLimited as exc:
            self._limits.back_off(ctx.name, exc.retry_after or 1.0)
            raise
        if not isinstance(state, TaskState):
            raise MalformedResponse(
                f"{ctx.name}: poll returned {type(state).__name__}, not a TaskState",
                provider=ctx.name,
            )
        return state

    async def _poll_until_done(self, run: Run) -> TaskState:
        ctx: _Context = run.context
        caps = ctx.provider.capabilities
        if caps.typical_latency and self.scheduler.estimate(ctx.name) is None:
            self.scheduler.model.set_prior(ctx.name, caps.typical_latency)
        submitted = run.marks.setdefault("submitted", self._clock())
        last_quiet = submitted
        polls = 0
        retry_after: float | None = None

        def on_retry(exc: BaseException, delay: float) -> None:
            logger.info("job %s: poll failed (%s); retrying in %.2f s", run.job_id, exc, delay)

        while True:
            delay = self.scheduler.interval(
                ctx.stats_key,
                elapsed=self._clock() - submitted,
                polls=polls,
                retry_after=retry_after,
                prior_key=ctx.name,
            )
            await self.scheduler.sleep(delay)
            try:
                state = await retry_call(
                    lambda: self._poll_once(run),
                    config=self.config.retry,
                    retry_if=is_safe_to_retry,
                    on_retry=on_retry,
                )
            except TaskExpired as err:
                await self._journal_update(
                    run, state=JobState.FAILED, error=err.to_dict(), finished_at=time.time()
                )
                raise
            polls += 1
            now = self._clock()
            if state.status.terminal:
                run.terminal = state
                run.marks["terminal"] = now
                run.marks.setdefault("running", run.marks.get("first_poll", submitted))
                if state.status is TaskStatus.SUCCEEDED and not run.marks.get("resumed"):
                    self.scheduler.model.observe(ctx.stats_key, (last_quiet + now) / 2 - submitted)
                return state
            last_quiet = now
            retry_after = state.retry_after
            estimate = self.scheduler.estimate(ctx.stats_key, ctx.name)
            elapsed = now - submitted
            eta = self.scheduler.policy.eta(elapsed, estimate)
            progress = state.progress
            if progress is None and estimate is not None and estimate.mean > 0:
                progress = min(0.95, elapsed / estimate.mean)
            if state.status is TaskStatus.QUEUED:
                self._emit(run, JobPhase.QUEUED, remote=state.remote_queued, eta=eta)
            else:
                run.marks.setdefault("running", now)
                self._emit(run, JobPhase.RUNNING, progress=progress, eta=eta)

    async def _cancel_remote(self, run: Run) -> CancelOutcome:
        """Ask the provider to stop the task (if any); record what happened."""
        ctx: _Context = run.context
        if run.ref is None:
            return CancelOutcome.CANCELLED
        if run.terminal is not None:
            outcome = CancelOutcome.TOO_LATE
        elif not ctx.provider.capabilities.can_cancel:
            outcome = CancelOutcome.NOT_SUPPORTED
        else:

            async def attempt() -> Any:
                await self._limits.query_turn(ctx.name)
                self.counters["cancels"] += 1
                return await self._call(ctx, "cancel", run.ref)

            try:
                answer = await retry_call(
                    attempt, config=self.config.retry, retry_if=is_safe_to_retry
                )
                outcome = CancelOutcome(answer)
            except (VideogateError, ValueError) as exc:
                logger.warning("job %s: cancel failed: %s", run.job_id, exc)
                outcome = CancelOutcome.UNKNOWN
        if outcome is CancelOutcome.CANCELLED:
            await self._journal_update(
                run,
                state=JobState.CANCELLED,
                cancel_outcome=str(outcome),
                finished_at=time.time(),
            )
        else:
            await self._journal_update(run, cancel_outcome=str(outcome))
        return outcome

    async def _collect(self, run: Run, output: TaskOutput) -> VideoResult:
        from videogate._artifacts import ConformTarget, finalize

        ctx: _Context = run.context
        loop = asyncio.get_running_loop()
        original = ctx.normalized.original
        conform = None
        if ctx.mode is Mode.CONFORM:
            conform = ConformTarget(
                duration=original.duration,
                fps=original.fps,
                size=original.size,
                fit=self.config.storage.fit,
            )

        def on_phase(phase: JobPhase) -> None:
            loop.call_soon_threadsafe(self._artifact_phase, run, phase)

        def work() -> Any:
            storage = self.storage(ctx.provider.namespace)
            return finalize(
                output,
                storage=storage,
                job_id=run.job_id,
                config=self.config.storage,
                conform=conform,
                on_phase=on_phase,
                retry=self.config.retry,
            )

        run.marks["downloading"] = self._clock()
        try:
            artifact = await loop.run_in_executor(self._finalizers, work)
        except VideogateError:
            raise
        except Exception as exc:
            raise StorageError(
                f"storing the video failed: {type(exc).__name__}: {exc}", provider=ctx.name
            ) from exc
        run.marks["end"] = self._clock()
        result = self._result(run, output, artifact)
        cache = self.cache
        if cache is not None and run.record.cache_key is not None:
            try:
                await self._in_db(cache.put, run.record.cache_key, result, artifact.key)
            except VideogateError as exc:
                logger.warning("job %s: cache write failed: %s", run.job_id, exc)
        await self._journal_update(
            run,
            state=JobState.SUCCEEDED,
            result=unstructure(result),
            error=None,
            finished_at=time.time(),
        )
        return result

    def _artifact_phase(self, run: Run, phase: JobPhase) -> None:
        run.marks[str(phase)] = self._clock()
        if not run.done:
            self._emit(run, phase)

    def _result(self, run: Run, output: TaskOutput, artifact: Any) -> VideoResult:
        ctx: _Context = run.context
        probe = artifact.probe
        expected = ctx.normalized.original if ctx.mode is Mode.CONFORM else ctx.normalized.request
        warnings = [*ctx.normalized.warnings, *artifact.warnings]
        warnings.extend(delivery_warnings(expected, probe.duration, probe.fps, probe.size))
        seed = output.seed if output.seed is not None else ctx.normalized.request.seed
        source = output.url if output.url.startswith(("http://", "https://")) else None
        return VideoResult(
            video_url=artifact.url,
            duration=probe.duration,
            fps=probe.fps,
            seed=seed,
            size=probe.size,
            provider=ctx.name,
            model=ctx.provider.model,
            task_id=None if run.ref is None else run.ref.task_id,
            source_url=source,
            source_expires_at=output.expires_at if source else None,
            sha256=artifact.sha256,
            cached=False,
            timings=self._timings(run, artifact),
            warnings=tuple(warnings),
        )

    def _timings(self, run: Run, artifact: Any) -> dict[str, float]:
        m = run.marks
        end = m.get("end", self._clock())
        terminal = m.get("terminal", end)
        running = m.get("running", m.get("submitted", run.started))
        downloading = m.get("downloading", terminal)
        storing = m.get("storing", end)
        timings = {
            "queued": max(0.0, running - run.started),
            "running": max(0.0, terminal - running),
            "downloading": max(0.0, storing - downloading),
            "storing": max(0.0, end - storing),
            "total": max(0.0, end - run.started),
        }
        for key, value in dict(getattr(artifact, "timings", {}) or {}).items():
            timings.setdefault(str(key), float(value))
        return {k: round(v, 6) for k, v in timings.items()}

    # -- waiting and cancelling ----------------------------------------------------------------

    async def _await_run(self, run: Run) -> VideoResult:
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

    async def _cancel_run(self, run: Run) -> CancelOutcome:
        if run.done:
            return run.cancel_outcome or CancelOutcome.TOO_LATE
        self._request_cancel(run)
        with contextlib.suppress(BaseException):
            await asyncio.shield(run.future)
        return run.cancel_outcome or CancelOutcome.UNKNOWN

    def _record_of(self, run: Run) -> JobRecord:
        return run.record

    # -- resume ----------------------------------------------------------------------------------

    def adopt(self, record: JobRecord) -> Job:
        """A :class:`Job` for a journaled (or serialized) record, resumed by polling.

        Finished records give a finished job; ``submitted`` ones are polled (never
        resubmitted).
        """
        return self._loop_thread().run(self._adopt(record))

    async def _adopt(self, record: JobRecord, timeout: float | None = None) -> Job:
        run = self._runs.get(record.job_id)
        if run is not None and not run.done:
            return Job(self, run)
        known = await self._in_db(self.journal.get, record.job_id)
        if known is None:
            await self._in_db(self.journal.add, record)
        else:
            record = known
        return Job(self, await self._resume_run(record, timeout))

    async def _resume_run(self, record: JobRecord, timeout: float | None) -> Run:
        prov = self.provider(record.provider)
        normalized = Normalized(
            structure(record.normalized, VideoRequest),
            structure(record.request, VideoRequest),
            tuple(structure(w, ResultWarning) for w in record.warnings),
        )
        ctx = _Context(
            name=record.provider,
            plugin=record.plugin,
            provider=prov,
            normalized=normalized,
            mode=Mode.parse(record.mode),
            stats_key=(record.provider, record.model, round(normalized.request.duration, 1)),
        )
        run = self._new_run(
            ctx,
            key=record.cache_key,
            timeout=timeout,
            auto_cancel=False,
            listener=None,
            record=record,
        )
        if record.state is JobState.SUCCEEDED and record.result is not None:
            self._finish(run, structure(record.result, VideoResult), None, JobPhase.DONE)
            return run
        if not record.resumable:
            self._finish(run, None, _not_resumable(record), JobPhase.FAILED)
            return run
        assert record.task is not None
        run.ref = TaskRef(
            task_id=str(record.task["task_id"]),
            provider=str(record.task.get("provider", record.plugin)),
            data=dict(record.task.get("data") or {}),
        )
        run.marks["resumed"] = 1.0
        if record.submitted_at:
            run.marks["submitted"] = self._clock() - max(0.0, time.time() - record.submitted_at)
        await self._journal_update(run, owner_pid=os.getpid())
        self._emit(run, JobPhase.QUEUED, remote=True, message="resuming")
        run.task = asyncio.get_running_loop().create_task(self._execute(run))
        return run

    async def aresume(self, job_id: str, *, timeout: float | None = None) -> VideoResult:
        """Finish a journaled job by polling its task id (never submitting again).

        :raises InvalidRequest: no such job.
        :raises TaskExpired: the provider no longer knows the task.
        """

        async def inner() -> VideoResult:
            record = await self._in_db(self.journal.get, job_id)
            if record is None:
                raise InvalidRequest(f"no journaled job {job_id!r}", field="job_id")
            job = await self._adopt(record, timeout)
            return await self._await_run(job._run)

        return await self._loop_thread().run_async(inner())

    def resume(self, job_id: str, *, timeout: float | None = None) -> VideoResult:
        """Blocking :meth:`aresume`."""
        return self._loop_thread().run(self.aresume(job_id, timeout=timeout))

    def resume_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """A :class:`Job` resuming the journaled job ``job_id`` (for progress and cancel)."""

        async def inner() -> Job:
            record = await self._in_db(self.journal.get, job_id)
            if record is None:
                raise InvalidRequest(f"no journaled job {job_id!r}", field="job_id")
            return await self._adopt(record, timeout)

        return self._loop_thread().run(inner())

    def jobs(self, *, unfinished: bool = False, limit: int | None = None) -> list[JobRecord]:
        """Journaled jobs, newest first."""
        return self.journal.list(unfinished=unfinished, limit=limit)

    # -- public faces ------------------------------------------------------------------------

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
    ) -> Job:
        """Start a job and return its handle at once (see :meth:`agenerate` for arguments).

        The job keeps running until it ends or :meth:`Job.cancel` is called.
        """
        loop = asyncio.get_running_loop()
        run = await self._loop_thread().run_async(
            self._start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None if self._loop_thread().in_loop() else loop,
                auto_cancel=False,
                seed=seed,
            )
        )
        return Job(self, run)

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
    ) -> Job:
        """Blocking :meth:`asubmit`; ``on_progress`` is called on the engine's thread."""
        run = self._loop_thread().run(
            self._start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None,
                auto_cancel=False,
                seed=seed,
            )
        )
        return Job(self, run)

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
        :raises InvalidRequest, UnsupportedParameter: before any network call.
        :raises VideogateError: the provider's refusal or failure, :class:`Timeout`, or
            :class:`Cancelled` when the caller's task is cancelled.
        """
        thread = self._loop_thread()
        loop = asyncio.get_running_loop()
        return await thread.run_async(
            self._generate(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None if thread.in_loop() else loop,
                seed=seed,
            )
        )

    async def _generate(self, request: Any, **kwargs: Any) -> VideoResult:
        run = await self._start(request, auto_cancel=True, **kwargs)
        return await self._await_run(run)

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
    ) -> VideoResult:
        """Blocking :meth:`agenerate`; works from any thread, even inside a running event
        loop. ``on_progress`` is called on the engine's thread. On ``KeyboardInterrupt`` the
        job is cancelled (the outcome is awaited) before the interrupt propagates."""
        thread = self._loop_thread()
        run = thread.run(
            self._start(
                request,
                provider=provider,
                mode=mode,
                timeout=timeout,
                use_cache=use_cache,
                on_progress=on_progress,
                caller_loop=None,
                auto_cancel=True,
                seed=seed,
            )
        )
        try:
            return thread.run(self._await_run(run))
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                thread.run(self._cancel_run(run), timeout=60)
            raise

    # -- shutdown --------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        self._closing = True
        pending = [r.task for r in self._runs.values() if r.task is not None and not r.done]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self.scheduler.close()

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
                thread.run(self._shutdown(), timeout=30)
            thread.stop()
        with self._lock:
            self._closed = True
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._finalizers.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=True)
        for name in self._owned_providers:
            with contextlib.suppress(Exception):
                self._providers[name].close()
        if self._journal is not None:
            with contextlib.suppress(Exception):
                self._journal.close()
        cache = self._cache
        if cache is not None and not isinstance(cache, _Default):
            closer = getattr(cache, "close", None)
            if callable(closer):
                with contextlib.suppress(Exception):
                    closer()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the caller's loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)


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


def _not_resumable(record: JobRecord) -> VideogateError:
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


def delivery_warnings(
    expected: VideoRequest, duration: float, fps: float, size: Any
) -> list[ResultWarning]:
    """Warnings for a delivered file that differs from what was asked beyond one frame
    (duration), half a percent (fps) or one pixel (size)."""
    out = []
    frame = 1.0 / max(fps, expected.fps, 1e-9)
    if abs(duration - expected.duration) > frame + 1e-6:
        out.append(
            ResultWarning(
                field="duration",
                message=f"delivered {duration:.3f} s instead of {expected.duration:g} s",
                requested=f"{expected.duration:g}",
                actual=f"{duration:.3f}",
            )
        )
    if abs(fps - expected.fps) > 0.005 * expected.fps:
        out.append(
            ResultWarning(
                field="fps",
                message=f"delivered {fps:g} fps instead of {expected.fps:g}",
                requested=f"{expected.fps:g}",
                actual=f"{fps:g}",
            )
        )
    if abs(size.width - expected.size.width) > 1 or abs(size.height - expected.size.height) > 1:
        out.append(
            ResultWarning(
                field="size",
                message=f"delivered {size} instead of {expected.size}",
                requested=str(expected.size),
                actual=str(size),
            )
        )
    return out


# -- module-level faces -----------------------------------------------------------------------

_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine used by :func:`generate` (configured by
    :func:`load_config`, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine(load_config())
            atexit.register(_default.close)
        return _default


def generate(request: VideoRequest | Mapping[str, Any], **kwargs: Any) -> VideoResult:
    """Generate one video with the default engine (see :meth:`Engine.generate`)."""
    return default_engine().generate(request, **kwargs)


async def agenerate(request: VideoRequest | Mapping[str, Any], **kwargs: Any) -> VideoResult:
    """Generate one video with the default engine (see :meth:`Engine.agenerate`)."""
    return await default_engine().agenerate(request, **kwargs)
