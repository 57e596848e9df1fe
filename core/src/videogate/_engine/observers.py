"""Delivering progress and completion to observers: per-call callbacks, job iterators and the
``job_progress`` / ``job_finished`` hooks. An observer can never break a job: whatever it
raises is logged and ignored, and each hook implementation is called on its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pluggy

from videogate._contract.events import ProgressEvent
from videogate._contract.result import VideoResult

__all__ = ["Observers", "call_quietly"]

logger = logging.getLogger("videogate.engine")


def call_quietly(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call an observer; log and swallow anything it raises."""
    try:
        callback(*args, **kwargs)
    except Exception:
        logger.warning("progress observer %r failed; ignored", callback, exc_info=True)


class Observers:
    """The plugin hooks that observe jobs."""

    def __init__(self, manager: pluggy.PluginManager | None) -> None:
        self._manager = manager

    def _impls(self, hook: str) -> list[Any]:
        if self._manager is None:
            return []
        caller = getattr(self._manager.hook, hook, None)
        return [] if caller is None else list(caller.get_hookimpls())

    def progress(self, event: ProgressEvent) -> None:
        """Call every ``job_progress`` implementation."""
        for impl in self._impls("job_progress"):
            kwargs = {"event": event}
            call_quietly(impl.function, **{k: v for k, v in kwargs.items() if k in impl.argnames})

    def finished(
        self,
        job_id: str,
        provider: str,
        result: VideoResult | None,
        error: BaseException | None,
    ) -> None:
        """Call every ``job_finished`` implementation."""
        kwargs: dict[str, Any] = {
            "job_id": job_id,
            "provider": provider,
            "result": result,
            "error": error,
        }
        for impl in self._impls("job_finished"):
            call_quietly(impl.function, **{k: v for k, v in kwargs.items() if k in impl.argnames})
