"""Checking a local reference image against the service's input rules before anything is sent:
JPEG, PNG, BMP or WEBP; each side 240..8000 px; at most 20 MB. Remote URLs are judged by the
service (their content is not fetched here)."""

from __future__ import annotations

import os
import warnings
from typing import Final

from videogate import ImageRef, InvalidRequest

__all__ = ["MAX_BYTES", "check_reference_image"]

FORMATS: Final = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "BMP": "image/bmp",
    "WEBP": "image/webp",
}
MIN_SIDE: Final = 240
MAX_SIDE: Final = 8000
MAX_BYTES: Final = 20 * 1024 * 1024


def _fail(message: str) -> InvalidRequest:
    return InvalidRequest(f"reference_image: {message}", field="reference_image", provider="wan")


def check_reference_image(image: ImageRef) -> tuple[str, tuple[int, int]] | None:
    """The media type and ``(width, height)`` of a local image that the service accepts;
    ``None`` for a URL.

    :raises InvalidRequest: wrong format, a side outside 240..8000 px, more than 20 MB, or
        an unreadable image; the message says which rule and the value found.
    """
    if image.kind == "url":
        return None
    if image.kind == "path":
        assert image.location is not None
        try:
            size = os.path.getsize(image.location)
        except OSError as exc:
            raise _fail(f"cannot read {image.location}: {exc.strerror or exc}") from None
    else:
        size = len(image.data or b"")
    if size > MAX_BYTES:
        raise _fail(
            f"the image is {size / 1024 / 1024:.1f} MB; wan2.6-i2v-flash accepts at most 20 MB"
        )
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Sides are checked below; a huge image is refused by that rule, not a warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with image.open() as fh, Image.open(fh) as img:
                fmt = img.format or "unknown"
                width, height = img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _fail(
            f"{image.describe()} is not a readable image (JPEG, PNG, BMP or WEBP expected)"
        ) from None
    if fmt not in FORMATS:
        raise _fail(f"format {fmt} is not accepted; use JPEG, PNG, BMP or WEBP")
    for name, side in (("width", width), ("height", height)):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise _fail(
                f"{name} is {side} px; each side must be between {MIN_SIDE} and {MAX_SIDE} px"
            )
    return FORMATS[fmt], (width, height)
