"""prepare: a pure, deterministic mapping of requests to render specs, refusing exactly what
cannot be rendered exactly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videogate import ImageRef, InvalidRequest, UnsupportedParameter, VideoRequest, normalize
from videogate_kenburns import KENBURNS_CAPABILITIES, KenBurnsProvider, RenderSpec

CAPS = KENBURNS_CAPABILITIES


def test_prepare_maps_every_field(picture):
    provider = KenBurnsProvider()
    request = VideoRequest(
        prompt="a harbour",
        negative_prompt="fog",
        duration=3,
        fps=25,
        size="640*360",
        seed=12,
        motion_strength=0.3,
        reference_image=picture(),
        options={"kenburns": {"fit": "pad"}},
    )
    native = provider.prepare(request)
    json.dumps(native)
    assert native["width"] == 640 and native["height"] == 360
    assert native["fps"] == 25 and native["frames"] == 75
    assert native["seed"] == 12 and native["motion_strength"] == 0.3
    assert native["fit"] == "pad"
    assert native["prompt"] == "a harbour" and native["negative_prompt"] == "fog"
    assert native["image"]["kind"] == "path"
    assert native["image"]["sha256"] == request.reference_image.sha256
    assert RenderSpec.from_native(native) == RenderSpec.from_request(request)


def test_prepare_reads_no_file(picture):
    """The image is described by path and hash; reading it is submit's job."""
    path = picture()
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=path)
    path.unlink()
    assert KenBurnsProvider().prepare(request)["image"]["path"] == str(path)


def test_bytes_travel_inline_and_urls_by_address():
    data = ImageRef.from_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 10)
    url = ImageRef.from_url("https://images.example/a.png")
    provider = KenBurnsProvider()
    base = {"prompt": "p", "duration": 1, "fps": 4, "size": "64*48"}
    inline = provider.prepare(VideoRequest(**base, reference_image=data))["image"]
    remote = provider.prepare(VideoRequest(**base, reference_image=url))["image"]
    assert inline["data_uri"].startswith("data:image/png;base64,")
    assert remote == {
        "kind": "url",
        "sha256": url.sha256,
        "url": "https://images.example/a.png",
        "path": None,
        "data_uri": None,
    }


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("duration", {"duration": 2.5}),
        ("fps", {"fps": 29.97}),
        ("size", {"size": "641*360"}),
        ("size", {"size": "4096*2160"}),
        ("size", {"size": "8*8"}),
        ("options.kenburns.fit", {"options": {"kenburns": {"fit": "stretch"}}}),
        ("options.kenburns.zoom", {"options": {"kenburns": {"zoom": 2}}}),
    ],
)
def test_values_that_cannot_be_rendered_exactly_are_refused(field, changes):
    request = VideoRequest(**{"prompt": "p", "duration": 1, "fps": 4, "size": "64*48", **changes})
    with pytest.raises(UnsupportedParameter) as info:
        KenBurnsProvider().prepare(request)
    assert info.value.field == field
    assert field in str(info.value)


def test_adjust_mode_maps_to_whole_frames():
    """Normalization in adjust mode lands on values prepare accepts."""
    request = VideoRequest(prompt="p", duration=2.4, fps=29.97, size="641*361")
    normalized = normalize(request, CAPS, "adjust", provider="kenburns")
    spec = RenderSpec.from_request(normalized.request)
    assert (spec.frames, spec.fps, spec.width, spec.height) == (60, 30, 640, 360)
    assert {w.field for w in normalized.warnings} == {"duration", "fps", "size"}


@given(
    duration=st.integers(1, 60),
    fps=st.integers(1, 60),
    width=st.integers(8, 1920).map(lambda v: v * 2),
    height=st.integers(8, 1080).map(lambda v: v * 2),
)
def test_every_request_inside_the_capabilities_gives_whole_frames(duration, fps, width, height):
    request = VideoRequest(prompt="p", duration=duration, fps=fps, size=(width, height))
    spec = RenderSpec.from_request(request)
    assert spec.frames == duration * fps
    assert spec.duration == duration
    assert (spec.width, spec.height) == (width, height)


def test_prepare_is_deterministic_and_json():
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", seed=3)
    first, second = KenBurnsProvider().prepare(request), KenBurnsProvider().prepare(request)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@pytest.mark.parametrize(
    "native",
    [
        None,
        [],
        {"width": 1},
        {
            **RenderSpec.from_request(
                VideoRequest(prompt="p", duration=1, fps=4, size="64*48")
            ).to_native(),
            "version": 99,
        },
    ],
)
def test_native_values_not_from_prepare_are_refused(native):
    with pytest.raises(InvalidRequest):
        RenderSpec.from_native(native)


def test_workers_must_be_a_positive_integer():
    from videogate import ConfigError

    with pytest.raises(ConfigError, match="workers"):
        KenBurnsProvider(workers=0)
    assert KenBurnsProvider(workers=3).capabilities.limits.max_concurrent_tasks == 3


@pytest.mark.parametrize("bad", [-0.5, float("inf"), float("nan"), "2", True, None])
def test_start_delay_must_be_a_finite_number_of_seconds(bad):
    from videogate import ConfigError

    with pytest.raises(ConfigError, match="start_delay") as info:
        KenBurnsProvider(start_delay=bad)
    assert info.value.field == "start_delay"
    assert KenBurnsProvider(start_delay=2).start_delay == 2.0
