"""The :class:`Emulator`: its lifecycle, settings, faults, stats and tasks."""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Final

from videogate_wan._capabilities import FPS, output_size
from videogate_wan.emulator._faults import Fault, FaultBook
from videogate_wan.emulator._handler import Handler
from videogate_wan.emulator._http import API, URL_LIFETIME, VIDEO_PREFIX, Server
from videogate_wan.emulator._render import render_mp4
from videogate_wan.emulator._state import Stats, Task, TaskStore, now, service_time
from videogate_wan.emulator._wire import SubmitSpec

__all__ = ["Emulator"]

SETTINGS: Final = (
    "pending_seconds",
    "running_seconds",
    "time_scale",
    "enforce_limits",
    "task_ttl",
    "submits_per_second",
    "queries_per_second",
    "max_running_tasks",
    "jitter",
    "max_running",
    "reuse_renders",
)


class Emulator:
    """A DashScope emulator on a background thread.

    :param host: interface to bind; loopback unless you ask otherwise.
    :param port: port to bind; 0 picks a free one.
    :param pending_seconds: how long a task stays PENDING.
    :param running_seconds: how long a task stays RUNNING.
    :param time_scale: multiplies both durations (``0.01`` makes a realistic schedule quick).
    :param api_keys: keys accepted; ``None`` accepts any non-empty key.
    :param enforce_limits: answer 429 ``Throttling.RateQuota`` beyond 5 submits/s and 20
        queries/s, like the service.
    :param task_ttl: seconds after which a task id is forgotten (``UNKNOWN``).
    :param submits_per_second: the submit rate enforced with ``enforce_limits`` (default:
        5 per second of the service, i.e. ``5 / time_scale``).
    :param queries_per_second: the query rate enforced with ``enforce_limits`` (default:
        20 per second of the service).
    :param max_running_tasks: with ``enforce_limits``, a submit while this many tasks are
        PENDING or RUNNING is answered 429 (``None``: no such check; DashScope's cap is 5).
        Every 429 counts in ``throttled``.
    :param jitter: each task runs ``running_seconds`` times a factor drawn uniformly from
        ``1 - jitter .. 1 + jitter``.
    :param max_running: the account's running-task cap (DashScope: 5): tasks beyond it wait
        ``PENDING``, in submit order, until a running one ends; ``None`` is no cap.
    :param seed: seeds the draws of task times (reproducible benchmarks).
    :param reuse_renders: tasks of the same size, duration, audio and image share one
        rendered file (benchmarks: rendering is not what they measure).

    Limits and durations follow ``time_scale``: with ``time_scale=0.01`` a 60 s task takes
    0.6 s and the rate windows are 10 ms. :attr:`query_log` lists every answered task query
    as ``(task_id, monotonic time, status)``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pending_seconds: float = 0.0,
        running_seconds: float = 0.0,
        time_scale: float = 1.0,
        api_keys: set[str] | None = None,
        enforce_limits: bool = False,
        task_ttl: float = 24 * 3600.0,
        submits_per_second: float | None = None,
        queries_per_second: float | None = None,
        max_running_tasks: int | None = None,
        jitter: float = 0.0,
        max_running: int | None = None,
        seed: int | None = None,
        reuse_renders: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.pending_seconds = pending_seconds
        self.running_seconds = running_seconds
        self.time_scale = time_scale
        self.api_keys = api_keys
        self.enforce_limits = enforce_limits
        self.task_ttl = task_ttl
        self.submits_per_second = submits_per_second
        self.queries_per_second = queries_per_second
        self.max_running_tasks = max_running_tasks
        self.jitter = jitter
        self.max_running = max_running
        self.random = random.Random(seed)
        self.reuse_renders = reuse_renders
        self._renders: dict[tuple[object, ...], str] = {}
        self.query_log: list[tuple[str, float, str]] = []
        self._ends: list[float] = []
        self.faults = FaultBook()
        self.store = TaskStore()
        self.counters = Stats()
        self.submitted: list[dict[str, Any]] = []
        self._recent: dict[str, deque[float]] = {"submit": deque(), "query": deque()}
        self._limit_lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._work_dir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve on a daemon thread; returns ``self``."""
        self._work_dir = Path(tempfile.mkdtemp(prefix="videogate-wan-emulator-"))
        server = Server(self, Handler)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, name="wan-emulator", kwargs={"poll_interval": 0.1}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI)."""
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and delete the rendered videos."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The DashScope API base to give the SDK (``DASHSCOPE_HTTP_BASE_URL``)."""
        return self.origin + API

    # -- control -----------------------------------------------------------------------------

    def inject(self, kind: str, **fields: Any) -> Fault:
        """Schedule a fault (see :mod:`videogate_wan.emulator._faults`); returns it."""
        fault = Fault(kind=kind, **fields)
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every scheduled fault."""
        self.faults.clear()

    def configure(self, **settings: Any) -> None:
        """Change ``pending_seconds``, ``running_seconds``, ``time_scale``,
        ``enforce_limits`` or ``task_ttl`` for tasks submitted from now on."""
        for name, value in settings.items():
            if name not in SETTINGS:
                raise ValueError(f"unknown emulator setting {name!r}")
            setattr(self, name, value)

    def settings(self) -> dict[str, Any]:
        """The current values of the settings :meth:`configure` changes."""
        return {name: getattr(self, name) for name in SETTINGS}

    def stats(self) -> dict[str, Any]:
        """The counters (``submissions``, ``queries``, ``cancels``, ``uploads``, ...)."""
        data = self.counters.snapshot()
        data["faults_fired"] = self.faults.fired
        data["faults_pending"] = len(self.faults.pending())
        data["tasks"] = len(self.store.all())
        return data

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until no submit request is being handled (one delayed by a latency fault may
        still create its task after the client gave up); ``False`` if ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        while self.counters.snapshot().get("submits_in_flight", 0) > 0:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def reset(self) -> None:
        """Forget tasks, uploads, faults and counters."""
        self.faults = FaultBook()
        self.store.clear()
        self.counters = Stats()
        self.submitted.clear()
        self.query_log.clear()
        self._ends.clear()

    def task(self, task_id: str) -> Task | None:
        """A submitted task, by id."""
        return self.store.get(task_id)

    # -- behaviour ---------------------------------------------------------------------------

    def over_limit(self, kind: str) -> bool:
        if not self.enforce_limits:
            return False
        chosen = self.submits_per_second if kind == "submit" else self.queries_per_second
        with self._limit_lock:
            if kind == "submit" and self.max_running_tasks is not None:
                moment = now()
                live = sum(
                    1 for t in self.store.all() if t.status(moment) in ("PENDING", "RUNNING")
                )
                if live >= self.max_running_tasks:
                    return True
            # The service allows 5 submits (20 queries) in any second; a faster rate is
            # the same allowance in a proportionally shorter window (a time-scaled service).
            cap = 5 if kind == "submit" else 20
            span = self.time_scale if chosen is None else cap / chosen
            window = self._recent[kind]
            moment = time.monotonic()
            while window and moment - window[0] > span:
                window.popleft()
            if len(window) >= cap:
                return True
            window.append(moment)
            return False

    def render(self, task: Task) -> str:
        with task.lock:
            shape = (
                task.width,
                task.height,
                task.parameters["duration"],
                task.parameters["audio"],
                hash(task.image),
            )
            if task.video_path is None and self.reuse_renders and shape in self._renders:
                task.video_path = self._renders[shape]
            if task.video_path is None:
                assert self._work_dir is not None
                path = self._work_dir / f"{task.task_id}.mp4"
                started = time.perf_counter()
                render_mp4(
                    path,
                    width=task.width,
                    height=task.height,
                    seconds=task.parameters["duration"],
                    fps=FPS,
                    audio=task.parameters["audio"],
                    image=task.image,
                )
                self.counters.add_render(time.perf_counter() - started)
                task.video_path = str(path)
                self._renders[shape] = task.video_path
            return task.video_path

    def task_output(self, task: Task) -> tuple[dict[str, Any], dict[str, Any] | None]:
        moment = now()
        status = task.status(moment)
        if moment - task.created > self.task_ttl:
            status = "UNKNOWN"
        self.query_log.append((task.task_id, moment, status))
        output: dict[str, Any] = {"task_id": task.task_id, "task_status": status}
        if status == "UNKNOWN":
            return output, None
        output["submit_time"] = service_time(task.created_wall)
        if status != "PENDING":
            output["scheduled_time"] = service_time(task.created_wall + task.pending_seconds)
        usage = None
        if status == "SUCCEEDED":
            self.render(task)
            end = task.end_wall()
            output["end_time"] = service_time(end)
            output["orig_prompt"] = task.prompt
            output["video_url"] = (
                f"{self.origin}{VIDEO_PREFIX}{task.task_id}.mp4?Expires={int(end + URL_LIFETIME)}"
                "&OSSAccessKeyId=emulator&Signature=emulated"
            )
            seconds = task.parameters["duration"]
            usage = {
                "duration": seconds,
                "input_video_duration": 0,
                "output_video_duration": seconds,
                "video_count": 1,
                "SR": 720 if task.parameters["resolution"] == "720P" else 1080,
                "audio": task.parameters["audio"],
            }
        elif status == "FAILED":
            output["end_time"] = service_time(task.end_wall())
            output["code"] = task.fail_code or "InternalError"
            output["message"] = task.fail_message or "An internal error has occured."
        elif status == "CANCELED":
            output["end_time"] = service_time(task.end_wall())
        return output, usage

    def _timing(self, created: float) -> tuple[float, float]:
        """Seconds PENDING (queued behind the running-task cap) and RUNNING of a new task."""
        scale = self.time_scale
        with self._limit_lock:
            factor = 1.0 + self.random.uniform(-self.jitter, self.jitter) if self.jitter else 1.0
            running = max(0.0, self.running_seconds * scale * factor)
            start = created + self.pending_seconds * scale
            if self.max_running is not None:
                self._ends = sorted(end for end in self._ends if end > start)
                waiting = len(self._ends) - self.max_running
                if waiting >= 0:
                    start = max(start, self._ends[waiting])
                self._ends.append(start + running)
            return start - created, running

    def end_of(self, task: Task) -> float:
        """When ``task`` ends (or ended), on the :data:`now` clock."""
        return task.created + task.pending_seconds + task.running_seconds

    def create_task(self, spec: SubmitSpec) -> Task:
        width, height = spec.image_size or (16, 9)
        size = output_size(spec.resolution, width / height)
        parameters = dict(spec.parameters)
        parameters.update(resolution=spec.resolution, duration=spec.duration, audio=spec.audio)
        created = now()
        pending, running = self._timing(created)
        task = Task(
            task_id=self.store.new_id(),
            model="wan2.6-i2v-flash",
            prompt=spec.prompt,
            parameters=parameters,
            width=size.width,
            height=size.height,
            image=spec.image,
            created=created,
            created_wall=time.time(),
            pending_seconds=pending,
            running_seconds=running,
        )
        for fault in self.faults.take("submit", task=True):
            if fault.kind == "fail":
                task.forced = "FAILED"
                task.fail_code = fault.code or "InternalError"
                task.fail_message = fault.message or "An internal error has occured."
            elif fault.kind == "reject_output":
                task.forced = "FAILED"
                task.fail_code = fault.code or "DataInspectionFailed"
                task.fail_message = (
                    fault.message or "Output data may contain inappropriate content."
                )
            elif fault.kind == "stuck":
                task.forced = fault.state if fault.state in ("PENDING", "RUNNING") else "RUNNING"
            elif fault.kind == "unknown":
                task.forced = "UNKNOWN"
        self.store.add(task)
        return task
