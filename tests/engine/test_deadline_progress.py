"""Deadlines and progress events."""

from __future__ import annotations

import asyncio

import pytest
from enginekit import REQUEST

import videogate
from videogate import JobPhase, Timeout
from videogate._state.journal import JobState


def test_deadline_cancels_reports_and_raises_timeout(engine, service):
    service.hold = True
    with pytest.raises(Timeout) as info:
        engine.generate(REQUEST, timeout=0.2)
    assert "cancel: cancelled" in str(info.value)
    assert service.counts["cancels"] == 1
    assert engine.jobs()[0].state is JobState.CANCELLED


def test_deadline_with_uncancellable_task_stays_resumable(engine, service):
    service.hold = True
    service.cancel_mode = "pending_only"
    with pytest.raises(Timeout) as info:
        engine.generate(REQUEST, timeout=0.2)
    assert "too_late" in str(info.value) and "videogate resume" in str(info.value)
    record = engine.jobs()[0]
    assert record.resumable
    service.release()
    assert engine.resume(record.job_id).task_id == record.task_id
    assert service.counts["accepted"] == 1


def test_config_timeout_is_the_default(make_engine, service, tmp_path):
    from enginekit import make_config

    engine = make_engine(config=make_config(tmp_path, timeout=0.2))
    service.hold = True
    with pytest.raises(Timeout):
        engine.generate(REQUEST)


def test_phases_arrive_in_order_with_elapsed_and_eta(engine, service):
    service.task_seconds = 0.03
    engine.generate({**REQUEST, "prompt": "warm up"})  # learn a short task time
    service.queue_seconds = 0.05  # the next task waits at the service past its first poll
    service.task_seconds = 0.1
    events = []
    engine.generate(REQUEST, on_progress=events.append)
    phases = [e.phase for e in events]
    order = [JobPhase.QUEUED, JobPhase.RUNNING, JobPhase.DOWNLOADING, JobPhase.STORING]
    seen = [p for p in dict.fromkeys(phases) if p in order]
    assert seen == order
    assert phases[-1] is JobPhase.DONE
    ranks = [order.index(p) if p in order else len(order) for p in phases]
    assert ranks == sorted(ranks)
    assert any(e.phase is JobPhase.QUEUED and not e.remote for e in events)
    assert any(e.phase is JobPhase.QUEUED and e.remote for e in events)
    elapsed = [e.elapsed for e in events]
    assert elapsed == sorted(elapsed)
    assert any(e.eta is not None for e in events if e.phase is JobPhase.RUNNING)


class Observer:
    def __init__(self):
        self.events = []
        self.finished = []

    @videogate.hookimpl
    def job_progress(self, event):
        self.events.append(event.phase)

    @videogate.hookimpl
    def job_finished(self, job_id, provider, result, error):
        self.finished.append((job_id, result is not None, type(error).__name__))


class Broken:
    @videogate.hookimpl
    def job_progress(self, event):
        raise RuntimeError("observer bug")

    @videogate.hookimpl
    def job_finished(self, job_id):
        raise RuntimeError("observer bug")


def test_hooks_observe_jobs_and_broken_observers_are_ignored(make_engine, service):
    observer = Observer()
    engine = make_engine(plugins=[("broken", Broken()), ("observer", observer)])
    result = engine.generate(REQUEST, on_progress=lambda e: 1 / 0)
    assert result.duration == 1.0
    assert observer.events[0] is JobPhase.QUEUED and observer.events[-1] is JobPhase.DONE
    assert len(observer.finished) == 1 and observer.finished[0][1] is True


def test_job_iterator_and_handle(engine):
    async def main():
        job = await engine.asubmit(REQUEST)
        phases = [event.phase async for event in job]
        result = await job.result(timeout=10)
        return job, phases, result

    job, phases, result = asyncio.run(main())
    assert phases[0] is JobPhase.QUEUED and phases[-1] is JobPhase.DONE
    assert result.task_id == job.task_id
    assert job.done and job.status is JobPhase.DONE


def test_generate_works_inside_a_running_loop(engine):
    async def main():
        return engine.generate(REQUEST)  # blocking call from inside a loop

    assert asyncio.run(main()).duration == 1.0


def test_async_progress_is_delivered_in_the_callers_loop(engine):
    async def main():
        loop = asyncio.get_running_loop()
        seen = []

        def on_progress(event):
            seen.append(asyncio.get_running_loop() is loop)

        await engine.agenerate(REQUEST, on_progress=on_progress)
        await asyncio.sleep(0.05)
        return seen

    seen = asyncio.run(main())
    assert seen and all(seen)
