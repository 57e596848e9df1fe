"""VideoRequest / VideoResult: validation, structuring with paths, canonical round trips."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videogate import (
    ImageRef,
    InvalidRequest,
    ResultWarning,
    Size,
    VideoRequest,
    VideoResult,
    dumps,
    from_json,
    structure,
    unstructure,
)

finite = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)
text = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
sizes = st.builds(Size, st.integers(1, 8000), st.integers(1, 8000))
images = st.one_of(
    st.none(),
    st.builds(ImageRef.from_bytes, st.binary(min_size=1, max_size=64)),
    st.just(ImageRef.from_url("https://example.com/frame.png")),
)
options = st.dictionaries(
    st.sampled_from(["wan", "kenburns", "acme"]),
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.booleans(), st.integers(), st.text(max_size=5)),
        max_size=3,
    ),
    max_size=2,
)
requests = st.builds(
    VideoRequest,
    prompt=text,
    duration=finite,
    fps=finite,
    size=sizes,
    negative_prompt=st.one_of(st.none(), st.text(max_size=20)),
    seed=st.one_of(st.none(), st.integers(0, 2**31 - 1)),
    reference_image=images,
    motion_strength=st.one_of(st.none(), st.floats(0, 1)),
    options=options,
)


@given(requests)
def test_request_round_trips_exactly_through_json(request):
    text_form = dumps(request)
    assert from_json(text_form, VideoRequest) == request
    assert structure(unstructure(request), VideoRequest) == request
    assert dumps(from_json(text_form, VideoRequest)) == text_form


def test_canonical_forms():
    request = structure(
        {"prompt": "a cat", "duration": 4, "fps": 24, "size": "1280x720"}, VideoRequest
    )
    data = unstructure(request)
    assert data["size"] == "1280*720"
    assert data["duration"] == 4.0 and isinstance(data["duration"], float)
    assert request == structure({**data, "size": [1280, 720]}, VideoRequest)


BASE = {"prompt": "a cat", "duration": 4, "fps": 24, "size": "1280*720"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"prompt": "   "}, "prompt", "prompt: must not be blank"),
        ({"prompt": 3}, "prompt", "prompt: must be a string"),
        ({"duration": 0}, "duration", "duration: must be > 0"),
        ({"duration": -1.5}, "duration", "duration: must be > 0"),
        ({"duration": "4"}, "duration", "duration: must be a number"),
        ({"duration": float("nan")}, "duration", "duration: must be a finite number"),
        ({"fps": 0}, "fps", "fps: must be > 0"),
        ({"fps": True}, "fps", "fps: must be a number"),
        ({"size": "1280"}, "size", "size: expected WIDTH*HEIGHT such as 1280*720"),
        ({"seed": -1}, "seed", "seed: must be between 0 and 2147483647"),
        ({"seed": 2**31}, "seed", "seed: must be between 0 and 2147483647"),
        ({"seed": 1.5}, "seed", "seed: must be an integer"),
        ({"motion_strength": 1.5}, "motion_strength", "motion_strength: must be <= 1"),
        ({"motion_strength": -0.1}, "motion_strength", "motion_strength: must be >= 0"),
        ({"negative_prompt": 5}, "negative_prompt", "negative_prompt: must be a string"),
        ({"reference_image": "missing.png"}, "reference_image", "file not found: missing.png"),
        ({"options": []}, "options", "options: must be a mapping"),
        ({"options": {"wan": 1}}, "options.wan", "options.wan: must be a mapping"),
        ({"colour": "red"}, "colour", "unknown key(s): colour"),
    ],
)
def test_every_invalid_field_is_rejected_with_its_path(change, field, message):
    with pytest.raises(InvalidRequest) as info:
        structure({**BASE, **change}, VideoRequest)
    assert message in str(info.value)
    assert info.value.field == field


@pytest.mark.parametrize("missing", ["prompt", "duration", "fps", "size"])
def test_required_fields(missing):
    data = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(InvalidRequest, match=f"{missing}: required"):
        structure(data, VideoRequest)


def test_bad_json_and_non_objects_are_invalid_requests():
    with pytest.raises(InvalidRequest, match="not valid JSON"):
        from_json("{nope", VideoRequest)
    with pytest.raises(InvalidRequest, match="expected a JSON object"):
        from_json("[1, 2]", VideoRequest)


def test_direct_construction_validates_too():
    with pytest.raises(InvalidRequest, match="duration: must be > 0"):
        VideoRequest(prompt="x", duration=0, fps=24, size="1280*720")


def test_requests_are_frozen():
    request = structure(BASE, VideoRequest)
    with pytest.raises(AttributeError):
        request.prompt = "changed"


def test_result_round_trips():
    result = VideoResult(
        video_url="file:///out/a.mp4",
        duration=4.0,
        fps=24.0,
        seed=7,
        size=Size(1280, 720),
        provider="kenburns",
        model="kenburns-1",
        task_id="t1",
        source_url="https://example.com/a.mp4",
        source_expires_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        sha256="0" * 64,
        timings={"total": 1.5},
        warnings=(ResultWarning(field="fps", message="mapped", requested="24", actual="30"),),
    )
    data = json.loads(dumps(result))
    assert data["size"] == "1280*720"
    assert data["source_expires_at"] == "2026-01-02T03:04:05+00:00"
    assert structure(data, VideoResult) == result
