"""Journal and resume: a killed process's paid job is collected without paying twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import attrs
import pytest
from enginekit import FAST_POLLS, REQUEST, make_config
from fakeservice import CAPS, FakeProvider, FakeService

from videogate import Job, TaskExpired
from videogate._contract.capabilities import ServiceLimits
from videogate._engine.engine import Engine
from videogate._engine.ids import new_job_id
from videogate._plugins.registry import load_registry
from videogate._state.journal import JobState
from videogate._state.sqlite_journal import SqliteJournal

CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {here!r})
    from pathlib import Path
    from enginekit import FAST_POLLS, REQUEST, make_config
    from fakeservice import FakeProvider, FakeService
    from videogate._engine.engine import Engine
    from videogate._plugins.registry import load_registry

    service = FakeService(Path({root!r}) / "svc", task_seconds=1.5, path=Path({state!r}))
    engine = Engine(make_config(Path({root!r})), registry=load_registry(entrypoints=False),
                    providers={{"fake": FakeProvider(service)}}, poll_policy=FAST_POLLS)
    job = engine.submit(REQUEST)
    print(job.job_id, flush=True)
    time.sleep(60)
    """
)


def test_resume_after_kill_pays_once(tmp_path):
    state = tmp_path / "service.json"
    here = str(Path(__file__).parent)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(here=here, root=str(tmp_path), state=str(state))],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": here},
    )
    try:
        job_id = child.stdout.readline().strip()
        assert job_id, "the child did not start a job"
        journal = SqliteJournal(tmp_path / "output" / "videogate.sqlite3")
        deadline = time.monotonic() + 20
        while True:
            record = journal.get(job_id)
            if record is not None and record.state is JobState.SUBMITTED:
                break
            assert time.monotonic() < deadline, "the job was never journaled as submitted"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()
    assert journal.list(unfinished=True)[0].job_id == job_id
    service = FakeService(tmp_path / "svc", path=state)
    with Engine(
        make_config(tmp_path),
        registry=load_registry(entrypoints=False),
        providers={"fake": FakeProvider(service)},
        poll_policy=FAST_POLLS,
    ) as engine:
        result = engine.resume(job_id)
        assert result.duration == 1.0 and result.task_id == record.task_id
        assert engine.jobs()[0].state is JobState.SUCCEEDED
        assert engine.resume(job_id) == result  # finished: the stored result
    assert FakeService(tmp_path / "svc", path=state).counts["submit_calls"] == 1
    journal.close()


def test_expired_task_ends_as_task_expired(engine, service):
    service.hold = True
    job = engine.submit(REQUEST)
    while job.task_id is None:
        time.sleep(0.005)
    service.forget(job.task_id)
    with pytest.raises(TaskExpired):
        job.wait(5)
    record = engine.jobs()[0]
    assert record.state is JobState.FAILED and not record.resumable
    with pytest.raises(TaskExpired):
        engine.resume(job.job_id)


def test_job_json_resumes_in_another_engine(make_engine, service, tmp_path):
    service.hold = True
    first = make_engine()
    job = first.submit(REQUEST)
    while job.task_id is None:
        time.sleep(0.005)
    text = job.to_json()
    assert "sk-" not in text
    other_config = make_config(tmp_path / "elsewhere")
    second = make_engine(config=other_config)  # another journal: the JSON carries the job
    service.release()
    resumed = Job.from_json(text, second)
    result = resumed.wait(10)
    assert result.task_id == job.task_id
    assert service.counts["submit_calls"] == 1


def test_jobs_lists_newest_first_and_ids_sort_by_time(engine):
    engine.generate(REQUEST)
    engine.generate({**REQUEST, "prompt": "second"})
    ids = [r.job_id for r in engine.jobs()]
    assert ids == sorted(ids, reverse=True)
    assert new_job_id(1000.0) < new_job_id(1000.001) < new_job_id(2000.0)
    assert len({new_job_id() for _ in range(1000)}) == 1000


def test_local_queue_respects_the_concurrency_cap(make_engine, service):
    caps = attrs.evolve(CAPS, limits=ServiceLimits(max_concurrent_tasks=2, queries_per_second=400))
    service.max_running = 2
    service.max_qps = 400
    engine = make_engine(prov=FakeProvider(service, caps))
    import asyncio

    async def main():
        return await asyncio.gather(
            *(engine.agenerate({**REQUEST, "prompt": f"p{i}"}) for i in range(8))
        )

    results = asyncio.run(main())
    assert len(results) == 8
    assert service.counts["throttled"] == 0
    assert service.counts["accepted"] == 8
