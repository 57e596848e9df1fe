"""Reading the reference image: checked, fully decoded, upright RGB, or a clear error.

Every way an image can be bad ends as :class:`videogate.InvalidRequest` naming the problem:
an empty file, bytes that are no image, a truncated or corrupt file, dimensions too large to
render from (or a decompression bomb), a file that changed since the request was made, a URL
that answers with an error. A URL that cannot be reached is :class:`ProviderUnavailable`
(retryable): the image may well be there later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import warnings
from typing import TYPE_CHECKING, Final

from videogate import InvalidRequest, ProviderUnavailable
from videogate_kenburns._capabilities import NAMESPACE
from videogate_kenburns._spec import ImageSource

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE", "load_image"]

MAX_IMAGE_SIDE: Final = 16384
MAX_IMAGE_PIXELS: Final = 64_000_000
MAX_IMAGE_BYTES: Final = 256 * 1024 * 1024
_FORMATS: Final = "PNG, JPEG, WebP, GIF, BMP or TIFF"
FETCH_TIMEOUT: Final = 30.0


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(
        f"reference_image: {message}", field="reference_image", provider=NAMESPACE
    )


def _read(source: ImageSource) -> tuple[bytes, str]:
    """The image bytes and a short description of where they came from."""
    if source.kind == "path":
        path = source.path or ""
        try:
            size = os.stat(path).st_size
            if size > MAX_IMAGE_BYTES:
                raise _invalid(f"{path} is {size} bytes; at most {MAX_IMAGE_BYTES} are read")
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise _invalid(f"cannot read {path}: {exc.strerror or exc}") from None
        return data, path
    if source.kind == "url":
        url = source.url or ""
        return _fetch(url), url
    uri = source.data_uri or ""
    try:
        data = base64.b64decode(uri.partition(",")[2], validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("the inline image is not valid base64") from None
    return data, f"<{len(data)} bytes>"


def _fetch(url: str) -> bytes:
    """The bytes behind an http(s) URL, at most :data:`MAX_IMAGE_BYTES` of them."""
    import httpx

    if not url.lower().startswith(("http://", "https://")):
        raise _invalid(f"kenburns fetches http(s) URLs only, not {url!r}")
    chunks: list[bytes] = []
    received = 0
    try:
        with (
            httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            status = response.status_code
            if status >= 500:
                raise ProviderUnavailable(
                    f"reference_image: {url} answered HTTP {status}",
                    provider=NAMESPACE,
                    http_status=status,
                )
            if status >= 400:
                raise _invalid(f"{url} answered HTTP {status}")
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > MAX_IMAGE_BYTES:
                    raise _invalid(f"{url} is larger than {MAX_IMAGE_BYTES} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            f"reference_image: cannot fetch {url}: {type(exc).__name__}: {exc}",
            provider=NAMESPACE,
        ) from None
    return b"".join(chunks)


def load_image(source: ImageSource) -> Image.Image:
    """The reference image, decoded whole, EXIF-rotated upright, as RGB (transparency is
    composited over black).

    :raises InvalidRequest: the image cannot be read, is empty, is not an image, is
        truncated or corrupt, is larger than 16384 px per side or 64 megapixels, or its
        content no longer matches the hash the request was made with.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    data, where = _read(source)
    if not data:
        raise _invalid(f"{where} is empty (0 bytes)")
    if source.kind != "url" and hashlib.sha256(data).hexdigest() != source.sha256:
        raise _invalid(
            f"{where} changed after the request was made (its sha256 differs); "
            "make the request again"
        )
    # Pillow warns (and past twice its limit, raises) on decompression bombs while reading
    # the header; turn the warning into an error so an oversized image is refused quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise _invalid(f"{where} is not an image (expected {_FORMATS})") from None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise _invalid(
                f"{where} has too many pixels (at most {MAX_IMAGE_PIXELS} are rendered from)"
            ) from None
        except Exception as exc:
            raise _invalid(f"{where} cannot be read as an image: {exc}") from None
    width, height = image.size
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise _invalid(
            f"{where} is {width}x{height}; at most {MAX_IMAGE_SIDE} px per side and "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels are rendered from"
        )
    if width < 1 or height < 1:
        raise _invalid(f"{where} has no pixels ({width}x{height})")
    try:
        image.load()
        return _to_rgb(ImageOps.exif_transpose(image))
    except Exception as exc:
        raise _invalid(
            f"{where} is truncated or corrupt ({image.format or 'image'} data cannot be "
            f"decoded: {exc})"
        ) from None


def _to_rgb(image: Image.Image) -> Image.Image:
    from PIL import Image

    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: keep the top 8 bits instead of clipping at 255.
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")
