"""Job handles: :class:`Job` (public) over the engine's internal run state.

A :class:`Job` can be awaited from any thread or event loop: its methods hop onto the
engine's loop through its :class:`JobHost` (the engine). ``to_json()`` captures everything
another process needs to resume it (``Job.from_json(text, engine)``): the journal record,
never a secret.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from videogate._contract.errors import InvalidRequest, Timeout
from videogate._contract.events import JobPhase, ProgressEvent
from videogate._contract.provider import CancelOutcome
from videogate._contract.result import VideoResult
from videogate._engine.run import Listener, Run
from videogate._state.journal import JobRecord

__all__ = ["Adopter", "Job", "JobHost", "set_default_host"]


class JobHost(Protocol):
    """What a :class:`Job` needs of the engine that runs it."""

    def wait_run(self, run: Run) -> Awaitable[VideoResult]:
        """The result of ``run``, awaitable on the caller's loop."""

    def wait_run_future(self, run: Run) -> concurrent.futures.Future[VideoResult]:
        """The result of ``run`` as a thread-safe future."""

    def cancel_run(self, run: Run) -> Awaitable[CancelOutcome]:
        """Cancel ``run``, awaitable on the caller's loop."""

    def cancel_run_blocking(self, run: Run) -> CancelOutcome:
        """Cancel ``run`` and block until it ended."""


class Adopter(Protocol):
    """An engine that can resume a journaled job (what :meth:`Job.from_json` needs)."""

    def adopt(self, record: JobRecord) -> Job:
        """A handle on the journaled job ``record``, resumed without submitting again."""


_default_host: Callable[[], Adopter] | None = None


def set_default_host(factory: Callable[[], Adopter]) -> None:
    """Name the engine :meth:`Job.from_json` resumes on when it is given none (the engine
    module names its default engine when it is imported)."""
    global _default_host
    _default_host = factory


class Job:
    """A handle on a submitted job: status, progress, cancel, result, serialization.

    Obtain one from :meth:`Engine.submit` / :meth:`Engine.asubmit`, or rebuild one in another
    process with :meth:`from_json`.
    """

    def __init__(self, host: JobHost, run: Run) -> None:
        self._host = host
        self._run = run

    def __repr__(self) -> str:
        return f"<Job {self.job_id} {self.provider} {self.status}>"

    @property
    def job_id(self) -> str:
        """videogate's id of the job (sortable by creation time)."""
        return self._run.job_id

    @property
    def provider(self) -> str:
        """The configured provider name."""
        return self._run.provider

    @property
    def status(self) -> JobPhase:
        """The current phase."""
        return self._run.phase

    @property
    def done(self) -> bool:
        """Whether the job has ended."""
        return self._run.done

    @property
    def task_id(self) -> str | None:
        """The provider's task id, once submitted."""
        return None if self._run.ref is None else self._run.ref.task_id

    @property
    def estimate(self) -> dict[str, Any] | None:
        """The job's cost estimate (``CostEstimate.to_dict()``), when one was made."""
        return self._run.record.estimate

    @property
    def events(self) -> list[ProgressEvent]:
        """The progress events so far."""
        with self._run.lock:
            return list(self._run.events)

    @property
    def cancel_outcome(self) -> CancelOutcome | None:
        """What a cancel achieved, once one was asked."""
        return self._run.cancel_outcome

    def subscribe(self, callback: Listener) -> None:
        """Call ``callback`` (on the engine thread) with every further event."""
        self._run.subscribe(callback)

    async def __aiter_events(self) -> AsyncIterator[ProgressEvent]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ProgressEvent] = asyncio.Queue()

        def push(event: ProgressEvent) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        missed = self._run.subscribe(push)
        try:
            for event in missed:
                yield event
                if event.phase.terminal:
                    return
            while True:
                event = await queue.get()
                yield event
                if event.phase.terminal:
                    return
        finally:
            self._run.unsubscribe(push)

    def __aiter__(self) -> AsyncIterator[ProgressEvent]:
        """Progress events from the first to the terminal one (past ones replayed)."""
        return self.__aiter_events()

    async def result(self, timeout: float | None = None) -> VideoResult:
        """Wait for the video.

        :param timeout: seconds to wait; on expiry :class:`Timeout` is raised and the job
            keeps running.
        :raises VideogateError: the job's failure (:class:`Cancelled` if it was cancelled).
        """
        waiting = self._host.wait_run(self._run)
        if timeout is None:
            return await waiting
        try:
            return await asyncio.wait_for(waiting, timeout)
        except TimeoutError:
            raise Timeout(
                f"job {self.job_id} is not finished after {timeout:g} s; it keeps running",
                provider=self.provider,
                task_id=self.task_id,
            ) from None

    async def cancel(self) -> CancelOutcome:
        """Stop waiting and ask the provider to cancel; returns what really happened.

        A job that was not ``cancelled`` at the provider stays resumable in the journal.
        """
        return await self._host.cancel_run(self._run)

    def wait(self, timeout: float | None = None) -> VideoResult:
        """Blocking :meth:`result`."""
        future = self._host.wait_run_future(self._run)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise Timeout(
                f"job {self.job_id} is not finished after {timeout:g} s; it keeps running",
                provider=self.provider,
                task_id=self.task_id,
            ) from None

    def cancel_sync(self) -> CancelOutcome:
        """Blocking :meth:`cancel`."""
        return self._host.cancel_run_blocking(self._run)

    def to_json(self) -> str:
        """JSON text another process can resume from (see :meth:`from_json`)."""
        record = self._run.record.to_dict()
        return json.dumps({"videogate_job": 1, "record": record}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, engine: Adopter | None = None) -> Job:
        """Rebuild a job handle from :meth:`to_json` output and resume it on ``engine``
        (default: the module's default engine). Never submits again.

        :raises InvalidRequest: the text is not a serialized job.
        """
        try:
            data = json.loads(text)
            record = JobRecord.from_dict(data["record"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"not a serialized videogate job: {exc}") from None
        if engine is None:
            if _default_host is None:
                raise InvalidRequest(
                    "no engine to resume the job on: pass engine=videogate.Engine()"
                )
            engine = _default_host()
        return engine.adopt(record)
