"""The kenburns provider: the adapter interface over a local, bounded render pool.

``prepare`` maps a request to a :class:`RenderSpec` (pure). ``submit`` reads and checks the
reference image (a bad image is an :class:`InvalidRequest` before any work) and queues the
render on a pool of ``workers`` threads. ``poll`` reports frames done / total and, once the
file is complete, a ``file://`` URL. ``cancel`` stops the render at the next frame and
removes its partial file.

A task this process does not know (a job resumed by another process) is rendered again from
``TaskRef.data``, which holds the whole spec: renders are deterministic, so the file is the
one the first process would have made. A complete file already at the task's path is reused.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

from videogate import (
    CancelOutcome,
    ConfigError,
    Provider,
    TaskRef,
    TaskState,
    TaskStatus,
    VideogateError,
    VideoRequest,
)
from videogate_kenburns._capabilities import (
    DEFAULT_WORKERS,
    MODEL,
    NAMESPACE,
    capabilities_for,
)
from videogate_kenburns._spec import RenderSpec
from videogate_kenburns._task import RenderTask, failure

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["KenBurnsProvider"]

#: Seconds ``cancel`` waits for the render to acknowledge (it checks before every frame).
CANCEL_WAIT: Final = 10.0
#: Renders left in the work folder by crashed processes are removed after this many seconds.
STALE_AFTER: Final = 24 * 3600.0
_TASK_FILE = re.compile(r"^kb-[0-9a-f]{32}\.mp4(\.part)?$")


def _default_work_dir() -> Path:
    return Path(tempfile.gettempdir()) / "videogate-kenburns"


class KenBurnsProvider(Provider):
    """Offline image-to-video: an eased pan and zoom over the reference image.

    :param workers: renders that run at once (the rest wait in the pool's queue).
    :param work_dir: where renders are written before the engine stores them; default
        ``<tmp>/videogate-kenburns``.
    :param start_delay: seconds each render waits in the queue (status ``queued``) before it
        starts, like a remote service's queue; ``cancel`` and ``close`` end the wait at once.
        Default 0. It lets a pipeline rehearse queueing, timeouts and cancelling offline.
    :raises ConfigError: ``workers`` is not a positive integer, or ``start_delay`` is not a
        finite number >= 0.
    """

    name: ClassVar[str] = NAMESPACE

    def __init__(
        self,
        *,
        workers: int = DEFAULT_WORKERS,
        work_dir: str | None = None,
        start_delay: float = 0.0,
    ) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(
                f"providers.kenburns.workers: must be a positive integer, got {workers!r}",
                field="workers",
                provider=NAMESPACE,
            )
        if (
            isinstance(start_delay, bool)
            or not isinstance(start_delay, int | float)
            or not math.isfinite(start_delay)
            or start_delay < 0
        ):
            raise ConfigError(
                "providers.kenburns.start_delay: must be a number of seconds >= 0, "
                f"got {start_delay!r}",
                field="start_delay",
                provider=NAMESPACE,
            )
        self.start_delay = float(start_delay)
        self.model = MODEL
        self.namespace = NAMESPACE
        self.capabilities = capabilities_for(workers)
        self.workers = workers
        self.work_dir = Path(work_dir).expanduser().resolve() if work_dir else _default_work_dir()
        self._pool: ThreadPoolExecutor | None = None
        self._tasks: dict[str, RenderTask] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"KenBurnsProvider(workers={self.workers}, work_dir={str(self.work_dir)!r}, "
            f"start_delay={self.start_delay:g})"
        )

    # -- the adapter interface ------------------------------------------------------------

    def prepare(self, request: VideoRequest) -> dict[str, Any]:
        """The render spec for ``request``, as JSON values. Pure: no file is read here.

        :raises UnsupportedParameter: see :meth:`RenderSpec.from_request`.
        """
        return RenderSpec.from_request(request).to_native()

    def submit(self, native: dict[str, Any]) -> TaskRef:
        """Check the reference image and queue the render; returns at once.

        :raises InvalidRequest: ``native`` is not from :meth:`prepare`, or the reference
            image is unreadable, empty, not an image, truncated or corrupt, too large, or
            changed since the request was made.
        """
        from videogate_kenburns._source import load_image

        spec = RenderSpec.from_native(native)
        source = load_image(spec.image) if spec.image is not None else None
        task_id = f"kb-{uuid.uuid4().hex}"
        output = self.work_dir / f"{task_id}.mp4"
        self._start(RenderTask(task_id, spec, output, self.start_delay), source)
        return TaskRef(
            task_id=task_id,
            provider=NAMESPACE,
            data={"spec": spec.to_native(), "output": str(output)},
        )

    def poll(self, task: TaskRef) -> TaskState:
        """The task's state: queued, running (frames done / total), or final."""
        with self._lock:
            running = self._tasks.get(task.task_id)
            cancelled = task.task_id in self._cancelled
        if running is not None:
            return running.state()
        if cancelled:
            return TaskState(status=TaskStatus.CANCELLED)
        try:
            spec = RenderSpec.from_native(task.data.get("spec"))
            output = Path(str(task.data["output"]))
        except (VideogateError, KeyError) as exc:
            message = f"kenburns: task {task.task_id} cannot be rendered again: {exc}"
            return TaskState(status=TaskStatus.FAILED, error=failure(message, task.task_id))
        restored = RenderTask(task.task_id, spec, output, self.start_delay)
        if output.is_file():
            restored.succeed()
            return restored.state()
        self._start(restored, None)
        return restored.state()

    def cancel(self, task: TaskRef) -> CancelOutcome:
        """Stop the render before its next frame and wait (briefly) until its partial file
        is gone. A finished task is ``too_late``; one this process never ran is marked
        cancelled so that polls report it so."""
        with self._lock:
            running = self._tasks.get(task.task_id)
            if running is None:
                self._cancelled.add(task.task_id)
        if running is None:
            output = task.data.get("output")
            done = isinstance(output, str) and Path(output).is_file()
            return CancelOutcome.TOO_LATE if done else CancelOutcome.CANCELLED
        if running.status() in (TaskStatus.SUCCEEDED, TaskStatus.FAILED):
            return CancelOutcome.TOO_LATE
        running.stop.set()
        if running.future is not None and running.future.cancel():
            running.cancelled()
        running.finished.wait(CANCEL_WAIT)
        if running.status() is TaskStatus.SUCCEEDED:
            return CancelOutcome.TOO_LATE
        return CancelOutcome.CANCELLED

    def map_error(self, exc: BaseException) -> VideogateError:
        """A :class:`VideogateError` as is; anything else as :class:`TaskFailed`."""
        if isinstance(exc, VideogateError):
            return exc
        return failure(f"kenburns: render failed: {type(exc).__name__}: {exc}", "")

    def close(self) -> None:
        """Stop running renders, shut the pool down, and delete the files rendered here (a
        job resumed later renders its file again)."""
        with self._lock:
            self._closed = True
            tasks = list(self._tasks.values())
            pool, self._pool = self._pool, None
        for task in tasks:
            task.stop.set()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for task in tasks:
            task.output.unlink(missing_ok=True)

    # -- internals ------------------------------------------------------------------------

    def _start(self, task: RenderTask, source: Image.Image | None) -> None:
        with self._lock:
            if self._closed:
                raise failure("kenburns: the provider is closed", task.task_id)
            if self._pool is None:
                self._prune()
                self._pool = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="kenburns"
                )
            self._tasks[task.task_id] = task
            task.future = self._pool.submit(self._run, task, source)

    def _run(self, task: RenderTask, source: Image.Image | None) -> None:
        from videogate_kenburns._render import RenderCancelled, render
        from videogate_kenburns._source import load_image

        # The queue wait ends early when the task is cancelled or the provider closes.
        if (task.start_delay and task.stop.wait(task.start_delay)) or not task.start():
            task.cancelled()
            return
        try:
            if source is None and task.spec.image is not None:
                source = load_image(task.spec.image)
            render(
                task.spec,
                source,
                task.output,
                on_frame=task.advance,
                cancelled=task.stop.is_set,
            )
        except RenderCancelled:
            task.cancelled()
        except VideogateError as exc:
            task.fail(failure(f"kenburns: render failed: {exc.message}", task.task_id))
        except Exception as exc:
            message = f"kenburns: render failed: {type(exc).__name__}: {exc}"
            task.fail(failure(message, task.task_id))
        else:
            task.succeed()

    def _prune(self) -> None:
        """Remove this provider's files older than a day from the work folder."""
        try:
            entries = list(os.scandir(self.work_dir))
        except OSError:
            return
        cutoff = time.time() - STALE_AFTER
        for entry in entries:
            try:
                if _TASK_FILE.match(entry.name) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                continue
