"""One setting, ``[state] lease``, governs both leases a fleet worker holds on PostgreSQL:
its claim on a request (who pays) and its running-task slot of the account."""

from __future__ import annotations

import time

import psycopg
import pytest
from PIL import Image

from videogate._engine.engine import Engine
from videogate._plugins.config import load_config
from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

LEASE = 7.5  # far from the 30 s default; renewed every 2.5 s, so 5..7.5 s are left at any time
LEAST = LEASE / 2  # what is surely left despite a late renewal on a busy machine
NOW = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"


def _left(url: str) -> tuple[list[float], list[float]]:
    """Seconds left on every live claim and every taken slot, on the server's clock."""
    with psycopg.connect(url, autocommit=True) as conn:
        claims = conn.execute(f"SELECT expires_at - {NOW} FROM videogate_claims").fetchall()
        slots = conn.execute(
            f"SELECT lease_until - {NOW} FROM videogate_slots WHERE owner IS NOT NULL"
        ).fetchall()
    return [float(c) for (c,) in claims], [float(s) for (s,) in slots]


def test_state_lease_from_the_config_file_is_the_claim_and_slot_lease(tmp_path, postgres_url):
    photo = tmp_path / "p.png"
    Image.new("RGB", (1280, 720), (90, 40, 10)).save(photo)
    request = {
        "prompt": "a held lease",
        "duration": 2,
        "fps": 30,
        "size": "1280*720",
        "reference_image": str(photo),
        "seed": 5,
    }
    with running_emulator(pending_seconds=0.2, running_seconds=60) as emu:
        path = tmp_path / "videogate.toml"
        path.write_text(
            'default_provider = "wan"\n'
            f'[state]\nurl = "{postgres_url}"\nlease = {LEASE}\n'
            f'[providers.wan]\nplugin = "wan"\nbase_url = "{emu.base_url}"\napi_key = "sk-test"\n',
            encoding="utf-8",
        )
        config = load_config(path)
        assert config.state.lease == LEASE
        with Engine(config) as engine:
            job = engine.submit(request)
            deadline = time.monotonic() + 30
            while job.task_id is None:
                assert time.monotonic() < deadline, "the job was never submitted"
                time.sleep(0.05)
            seen: list[tuple[list[float], list[float]]] = []
            # Over two renewal periods: the leases are renewed to the same length (without
            # renewal, 2.5 s would be left at the last look).
            for _ in range(3):
                seen.append(_left(postgres_url))
                time.sleep(LEASE / 3)
            job.cancel_sync()
        assert emu.stats()["submissions"] == 1
    for claims, slots in seen:
        assert len(claims) == 1 and len(slots) == 1, seen
        assert LEAST < claims[0] <= LEASE + 0.1, seen
        assert LEAST < slots[0] <= LEASE + 0.1, seen
