"""The polling policy alone, on simulated task times: expected status queries per job and
mean detection delay, without the noise of a real run.

``bench_polling.py`` measures the real thing (HTTP, the SDK, processes), but a mean over 40
tasks varies with where their ends fall between polls. Here the policy's own functions
(``window_of``, ``next_delay``, ``learned_time``) drive ``REPS`` repetitions of that
benchmark's sequence per class: a first run of 5 jobs at once on a fresh state (the windows
updated as tasks end), 20 more in batches of 5, then 40 measured. Task times are uniform
within +/-20 % of the nominal time (as in ``bench_polling.py``) or, with ``lognormal``,
``nominal * exp(N(0, 0.3))``; the SDK's ``wait()`` schedule is simulated alongside.

    .venv/bin/python benchmarks/bench_policy.py [uniform|lognormal] [REPS]
"""

from __future__ import annotations

import heapq
import random
import statistics
import sys
from collections.abc import Callable

from videogate import LatencyPrior
from videogate._engine.pacing import PollPolicy, learned_time, window_of

SHAPE = sys.argv[1] if len(sys.argv) > 1 else "uniform"
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 300
PRIOR = LatencyPrior(low=15.0, typical=90.0, high=300.0)  # wan's
POLICY = PollPolicy()


def sdk_wait(task: float) -> tuple[int, float]:
    """Queries and detection delay of the DashScope SDK's ``wait()`` (sleeps 1, 1, 2, 2, 2,
    4, 4, 4, 5, ... s between queries)."""
    now, sleep, queries = 0.0, 1.0, 0
    while True:
        queries += 1
        if now >= task:
            return queries, now - task
        if queries % 3 == 0:
            sleep = min(5.0, sleep * 2.0)
        now += sleep


def batch(samples: list[float], tasks: list[float]) -> list[tuple[int, float]]:
    """Tasks submitted together, each polled with the window of what is learned so far (a
    task that ends teaches the others at once, as in one engine)."""
    polls = [0] * len(tasks)
    last: list[float | None] = [None] * len(tasks)
    due: list[tuple[float, int]] = []
    for i in range(len(tasks)):
        window = window_of(samples[-64:], PRIOR, POLICY)
        heapq.heappush(due, (POLICY.next_delay(window, elapsed=0.0, polls=0, since_last=None), i))
    out = []
    while due:
        now, i = heapq.heappop(due)
        polls[i] += 1
        if now >= tasks[i]:
            samples.append(learned_time(last[i], now))
            out.append((polls[i], now - tasks[i]))
            continue
        last[i] = now
        window = window_of(samples[-64:], PRIOR, POLICY)
        delay = POLICY.next_delay(window, elapsed=now, polls=polls[i], since_last=0.0)
        heapq.heappush(due, (now + delay, i))
    return out


def one_run(nominal: float, draw: Callable[[], float]) -> dict[str, list[tuple[int, float]]]:
    samples: list[float] = []
    first = batch(samples, [nominal * draw() for _ in range(5)])
    for _ in range(3):
        batch(samples, [nominal * draw() for _ in range(5)])
    warm = [r for _ in range(8) for r in batch(samples, [nominal * draw() for _ in range(5)])]
    sdk = [sdk_wait(nominal * draw()) for _ in range(40)]
    return {"sdk": sdk, "first": first, "warm": warm}


def main() -> None:
    rng = random.Random(11)
    draw = (
        (lambda: rng.lognormvariate(0.0, 0.3))
        if SHAPE == "lognormal"
        else (lambda: rng.uniform(0.8, 1.2))
    )
    print(f"task times: {SHAPE}; {REPS} repetitions; policy {POLICY.budget} s budget")
    print(" task |  SDK q / delay | first run q (ratio) / delay | warm q (ratio, p90) / delay")
    for nominal in (30.0, 60.0, 120.0, 300.0):
        runs = [one_run(nominal, draw) for _ in range(REPS)]
        figures = {}
        for column in ("sdk", "first", "warm"):
            per_run = [statistics.mean(q for q, _ in run[column]) for run in runs]
            delay = statistics.mean(d for run in runs for _, d in run[column])
            figures[column] = (statistics.mean(per_run), sorted(per_run)[int(0.9 * REPS)], delay)
        sdk = figures["sdk"][0]
        first, warm = figures["first"], figures["warm"]
        print(
            f"{nominal:4.0f}s | {sdk:5.1f} / {figures['sdk'][2]:.2f} | "
            f"{first[0]:5.1f} ({first[0] / sdk:.2f}x) / {first[2]:.2f}          | "
            f"{warm[0]:5.1f} ({warm[0] / sdk:.2f}x, {warm[1] / sdk:.2f}x) / {warm[2]:.2f}"
        )


if __name__ == "__main__":
    main()
