"""Many requests at once: :func:`amap_requests` / :func:`map_requests` run a stream of
requests through one engine with a bounded number in flight, yielding each outcome as it
finishes. Memory stays bounded however long the stream is; the account's limits, the cache
and the journal apply to every request as to a single ``generate``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

import attrs

from videogate._contract.convert import unstructure
from videogate._contract.errors import InvalidRequest, VideogateError, exit_code_for
from videogate._contract.events import ProgressEvent
from videogate._contract.request import VideoRequest
from videogate._contract.result import VideoResult

__all__ = ["BatchItem", "BatchOutcome", "amap_requests", "as_item", "map_requests"]

#: Requests in flight at once by default: enough to keep a provider's slots busy while
#: earlier results are collected, few enough to bound memory.
DEFAULT_WINDOW = 64

_ITEM_KEYS = ("id", "provider", "mode")


@attrs.frozen(kw_only=True)
class BatchItem:
    """One request of a batch, with the caller's ``id`` and optional provider and mode."""

    request: VideoRequest | Mapping[str, Any]
    id: str | None = None
    provider: str | None = None
    mode: str | None = None
    index: int = 0


@attrs.frozen(kw_only=True)
class BatchOutcome:
    """What became of one :class:`BatchItem`: its ``result`` or its typed ``error``."""

    index: int
    id: str | None
    result: VideoResult | None = None
    error: VideogateError | None = None

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.error is None

    @property
    def exit_code(self) -> int:
        """The CLI exit code of this outcome (0 on success)."""
        return 0 if self.error is None else exit_code_for(self.error)

    def to_dict(self) -> dict[str, Any]:
        """One JSON Lines record: ``index``, ``id``, ``ok`` and ``result`` or ``error``."""
        data: dict[str, Any] = {"index": self.index, "id": self.id, "ok": self.ok}
        if self.error is not None:
            data["error"] = self.error.to_dict()
        else:
            data["result"] = unstructure(self.result)
        return data


def as_item(value: Any, index: int) -> BatchItem:
    """A :class:`BatchItem` from a request, a mapping (request fields, optionally with
    ``id``, ``provider``, ``mode``, or the request under ``request``) or an item.

    :raises InvalidRequest: not a mapping or request.
    """
    if isinstance(value, BatchItem):
        return value
    if isinstance(value, VideoRequest):
        return BatchItem(request=value, index=index)
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"item {index}: expected a request object, got {type(value).__name__}")
    fields = dict(value)
    extras = {k: fields.pop(k) for k in _ITEM_KEYS if k in fields}
    request = fields.pop("request") if "request" in fields else fields
    for key in _ITEM_KEYS:
        if extras.get(key) is not None and not isinstance(extras[key], str | int):
            raise InvalidRequest(f"item {index}: {key}: expected a string", field=key)
    ident = extras.get("id")
    return BatchItem(
        request=request,
        id=None if ident is None else str(ident),
        provider=extras.get("provider"),
        mode=extras.get("mode"),
        index=index,
    )


def _failed(index: int, ident: str | None, exc: BaseException) -> BatchOutcome:
    if not isinstance(exc, VideogateError):
        exc = InvalidRequest(f"item {index}: {type(exc).__name__}: {exc}")
    return BatchOutcome(index=index, id=ident, error=exc)


async def _one(
    engine: Any, item: BatchItem, timeout: float | None, on_progress: Any
) -> BatchOutcome:
    # Submitted without auto-cancel: a caller that stops iterating (or is interrupted)
    # leaves paid tasks running and journaled; Engine.close() interrupts them resumably
    # and the next run adopts them.
    try:
        job = await engine.asubmit(
            item.request,
            provider=item.provider,
            mode=item.mode,
            timeout=timeout,
            on_progress=None if on_progress is None else _tagged(on_progress, item),
        )
        result = await job.result()
    except VideogateError as exc:
        return _failed(item.index, item.id, exc)
    return BatchOutcome(index=item.index, id=item.id, result=result)


def _tagged(callback: Any, item: BatchItem) -> Any:
    def forward(event: ProgressEvent) -> None:
        callback(item, event)

    return forward


async def _aiter(items: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[Any]:
    if isinstance(items, AsyncIterable):
        async for value in items:
            yield value
    else:
        for value in items:
            yield value


async def amap_requests(
    engine: Any,
    items: Iterable[Any] | AsyncIterable[Any],
    *,
    window: int = DEFAULT_WINDOW,
    timeout: float | None = None,
    on_progress: Any = None,
) -> AsyncIterator[BatchOutcome]:
    """Run ``items`` (see :func:`as_item`) with at most ``window`` in flight; yield each
    :class:`BatchOutcome` as it finishes (not in input order). A bad item becomes an
    outcome with its typed error; it never stops the batch. ``on_progress(item, event)``
    sees every job's progress."""
    pending: set[asyncio.Task[BatchOutcome]] = set()
    source = _aiter(items).__aiter__()
    index = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < max(1, window):
                try:
                    value = await source.__anext__()
                except StopAsyncIteration:
                    exhausted = True
                    break
                try:
                    item = as_item(value, index)
                except VideogateError as exc:
                    yield _failed(index, None, exc)
                    index += 1
                    continue
                index += 1
                pending.add(asyncio.ensure_future(_one(engine, item, timeout, on_progress)))
            if not pending:
                return
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()  # stops waiting only; the jobs stay with the engine
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def map_requests(
    engine: Any,
    items: Iterable[Any],
    *,
    window: int = DEFAULT_WINDOW,
    timeout: float | None = None,
    on_progress: Any = None,
) -> Iterator[BatchOutcome]:
    """Blocking :func:`amap_requests`: yields outcomes as they finish. Stopping early (or
    ``KeyboardInterrupt``) stops waiting; running jobs stay with the engine, and closing it
    leaves them journaled for the next run to adopt (nothing is paid twice)."""
    pending: dict[concurrent.futures.Future[BatchOutcome], BatchItem] = {}
    source = iter(items)
    index = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < max(1, window):
                try:
                    value = next(source)
                except StopIteration:
                    exhausted = True
                    break
                try:
                    item = as_item(value, index)
                except VideogateError as exc:
                    yield _failed(index, None, exc)
                    index += 1
                    continue
                index += 1
                future = engine.submit_coroutine(_one(engine, item, timeout, on_progress))
                pending[future] = item
            if not pending:
                return
            done, _ = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                item = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:
                    yield _failed(item.index, item.id, exc)
    finally:
        for future in pending:
            future.cancel()
