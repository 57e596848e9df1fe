"""Fixtures of the wan tests: an emulator on loopback, images, and providers pointed at it."""

from __future__ import annotations

import pytest
from PIL import Image

from videogate_wan.emulator.testing import running_emulator

CANARY_KEY = "sk-canary-7f3a9c1e5b2d48e6"


@pytest.fixture(autouse=True)
def _fast_clock(monkeypatch):
    """Emulated tasks end at once: engines (and CLI processes) poll on a clock 1000 times
    faster, so the provider's prior (first poll 15 s after submit) becomes 15 ms."""
    monkeypatch.setenv("VIDEOGATE_POLL_TIME_SCALE", "0.001")


@pytest.fixture
def emu():
    """A fresh emulator; tasks succeed at their first poll unless a test says otherwise."""
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def photo(tmp_path):
    """A 1280x720 PNG on disk."""
    path = tmp_path / "photo.png"
    Image.new("RGB", (1280, 720), (180, 60, 40)).save(path)
    return path


@pytest.fixture
def make_provider(emu):
    """``make_provider(**options)``: a WanProvider on the emulator with the canary key."""
    from videogate_wan._provider import WanProvider

    created = []

    def make(**options):
        options.setdefault("base_url", emu.base_url)
        options.setdefault("api_key", CANARY_KEY)
        provider = WanProvider(**options)
        created.append(provider)
        return provider

    yield make
    for provider in created:
        provider.close()


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def request_for(photo):
    """``request_for(**fields)``: a valid 5 s 720P request on the photo, fields overriding."""
    from videogate import VideoRequest

    def build(**fields):
        values = {
            "prompt": "a red square slowly turning",
            "duration": 5,
            "fps": 30,
            "size": "1280*720",
            "reference_image": str(photo),
            "seed": 7,
        }
        values.update(fields)
        return VideoRequest(**values)

    return build
