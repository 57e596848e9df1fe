"""Mapping a normalized request to DashScope parameters, and the input checks that run
before anything is sent."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from videogate import InvalidRequest, UnsupportedParameter, VideoRequest


def _image_bytes(fmt, size=(640, 480), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_mapping_of_every_field(provider, request_for):
    native = provider.prepare(
        request_for(negative_prompt="blur", seed=123, duration=7, size="1920*1080")
    )
    assert native["model"] == "wan2.6-i2v-flash"
    assert native["prompt"] == "a red square slowly turning"
    assert native["negative_prompt"] == "blur"
    assert native["image"]["kind"] == "path"
    assert native["parameters"] == {
        "resolution": "1080P",
        "duration": 7,
        "prompt_extend": True,
        "watermark": False,
        "audio": False,
        "seed": 123,
    }
    assert isinstance(native["parameters"]["duration"], int)


def test_url_passes_through_and_bytes_become_a_data_uri(provider, request_for):
    url = "https://example.com/first-frame.jpg"
    assert provider.prepare(request_for(reference_image=url))["image"] == {
        "kind": "url",
        "value": url,
    }
    data = _image_bytes("WEBP")
    image = provider.prepare(request_for(reference_image=data))["image"]
    assert image["kind"] == "data"
    assert image["value"].startswith("data:image/webp;base64,")
    assert base64.b64decode(image["value"].split(",", 1)[1]) == data


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"fps": 24}, "fps"),
        ({"duration": 1}, "duration"),
        ({"duration": 16}, "duration"),
        ({"duration": 4.5}, "duration"),
        ({"size": "1024*1024"}, "size"),
        ({"motion_strength": 0.5}, "motion_strength"),
        ({"prompt": "x" * 1501}, "prompt"),
        ({"negative_prompt": "x" * 501}, "negative_prompt"),
    ],
)
def test_values_the_model_cannot_produce_are_unsupported(provider, request_for, fields, field):
    with pytest.raises(UnsupportedParameter) as info:
        provider.prepare(request_for(**fields))
    assert info.value.field == field


def test_missing_reference_image_is_explained(provider):
    request = VideoRequest(prompt="x", duration=5, fps=30, size="1280*720")
    with pytest.raises(InvalidRequest, match="needs a reference image") as info:
        provider.prepare(request)
    assert info.value.field == "reference_image"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_image_bytes("GIF"), "format GIF"),
        (_image_bytes("PNG", (200, 480)), "width is 200 px"),
        (_image_bytes("PNG", (640, 8001)), "height is 8001 px"),
        (b"\x89PNG\r\n\x1a\nnot really a png", "not a readable image"),
    ],
)
def test_bad_images_fail_before_any_network(
    emu, make_provider, request_for, tmp_path, data, message
):
    provider = make_provider()
    path = tmp_path / "bad.img"
    path.write_bytes(data)
    for image in (data, str(path)):
        with pytest.raises(InvalidRequest, match=message) as info:
            native = provider.prepare(request_for(reference_image=image))
            provider.submit(native)
        assert info.value.field == "reference_image"
    assert emu.stats()["requests"] == 0


def test_images_over_20_mb_fail_before_any_network(emu, make_provider, request_for, tmp_path):
    provider = make_provider()
    path = tmp_path / "huge.png"
    path.write_bytes(_image_bytes("PNG") + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(InvalidRequest, match="at most 20 MB"):
        provider.prepare(request_for(reference_image=str(path)))
    assert emu.stats()["requests"] == 0


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "BMP", "WEBP"])
def test_accepted_formats(provider, request_for, fmt):
    native = provider.prepare(request_for(reference_image=_image_bytes(fmt, (240, 8000))))
    assert native["image"]["kind"] == "data"


def test_prepare_is_pure_and_json(provider, request_for):
    import json

    request = request_for(reference_image=_image_bytes("PNG"))
    first = provider.prepare(request)
    assert first == provider.prepare(request)
    assert json.loads(json.dumps(first)) == first
