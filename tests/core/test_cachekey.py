"""Cache keys: equal for equivalent spellings, different for every field."""

import base64

from hypothesis import given
from hypothesis import strategies as st

from videogate import VideoRequest, cache_key, structure

BASE = {
    "prompt": "a cat",
    "negative_prompt": "blur",
    "duration": 4,
    "fps": 24,
    "size": "1280*720",
    "seed": 7,
    "motion_strength": 0.5,
    "reference_image": "https://example.com/a.png",
    "options": {"wan": {"audio": False}},
}


def key(data, provider="wan", model="m", mode="strict"):
    return cache_key(structure(data, VideoRequest), provider=provider, model=model, mode=mode)


def test_equivalent_spellings_share_a_key(tmp_path):
    assert key(BASE) == key({**BASE, "size": "1280x720"}) == key({**BASE, "size": [1280, 720]})
    assert key(BASE) == key({**BASE, "duration": 4.0, "fps": 24.0})
    png = b"\x89PNG\r\n\x1a\nabc"
    (tmp_path / "p.png").write_bytes(png)
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    assert key({**BASE, "reference_image": str(tmp_path / "p.png")}) == key(
        {**BASE, "reference_image": uri}
    )


CHANGES = {
    "prompt": "a dog",
    "negative_prompt": None,
    "duration": 5,
    "fps": 30,
    "size": "720*1280",
    "seed": 8,
    "motion_strength": 0.25,
    "reference_image": "https://example.com/b.png",
    "options": {"wan": {"audio": True}},
}


@given(st.sampled_from(sorted(CHANGES)))
def test_every_field_changes_the_key(field):
    assert key(BASE) != key({**BASE, field: CHANGES[field]})


def test_provider_model_and_mode_change_the_key():
    keys = {key(BASE), key(BASE, provider="other"), key(BASE, model="m2"), key(BASE, mode="adjust")}
    assert len(keys) == 4


def test_key_is_a_hex_sha256():
    k = key(BASE)
    assert len(k) == 64 and int(k, 16) >= 0
