"""A minimal in-memory reference provider and its service double.

It is the template a provider author copies: an adapter (:class:`ReferenceProvider`) that
talks to a "service" (:class:`ReferenceService`, an in-memory stand-in that renders small
real MP4 files), maps every service answer and error to videogate's types, keeps its key in
a :class:`videogate.Secret`, and passes the whole contract suite with
:class:`ReferenceDouble`.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from videogate import (
    AuthenticationError,
    CancelOutcome,
    Capabilities,
    ContentRejected,
    InvalidRequest,
    MalformedResponse,
    NumberRange,
    PermissionDenied,
    Provider,
    ProviderUnavailable,
    RateLimited,
    Secret,
    Size,
    SizeRule,
    TaskExpired,
    TaskFailed,
    TaskOutput,
    TaskRef,
    TaskState,
    TaskStatus,
    TaskSummary,
    Timeout,
    VideogateError,
    VideoRequest,
)
from videogate_contracts._double import STATUS_STEPS, TRANSIENT_FAULTS, Fault

__all__ = [
    "CAPABILITIES",
    "ReferenceDouble",
    "ReferenceProvider",
    "ReferenceService",
    "ServiceError",
]

CAPABILITIES = Capabilities(
    sizes=SizeRule(sizes=(Size(64, 48), Size(48, 64), Size(32, 32))),
    durations=NumberRange(0.5, 2.0, 0.5),
    fps=NumberRange(4, 12, 4),
    supports_negative_prompt=True,
    supports_seed=True,
    supports_motion_strength=True,
    prompt_max_chars=200,
    negative_prompt_max_chars=100,
    options=("style",),
    can_cancel=True,
    output_seed_echoed=True,
)


class ServiceError(Exception):
    """What the reference "SDK" raises for a non-2xx answer."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def render(path: Path, size: Size, fps: float, duration: float) -> None:
    """Write a small real MP4 (H.264 or MPEG-4) of ``duration`` seconds at ``fps``."""
    import av
    import numpy as np

    frames = max(1, round(duration * fps))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height = size.width, size.height
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            img = np.full((size.height, size.width, 3), (i * 16) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


class _Task:
    def __init__(self, native: dict[str, Any], steps: list[str]) -> None:
        self.native = native
        self.steps = steps
        self.status = "queued"
        self.url: str | None = None
        self.created_at = datetime.now(UTC)


class ReferenceService:
    """An in-memory video service: tasks, scripted answers, injected faults, real files."""

    def __init__(self, workdir: str | None = None) -> None:
        self._own = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="videogate-reference-"))
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.tasks: dict[str, _Task] = {}
            self.submissions = 0
            self._script: list[str] | None = None
            self._faults: dict[str, list[tuple[str, dict[str, Any]]]] = {"submit": [], "poll": []}

    def script(self, steps: Sequence[str]) -> None:
        self._script = list(steps)

    def fault(self, kind: str, on: str, params: dict[str, Any]) -> None:
        self._faults[on].append((kind, params))

    def _raise_fault(self, kind: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if kind == Fault.INVALID_PARAMETER:
            raise ServiceError(400, "InvalidParameter", "duration is out of range")
        if kind == Fault.AUTH:
            raise ServiceError(401, "InvalidApiKey", "Invalid API-key provided.")
        if kind == Fault.PERMISSION:
            raise ServiceError(403, "AccessDenied", "The account is in arrears.")
        if kind == Fault.RATE_LIMITED:
            raise ServiceError(429, "Throttling", "Slow down.", params.get("retry_after"))
        if kind == Fault.UNAVAILABLE:
            raise ServiceError(503, "ServiceUnavailable", "Try again later.")
        if kind == Fault.CONTENT_REJECTED:
            raise ServiceError(400, "DataInspectionFailed", "Input data may contain bad content.")
        if kind == Fault.TIMEOUT:
            raise TimeoutError("the service did not answer in time")
        if kind == Fault.MALFORMED:
            return {"garbage": True}
        return None

    def create(self, native: dict[str, Any], api_key: str | None) -> dict[str, Any]:
        if self._faults["submit"]:
            kind, params = self._faults["submit"].pop(0)
            answer = self._raise_fault(kind, params)
            if answer is not None:
                return answer
        if not api_key:
            raise ServiceError(401, "InvalidApiKey", "No API-key provided.")
        with self._lock:
            task_id = f"task-{next(self._ids)}"
            steps = self._script if self._script is not None else ["succeeded"]
            self._script = None
            self.tasks[task_id] = _Task(dict(native), list(steps))
            self.submissions += 1
        return {"task_id": task_id, "status": "PENDING"}

    def created_between(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """The tasks created in the window, newest first (one page: the service is small)."""
        with self._lock:
            found = [
                {"task_id": task_id, "created_at": task.created_at.isoformat()}
                for task_id, task in self.tasks.items()
                if since <= task.created_at <= until
            ]
        return sorted(found, key=lambda item: item["created_at"], reverse=True)

    def query(self, task_id: str) -> dict[str, Any]:
        task = self.tasks.get(task_id)
        if self._faults["poll"]:
            kind, params = self._faults["poll"].pop(0)
            if kind == Fault.TASK_FAILED:
                return {"status": "FAILED", "code": params.get("code", "InternalError")}
            if kind == Fault.CONTENT_REJECTED:
                return {"status": "FAILED", "code": "DataInspectionFailed"}
            if kind == Fault.EXPIRED:
                return {"status": "UNKNOWN"}
            answer = self._raise_fault(kind, params)
            if answer is not None:
                return answer
        if task is None:
            return {"status": "UNKNOWN"}
        if task.status in ("succeeded", "failed", "cancelled"):
            return self._answer(task_id, task)
        step = task.steps.pop(0) if task.steps else task.status
        if step in TRANSIENT_FAULTS:
            answer = self._raise_fault(step, {"retry_after": 0.01})
            assert answer is not None
            return answer
        task.status = step
        return self._answer(task_id, task)

    def _answer(self, task_id: str, task: _Task) -> dict[str, Any]:
        if task.status == "succeeded":
            if task.url is None:
                path = self.workdir / f"{task_id}.mp4"
                size = Size.parse(task.native["size"])
                render(path, size, task.native["fps"], task.native["duration"])
                task.url = path.as_uri()
            return {
                "status": "SUCCEEDED",
                "video_url": task.url,
                "fps": task.native["fps"],
                "size": task.native["size"],
                "seed": task.native["seed"],
            }
        if task.status == "failed":
            return {"status": "FAILED", "code": "InternalError.Algo", "message": "render failed"}
        return {"status": task.status.upper()}

    def cancel(self, task_id: str) -> bool:
        task = self.tasks.get(task_id)
        if task is None or task.status != "queued" or (task.steps and task.steps[0] != "queued"):
            return False
        task.status = "cancelled"
        return True

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)


_STATUS = {
    "PENDING": TaskStatus.QUEUED,
    "QUEUED": TaskStatus.QUEUED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "CANCELLED": TaskStatus.CANCELLED,
}


class ReferenceProvider(Provider):
    """The reference adapter: pure ``prepare``, one call per method, every error mapped."""

    name: ClassVar[str] = "reference"
    model = "reference-1"
    namespace = "reference"
    capabilities = CAPABILITIES

    def __init__(
        self, service: ReferenceService | None = None, api_key: str | None = "reference-key"
    ) -> None:
        self._owns_service = service is None
        self._service = service or ReferenceService()
        self._key = Secret(api_key) if api_key else None

    def prepare(self, request: VideoRequest) -> dict[str, Any]:
        image = request.reference_image
        return {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "duration": request.duration,
            "fps": request.fps,
            "size": str(request.size),
            "seed": request.seed,
            "motion_strength": request.motion_strength,
            "image_sha256": None if image is None else image.sha256,
            "style": request.provider_options(self.name).get("style"),
        }

    def submit(self, native: dict[str, Any]) -> TaskRef:
        try:
            answer = self._service.create(native, self._key.reveal() if self._key else None)
        except TimeoutError:
            # The task may have been created: never retried automatically (no double pay).
            raise Timeout(
                "the service did not answer the submit in time; the task may exist",
                provider=self.name,
                retryable=False,
            ) from None
        return TaskRef(task_id=answer["task_id"], provider=self.name)

    def list_tasks(self, since: datetime, until: datetime) -> list[TaskSummary]:
        """The optional task list (:class:`videogate.TaskLister`): it lets ``videogate
        resume`` find the task of a submit whose answer was lost."""
        return [
            TaskSummary(
                task_id=item["task_id"],
                created_at=datetime.fromisoformat(item["created_at"]),
                model=self.model,
            )
            for item in self._service.created_between(since, until)
        ]

    def poll(self, task: TaskRef) -> TaskState:
        answer = self._service.query(task.task_id)
        status = answer["status"]
        if status == "SUCCEEDED":
            output = TaskOutput(
                url=answer["video_url"],
                fps=float(answer["fps"]),
                size=Size.parse(answer["size"]),
                seed=answer["seed"],
            )
            return TaskState(status=TaskStatus.SUCCEEDED, output=output, progress=1.0)
        if status == "FAILED":
            error = self._task_error(answer.get("code", ""), task.task_id)
            return TaskState(status=TaskStatus.FAILED, error=error)
        if status == "UNKNOWN":
            raise TaskExpired(
                f"the service no longer knows task {task.task_id}",
                provider=self.name,
                task_id=task.task_id,
            )
        if status not in _STATUS:
            raise MalformedResponse(f"unknown task status {status!r}", provider=self.name)
        return TaskState(status=_STATUS[status])

    def _task_error(self, code: str, task_id: str) -> VideogateError:
        if code == "DataInspectionFailed":
            return ContentRejected(
                "moderation rejected the task", provider=self.name, code=code, task_id=task_id
            )
        return TaskFailed(
            f"the task failed ({code or 'no code'})",
            provider=self.name,
            code=code or None,
            task_id=task_id,
        )

    def cancel(self, task: TaskRef) -> CancelOutcome:
        try:
            took = self._service.cancel(task.task_id)
        except Exception:
            return CancelOutcome.UNKNOWN
        return CancelOutcome.CANCELLED if took else CancelOutcome.TOO_LATE

    def map_error(self, exc: BaseException) -> VideogateError:
        if isinstance(exc, VideogateError):
            return exc
        if isinstance(exc, ServiceError):
            kwargs: dict[str, Any] = {
                "provider": self.name,
                "code": exc.code,
                "http_status": exc.status,
            }
            if exc.status == 401:
                return AuthenticationError("the API key was rejected", **kwargs)
            if exc.status == 403:
                return PermissionDenied(exc.message, **kwargs)
            if exc.status == 429:
                return RateLimited(exc.message, retry_after=exc.retry_after, **kwargs)
            if exc.code == "DataInspectionFailed":
                return ContentRejected(exc.message, **kwargs)
            if exc.status >= 500:
                return ProviderUnavailable(exc.message, **kwargs)
            return InvalidRequest(exc.message, **kwargs)
        if isinstance(exc, TimeoutError):
            return Timeout("the service did not answer in time", provider=self.name)
        if isinstance(exc, KeyError | TypeError | ValueError):
            return MalformedResponse(
                f"unreadable answer from the service ({type(exc).__name__})", provider=self.name
            )
        if isinstance(exc, OSError):
            return ProviderUnavailable(f"network error: {exc}", provider=self.name)
        return ProviderUnavailable(f"unexpected error: {type(exc).__name__}", provider=self.name)

    def close(self) -> None:
        if self._owns_service:
            self._service.close()


class ReferenceDouble:
    """The :class:`~videogate_contracts.ServiceDouble` of the reference provider."""

    supported_faults: frozenset[str] = frozenset(Fault)
    #: Every core fault is produced: nothing to opt out of.
    fault_opt_outs: Mapping[str, str] = {}
    scriptable: frozenset[str] = frozenset(STATUS_STEPS) | frozenset(TRANSIENT_FAULTS)
    provider_class: type[ReferenceProvider] = ReferenceProvider

    def __init__(self) -> None:
        self.service = ReferenceService()

    @property
    def submissions(self) -> int:
        return self.service.submissions

    def reset(self) -> None:
        self.service.reset()

    def script(self, steps: Sequence[str]) -> None:
        self.service.script(steps)

    def fault(self, kind: str, *, on: str = "submit", **params: Any) -> None:
        self.service.fault(Fault(kind), on, params)

    def received(self) -> list[dict[str, Any]]:
        """What the service got for each task, in the request's vocabulary."""
        return [
            {
                "prompt": task.native["prompt"],
                "negative_prompt": task.native["negative_prompt"],
                "duration": task.native["duration"],
                "fps": task.native["fps"],
                "size": Size.parse(task.native["size"]),
                "seed": task.native["seed"],
                "motion_strength": task.native["motion_strength"],
                "reference_image": task.native["image_sha256"],
                "options": {"style": task.native["style"]} if task.native["style"] else {},
            }
            for task in list(self.service.tasks.values())
        ]

    def make_provider(self, *, api_key: str | None = None) -> Provider:
        return self.provider_class(self.service, api_key=api_key or "reference-key")

    def close(self) -> None:
        self.service.close()
