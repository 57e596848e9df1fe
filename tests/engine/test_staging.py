"""A provider's ``stage`` (uploads) runs before its job waits for a running-task slot, is
retried like any safe call, and feeds its result to ``submit``."""

from __future__ import annotations

import asyncio
import threading

import attrs
import pytest
from enginekit import REQUEST
from fakeservice import CAPS, FakeProvider

from videogate import ProviderUnavailable, ServiceLimits


class StagingProvider(FakeProvider):
    """Uploads its inputs in ``stage``; fails the first ``failures`` stagings transiently."""

    def __init__(self, service, failures: int = 0) -> None:
        super().__init__(service, capabilities=attrs.evolve(CAPS, limits=ServiceLimits(1)))
        self.staged: list[str] = []
        self.failures = failures
        self.lock = threading.Lock()

    def stage(self, native):
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise ProviderUnavailable("upload refused", code="NotSent")
            self.staged.append(native["prompt"])
        return {**native, "uploaded": f"oss://{native['prompt']}"}


def test_jobs_stage_while_another_holds_the_only_slot(make_engine, service, tmp_path):
    provider = StagingProvider(service)
    engine = make_engine(prov=provider)
    service.hold = True  # tasks run until released

    async def main() -> None:
        jobs = [
            asyncio.ensure_future(engine.agenerate({**REQUEST, "prompt": f"p{i}"}, provider="fake"))
            for i in range(3)
        ]
        for _ in range(500):
            if len(provider.staged) == 3 and service.counts["accepted"] == 1:
                break
            await asyncio.sleep(0.01)
        # Every job has uploaded; only the one holding the slot has submitted.
        assert sorted(provider.staged) == ["p0", "p1", "p2"]
        assert service.counts["accepted"] == 1
        service.release()
        await asyncio.gather(*jobs)

    asyncio.run(main())
    assert service.counts["accepted"] == 3
    assert sorted(t["native"]["uploaded"] for t in service.tasks.values()) == [
        "oss://p0",
        "oss://p1",
        "oss://p2",
    ]


def test_a_failed_staging_is_retried_and_pays_nothing(make_engine, service, tmp_path):
    provider = StagingProvider(service, failures=2)
    engine = make_engine(prov=provider)
    result = engine.generate(REQUEST, provider="fake")
    assert result.task_id == next(iter(service.tasks))
    assert provider.staged == [REQUEST["prompt"]]
    assert service.counts["submit_calls"] == service.counts["accepted"] == 1


def test_a_staging_that_keeps_failing_fails_the_job_unpaid(make_engine, service, tmp_path):
    provider = StagingProvider(service, failures=100)
    engine = make_engine(prov=provider)
    with pytest.raises(ProviderUnavailable, match="upload refused"):
        engine.generate(REQUEST, provider="fake")
    assert service.counts["submit_calls"] == 0
