"""The service double: how the suite makes a provider's service answer as it wants.

A provider offers one object implementing :class:`ServiceDouble`. The wan double is the
DashScope emulator; an offline provider's double may be the provider itself, declaring the
faults it cannot produce as unsupported (the tests needing them are skipped, with the reason
shown in the summary).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from videogate import (
    AuthenticationError,
    ContentRejected,
    InvalidRequest,
    MalformedResponse,
    PermissionDenied,
    Provider,
    ProviderUnavailable,
    RateLimited,
    TaskExpired,
    TaskFailed,
    Timeout,
    UnsupportedParameter,
    VideogateError,
)

__all__ = [
    "CORE_FAULTS",
    "HOLD_STEPS",
    "POLL_FAULTS",
    "RECEIVED_FIELDS",
    "STATUS_STEPS",
    "SUBMIT_FAULTS",
    "TRANSIENT_FAULTS",
    "Expectation",
    "Fault",
    "ServiceDouble",
    "expectation",
]


class Fault(enum.StrEnum):
    """Fault kinds a double can inject."""

    INVALID_PARAMETER = "invalid_parameter"
    """The service refuses a parameter (HTTP 400)."""
    AUTH = "auth"
    """The API key is missing or rejected (HTTP 401)."""
    PERMISSION = "permission"
    """The account may not do this (HTTP 403, arrears)."""
    RATE_LIMITED = "rate_limited"
    """Throttled (HTTP 429), with ``retry_after`` seconds when given."""
    UNAVAILABLE = "unavailable"
    """The service failed on its side (HTTP 5xx or a reset connection)."""
    MALFORMED = "malformed"
    """The answer cannot be read (bad JSON, missing fields)."""
    TASK_FAILED = "task_failed"
    """The task ran and failed, with the service's ``code``."""
    CONTENT_REJECTED = "content_rejected"
    """Moderation refused the input or output."""
    EXPIRED = "expired"
    """The service no longer knows the task."""
    TIMEOUT = "timeout"
    """The service does not answer within the client's timeout."""


#: Faults injected on ``submit``; the suite expects ``submit`` to fail with them.
SUBMIT_FAULTS: tuple[Fault, ...] = (
    Fault.INVALID_PARAMETER,
    Fault.AUTH,
    Fault.PERMISSION,
    Fault.RATE_LIMITED,
    Fault.UNAVAILABLE,
    Fault.MALFORMED,
    Fault.CONTENT_REJECTED,
    Fault.TIMEOUT,
)
#: Faults injected on ``poll`` of a submitted task.
POLL_FAULTS: tuple[Fault, ...] = (
    Fault.RATE_LIMITED,
    Fault.UNAVAILABLE,
    Fault.MALFORMED,
    Fault.TASK_FAILED,
    Fault.CONTENT_REJECTED,
    Fault.EXPIRED,
    Fault.TIMEOUT,
)
#: Faults after which repeating the same call may succeed.
TRANSIENT_FAULTS: tuple[Fault, ...] = (
    Fault.RATE_LIMITED,
    Fault.UNAVAILABLE,
    Fault.MALFORMED,
    Fault.TIMEOUT,
)
#: Task statuses a double may be scripted to report, one per poll.
STATUS_STEPS: tuple[str, ...] = ("queued", "running", "succeeded", "failed", "cancelled")
#: A script with at least this many leading ``queued`` (or, after them, ``running``) steps
#: holds the task in that status until it is cancelled or the double is reset.
HOLD_STEPS = 20
#: Fault kinds every double must produce, or opt out of one by one (``fault_opt_outs``).
CORE_FAULTS: tuple[Fault, ...] = tuple(Fault)
#: Keys of the mappings :meth:`ServiceDouble.received` returns, in the request's vocabulary.
RECEIVED_FIELDS: tuple[str, ...] = (
    "prompt",
    "negative_prompt",
    "duration",
    "fps",
    "size",
    "seed",
    "motion_strength",
    "reference_image",
    "options",
)


class Expectation:
    """The normalized error a fault must become."""

    def __init__(self, classes: tuple[type[VideogateError], ...], retryable: bool) -> None:
        self.classes = classes
        self.retryable = retryable

    def describe(self) -> str:
        names = " or ".join(c.__name__ for c in self.classes)
        return f"{names} (retryable={self.retryable})"

    def matches(self, error: VideogateError) -> bool:
        if not isinstance(error, self.classes):
            return False
        # TaskExpired is a TaskFailed, but a plain failure must not claim to be expiry.
        return not (TaskExpired not in self.classes and isinstance(error, TaskExpired))


