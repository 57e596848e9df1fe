"""A job's deadline bounds every wait: a caller gets its answer by ``timeout`` plus the short
cleanup grace, whatever the service does, and never waits forever on a job that ended."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from enginekit import REQUEST
from fakeservice import FakeProvider, HttpAnswer

from videogate import Timeout
from videogate._engine.loopthread import LoopThread
from videogate._state.journal import JobState

GRACE = 0.3
SLACK = 1.5


def generate_in_thread(engine, **kwargs):
    """``engine.generate`` on a thread; returns (outcome, seconds), or (None, None) if it
    has not returned within 15 s (a hang, not a slow answer)."""
    box: dict = {}

    def call():
        start = time.monotonic()
        try:
            box["outcome"] = engine.generate(REQUEST, **kwargs)
        except BaseException as exc:
            box["outcome"] = exc
        box["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(15)
    return box.get("outcome"), box.get("seconds")


class SilentSubmit(FakeProvider):
    """A service that takes the submit and does not answer until ``answer`` is set."""

    def __init__(self, service):
        super().__init__(service)
        self.answer = threading.Event()

    def submit(self, native):
        self.answer.wait(30)
        return super().submit(native)


def test_deadline_bounds_a_submit_the_service_does_not_answer(make_engine, service):
    provider = SilentSubmit(service)
    engine = make_engine(prov=provider, cleanup_grace=GRACE)
    try:
        outcome, seconds = generate_in_thread(engine, timeout=0.3)
        assert seconds is not None, "generate() kept waiting for a submit past its deadline"
        assert isinstance(outcome, Timeout), outcome
        assert seconds < 0.3 + GRACE + SLACK
        assert "cancel: unknown" in str(outcome)
    finally:
        provider.answer.set()
    # The cleanup goes on: the late answer's task id is journaled and the task cancelled.
    deadline = time.monotonic() + 5
    while engine.jobs()[0].state is not JobState.CANCELLED and time.monotonic() < deadline:
        time.sleep(0.01)
    record = engine.jobs()[0]
    assert record.state is JobState.CANCELLED and record.task_id is not None
    assert service.counts["accepted"] == 1 and service.counts["cancels"] == 1


def test_deadline_bounds_a_cancel_held_back_by_retry_after(make_engine, service):
    """A long Retry-After holds every call to the provider, the cancel too: the caller is not
    kept waiting for it (the cancel outcome is then unknown and the job resumable)."""
    engine = make_engine(cleanup_grace=GRACE)
    service.hold = True
    service.poll_faults.append(HttpAnswer(429, "throttled", retry_after=30))
    outcome, seconds = generate_in_thread(engine, timeout=0.3)
    assert seconds is not None, "generate() kept waiting for a cancel past its deadline"
    assert isinstance(outcome, Timeout), outcome
    assert seconds < 0.3 + GRACE + SLACK
    assert "cancel: unknown" in str(outcome) and "videogate resume" in str(outcome)
    assert engine.jobs()[0].resumable


def test_a_run_cancelled_before_it_starts_still_ends(engine, service):
    """Its task never ran a line: the waiter is still answered (Cancelled), not left hanging."""
    runner = engine._runner

    async def scenario():
        run = await runner.start(
            REQUEST,
            provider=None,
            mode=None,
            timeout=None,
            use_cache=False,
            on_progress=None,
            caller_loop=None,
            auto_cancel=False,
            seed=None,
        )
        assert run.task is not None
        run.task.cancel()  # before its first step
        try:
            await asyncio.wait_for(runner.wait(run), 5)
        except TimeoutError:
            return "hang"
        except Exception as exc:
            return type(exc).__name__
        return "result"

    assert engine._loop_thread().run(scenario()) == "Cancelled"


def _die() -> None:
    raise SystemExit("the loop thread dies")


def test_callers_get_an_error_when_the_loop_thread_dies():
    thread = LoopThread(name="videogate-test-loop")
    box: dict = {}

    def wait_forever():
        try:
            thread.run(asyncio.sleep(3600))
        except BaseException as exc:
            box["error"] = exc

    waiter = threading.Thread(target=wait_forever, daemon=True)
    waiter.start()
    time.sleep(0.05)
    thread.loop.call_soon_threadsafe(_die)
    waiter.join(10)
    assert not waiter.is_alive(), "a caller kept waiting on a dead loop thread"
    assert isinstance(box["error"], RuntimeError) and "loop" in str(box["error"])
    with pytest.raises(RuntimeError, match="loop"):
        thread.run(asyncio.sleep(0))
