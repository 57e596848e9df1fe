"""Cache hits and single flight: a cached request costs no task, an identical one is joined."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from videogate._artifacts.verify import intact
from videogate._contract.convert import unstructure
from videogate._contract.errors import VideogateError
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.provider import Provider
from videogate._contract.result import VideoResult
from videogate._engine.ids import new_job_id
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._state.journal import JobRecord, JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["cache_lookup", "cached_run", "join"]

logger = logging.getLogger("videogate.engine")


def join(
    runner: RunServices,
    key: str,
    listener: Callable[[ProgressEvent], None] | None,
    auto_cancel: bool,
) -> Run | None:
    """The identical job in flight, if any, with this caller attached to it.

    A caller that does not cancel on leaving keeps the shared job alive for everyone.
    """
    joined = runner.inflight.get(key)
    if joined is None or joined.done:
        return None
    if listener is not None:
        joined.subscribe(listener)
    if not auto_cancel:
        joined.auto_cancel = False
    return joined


async def cache_lookup(runner: RunServices, key: str, provider: Provider) -> VideoResult | None:
    """The cached result under ``key`` whose video is still in storage, intact, marked
    ``cached``.

    A vanished or damaged video is a miss and its row is dropped (a damaged file is removed
    too); a failing cache or storage is a miss (logged), never an error.
    """
    cache = runner.resources.cache
    if cache is None:
        return None
    try:
        entry = await runner.in_db(cache.get, key)
        if entry is None:
            return None
        storage = runner.resources.storage(provider.namespace)
        loop = asyncio.get_running_loop()
        exists = await loop.run_in_executor(runner.workers, storage.exists, entry.object_key)
        if exists:
            exists = await loop.run_in_executor(
                runner.workers, intact, storage, entry.object_key, entry.result.sha256
            )
            if not exists:
                logger.warning(
                    "cached video %s is damaged; dropped from the cache", entry.object_key
                )
                await loop.run_in_executor(runner.workers, storage.delete, entry.object_key)
        if not exists:
            await runner.in_db(cache.delete, key)
    except VideogateError as exc:
        logger.warning("cache lookup failed, treated as a miss: %s", exc)
        return None
    if not exists:
        return None
    runner.counters["cache_hits"] += 1
    result: VideoResult = attrs.evolve(entry.result, cached=True)
    return result


def cached_run(
    runner: RunServices,
    ctx: RunContext,
    result: VideoResult,
    listener: Callable[[ProgressEvent], None] | None,
) -> Run:
    """A run that ended at once with a cached ``result`` (not journaled, nothing submitted)."""
    record = JobRecord(
        job_id=new_job_id(),
        provider=ctx.name,
        plugin=ctx.plugin,
        model=ctx.model,
        mode=str(ctx.mode),
        state=JobState.SUCCEEDED,
        result=unstructure(result),
    )
    run = Run(
        job_id=record.job_id,
        provider=ctx.name,
        record=record,
        future=asyncio.get_running_loop().create_future(),
        started=runner.clock(),
    )
    if listener is not None:
        run.subscribe(listener)
    runner.finish(run, result, None, JobPhase.DONE)
    return run
