"""Render time of the kenburns provider: 4 s of 1280*720 at 24 fps from the sample image.

Prints the median of three renders (the first, which also imports PyAV and decodes the
picture, is reported apart) and the frames rendered per second. Run: ``make bench`` or
``python benchmarks/bench_kenburns.py``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from videogate import VideoRequest
from videogate_kenburns import KenBurnsProvider

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "lakeside.png"
RUNS = 3


def render_once(provider: KenBurnsProvider, request: VideoRequest) -> float:
    start = time.perf_counter()
    task = provider.submit(provider.prepare(request))
    while not provider.poll(task).status.terminal:
        time.sleep(0.01)
    state = provider.poll(task)
    assert state.output is not None, state.error
    return time.perf_counter() - start


def main() -> None:
    request = VideoRequest(
        prompt="dusk over a quiet lake",
        duration=4,
        fps=24,
        size="1280*720",
        seed=7,
        reference_image=SAMPLE,
    )
    frames = 4 * 24
    with tempfile.TemporaryDirectory() as work:
        provider = KenBurnsProvider(work_dir=work)
        try:
            first = render_once(provider, request)
            times = [render_once(provider, request) for _ in range(RUNS)]
            card = [
                render_once(
                    provider,
                    VideoRequest(
                        prompt="a title card", duration=4, fps=24, size="1280*720", seed=7
                    ),
                )
                for _ in range(RUNS)
            ]
        finally:
            provider.close()
    median = statistics.median(times)
    print(f"kenburns 4 s 1280*720 24 fps ({frames} frames), {os.cpu_count()} CPUs")
    print(f"  first render (cold imports): {first:.2f} s")
    print(f"  image, median of {RUNS}:       {median:.2f} s  ({frames / median:.0f} frames/s)")
    print(
        f"  title card, median of {RUNS}:  {statistics.median(card):.2f} s  "
        f"({frames / statistics.median(card):.0f} frames/s)"
    )


if __name__ == "__main__":
    main()
