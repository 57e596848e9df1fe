"""Collecting a finished task: download, store and probe its video, then cache and journal it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from videogate._contract.convert import unstructure
from videogate._contract.errors import StorageError, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.normalize import Mode
from videogate._contract.provider import TaskOutput
from videogate._contract.result import VideoResult
from videogate._engine.delivery import build_result
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["collect"]

logger = logging.getLogger("videogate.engine")


async def collect(runner: RunServices, run: Run, output: TaskOutput) -> VideoResult:
    """The result of ``run`` from the task's ``output``.

    :func:`videogate._artifacts.finalize.finalize` runs on a finalizer thread (conforming the video
    to the original request in ``conform`` mode); the result is then cached (a failing
    cache is only logged) and the journal row marked succeeded.

    :raises StorageError: storing the video failed.
    """
    from videogate._artifacts.finalize import ConformTarget, finalize

    ctx: RunContext = run.context
    config = runner.config
    loop = asyncio.get_running_loop()
    original = ctx.normalized.original
    conform = None
    if ctx.mode is Mode.CONFORM:
        conform = ConformTarget(
            duration=original.duration,
            fps=original.fps,
            size=original.size,
            fit=config.storage.fit,
        )

    def on_phase(phase: JobPhase) -> None:
        loop.call_soon_threadsafe(_artifact_phase, runner, run, phase)

    def work() -> Any:
        return finalize(
            output,
            storage=runner.resources.storage(ctx.provider.namespace),
            job_id=run.job_id,
            config=config.storage,
            conform=conform,
            on_phase=on_phase,
            retry=config.retry,
        )

    run.marks["downloading"] = runner.clock()
    try:
        artifact = await loop.run_in_executor(runner.finalizers, work)
    except VideogateError:
        raise
    except Exception as exc:
        raise StorageError(
            f"storing the video failed: {type(exc).__name__}: {exc}", provider=ctx.name
        ) from exc
    run.marks["end"] = runner.clock()
    result = build_result(run, output, artifact, clock=runner.clock)
    cache = runner.resources.cache
    if cache is not None and run.record.cache_key is not None:
        try:
            await runner.in_db(cache.put, run.record.cache_key, result, artifact.key)
        except VideogateError as exc:
            logger.warning("job %s: cache write failed: %s", run.job_id, exc)
    await runner.journal_end(
        run,
        JobState.SUCCEEDED,
        result=unstructure(result),
        artifact=artifact_record(artifact),
        error=None,
    )
    return result


def artifact_record(artifact: Any) -> dict[str, Any]:
    """What the journal keeps of a stored artifact: where it is and what it is (no bytes)."""
    import attrs

    return {
        "key": artifact.key,
        "url": artifact.url,
        "sha256": artifact.sha256,
        "size_bytes": artifact.size_bytes,
        "original_key": artifact.original_key,
        "probe": attrs.asdict(artifact.probe),
    }


def _artifact_phase(runner: RunServices, run: Run, phase: JobPhase) -> None:
    run.marks[str(phase)] = runner.clock()
    if not run.done:
        runner.emit(run, phase)
