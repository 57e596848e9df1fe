"""What the kenburns renderer can honor, as a static :class:`videogate.Capabilities`.

Light on purpose: imported by the plugin at discovery, so it needs nothing but the contract.

Durations are whole seconds and frame rates whole numbers: then ``duration * fps`` is always
a whole number of frames, so every accepted request gives a file whose container reports
exactly the requested duration and rate. (``2.5 s`` at ``25 fps`` would be 62.5 frames; no
encoder can honor that exactly, and ``adjust`` mode maps such values to the nearest grid
point instead.) Sizes go up to 4K in either orientation, with even sides as yuv420p needs.
"""

from __future__ import annotations

from typing import Final

from videogate import Capabilities, LatencyPrior, NumberRange, ServiceLimits, SizeRule

__all__ = [
    "DEFAULT_WORKERS",
    "KENBURNS_CAPABILITIES",
    "MODEL",
    "NAMESPACE",
    "OPTIONS",
    "capabilities_for",
]

MODEL: Final = "kenburns-1"
NAMESPACE: Final = "kenburns"

#: Provider options read from ``request.options["kenburns"]``.
OPTIONS: Final = ("fit",)

#: Renders that run at once in one process, unless the provider is configured otherwise.
DEFAULT_WORKERS: Final = 2

MAX_SIDE: Final = 3840
MAX_PIXELS: Final = 3840 * 2160
MIN_SIDE: Final = 16

SIZES: Final = SizeRule(min_side=MIN_SIDE, max_side=MAX_SIDE, multiple_of=2, max_pixels=MAX_PIXELS)
DURATIONS: Final = NumberRange(1, 60, 1)
FPS: Final = NumberRange(1, 60, 1)


#: Task times before any were learned: a render may be done when submit returns (short clips
#: at small sizes), usually within a second or two.
LATENCY_PRIOR: Final = LatencyPrior(low=0.0, typical=1.0, high=30.0)


def capabilities_for(workers: int = DEFAULT_WORKERS) -> Capabilities:
    """The capabilities of a provider running ``workers`` renders at once."""
    return Capabilities(
        sizes=SIZES,
        durations=DURATIONS,
        fps=FPS,
        requires_reference_image=False,
        supports_negative_prompt=True,
        supports_seed=True,
        supports_motion_strength=True,
        options=OPTIONS,
        limits=ServiceLimits(max_concurrent_tasks=workers),
        can_cancel=True,
        idempotent_submit=True,
        typical_latency=None,
        latency=LATENCY_PRIOR,
        output_seed_echoed=True,
        option_values={"fit": ("crop", "pad")},
    )


KENBURNS_CAPABILITIES: Final = capabilities_for()
