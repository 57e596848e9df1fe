"""Helpers of the fleet tests and benchmark: batch files, worker processes, outcomes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).with_name("fleetworker.py")


def write_batch(path: Path, photo: Path, count: int, prefix: str = "fleet") -> Path:
    """A JSON Lines batch of ``count`` distinct 2-second 720P wan requests."""
    with path.open("w", encoding="utf-8") as stream:
        for i in range(count):
            request = {
                "prompt": f"{prefix} {i}",
                "duration": 2,
                "fps": 30,
                "size": "1280*720",
                "reference_image": str(photo),
                "seed": 1,
            }
            stream.write(json.dumps(request) + "\n")
    return path


def start_worker(url, base_url, batch, out, shard, scale, output_dir) -> subprocess.Popen[str]:
    """A worker OS process (see fleetworker.py)."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return subprocess.Popen(
        [
            sys.executable,
            str(WORKER),
            url,
            base_url,
            str(batch),
            str(out),
            shard,
            str(scale),
            str(output_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_outcomes(*paths: Path) -> list[dict]:
    found = []
    for path in paths:
        if path.exists():
            found.extend(json.loads(line) for line in path.read_text().splitlines())
    return found
