"""Checking a request against a provider's capabilities, before any network I/O.

Three modes, applied identically to every provider:

- ``strict`` (default): a value the provider cannot honor exactly raises
  :class:`UnsupportedParameter` naming the field.
- ``adjust``: the value is mapped to the nearest one the provider supports (or dropped when
  the provider has no such parameter), and each change is recorded as a :class:`ResultWarning`.
- ``conform``: like ``adjust``; afterwards the artifacts step re-times and re-scales the
  delivered file to the *requested* duration, fps and size.

A missing reference image for a provider that requires one, or an unknown provider option,
is an error in every mode.
"""

from __future__ import annotations

import enum
import math
import secrets
from typing import Any

import attrs

from videogate._contract.capabilities import Capabilities, NumberRange
from videogate._contract.errors import InvalidRequest, UnsupportedParameter
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning
from videogate._contract.size import Size
from videogate._contract.suggest import suggestion
from videogate._contract.validators import SEED_MAX

__all__ = ["Mode", "Normalized", "normalize", "reference_aspect"]


class Mode(enum.StrEnum):
    """How to treat values a provider cannot honor exactly."""

    STRICT = "strict"
    ADJUST = "adjust"
    CONFORM = "conform"

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        """A mode from its name; :class:`InvalidRequest` for anything else."""
        try:
            return cls(value)
        except ValueError:
            raise InvalidRequest(
                f"mode: must be strict, adjust or conform, got {value!r}", field="mode"
            ) from None


@attrs.frozen
class Normalized:
    """A request the provider can honor, and what was changed to get there.

    :ivar request: the request to ``prepare`` (values inside the capabilities).
    :ivar original: the request as the caller made it (``conform`` targets its values).
    :ivar warnings: one per changed field.
    :ivar seed_chosen: whether the engine picked the seed (the caller gave none).
    """

    request: VideoRequest
    original: VideoRequest
    warnings: tuple[ResultWarning, ...] = ()
    seed_chosen: bool = False


ASPECT_TOLERANCE = 0.02


def reference_aspect(request: VideoRequest) -> float | None:
    """Width/height of the local reference image, read from its header; ``None`` when the
    image is remote or unreadable (the provider will judge it)."""
    image = request.reference_image
    if image is None or image.kind == "url":
        return None
    try:
        from PIL import Image

        with image.open() as fh, Image.open(fh) as img:
            width, height = img.size
    except Exception:
        return None
    return width / height if width and height else None


