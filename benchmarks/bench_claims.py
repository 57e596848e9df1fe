"""Claims in the SQLite journal: how fast one process claims and releases keys, and how many
processes racing for the same keys still get exactly one owner each (no "database is
locked").

Run: ``python benchmarks/bench_claims.py`` (prints figures; exits 1 if a key got two owners).
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KEYS = 200
PROCESSES = 4


def _race(path: str, barrier: Any, out: Any) -> None:
    from videogate._state.claims import ClaimRole, new_owner
    from videogate._state.sqlite_journal import SqliteJournal

    journal = SqliteJournal(path)
    owner = new_owner()
    barrier.wait()
    started = time.perf_counter()
    owned = [
        key
        for key in (f"key-{i}" for i in range(KEYS))
        if journal.claim(key, f"job-{owner}-{key}", owner, lease=60).role is ClaimRole.OWNER
    ]
    out.put((owned, time.perf_counter() - started))
    journal.close()


def main() -> int:
    from videogate._state.claims import new_owner
    from videogate._state.sqlite_journal import SqliteJournal

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "solo.sqlite3")
        journal = SqliteJournal(path)
        owner = new_owner()
        started = time.perf_counter()
        for i in range(1000):
            journal.claim(f"k{i}", f"j{i}", owner, lease=30)
            journal.release(f"k{i}", owner, finished=True)
        elapsed = time.perf_counter() - started
        journal.close()
        print(f"one process: {2000 / elapsed:,.0f} claim+release operations/s (1,000 keys)")

        path = str(Path(folder) / "race.sqlite3")
        SqliteJournal(path).close()
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(PROCESSES)
        out = ctx.Queue()
        workers = [ctx.Process(target=_race, args=(path, barrier, out)) for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        results = [out.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join()
        owners: dict[str, int] = {}
        for owned, _ in results:
            for key in owned:
                owners[key] = owners.get(key, 0) + 1
        slowest = max(seconds for _, seconds in results)
        twice = sum(1 for n in owners.values() if n > 1)
        print(
            f"{PROCESSES} processes racing for {KEYS} keys: {len(owners)} keys owned, "
            f"{twice} owned twice, {PROCESSES * KEYS / slowest:,.0f} claims/s overall "
            f"(slowest process {slowest:.2f} s)"
        )
        return 1 if twice or len(owners) != KEYS else 0


if __name__ == "__main__":
    sys.exit(main())
