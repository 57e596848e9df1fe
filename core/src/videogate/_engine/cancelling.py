"""Asking the provider to stop a cancelled run's task, and journaling what it answered."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from videogate._contract.errors import VideogateError
from videogate._contract.provider import CancelOutcome
from videogate._engine.retry import is_safe_to_retry, retry_call
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["cancel_remote"]

logger = logging.getLogger("videogate.engine")


async def cancel_remote(runner: RunServices, run: Run) -> CancelOutcome:
    """Ask the provider to stop the task of ``run`` (if any); record what happened."""
    ctx: RunContext = run.context
    if run.ref is None:
        return CancelOutcome.CANCELLED
    if run.terminal is not None:
        outcome = CancelOutcome.TOO_LATE
    elif not ctx.provider.capabilities.can_cancel:
        outcome = CancelOutcome.NOT_SUPPORTED
    else:

        async def attempt() -> Any:
            await runner.limits.query_turn(ctx.name)
            runner.counters["cancels"] += 1
            return await ctx.call("cancel", run.ref)

        try:
            answer = await retry_call(
                attempt, config=runner.config.retry, retry_if=is_safe_to_retry
            )
            outcome = CancelOutcome(answer)
        except (VideogateError, ValueError) as exc:
            logger.warning("job %s: cancel failed: %s", run.job_id, exc)
            outcome = CancelOutcome.UNKNOWN
    if outcome is CancelOutcome.CANCELLED:
        await runner.journal_end(run, JobState.CANCELLED, cancel_outcome=str(outcome))
    else:
        await runner.journal_update(run, cancel_outcome=str(outcome))
    return outcome
