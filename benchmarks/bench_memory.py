"""Engine RSS after 1,000 and 10,000 finished jobs: finished runs are released (the journal
keeps their records), so memory stays flat.

Instantly finished tasks of the fake provider of tests/engine, 50 at a time, cache off. The
fake service runs in this process; it is the remote side, so its own records of past tasks are
dropped after each batch (``--keep-service-records`` keeps them, to see what they cost).

    .venv/bin/python benchmarks/bench_memory.py [JOBS] [--keep-service-records]
"""

from __future__ import annotations

import asyncio
import gc
import sys

import psutil
from _fleetkit import REQUEST, make_engine

ARGS = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
JOBS = int(ARGS[0]) if ARGS else 10_000
KEEP_SERVICE_RECORDS = "--keep-service-records" in sys.argv
BATCH = 50


def rss_mib() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def run(engine, start: int) -> None:
    await asyncio.gather(
        *(
            engine.agenerate({**REQUEST, "prompt": f"job {start + i}"}, use_cache=False)
            for i in range(BATCH)
        )
    )


def forget_past_tasks(service, provider) -> None:
    """What the fake remote side (and its adapter's test log) remembers is not the engine's."""
    if KEEP_SERVICE_RECORDS:
        return
    provider.prepared.clear()
    with service.lock:
        service.tasks.clear()
        service.poll_log.clear()
        service.finish_log.clear()


def main() -> None:
    engine, service = make_engine(1.0, task_seconds=0.0, jitter=0.0)
    provider = engine._resources.provider("fake")
    try:
        asyncio.run(run(engine, -BATCH))
        marks = {}
        base = rss_mib()
        done = 0
        while done < JOBS:
            asyncio.run(run(engine, done))
            forget_past_tasks(service, provider)
            done += BATCH
            if done in (100, 1_000, 10_000) or done == JOBS:
                marks[done] = rss_mib()
                print(f"after {done:>6} jobs: RSS {marks[done]:.1f} MiB", flush=True)
        runs = len(engine._runner.runs)
    finally:
        engine.close()
    print(f"baseline {base:.1f} MiB; runs still held by the engine: {runs}")
    if 1_000 in marks and JOBS in marks:
        growth = marks[JOBS] - marks[1_000]
        per_job = growth * 2**20 / max(1, JOBS - 1_000)
        print(f"growth 1,000 -> {JOBS:,}: {growth:.1f} MiB ({per_job:.0f} bytes/job)")


if __name__ == "__main__":
    main()
