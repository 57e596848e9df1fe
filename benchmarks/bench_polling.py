"""Polling efficiency: status queries per job and completion-to-detection delay, for tasks
of 30/60/120/300 s, against the DashScope SDK's VideoSynthesis.wait schedule.

Time is scaled (1 s = 20 ms: at finer scales the engine's own per-query overhead, a few
milliseconds, would dominate what is measured). Task times vary by +/-10 % around the nominal value. The
engine first learns from 5 jobs run at once, then 40 jobs run at once; the SDK's figures are computed
analytically for the very same task times (first query right after submit, then sleeps of
1,1,1,2,2,2,4,4,4,5,5,... s). Run: ``.venv/bin/python benchmarks/bench_polling.py``.
"""

from __future__ import annotations

import asyncio
import random
import statistics

from _fleetkit import REQUEST, make_engine

SCALE = 0.02
DURATIONS = (30, 60, 120, 300)
JITTER = 0.10
WARMUP, JOBS = 5, 40


def sdk_schedule(task_seconds: float) -> tuple[int, float]:
    """Queries and detection delay of dashscope's BaseAsyncApi.wait for one task."""
    t, queries, step = 0.0, 1, 0
    while t < task_seconds:
        interval = min(5.0, 2 ** (step // 3))
        t += interval
        queries += 1
        step += 1
    return queries, t - task_seconds


async def run_jobs(engine, n: int, tag: str) -> None:
    await asyncio.gather(*(engine.agenerate({**REQUEST, "prompt": f"{tag}{i}"}) for i in range(n)))


def measure(nominal: float) -> dict[str, float]:
    engine, service = make_engine(SCALE, task_seconds=nominal, jitter=JITTER)
    try:
        asyncio.run(run_jobs(engine, WARMUP, "warm"))
        before = set(service.tasks)
        asyncio.run(run_jobs(engine, JOBS, "job"))
        measured = [t for t in service.tasks if t not in before]
        polls = dict.fromkeys(measured, 0)
        for task_id, _ in service.poll_log:
            if task_id in polls:
                polls[task_id] += 1
        delays = [(service.finish_log[t][1] - service.finish_log[t][0]) / SCALE for t in measured]
        times = [service.tasks[t]["seconds"] / SCALE for t in measured]
    finally:
        engine.close()
    sdk = [sdk_schedule(t) for t in times]
    return {
        "ours_queries": statistics.mean(polls.values()),
        "ours_delay": statistics.mean(delays),
        "ours_delay_max": max(delays),
        "sdk_queries": statistics.mean(q for q, _ in sdk),
        "sdk_delay": statistics.mean(d for _, d in sdk),
        "sdk_delay_max": max(d for _, d in sdk),
    }


def main() -> None:
    random.seed(7)
    print(f"time scale 1 s = {SCALE * 1000:g} ms; task times +/-{JITTER:.0%}; {JOBS} jobs each")
    header = f"{'task':>6} | {'queries/job':>22} | {'mean delay (s)':>22} | {'max delay (s)':>20}"
    print(header)
    print(
        f"{'':>6} | {'videogate':>10} {'SDK':>11} | {'videogate':>10} {'SDK':>11} | "
        f"{'videogate':>9} {'SDK':>10}"
    )
    ok = True
    for nominal in DURATIONS:
        r = measure(nominal)
        print(
            f"{nominal:>5}s | {r['ours_queries']:>10.1f} {r['sdk_queries']:>11.1f} | "
            f"{r['ours_delay']:>10.2f} {r['sdk_delay']:>11.2f} | "
            f"{r['ours_delay_max']:>9.2f} {r['sdk_delay_max']:>10.2f}"
        )
        ok &= r["ours_queries"] <= r["sdk_queries"] / 2 and r["ours_delay"] <= r["sdk_delay"]
    print("target (<= half the queries, mean delay no worse):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
