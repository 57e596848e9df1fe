"""What the HTTP routes need of the emulator behind them (:class:`Backend`).

The routes see the emulator only through this protocol, so imports go one way:
``_server`` (the emulator) -> ``_handler`` -> routes -> ``_http`` -> this module.
"""

from __future__ import annotations

from typing import Any, Protocol

from videogate_wan.emulator._faults import FaultBook
from videogate_wan.emulator._state import Stats, Task, TaskStore
from videogate_wan.emulator._wire import SubmitSpec

__all__ = ["Backend"]


class Backend(Protocol):
    """The state and behaviour of an emulator, as its routes see them."""

    host: str
    port: int
    api_keys: set[str] | None
    faults: FaultBook
    store: TaskStore
    counters: Stats
    #: The parameters of every accepted submit, in order.
    submitted: list[dict[str, Any]]

    @property
    def origin(self) -> str:
        """``http://host:port``."""

    def clear_faults(self) -> None:
        """Forget every scheduled fault."""

    def configure(self, **settings: Any) -> None:
        """Change settings for tasks submitted from now on."""

    def settings(self) -> dict[str, Any]:
        """The current values of the settings :meth:`configure` changes."""

    def stats(self) -> dict[str, Any]:
        """The counters."""

    def reset(self) -> None:
        """Forget tasks, uploads, faults and counters."""

    def over_limit(self, kind: str) -> bool:
        """Whether a ``submit`` or ``query`` now goes over the service's rate limits."""

    def render(self, task: Task) -> str:
        """The path of the task's MP4, rendered on first use."""

    def task_output(self, task: Task) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The ``output`` and ``usage`` objects of a task query, as of now."""

    def create_task(self, spec: SubmitSpec) -> Task:
        """A new task for an accepted submit."""
