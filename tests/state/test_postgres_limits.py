"""Account limits and schema on a real PostgreSQL server, shared between stores that stand for
separate processes (each has its own connections and owner id)."""

from __future__ import annotations

import concurrent.futures
import itertools
import time

import psycopg
import pytest

from videogate._contract.errors import ConfigError, StorageError
from videogate._plugins.config import Config, StateConfig, config_from_dict
from videogate._state.backend import open_state, state_kind
from videogate._state.postgres import Database, PostgresLimitStore, display_url
from videogate._state.postgres.schema import MIGRATIONS, migrate, schema_version


@pytest.fixture
def database(postgres_url):
    return Database(postgres_url)


def test_slots_are_shared_and_capped(database):
    first = PostgresLimitStore(database, lease=30)
    second = PostgresLimitStore(database, lease=30)
    try:
        taken = [first.try_acquire("acct", 3), second.try_acquire("acct", 3)]
        taken.append(first.try_acquire("acct", 3))
        assert sorted(taken) == [0, 1, 2]
        assert second.try_acquire("acct", 3) is None
        assert first.in_use("acct") == 3
        second.release("acct", taken[1])
        assert first.try_acquire("acct", 3) == taken[1]
        assert first.try_acquire("other", 3) == 0  # accounts are separate
    finally:
        first.close()
        second.close()


def test_a_dead_owners_slot_comes_back_when_its_lease_ends(database):
    dead = PostgresLimitStore(database, lease=0.3)
    alive = PostgresLimitStore(database, lease=30)
    try:
        assert dead.try_acquire("acct", 1) == 0
        assert alive.try_acquire("acct", 1) is None
        time.sleep(0.4)
        assert alive.try_acquire("acct", 1) == 0
        # The old owner cannot free what is no longer its own.
        dead.release("acct", 0)
        assert alive.in_use("acct") == 1
    finally:
        alive.close()
        dead.close()


def test_renewal_keeps_a_live_owners_slot(database):
    owner = PostgresLimitStore(database, lease=0.5)
    other = PostgresLimitStore(database, lease=30)
    try:
        owner.try_acquire("acct", 1)
        for _ in range(4):
            time.sleep(0.2)
            assert owner.renew() == 1
        assert other.try_acquire("acct", 1) is None
    finally:
        owner.close()
        other.close()


def test_a_release_wakes_a_waiting_process(database):
    holder = PostgresLimitStore(database)
    waiter = PostgresLimitStore(database)
    try:
        holder.try_acquire("acct", 1)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            woken = pool.submit(waiter.wait_release, 5.0)
            time.sleep(0.3)
            started = time.monotonic()
            holder.release("acct", 0)
            assert woken.result(timeout=5) is True
            assert time.monotonic() - started < 2
        assert waiter.wait_release(0.05) is False
    finally:
        holder.close()
        waiter.close()


def test_pacing_spaces_calls_of_every_process(database):
    stores = [PostgresLimitStore(database) for _ in range(3)]
    try:
        interval = 0.05
        delays = []
        for i in range(9):
            store = stores[i % 3]
            sent = time.monotonic()
            delays.append(sent + store.reserve("acct", "submit", interval, 1))
        gaps = [b - a for a, b in itertools.pairwise(delays)]
        assert all(gap > interval * 0.8 for gap in gaps), gaps
        # A block of 4 moves the schedule by 4 intervals.
        first = stores[0].reserve("acct", "query", interval, 4)
        second = stores[1].reserve("acct", "query", interval, 1)
        assert second - first == pytest.approx(4 * interval, abs=0.03)
        stores[2].push_back("acct", 1.0)
        assert stores[0].reserve("acct", "submit", interval, 1) > 0.8
    finally:
        for store in stores:
            store.close()


def test_schema_is_versioned_and_migrated_once_by_racing_processes(postgres_url):
    def run() -> int:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            return migrate(conn)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        versions = list(pool.map(lambda _: run(), range(4)))
    latest = MIGRATIONS[-1][0]
    assert versions == [latest] * 4
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert schema_version(conn) == latest
        rows = conn.execute("SELECT version FROM videogate_schema").fetchall()
        assert [r[0] for r in rows] == [v for v, _, _ in MIGRATIONS]


def test_state_url_selects_the_backend(tmp_path, postgres_url):
    assert state_kind(Config()) == "sqlite"
    config = config_from_dict({"state": {"url": postgres_url}})
    assert state_kind(config) == "postgresql"
    from_env = config_from_dict({}, env={"VIDEOGATE_STATE_URL": postgres_url})
    assert from_env.state.url == postgres_url
    sqlite = open_state(Config(state=StateConfig(url=f"sqlite:///{tmp_path}/s.db")))
    assert sqlite.describe() == f"sqlite:///{tmp_path}/s.db"
    with pytest.raises(ConfigError, match=r"state\.url"):
        state_kind(Config(state=StateConfig(url="mysql://x")))


def test_an_unreachable_server_is_a_typed_error_without_the_password():
    url = "postgresql://alice:hunter2-secret@127.0.0.1:1/videogate"
    assert "hunter2" not in display_url(url)
    state = open_state(Config(state=StateConfig(url=url)))
    assert "hunter2" not in state.describe()
    with pytest.raises(StorageError) as caught:
        state.journal().get("x")
    assert "hunter2" not in str(caught.value)
    assert caught.value.retryable
    state.close()


def test_a_slot_goes_to_local_waiters_then_back_to_the_pool(database, monkeypatch):
    import asyncio

    from videogate import ServiceLimits
    from videogate._engine import shared_limits
    from videogate._engine.shared_limits import HANDOVERS, SharedLimits

    monkeypatch.setattr(shared_limits, "_YIELD", 2.0)  # the other process surely wins

    one_slot = ServiceLimits(max_concurrent_tasks=1)
    here = SharedLimits(PostgresLimitStore(database), lambda name: one_slot)
    there = SharedLimits(PostgresLimitStore(database), lambda name: one_slot)

    async def main() -> list[str]:
        order: list[str] = []

        async def job(limits: SharedLimits, name: str) -> None:
            await limits.acquire_slot("acct-h")
            order.append(name)
            await asyncio.sleep(0.01)
            limits.release_slot("acct-h")

        await here.acquire_slot("acct-h")  # held; everyone below waits
        local = [asyncio.ensure_future(job(here, f"here{i}")) for i in range(HANDOVERS + 2)]
        remote = asyncio.ensure_future(job(there, "there"))
        await asyncio.sleep(0.3)
        assert here.waiting("acct-h") == HANDOVERS + 2 and there.waiting("acct-h") == 1
        here.release_slot("acct-h")
        await asyncio.gather(*local, remote)
        await here.drain()
        await there.drain()
        return order

    try:
        order = asyncio.run(main())
        # The first release and the next HANDOVERS - 1 go straight to local waiters (no
        # round trip); then the slot returns to the pool, where the other process takes it.
        assert order[:HANDOVERS] == [f"here{i}" for i in range(HANDOVERS)]
        assert "there" in order
        assert order.index("there") == HANDOVERS
        assert here.store.in_use("acct-h") == 0
    finally:
        here.store.close()
        there.store.close()
