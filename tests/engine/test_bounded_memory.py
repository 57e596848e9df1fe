"""A long-running engine keeps nothing of a finished job: its run, handle, future, events,
flight and observer entries all go (the journal keeps its record), however the job ended.

Per-job strings are the probe: the engine keys everything of a job by the very string
objects it minted (job id, cache key) or its provider returned (task id), so a finished
job whose strings are still referenced from anywhere but this test is a job the engine
still holds. (Counting all live objects is no probe: SQLite's cursor weakrefs and the
loop's timer handles come and go by the hundred, bounded but noisy.)
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time

import pytest
from enginekit import REQUEST

import videogate
from videogate._contract.errors import TaskFailed, VideogateError
from videogate._contract.events import ProgressEvent
from videogate._contract.normalize import Normalized
from videogate._contract.result import VideoResult
from videogate._engine import flight, runner
from videogate._engine.handle import Job
from videogate._engine.ids import new_job_id
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext
from videogate._state.cachekey import cache_key
from videogate._state.journal import JobRecord, JobState

ROUNDS = 8


class Observer:
    """A plugin with both observer hooks (the engine calls them for every job)."""

    def __init__(self) -> None:
        self.finished = 0

    @videogate.hookimpl
    def job_progress(self, event):
        pass

    @videogate.hookimpl
    def job_finished(self, job_id, provider, result, error):
        self.finished += 1


def one_round(engine, service, n: int) -> None:
    """Jobs ending every way: generated (sync, async, through a handle), a cache hit, a
    joined duplicate, a failed task, a cancelled one."""
    engine.generate({**REQUEST, "prompt": f"sync {n}"})
    engine.generate({**REQUEST, "prompt": f"sync {n}"})  # a cache hit

    async def together():
        same = {**REQUEST, "prompt": f"joined {n}"}
        await asyncio.gather(engine.agenerate(same), engine.agenerate(same))

    asyncio.run(together())
    engine.submit({**REQUEST, "prompt": f"handle {n}"}).wait(timeout=30)

    service.fail_tasks_with = TaskFailed("no", provider="fake")
    with pytest.raises(VideogateError):
        engine.generate({**REQUEST, "prompt": f"failed {n}"})
    service.fail_tasks_with = None

    service.hold = True
    job = engine.submit({**REQUEST, "prompt": f"cancelled {n}"})
    while job.task_id is None:  # submitted: the cancel reaches the provider
        time.sleep(0.001)
    job.cancel_sync()
    service.release()
    del job


def forget_remote_records(service, provider) -> None:
    """The fake remote side (and its adapter's test log) remember tasks; the engine must not."""
    provider.prepared.clear()
    with service.lock:
        service.tasks.clear()
        service.poll_log.clear()
        service.finish_log.clear()


def settle(engine) -> None:
    """Wait until the engine's loop has run every job's last steps, then collect."""
    for _ in range(200):
        if engine.submit_coroutine(_job_tasks(engine._runner)).result(timeout=10) == 0:
            break
    gc.collect()


async def _job_tasks(runs) -> int:
    """Tasks on the engine loop other than this one and the lease heartbeat."""
    await asyncio.sleep(0.01)
    engine_wide = {asyncio.current_task(), runs._heartbeat}
    return sum(1 for t in asyncio.all_tasks() if t not in engine_wide and not t.done())


def live(kinds: tuple[type, ...]) -> dict[str, int]:
    """Instances of ``kinds`` alive now, by type (only those with any)."""
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        if isinstance(obj, kinds):
            name = type(obj).__name__
            counts[name] = counts.get(name, 0) + 1
    return counts


def holders(probes: list[str]) -> list[str]:
    """The types of the objects that hold a string equal to one of ``probes`` (copies count:
    a record read back from the journal has its own strings)."""
    values = set(probes)
    skip = {id(probes), id(values)}
    found: list[str] = []
    seen: set[int] = set()

    def scan(obj: object) -> None:
        for ref in gc.get_referents(obj):
            if type(ref) is str:
                if ref in values:
                    found.append(type(obj).__name__)
            elif (
                isinstance(ref, dict | tuple | set | frozenset)
                and not gc.is_tracked(ref)  # containers of strings only: look inside
                and id(ref) not in seen
            ):
                seen.add(id(ref))
                scan(ref)

    for obj in gc.get_objects():
        if id(obj) not in skip:
            scan(obj)
    return found


def still_referenced(probes: list[str]) -> list[str]:
    """The strings referenced from anywhere but ``probes`` (calibrated on a fresh one held
    the same way)."""
    control = [new_job_id()]
    baseline = next(sys.getrefcount(text) for text in control)
    return [text for text in probes if sys.getrefcount(text) > baseline]


def test_an_engine_keeps_nothing_of_finished_jobs(make_engine, service, provider, monkeypatch):
    probes: list[str] = []

    def keep(text: str) -> str:
        probes.append(text)
        return text

    def minting() -> str:
        return keep(new_job_id())

    def keyed(*args, **kwargs) -> str:
        return keep(cache_key(*args, **kwargs))

    submit = provider.submit

    def submitted(native):
        ref = submit(native)
        keep(ref.task_id)
        return ref

    monkeypatch.setattr(runner, "new_job_id", minting)
    monkeypatch.setattr(flight, "new_job_id", minting)
    monkeypatch.setattr(runner, "cache_key", keyed)
    monkeypatch.setattr(provider, "submit", submitted)
    observer = Observer()
    engine = make_engine(plugins=[("observer", observer)])

    for n in range(ROUNDS):
        one_round(engine, service, n)
        forget_remote_records(service, provider)
    settle(engine)

    states = [record.state for record in engine.jobs(limit=1000)]  # the journal keeps them
    assert len(states) >= 5 * ROUNDS
    assert {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED} <= set(states)
    assert observer.finished >= 6 * ROUNDS
    runs = engine._runner
    assert (runs.runs, runs.inflight, runs.background) == ({}, {}, set())
    assert runs.scheduler.waiting == 0
    per_job = (Run, Job, RunContext, JobRecord, ProgressEvent, VideoResult, Normalized)
    assert live(per_job) == {}
    assert len(probes) > 3 * 5 * ROUNDS
    assert still_referenced(probes) == []
    assert holders(probes) == []