class _Normalizer:
    def __init__(self, provider: str, caps: Capabilities, mode: Mode) -> None:
        self.provider = provider
        self.caps = caps
        self.mode = mode
        self.changes: dict[str, Any] = {}
        self.warnings: list[ResultWarning] = []

    def refuse(self, field: str, value: Any, supported: str, why: str) -> None:
        hint = " (use mode 'adjust' or 'conform' to map it)" if self.mode is Mode.STRICT else ""
        raise UnsupportedParameter(
            f"{field}: {self.provider} {why}; supported: {supported}{hint}",
            field=field,
            value=value,
            supported=supported,
            provider=self.provider,
        )

    def change(self, field: str, old: Any, new: Any, message: str) -> None:
        self.changes[field] = new
        self.warnings.append(
            ResultWarning(
                field=field,
                message=message,
                requested=None if old is None else str(old),
                actual=None if new is None else str(new),
            )
        )

    def unsupported_field(self, field: str, value: Any) -> None:
        if value is None:
            return
        if self.mode is Mode.STRICT:
            self.refuse(field, value, "not supported", f"does not support {field}")
        self.change(field, value, None, f"{self.provider} does not support {field}; not sent")

    def number(self, field: str, value: float, allowed: NumberRange) -> None:
        if allowed.contains(value):
            return
        if self.mode is Mode.STRICT:
            self.refuse(field, value, allowed.describe(), f"cannot produce {field}={value:g}")
        new = allowed.nearest(value)
        self.change(field, value, new, f"{self.provider} cannot produce {value:g}; using {new:g}")

    def text_limit(self, field: str, value: str | None, limit: int | None) -> None:
        if value is None or limit is None or len(value) <= limit:
            return
        if self.mode is Mode.STRICT:
            self.refuse(
                field,
                f"<{len(value)} characters>",
                f"at most {limit} characters",
                f"accepts at most {limit} characters in {field}",
            )
        self.change(
            field,
            f"<{len(value)} characters>",
            value[:limit],
            f"truncated from {len(value)} to {limit} characters",
        )
        self.warnings[-1] = attrs.evolve(self.warnings[-1], actual=f"<{limit} characters>")

    def size(self, request: VideoRequest) -> None:
        rule = self.caps.sizes
        size = request.size
        aspect = reference_aspect(request) if rule.aspect_from_reference else None
        aspect_ok = aspect is None or abs(math.log(size.aspect / aspect)) <= ASPECT_TOLERANCE
        if rule.allows(size) and aspect_ok:
            return
        if self.mode is Mode.STRICT:
            why = f"cannot produce size {size}"
            if rule.allows(size):
                why += f" from a reference image of aspect {aspect:.3f} (the output follows it)"
            else:
                problems = rule.violations(size)
                if problems and not rule.sizes and not rule.pixel_tiers:
                    why += " (" + "; ".join(problems) + ")"
            self.refuse("size", str(size), rule.describe(), why)
        new: Size = rule.nearest(size, aspect)
        self.change("size", size, new, f"{self.provider} cannot produce {size}; expecting {new}")

    def options(self, request: VideoRequest) -> None:
        known = set(self.caps.options)
        for name in request.provider_options(self.provider):
            if name not in known:
                supported = ", ".join(sorted(known)) or "none"
                raise UnsupportedParameter(
                    f"options.{self.provider}.{name}: unknown option for {self.provider}"
                    f"{suggestion(name, known)} (known: {supported})",
                    field=f"options.{self.provider}.{name}",
                    value=name,
                    supported=supported,
                    provider=self.provider,
                )


def normalize(
    request: VideoRequest,
    capabilities: Capabilities,
    mode: Mode | str = Mode.STRICT,
    *,
    provider: str,
    seed: int | None = None,
) -> Normalized:
    """Check ``request`` against ``capabilities`` and return what the provider can honor.

    Pure apart from reading a local reference image's header (for providers whose output
    aspect follows the image) and drawing a seed when the request has none and the provider
    accepts seeds (``seed`` overrides the draw, for reproducible tests).

    :raises InvalidRequest: a required reference image is missing.
    :raises UnsupportedParameter: strict mode and a value outside the capabilities, or an
        unknown provider option (any mode).
    """
    mode = Mode.parse(mode)
    caps = capabilities
    n = _Normalizer(provider, caps, mode)
    if caps.requires_reference_image and request.reference_image is None:
        raise InvalidRequest(
            f"reference_image: {provider} is an image-to-video provider and needs a reference "
            "image (a URL, a local path or bytes)",
            field="reference_image",
            provider=provider,
        )
    n.options(request)
    n.text_limit("prompt", request.prompt, caps.prompt_max_chars)
    if caps.supports_negative_prompt:
        n.text_limit("negative_prompt", request.negative_prompt, caps.negative_prompt_max_chars)
    else:
        n.unsupported_field("negative_prompt", request.negative_prompt)
    if not caps.supports_motion_strength:
        n.unsupported_field("motion_strength", request.motion_strength)
    n.number("duration", request.duration, caps.durations)
    n.number("fps", request.fps, caps.fps)
    n.size(request)
    seed_chosen = False
    if caps.supports_seed:
        if request.seed is None:
            n.changes["seed"] = seed if seed is not None else secrets.randbelow(SEED_MAX + 1)
            seed_chosen = True
    else:
        n.unsupported_field("seed", request.seed)
    normalized = attrs.evolve(request, **n.changes) if n.changes else request
    return Normalized(normalized, request, tuple(n.warnings), seed_chosen)
