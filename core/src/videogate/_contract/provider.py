"""The provider interface: what an adapter implements, and the values it exchanges.

An adapter is small and stateless: ``prepare`` maps a (normalized) request to native
parameters without I/O, ``submit`` starts one task, ``poll`` reports its state, ``cancel``
asks the service to stop it, ``map_error`` turns anything the service or SDK raised into a
:class:`VideogateError`. Waiting, retrying, rate limits, storage and caching belong to the
engine. Adapters are synchronous; the engine runs their calls on a bounded worker pool.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import attrs

from videogate._contract.capabilities import Capabilities
from videogate._contract.errors import VideogateError
from videogate._contract.pricing import Pricing
from videogate._contract.size import Size

if TYPE_CHECKING:
    from videogate._contract.request import VideoRequest

__all__ = [
    "CancelOutcome",
    "Provider",
    "ProviderSpec",
    "TaskLister",
    "TaskOutput",
    "TaskRef",
    "TaskState",
    "TaskStatus",
    "TaskSummary",
]


class TaskStatus(enum.StrEnum):
    """Normalized state of a provider task."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """Whether the task will not change state again."""
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class CancelOutcome(enum.StrEnum):
    """What a cancel request achieved."""

    CANCELLED = "cancelled"
    """The provider stopped the task; nothing more will be billed."""
    TOO_LATE = "too_late"
    """The task is already running (or done) and the provider keeps going."""
    NOT_SUPPORTED = "not_supported"
    """The provider has no way to cancel."""
    UNKNOWN = "unknown"
    """The cancel request itself failed; the task's fate is unknown."""


@attrs.frozen(kw_only=True)
class TaskRef:
    """A handle on a provider task, as returned by ``submit``. JSON-serializable so a job can
    be resumed by another process: ``data`` holds whatever else the adapter needs to poll
    (JSON values only, never secrets)."""

    task_id: str
    provider: str
    data: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True)
class TaskOutput:
    """What a succeeded task produced.

    :ivar url: where to fetch the video: ``http(s)://`` (expiring provider link) or
        ``file://`` (a local render).
    :ivar expires_at: when ``url`` stops working, if known.
    :ivar duration: seconds, as reported by the service (the engine probes the file anyway).
    :ivar fps: frame rate, as reported by the service.
    :ivar size: frame size, as reported by the service.
    :ivar seed: the seed the service reports having used, if it reports one.
    :ivar usage: the service's billing/usage fields, verbatim (JSON values).
    """

    url: str
    expires_at: datetime | None = None
    duration: float | None = None
    fps: float | None = None
    size: Size | None = None
    seed: int | None = None
    usage: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True)
class TaskState:
    """The state of a task at one poll.

    :ivar status: normalized status.
    :ivar progress: 0..1 when the provider can tell, else ``None``.
    :ivar output: set when ``status`` is ``SUCCEEDED``.
    :ivar error: set when ``status`` is ``FAILED`` (a :class:`VideogateError` subclass).
    :ivar retry_after: seconds the service asked us to wait before the next poll.
    :ivar remote_queued: for ``QUEUED``: whether the task waits in the provider's queue.
    """

    status: TaskStatus
    progress: float | None = None
    output: TaskOutput | None = None
    error: VideogateError | None = attrs.field(default=None, eq=False)
    retry_after: float | None = None
    remote_queued: bool = True

    def __attrs_post_init__(self) -> None:
        if self.status is TaskStatus.SUCCEEDED and self.output is None:
            raise ValueError("a SUCCEEDED TaskState needs an output")
        if self.status is TaskStatus.FAILED and self.error is None:
            raise ValueError("a FAILED TaskState needs an error")


@attrs.frozen(kw_only=True)
class TaskSummary:
    """One task of the provider's task list (see :class:`TaskLister`).

    :ivar task_id: the provider's task id.
    :ivar created_at: when the provider created it (timezone-aware).
    :ivar model: the model it runs, if the list says.
    :ivar status: its normalized status, if the list says.
    :ivar data: what ``poll`` needs besides the id (as in :attr:`TaskRef.data`).
    """

    task_id: str
    created_at: datetime
    model: str | None = None
    status: TaskStatus | None = None
    data: dict[str, Any] = attrs.field(factory=dict, hash=False)


@runtime_checkable
class TaskLister(Protocol):
    """The optional provider operation that lists the account's tasks in a time window.

    A provider that has it lets ``videogate resume`` find the task of a submit whose answer
    was lost (see :class:`TaskMayExist`): a single unclaimed task of the same model created
    in the window is adopted, never paid for again.
    """

    def list_tasks(self, since: datetime, until: datetime) -> list[TaskSummary]:
        """Every task of this provider's model created between ``since`` and ``until``
        (timezone-aware), newest first, all pages; one or more short requests, never
        sleeping.

        :raises VideogateError: the listing failed (mapped like any other call).
        """
        ...


