"""``videogate jobs --json`` on a long history: 100,000 journal rows, streamed as JSON Lines.

Fills a fresh SQLite state with realistic succeeded rows (request, normalized request,
result, artifact with probe), then runs the real CLI in a subprocess with stdout to a file
and reports wall time, peak RSS of that process and the lines written.
Run: ``.venv/bin/python benchmarks/bench_jobs_json.py [ROWS]``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from videogate._state.journal import JobRecord, JobState, dump_record
from videogate._state.sqlite_journal import SqliteJournal

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def _record(n: int) -> JobRecord:
    now = time.time()
    return JobRecord(
        job_id=f"{int(now * 1000) - ROWS + n:013d}-{n:08d}",
        provider="wan",
        plugin="wan",
        model="wan2.6-i2v-flash",
        mode="strict",
        state=JobState.SUCCEEDED,
        request={"prompt": f"shot {n}: dusk over a quiet lake", "duration": 5, "fps": 30},
        normalized={"prompt": f"shot {n}", "duration": 5, "resolution": "720P", "audio": False},
        cache_key=f"{n:064x}",
        task={"task_id": f"task-{n:012d}", "provider": "wan", "data": {}},
        result={"video_url": f"file:///videos/{n}.mp4", "duration": 5.0, "fps": 30.0},
        artifact={
            "key": f"videos/{n}.mp4",
            "sha256": f"{n:064x}",
            "size_bytes": 2_400_000,
            "probe": {"codec": "h264", "width": 1280, "height": 720, "frames": 150},
        },
        estimate={"amount": 0.75, "currency": "CNY"},
        created_at=now,
        updated_at=now,
        submitted_at=now,
        finished_at=now,
    )


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="videogate-bench-jobs-"))
    state = root / "state"
    journal = SqliteJournal(state / "videogate.sqlite3")
    started = time.perf_counter()
    rows = []
    for n in range(ROWS):
        r = _record(n)
        rows.append((r.job_id, str(r.state), r.provider, r.created_at, dump_record(r), 0.75, "CNY"))
    db = journal._db
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO videogate_jobs (job_id, state, provider, created_at, data, cost, currency)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    journal.close()
    print(f"filled {ROWS} rows in {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "VIDEOGATE_STATE_DIR": str(state), "OUTPUT_DIR": str(root / "out")}
    env.pop("VIDEOGATE_STATE_URL", None)
    videogate = str(Path(sys.executable).with_name("videogate"))
    out = root / "jobs.jsonl"
    started = time.perf_counter()
    with out.open("wb") as sink:
        subprocess.run([videogate, "jobs", "--json"], stdout=sink, env=env, check=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with out.open("rb") as lines:
        count = sum(1 for _ in lines)
    print(f"videogate jobs --json: {count} lines, {out.stat().st_size / 1e6:.0f} MB")
    print(f"wall time: {wall:.1f} s   peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
