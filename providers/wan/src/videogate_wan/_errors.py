"""Turning DashScope answers and client-side failures into :class:`videogate.VideogateError`.

HTTP errors carry ``{code, message, request_id}``; failed tasks arrive as HTTP 200 with
``output.code``/``output.message``. The mapping:

=========================================  ====================================================
DashScope                                  videogate
=========================================  ====================================================
``InvalidApiKey``, HTTP 401                ``AuthenticationError``
``Arrearage``, ``AccessDenied*``, 403      ``PermissionDenied``
``Throttling``, ``Throttling.RateQuota``   ``RateLimited`` (retryable, ``retry_after`` from
                                           the ``Retry-After`` header)
``Throttling.AllocationQuota``             ``QuotaExceeded``
``DataInspectionFailed``,                  ``ContentRejected``
``IPInfringementSuspect``
``InvalidParameter*`` at submit (HTTP 400)  ``UnsupportedParameter``: the service refused a
                                           value we sent (our own checks raise
                                           ``InvalidRequest`` before sending anything)
``InternalError*``, HTTP 5xx               ``ProviderUnavailable`` (retryable)
a FAILED task                              ``TaskFailed`` (retryable only for the service's
                                           internal errors), or the class of its code above
task ``UNKNOWN``                           ``TaskExpired``
unreadable JSON, missing fields            ``MalformedResponse``
network failures                           ``ProviderUnavailable``; at submit only retryable
                                           when the request provably never left, else
                                           ``TaskMayExist``
=========================================  ====================================================
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

from videogate import (
    AuthenticationError,
    ContentRejected,
    MalformedResponse,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    TaskFailed,
    TaskMayExist,
    UnsupportedParameter,
    VideogateError,
    redact,
)

__all__ = [
    "AmbiguousSubmit",
    "error_from_exception",
    "error_from_response",
    "error_from_task",
    "retry_after",
]

PROVIDER = "wan"
_MISSING_IMAGE = "Field required: input.img_url"
_CONTENT_CODES = ("DataInspectionFailed", "IPInfringementSuspect")
_INTERNAL_CODES = ("InternalError", "ServiceUnavailable", "GatewayTimeout", "SystemError")


class AmbiguousSubmit(Exception):
    """The submit request was sent but its answer was lost: the task may exist."""


def retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), if present."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(code: str | None, message: str | None) -> str:
    text = (message or "").strip() or "(no message)"
    return f"DashScope {code}: {text}" if code else f"DashScope: {text}"


def error_from_response(
    status: int,
    code: str | None,
    message: str | None,
    *,
    request_id: str | None = None,
    headers: Mapping[str, Any] | None = None,
    op: str,
    task_id: str | None = None,
) -> VideogateError:
    """The error for a non-200 DashScope answer to operation ``op`` (submit, poll, cancel,
    upload)."""
    code = code or None
    message = redact(str(message or ""))
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "code": code,
        "request_id": request_id or None,
        "task_id": task_id,
        "http_status": status,
    }
    text = _describe(code, message)
    name = code or ""
    if name in _CONTENT_CODES:
        return ContentRejected(f"{text} (moderation refused the input or output)", **common)
    if name == "InvalidApiKey" or status == 401:
        return AuthenticationError(
            f"{text} (check the API key and that it belongs to this region)", **common
        )
    if name == "Throttling.AllocationQuota":
        return QuotaExceeded(f"{text} (raise the quota in the Model Studio console)", **common)
    if name.startswith("Throttling") or status == 429:
        return RateLimited(text, retry_after=retry_after(headers), **common)
    if name == "Arrearage" or name.startswith("AccessDenied") or status == 403:
        return PermissionDenied(text, **common)
    if name.startswith(_INTERNAL_CODES) or status >= 500:
        return ProviderUnavailable(text, **common)
    if status == 404:
        return ProviderUnavailable(
            f"{text} (HTTP 404: is base_url a DashScope API base ending in /api/v1?)",
            retryable=False,
            **common,
        )
    if _MISSING_IMAGE in message:
        return UnsupportedParameter(
            f"{text}: the reference image is missing or was not sent as img_url "
            "(wan2.6-i2v-flash needs one)",
            field="reference_image",
            **common,
        )
    if name.startswith("InvalidParameter") or status == 400:
        return UnsupportedParameter(
            f"{text} (the service refused a value it was sent)", field=_field_of(message), **common
        )
    return TaskFailed(f"{text} (HTTP {status})", **common)


def _field_of(message: str) -> str:
    lowered = message.lower()
    for needle, field in (
        ("img_url", "reference_image"),
        ("image", "reference_image"),
        ("negative_prompt", "negative_prompt"),
        ("prompt", "prompt"),
        ("duration", "duration"),
        ("resolution", "size"),
        ("size", "size"),
        ("seed", "seed"),
        ("audio_url", "options.wan.audio_url"),
        ("shot_type", "options.wan.shot_type"),
    ):
        if needle in lowered:
            return field
    return "request"


def error_from_task(
    code: str | None, message: str | None, *, request_id: str | None, task_id: str
) -> VideogateError:
    """The error of a task that ended ``FAILED`` (HTTP 200 with ``output.code``)."""
    message = redact(str(message or ""))
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "code": code or None,
        "request_id": request_id or None,
        "task_id": task_id,
    }
    text = _describe(code, message)
    name = code or ""
    if name in _CONTENT_CODES:
        return ContentRejected(f"{text} (moderation refused the input or output)", **common)
    if name == "Arrearage" or name.startswith("AccessDenied"):
        return PermissionDenied(text, **common)
    if name == "Throttling.AllocationQuota":
        return QuotaExceeded(text, **common)
    if _MISSING_IMAGE in message:
        return TaskFailed(
            f"{text}: the reference image is missing or was not sent as img_url", **common
        )
    retryable = name.startswith(_INTERNAL_CODES)
    return TaskFailed(f"task failed: {text}", retryable=retryable, **common)


def _connect_failure(exc: BaseException) -> bool:
    """Whether a network error happened before the request could be sent."""
    import requests
    import urllib3.exceptions

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            urllib3.exceptions.NewConnectionError
            | urllib3.exceptions.ConnectTimeoutError
            | urllib3.exceptions.NameResolutionError
            | ConnectionRefusedError,
        ):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return False


def error_from_exception(
    exc: BaseException, *, op: str, task_id: str | None = None
) -> VideogateError:
    """The error for anything raised while talking to DashScope during ``op``."""
    if isinstance(exc, VideogateError):
        return exc
    common: dict[str, Any] = {"provider": PROVIDER, "task_id": task_id}
    kind = type(exc).__name__
    detail = redact(str(exc).splitlines()[0] if str(exc) else kind)
    if isinstance(exc, AmbiguousSubmit):
        return TaskMayExist(
            f"the connection to DashScope broke after the submit was sent ({detail}); the task "
            "may exist, so it is not resubmitted automatically (that could pay twice)",
            **common,
        )
    if isinstance(exc, json.JSONDecodeError | TypeError | KeyError | AttributeError):
        # At submit the task may exist: the engine records it as a lost answer.
        return MalformedResponse(
            f"DashScope answered something unreadable during {op} ({kind}: {detail})", **common
        )
    try:
        import requests
    except ImportError:  # pragma: no cover - requests comes with dashscope
        requests = None  # type: ignore[assignment]
    if requests is not None and isinstance(exc, requests.exceptions.RequestException):
        if isinstance(exc, requests.exceptions.InvalidJSONError):
            return MalformedResponse(
                f"DashScope answered something unreadable during {op} ({detail})", **common
            )
        sent_for_sure_not = _connect_failure(exc)
        if op == "submit" and not sent_for_sure_not:
            return error_from_exception(AmbiguousSubmit(detail), op=op, task_id=task_id)
        return ProviderUnavailable(
            f"cannot reach DashScope during {op} ({kind}: {detail})", **common
        )
    if isinstance(exc, OSError):
        return ProviderUnavailable(f"I/O failure during {op} ({kind}: {detail})", **common)
    module = type(exc).__module__
    if module.startswith("dashscope"):
        return _from_sdk_error(exc, kind, detail, op, common)
    return ProviderUnavailable(
        f"unexpected failure during {op} ({kind}: {detail})", retryable=False, **common
    )


def _from_sdk_error(
    exc: BaseException, kind: str, detail: str, op: str, common: dict[str, Any]
) -> VideogateError:
    if kind == "AuthenticationError":
        return AuthenticationError(f"DashScope SDK: {detail}", **common)
    if kind == "UploadFileException":
        for code in ("InvalidApiKey", "Arrearage", "Throttling"):
            if code in detail:
                return error_from_response(
                    401 if code == "InvalidApiKey" else 403 if code == "Arrearage" else 429,
                    code,
                    detail,
                    op=op,
                    task_id=common.get("task_id"),
                )
        return ProviderUnavailable(f"uploading the reference image failed: {detail}", **common)
    return ProviderUnavailable(
        f"DashScope SDK error during {op} ({kind}: {detail})", retryable=False, **common
    )
