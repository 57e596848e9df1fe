"""Engine memory over many finished jobs: finished runs are released (the journal keeps their
records), so what the engine holds stays flat.

Instantly finished tasks of the fake provider of tests/engine, 50 at a time, cache off. The
fake service runs in this process; it is the remote side, so its own records of past tasks are
dropped after each batch (``--keep-service-records`` keeps them, to see what they cost).

At 1,000 jobs, then every 5,000 (and at the end; JOBS defaults to 10,000, 50,000 shows where
RSS levels off) it prints, after a full garbage collection:

- RSS of the process, and its anonymous part (Linux);
- the Python heap: blocks of Python's allocator and objects tracked by the gc (a per-job leak
  of Python objects grows these);
- what SQLite holds (``sqlite3_memory_used``: its page caches, bounded by ``cache_size``);
- C ``malloc`` (glibc's ``mallinfo2``): bytes in use, of bytes it holds from the system. In
  use is what C code (PyAV, SQLite, Python's larger objects) has not freed: a C leak grows
  it. Held also counts freed memory malloc keeps for reuse, scattered over the arenas of the
  worker threads: it grows for a while as they fragment, then levels off (run with
  ``MALLOC_ARENA_MAX=2`` in the environment to see it stay flat);
- with ``--trim``, RSS after ``malloc_trim(0)`` has handed the wholly free pages back (pages
  that still hold one live chunk stay). Trimming at each mark changes what the next mark
  measures: compare plain RSS figures with a run without it.

Then the growth per job between the marks.

    .venv/bin/python benchmarks/bench_memory.py [JOBS] [--trim] [--keep-service-records]
"""

from __future__ import annotations

import _sqlite3
import asyncio
import ctypes
import gc
import itertools
import sys

import psutil
from _fleetkit import REQUEST, make_engine

ARGS = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
JOBS = int(ARGS[0]) if ARGS else 10_000
KEEP_SERVICE_RECORDS = "--keep-service-records" in sys.argv
TRIM = "--trim" in sys.argv
BATCH = 50
MIB = 2**20


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _sqlite_used() -> ctypes._CFuncPtr | None:
    try:
        fn = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_int64
    return fn


def _mallinfo() -> ctypes._CFuncPtr | None:
    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _Mallinfo2
    return fn


def _malloc_trim() -> ctypes._CFuncPtr | None:
    try:
        fn = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    return fn


SQLITE_USED = _sqlite_used()
MALLINFO = _mallinfo()
MALLOC_TRIM = _malloc_trim()


def _status_kib(field: str) -> float | None:
    """A ``kB`` field of /proc/self/status (Linux), else ``None``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def measure() -> dict[str, float]:
    """Memory figures after a full collection (MiB; blocks and objects as counts)."""
    gc.collect()
    figures = {
        "rss": psutil.Process().memory_info().rss / MIB,
        "blocks": float(sys.getallocatedblocks()),
        "objects": float(len(gc.get_objects())),
    }
    anon = _status_kib("RssAnon")
    if anon is not None:
        figures["anon"] = anon / 1024
    if SQLITE_USED is not None:
        figures["sqlite"] = SQLITE_USED() / MIB
    if MALLINFO is not None:
        info = MALLINFO()
        figures["malloc"] = (info.uordblks + info.hblkhd) / MIB
        figures["malloc_held"] = (info.arena + info.hblkhd) / MIB
    if TRIM and MALLOC_TRIM is not None:
        # Free pages malloc keeps go back to the system: what is left is what is in use.
        MALLOC_TRIM(0)
        figures["trimmed"] = psutil.Process().memory_info().rss / MIB
    return figures


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


def show(done: int, m: dict[str, float]) -> None:
    line = (
        f"after {done:>6,} jobs: RSS {m['rss']:6.1f} MiB | Python {m['blocks']:>9,.0f} blocks "
        f"{m['objects']:>7,.0f} objects"
    )
    if "sqlite" in m:
        line += f" | SQLite {m['sqlite']:4.1f} MiB"
    if "malloc" in m:
        line += f" | malloc in use {m['malloc']:5.1f} of {m['malloc_held']:5.1f} MiB"
    if "anon" in m:
        line += f" | anonymous RSS {m['anon']:5.1f} MiB"
    if "trimmed" in m:
        line += f" | RSS after malloc_trim {m['trimmed']:5.1f} MiB"
    print(line, flush=True)


def main() -> None:
    engine, service = make_engine(1.0, task_seconds=0.0, jitter=0.0)
    provider = engine._resources.provider("fake")
    try:
        asyncio.run(run(engine, -BATCH))
        base = measure()
        marks: dict[int, dict[str, float]] = {}
        done = 0
        while done < JOBS:
            asyncio.run(run(engine, done))
            forget_past_tasks(service, provider)
            done += BATCH
            if done == 1_000 or done % 5_000 == 0 or done >= JOBS:
                marks[done] = measure()
                show(done, marks[done])
        runner = engine._runner
        held = {
            "runs": len(runner.runs),
            "in flight": len(runner.inflight),
            "background": len(runner.background),
            "scheduled polls": len(runner.scheduler._heap),
        }
    finally:
        engine.close()
    print(f"baseline RSS {base['rss']:.1f} MiB; held by the engine at the end: {held}")
    shown = [("rss", "RSS", MIB), ("trimmed", "trimmed RSS", MIB), ("malloc", "malloc", MIB)]
    shown += [("blocks", "Python blocks", 1), ("objects", "gc objects", 1)]
    columns = [(key, name, unit) for key, name, unit in shown if key in base]
    print("growth per job between marks (bytes; blocks and objects as counts):")
    print(" " * 20 + "".join(f"{name:>15}" for _, name, _ in columns))
    for a, b in itertools.pairwise(sorted(marks)):
        cells = [(marks[b][key] - marks[a][key]) * unit / (b - a) for key, _, unit in columns]
        print(f"  {a:>6,} -> {b:>6,}: " + "".join(f"{cell:>15.3f}" for cell in cells))


if __name__ == "__main__":
    main()
