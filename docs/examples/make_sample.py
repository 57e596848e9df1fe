"""Draw docs/examples/lakeside.png, the sample image of the demo and the docs.

The picture is made by this script from gradients and shapes only (no photo, no font), so it
is the project's own work under the project's license (MIT). Run it again to get the same
file: ``python docs/examples/make_sample.py``.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 900
HORIZON = 560
OUTPUT = Path(__file__).with_name("lakeside.png")


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _sky() -> Image.Image:
    """Dusk: deep blue at the top, warm orange at the horizon."""
    stops = [
        (0.0, (28, 38, 92)),
        (0.55, (150, 92, 140)),
        (0.85, (246, 150, 92)),
        (1.0, (255, 196, 120)),
    ]
    sky = Image.new("RGB", (1, HORIZON))
    for y in range(HORIZON):
        t = y / (HORIZON - 1)
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t0 <= t <= t1:
                sky.putpixel((0, y), _mix(c0, c1, (t - t0) / (t1 - t0)))
                break
    return sky.resize((WIDTH, HORIZON))


def _ridge(seed: float, base: float, amplitude: float) -> list[tuple[float, float]]:
    """A mountain ridge: a sum of sines, closed down to the horizon."""
    points = []
    for x in range(0, WIDTH + 20, 20):
        u = x / WIDTH
        y = base - amplitude * (
            0.55 * math.sin(2.1 * math.pi * u + seed)
            + 0.3 * math.sin(5.3 * math.pi * u + 2.0 * seed)
            + 0.15 * math.sin(11.7 * math.pi * u + 3.0 * seed)
        )
        points.append((float(x), y))
    return [*points, (float(WIDTH), float(HORIZON)), (0.0, float(HORIZON))]


def draw() -> Image.Image:
    """The whole picture."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    image.paste(_sky(), (0, 0))

    glow = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(glow).ellipse((1010, 300, 1290, 580), fill=150)
    glow = glow.filter(ImageFilter.GaussianBlur(60))
    image = Image.composite(Image.new("RGB", image.size, (255, 214, 150)), image, glow)
    ImageDraw.Draw(image).ellipse((1100, 390, 1200, 490), fill=(255, 236, 190))

    draw = ImageDraw.Draw(image)
    layers = [
        (0.7, 430, 90, (96, 78, 128)),
        (2.3, 480, 70, (70, 56, 100)),
        (4.1, 525, 45, (44, 36, 70)),
    ]
    for seed, base, amplitude, colour in layers:
        draw.polygon(_ridge(seed, base, amplitude), fill=colour)

    # The lake mirrors the scene above the horizon, darkened and a little blurred.
    above = image.crop((0, HORIZON - (HEIGHT - HORIZON), WIDTH, HORIZON))
    mirror = above.transpose(Image.Transpose.FLIP_TOP_BOTTOM).filter(ImageFilter.GaussianBlur(3))
    water = Image.new("RGB", mirror.size, (20, 30, 60))
    image.paste(Image.blend(mirror, water, 0.45), (0, HORIZON))

    # The sun's path on the water: short glints, wider and sparser towards the viewer.
    glints = Image.new("L", image.size, 0)
    glint = ImageDraw.Draw(glints)
    for i in range(22):
        y = HORIZON + 8 + i * i * 0.62
        half = (18 + 7 * i) * (0.55 + 0.45 * abs(math.sin(i * 2.4)))
        shift = 10 * math.sin(i * 1.7)
        glint.line((1150 + shift - half, y, 1150 + shift + half, y), fill=200, width=2 + i // 8)
    glints = glints.filter(ImageFilter.GaussianBlur(1.2))
    image = Image.composite(Image.new("RGB", image.size, (255, 218, 165)), image, glints)

    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HORIZON - 1, WIDTH, HORIZON + 1), fill=(40, 34, 64))

    # A few birds over the lake.
    for bx, by, span in ((420, 250, 22), (470, 228, 16), (515, 262, 12), (760, 190, 10)):
        draw.line(
            (bx - span, by - span / 3, bx, by, bx + span, by - span / 3), fill=(30, 26, 50), width=3
        )
    return image


def main() -> None:
    """Write the PNG beside this script."""
    draw().save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
