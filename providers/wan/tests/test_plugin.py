"""Discovery: the entry point registers ``wan`` without importing the SDK or media libraries."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from videogate import Size, load_registry, normalize
from videogate_wan._capabilities import (
    MODEL,
    NAMESPACE,
    RESOLUTIONS,
    WAN_CAPABILITIES,
    output_size,
    resolution_for,
)


def test_entry_point_registers_wan_with_its_capabilities():
    spec = load_registry().get("wan")
    assert spec.model == MODEL == "wan2.6-i2v-flash"
    assert spec.namespace == NAMESPACE == "ai-video-wan-video"
    assert spec.needs_key
    caps = spec.capabilities
    assert caps is WAN_CAPABILITIES
    assert caps.requires_reference_image and caps.supports_seed and caps.supports_negative_prompt
    assert not caps.supports_motion_strength
    assert caps.fps.fixed and caps.fps.minimum == 30
    assert (caps.durations.minimum, caps.durations.maximum, caps.durations.step) == (2, 15, 1)
    assert (caps.prompt_max_chars, caps.negative_prompt_max_chars) == (1500, 500)
    assert caps.limits.max_concurrent_tasks == 5
    assert caps.limits.submits_per_second == 5
    assert caps.limits.queries_per_second == 20
    assert caps.can_cancel and not caps.idempotent_submit
    assert set(caps.options) == {
        "audio",
        "audio_url",
        "prompt_extend",
        "resolution",
        "shot_type",
        "watermark",
    }
    assert spec.load_factory().__name__ == "WanProvider"


def test_discovery_imports_no_heavy_module():
    code = (
        "import sys, json; from videogate import load_registry; load_registry().get('wan');"
        "print(json.dumps(sorted(m for m in ('dashscope','av','PIL','requests','numpy')"
        " if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


@given(
    aspect=st.floats(min_value=0.3, max_value=3.4),
    resolution=st.sampled_from(sorted(RESOLUTIONS)),
)
def test_output_size_is_on_the_grid_and_in_its_tier(aspect, resolution):
    """The size the service makes for a tier is on the 16 px grid (16:9 keeps its familiar
    sizes), keeps the aspect, and is
    recognised as that tier, so ``adjust`` results pass ``strict`` on a second pass."""
    size = output_size(resolution, aspect)
    canonical = {(1280, 720), (720, 1280), (1920, 1080), (1080, 1920)}
    assert (size.width % 16 == 0 and size.height % 16 == 0) or (
        size.width,
        size.height,
    ) in canonical
    assert resolution_for(size) == resolution
    assert abs(size.aspect / aspect - 1) < 0.1


@given(
    width=st.integers(min_value=160, max_value=4000),
    height=st.integers(min_value=160, max_value=4000),
)
def test_adjust_maps_any_size_to_a_tier_that_prepare_accepts(width, height):
    from videogate import VideoRequest

    request = VideoRequest(
        prompt="x",
        duration=5,
        fps=30,
        size=Size(width, height),
        reference_image="https://example.com/a.png",
    )
    adjusted = normalize(request, WAN_CAPABILITIES, "adjust", provider="wan").request
    assert resolution_for(adjusted.size) is not None
    strict_again = normalize(adjusted, WAN_CAPABILITIES, "strict", provider="wan")
    assert strict_again.request.size == adjusted.size
