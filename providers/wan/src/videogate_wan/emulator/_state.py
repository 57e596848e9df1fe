"""The emulator's memory: tasks and their clock-driven life, uploaded objects, counters."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

__all__ = ["Stats", "Task", "TaskStore", "service_time"]

SERVICE_TZ = timezone(timedelta(hours=8))


def service_time(epoch: float) -> str:
    """A time as DashScope writes it: ``YYYY-MM-DD HH:MM:SS.mmm`` in UTC+8."""
    moment = datetime.fromtimestamp(epoch, SERVICE_TZ)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@attrs.define
class Task:
    """One submitted task. Its status follows the clock unless a fault or cancel fixes it."""

    task_id: str
    model: str
    prompt: str
    parameters: dict[str, Any]
    width: int
    height: int
    image: bytes | None
    created: float
    created_wall: float
    pending_seconds: float
    running_seconds: float
    forced: str | None = None
    fail_code: str | None = None
    fail_message: str | None = None
    cancelled_at: float | None = None
    ended_wall: float | None = None
    video_path: str | None = None
    lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "CANCELED"
        if self.forced in ("UNKNOWN", "PENDING", "RUNNING"):
            return self.forced
        elapsed = now - self.created
        if elapsed < self.pending_seconds:
            return "PENDING"
        if elapsed < self.pending_seconds + self.running_seconds:
            return "RUNNING"
        return "FAILED" if self.forced == "FAILED" else "SUCCEEDED"

    def end_wall(self) -> float:
        if self.ended_wall is None:
            self.ended_wall = self.created_wall + self.pending_seconds + self.running_seconds
        return self.ended_wall


class Stats:
    """Counters shown by ``GET /_emulator/stats``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._ignored: set[str] = set()
        self.render_seconds = 0.0

    def bump(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def ignored(self, names: set[str]) -> None:
        with self._lock:
            self._ignored |= names

    def add_render(self, seconds: float) -> None:
        with self._lock:
            self.render_seconds += seconds
            self._counts["renders"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            data: dict[str, Any] = {
                name: self._counts.get(name, 0)
                for name in (
                    "submissions",
                    "submit_requests",
                    "queries",
                    "cancels",
                    "cancelled",
                    "lists",
                    "policies",
                    "uploads",
                    "video_downloads",
                    "renders",
                    "errors",
                    "faults_fired",
                    "requests",
                )
            }
            data.update({k: v for k, v in self._counts.items() if k not in data})
            data["render_seconds"] = round(self.render_seconds, 3)
            data["ignored_parameters"] = sorted(self._ignored)
            return data


class TaskStore:
    """Tasks by id and uploaded objects by key; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tasks: dict[str, Task] = {}
        self.objects: dict[str, bytes] = {}

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def add(self, task: Task) -> None:
        with self._lock:
            self.tasks[task.task_id] = task

    def get(self, task_id: str) -> Task | None:
        with self._lock:
            return self.tasks.get(task_id)

    def all(self) -> list[Task]:
        with self._lock:
            return list(self.tasks.values())

    def put_object(self, key: str, data: bytes, *, overwrite: bool) -> bool:
        with self._lock:
            if key in self.objects and not overwrite:
                return False
            self.objects[key] = data
            return True

    def get_object(self, key: str) -> bytes | None:
        with self._lock:
            return self.objects.get(key)

    def clear(self) -> None:
        with self._lock:
            self.tasks.clear()
            self.objects.clear()


def now() -> float:
    """The monotonic clock tasks run on."""
    return time.monotonic()
