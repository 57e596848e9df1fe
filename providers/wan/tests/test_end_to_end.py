"""The whole path: ``videogate generate`` and the Python API, with the wan provider, against
the emulator; one paid submission, a stored and probed video."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from videogate import Engine, VideoRequest, load_config, probe_video
from videogate_wan.emulator.testing import emulator_process

pytestmark = pytest.mark.slow


def _stored_path(video_url: str) -> Path:
    parsed = urlparse(video_url)
    assert parsed.scheme == "file", video_url
    return Path(parsed.path)


def _check_video(result_url, duration=5, size=(1280, 720)):
    path = _stored_path(result_url)
    assert path.is_file()
    assert "ai-video-wan-video" in path.parts
    probe = probe_video(str(path))
    assert probe.codec == "h264"
    assert probe.fps == 30
    assert probe.duration == pytest.approx(duration, abs=0.1)
    assert (probe.width, probe.height) == size
    return probe


def test_cli_generate_against_an_emulator_process(photo, tmp_path):
    with emulator_process("--pending", "0", "--running", "0") as emulator:
        env = {
            **os.environ,
            "DASHSCOPE_HTTP_BASE_URL": emulator.base_url,
            "DASHSCOPE_API_KEY": "sk-any-key-for-the-emulator",
        }
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("videogate")),
                "generate",
                "--provider",
                "wan",
                "--image",
                str(photo),
                "--prompt",
                "a red square slowly turning",
                "--duration",
                "5",
                "--fps",
                "30",
                "--size",
                "1280*720",
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        stats = emulator.stats()
    assert result["provider"] == "wan"
    assert result["model"] == "wan2.6-i2v-flash"
    assert (result["duration"], result["fps"], result["size"]) == (5.0, 30.0, "1280*720")
    assert result["source_url"].startswith(emulator.origin)
    _check_video(result["video_url"])
    assert stats["submissions"] == 1
    assert stats["uploads"] == 1
    assert stats["video_downloads"] == 1


def _request(photo):
    return VideoRequest(
        prompt="a red square slowly turning",
        duration=5,
        fps=30,
        size="1280*720",
        reference_image=str(photo),
    )


def test_python_api_sync_and_cache(emu, photo, monkeypatch):
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emu.base_url)
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-any-key-for-the-emulator")
    with Engine(load_config()) as engine:
        result = engine.generate(_request(photo), provider="wan")
        again = engine.generate(_request(photo), provider="wan")
    assert result.provider == "wan" and not result.cached
    assert result.task_id == emu.submitted[0]["task_id"]
    _check_video(result.video_url)
    assert again.cached and again.video_url == result.video_url
    assert emu.stats()["submissions"] == 1


def test_python_api_async_with_adjusted_size(emu, tmp_path, monkeypatch):
    from PIL import Image

    portrait = tmp_path / "portrait.png"
    Image.new("RGB", (720, 1280), (40, 160, 90)).save(portrait)
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emu.base_url)
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-any-key-for-the-emulator")
    request = VideoRequest(
        prompt="a green field",
        duration=3,
        fps=24,
        size="1280*720",
        reference_image=str(portrait),
    )

    async def run():
        async with Engine(load_config()) as engine:
            return await engine.agenerate(request, provider="wan", mode="adjust")

    result = asyncio.run(run())
    fields = {w.field for w in result.warnings}
    assert {"fps", "size"} <= fields
    _check_video(result.video_url, duration=3, size=(720, 1280))
    assert emu.stats()["submissions"] == 1


@pytest.mark.parametrize(
    ("image_size", "expected"),
    [((768, 1024), (832, 1104)), ((1024, 768), (1104, 832)), ((1000, 1000), (960, 960))],
)
def test_adjust_expects_the_size_the_service_delivers(
    emu, tmp_path, monkeypatch, image_size, expected
):
    """Adjust mode predicts the service's size for any aspect: one size warning (the
    mapping), none for a delivered size that differs from the prediction."""
    from PIL import Image

    image = tmp_path / "image.png"
    Image.new("RGB", image_size, (40, 160, 90)).save(image)
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emu.base_url)
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-any-key-for-the-emulator")
    request = VideoRequest(
        prompt="a green field", duration=2, fps=30, size="1280*720", reference_image=str(image)
    )
    with Engine(load_config()) as engine:
        result = engine.generate(request, provider="wan", mode="adjust")
    size_warnings = [w for w in result.warnings if w.field == "size"]
    assert [w.actual for w in size_warnings] == ["{}*{}".format(*expected)]
    assert (result.size.width, result.size.height) == expected
    _check_video(result.video_url, duration=2, size=expected)
