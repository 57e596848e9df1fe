"""The store of learned task times: SQLite next to the journal, shared by processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from videogate._state.latency import KEEP, MemoryLatencyStore, SqliteLatencyStore
from videogate._state.sqlite_journal import SqliteJournal

ENGINE_TESTS = str(Path(__file__).resolve().parent.parent / "engine")


def test_sqlite_store_keeps_the_newest_samples_next_to_the_journal(tmp_path):
    path = tmp_path / "videogate.sqlite3"
    journal = SqliteJournal(path)
    store = SqliteLatencyStore(path)
    for value in range(KEEP + 10):
        store.add("wan/m/1280x720/5s", float(value))
    store.add("other", 1.0)
    expected = [float(v) for v in range(KEEP + 9, 9, -1)]
    assert store.recent("wan/m/1280x720/5s") == expected
    assert store.recent("wan/m/1280x720/5s", 3) == expected[:3]
    store.close()
    again = SqliteLatencyStore(path)
    assert again.recent("other") == [1.0]
    assert again.recent("unknown") == []
    again.close()
    journal.close()


def test_memory_store_has_the_same_behaviour():
    store = MemoryLatencyStore()
    for value in range(KEEP + 3):
        store.add("k", float(value))
    assert store.recent("k", 2) == [float(KEEP + 2), float(KEEP + 1)]
    assert len(store.recent("k")) == KEEP


CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from fakeservice import FakeProvider, FakeService
    from enginekit import FAST_POLLS, REQUEST, make_config
    from videogate._engine.engine import Engine
    from videogate._plugins.registry import load_registry

    root, jobs = Path(sys.argv[1]), int(sys.argv[2])
    service = FakeService(root / "service", task_seconds=0.2)
    config = make_config(root)
    with Engine(config, registry=load_registry(entrypoints=False),
                providers={"fake": FakeProvider(service)}, poll_policy=FAST_POLLS) as engine:
        for i in range(jobs):
            engine.generate({**REQUEST, "prompt": f"{sys.argv[3]} {i}"})
        key = "fake/fake-1/64x48/1s"
        print(json.dumps({"polls": service.counts["polls"],
                          "samples": len(engine.scheduler.model.samples(key))}))
    """
)


def _child(root: Path, jobs: int, tag: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), str(jobs), tag],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ENGINE_TESTS},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_learned_times_survive_a_process_restart(tmp_path):
    warm_root, cold_root = tmp_path / "warm", tmp_path / "cold"
    first = _child(warm_root, 6, "learn")
    assert first["samples"] == 6
    warm = _child(warm_root, 1, "again")  # a new process, the same state database
    cold = _child(cold_root, 1, "again")  # a new process, no history
    assert warm["samples"] == 7  # loaded six, learned one
    assert cold["samples"] == 1
    # Warm, the first poll waits for the learned low quantile instead of polling from 0.
    assert warm["polls"] * 2 < cold["polls"]
