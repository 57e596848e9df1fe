"""Normalization against capabilities: strict refuses, adjust maps with one warning per change."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from videogate import (
    Capabilities,
    InvalidRequest,
    Mode,
    NumberRange,
    ServiceLimits,
    Size,
    SizeRule,
    UnsupportedParameter,
    VideoRequest,
    normalize,
)

GRID = Capabilities(
    sizes=SizeRule(min_side=16, max_side=1920, multiple_of=2, max_pixels=1920 * 1080),
    durations=NumberRange(1, 10, 1),
    fps=NumberRange(24, 30),
    supports_negative_prompt=False,
    supports_seed=True,
    supports_motion_strength=False,
    prompt_max_chars=20,
    options=("audio",),
    limits=ServiceLimits(5, 5, 20),
)
TIERS = Capabilities(
    sizes=SizeRule(
        pixel_tiers=(1280 * 720, 1920 * 1080),
        aspect_from_reference=True,
        multiple_of=16,
        pixel_tolerance=0.05,
    ),
    durations=NumberRange(2, 15, 1),
    fps=NumberRange(30, 30),
    requires_reference_image=True,
    supports_seed=False,
)


def req(**kw):
    base = {"prompt": "a cat", "duration": 4, "fps": 24, "size": "1280*720"}
    return VideoRequest(**{**base, **kw})


def test_a_request_inside_capabilities_passes_unchanged_except_the_drawn_seed():
    out = normalize(req(), GRID, "strict", provider="p", seed=11)
    assert out.warnings == ()
    assert out.request == req(seed=11)
    assert out.seed_chosen and out.original == req()


def test_a_given_seed_is_kept():
    out = normalize(req(seed=5), GRID, provider="p")
    assert out.request.seed == 5 and not out.seed_chosen


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration": 4.5}, "duration"),
        ({"duration": 12}, "duration"),
        ({"fps": 60}, "fps"),
        ({"size": "1281*720"}, "size"),
        ({"size": "3840*2160"}, "size"),
        ({"negative_prompt": "blur"}, "negative_prompt"),
        ({"motion_strength": 0.5}, "motion_strength"),
        ({"prompt": "x" * 21}, "prompt"),
    ],
)
def test_strict_refuses_naming_the_field_and_adjust_maps_with_one_warning(change, field):
    with pytest.raises(UnsupportedParameter) as info:
        normalize(req(**change), GRID, Mode.STRICT, provider="p")
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: p ")
    for mode in (Mode.ADJUST, Mode.CONFORM):
        out = normalize(req(**change), GRID, mode, provider="p", seed=1)
        assert [w.field for w in out.warnings] == [field]
        assert out.original == req(**change)


def test_adjust_picks_nearest_values():
    out = normalize(req(duration=4.4, fps=60, size="3840*2160"), GRID, "adjust", provider="p")
    assert out.request.duration == 4
    assert out.request.fps == 30
    assert out.request.size == Size(1920, 1080)


def test_unknown_provider_option_is_refused_in_every_mode():
    for mode in Mode:
        with pytest.raises(UnsupportedParameter, match=r"options\.p\.loud"):
            normalize(req(options={"p": {"loud": True}}), GRID, mode, provider="p")
    normalize(req(options={"p": {"audio": True}, "other": {"x": 1}}), GRID, provider="p")


def test_missing_required_reference_image_is_invalid_in_every_mode():
    for mode in Mode:
        with pytest.raises(InvalidRequest, match="reference_image"):
            normalize(req(fps=30), TIERS, mode, provider="wan")


def test_tiers_accept_matching_pixel_counts_and_follow_the_image_aspect(tmp_path):
    wide = tmp_path / "wide.png"
    Image.new("RGB", (1600, 900)).save(wide)
    tall = tmp_path / "tall.png"
    Image.new("RGB", (900, 1600)).save(tall)
    ok = normalize(req(fps=30, reference_image=str(wide)), TIERS, provider="wan")
    assert ok.warnings == ()
    with pytest.raises(UnsupportedParameter, match="aspect"):
        normalize(req(fps=30, reference_image=str(tall)), TIERS, provider="wan")
    adjusted = normalize(req(fps=30, reference_image=str(tall)), TIERS, "adjust", provider="wan")
    assert adjusted.request.size == Size(720, 1280)


def test_unsupported_seed_is_refused_or_dropped(tmp_path):
    image = tmp_path / "i.png"
    Image.new("RGB", (1280, 720)).save(image)
    with pytest.raises(UnsupportedParameter, match="seed"):
        normalize(req(fps=30, seed=3, reference_image=str(image)), TIERS, provider="wan")
    out = normalize(
        req(fps=30, seed=3, reference_image=str(image)), TIERS, "adjust", provider="wan"
    )
    assert out.request.seed is None and [w.field for w in out.warnings] == ["seed"]


def test_mode_names_are_checked():
    with pytest.raises(InvalidRequest, match="mode: must be strict, adjust or conform"):
        normalize(req(), GRID, "loose", provider="p")


@given(
    duration=st.floats(0.01, 100),
    fps=st.floats(0.5, 240),
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
)
def test_adjust_always_lands_inside_the_capabilities(duration, fps, width, height):
    out = normalize(
        req(duration=duration, fps=fps, size=Size(width, height)), GRID, "adjust", provider="p"
    )
    assert GRID.durations.contains(out.request.duration)
    assert GRID.fps.contains(out.request.fps)
    assert GRID.sizes.allows(out.request.size)
    changed = {w.field for w in out.warnings}
    assert ("duration" in changed) == (out.request.duration != out.original.duration)
    assert ("size" in changed) == (out.request.size != out.original.size)


@given(st.floats(-50, 50), st.floats(0.1, 5))
def test_number_range_nearest_is_contained(value, step):
    rng = NumberRange(-10, 10, step)
    assert rng.contains(rng.nearest(value))
