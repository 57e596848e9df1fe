"""Checking a submit body the way wan2.6-i2v-flash does, and reading its input image."""

from __future__ import annotations

import base64
import binascii
import io
import ipaddress
import re
import urllib.request
from typing import Any, Final
from urllib.parse import urlparse

import attrs

from videogate_wan._capabilities import MODEL, RESOLUTIONS

__all__ = ["Refusal", "SubmitSpec", "check_submit", "image_info"]

PROMPT_MAX: Final = 1500
NEGATIVE_MAX: Final = 500
KNOWN_PARAMETERS: Final = frozenset(
    {"resolution", "duration", "prompt_extend", "shot_type", "audio", "watermark", "seed"}
)
KNOWN_INPUT: Final = frozenset(
    {"prompt", "negative_prompt", "img_url", "audio_url", "template", "extend_prompt", "function"}
)
_DATA_URI = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,")
_FORMATS: Final = ("JPEG", "PNG", "BMP", "WEBP")


class Refusal(Exception):
    """A request the service would refuse: HTTP ``status`` with ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _invalid(message: str) -> Refusal:
    return Refusal(400, "InvalidParameter", message)


@attrs.frozen
class SubmitSpec:
    """A valid submit: what the task will produce."""

    prompt: str
    resolution: str
    duration: int
    audio: bool
    parameters: dict[str, Any]
    image: bytes | None
    image_size: tuple[int, int] | None
    ignored: frozenset[str]


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def image_info(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of an image the service accepts; :class:`Refusal` otherwise."""
    from PIL import Image

    if len(data) > 20 * 1024 * 1024:
        raise _invalid("The size of input image is too large, it must be less than 20MB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, size = img.format, img.size
    except Exception:
        raise _invalid("The input image is not a decodable image.") from None
    if fmt not in _FORMATS:
        raise _invalid(f"The image format {fmt} is not supported (JPEG, PNG, BMP, WEBP).")
    if not all(240 <= side <= 8000 for side in size):
        raise _invalid(
            f"The image size {size[0]}x{size[1]} is out of range; each side must be "
            "between 240 and 8000 pixels."
        )
    return size


def _fetch_image(
    url: str, *, resolve_oss: bool, objects: dict[str, bytes], own_origin: str
) -> bytes | None:
    parsed = urlparse(url)
    if parsed.scheme == "oss":
        if not resolve_oss:
            raise _invalid(
                "The oss:// URL cannot be resolved: the request needs the header "
                "X-DashScope-OssResourceResolve: enable."
            )
        key = url[len("oss://") :]
        if key not in objects:
            raise _invalid(f"The uploaded file {url} does not exist or has expired.")
        return objects[key]
    if url.startswith("data:"):
        match = _DATA_URI.match(url)
        if not match:
            raise _invalid("The data URI of img_url must be data:<mime>;base64,<data>.")
        try:
            return base64.b64decode(url[match.end() :], validate=True)
        except (binascii.Error, ValueError):
            raise _invalid("The data URI of img_url is not valid base64.") from None
    if parsed.scheme in ("http", "https") and parsed.netloc:
        if not _is_loopback(parsed.hostname) or url.startswith(own_origin + "/api/"):
            return None  # offline: a remote URL is taken on trust, its aspect assumed 16:9
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return bytes(answer.read(20 * 1024 * 1024 + 1))
        except Exception:
            raise _invalid(f"Download the media resource timed out or failed: {url}") from None
    raise _invalid("img_url must be an http(s) URL, an oss:// URL or a data: URI.")


def _integer(parameters: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = parameters.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"parameters.{name} must be an integer between {low} and {high}.")
    return value


def check_submit(
    body: Any, *, resolve_oss: bool, objects: dict[str, bytes], own_origin: str
) -> SubmitSpec:
    """The task a submit body asks for; :class:`Refusal` for what the service refuses."""
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    model = body.get("model")
    if not model:
        raise _invalid("Field required: model")
    if model != MODEL:
        raise _invalid("Model not exist.")
    inputs = body.get("input")
    if not isinstance(inputs, dict):
        raise _invalid("Field required: input")
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _invalid("parameters must be a JSON object.")
    img_url = inputs.get("img_url")
    if not img_url:
        raise _invalid("Field required: input.img_url")
    if not isinstance(img_url, str):
        raise _invalid("input.img_url must be a string.")
    prompt = inputs.get("prompt") or ""
    negative = inputs.get("negative_prompt") or ""
    if not isinstance(prompt, str) or not isinstance(negative, str):
        raise _invalid("input.prompt and input.negative_prompt must be strings.")
    resolution = parameters.get("resolution", "1080P")
    if resolution not in RESOLUTIONS:
        raise _invalid("parameters.resolution must be 720P or 1080P.")
    duration = _integer(parameters, "duration", 2, 15) or 5
    _integer(parameters, "seed", 0, 2**31 - 1)
    for flag in ("prompt_extend", "audio", "watermark"):
        if flag in parameters and not isinstance(parameters[flag], bool):
            raise _invalid(f"parameters.{flag} must be a boolean.")
    if parameters.get("shot_type", "single") not in ("single", "multi"):
        raise _invalid("parameters.shot_type must be single or multi.")
    audio_url = inputs.get("audio_url")
    if audio_url is not None and not isinstance(audio_url, str):
        raise _invalid("input.audio_url must be a string.")
    if isinstance(audio_url, str) and audio_url.startswith("oss://"):
        _fetch_image(audio_url, resolve_oss=resolve_oss, objects=objects, own_origin=own_origin)
    image = _fetch_image(img_url, resolve_oss=resolve_oss, objects=objects, own_origin=own_origin)
    size = image_info(image) if image is not None else None
    ignored = frozenset(
        {f"parameters.{k}" for k in parameters if k not in KNOWN_PARAMETERS}
        | {f"input.{k}" for k in inputs if k not in KNOWN_INPUT}
    )
    return SubmitSpec(
        prompt=prompt[:PROMPT_MAX],
        resolution=resolution,
        duration=duration,
        audio=bool(parameters.get("audio", True)),
        parameters=dict(parameters),
        image=image,
        image_size=size,
        ignored=ignored,
    )
