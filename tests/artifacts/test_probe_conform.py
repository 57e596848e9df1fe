"""Probing real files made with PyAV, and conforming them to exact fps, size and duration."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image

from videogate import MalformedResponse, Size, StorageError, probe_video
from videogate._artifacts.conform import ConformTarget, conform_video, needs_conform


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("a.mp4", {"width": 64, "height": 48, "fps": 24, "frames": 12}),
        ("b.mp4", {"width": 96, "height": 32, "fps": 30, "frames": 45, "audio": True}),
        ("c.mp4", {"width": 48, "height": 64, "fps": 29.97, "frames": 30}),
        ("d.mkv", {"width": 64, "height": 48, "fps": 25, "frames": 10}),
        ("e.mov", {"width": 32, "height": 32, "fps": 10, "frames": 7}),
    ],
)
def test_probe_matches_what_was_written(make_video, name, options):
    probe = probe_video(make_video(name, **options))
    fps = options["fps"]
    assert probe.width == options["width"] and probe.height == options["height"]
    assert probe.size == Size(options["width"], options["height"])
    assert probe.fps == pytest.approx(fps, abs=1e-3)
    assert probe.frames == options["frames"]
    assert probe.duration == pytest.approx(options["frames"] / fps, abs=1e-3)
    assert probe.codec == "h264"
    assert probe.pix_fmt == "yuv420p"
    assert probe.has_audio == bool(options.get("audio"))
    assert probe.container == {"mp4": "mp4", "mkv": "matroska", "mov": "mov"}[name[2:]]


def test_probe_rejects_what_is_not_a_video(tmp_path, make_video):
    page = tmp_path / "page.mp4"
    page.write_text("<html><body>error</body></html>")
    with pytest.raises(MalformedResponse, match=r"page\.mp4 is not a decodable video"):
        probe_video(page)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MalformedResponse, match=r"empty\.mp4"):
        probe_video(empty)
    image = tmp_path / "still.png"
    Image.new("RGB", (16, 16), "red").save(image)
    with pytest.raises(MalformedResponse, match="is an image"):
        probe_video(image)
    clip = make_video(frames=24).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip[: len(clip) // 2])
    with pytest.raises(MalformedResponse, match=r"truncated\.mp4"):
        probe_video(truncated)
    with pytest.raises(StorageError, match="no such file"):
        probe_video(tmp_path / "missing.mp4")


def test_probe_rejects_audio_only(tmp_path):
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000)
        chunk = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
        )
        chunk.sample_rate, chunk.pts = 16000, 0
        for packet in [*stream.encode(chunk), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(MalformedResponse, match="no video stream"):
        probe_video(path)


def decoded_levels(path) -> list[float]:
    """Mean luma of each decoded frame."""
    with av.open(str(path)) as container:
        return [
            float(frame.to_ndarray(format="gray").mean())
            for frame in container.decode(container.streams.video[0])
        ]


def faststart(path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ({"fps": 24, "frames": 24, "width": 64, "height": 48}, (0.5, 12, (32, 24), "crop")),
        ({"fps": 24, "frames": 12, "width": 64, "height": 48}, (0.5, 30, (80, 40), "crop")),
        ({"fps": 30, "frames": 30, "width": 96, "height": 32}, (0.75, 24, (64, 64), "pad")),
        ({"fps": 25, "frames": 20, "width": 64, "height": 48}, (0.4, 29.97, (48, 64), "crop")),
    ],
)
def test_conform_gives_exactly_the_requested_file(make_video, tmp_path, source, target):
    duration, fps, (width, height), fit = target
    clip = make_video(**source)
    goal = ConformTarget(duration=duration, fps=fps, size=Size(width, height), fit=fit)
    assert needs_conform(probe_video(clip), goal)
    out = tmp_path / "out.mp4"
    conform_video(clip, out, goal, probe_video(clip))
    probe = probe_video(out)
    assert probe.fps == pytest.approx(fps, abs=1e-3)
    assert (probe.width, probe.height) == (width, height)
    assert probe.frames == round(duration * fps)
    assert probe.duration == pytest.approx(probe.frames / fps, abs=1e-3)
    assert (probe.codec, probe.container, probe.pix_fmt) == ("h264", "mp4", "yuv420p")
    assert faststart(out)
    assert not needs_conform(probe, goal)


def test_retiming_never_changes_playback_speed(make_video, tmp_path):
    """24 -> 12 fps keeps every second source frame: output frame j shows source time j/12."""
    clip = make_video(fps=24, frames=24, gray_step=10)
    out = tmp_path / "out.mp4"
    warnings = conform_video(
        clip, out, ConformTarget(duration=1.0, fps=12, size=Size(64, 48)), probe_video(clip)
    )
    levels = decoded_levels(out)
    assert len(levels) == 12
    for index, level in enumerate(levels):
        assert level == pytest.approx(2 * index * 10, abs=4)
    assert [w.field for w in warnings] == ["fps"]


def test_shorter_source_holds_its_last_frame_and_says_so(make_video, tmp_path):
    clip = make_video(fps=10, frames=5, gray_step=40)  # 0.5 s
    out = tmp_path / "out.mp4"
    goal = ConformTarget(duration=1.0, fps=10, size=Size(64, 48))
    warnings = conform_video(clip, out, goal, probe_video(clip))
    levels = decoded_levels(out)
    assert len(levels) == 10
    assert levels[:5] == pytest.approx([0, 40, 80, 120, 160], abs=4)
    assert levels[5:] == pytest.approx([160] * 5, abs=4)
    held = [w for w in warnings if "held" in w.message]
    assert len(held) == 1 and held[0].field == "duration"
    assert "0.500 s" in held[0].message
    assert probe_video(out).duration == pytest.approx(1.0)


def test_longer_source_is_trimmed_with_a_warning(make_video, tmp_path):
    clip = make_video(fps=10, frames=20)
    out = tmp_path / "out.mp4"
    warnings = conform_video(
        clip, out, ConformTarget(duration=1.0, fps=10, size=Size(64, 48)), probe_video(clip)
    )
    assert probe_video(out).frames == 10
    assert [w.field for w in warnings] == ["duration"]
    assert "trimmed from 2.000 s" in warnings[0].message


def test_crop_fills_and_pad_letterboxes(tmp_path):
    """A wide white source: crop fills a square with white; pad leaves black bars."""
    clip = tmp_path / "white.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 128, 32, "yuv420p"
        image = np.full((32, 128, 3), 255, dtype=np.uint8)
        for index in range(3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    probe = probe_video(clip)
    for fit in ("crop", "pad"):
        out_path = tmp_path / f"{fit}.mp4"
        warnings = conform_video(
            clip, out_path, ConformTarget(duration=0.3, fps=10, size=Size(64, 64), fit=fit), probe
        )
        with av.open(str(out_path)) as container:
            gray = next(container.decode(video=0)).to_ndarray(format="gray")
        center, top = gray[28:36, 28:36].mean(), gray[:8, :].mean()
        assert center > 230
        if fit == "crop":
            assert top > 230
            assert "center-cropped" in warnings[0].message
        else:
            assert top < 25
            assert "padded" in warnings[0].message


def test_odd_sizes_become_even_with_a_warning(make_video, tmp_path):
    clip = make_video()
    out = tmp_path / "out.mp4"
    goal = ConformTarget(duration=0.5, fps=24, size=Size(33, 21))
    warnings = conform_video(clip, out, goal, probe_video(clip))
    assert probe_video(out).size == Size(32, 20)
    assert any("even dimensions" in w.message for w in warnings)


def test_audio_is_kept_and_cut(make_video, tmp_path):
    clip = make_video(fps=24, frames=48, audio=True)
    out = tmp_path / "out.mp4"
    conform_video(
        clip, out, ConformTarget(duration=1.0, fps=24, size=Size(64, 48)), probe_video(clip)
    )
    probe = probe_video(out)
    assert probe.has_audio
    assert probe.duration == pytest.approx(1.0)
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert float(audio.duration * audio.time_base) <= 1.0 + 1e-3


def test_unrepresentable_duration_rounds_to_whole_frames(make_video, tmp_path):
    clip = make_video(fps=12, frames=12)
    out = tmp_path / "out.mp4"
    warnings = conform_video(
        clip, out, ConformTarget(duration=0.3, fps=12, size=Size(64, 48)), probe_video(clip)
    )
    assert probe_video(out).frames == 4
    assert any("not a whole number of frames" in w.message for w in warnings)


def test_conform_target_validates_fit():
    with pytest.raises(ValueError, match="fit"):
        ConformTarget(duration=1, fps=1, size=Size(2, 2), fit="stretch")
