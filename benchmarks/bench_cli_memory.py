"""Peak memory of one ``videogate generate --provider wan`` process vs a direct DashScope SDK
script doing the same task, both against the wan emulator on loopback (task time 1 s).

Each is a fresh process; its peak RSS is ``ru_maxrss`` of the finished child (Linux, KiB).
Prints the median of a few runs of each and the ratio. The machine may be shared: noisy, and
the peak moves by a MiB or so with which threads allocate where.

What the CLI holds beyond the SDK script, measured in one process: PyAV (about 15 MiB to
import, 5 more to decode the first 720p frame), which the probe needs for the result's real
duration, fps and size; Pillow (about 7 MiB), which reads the reference image's header; and
videogate itself with its journal (a few MiB). A local store no longer imports fsspec.

    .venv/bin/python benchmarks/bench_cli_memory.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from videogate_wan.emulator import Emulator

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
KEY = "sk-benchmark"
VIDEOGATE = Path(sys.executable).with_name("videogate")

SDK_SCRIPT = r"""
import sys, httpx, hashlib
from dashscope import VideoSynthesis
answer = VideoSynthesis.call(model="wan2.6-i2v-flash", prompt=sys.argv[1],
    img_url="file://" + sys.argv[2], duration=2, resolution="720P")
assert answer.output.task_status == "SUCCEEDED", answer
digest = hashlib.sha256()
with httpx.stream("GET", answer.output.video_url) as r, open(sys.argv[3], "wb") as fh:
    for chunk in r.iter_bytes():
        digest.update(chunk); fh.write(chunk)
"""


def peak_mib(argv: list[str], env: dict[str, str]) -> float:
    """Run ``argv`` in a child and return its peak RSS in MiB."""
    code = (
        "import resource, subprocess, sys;"
        "done = subprocess.run(sys.argv[1:], capture_output=True);"
        "sys.stderr.write(done.stderr.decode()[-2000:] if done.returncode else '');"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True
    )
    assert not out.stderr, out.stderr
    return int(out.stdout.strip()) / 1024


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="videogate-bench-cli-memory-"))
    image = work / "first.png"
    Image.new("RGB", (1280, 720), (180, 60, 40)).save(image)
    emu = Emulator(running_seconds=1.0, reuse_renders=True).start()
    env = {
        **os.environ,
        "OUTPUT_DIR": str(work / "output"),
        "VIDEOGATE_STATE_DIR": str(work / "state"),
        "DASHSCOPE_HTTP_BASE_URL": emu.base_url,
        "DASHSCOPE_API_KEY": KEY,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    sdk, cli = [], []
    try:
        for i in range(RUNS):
            sdk.append(
                peak_mib(
                    [sys.executable, "-c", SDK_SCRIPT, f"sdk {i}", str(image), str(work / "v.mp4")],
                    env,
                )
            )
            argv = [str(VIDEOGATE), "generate", "--provider", "wan", "--image", str(image)]
            argv += ["--prompt", f"cli {i}", "--duration", "2", "--fps", "30"]
            cli.append(peak_mib([*argv, "--size", "1280*720", "--json", "--no-cache"], env))
    finally:
        emu.stop()
    s, c = statistics.median(sdk), statistics.median(cli)
    print(f"peak RSS, median of {RUNS} (shared machine, noisy):")
    print(f"  direct SDK script (call + streaming download): {s:.0f} MiB {[round(x) for x in sdk]}")
    print(f"  videogate generate --provider wan:             {c:.0f} MiB {[round(x) for x in cli]}")
    print(f"  ratio {c / s:.2f}x")


if __name__ == "__main__":
    main()
