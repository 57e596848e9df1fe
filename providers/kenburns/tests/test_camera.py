"""The camera move: inside the picture, the right aspect, smooth (no jitter), eased, scaled by
motion_strength, and chosen by the seed."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from videogate_kenburns._camera import CameraPath, ease, window

seeds = st.integers(0, 2**31 - 1)
strengths = st.floats(0, 1)
canvases = st.tuples(st.floats(16, 8000), st.floats(16, 8000))
aspects = st.floats(0.2, 5)


@given(canvases, aspects, st.floats(1, 2), st.floats(-1, 1), st.floats(-1, 1))
def test_the_window_stays_on_the_canvas_with_the_output_aspect(canvas, aspect, zoom, px, py):
    left, top, right, bottom = window(canvas, aspect, zoom, px, py)
    width, height = canvas
    assert 0 <= left < right <= width
    assert 0 <= top < bottom <= height
    assert math.isclose((right - left) / (bottom - top), aspect, rel_tol=1e-6)


def _steps(values: list[float]) -> tuple[list[float], float]:
    return [b - a for a, b in itertools.pairwise(values)], values[-1] - values[0]


@given(seeds, strengths, canvases, aspects)
def test_the_move_is_smooth_monotonic_and_eased(seed, strength, canvas, aspect):
    """No jitter: the window's center and size each move one way only, no step is much
    larger than the average (smoothstep's peak speed is 1.5x), and the move starts and ends
    at rest."""
    camera = CameraPath.from_seed(seed, strength)
    boxes = list(camera.boxes(96, canvas, aspect))
    tracks = {
        "center x": [(b[0] + b[2]) / 2 for b in boxes],
        "center y": [(b[1] + b[3]) / 2 for b in boxes],
        "width": [b[2] - b[0] for b in boxes],
    }
    scale = max(canvas) * 1e-9
    for name, values in tracks.items():
        steps, total = _steps(values)
        average = abs(total) / len(steps)
        # Zoom is exponential in the eased time: up to 1.45x faster at one end.
        peak = 1.5 * (1.5 if name == "width" else 1.0) * 1.01
        assert all(s * total >= -scale for s in steps), f"{name} moves one way only"
        assert all(abs(s) <= peak * average + scale for s in steps), f"{name}: no jumps"
        assert abs(steps[0]) <= 0.1 * average + scale, f"{name} starts at rest"
        assert abs(steps[-1]) <= 0.1 * average + scale, f"{name} ends at rest"


@given(seeds, strengths, canvases, aspects)
def test_every_window_is_on_the_canvas(seed, strength, canvas, aspect):
    for left, top, right, bottom in CameraPath.from_seed(seed, strength).boxes(24, canvas, aspect):
        assert 0 <= left < right <= canvas[0] and 0 <= top < bottom <= canvas[1]
        assert math.isclose((right - left) / (bottom - top), aspect, rel_tol=1e-6)


@given(seeds, canvases, aspects)
def test_zero_motion_is_a_still(seed, canvas, aspect):
    camera = CameraPath.from_seed(seed, 0.0)
    assert camera.still
    assert len(set(camera.boxes(24, canvas, aspect))) == 1


@given(seeds, st.floats(0.05, 1))
def test_the_seed_chooses_the_path(seed, strength):
    assert CameraPath.from_seed(seed, strength) == CameraPath.from_seed(seed, strength)
    assert CameraPath.from_seed(seed, strength) != CameraPath.from_seed(seed + 1, strength)


@given(seeds, st.floats(0, 1), st.floats(0, 1))
def test_more_strength_more_zoom(seed, a, b):
    low, high = sorted((a, b))
    assert CameraPath.from_seed(seed, low).max_zoom <= CameraPath.from_seed(seed, high).max_zoom


def test_ease_is_smoothstep():
    assert ease(0) == 0 and ease(1) == 1 and ease(0.5) == 0.5
    assert ease(-1) == 0 and ease(2) == 1
