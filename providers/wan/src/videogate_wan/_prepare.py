"""``prepare`` of the wan provider: a request mapped to DashScope's parameters, checked against
what wan2.6-i2v-flash can produce; it reads a local image's header and sends nothing."""

from __future__ import annotations

from typing import Any, Final

from videogate import Capabilities, InvalidRequest, UnsupportedParameter, VideoRequest
from videogate_wan._capabilities import FPS, MODEL, RESOLUTIONS, resolution_for
from videogate_wan._images import check_reference_image
from videogate_wan._settings import WanSettings, request_options

__all__ = ["native_request"]

NAME: Final = "wan"


def native_request(
    request: VideoRequest, settings: WanSettings, caps: Capabilities
) -> dict[str, Any]:
    """The DashScope parameters of ``request`` (see :meth:`WanProvider.prepare`)."""
    if request.reference_image is None:
        raise InvalidRequest(
            "reference_image: wan2.6-i2v-flash is image-to-video and needs a reference "
            "image (it is sent as img_url)",
            field="reference_image",
            provider=NAME,
        )
    opts = request_options(settings, request.provider_options(NAME))
    _refuse_unless(request.fps == FPS, "fps", request.fps, "30 (the model always makes 30 fps)")
    _refuse_unless(
        caps.durations.contains(request.duration),
        "duration",
        request.duration,
        caps.durations.describe() + " whole seconds",
    )
    _refuse_unless(
        request.motion_strength is None,
        "motion_strength",
        request.motion_strength,
        "not supported (wan2.6-i2v-flash has no motion parameter)",
    )
    _refuse_unless(
        len(request.prompt) <= (caps.prompt_max_chars or 0),
        "prompt",
        f"<{len(request.prompt)} characters>",
        f"at most {caps.prompt_max_chars} characters",
    )
    negative = request.negative_prompt
    _refuse_unless(
        negative is None or len(negative) <= (caps.negative_prompt_max_chars or 0),
        "negative_prompt",
        f"<{len(negative or '')} characters>",
        f"at most {caps.negative_prompt_max_chars} characters",
    )
    resolution = resolution_for(request.size, settings.resolutions)
    _refuse_unless(resolution is not None, "size", str(request.size), caps.sizes.describe())
    assert resolution is not None
    if opts.resolution is not None and opts.resolution != resolution:
        raise InvalidRequest(
            f"options.wan.resolution: {opts.resolution} contradicts size {request.size}, "
            f"which is the {resolution} tier ({RESOLUTIONS[resolution]} pixels); "
            "drop the option or change the size",
            field="options.wan.resolution",
            provider=NAME,
        )
    image = request.reference_image
    checked = check_reference_image(image)
    if image.kind == "url":
        img = {"kind": "url", "value": image.location}
    elif image.kind == "path":
        img = {"kind": "path", "value": image.location}
    else:
        assert checked is not None
        data_uri = image.to_data_uri()
        mime = checked[0]
        img = {"kind": "data", "value": "data:" + mime + data_uri[data_uri.index(";") :]}
    parameters: dict[str, Any] = {
        "resolution": resolution,
        "duration": round(request.duration),
        "prompt_extend": opts.prompt_extend,
        "watermark": opts.watermark,
        "audio": opts.audio,
    }
    if request.seed is not None:
        parameters["seed"] = request.seed
    if opts.shot_type is not None:
        parameters["shot_type"] = opts.shot_type
    native: dict[str, Any] = {
        "model": MODEL,
        "prompt": request.prompt,
        "image": img,
        "parameters": parameters,
    }
    if negative:
        native["negative_prompt"] = negative
    if opts.audio_url is not None:
        native["audio_url"] = opts.audio_url
    return native


def _refuse_unless(ok: bool, field: str, value: Any, supported: str) -> None:
    if not ok:
        raise UnsupportedParameter(
            f"{field}: wan2.6-i2v-flash cannot honor {value}; supported: {supported}",
            field=field,
            value=value,
            supported=supported,
            provider=NAME,
        )
