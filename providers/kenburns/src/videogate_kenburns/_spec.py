"""The render spec: what ``prepare`` makes of a request, and all a render needs.

Mapping a request to a spec is pure (no file is read, nothing is fetched, nothing random): the
reference image is described by its path and content hash, by its URL, or carried as a
``data:`` URI when it came as bytes, so the spec is plain JSON that another process can
render again, frame for frame.
"""

from __future__ import annotations

import math
from typing import Any, Final, Literal

import attrs

from videogate import InvalidRequest, UnsupportedParameter, VideoRequest
from videogate_kenburns._capabilities import KENBURNS_CAPABILITIES, NAMESPACE, OPTIONS

__all__ = ["DEFAULT_MOTION", "RENDER_VERSION", "ImageSource", "RenderSpec"]

#: Bumped whenever a change to the renderer changes the frames a spec gives.
RENDER_VERSION: Final = 1
#: Motion used when the request does not say (half of the strongest move).
DEFAULT_MOTION: Final = 0.5
#: Seed used when a request reaches ``prepare`` without one (the engine always sends one).
DEFAULT_SEED: Final = 0
FITS: Final = ("crop", "pad")

Fit = Literal["crop", "pad"]


@attrs.frozen(kw_only=True)
class ImageSource:
    """Where the reference image is: a local file (checked against ``sha256`` before use),
    inline bytes as a ``data:`` URI, or an http(s) URL (fetched by ``submit``; ``sha256`` is
    then that of the URL text, as in the cache key)."""

    kind: Literal["path", "bytes", "url"]
    sha256: str
    path: str | None = None
    data_uri: str | None = attrs.field(default=None, repr=False)
    url: str | None = None


@attrs.frozen(kw_only=True)
class RenderSpec:
    """One render, fully determined: same spec, same frames, same file bytes."""

    width: int
    height: int
    fps: int
    frames: int
    seed: int
    motion_strength: float | None
    fit: Fit
    prompt: str
    negative_prompt: str | None = None
    image: ImageSource | None = None
    version: int = RENDER_VERSION

    @property
    def motion(self) -> float:
        """The motion strength rendered: the requested one, else :data:`DEFAULT_MOTION`."""
        return DEFAULT_MOTION if self.motion_strength is None else self.motion_strength

    @property
    def duration(self) -> float:
        """Seconds of video: ``frames / fps``, exactly the requested duration."""
        return self.frames / self.fps

    @classmethod
    def from_request(cls, request: VideoRequest) -> RenderSpec:
        """Map a request to a spec, refusing what cannot be rendered exactly.

        :raises UnsupportedParameter: a value outside the capabilities (when the request did
            not go through the engine's normalization), an unknown option or a ``fit`` other
            than ``crop``/``pad``.
        """
        caps = KENBURNS_CAPABILITIES
        for field, value, allowed in (
            ("duration", request.duration, caps.durations),
            ("fps", request.fps, caps.fps),
        ):
            if not allowed.contains(value):
                raise _unsupported(field, value, allowed.describe(), f"cannot render {value:g}")
        if not caps.sizes.allows(request.size):
            problems = "; ".join(caps.sizes.violations(request.size))
            raise _unsupported(
                "size", str(request.size), caps.sizes.describe(), f"cannot render ({problems})"
            )
        fps = round(request.fps)
        frames = round(request.duration * fps)
        options = request.provider_options(NAMESPACE)
        for name in options:
            if name not in OPTIONS:
                raise _unsupported(
                    f"options.{NAMESPACE}.{name}", name, ", ".join(OPTIONS), "unknown option"
                )
        fit = options.get("fit", "crop")
        if fit not in FITS:
            raise _unsupported(
                f"options.{NAMESPACE}.fit", fit, "crop, pad", f"cannot fit with {fit!r}"
            )
        return cls(
            width=request.size.width,
            height=request.size.height,
            fps=fps,
            frames=frames,
            seed=DEFAULT_SEED if request.seed is None else request.seed,
            motion_strength=request.motion_strength,
            fit=fit,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            image=_image_source(request),
        )

    def to_native(self) -> dict[str, Any]:
        """The spec as JSON values (what ``prepare`` returns and ``TaskRef.data`` keeps)."""
        return attrs.asdict(self)

    @classmethod
    def from_native(cls, native: Any) -> RenderSpec:
        """A spec from :meth:`to_native` output.

        :raises InvalidRequest: ``native`` is not such a mapping (not from ``prepare``).
        """
        try:
            data = dict(native)
            image = data.pop("image", None)
            source = None if image is None else ImageSource(**image)
            spec = cls(image=source, **data)
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(
                f"kenburns: native parameters are not a render spec from prepare(): {exc}",
                provider=NAMESPACE,
            ) from None
        if spec.version != RENDER_VERSION:
            raise InvalidRequest(
                f"kenburns: render spec version {spec.version} is not {RENDER_VERSION} "
                "(made by another version of videogate-kenburns)",
                provider=NAMESPACE,
            )
        _check_numbers(spec)
        return spec


def _check_numbers(spec: RenderSpec) -> None:
    numbers_ok = (
        all(isinstance(v, int) and v > 0 for v in (spec.width, spec.height, spec.fps, spec.frames))
        and isinstance(spec.seed, int)
        and isinstance(spec.motion, int | float)
        and math.isfinite(spec.motion)
        and 0 <= spec.motion <= 1
        and spec.fit in FITS
    )
    if not numbers_ok:
        raise InvalidRequest(
            "kenburns: native parameters hold out-of-range values", provider=NAMESPACE
        )


def _image_source(request: VideoRequest) -> ImageSource | None:
    image = request.reference_image
    if image is None:
        return None
    if image.kind == "url":
        return ImageSource(kind="url", sha256=image.sha256, url=image.location)
    if image.kind == "path":
        return ImageSource(kind="path", sha256=image.sha256, path=image.location)
    return ImageSource(kind="bytes", sha256=image.sha256, data_uri=image.to_data_uri())


def _unsupported(field: str, value: Any, supported: str, why: str) -> UnsupportedParameter:
    return UnsupportedParameter(
        f"{field}: kenburns {why}; supported: {supported}",
        field=field,
        value=value,
        supported=supported,
        provider=NAMESPACE,
    )
