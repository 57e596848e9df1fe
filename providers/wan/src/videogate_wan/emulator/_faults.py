"""Faults the emulator can inject, scheduled through :meth:`Emulator.inject` or
``POST /_emulator/faults``.

HTTP faults act on the next matching requests (``endpoint``: ``submit``, ``query``,
``cancel``, ``list``, ``policy``, ``upload``, ``video`` or ``any``):

- ``latency``: wait ``seconds`` before answering normally (``after=True`` at submit: create
  the task first, then wait, so a client that gives up has a task it does not know);
- ``throttle``: HTTP 429 with ``code`` (default ``Throttling.RateQuota``) and a
  ``Retry-After: seconds`` header;
- ``error``: HTTP ``status`` (default 500) with ``code``/``message`` (default ``InternalError``);
- ``reset``: drop the connection without an answer (``after=True`` at submit: create the
  task first, so the answer of a real submission is lost);
- ``malformed``: HTTP 200 with a body that is not JSON (``after=True`` at submit: create the
  task first, so the answer of a real submission is unreadable);
- ``reject``: at submit, HTTP 400 ``DataInspectionFailed`` (input moderation).

Task faults act on the next tasks submitted:

- ``fail``: the task ends ``FAILED`` with ``code``/``message`` (HTTP 200);
- ``reject_output``: the task ends ``FAILED`` with ``DataInspectionFailed``;
- ``stuck``: the task stays in ``state`` (``RUNNING`` by default, or ``PENDING``);
- ``unknown``: queries of the task answer ``UNKNOWN``.

``times`` says how many requests or tasks a fault affects (0: until cleared).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import attrs

__all__ = ["ENDPOINTS", "Fault", "FaultBook", "HTTP_KINDS", "TASK_KINDS"]

HTTP_KINDS: Final = ("latency", "throttle", "error", "reset", "malformed", "reject")
TASK_KINDS: Final = ("fail", "reject_output", "stuck", "unknown")
ENDPOINTS: Final = ("any", "submit", "query", "cancel", "list", "policy", "upload", "video")


def _kind(instance: Fault, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in HTTP_KINDS + TASK_KINDS:
        raise ValueError(
            f"unknown fault kind {value!r} (known: {', '.join(HTTP_KINDS + TASK_KINDS)})"
        )


def _endpoint(instance: Fault, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {value!r} (known: {', '.join(ENDPOINTS)})")


@attrs.frozen(kw_only=True)
class Fault:
    """One scheduled fault (see the module docstring for the kinds)."""

    kind: str = attrs.field(validator=_kind)
    endpoint: str = attrs.field(default="any", validator=_endpoint)
    times: int = 1
    seconds: float = 1.0
    status: int = 500
    code: str | None = None
    message: str | None = None
    state: str = "RUNNING"
    after: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the attribute names); ``ValueError`` when invalid."""
        names = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        try:
            return cls(**dict(data))
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    @property
    def is_task_fault(self) -> bool:
        """Whether it acts on tasks (at submit) rather than on single HTTP requests."""
        return self.kind in TASK_KINDS


@attrs.define
class _Slot:
    fault: Fault
    left: int


class FaultBook:
    """The scheduled faults, consumed in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []
        self.fired = 0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._slots.append(_Slot(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [slot.fault for slot in self._slots]

    def take(self, endpoint: str, *, task: bool = False) -> list[Fault]:
        """The faults that apply now to ``endpoint`` (HTTP faults) or to a new task."""
        taken: list[Fault] = []
        with self._lock:
            for slot in list(self._slots):
                fault = slot.fault
                if fault.is_task_fault != task:
                    continue
                if not task and fault.endpoint not in ("any", endpoint):
                    continue
                if fault.kind == "reject" and endpoint != "submit":
                    continue
                taken.append(fault)
                if slot.left > 0:
                    slot.left -= 1
                    if slot.left == 0:
                        self._slots.remove(slot)
                self.fired += 1
                if task or fault.kind != "latency":
                    break
        return taken
