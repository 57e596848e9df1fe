"""What the phases of a run (submit, poll, collect, cancel, adopt, single flight) need of the
runner that drives them.

The phases receive a :class:`RunServices` and never import the runner, so each phase can be
read and tested alone and imports go one way: runner -> lifecycle -> phases -> services.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from videogate._contract.errors import VideogateError
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.normalize import Mode, Normalized
from videogate._contract.provider import Provider
from videogate._contract.result import VideoResult
from videogate._engine.limits import Limits
from videogate._engine.resources import Resources
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._engine.scheduler import PollScheduler
from videogate._plugins.config import Config
from videogate._state.journal import JobRecord, JobState

__all__ = ["ProgressCallback", "RunServices"]

T = TypeVar("T")
ProgressCallback = Callable[[ProgressEvent], None]


class RunServices(Protocol):
    """The shared state and helpers of the runner, as the phases of a run see them.

    Every coroutine here runs on the engine loop.
    """

    resources: Resources
    config: Config
    clock: Callable[[], float]
    limits: Limits
    scheduler: PollScheduler
    workers: ThreadPoolExecutor
    finalizers: ThreadPoolExecutor
    #: Runs the engine knows, by job id.
    runs: dict[str, Run]
    #: The run in flight for each cache key (single flight).
    inflight: dict[str, Run]
    counters: dict[str, int]
    #: Whether the engine is shutting down (runs stopped then stay resumable).
    closing: bool
    #: Seconds a stopped run is given to clean up before it ends anyway.
    cleanup_grace: float
    #: Cleanups that outlived their run's grace (kept referenced until they end).
    background: set[asyncio.Task[Any]]
    #: This engine's owner id in the journal's claims, and the seconds a lease lasts.
    owner: str
    claim_lease: float

    async def in_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the single database thread."""

    def in_db_nowait(self, fn: Callable[[], Any]) -> None:
        """``fn()`` queued on the database thread, not awaited."""

    def heartbeat(self) -> None:
        """Keep renewing the leases this engine holds."""

    async def preflight(self, run: Run) -> None:
        """Check what can fail before a paid submit (storage, record encoding).

        :raises VideogateError: it would fail; nothing was sent.
        """

    async def journal_update(self, run: Run, **changes: Any) -> None:
        """Update the journal row of ``run``; a failing journal is logged, never fatal."""

    async def journal_end(self, run: Run, state: JobState, **changes: Any) -> None:
        """Record that ``run`` ended in ``state`` (now)."""

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

    def finish(
        self,
        run: Run,
        result: VideoResult | None,
        error: VideogateError | None,
        phase: JobPhase,
    ) -> None:
        """End ``run`` with ``result`` or ``error`` (once; later calls do nothing)."""

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

    def launch(self, run: Run, *, remote: bool, message: str) -> None:
        """Announce ``run`` as queued and run its life as a task of the engine loop."""
