"""Helpers shared by the kenburns tests: a detailed test picture, a poll loop, and PyAV
readers that look at what was really written."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import av
import numpy as np
from PIL import Image, ImageDraw

from videogate import TaskRef, TaskState


def draw_picture(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A picture with detail everywhere, so any camera move changes the frame."""
    width, height = size
    x = np.linspace(0, 1, width)[None, :]
    y = np.linspace(0, 1, height)[:, None]
    red = 127 + 120 * np.sin(12 * x + seed)
    green = 127 + 120 * np.sin(9 * y + 2 * seed) * np.ones_like(x)
    blue = 127 + 120 * np.sin(7 * (x + y) + 3 * seed)
    image = Image.fromarray(np.dstack([red * np.ones_like(y), green, blue]).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for i in range(12):
        cx, cy = (i * 37 + seed * 11) % width, (i * 53 + seed * 7) % height
        r = max(min(width, height) // 10, 2)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255 - 20 * i, 20 * i, 128))
    return image


def wait(provider, task: TaskRef, deadline: float = 120.0) -> tuple[TaskState, list[float]]:
    """Poll until the task ends; return its final state and every progress value seen."""
    seen: list[float] = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        state = provider.poll(task)
        if state.progress is not None:
            seen.append(state.progress)
        if state.status.terminal:
            return state, seen
        time.sleep(0.005)
    raise AssertionError(f"task {task.task_id} did not finish in {deadline} s")


def local_path(url: str) -> Path:
    parsed = urlparse(url)
    assert parsed.scheme == "file", url
    return Path(parsed.path)


def decode(path: Path) -> list[np.ndarray]:
    """Every decoded frame, as its raw yuv420p planes."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray() for frame in container.decode(video=0)]


def decode_rgb(path: Path) -> list[np.ndarray]:
    """Every decoded frame as RGB."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def probe(path: Path) -> dict:
    """What the container says about the file."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return {
            "format": container.format.name,
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "duration": stream.duration * stream.time_base,
            "container_duration": container.duration,
            "rate": stream.average_rate,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "frames": frames,
            "metadata": dict(container.metadata),
            "audio": len(container.streams.audio),
        }
