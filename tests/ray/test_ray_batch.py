"""A batch on a real local Ray instance with PostgreSQL state: a worker killed mid-job is
retried by Ray, and the retry adopts its predecessor's task (one submission per request)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from PIL import Image

from videogate._contract.errors import ConfigError
from videogate._engine.ray_batch import run_on_ray
from videogate._plugins.config import Config, ProviderEntry, StateConfig
from videogate._state.backend import open_state
from videogate._state.journal import JobState
from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

pytest.importorskip("ray")


def test_a_killed_worker_is_retried_and_adopts_its_task(ray_local, tmp_path, postgres_url):
    photo = tmp_path / "p.png"
    Image.new("RGB", (1280, 720), (10, 120, 60)).save(photo)
    with running_emulator(
        pending_seconds=0.5, running_seconds=2.5, enforce_limits=True, max_running_tasks=5
    ) as emu:
        config = Config(
            output_dir=str(tmp_path / "out"),
            default_provider="wan",
            poll_interval_min=0.05,
            poll_interval_max=0.5,
            timeout=120,
            state=StateConfig(url=postgres_url, lease=3.0),
            providers={
                "wan": ProviderEntry(
                    name="wan", plugin="wan", options={"base_url": emu.base_url, "api_key": "sk-r"}
                )
            },
        )
        items = [
            {
                "prompt": f"ray {i}",
                "duration": 2,
                "fps": 30,
                "size": "1280*720",
                "reference_image": str(photo),
                "seed": 3,
                "id": str(i),
            }
            for i in range(6)
        ]
        killed: list[int] = []

        def kill_one_worker():
            state = open_state(config)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    jobs = state.journal().list()
                    submitting = [j for j in jobs if j.state is JobState.SUBMITTING]
                    running = [j for j in jobs if j.state is JobState.SUBMITTED and j.owner_pid]
                    if running and not submitting:
                        os.kill(running[0].owner_pid, signal.SIGKILL)
                        killed.append(running[0].owner_pid)
                        return
                    time.sleep(0.02)
            finally:
                state.close()

        killer = threading.Thread(target=kill_one_worker)
        killer.start()
        outcomes = list(run_on_ray(items, config, max_retries=3))
        killer.join()
        stats = emu.stats()
    assert killed, "no worker was killed"
    bad = [json.dumps(o.to_dict()) for o in outcomes if not o.ok]
    assert not bad, bad
    assert sorted(int(o.id) for o in outcomes) == list(range(6))
    assert stats["submissions"] == 6
    assert stats.get("throttled", 0) == 0


def test_run_on_ray_refuses_unshared_state_before_reading_any_item(tmp_path):
    def items():
        raise AssertionError("an item was read")
        yield {}

    with pytest.raises(ConfigError, match="postgresql://") as refused:
        run_on_ray(items(), Config(output_dir=str(tmp_path / "out")))
    assert refused.value.field == "state.url"
