"""kenburns through the engine and the command line, as a user runs it: no configuration file,
no key, no network; the stored file is exactly what was asked."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from kb_helpers import local_path, probe

import videogate

VIDEOGATE = str(Path(sys.executable).with_name("videogate"))


def test_generate_with_the_default_provider(picture, tmp_path):
    """No videogate.toml: the default provider is kenburns and the result is stored under
    output/kenburns/videos."""
    result = videogate.generate(
        {
            "prompt": "dusk over the lake",
            "duration": 2,
            "fps": 12,
            "size": "320*180",
            "seed": 5,
            "reference_image": str(picture()),
        }
    )
    assert result.provider == "kenburns" and result.model == "kenburns-1"
    assert (result.duration, result.fps, str(result.size), result.seed) == (2.0, 12.0, "320*180", 5)
    path = local_path(result.video_url)
    assert path.is_relative_to(tmp_path / "output" / "kenburns" / "videos")
    facts = probe(path)
    assert facts["duration"] == Fraction(2) and facts["rate"] == Fraction(12)
    assert (facts["width"], facts["height"], facts["frames"]) == (320, 180, 24)
    again = videogate.generate(
        {
            "prompt": "dusk over the lake",
            "duration": 2,
            "fps": 12,
            "size": "320*180",
            "seed": 5,
            "reference_image": str(picture()),
        }
    )
    assert again.cached and again.sha256 == result.sha256


def test_generate_a_title_card_and_report_the_seed():
    result = videogate.generate(
        {"prompt": "Chapter one", "duration": 1, "fps": 8, "size": "160*90"}
    )
    assert result.seed is not None
    assert probe(local_path(result.video_url))["frames"] == 8


def test_a_bad_image_fails_with_invalid_request(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(videogate.InvalidRequest, match="reference_image"):
        videogate.generate(
            {
                "prompt": "p",
                "duration": 1,
                "fps": 4,
                "size": "64*48",
                "reference_image": str(tmp_path / "broken.png"),
            }
        )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VIDEOGATE, *args], capture_output=True, text=True, timeout=120)


def test_cli_generate_offline_out_of_the_box(picture):
    image = picture()
    done = _cli(
        "generate",
        "--prompt",
        "a quiet harbour",
        "--image",
        str(image),
        "--duration",
        "1",
        "--fps",
        "8",
        "--size",
        "160*90",
        "--seed",
        "3",
        "--option",
        "fit=pad",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["provider"] == "kenburns"
    video = local_path(result["video_url"])
    facts = probe(video)
    assert facts["duration"] == Fraction(1) and facts["frames"] == 8
    assert json.loads(facts["metadata"]["comment"])["fit"] == "pad"
    sheet = _cli("contact-sheet", str(video))
    assert sheet.returncode == 0, sheet.stderr
    assert Path(sheet.stdout.strip()).is_file()


def test_cli_refuses_a_duration_it_cannot_render_exactly(picture):
    done = _cli("generate", "--prompt", "p", "--duration", "2.5", "--fps", "24", "--size", "64*48")
    assert done.returncode == 2
    assert "duration" in done.stderr
