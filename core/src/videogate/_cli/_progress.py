"""Progress display of ``videogate generate`` / ``resume`` on stderr: a rich bar on a
terminal, one plain line per phase change otherwise."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from videogate._contract.events import JobPhase, ProgressEvent

__all__ = ["ProgressDisplay", "QuietDisplay"]


class QuietDisplay:
    """Progress shown nowhere (``-q``)."""

    def __enter__(self) -> QuietDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, event: ProgressEvent) -> None:
        return None


class ProgressDisplay:
    """Receives :class:`ProgressEvent` s (from the engine thread) and draws them."""

    def __init__(self, stream: TextIO | None = None, *, force_plain: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.tty = not force_plain and self.stream.isatty()
        self._lock = threading.Lock()
        self._last: tuple[JobPhase, bool] | None = None
        self._progress: Any = None
        self._task: Any = None
        self._completed = 0.0

    def __enter__(self) -> ProgressDisplay:
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[eta]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("queued", total=1.0, eta="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if self._progress is not None:
                where = " (at the provider)" if event.remote else ""
                eta = f"~{event.eta:.0f}s left" if event.eta else ""
                if event.phase is JobPhase.DONE:
                    self._completed = 1.0
                elif event.progress is not None:
                    self._completed = event.progress
                self._progress.update(
                    self._task,
                    description=f"{event.phase}{where}",
                    completed=self._completed,
                    eta=eta,
                )
                return
            key = (event.phase, event.remote)
            if key == self._last:
                return
            self._last = key
            parts = [f"[{event.elapsed:7.1f}s] {event.phase}"]
            if event.phase is JobPhase.QUEUED:
                parts.append("at the provider" if event.remote else "locally")
            if event.task_id:
                parts.append(f"task {event.task_id}")
            if event.eta is not None and not event.phase.terminal:
                parts.append(f"eta {event.eta:.0f}s")
            print("videogate: " + ", ".join(parts), file=self.stream, flush=True)
