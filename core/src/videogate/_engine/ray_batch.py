"""Batches on a Ray cluster: each request is one Ray task, scheduled and retried by Ray.

Every worker process runs its own engine on the shared PostgreSQL state, so the account's
caps, the cache and the journal hold across the cluster. A worker that dies mid-job is
retried by Ray (``max_retries``); the retry finds the task its predecessor journaled and
polls it instead of submitting again. There is no queue of videogate's own: ordering,
placement and retries are Ray's. Needs ``pip install "videogate[ray]"``; Ray is imported
only here, when a batch runs on it.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterable, Iterator
from typing import Any

from videogate._contract.convert import structure
from videogate._contract.errors import ConfigError, VideogateError
from videogate._contract.result import VideoResult
from videogate._engine.batch import BatchItem, BatchOutcome, as_item
from videogate._plugins.config import Config

__all__ = ["ready", "run_on_ray"]

_ENGINE: Any = None


def _engine(config: Config) -> Any:
    """The engine of this Ray worker process (one, reused by its tasks)."""
    global _ENGINE
    if _ENGINE is None:
        from videogate._engine.engine import Engine

        _ENGINE = Engine(config)
        atexit.register(_ENGINE.close)
    return _ENGINE


def _generate(config: Config, item: BatchItem, timeout: float | None) -> dict[str, Any]:
    """One request on a Ray worker; the outcome as JSON (errors are values, not raised)."""
    from videogate._engine.batch import map_requests

    (outcome,) = map_requests(_engine(config), [item], window=1, timeout=timeout)
    return outcome.to_dict()


def _outcome(data: dict[str, Any]) -> BatchOutcome:
    from videogate._contract import errors

    error = None
    if not data["ok"]:
        info = data["error"]
        cls = getattr(errors, str(info.get("error")), None)
        if not (isinstance(cls, type) and issubclass(cls, VideogateError)):
            cls = VideogateError
        try:
            error = cls(
                str(info.get("message", "")),
                provider=info.get("provider"),
                code=info.get("code"),
                task_id=info.get("task_id"),
            )
        except TypeError:
            error = VideogateError(str(info.get("message", "")), provider=info.get("provider"))
    result = None if error is not None else structure(data["result"], VideoResult)
    return BatchOutcome(index=data["index"], id=data["id"], result=result, error=error)


def ready(config: Config) -> Any:
    """The ``ray`` module, once ``config`` allows a batch on Ray (checked before anything is
    read, written or sent).

    :raises ConfigError: the state is not shared (PostgreSQL), or Ray is not installed.
    """
    from videogate._state.backend import state_kind

    if state_kind(config) != "postgresql":
        raise ConfigError(
            "a Ray batch needs state shared by every machine: set [state] url (or "
            "VIDEOGATE_STATE_URL) to a postgresql:// server",
            field="state.url",
        )
    try:
        import ray
    except ImportError:
        raise ConfigError('--ray needs Ray: pip install "videogate[ray]"') from None
    return ray


def run_on_ray(
    items: Iterable[Any],
    config: Config,
    *,
    address: str | None = "auto",
    timeout: float | None = None,
    window: int = 256,
    max_retries: int = 3,
) -> Iterator[BatchOutcome]:
    """Run ``items`` (see :func:`~videogate._engine.batch.as_item`) as Ray tasks, at most
    ``window`` submitted to Ray at once; yield outcomes as they finish.

    :param address: the cluster (``auto``, ``ray://host:port``); ignored when Ray is
        already initialised in this process.
    :param max_retries: Ray's retries of a task whose worker died.
    :raises ConfigError: at once (before any item is read), when Ray is not installed or
        the state is not shared (PostgreSQL).
    """
    ray = ready(config)
    return _outcomes(ray, items, config, address, timeout, window, max_retries)


def _outcomes(
    ray: Any,
    items: Iterable[Any],
    config: Config,
    address: str | None,
    timeout: float | None,
    window: int,
    max_retries: int,
) -> Iterator[BatchOutcome]:
    """The outcomes of :func:`run_on_ray`, as Ray tasks finish."""
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    task = ray.remote(max_retries=max_retries, retry_exceptions=False)(_generate)
    pending: dict[Any, BatchItem] = {}
    source = iter(items)
    index = 0
    exhausted = False
    while True:
        while not exhausted and len(pending) < max(1, window):
            try:
                item = as_item(next(source), index)
            except StopIteration:
                exhausted = True
                break
            except VideogateError as exc:
                yield BatchOutcome(index=index, id=None, error=exc)
                index += 1
                continue
            index += 1
            pending[task.remote(config, item, timeout)] = item
        if not pending:
            return
        finished, _ = ray.wait(list(pending), num_returns=1)
        for ref in finished:
            item = pending.pop(ref)
            try:
                yield _outcome(ray.get(ref))
            except Exception as exc:  # the task failed for good (retries spent)
                yield BatchOutcome(
                    index=item.index,
                    id=item.id,
                    error=VideogateError(f"Ray task failed: {type(exc).__name__}: {exc}"),
                )
