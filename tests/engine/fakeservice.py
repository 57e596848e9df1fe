"""An in-process video service and its provider adapter, for driving the engine.

``FakeService`` is the "remote" side: it accepts tasks, runs them on the wall clock (each
takes ``task_seconds``), counts every submit, poll and cancel, enforces account limits
(concurrent tasks, queries per second) by answering 429, injects faults on request, and
renders a real tiny MP4 (PyAV) for each succeeded task, served as a ``file://`` URL.
With ``path`` set, its state lives in a JSON file so two processes see the same service.

``FakeProvider`` is an ordinary adapter over it, as a third party would write one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
import time
import uuid
from collections import deque
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

import videogate
from videogate import (
    CancelOutcome,
    Capabilities,
    NumberRange,
    Provider,
    ProviderSpec,
    ServiceLimits,
    Size,
    SizeRule,
    TaskOutput,
    TaskRef,
    TaskState,
    TaskStatus,
)
from videogate._contract.errors import (
    AuthenticationError,
    InvalidRequest,
    ProviderUnavailable,
    RateLimited,
    TaskExpired,
    TaskFailed,
    VideogateError,
)

CAPS = Capabilities(
    sizes=SizeRule(sizes=(Size(64, 48), Size(48, 64))),
    durations=NumberRange(0.5, 2.0, 0.5),
    fps=NumberRange(8, 8),
    supports_negative_prompt=True,
    supports_seed=True,
    supports_motion_strength=False,
    prompt_max_chars=40,
    options=("style",),
    limits=ServiceLimits(max_concurrent_tasks=None),
)


class HttpAnswer(Exception):
    """A raw HTTP error answer, as an SDK would raise it."""

    def __init__(self, status: int, message: str = "", retry_after: float | None = None):
        super().__init__(f"HTTP {status} {message}")
        self.status = status
        self.retry_after = retry_after


def render_mp4(path: Path, *, width: int, height: int, fps: float, duration: float) -> Path:
    """A real H.264 MP4 of flat frames."""
    if path.exists():
        return path
    rate = Fraction(fps).limit_denominator(1001)
    frames = max(1, round(duration * fps))
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            image = np.full((height, width, 3), (index * 20) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            frame.time_base = 1 / rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    tmp.replace(path)
    return path


class FakeService:
    """The remote side. All knobs are plain attributes a test sets."""

    def __init__(
        self,
        root: Path,
        *,
        task_seconds: float = 0.05,
        queue_seconds: float = 0.0,
        path: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.task_seconds = task_seconds
        self.queue_seconds = queue_seconds
        self.jitter: float = 0.0
        self.lock = threading.RLock()
        self.tasks: dict[str, dict[str, Any]] = {}
        self.counts = {"submit_calls": 0, "accepted": 0, "polls": 0, "cancels": 0, "throttled": 0}
        self.submit_faults: deque[BaseException] = deque()
        self.accept_then_raise: deque[BaseException] = deque()
        self.poll_faults: deque[BaseException] = deque()
        self.cancel_mode = "cancel"  # cancel | pending_only | raise
        self.fail_tasks_with: VideogateError | None = None
        self.deliver: dict[str, Any] = {}
        self.echo_seed = False
        self.max_running: int | None = None
        self.max_qps: float | None = None
        self.hold = False  # tasks never finish until release()
        self.query_times: deque[float] = deque()
        self.poll_log: list[tuple[str, float]] = []
        self.finish_log: dict[str, tuple[float, float]] = {}
        self.secret_in_errors: str | None = None
        if path is not None and path.exists():
            self._load()

    # -- persistence (two processes) ---------------------------------------------------------

    @contextlib.contextmanager
    def _state(self):
        with self.lock:
            if self.path is None:
                yield
                return
            lock_path = self.path.with_suffix(".lock")
            with open(lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if self.path.exists():
                        self._load()
                    yield
                    self._save()
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> None:
        assert self.path is not None
        data = json.loads(self.path.read_text())
        self.tasks = data["tasks"]
        self.counts = data["counts"]
        self.task_seconds = data.get("task_seconds", self.task_seconds)

    def _save(self) -> None:
        assert self.path is not None
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"tasks": self.tasks, "counts": self.counts, "task_seconds": self.task_seconds}
            )
        )
        tmp.replace(self.path)

    # -- the API --------------------------------------------------------------------------------

    def running(self, now: float) -> int:
        return sum(
            1
            for t in self.tasks.values()
            if t["status"] not in ("cancelled", "forgotten")
            and self._status(t, now)
            in (
                "queued",
                "running",
            )
        )

    def _throttle_query(self, now: float) -> None:
        if self.max_qps is None:
            return
        while self.query_times and self.query_times[0] <= now - 1.0:
            self.query_times.popleft()
        if len(self.query_times) >= self.max_qps:
            self.counts["throttled"] += 1
            raise HttpAnswer(429, "Throttling.RateQuota", retry_after=0.2)
        self.query_times.append(now)

    def submit(self, native: dict[str, Any]) -> str:
        with self._state():
            self.counts["submit_calls"] += 1
            if self.submit_faults:
                raise self.submit_faults.popleft()
            now = time.time()
            if self.max_running is not None and self.running(now) >= self.max_running:
                self.counts["throttled"] += 1
                raise HttpAnswer(429, "too many running tasks")
            task_id = uuid.uuid4().hex[:12]
            seconds = self.task_seconds
            if self.jitter:
                import random

                seconds *= 1 + random.uniform(-self.jitter, self.jitter)
            self.tasks[task_id] = {
                "native": native,
                "created": now,
                "queue": self.queue_seconds,
                "seconds": seconds,
                "status": "active",
            }
            self.counts["accepted"] += 1
            if self.accept_then_raise:
                raise self.accept_then_raise.popleft()
            return task_id

    def _status(self, task: dict[str, Any], now: float) -> str:
        if task["status"] in ("cancelled", "forgotten"):
            return task["status"]
        if self.hold and task["status"] != "released":
            return "running"
        age = now - task["created"]
        if age < task["queue"]:
            return "queued"
        if age < task["queue"] + task["seconds"]:
            return "running"
        return "done"

    def poll(self, task_id: str) -> dict[str, Any]:
        with self._state():
            now = time.time()
            self.counts["polls"] += 1
            self._throttle_query(time.monotonic())
            if self.poll_faults:
                raise self.poll_faults.popleft()
            task = self.tasks.get(task_id)
            if task is None or task["status"] == "forgotten":
                return {"status": "unknown"}
            status = self._status(task, now)
            self.poll_log.append((task_id, time.monotonic()))
            if status == "done":
                end = task["created"] + task["queue"] + task["seconds"]
                self.finish_log.setdefault(task_id, (end, now))
                if self.fail_tasks_with is not None:
                    return {"status": "failed", "error": self.fail_tasks_with}
                return {"status": "succeeded", "url": self._render(task)}
            return {"status": status}

    def cancel(self, task_id: str) -> str:
        with self._state():
            self.counts["cancels"] += 1
            self._throttle_query(time.monotonic())
            if self.cancel_mode == "raise":
                raise HttpAnswer(500, "cancel failed")
            task = self.tasks[task_id]
            status = self._status(task, time.time())
            if status == "done":
                return "too_late"
            if self.cancel_mode == "pending_only" and status != "queued":
                return "too_late"
            task["status"] = "cancelled"
            return "cancelled"

    def release(self) -> None:
        with self._state():
            self.hold = False

    def forget(self, task_id: str) -> None:
        with self._state():
            self.tasks[task_id]["status"] = "forgotten"

    def _render(self, task: dict[str, Any]) -> str:
        native = dict(task["native"])
        native.update(self.deliver)
        width, height = (int(v) for v in str(native["size"]).split("*"))
        path = self.root / f"r_{width}x{height}_{native['fps']}_{native['duration']}.mp4"
        render_mp4(path, width=width, height=height, fps=native["fps"], duration=native["duration"])
        return path.resolve().as_uri()


class FakeProvider(Provider):
    """The adapter: small, stateless, synchronous."""

    name = "fake"

    def __init__(
        self,
        service: FakeService,
        capabilities: Capabilities = CAPS,
        api_key: str | None = None,
        model: str = "fake-1",
    ) -> None:
        self.service = service
        self.capabilities = capabilities
        self.model = model
        self.namespace = "fake"
        self.api_key = None if api_key is None else videogate.Secret(api_key)
        self.prepared: list[dict[str, Any]] = []

    def prepare(self, request: videogate.VideoRequest) -> dict[str, Any]:
        native = {
            "prompt": request.prompt,
            "duration": request.duration,
            "fps": request.fps,
            "size": str(request.size),
            "seed": request.seed,
        }
        self.prepared.append(native)
        return native

    def submit(self, native: dict[str, Any]) -> TaskRef:
        task_id = self.service.submit(native)
        return TaskRef(task_id=task_id, provider="fake", data={"seed": native["seed"]})

    def poll(self, task: TaskRef) -> TaskState:
        answer = self.service.poll(task.task_id)
        status = answer["status"]
        if status == "unknown":
            raise TaskExpired("the service no longer knows this task", task_id=task.task_id)
        if status == "queued":
            return TaskState(status=TaskStatus.QUEUED)
        if status == "running":
            return TaskState(status=TaskStatus.RUNNING)
        if status == "cancelled":
            return TaskState(status=TaskStatus.CANCELLED)
        if status == "failed":
            return TaskState(status=TaskStatus.FAILED, error=answer["error"])
        seed = task.data.get("seed") if self.service.echo_seed else None
        if self.service.echo_seed and seed is not None:
            seed = seed + 1
        return TaskState(
            status=TaskStatus.SUCCEEDED, output=TaskOutput(url=answer["url"], seed=seed)
        )

    def cancel(self, task: TaskRef) -> CancelOutcome:
        return CancelOutcome(self.service.cancel(task.task_id))

    def map_error(self, exc: BaseException) -> VideogateError:
        text = str(exc)
        if isinstance(exc, ConnectionRefusedError):
            return ProviderUnavailable(f"connection refused: {text}")
        if isinstance(exc, ConnectionResetError | TimeoutError):
            return ProviderUnavailable(f"no answer: {text}")
        if isinstance(exc, HttpAnswer):
            if exc.status == 429:
                return RateLimited(text, http_status=429, retry_after=exc.retry_after)
            if exc.status >= 500:
                return ProviderUnavailable(text, http_status=exc.status)
            if exc.status == 401:
                return AuthenticationError(text, http_status=401)
            return InvalidRequest(text, http_status=exc.status)
        return TaskFailed(f"unexpected: {text}")


class ApplySecretFaults(FakeProvider):
    """A provider whose service echoes the API key in its error texts."""

    def poll(self, task: TaskRef) -> TaskState:
        assert self.api_key is not None
        raise HttpAnswer(401, f"invalid key {self.api_key.reveal()}")


def spec_for(service_factory) -> ProviderSpec:
    return ProviderSpec(name="fake", factory=service_factory, capabilities=CAPS, namespace="fake")
