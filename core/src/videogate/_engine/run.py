"""The engine-side state of one job (:class:`Run`), its listeners, and the words for what a
cancel achieved."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import attrs

from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.provider import CancelOutcome, TaskRef, TaskState
from videogate._contract.result import VideoResult
from videogate._engine.observers import call_quietly
from videogate._state.journal import JobRecord

__all__ = ["Listener", "Run", "cancelled_message", "listener_in_loop"]

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
    #: The cache key this run holds a claim on (it renews the lease and releases it).
    claim_key: str | None = None
    #: The task id a user chose for a job whose submit answer was lost (``resume --task``).
    adopt_task: str | None = None
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
