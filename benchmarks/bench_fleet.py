"""Fleet: 1,000 jobs at once in one process against a provider limited to 5 running tasks,
5 submits/s and 20 queries/s (its service answers 429 beyond that).

Time is scaled (1 s = 10 ms) together with the limits (20 queries/s become 2,000 real
queries/s). Prints: jobs completed, throttling errors, slot utilisation (task-seconds over
5 x makespan), peak RSS and the largest thread count seen.
Run: ``.venv/bin/python benchmarks/bench_fleet.py``.
"""

from __future__ import annotations

import asyncio
import resource
import threading
import time

import attrs
from _fleetkit import CAPS, REQUEST, make_engine

from videogate._contract.capabilities import ServiceLimits

SCALE = 0.01
JOBS = 1000
TASK_SECONDS = 20.0  # simulated
SLOTS, SUBMITS, QUERIES = 5, 5.0, 20.0


async def main_async(engine, threads: list[int]) -> list[object]:
    async def sample() -> None:
        while True:
            threads.append(threading.active_count())
            await asyncio.sleep(0.05)

    sampler = asyncio.ensure_future(sample())
    try:
        return await asyncio.gather(
            *(engine.agenerate({**REQUEST, "prompt": f"job {i}"}) for i in range(JOBS)),
            return_exceptions=True,
        )
    finally:
        sampler.cancel()


def main() -> None:
    limits = ServiceLimits(
        max_concurrent_tasks=SLOTS,
        submits_per_second=SUBMITS / SCALE,
        queries_per_second=QUERIES / SCALE,
    )
    caps = attrs.evolve(CAPS, limits=limits, typical_latency=TASK_SECONDS * SCALE)
    engine, service = make_engine(SCALE, caps, task_seconds=TASK_SECONDS, jitter=0.1)
    service.max_running = SLOTS
    service.max_qps = QUERIES / SCALE
    threads: list[int] = []
    started = time.monotonic()
    try:
        results = asyncio.run(main_async(engine, threads))
    finally:
        engine.close()
    wall = time.monotonic() - started
    failures = [r for r in results if isinstance(r, BaseException)]
    tasks = list(service.tasks.values())
    first = min(t["created"] for t in tasks)
    last = max(t["created"] + t["queue"] + t["seconds"] for t in tasks)
    busy = sum(t["seconds"] for t in tasks)
    utilisation = busy / (SLOTS * (last - first))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"time scale 1 s = {SCALE * 1000:g} ms; {JOBS} jobs of ~{TASK_SECONDS:g} s (+/-10%)")
    print(f"limits: {SLOTS} running tasks, {SUBMITS:g} submits/s, {QUERIES:g} queries/s")
    print(f"completed:         {JOBS - len(failures)}/{JOBS}  (failures: {len(failures)})")
    if failures:
        print(f"  first failure:   {failures[0]!r}")
    print(f"accepted tasks:    {service.counts['accepted']}")
    print(f"throttling errors: {service.counts['throttled']}")
    print(f"queries/job:       {service.counts['polls'] / max(1, len(tasks)):.1f}")
    print(f"slot utilisation:  {utilisation:.1%}  (target >= 95%)")
    print(f"peak RSS:          {rss_mb:.0f} MB  (target < 300 MB)")
    print(f"threads (max):     {max(threads)}  (workers {engine.config.workers})")
    print(f"wall time:         {wall:.1f} s")


if __name__ == "__main__":
    main()
