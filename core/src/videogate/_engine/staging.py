"""Staging a run's inputs (the provider's uploads) before it waits for a running-task slot,
so a slot is never held while an image travels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videogate._contract.errors import RateLimited
from videogate._contract.provider import Provider
from videogate._engine.retry import is_safe_to_retry, retry_call
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._logging import get_logger

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["stage"]

logger = get_logger("videogate.engine")


async def stage(services: RunServices, run: Run, native: dict[str, Any]) -> dict[str, Any]:
    """``native`` after the provider's :meth:`~videogate.Provider.stage` (retried on
    retryable errors: staging creates no task), or unchanged when the provider has none."""
    ctx: RunContext = run.context
    method = getattr(type(ctx.provider), "stage", Provider.stage)
    if method is Provider.stage:
        return native

    async def attempt() -> dict[str, Any]:
        staged: dict[str, Any] = await ctx.call("stage", native)
        return staged

    def on_retry(exc: BaseException, delay: float) -> None:
        if isinstance(exc, RateLimited) and exc.retry_after:
            services.limits.back_off(ctx.name, exc.retry_after)
        logger.info(
            "job %s: staging inputs failed (%s); retrying in %.2f s", run.job_id, exc, delay
        )

    return await retry_call(
        attempt, config=services.config.retry, retry_if=is_safe_to_retry, on_retry=on_retry
    )
