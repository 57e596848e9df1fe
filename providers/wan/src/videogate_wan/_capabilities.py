"""What ``wan2.6-i2v-flash`` can honor, as a static :class:`videogate.Capabilities`.

Light on purpose: imported by the plugin at discovery, so it needs nothing but the contract.
The numbers come from Model Studio's image-to-video reference for this model: 2..15 whole
seconds, always 30 fps, two total-pixel tiers (720P, 1080P) whose aspect follows the input
image with sides on a 16-pixel grid, prompts up to 1500 characters, negative prompts up to 500.
"""

from __future__ import annotations

from typing import Final

from videogate import Capabilities, LatencyPrior, NumberRange, ServiceLimits, Size, SizeRule

__all__ = [
    "FPS",
    "MODEL",
    "NAMESPACE",
    "OPTIONS",
    "OPTION_VALUES",
    "RESOLUTIONS",
    "WAN_CAPABILITIES",
    "capabilities_for",
    "output_size",
    "resolution_for",
]

MODEL: Final = "wan2.6-i2v-flash"
NAMESPACE: Final = "ai-video-wan-video"
FPS: Final = 30
GRID: Final = 16

#: The ``resolution`` tiers of the service and the total pixel count each one targets.
RESOLUTIONS: Final[dict[str, int]] = {"720P": 1280 * 720, "1080P": 1920 * 1080}

_CANONICAL: Final[dict[str, Size]] = {"720P": Size(1280, 720), "1080P": Size(1920, 1080)}

#: Provider options read from ``request.options["wan"]``.
OPTIONS: Final = ("audio", "audio_url", "prompt_extend", "resolution", "shot_type", "watermark")

#: Values of the boolean options (the contract suite sends each).
OPTION_VALUES: Final = {
    "audio": (True, False),
    "prompt_extend": (True, False),
    "watermark": (True, False),
}

#: Relative slack within which a requested pixel count counts as a tier: the service keeps
#: the image's aspect and rounds each side to 16 px, which moves the total by a few percent.
PIXEL_TOLERANCE: Final = 0.05


def _size_rule(resolutions: tuple[str, ...]) -> SizeRule:
    exact = tuple(
        size
        for r in resolutions
        for size in (_CANONICAL[r], Size(_CANONICAL[r].height, _CANONICAL[r].width))
    )
    return SizeRule(
        pixel_tiers=tuple(RESOLUTIONS[r] for r in resolutions),
        aspect_from_reference=True,
        pixel_tolerance=PIXEL_TOLERANCE,
        multiple_of=GRID,
        min_side=GRID,
        # 16:9 and 9:16 inputs give the familiar sizes, 1080 being off the 16-px grid.
        exact_sizes=exact,
    )


#: Task times before any were learned: wan2.6-i2v-flash tasks take from about half a minute
#: to a few minutes (longer and 1080P ones longer), none ends within 15 s of its submit.
LATENCY_PRIOR: Final = LatencyPrior(low=15.0, typical=90.0, high=300.0)


def capabilities_for(resolutions: tuple[str, ...] = ("720P", "1080P")) -> Capabilities:
    """The capabilities, optionally narrowed to some resolution tiers (a provider configured
    with ``resolution = "720P"`` only offers that tier)."""
    return Capabilities(
        sizes=_size_rule(resolutions),
        durations=NumberRange(2, 15, 1),
        fps=NumberRange(FPS, FPS),
        requires_reference_image=True,
        supports_negative_prompt=True,
        supports_seed=True,
        supports_motion_strength=False,
        prompt_max_chars=1500,
        negative_prompt_max_chars=500,
        options=OPTIONS,
        limits=ServiceLimits(max_concurrent_tasks=5, submits_per_second=5, queries_per_second=20),
        can_cancel=True,
        idempotent_submit=False,
        typical_latency=90.0,
        latency=LATENCY_PRIOR,
        output_seed_echoed=False,
        option_values=OPTION_VALUES,
    )


WAN_CAPABILITIES: Final = capabilities_for()


def resolution_for(size: Size, resolutions: tuple[str, ...] = ("720P", "1080P")) -> str | None:
    """The resolution tier (``720P``/``1080P``) whose pixel count ``size`` matches, if any."""
    for name in resolutions:
        tier = RESOLUTIONS[name]
        if abs(size.pixels - tier) <= tier * PIXEL_TOLERANCE:
            return name
    return None


def output_size(resolution: str, aspect: float) -> Size:
    """The frame size the service produces for a tier and an input aspect (width/height):
    the tier's pixel count at that aspect, each side rounded to the 16-pixel grid; exactly
    16:9 (or 9:16) images give 1280x720 and 1920x1080. The size rule's own prediction, so
    adjust mode expects exactly what is delivered."""
    return _size_rule((resolution,)).nearest(_CANONICAL[resolution], aspect)
