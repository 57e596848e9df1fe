"""Comparing what the service was asked (the double's ``received()``) and what it produced
(the video and the ``TaskOutput``) with the request that was sent."""

from __future__ import annotations

import math
from typing import Any

from videogate import Capabilities, Size, TaskOutput, VideoProbe, VideoRequest
from videogate_contracts._context import ContractContext

__all__ = ["check_produced", "check_received", "required_fields", "same_size", "shown"]

_PROPERTY = "requests reach the service intact"


def shown(value: Any) -> str:
    """A short text of ``value`` for messages (long prompts are abbreviated)."""
    if isinstance(value, str) and len(value) > 40:
        return f"<{len(value)} characters ending {value[-12:]!r}>"
    return repr(value)


def required_fields(caps: Capabilities) -> list[str]:
    """The ``received()`` keys the double must report for these capabilities."""
    fields = ["prompt", "reference_image"]
    fields += [
        name
        for name, allowed in (("duration", caps.durations), ("fps", caps.fps))
        if not allowed.fixed
    ]
    if len(caps.sizes.sizes) != 1:
        fields.append("size")
    for name, used in (
        ("negative_prompt", caps.supports_negative_prompt),
        ("seed", caps.supports_seed),
        ("motion_strength", caps.supports_motion_strength),
    ):
        if used:
            fields.append(name)
    if caps.options:
        fields.append("options")
    return fields


def same_size(caps: Capabilities, got: Size, wanted: Size) -> bool:
    """Whether ``got`` is the size ``wanted`` asks for (its pixel tier, when the aspect
    follows the reference image)."""
    rule = caps.sizes
    if rule.pixel_tiers:
        return rule.tier_for(got) is not None and rule.tier_for(got) == rule.tier_for(wanted)
    return got == wanted


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return bool(a == b)


def check_received(ctx: ContractContext, request: VideoRequest, got: dict[str, Any]) -> None:
    """Assert that the service was asked exactly what ``request`` asks."""
    caps = ctx.caps
    missing = [name for name in required_fields(caps) if name not in got]
    assert not missing, (
        f"{_PROPERTY}: the double's received() does not report {missing}; it must say what "
        "the service was asked for every field the capabilities say is used "
        "(docs/writing-a-provider.md, 'received')"
    )
    image = request.reference_image
    wanted: dict[str, Any] = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "duration": request.duration,
        "fps": request.fps,
        "seed": request.seed,
        "reference_image": None if image is None else image.sha256,
    }
    for name, value in wanted.items():
        if name in got and not _close(got[name], value):
            raise AssertionError(
                f"{_PROPERTY}: the request has {name}={shown(value)} but the service was asked "
                f"{name}={shown(got[name])} (fix: send the value unchanged; a value the service "
                "cannot take must be left out of the capabilities)"
            )
    if "size" in got:
        size = got["size"] if isinstance(got["size"], Size) else Size.parse(str(got["size"]))
        assert same_size(caps, size, request.size), (
            f"{_PROPERTY}: the request has size={request.size} but the service was asked "
            f"for {size} (fix: map the size, or the orientation, unchanged)"
        )
    if request.motion_strength is not None and "motion_strength" in got:
        assert _close(got["motion_strength"], request.motion_strength), (
            f"{_PROPERTY}: the request has motion_strength={request.motion_strength} but the "
            f"service was asked {got['motion_strength']!r}"
        )
    options = got.get("options") or {}
    for name, value in request.provider_options(ctx.name).items():
        assert name in options and options[name] == value, (
            f"{_PROPERTY}: the request has option {name}={value!r} but the service got "
            f"{shown(options.get(name, '<nothing>'))}"
        )


def check_produced(
    ctx: ContractContext, request: VideoRequest, output: TaskOutput, probe: VideoProbe
) -> None:
    """Assert that the video (and what ``TaskOutput`` says of it) is what ``request`` asked."""
    caps = ctx.caps
    slack = max(2 / probe.fps, 0.05 * request.duration)
    assert abs(probe.duration - request.duration) <= slack, (
        f"{_PROPERTY}: the request asked {request.duration:g} s, the service produced "
        f"{probe.duration:g} s"
    )
    assert math.isclose(probe.fps, request.fps, rel_tol=0.01), (
        f"{_PROPERTY}: the request asked {request.fps:g} fps, the service produced "
        f"{probe.fps:g} fps"
    )
    assert same_size(caps, probe.size, request.size), (
        f"{_PROPERTY}: the request asked size {request.size}, the service produced {probe.size}"
    )
    for name, said, wanted in (
        ("fps", output.fps, request.fps),
        ("duration", output.duration, request.duration),
    ):
        if said is not None:
            assert abs(said - wanted) <= (slack if name == "duration" else 0.01 * wanted), (
                f"{_PROPERTY}: TaskOutput.{name}={said:g} but the request asked {wanted:g}"
            )
    if output.size is not None:
        assert output.size == probe.size, (
            f"{_PROPERTY}: TaskOutput.size={output.size} but the video is {probe.size}"
        )
    if output.seed is not None and caps.supports_seed:
        assert output.seed == request.seed, (
            f"{_PROPERTY}: TaskOutput.seed={output.seed} but the request sent {request.seed}"
        )
