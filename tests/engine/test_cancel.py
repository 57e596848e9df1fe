"""Cancel says what really happened, and leaves paid work resumable."""

from __future__ import annotations

import time

import attrs
import pytest
from enginekit import REQUEST
from fakeservice import CAPS, FakeProvider

from videogate import Cancelled, CancelOutcome, JobPhase
from videogate._contract.capabilities import ServiceLimits
from videogate._state.journal import JobState


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def running_job(engine, service):
    service.hold = True
    job = engine.submit(REQUEST)
    wait_for(lambda: job.status is JobPhase.RUNNING)
    return job


def test_cancel_while_running_is_cancelled_at_the_provider(engine, service):
    job = running_job(engine, service)
    assert job.cancel_sync() is CancelOutcome.CANCELLED
    with pytest.raises(Cancelled) as info:
        job.wait(5)
    assert info.value.outcome == "cancelled"
    assert job.status is JobPhase.CANCELLED
    record = engine.jobs()[0]
    assert record.state is JobState.CANCELLED and not record.resumable


def test_too_late_keeps_the_job_resumable(engine, service):
    service.cancel_mode = "pending_only"
    job = running_job(engine, service)
    assert job.cancel_sync() is CancelOutcome.TOO_LATE
    record = engine.jobs()[0]
    assert record.resumable and record.cancel_outcome == "too_late"
    service.release()
    result = engine.resume(job.job_id)
    assert result.task_id == record.task_id
    assert service.counts["accepted"] == 1


def test_not_supported_is_said_without_asking(make_engine, service):
    engine = make_engine(prov=FakeProvider(service, attrs.evolve(CAPS, can_cancel=False)))
    job = running_job(engine, service)
    assert job.cancel_sync() is CancelOutcome.NOT_SUPPORTED
    assert service.counts["cancels"] == 0
    assert engine.jobs()[0].resumable


def test_failed_cancel_request_is_unknown(engine, service):
    service.cancel_mode = "raise"
    job = running_job(engine, service)
    assert job.cancel_sync() is CancelOutcome.UNKNOWN
    assert service.counts["cancels"] == engine.config.retry.attempts
    assert engine.jobs()[0].resumable


def test_cancel_while_queued_locally_sends_nothing(make_engine, service):
    caps = attrs.evolve(CAPS, limits=ServiceLimits(max_concurrent_tasks=1))
    engine = make_engine(prov=FakeProvider(service, caps))
    first = running_job(engine, service)
    second = engine.submit({**REQUEST, "prompt": "another"})
    time.sleep(0.05)
    assert second.status is JobPhase.QUEUED
    assert second.cancel_sync() is CancelOutcome.CANCELLED
    assert service.counts["accepted"] == 1
    first.cancel_sync()


def test_async_cancel_of_the_awaiting_task_cancels_the_job(engine, service):
    import asyncio

    asyncio.run(_cancel_awaiting_task(engine, service))


async def _cancel_awaiting_task(engine, service):
    import asyncio

    service.hold = True
    task = asyncio.ensure_future(engine.agenerate(REQUEST))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if service.counts["polls"]:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(200):
        await asyncio.sleep(0.01)
        if engine.jobs()[0].state is JobState.CANCELLED:
            break
    assert engine.jobs()[0].state is JobState.CANCELLED
    assert service.counts["cancels"] == 1
