"""The title card rendered when a request has no reference image.

A soft two-colour gradient with a few translucent discs (so the camera move shows) and the
prompt set in the middle. Colours and disc layout follow the seed, so the card is as
deterministic as the move; the text uses Pillow's bundled font, so no system font is needed.
"""

from __future__ import annotations

import colorsys
import random
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from PIL import Image, ImageFont

__all__ = ["title_card"]

MAX_LINES: Final = 6


def _colour(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=max(size, 8))


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and font.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        if line:
            lines.append(line)
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1] + " …"]
    return lines


def title_card(prompt: str, seed: int, size: tuple[int, int]) -> Image.Image:
    """An RGB card of ``size`` showing ``prompt``, coloured by ``seed``."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = size
    rng = random.Random(seed)
    hue = rng.random()
    top = _colour(hue, 0.55, 0.35)
    bottom = _colour(hue + 0.12, 0.65, 0.12)
    gradient = Image.linear_gradient("L").resize((width, height))
    card = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), gradient)
    discs = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(discs)
    for _ in range(9):
        radius = rng.uniform(0.05, 0.2) * min(width, height)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        fill = (*_colour(hue + rng.uniform(-0.1, 0.25), 0.4, 0.9), rng.randint(24, 60))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    discs = discs.filter(ImageFilter.GaussianBlur(min(width, height) / 80))
    card = Image.alpha_composite(card.convert("RGBA"), discs).convert("RGB")

    font_size = max(height // 14, 8)
    font = _font(font_size)
    lines = _wrap(prompt, font, width * 0.8)
    while font_size > 8 and len(lines) * font_size * 1.3 > height * 0.8:
        font_size = int(font_size * 0.85)
        font = _font(font_size)
        lines = _wrap(prompt, font, width * 0.8)
    text = "\n".join(lines)
    draw = ImageDraw.Draw(card)
    spacing = font_size * 0.3
    center = (width / 2, height / 2)
    shadow = max(font_size // 16, 1)
    shadow_at = (center[0] + shadow, center[1] + shadow)
    draw.multiline_text(
        shadow_at, text, font=font, fill=(0, 0, 0), anchor="mm", align="center", spacing=spacing
    )
    draw.multiline_text(
        center, text, font=font, fill=(245, 245, 240), anchor="mm", align="center", spacing=spacing
    )
    return card
