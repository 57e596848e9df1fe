"""Three worker processes on one PostgreSQL state share one account's caps: every request is
done once, nothing is throttled, one submission per request."""

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
    ) as emu:
        outs = [tmp_path / f"out{k}.jsonl" for k in range(3)]
        workers = [
            start_worker(
                postgres_url, emu.base_url, batch, outs[k], f"{k}/3", SCALE, tmp_path / "output"
            )
            for k in range(3)
        ]
        reports = []
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=240)
            assert worker.returncode == 0, stderr[-3000:]
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
        stats = emu.stats()
    outcomes = read_outcomes(*outs)
    assert all(o["ok"] for o in outcomes), [o for o in outcomes if not o["ok"]][:2]
    ids = sorted(int(o["id"]) for o in outcomes)
    assert ids == list(range(1, 61))  # every request done, once
    assert stats["submissions"] == 60
    assert stats.get("throttled", 0) == 0
    assert [r["ok"] for r in reports] == [20, 20, 20]