class Provider(abc.ABC):
    """Base class of provider adapters.

    Subclasses set ``name`` (the plugin name, also the ``options`` namespace), ``model``,
    ``namespace`` (storage folder) and ``capabilities``, and implement the five methods.
    Instances are created by the engine from configuration: ``Provider(**options)``, where
    ``options`` are the keys of the ``[providers.NAME]`` table other than ``plugin``.
    """

    name: ClassVar[str]
    model: str
    namespace: str
    capabilities: Capabilities
    #: What this instance charges (e.g. by its region); ``None``: the spec's pricing applies.
    pricing: Pricing | None = None

    @abc.abstractmethod
    def prepare(self, request: VideoRequest) -> dict[str, Any]:
        """Map a request (already checked against ``capabilities``) to native parameters.

        Pure: no network, no clock, no randomness; JSON values only. Raise
        :class:`UnsupportedParameter` for anything capabilities could not express.
        """

    def stage(self, native: dict[str, Any]) -> dict[str, Any]:
        """Put the request's inputs where the service reads them (uploads) and return the
        native parameters that refer to them; by default ``native`` unchanged.

        Called once per paid job, after ``prepare`` and before the job waits for one of the
        account's running-task slots, so uploads never hold a slot. It must create no task
        and cost nothing (it is repeated on retryable errors), and ``submit`` must still
        accept unstaged parameters. Mark errors with code ``NotSent``.
        """
        return native

    @abc.abstractmethod
    def submit(self, native: dict[str, Any]) -> TaskRef:
        """Start one task with ``native`` parameters; one billable call, never retried here."""

    @abc.abstractmethod
    def poll(self, task: TaskRef) -> TaskState:
        """Ask the service once for the task's state; never sleeps."""

    @abc.abstractmethod
    def cancel(self, task: TaskRef) -> CancelOutcome:
        """Ask the service once to stop the task; say what happened."""

    @abc.abstractmethod
    def map_error(self, exc: BaseException) -> VideogateError:
        """Turn anything raised by the service client into a :class:`VideogateError`."""

    def close(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Release clients and pools; called once when the engine shuts down."""


ProviderFactory = Callable[..., Provider]


@attrs.frozen(kw_only=True)
class ProviderSpec:
    """How a plugin registers a provider without importing its heavy dependencies.

    :ivar name: the provider (plugin) name, e.g. ``wan``.
    :ivar factory: the provider class or a factory, or a ``"module:attr"`` string imported
        only when the provider is first used.
    :ivar capabilities: the static capabilities (shown by ``videogate providers``).
    :ivar model: the model the provider calls, if fixed.
    :ivar namespace: the storage namespace (``output/<namespace>/videos``).
    :ivar description: one line for listings.
    :ivar needs_key: whether the provider needs credentials.
    :ivar key_status: where the provider would find its key, without reading it out: a
        function ``key_status(options) -> str`` (or its ``"module:attr"`` path, imported when
        asked) given the entry's options, answering e.g. ``"env $API_KEY"``,
        ``"file ~/.creds"`` or ``"missing"``; it must never return the key.
    :ivar pricing: what the provider charges, if it declares it (see :class:`Pricing`).
    """

    name: str
    factory: str | ProviderFactory = attrs.field(eq=False)
    capabilities: Capabilities
    model: str | None = None
    namespace: str | None = None
    description: str = ""
    needs_key: bool = False
    key_status: str | Callable[[Mapping[str, Any]], str] | None = attrs.field(
        default=None, eq=False
    )
    pricing: Pricing | None = None

    def describe_key(self, options: Mapping[str, Any]) -> str:
        """Where this provider's key would come from (``"not needed"`` when it needs none)."""
        if not self.needs_key:
            return "not needed"
        if self.key_status is None:
            return "needed (source unknown)"
        probe = self.key_status
        if isinstance(probe, str):
            import importlib

            module_name, _, attr = probe.partition(":")
            probe = getattr(importlib.import_module(module_name), attr)
        try:
            return str(probe(options))
        except Exception as exc:
            return f"unknown ({type(exc).__name__})"

    def load_factory(self) -> ProviderFactory:
        """The factory, importing it first when it was given as ``"module:attr"``."""
        if not isinstance(self.factory, str):
            return self.factory
        import importlib

        module_name, _, attr = self.factory.partition(":")
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
        factory: ProviderFactory = target
        return factory
