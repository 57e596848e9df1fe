"""``WanProvider``: ``wan2.6-i2v-flash`` through the official DashScope SDK, imported on first
use: ``VideoSynthesis.async_call`` submits (local images go through the SDK's own
getPolicy + OSS upload first), the SDK's task endpoints poll and cancel.

Each call passes the API key and this instance's base URL explicitly (``base_address``), so
two providers pointed at different regions or emulators never share state through the SDK's
module globals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, ClassVar

from videogate import (
    CancelOutcome,
    Capabilities,
    MalformedResponse,
    Provider,
    RateLimited,
    Secret,
    TaskExpired,
    TaskMayExist,
    TaskOutput,
    TaskRef,
    TaskState,
    TaskStatus,
    TaskSummary,
    VideogateError,
    VideoRequest,
    redact,
)
from videogate_wan._capabilities import (
    FPS,
    MODEL,
    NAMESPACE,
    capabilities_for,
)
from videogate_wan._credentials import resolve_api_key
from videogate_wan._errors import (
    error_from_exception,
    error_from_response,
    error_from_task,
    retry_after,
)
from videogate_wan._prepare import native_request
from videogate_wan._pricing import pricing_for
from videogate_wan._sdk import submit_session, tasks_api
from videogate_wan._settings import WanSettings
from videogate_wan._task_list import SERVICE_TZ, fetch_task_list
from videogate_wan._uploads import staged, upload

__all__ = ["WanProvider"]

logger = logging.getLogger("videogate.wan")

#: DashScope keeps ``video_url`` and the task id for 24 hours.
URL_LIFETIME = timedelta(hours=24)
_STATUS = {"PENDING": TaskStatus.QUEUED, "RUNNING": TaskStatus.RUNNING}


class WanProvider(Provider):
    """The ``wan`` provider. Created by the engine as ``WanProvider(**options)`` from the
    ``[providers.NAME]`` table; see the package README for the options.

    :raises ConfigError: an unknown option, a wrong value, or any model other than exactly
        ``wan2.6-i2v-flash``.
    """

    name: ClassVar[str] = "wan"

    def __init__(self, **options: Any) -> None:
        self.settings = WanSettings.from_options(options)
        self.model = MODEL
        self.namespace = NAMESPACE
        self.capabilities: Capabilities = capabilities_for(self.settings.resolutions)
        self.pricing = pricing_for(self.settings.region, audio_default=self.settings.audio)
        self._key: Secret | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WanProvider(model={self.model!r}, base_url={self.settings.base_url!r})"

    @property
    def base_url(self) -> str:
        """The DashScope HTTP API base this instance talks to."""
        return self.settings.base_url

    # -- credentials -------------------------------------------------------------------------

    def _api_key(self) -> str:
        with self._lock:
            if self._key is None:
                self._key = resolve_api_key(self.settings.api_key)
            return self._key.reveal()

    # -- prepare -----------------------------------------------------------------------------

    def prepare(self, request: VideoRequest) -> dict[str, Any]:
        """Map a request to DashScope parameters; reads a local image's header, sends nothing.

        :raises InvalidRequest: no reference image, an image the service would refuse
            (format, sides, bytes), or a provider option with a wrong value.
        :raises UnsupportedParameter: a value the model cannot produce (fps other than 30,
            a duration that is not a whole 2..15, a size off the 720P/1080P tiers,
            motion_strength, over-long prompts, unknown options).
        """
        return native_request(request, self.settings, self.capabilities)

    # -- submit ------------------------------------------------------------------------------

    def submit(self, native: dict[str, Any]) -> TaskRef:
        """Upload a local image (the SDK's getPolicy + OSS form upload), then start one task.

        :raises VideogateError: any failure, mapped (see :mod:`videogate_wan._errors`). A
            network failure after the submit was sent is a non-retryable
            ``ProviderUnavailable``: the task may exist and must not be paid twice.
        """
        try:
            return self._submit(native)
        except Exception as exc:
            raise self._mapped(exc, "submit") from None

    # -- stage -------------------------------------------------------------------------------

    def stage(self, native: dict[str, Any]) -> dict[str, Any]:
        """Upload a local image or audio file (the SDK's getPolicy + OSS form upload) and
        return the parameters with its ``oss://`` URL; nothing else is sent, nothing billed.

        :raises VideogateError: the upload failed, mapped and marked ``NotSent`` (safe to
            repeat); ``InvalidRequest`` when the file is gone.
        """
        try:
            api_key = self._api_key()
            return staged(native, lambda path: self._upload(path, api_key))
        except Exception as exc:
            # Nothing is billed before the submit itself: upload failures are safe to repeat.
            raise _not_sent(self._mapped(exc, "upload")) from None

    def _submit(self, native: dict[str, Any]) -> TaskRef:
        api_key = self._api_key()
        from dashscope import VideoSynthesis

        try:
            native = staged(native, lambda path: self._upload(path, api_key))
        except Exception as exc:
            raise _not_sent(self._mapped(exc, "upload")) from None
        img_url = native["image"]["value"]
        extra: dict[str, Any] = {}
        if native.get("audio_url") is not None:
            extra["audio_url"] = native["audio_url"]
        session = submit_session()
        try:
            response = VideoSynthesis.async_call(
                model=native["model"],
                prompt=native["prompt"],
                negative_prompt=native.get("negative_prompt"),
                img_url=img_url,
                api_key=api_key,
                workspace=self.settings.workspace,
                base_address=self.base_url,
                request_timeout=self.settings.request_timeout,
                session=session,
                **extra,
                **native["parameters"],
            )
        finally:
            session.close()
        if response.status_code != HTTPStatus.OK:
            raise self._response_error(response, "submit")
        output = response.output
        task_id = output.get("task_id") if isinstance(output, Mapping) else None
        if not task_id:
            raise TaskMayExist(
                "DashScope accepted the submit but its answer holds no task id; the task may exist",
                provider=self.name,
                request_id=response.request_id or None,
            )
        logger.debug("wan task %s submitted (request %s)", task_id, response.request_id)
        return TaskRef(
            task_id=str(task_id),
            provider=self.name,
            data={
                "model": MODEL,
                "request_id": response.request_id or None,
                "resolution": native["parameters"]["resolution"],
                "duration": native["parameters"]["duration"],
            },
        )

    def _upload(self, path: str, api_key: str) -> str:
        return upload(path, api_key, self.settings, self.base_url, self._response_error)

    # -- poll --------------------------------------------------------------------------------

    def poll(self, task: TaskRef) -> TaskState:
        """One ``GET /tasks/{id}``: PENDING is queued at the service, RUNNING running,
        SUCCEEDED carries the video URL (valid 24 h), FAILED its mapped error, CANCELED is
        cancelled, UNKNOWN (expired or never existed) is a failed state with ``TaskExpired``.

        :raises VideogateError: the query itself failed (HTTP error, network, bad JSON).
        """
        try:
            return self._poll(task)
        except Exception as exc:
            raise self._mapped(exc, "poll", task.task_id) from None

    def _poll(self, task: TaskRef) -> TaskState:
        api_key = self._api_key()
        from dashscope.api_entities.dashscope_response import VideoSynthesisResponse

        raw = tasks_api().get(
            task.task_id,
            api_key=api_key,
            workspace=self.settings.workspace,
            base_address=self.base_url,
            request_timeout=self.settings.request_timeout,
        )
        if raw.status_code != HTTPStatus.OK:
            raise self._response_error(raw, "poll", task.task_id)
        response = VideoSynthesisResponse.from_api_response(raw)
        output = response.output
        if output is None:
            raise MalformedResponse(
                "DashScope answered the task query without output",
                provider=self.name,
                task_id=task.task_id,
                request_id=response.request_id or None,
            )
        status = str(output.get("task_status") or "")
        hint = retry_after(response.headers)
        if status in _STATUS:
            return TaskState(
                status=_STATUS[status],
                retry_after=hint,
                remote_queued=status == "PENDING",
            )
        if status == "SUCCEEDED":
            return TaskState(status=TaskStatus.SUCCEEDED, output=self._output(response, task))
        if status == "FAILED":
            error = error_from_task(
                output.get("code"),
                output.get("message"),
                request_id=response.request_id,
                task_id=task.task_id,
            )
            return TaskState(status=TaskStatus.FAILED, error=error)
        if status in ("CANCELED", "CANCELLED"):
            return TaskState(status=TaskStatus.CANCELLED)
        if status == "UNKNOWN":
            expired = TaskExpired(
                "DashScope no longer knows this task (task ids expire after 24 hours, or it "
                "never existed in this region/account)",
                provider=self.name,
                task_id=task.task_id,
                request_id=response.request_id or None,
                code="UNKNOWN",
            )
            return TaskState(status=TaskStatus.FAILED, error=expired)
        raise MalformedResponse(
            f"DashScope reported an unknown task status {status!r}",
            provider=self.name,
            task_id=task.task_id,
            request_id=response.request_id or None,
        )

    def _output(self, response: Any, task: TaskRef) -> TaskOutput:
        output = response.output
        url = output.get("video_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MalformedResponse(
                "DashScope reported SUCCEEDED without a video_url",
                provider=self.name,
                task_id=task.task_id,
                request_id=response.request_id or None,
            )
        usage = dict(response.usage or {})
        duration = usage.get("output_video_duration") or usage.get("duration")
        return TaskOutput(
            url=url,
            expires_at=_expiry(output.get("end_time")),
            duration=float(duration)
            if isinstance(duration, int | float) and duration > 0
            else None,
            fps=float(FPS),
            usage=_json_values(usage),
        )

    # -- list --------------------------------------------------------------------------------

    def list_tasks(self, since: datetime, until: datetime) -> list[TaskSummary]:
        """``GET /tasks`` (the SDK's ``VideoSynthesis.list``) for ``wan2.6-i2v-flash`` tasks
        created between ``since`` and ``until``, every page, newest first. DashScope takes
        the window as ``YYYYMMDDhhmmss`` in service time (UTC+8).

        :raises VideogateError: the listing failed (mapped like a poll).
        """
        try:
            return self._list_tasks(since, until)
        except Exception as exc:
            raise self._mapped(exc, "list") from None

    def _list_tasks(self, since: datetime, until: datetime) -> list[TaskSummary]:
        return fetch_task_list(
            since,
            until,
            api_key=self._api_key(),
            workspace=self.settings.workspace,
            base_url=self.base_url,
            refused=lambda response: self._response_error(response, "list"),
        )

    # -- cancel ------------------------------------------------------------------------------

    def cancel(self, task: TaskRef) -> CancelOutcome:
        """``POST /tasks/{id}/cancel``: DashScope only cancels PENDING tasks. ``CANCELLED`` when
        it took, ``TOO_LATE`` when the service refused (already running or done), ``UNKNOWN``
        when the cancel request itself failed (network, auth, 5xx). Never raises."""
        try:
            api_key = self._api_key()
            response = tasks_api().cancel(
                task.task_id,
                api_key=api_key,
                workspace=self.settings.workspace,
                base_address=self.base_url,
                request_timeout=self.settings.request_timeout,
            )
        except Exception as exc:
            logger.debug("wan cancel of %s failed: %s", task.task_id, self._mapped(exc, "cancel"))
            return CancelOutcome.UNKNOWN
        if response.status_code == HTTPStatus.OK:
            return CancelOutcome.CANCELLED
        status = int(response.status_code)
        if status in (400, 409) and response.code not in ("InvalidApiKey", "Arrearage"):
            return CancelOutcome.TOO_LATE
        logger.debug(
            "wan cancel of %s refused: HTTP %s %s", task.task_id, status, redact(str(response.code))
        )
        return CancelOutcome.UNKNOWN

    # -- errors ------------------------------------------------------------------------------

    def map_error(self, exc: BaseException) -> VideogateError:
        """Any exception from the SDK or the network as a :class:`VideogateError`."""
        return error_from_exception(exc, op="call")

    def _mapped(self, exc: BaseException, op: str, task_id: str | None = None) -> VideogateError:
        if not isinstance(exc, VideogateError):
            logger.debug("wan %s failed: %s: %s", op, type(exc).__name__, redact(str(exc)))
        return error_from_exception(exc, op=op, task_id=task_id)

    def _response_error(self, response: Any, op: str, task_id: str | None = None) -> VideogateError:
        return error_from_response(
            int(response.status_code),
            response.code,
            response.message,
            request_id=response.request_id,
            headers=getattr(response, "headers", None),
            op=op,
            task_id=task_id,
        )


def _not_sent(err: VideogateError) -> VideogateError:
    """An upload failure, marked as happening before the submit was sent (code ``NotSent``)
    when it is transient, so the engine may repeat it: nothing was billed."""
    if err.retryable and not isinstance(err, TaskMayExist | RateLimited):
        err.message = f"before the submit was sent (nothing billed): {err.message}"
        err.args = (err.message,)
        err.code = "NotSent"
    return err


def _expiry(end_time: Any) -> datetime:
    """When ``video_url`` stops working: 24 h after the task's end (service time, UTC+8), or
    24 h from now when the end time is missing or unreadable."""
    if isinstance(end_time, str):
        try:
            ended = datetime.strptime(end_time.strip(), "%Y-%m-%d %H:%M:%S.%f")
        except ValueError:
            try:
                ended = datetime.strptime(end_time.strip(), "%Y-%m-%d %H:%M:%S")
            except ValueError:
                ended = None
        if ended is not None:
            return (ended.replace(tzinfo=SERVICE_TZ) + URL_LIFETIME).astimezone(UTC)
    return datetime.now(UTC) + URL_LIFETIME


def _json_values(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_values(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
