"""Engine overhead for a task that is already finished when submit returns, in-process.

The fake provider of tests/engine answers at once (task time 0) and delivers a small video;
the engine's time per job (validate, journal, submit, first poll, download, probe, store,
journal) is compared with the provider's own calls made directly (submit, poll). Target:
overhead <= 50 ms. Cache off, so every job runs.

    .venv/bin/python benchmarks/bench_overhead.py [JOBS]
"""

from __future__ import annotations

import statistics
import sys
import time

from _fleetkit import REQUEST, make_engine

from videogate import VideoRequest

JOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 50


def main() -> None:
    engine, _service = make_engine(1.0, task_seconds=0.0, jitter=0.0)
    provider = engine._resources.provider("fake")
    try:
        engine.generate({**REQUEST, "prompt": "warm up"}, use_cache=False)
        direct, through, waiting, finishing = [], [], [], []
        for i in range(JOBS):
            native = provider.prepare(VideoRequest(**{**REQUEST, "prompt": f"direct {i}"}))
            started = time.perf_counter()
            provider.poll(provider.submit(native))
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = engine.generate({**REQUEST, "prompt": f"job {i}"}, use_cache=False)
            through.append(time.perf_counter() - started)
            timings = result.timings
            waiting.append(timings.get("queued", 0.0) + timings.get("running", 0.0))
            finishing.append(sum(timings.get(k, 0.0) for k in ("downloading", "storing")))
    finally:
        engine.close()
    d, t = statistics.median(direct) * 1000, statistics.median(through) * 1000
    print(f"{JOBS} instantly finished tasks (median): provider calls alone {d:.1f} ms, ")
    print(f"through the engine {t:.1f} ms: overhead {t - d:.1f} ms (target <= 50 ms)")
    w, f = statistics.median(waiting) * 1000, statistics.median(finishing) * 1000
    print(f"of which submit to seen done {w:.1f} ms, download + probe + store {f:.1f} ms")
    print("target met" if t - d <= 50 else "target NOT met")


if __name__ == "__main__":
    main()
