"""Journal and cache behave the same on SQLite and PostgreSQL (no mocks: real servers)."""

from __future__ import annotations

import time

import pytest

from videogate import Size, VideoResult
from videogate._state.history import iter_jobs
from videogate._state.journal import JobRecord, JobState


def _record(n: int, **fields) -> JobRecord:
    values = {
        "job_id": f"job{n:08d}",
        "provider": "fake",
        "plugin": "fake",
        "model": "m",
        "mode": "strict",
        "cache_key": f"key{n % 7}",
    }
    values.update(fields)
    return JobRecord(**values)


def _result(url: str = "file:///v.mp4") -> VideoResult:
    return VideoResult(
        video_url=url,
        duration=1.0,
        fps=8.0,
        seed=1,
        size=Size(64, 48),
        provider="fake",
        model="m",
    )


def test_journal_round_trip_update_and_listing(state):
    journal = state.journal()
    for n in range(5):
        journal.add(_record(n))
    journal.update("job00000003", state=JobState.SUBMITTED, task={"task_id": "t3"})
    journal.update("job00000001", state="succeeded", result={"video_url": "u"})
    got = journal.get("job00000003")
    assert got is not None and got.state is JobState.SUBMITTED and got.task_id == "t3"
    assert journal.get("nope") is None
    assert [r.job_id for r in journal.list(limit=2)] == ["job00000004", "job00000003"]
    unfinished = {r.job_id for r in journal.list(unfinished=True)}
    assert unfinished == {"job00000000", "job00000002", "job00000003", "job00000004"}
    with pytest.raises(KeyError):
        journal.update("missing", state="failed")


def test_paged_history_is_complete_and_ordered(state):
    journal = state.journal()
    for n in range(23):
        journal.add(_record(n, state=JobState.SUCCEEDED if n % 2 else JobState.SUBMITTED))
    ids = [r.job_id for r in iter_jobs(journal, page=4)]
    assert ids == [f"job{n:08d}" for n in reversed(range(23))]
    assert len(list(iter_jobs(journal, limit=10, page=3))) == 10
    open_ids = [r.job_id for r in iter_jobs(journal, unfinished=True, page=5)]
    assert open_ids == [f"job{n:08d}" for n in reversed(range(0, 23, 2))]


def test_journal_masks_secrets(state):
    from videogate._contract.secrets import register_secret

    register_secret("sk-test-0123456789-abcdef")
    journal = state.journal()
    journal.add(_record(0, error={"message": "bad key sk-test-0123456789-abcdef"}))
    assert "sk-test-0123456789-abcdef" not in str(journal.get("job00000000"))


def test_cache_put_get_stats_clear(state):
    cache = state.cache()
    assert cache is not None
    assert cache.get("k") is None
    cache.put("k", _result(), "videos/a.mp4")
    cache.put("k2", _result("file:///b.mp4"), "videos/b.mp4")
    entry = cache.get("k")
    assert entry is not None and entry.object_key == "videos/a.mp4"
    assert entry.result.video_url == "file:///v.mp4" and entry.created_at <= time.time()
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["providers"] == {"fake": 2}
    cache.delete("k")
    assert cache.get("k") is None
    assert cache.clear() == 1
    assert cache.stats()["entries"] == 0


def test_state_is_shared_between_two_openings(state_config):
    from videogate._state.backend import open_state

    first, second = open_state(state_config), open_state(state_config)
    try:
        first.journal().add(_record(1))
        second.journal().update("job00000001", state="submitted")
        got = first.journal().get("job00000001")
        assert got is not None and got.state is JobState.SUBMITTED
    finally:
        first.close()
        second.close()


def test_learned_task_times_live_in_the_state_backend(state_config):
    from videogate._state.backend import open_state
    from videogate._state.latency import KEEP

    # Two processes' worth of backends on one state: what one learns, the other reads.
    first, second = open_state(state_config), open_state(state_config)
    writer, reader = first.latency(), second.latency()
    try:
        for value in range(KEEP + 5):
            writer.add("wan/m/1280x720/5s", float(value))
        writer.add("other", 2.5)
        newest = [float(v) for v in range(KEEP + 4, 4, -1)]
        assert reader.recent("wan/m/1280x720/5s") == newest
        assert reader.recent("wan/m/1280x720/5s", 2) == newest[:2]
        assert reader.recent("other") == [2.5] and reader.recent("none") == []
    finally:
        writer.close()
        reader.close()
        first.close()
        second.close()
