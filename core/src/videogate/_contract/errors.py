"""The error tree of videogate: every failure a caller can see is one of these.

::

    VideogateError                      base; provider, retryable, code, request_id, task_id, ...
     +-- InvalidRequest                 our own validation failed (exit 2)
     |    +-- ConfigError               a configuration file or value is wrong
     |    +-- UnknownProvider           no installed provider has that name
     |    +-- BudgetExceeded            the estimate would exceed a budget; nothing was sent
     +-- UnsupportedParameter           the provider cannot honor a value (strict mode) (exit 2)
     +-- AuthenticationError            missing or rejected credentials
     +-- PermissionDenied               the account may not do this (e.g. arrears)
     +-- RateLimited                    throttled; retryable, carries retry_after
     +-- QuotaExceeded                  an allocation is used up; not retryable
     +-- ContentRejected                moderation refused the input or the output
     +-- ProviderUnavailable            5xx, network, reset; retryable
     |    +-- TaskMayExist              a submit's answer was lost: a task may exist (exit 4)
     +-- TaskFailed                     the provider ran the task and it failed
     |    +-- TaskExpired               the provider no longer knows the task
     +-- Timeout                        a deadline passed; the job stays resumable
     +-- Cancelled                      the caller cancelled (exit 130)
     +-- MalformedResponse              the provider answered something we cannot read
     +-- StorageError                   storing or reading an artifact failed

Errors are plain exception classes (not attrs) so ``str(err)`` is the message a user can act
on. Every message passes through :func:`videogate.redact`, so a registered secret (an API key)
never shows in ``str``, ``repr``, logs or tracebacks made from these errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

from videogate._contract.secrets import redact

__all__ = [
    "AuthenticationError",
    "BudgetExceeded",
    "Cancelled",
    "ConfigError",
    "ContentRejected",
    "InvalidRequest",
    "MalformedResponse",
    "PermissionDenied",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "StorageError",
    "TaskExpired",
    "TaskFailed",
    "TaskMayExist",
    "Timeout",
    "UnknownProvider",
    "UnsupportedParameter",
    "VideogateError",
    "exit_code_for",
]

#: Exit codes of the ``videogate`` command, by cause.
EXIT_OK = 0
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_TRANSIENT = 4
EXIT_CANCELLED = 130


class VideogateError(Exception):
    """Base of every videogate error.

    :param message: a sentence a user can act on.
    :param provider: name of the provider involved, if any.
    :param retryable: whether repeating the same operation may succeed; defaults per class.
    :param code: the provider's own error code (``Throttling.RateQuota``), if known.
    :param request_id: the provider's request id, for support tickets.
    :param task_id: the provider's task id, when a task exists.
    :param http_status: the HTTP status of the failed exchange, if any.
    :param retry_after: seconds the provider asked us to wait, if it said.
    """

    default_retryable: ClassVar[bool] = False
    exit_code: ClassVar[int] = EXIT_REFUSED

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        retryable: bool | None = None,
        code: str | None = None,
        request_id: str | None = None,
        task_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = redact(message) or type(self).__name__
        super().__init__(self.message)
        self.provider = provider
        self.retryable = self.default_retryable if retryable is None else retryable
        self.code = redact(code) if code else code
        self.request_id = request_id
        self.task_id = task_id
        self.http_status = http_status
        self.retry_after = retry_after

    def context(self) -> dict[str, Any]:
        """The known context fields (provider, code, ids, status), without the empty ones."""
        fields = {
            "provider": self.provider,
            "code": self.code,
            "http_status": self.http_status,
            "request_id": self.request_id,
            "task_id": self.task_id,
            "retry_after": self.retry_after,
        }
        return {k: v for k, v in fields.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: error class, message, retryable and context."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "retryable": self.retryable,
            **self.context(),
        }

    def __str__(self) -> str:
        ctx = self.context()
        if not ctx:
            return self.message
        details = ", ".join(f"{k}={v}" for k, v in ctx.items())
        return f"{self.message} [{details}]"

    def __repr__(self) -> str:
        args = [repr(self.message), *(f"{k}={v!r}" for k, v in self.context().items())]
        args.append(f"retryable={self.retryable!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[VideogateError], message: str, state: dict[str, Any]) -> VideogateError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class InvalidRequest(VideogateError):
    """The request (or a value given to videogate) is invalid; nothing was sent anywhere.

    :param field: dotted path of the offending field (``size``, ``options.wan.audio``), if one.
    """

    exit_code = EXIT_INVALID

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class ConfigError(InvalidRequest):
    """A configuration file, environment variable or option is wrong.

    :param path: the file that holds the wrong value, if it came from a file.
    """

    def __init__(self, message: str, *, path: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.path = path


class UnknownProvider(InvalidRequest):
    """No installed or configured provider has the requested name."""


class BudgetExceeded(InvalidRequest):
    """The job's estimated cost would exceed a budget (``--max-cost``, ``[budget]``), or its
    price is unknown while a budget applies; refused before anything was sent.

    :param estimate: the estimate (``CostEstimate.to_dict()``) that was refused.
    :param limit: the budget that would be exceeded, in ``currency``.
    """

    def __init__(
        self,
        message: str,
        *,
        estimate: dict[str, Any] | None = None,
        limit: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.estimate = estimate
        self.limit = limit


class UnsupportedParameter(VideogateError):
    """The provider cannot honor a requested value exactly (strict mode), or not at all.

    :param field: the request field (``fps``, ``size``, ``options.wan.audio``).
    :param value: the value asked for.
    :param supported: a short description of what the provider accepts.
    """

    exit_code = EXIT_INVALID

    def __init__(
        self,
        message: str,
        *,
        field: str,
        value: Any = None,
        supported: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.field = field
        self.value = value
        self.supported = supported


class AuthenticationError(VideogateError):
    """Credentials are missing or were rejected by the provider."""


class PermissionDenied(VideogateError):
    """The credentials are valid but the account may not do this (arrears, region, model)."""


class RateLimited(VideogateError):
    """The provider throttled us; retry after ``retry_after`` seconds (if it said)."""

    default_retryable = True
    exit_code = EXIT_TRANSIENT


class QuotaExceeded(VideogateError):
    """An allocated quota is used up; retrying will not help until it is raised."""


class ContentRejected(VideogateError):
    """Moderation rejected the input or the generated output."""


class ProviderUnavailable(VideogateError):
    """The provider could not be reached or failed on its side (5xx, reset, DNS)."""

    default_retryable = True
    exit_code = EXIT_TRANSIENT


class TaskMayExist(ProviderUnavailable):
    """A submit was sent but its answer was lost (reset, read timeout, unreadable answer):
    the provider may have created, and billed, a task whose id is unknown.

    Never retried automatically (that could pay twice); the job stays journaled as
    "submitted, task id unknown" and ``videogate resume JOB`` looks for the task in the
    provider's task list. Exit code 4.

    :param job_id: the journaled job, when known.
    :param candidates: task ids found in the provider's list that may be this job's.
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        candidates: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.job_id = job_id
        self.candidates = tuple(candidates)

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`VideogateError.to_dict`, plus ``job_id`` and ``candidates``."""
        data = super().to_dict()
        if self.job_id is not None:
            data["job_id"] = self.job_id
        data["candidates"] = list(self.candidates)
        return data


class TaskFailed(VideogateError):
    """The provider accepted the task, ran it, and reports that it failed."""


class TaskExpired(TaskFailed):
    """The provider no longer knows the task (DashScope forgets task ids after 24 h)."""


class Timeout(VideogateError):
    """A deadline passed before the job finished; the job stays resumable."""

    default_retryable = True
    exit_code = EXIT_TRANSIENT


class Cancelled(VideogateError):
    """The job was cancelled by its caller.

    :param outcome: what the provider did about it (``cancelled``, ``too_late``,
        ``not_supported``, ``unknown``).
    """

    exit_code = EXIT_CANCELLED

    def __init__(self, message: str, *, outcome: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.outcome = outcome


class MalformedResponse(VideogateError):
    """The provider answered with something we cannot interpret (bad JSON, missing fields,
    an HTML page where a video was expected). Retryable: such answers are usually glitches."""

    default_retryable = True
    exit_code = EXIT_TRANSIENT


class StorageError(VideogateError):
    """Storing, reading or probing an artifact failed."""


def exit_code_for(exc: BaseException) -> int:
    """The ``videogate`` exit code for an exception: 2 invalid, 3 refused, 4 transient, 130
    cancelled; anything that is not a :class:`VideogateError` counts as refused (3)."""
    if isinstance(exc, VideogateError):
        if isinstance(exc, InvalidRequest | UnsupportedParameter | Cancelled | TaskMayExist):
            return exc.exit_code
        return EXIT_TRANSIENT if exc.retryable else EXIT_REFUSED
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_CANCELLED
    return EXIT_REFUSED
