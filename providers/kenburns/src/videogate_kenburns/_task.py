"""One render running in the provider's pool, and what ``poll`` reports about it."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

from videogate import Size, TaskFailed, TaskOutput, TaskState, TaskStatus, VideogateError
from videogate_kenburns._capabilities import NAMESPACE
from videogate_kenburns._spec import RenderSpec

__all__ = ["RenderTask"]


class RenderTask:
    """The live state of one render, shared by the worker thread (which advances it) and
    the callers of ``poll`` and ``cancel`` (which read it or ask it to stop)."""

    def __init__(
        self, task_id: str, spec: RenderSpec, output: Path, start_delay: float = 0.0
    ) -> None:
        self.task_id = task_id
        self.spec = spec
        self.output = output
        #: Seconds the worker waits (still ``queued``) before rendering.
        self.start_delay = start_delay
        self.future: Future[None] | None = None
        self.stop = threading.Event()
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._started = False
        self._done = 0
        self._status = TaskStatus.QUEUED
        self._error: VideogateError | None = None

    def start(self) -> bool:
        """Called by the worker; ``False`` when the task was cancelled before it ran."""
        with self._lock:
            if self.stop.is_set():
                return False
            self._started = True
            self._status = TaskStatus.RUNNING
            return True

    def advance(self, done: int) -> None:
        """``done`` frames are encoded."""
        with self._lock:
            self._done = max(self._done, done)

    def succeed(self) -> None:
        """The file is complete at ``output``."""
        self._end(TaskStatus.SUCCEEDED)

    def fail(self, error: VideogateError) -> None:
        """The render failed with ``error``."""
        self._end(TaskStatus.FAILED, error)

    def cancelled(self) -> None:
        """The render stopped on request; its partial file is gone."""
        self._end(TaskStatus.CANCELLED)

    def _end(self, status: TaskStatus, error: VideogateError | None = None) -> None:
        with self._lock:
            self._status = status
            self._error = error
        self.finished.set()

    def status(self) -> TaskStatus:
        """The current status."""
        with self._lock:
            return self._status

    def state(self) -> TaskState:
        """The state ``poll`` reports: queued, running with frames done / total, or final."""
        with self._lock:
            status, done, error = self._status, self._done, self._error
        total = self.spec.frames
        if status is TaskStatus.QUEUED:
            return TaskState(status=status, progress=0.0, remote_queued=True)
        if status is TaskStatus.RUNNING:
            return TaskState(status=status, progress=min(done, total) / total)
        if status is TaskStatus.SUCCEEDED:
            return TaskState(status=status, progress=1.0, output=self.task_output())
        if status is TaskStatus.FAILED:
            assert error is not None
            return TaskState(status=status, error=error)
        return TaskState(status=status)

    def task_output(self) -> TaskOutput:
        """What the finished render produced."""
        spec = self.spec
        return TaskOutput(
            url=self.output.resolve().as_uri(),
            duration=spec.duration,
            fps=float(spec.fps),
            size=Size(spec.width, spec.height),
            seed=spec.seed,
            usage={"frames": spec.frames},
        )


def failure(message: str, task_id: str) -> TaskFailed:
    """A :class:`TaskFailed` for this provider."""
    return TaskFailed(message, provider=NAMESPACE, task_id=task_id)
