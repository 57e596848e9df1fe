"""Plumbing around the DashScope SDK: its task endpoints with a per-call base address, and a
``requests`` session for submits that never resends one whose answer was lost."""

from __future__ import annotations

from typing import Any

from videogate_wan._errors import AmbiguousSubmit

__all__ = ["submit_session", "tasks_api"]

_TASKS_API: Any = None


def tasks_api() -> Any:
    """The SDK's task endpoints (``GET /tasks/{id}``, ``POST /tasks/{id}/cancel``) through its
    generic mixins, which, unlike ``VideoSynthesis.fetch``/``cancel``, accept a per-call
    base address and timeout."""
    global _TASKS_API
    if _TASKS_API is None:
        from dashscope.client.base_api import CancelMixin, GetMixin

        class Tasks(GetMixin, CancelMixin):
            SUB_PATH = "tasks"

        # The SDK tags requests by module; its own fetch/cancel send the ``tasks`` tag.
        Tasks.__module__ = "dashscope.tasks"

        _TASKS_API = Tasks
    return _TASKS_API


def submit_session() -> Any:
    """A fresh ``requests`` session for one submit, whose connection failures after the
    request was sent surface as :class:`AmbiguousSubmit` instead of ``ConnectionError``: the
    SDK resends a submit once on ``ConnectionError``, which could start (and bill) a second
    task when the first one was received."""
    import requests

    from videogate_wan._errors import _connect_failure

    class _Session(requests.Session):
        def send(self, request: Any, **kwargs: Any) -> Any:
            try:
                return super().send(request, **kwargs)
            except requests.exceptions.ConnectionError as exc:
                if _connect_failure(exc):
                    raise
                raise AmbiguousSubmit(f"{type(exc).__name__}: {exc}") from None
            except requests.exceptions.ReadTimeout as exc:
                raise AmbiguousSubmit(f"{type(exc).__name__}: {exc}") from None

    return _Session()
