"""Contact sheets of any video: evenly sampled frames with timestamps, one PNG."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from videogate import InvalidRequest, contact_sheet, probe_video
from videogate._artifacts.contact_sheet import default_sheet_path, sample_times
from videogate._cli import main


def test_sheet_shows_frames_sampled_across_the_clip(make_video, tmp_path):
    """Frame i of the clip is gray level 8*i: the sheet's thumbnails get brighter left to
    right, first frame black, last frame the last one."""
    clip = make_video(fps=10, frames=30, gray_step=8)
    out = contact_sheet(clip, tmp_path / "sheet.png", frames=6, columns=3, width=64)
    assert out == tmp_path / "sheet.png"
    with Image.open(out) as image:
        sheet = image.convert("L")
    assert sheet.width == 8 + 3 * (64 + 8)
    times = sample_times(probe_video(clip), 6)
    assert times[0] == 0 and times[-1] == pytest.approx(2.9)
    levels = []
    for index in range(6):
        row, col = divmod(index, 3)
        x = 8 + col * 72 + 32
        y = 28 + 8 + row * (48 + 14 + 8) + 24
        levels.append(sheet.getpixel((x, y)))
    expected = [8 * int(t * 10 + 1e-9) for t in times]  # the frame on screen at t
    assert levels == pytest.approx(expected, abs=6)


def test_default_path_is_beside_the_video(make_video, capsys):
    clip = make_video("my clip.mp4")
    assert main(["contact-sheet", str(clip), "--frames", "4", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["contact_sheet"] == str(clip.with_name("my clip.contact.png"))
    assert default_sheet_path(clip).is_file()


def test_cli_output_option(make_video, tmp_path, capsys):
    clip = make_video("c.mkv", frames=5)
    target = tmp_path / "sheets" / "c.png"
    assert main(["contact-sheet", str(clip), "-o", str(target), "--columns", "5"]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    with Image.open(target) as image:
        assert image.format == "PNG"


def test_not_a_video_is_invalid(tmp_path, capsys):
    page = tmp_path / "page.mp4"
    page.write_text("<html></html>")
    with pytest.raises(InvalidRequest, match="not a decodable video"):
        contact_sheet(page)
    assert main(["contact-sheet", str(tmp_path / "missing.mp4")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(InvalidRequest, match="frames"):
        contact_sheet(page, frames=0)
