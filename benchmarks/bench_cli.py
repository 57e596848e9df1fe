"""Start-up time of the CLI: `videogate --help` and `videogate providers`, with the installed
providers present. Prints the median wall time of several runs (target: < 0.15 s each)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

RUNS = 15


def median_wall(argv: list[str]) -> tuple[float, float]:
    samples = []
    # Any value of PYTHONDONTWRITEBYTECODE disables the .pyc cache a normal install has.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(argv, capture_output=True, check=True, env=env)  # warm the .pyc cache
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def main() -> None:
    exe = shutil.which("videogate") or os.path.join(os.path.dirname(sys.executable), "videogate")
    baseline = median_wall([sys.executable, "-c", "pass"])
    print(
        f"python -c pass            median {baseline[0] * 1000:6.1f} ms  min {baseline[1] * 1000:6.1f} ms"
    )
    for args in (["--help"], ["providers"], ["providers", "--json"], ["schema"]):
        med, low = median_wall([exe, *args])
        print(
            f"videogate {' '.join(args):<16} median {med * 1000:6.1f} ms  min {low * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
