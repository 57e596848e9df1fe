"""Three worker processes on one PostgreSQL state, each given the WHOLE batch file (no
sharding): the journal's claims decide which process pays for each request, the others
follow it; the account's caps are shared, so nothing is throttled and every request is
submitted exactly once."""

from __future__ import annotations

import json

import pytest
from fleetkit import read_outcomes, start_worker, write_batch

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

SCALE = 0.1  # 1 simulated second = 0.1 s; the emulator's rates are scaled to match


def test_three_processes_share_the_account_caps(tmp_path, photo, postgres_url):
    batch = write_batch(tmp_path / "batch.jsonl", photo, 60)
    with running_emulator(
        pending_seconds=1.0,
        running_seconds=3.0,
        time_scale=SCALE,
        enforce_limits=True,
        submits_per_second=5 / SCALE,
        queries_per_second=20 / SCALE,
        max_running_tasks=5,
        reuse_renders=True,
    ) as emu:
        outs = [tmp_path / f"out{k}.jsonl" for k in range(3)]
        workers = [
            start_worker(
                postgres_url, emu.base_url, batch, outs[k], "0/1", SCALE, tmp_path / "output"
            )
            for k in range(3)
        ]
        reports = []
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=240)
            assert worker.returncode == 0, stderr[-3000:]
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
        stats = emu.stats()
    videos: dict[str, set[str]] = {}
    for out in outs:  # every worker delivers every request of the file
        outcomes = read_outcomes(out)
        assert all(o["ok"] for o in outcomes), [o for o in outcomes if not o["ok"]][:2]
        assert sorted(int(o["id"]) for o in outcomes) == list(range(1, 61))
        for o in outcomes:
            videos.setdefault(o["id"], set()).add(o["result"]["task_id"])
    assert all(len(tasks) == 1 for tasks in videos.values())  # one task per request
    assert stats["submissions"] == 60  # 180 deliveries, 60 payments
    assert stats.get("throttled", 0) == 0
    assert [r["ok"] for r in reports] == [60, 60, 60]