_EXPECTED: dict[Fault, Expectation] = {
    Fault.INVALID_PARAMETER: Expectation((InvalidRequest, UnsupportedParameter), False),
    Fault.AUTH: Expectation((AuthenticationError,), False),
    Fault.PERMISSION: Expectation((PermissionDenied,), False),
    Fault.RATE_LIMITED: Expectation((RateLimited,), True),
    Fault.UNAVAILABLE: Expectation((ProviderUnavailable,), True),
    Fault.MALFORMED: Expectation((MalformedResponse,), True),
    Fault.TASK_FAILED: Expectation((TaskFailed,), False),
    Fault.CONTENT_REJECTED: Expectation((ContentRejected,), False),
    Fault.EXPIRED: Expectation((TaskExpired,), False),
    Fault.TIMEOUT: Expectation((Timeout, ProviderUnavailable), True),
}
# A submit that timed out may have created the task: retryable only when submits are
# idempotent (``Capabilities.idempotent_submit``); the suite applies that rule.


def expectation(kind: Fault | str) -> Expectation:
    """The error class(es) and ``retryable`` a fault of ``kind`` must map to."""
    return _EXPECTED[Fault(kind)]


@runtime_checkable
class ServiceDouble(Protocol):
    """A controllable stand-in for a provider's service.

    docs/writing-a-provider.md describes every member and what the suite does with it.

    :ivar supported_faults: the fault kinds :meth:`fault` can produce.
    :ivar fault_opt_outs: for each core fault kind the service can never meet, why
        (``{"auth": "the renderer is local and takes no key"}``). The tests needing it are
        skipped with that reason in the summary; a core kind neither supported nor opted out
        fails those tests.
    :ivar scriptable: the steps :meth:`script` accepts: statuses from :data:`STATUS_STEPS`
        and transient poll faults from :data:`TRANSIENT_FAULTS`.
    :ivar submissions: tasks the service accepted (would have billed) since :meth:`reset`.
    """

    supported_faults: frozenset[str]
    fault_opt_outs: Mapping[str, str]
    scriptable: frozenset[str]

    @property
    def submissions(self) -> int: ...

    def reset(self) -> None:
        """Forget scripts, faults and counters; the next task behaves normally (succeeds)."""

    def script(self, steps: Sequence[str]) -> None:
        """What the service reports for the next submitted task, one step per poll.

        Each step is a status (``queued``, ``running``, ``succeeded``, ``failed``,
        ``cancelled``) or a transient fault kind (``rate_limited``, ``unavailable``,
        ``malformed``, ``timeout``) answered to that poll. After the last step the task
        stays in the last status reported (``succeeded`` if none was). A double whose
        service runs on a clock may reproduce only the outcome (the first terminal status)
        and the transient faults, and must hold the task in the queue for a script of 20 or
        more leading ``queued`` steps, and in the running state for 20 or more ``running``
        steps after them (when ``running`` is scriptable), until cancelled (the cancel and
        round-trip tests use that).
        """

    def fault(self, kind: str, *, on: str = "submit", **params: Any) -> None:
        """Make the next ``submit`` fail with ``kind`` (``on="submit"``), or the first poll
        of the next submitted task (``on="poll"``; always called before that submit).

        Parameters: ``retry_after`` (seconds) for ``rate_limited``, ``code`` for
        ``task_failed``.
        """

    def received(self) -> Sequence[Mapping[str, Any]]:
        """What the service was asked, one mapping per task it accepted since :meth:`reset`
        (oldest first), read on the service side and written in the request's vocabulary:

        ``prompt``, ``negative_prompt`` (``None`` when none was sent), ``duration`` and
        ``fps`` (numbers), ``size`` (the :class:`videogate.Size` the service will produce),
        ``seed``, ``motion_strength``, ``reference_image`` (sha256 hex of the image bytes the
        service got, ``None`` without an image) and ``options`` (``{name: value}`` of the
        provider options it got). Leave out a key only when the service has no such
        parameter and the capabilities say the field is fixed or unsupported.
        """

    def make_provider(self, *, api_key: str | None = None) -> Provider:
        """A new provider instance wired to this double, using ``api_key`` if given."""

    def close(self) -> None:
        """Stop servers and remove files."""
