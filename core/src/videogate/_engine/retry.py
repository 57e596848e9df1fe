"""Retry by operation, with tenacity.

- *poll*, *download* and *cancel* are safe to repeat: retryable errors are retried with
  jittered exponential backoff (``[retry]`` settings), never a 4xx other than 408/429.
- *submit* is billable and not idempotent: it is repeated only when the failure proves the
  service created nothing (a refused connection, or an explicit 429/500/503 answer), unless
  the provider declares ``idempotent_submit``. A timeout, a reset after sending or a gateway
  answer (502/504, the request may have gone through) is ambiguous and never repeated. A
  task that failed (:class:`TaskFailed`) is never submitted again, even when ``retryable``.

Every wait honors the service's Retry-After when it gave one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import tenacity

from videogate._contract.errors import RateLimited, TaskFailed, VideogateError
from videogate._plugins.config import RetryConfig

__all__ = ["is_safe_to_retry", "provably_not_created", "retry_call", "submit_retry_predicate"]

T = TypeVar("T")

#: Explicit answers after which the service has certainly not created a task.
_NOT_CREATED_STATUSES = frozenset({429, 500, 503})
#: Error codes saying the billable request was never sent: a refused connection, or a
#: failure in a step before it (adapters mark those ``NotSent``).
_REFUSED_CODES = frozenset({"ConnectionRefused", "ECONNREFUSED", "NotSent"})


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        reason = getattr(item, "reason", None)
        todo.extend([item.__cause__, item.__context__])
        if isinstance(reason, BaseException):
            todo.append(reason)
    return seen


def provably_not_created(error: VideogateError) -> bool:
    """Whether a failed submit certainly created nothing: a 429 or an explicit 500/503
    answer, a refused connection anywhere in the cause chain, or an error code saying the
    request was never sent (``NotSent``)."""
    if isinstance(error, RateLimited) and error.http_status in (None, 429):
        return True
    if error.http_status in _NOT_CREATED_STATUSES:
        return True
    if error.code in _REFUSED_CODES:
        return True
    return any(isinstance(c, ConnectionRefusedError) for c in _causes(error))


def is_safe_to_retry(exc: BaseException) -> bool:
    """Whether a safe operation (poll, download, cancel) may be repeated after ``exc``."""
    if not isinstance(exc, VideogateError) or not exc.retryable:
        return False
    status = exc.http_status
    return not (status is not None and 400 <= status < 500 and status not in (408, 429))


def submit_retry_predicate(idempotent_submit: bool) -> Callable[[BaseException], bool]:
    """The retry test for submits of a provider.

    A :class:`TaskFailed` is never retried, whatever its ``retryable`` flag says: that flag
    informs the caller, and a second submit would be a second paid task.
    """

    def check(exc: BaseException) -> bool:
        if isinstance(exc, TaskFailed) or not is_safe_to_retry(exc):
            return False
        assert isinstance(exc, VideogateError)
        return idempotent_submit or provably_not_created(exc)

    return check


class _Backoff(tenacity.wait.wait_base):
    """Full-jitter exponential backoff, but never less than the service's Retry-After."""

    def __init__(self, config: RetryConfig) -> None:
        self._jitter = tenacity.wait_random_exponential(
            multiplier=config.initial_backoff, max=config.max_backoff
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        delay = float(self._jitter(retry_state))
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > 0:
            delay = max(delay, float(retry_after))
        return delay


async def retry_call(
    operation: Callable[[], Awaitable[T]],
    *,
    config: RetryConfig,
    retry_if: Callable[[BaseException], bool],
    on_retry: Callable[[BaseException, float], Any] | None = None,
) -> T:
    """Run ``operation``, repeating it while ``retry_if(error)`` holds, at most
    ``config.attempts`` times in all; the last error is raised as is."""

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            exc = state.outcome.exception()
            if exc is not None:
                on_retry(exc, state.upcoming_sleep)

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(max(1, config.attempts)),
        wait=_Backoff(config),
        retry=tenacity.retry_if_exception(retry_if),
        before_sleep=before_sleep,
        reraise=True,
    )

    async def call() -> T:
        # tenacity awaits only coroutine *functions*; ``operation`` may be a lambda.
        return await operation()

    result: T = await retrying(call)
    return result
