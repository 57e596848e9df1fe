"""The camera move: where the crop window sits on the canvas at each frame.

Pure arithmetic, no imaging. A seeded PRNG picks the move (zoom in or out, the pan
direction, how far); ``motion_strength`` scales it (0 is a still). Positions are floats, so
the window glides by fractions of a pixel instead of snapping to the pixel grid, and both
zoom and pan follow one smoothstep easing: zoom is interpolated in log space, so the apparent
speed is even, and the move starts and ends at rest. The window's center travels in a straight
line between the start and end views (interpolating the pan instead would bend the path and
make it double back), and stays on the canvas: the window's half-size shrinks or grows
exponentially, so a straight path between two valid centers never leaves the valid region.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Final

import attrs

__all__ = ["Box", "CameraPath", "ease", "window"]

#: The strongest zoom (motion_strength 1): the window shrinks to 1/1.45 of its size.
MAX_ZOOM: Final = 0.45
#: The strongest pan: this fraction of the room the window has to move in.
MAX_PAN: Final = 1.0

Box = tuple[float, float, float, float]


def ease(t: float) -> float:
    """Smoothstep: 0 at 0, 1 at 1, zero speed at both ends, symmetric."""
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@attrs.frozen
class CameraPath:
    """A move from ``(zoom_start, pan_start)`` to ``(zoom_end, pan_end)``.

    Zoom ``z >= 1`` shows ``1/z`` of the base window; pan ``(px, py)`` in ``-1..1`` places
    the window within the room it has on the canvas (0 is centered, 1 touches the edge).
    """

    zoom_start: float
    zoom_end: float
    pan_start: tuple[float, float]
    pan_end: tuple[float, float]

    @classmethod
    def from_seed(cls, seed: int, motion_strength: float) -> CameraPath:
        """The move for a seed, scaled by ``motion_strength`` (0 gives a still)."""
        rng = random.Random(seed)
        zoom_in = rng.random() < 0.5
        zoom = 1.0 + MAX_ZOOM * motion_strength * rng.uniform(0.6, 1.0)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        reach = MAX_PAN * motion_strength * rng.uniform(0.5, 1.0)
        dx, dy = math.cos(angle) * reach, math.sin(angle) * reach
        start, end = (1.0, zoom) if zoom_in else (zoom, 1.0)
        return cls(start, end, (-dx, -dy), (dx, dy))

    @property
    def max_zoom(self) -> float:
        """The closest the camera gets."""
        return max(self.zoom_start, self.zoom_end)

    @property
    def still(self) -> bool:
        """Whether every frame shows the same window."""
        return self.zoom_start == self.zoom_end and self.pan_start == self.pan_end

    def zoom_at(self, t: float) -> float:
        """The zoom at time ``t`` in ``0..1`` (log-space interpolation, eased)."""
        ratio: float = (self.zoom_end / self.zoom_start) ** ease(t)
        return self.zoom_start * ratio

    def boxes(self, frames: int, canvas: tuple[float, float], aspect: float) -> Iterator[Box]:
        """The window of each of ``frames`` frames on a ``canvas`` (width, height)."""
        first = window(canvas, aspect, self.zoom_start, *self.pan_start)
        last = window(canvas, aspect, self.zoom_end, *self.pan_end)
        start = ((first[0] + first[2]) / 2, (first[1] + first[3]) / 2)
        end = ((last[0] + last[2]) / 2, (last[1] + last[3]) / 2)
        base = window(canvas, aspect, 1.0, 0.0, 0.0)
        base_w, base_h = base[2] - base[0], base[3] - base[1]
        width, height = canvas
        for i in range(frames):
            t = i / (frames - 1) if frames > 1 else 0.0
            e = ease(t)
            zoom = self.zoom_at(t)
            w, h = base_w / zoom, base_h / zoom
            cx = start[0] + (end[0] - start[0]) * e
            cy = start[1] + (end[1] - start[1]) * e
            # Clamping only absorbs float rounding (the window fits by construction).
            yield (
                max(cx - w / 2, 0.0),
                max(cy - h / 2, 0.0),
                min(cx + w / 2, width),
                min(cy + h / 2, height),
            )


def window(canvas: tuple[float, float], aspect: float, zoom: float, px: float, py: float) -> Box:
    """The ``(left, top, right, bottom)`` window of aspect ``aspect`` (width/height).

    The base window is the largest one of that aspect that fits the canvas; ``zoom`` shrinks
    it around its center, and ``(px, py)`` shifts it within the room left on the canvas, so
    the window never leaves the canvas.
    """
    width, height = canvas
    if width / height > aspect:
        base_w, base_h = height * aspect, height
    else:
        base_w, base_h = width, width / aspect
    w, h = base_w / zoom, base_h / zoom
    cx = width / 2 + px * (width - w) / 2
    cy = height / 2 + py * (height - h) / 2
    # Clamping only absorbs float rounding (the window fits by construction).
    return (
        max(cx - w / 2, 0.0),
        max(cy - h / 2, 0.0),
        min(cx + w / 2, width),
        min(cy + h / 2, height),
    )
