"""``videogate batch FILE --ray ADDRESS`` as a user runs it: the real command in a child
process, joining the session's local Ray cluster, with PostgreSQL state from
``VIDEOGATE_STATE_URL`` and the wan provider on the emulator from a configuration file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow
pytest.importorskip("ray")

VIDEOGATE = str(Path(sys.executable).with_name("videogate"))
COUNT = 3


def _write_batch(tmp_path: Path) -> Path:
    photo = tmp_path / "p.png"
    Image.new("RGB", (1280, 720), (20, 60, 140)).save(photo)
    path = tmp_path / "requests.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for i in range(COUNT):
            request = {
                "id": f"r{i}",
                "prompt": f"ray cli {i}",
                "duration": 2,
                "fps": 30,
                "size": "1280*720",
                "reference_image": str(photo),
                "seed": 7,
            }
            stream.write(json.dumps(request) + "\n")
    return path


def _write_config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "videogate.toml"
    path.write_text(
        f'default_provider = "wan"\noutput_dir = "{tmp_path / "output"}"\n'
        "poll_time_scale = 0.02\ntimeout = 120\n"
        f'[providers.wan]\nplugin = "wan"\nbase_url = "{base_url}"\napi_key = "sk-test"\n',
        encoding="utf-8",
    )
    return path


def _batch(
    batch: Path, address: str, env: dict[str, str], *more: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VIDEOGATE, "batch", str(batch), "--ray", address, "--no-progress", *more],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=240,
    )


def test_batch_cli_on_ray_submits_each_request_once(ray_local, tmp_path, postgres_url):
    batch = _write_batch(tmp_path)
    with running_emulator(pending_seconds=0.3, running_seconds=1.0) as emu:
        env = {
            **ray_local.env,
            "VIDEOGATE_CONFIG": str(_write_config(tmp_path, emu.base_url)),
            "VIDEOGATE_STATE_URL": postgres_url,
        }
        first = _batch(batch, ray_local.address, env)
        after_first = emu.stats()["submissions"]
        again = _batch(batch, ray_local.address, env)
        stats = emu.stats()
    assert first.returncode == 0, first.stderr[-3000:]
    records = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(records) == COUNT, first.stdout
    assert all(r["ok"] for r in records), records
    assert sorted(r["id"] for r in records) == [f"r{i}" for i in range(COUNT)]
    assert len({r["result"]["task_id"] for r in records}) == COUNT
    assert after_first == COUNT  # one submission per request
    # A re-run (no -o, so every line goes to Ray again) is served from the shared cache.
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(rerun) == COUNT and all(r["ok"] and r["result"]["cached"] for r in rerun), rerun
    assert {r["result"]["task_id"] for r in rerun} == {r["result"]["task_id"] for r in records}
    assert stats["submissions"] == COUNT
    assert stats.get("throttled", 0) == 0


def test_batch_cli_on_ray_refuses_state_that_is_not_shared(tmp_path):
    """Without a PostgreSQL ``[state] url`` (here the default SQLite) the command stops
    before it opens its output or sends anything: exit 2 and a typed error naming the
    setting."""
    batch = _write_batch(tmp_path)
    with running_emulator(pending_seconds=0.3, running_seconds=1.0) as emu:
        env = {"VIDEOGATE_CONFIG": str(_write_config(tmp_path, emu.base_url))}
        out = tmp_path / "outcomes.jsonl"
        done = _batch(batch, "auto", env, "-o", str(out))
        stats = emu.stats()
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError" in done.stderr and "postgresql://" in done.stderr, done.stderr
    assert "VIDEOGATE_STATE_URL" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "" and not out.exists()
    assert stats["submissions"] == 0 and stats.get("uploads", 0) == 0
