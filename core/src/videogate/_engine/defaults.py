"""The process-wide default engine and the module-level faces over it: ``videogate.generate``,
``agenerate``, ``generate_many``, ``agenerate_many`` and ``estimate``. Importing this module
also names the default engine :meth:`Job.from_json` resumes on when given none."""

from __future__ import annotations

import atexit
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from videogate._contract.pricing import CostEstimate
from videogate._contract.request import VideoRequest
from videogate._contract.result import VideoResult
from videogate._engine.batch import BatchOutcome
from videogate._engine.engine import Engine
from videogate._engine.handle import Job, set_default_host
from videogate._plugins.config import load_config

__all__ = [
    "Job",
    "agenerate",
    "agenerate_many",
    "default_engine",
    "estimate",
    "generate",
    "generate_many",
]

_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine used by :func:`generate` (configured by
    :func:`load_config`, closed at exit)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine(load_config())
            atexit.register(_default.close)
        return _default


def generate(request: VideoRequest | Mapping[str, Any], **kwargs: Any) -> VideoResult:
    """Generate one video with the default engine (see :meth:`Engine.generate`)."""
    return default_engine().generate(request, **kwargs)


async def agenerate(request: VideoRequest | Mapping[str, Any], **kwargs: Any) -> VideoResult:
    """Generate one video with the default engine (see :meth:`Engine.agenerate`)."""
    return await default_engine().agenerate(request, **kwargs)


def generate_many(items: Iterable[Any], **kwargs: Any) -> Iterator[BatchOutcome]:
    """Many requests with the default engine, outcomes as they finish (see :meth:`Engine.map`)."""
    return default_engine().map(items, **kwargs)


def agenerate_many(
    items: Iterable[Any] | AsyncIterable[Any], **kwargs: Any
) -> AsyncIterator[BatchOutcome]:
    """Async :func:`generate_many` (see :meth:`Engine.amap`)."""
    return default_engine().amap(items, **kwargs)


def estimate(request: VideoRequest | Mapping[str, Any], **kwargs: Any) -> CostEstimate:
    """Estimate a job's cost with the default engine (see :meth:`Engine.estimate`)."""
    return default_engine().estimate(request, **kwargs)


set_default_host(default_engine)
