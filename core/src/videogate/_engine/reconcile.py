"""Reconciling a submit whose answer was lost: find its task in the provider's task list.

A job journaled ``task_unknown`` (or ``submitting`` by a process that died) may have a paid
task the provider knows and we do not. With a provider that lists its tasks
(:class:`~videogate.TaskLister`), the tasks created in the job's time window that no
journaled job holds are the candidates: exactly one is adopted (polled and collected, never
submitted again); none or several keep the row and raise :class:`TaskMayExist` naming the
candidates and the command that adopts one (``videogate resume JOB --task TASK_ID``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from videogate._contract.errors import InvalidRequest, TaskMayExist, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.provider import TaskLister, TaskRef, TaskSummary
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._engine.submitting import unstructure_task
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["WINDOW_AFTER", "WINDOW_BEFORE", "reconcile"]

logger = logging.getLogger("videogate.engine")

#: How far before the job's creation and after now the provider's list is searched (clocks
#: of two machines differ; a submit may wait for its slot).
WINDOW_BEFORE = timedelta(minutes=2)
WINDOW_AFTER = timedelta(minutes=2)


async def reconcile(services: RunServices, run: Run, *, task_id: str | None = None) -> None:
    """Give ``run`` (whose row says its task may exist) its task: ``task_id`` when the user
    chose one, else the single unclaimed candidate of the provider's list.

    :raises TaskMayExist: no candidate, several, or the provider cannot list its tasks; the
        row is kept (``task_unknown``) and the message says what to run.
    :raises InvalidRequest: ``task_id`` already belongs to another journaled job.
    """
    ctx: RunContext = run.context
    journal = services.resources.journal
    if task_id is not None:
        taken = await services.in_db(journal.claimed_tasks, [task_id])
        if taken and task_id != run.record.task_id:
            raise InvalidRequest(
                f"task {task_id} already belongs to another journaled job", field="task"
            )
        await _adopt(services, run, TaskSummary(task_id=task_id, created_at=datetime.now(UTC)))
        return
    provider = ctx.provider
    if not isinstance(provider, TaskLister):
        raise await _keep(
            services,
            run,
            f"{ctx.name} cannot list its tasks, so videogate cannot find it; look for it "
            f"in the provider's console, then run `videogate resume {run.job_id} --task "
            "TASK_ID`",
            (),
        )
    created = datetime.fromtimestamp(run.record.created_at, UTC)
    since = created - WINDOW_BEFORE
    until = datetime.now(UTC) + WINDOW_AFTER
    services.emit(run, JobPhase.QUEUED, remote=True, message="looking for the task")
    loop = asyncio.get_running_loop()
    try:
        listed = await loop.run_in_executor(
            ctx.workers, functools.partial(provider.list_tasks, since, until)
        )
    except VideogateError:
        raise
    except Exception as exc:
        raise ctx.provider.map_error(exc) from exc
    tasks = [t for t in listed if t.model in (None, ctx.model) and since <= t.created_at <= until]
    claimed = await services.in_db(journal.claimed_tasks, [t.task_id for t in tasks])
    candidates = [t for t in tasks if t.task_id not in claimed]
    if len(candidates) == 1:
        await _adopt(services, run, candidates[0])
        return
    ids = tuple(t.task_id for t in candidates)
    if not ids:
        why = (
            f"no unclaimed {ctx.model} task of {ctx.name} was created between "
            f"{since:%Y-%m-%d %H:%M:%S} and {until:%H:%M:%S} UTC (the submit may not have "
            "arrived, or the task is not listed yet); the row is kept"
        )
    else:
        commands = "; ".join(f"`videogate resume {run.job_id} --task {i}`" for i in ids)
        why = (
            f"{len(ids)} unclaimed {ctx.model} tasks were created in the window "
            f"({', '.join(ids)}); adopt the right one with {commands}"
        )
    raise await _keep(services, run, why, ids)


async def _adopt(services: RunServices, run: Run, task: TaskSummary) -> None:
    ctx: RunContext = run.context
    ref = TaskRef(task_id=task.task_id, provider=ctx.plugin, data=dict(task.data))
    logger.info("job %s: adopting task %s found in the provider's list", run.job_id, ref.task_id)
    run.marks["submitted"] = services.clock() - max(0.0, time.time() - task.created_at.timestamp())
    await services.journal_update(
        run,
        state=JobState.SUBMITTED,
        task=unstructure_task(ref),
        submitted_at=task.created_at.timestamp(),
        error=None,
    )
    run.ref = ref
    services.emit(run, JobPhase.QUEUED, remote=True, message=f"adopted task {ref.task_id}")


async def _keep(
    services: RunServices, run: Run, why: str, candidates: tuple[str, ...]
) -> TaskMayExist:
    """The error that keeps the row ``task_unknown``, journaled."""
    err = TaskMayExist(
        f"job {run.job_id}: the answer to its submit was lost, so its task may exist; {why}",
        job_id=run.job_id,
        candidates=candidates,
        provider=run.provider,
    )
    await services.journal_update(run, state=JobState.TASK_UNKNOWN, error=err.to_dict())
    return err
