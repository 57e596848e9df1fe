"""Job handles: :class:`Job` (public) over the engine's internal run state.

A :class:`Job` can be awaited from any thread or event loop: its methods hop onto the
engine's loop. ``to_json()`` captures everything another process needs to resume it
(``Job.from_json(text, engine)``): the journal record, never a secret.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import attrs

from videogate._contract.errors import InvalidRequest, Timeout
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.provider import CancelOutcome, TaskRef, TaskState
from videogate._contract.result import VideoResult
from videogate._engine.observers import call_quietly
from videogate._state.journal import JobRecord

if TYPE_CHECKING:
    from videogate._engine.engine import Engine

__all__ = ["Job", "Run"]

Listener = Callable[[ProgressEvent], None]


@attrs.define(eq=False)
class Run:
    """The engine-side state of one job (lives on the engine loop)."""

    job_id: str
    provider: str
    record: JobRecord
    future: asyncio.Future[VideoResult]
    started: float
    timeout: float | None = None
    auto_cancel: bool = False
    context: Any = None
    phase: JobPhase = JobPhase.QUEUED
    events: list[ProgressEvent] = attrs.field(factory=list)
    listeners: list[Listener] = attrs.field(factory=list)
    task: asyncio.Task[None] | None = None
    ref: TaskRef | None = None
    terminal: TaskState | None = None
    cancel_requested: bool = False
    cancel_outcome: CancelOutcome | None = None
    holding_slot: bool = False
    waiters: int = 0
    submits: int = 0
    polls: int = 0
    marks: dict[str, float] = attrs.field(factory=dict)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def done(self) -> bool:
        """Whether the job has ended (any way)."""
        return self.future.done()

    def publish(self, event: ProgressEvent) -> None:
        """Record ``event`` and hand it to every listener."""
        with self.lock:
            self.events.append(event)
            self.phase = event.phase
            listeners = list(self.listeners)
        for listener in listeners:
            call_quietly(listener, event)

    def subscribe(self, listener: Listener) -> list[ProgressEvent]:
        """Add a listener; returns the events it missed (atomically with the subscription)."""
        with self.lock:
            self.listeners.append(listener)
            return list(self.events)

    def unsubscribe(self, listener: Listener) -> None:
        """Remove a listener (no error if absent)."""
        with self.lock:
            if listener in self.listeners:
                self.listeners.remove(listener)


def listener_in_loop(callback: Listener, loop: asyncio.AbstractEventLoop | None) -> Listener:
    """``callback`` delivered on ``loop`` (thread-safe, in order); as is when ``None``."""
    if loop is None:
        return callback

    def deliver(event: ProgressEvent) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(call_quietly, callback, event)

    return deliver


class Job:
    """A handle on a submitted job: status, progress, cancel, result, serialization.

    Obtain one from :meth:`Engine.submit` / :meth:`Engine.asubmit`, or rebuild one in another
    process with :meth:`from_json`.
    """

    def __init__(self, engine: Engine, run: Run) -> None:
        self._engine = engine
        self._run = run

    def __repr__(self) -> str:
        return f"<Job {self.job_id} {self.provider} {self.status}>"

    @property
    def job_id(self) -> str:
        """videogate's id of the job (sortable by creation time)."""
        return self._run.job_id

    @property
    def provider(self) -> str:
        """The configured provider name."""
        return self._run.provider

    @property
    def status(self) -> JobPhase:
        """The current phase."""
        return self._run.phase

    @property
    def done(self) -> bool:
        """Whether the job has ended."""
        return self._run.done

    @property
    def task_id(self) -> str | None:
        """The provider's task id, once submitted."""
        return None if self._run.ref is None else self._run.ref.task_id

    @property
    def events(self) -> list[ProgressEvent]:
        """The progress events so far."""
        with self._run.lock:
            return list(self._run.events)

    @property
    def cancel_outcome(self) -> CancelOutcome | None:
        """What a cancel achieved, once one was asked."""
        return self._run.cancel_outcome

    def subscribe(self, callback: Listener) -> None:
        """Call ``callback`` (on the engine thread) with every further event."""
        self._run.subscribe(callback)

    async def __aiter_events(self) -> AsyncIterator[ProgressEvent]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ProgressEvent] = asyncio.Queue()

        def push(event: ProgressEvent) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        missed = self._run.subscribe(push)
        try:
            for event in missed:
                yield event
                if event.phase.terminal:
                    return
            while True:
                event = await queue.get()
                yield event
                if event.phase.terminal:
                    return
        finally:
            self._run.unsubscribe(push)

    def __aiter__(self) -> AsyncIterator[ProgressEvent]:
        """Progress events from the first to the terminal one (past ones replayed)."""
        return self.__aiter_events()

    async def result(self, timeout: float | None = None) -> VideoResult:
        """Wait for the video.

        :param timeout: seconds to wait; on expiry :class:`Timeout` is raised and the job
            keeps running.
        :raises VideogateError: the job's failure (:class:`Cancelled` if it was cancelled).
        """
        waiting = self._engine._loop_thread().run_async(self._engine._runner.wait(self._run))
        if timeout is None:
            return await waiting
        try:
            return await asyncio.wait_for(waiting, timeout)
        except TimeoutError:
            raise Timeout(
                f"job {self.job_id} is not finished after {timeout:g} s; it keeps running",
                provider=self.provider,
                task_id=self.task_id,
            ) from None

    async def cancel(self) -> CancelOutcome:
        """Stop waiting and ask the provider to cancel; returns what really happened.

        A job that was not ``cancelled`` at the provider stays resumable in the journal.
        """
        return await self._engine._loop_thread().run_async(self._engine._runner.cancel(self._run))

    def wait(self, timeout: float | None = None) -> VideoResult:
        """Blocking :meth:`result`."""
        future = self._engine._loop_thread().submit(self._engine._runner.wait(self._run))
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise Timeout(
                f"job {self.job_id} is not finished after {timeout:g} s; it keeps running",
                provider=self.provider,
                task_id=self.task_id,
            ) from None

    def cancel_sync(self) -> CancelOutcome:
        """Blocking :meth:`cancel`."""
        return self._engine._loop_thread().run(self._engine._runner.cancel(self._run))

    def to_json(self) -> str:
        """JSON text another process can resume from (see :meth:`from_json`)."""
        record = self._run.record.to_dict()
        return json.dumps({"videogate_job": 1, "record": record}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, engine: Engine | None = None) -> Job:
        """Rebuild a job handle from :meth:`to_json` output and resume it on ``engine``
        (default: the module's default engine). Never submits again.

        :raises InvalidRequest: the text is not a serialized job.
        """
        try:
            data = json.loads(text)
            record = JobRecord.from_dict(data["record"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"not a serialized videogate job: {exc}") from None
        if engine is None:
            from videogate._engine.engine import default_engine

            engine = default_engine()
        return engine.adopt(record)


def cancelled_message(job_id: str, outcome: CancelOutcome) -> str:
    """What a cancel achieved, in words a user can act on."""
    resume = f"; collect the result later with `videogate resume {job_id}`"
    return {
        CancelOutcome.CANCELLED: f"job {job_id} cancelled; the provider stopped the task",
        CancelOutcome.TOO_LATE: f"job {job_id} cancelled locally, but the provider keeps "
        "running the task (too late to cancel)" + resume,
        CancelOutcome.NOT_SUPPORTED: f"job {job_id} cancelled locally; the provider cannot "
        "cancel tasks" + resume,
        CancelOutcome.UNKNOWN: f"job {job_id} cancelled locally; the cancel request failed, "
        "so the task may still run" + resume,
    }[outcome]
