"""The adapter end to end (prepare, submit, poll): every contract field is honored exactly in
the file written, and the camera, fit, card and determinism behave as documented."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import numpy as np
import pytest
from kb_helpers import decode, decode_rgb, probe

from videogate import TaskStatus, VideoRequest
from videogate_kenburns import KenBurnsProvider, RenderSpec
from videogate_kenburns._render import Frames
from videogate_kenburns._source import load_image


def test_720p_clip_is_exactly_what_was_asked(picture, render):
    """4 s, 24 fps, 1280*720: the container reports exactly that, and so does the output."""
    request = VideoRequest(
        prompt="dusk over the lake",
        duration=4,
        fps=24,
        size="1280*720",
        seed=42,
        reference_image=picture((800, 600)),
    )
    path, state = render(request)
    facts = probe(path)
    assert facts["codec"] == "h264"
    assert facts["pix_fmt"] == "yuv420p"
    assert facts["duration"] == Fraction(4)
    assert facts["container_duration"] == 4_000_000
    assert facts["rate"] == Fraction(24)
    assert (facts["width"], facts["height"]) == (1280, 720)
    assert facts["frames"] == 96
    assert facts["audio"] == 0
    output = state.output
    assert (output.duration, output.fps, str(output.size), output.seed) == (
        4.0,
        24.0,
        "1280*720",
        42,
    )
    assert path.is_absolute() and path.suffix == ".mp4"


def test_moov_atom_comes_first(picture, render):
    """faststart: the index is at the front, so the file plays while it downloads."""
    path, _ = render(
        {"prompt": "p", "duration": 1, "fps": 8, "size": "64*48", "reference_image": picture()}
    )
    data = path.read_bytes()
    assert 0 <= data.index(b"moov") < data.index(b"mdat")


@pytest.mark.parametrize(
    ("duration", "fps", "size"),
    [(1, 1, "16*16"), (2, 25, "322*180"), (1, 60, "96*54"), (3, 30, "90*160"), (1, 7, "3840*16")],
)
def test_duration_fps_and_size_are_exact(picture, render, duration, fps, size):
    """Across the capability grid (odd rates, portrait, extreme aspect) nothing is rounded."""
    path, _ = render(
        {
            "prompt": "p",
            "duration": duration,
            "fps": fps,
            "size": size,
            "reference_image": picture(),
        }
    )
    facts = probe(path)
    width, height = map(int, size.split("*"))
    assert facts["duration"] == Fraction(duration)
    assert facts["rate"] == Fraction(fps)
    assert (facts["width"], facts["height"]) == (width, height)
    assert facts["frames"] == duration * fps


def test_negative_prompt_and_parameters_are_recorded(picture, render):
    """A pan-and-zoom cannot act on a negative prompt; it is accepted and recorded in the
    file's tags, with the seed, motion and fit that made the frames."""
    path, _ = render(
        {
            "prompt": "a quiet harbour",
            "negative_prompt": "people, text",
            "duration": 1,
            "fps": 8,
            "size": "64*48",
            "seed": 9,
            "motion_strength": 0.25,
            "reference_image": picture(),
            "options": {"kenburns": {"fit": "pad"}},
        }
    )
    tags = probe(path)["metadata"]
    assert tags["title"] == "a quiet harbour"
    details = json.loads(tags["comment"])
    assert details["negative_prompt"] == "people, text"
    assert details["seed"] == 9
    assert details["motion_strength"] == 0.25
    assert details["fit"] == "pad"


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_seed_changes_the_camera_path(picture, render):
    image = picture()
    base = {"prompt": "p", "duration": 1, "fps": 8, "size": "160*90", "reference_image": image}
    first, _ = render({**base, "seed": 1, "motion_strength": 1.0})
    second, _ = render({**base, "seed": 2, "motion_strength": 1.0})
    a, b = decode(first), decode(second)
    assert _difference(a[-1], b[-1]) > 5
    assert max(_difference(x, y) for x, y in zip(a, b, strict=True)) > 5


def test_motion_strength_zero_is_a_still(picture, render):
    image = picture()
    base = {"prompt": "p", "duration": 2, "fps": 8, "size": "160*90", "reference_image": image}
    still, _ = render({**base, "seed": 5, "motion_strength": 0.0})
    moving, _ = render({**base, "seed": 5, "motion_strength": 1.0})
    still_frames = decode(still)
    moving_frames = decode(moving)
    # Encoded frames of a still differ only by the encoder's refinement of the picture.
    assert max(_difference(still_frames[0], f) for f in still_frames) < 2
    spec = RenderSpec.from_request(VideoRequest(**base, motion_strength=0.0))
    frames = Frames(spec, load_image(spec.image))
    rendered = [np.asarray(image) for image in frames]
    assert all(np.array_equal(rendered[0], image) for image in rendered), "a still, exactly"
    assert _difference(moving_frames[0], moving_frames[-1]) > 5


def test_motion_follows_strength(picture, render):
    """More motion_strength, a bigger move between first and last frame."""
    image = picture()
    base = {"prompt": "p", "duration": 1, "fps": 8, "size": "160*90", "reference_image": image}
    moves = []
    for strength in (0.1, 0.5, 1.0):
        path, _ = render({**base, "seed": 3, "motion_strength": strength})
        frames = decode(path)
        moves.append(_difference(frames[0], frames[-1]))
    assert moves[0] < moves[1] < moves[2]


def test_pad_letterboxes_and_crop_fills(picture, render):
    """A wide picture in a square frame: ``pad`` shows it whole between black bars, ``crop``
    (the default) fills the frame."""
    image = picture((400, 100))
    base = {
        "prompt": "p",
        "duration": 1,
        "fps": 4,
        "size": "160*160",
        "reference_image": image,
        "motion_strength": 0.0,
    }
    padded, _ = render({**base, "options": {"kenburns": {"fit": "pad"}}})
    cropped, _ = render(base)
    pad_rgb = decode_rgb(padded)[0]
    crop_rgb = decode_rgb(cropped)[0]
    assert pad_rgb[:40].max() <= 24 and pad_rgb[-40:].max() <= 24
    assert pad_rgb[70:90].mean() > 60
    assert crop_rgb[:40].mean() > 60 and crop_rgb[-40:].mean() > 60


def test_same_request_gives_identical_frames_and_bytes(picture, work_dir, tmp_path):
    """Two providers (as two processes would) render the same request frame for frame."""
    request = VideoRequest(
        prompt="p",
        duration=2,
        fps=12,
        size="320*180",
        seed=77,
        motion_strength=0.8,
        reference_image=picture(),
    )
    outputs = []
    for name in ("one", "two"):
        provider = KenBurnsProvider(work_dir=str(tmp_path / name))
        try:
            task = provider.submit(provider.prepare(request))
            from kb_helpers import local_path, wait

            state, _ = wait(provider, task)
            path = local_path(state.output.url)
            outputs.append((decode(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        finally:
            provider.close()
    (frames_a, sha_a), (frames_b, sha_b) = outputs
    assert len(frames_a) == len(frames_b) == 24
    assert all(np.array_equal(a, b) for a, b in zip(frames_a, frames_b, strict=True))
    assert sha_a == sha_b


def test_title_card_without_image(render):
    """No reference image: a card showing the prompt, coloured by the seed, still moving."""
    base = {"duration": 1, "fps": 8, "size": "320*180", "seed": 4, "motion_strength": 1.0}
    path, _ = render({**base, "prompt": "A lighthouse at night"})
    frames = decode_rgb(path)
    assert len(frames) == 8
    first = frames[0]
    assert first.std() > 10, "the card shows text and shapes, not a flat colour"
    assert _difference(frames[0], frames[-1]) > 1, "the camera moves over the card"
    other, _ = render({**base, "prompt": "Something else entirely"})
    assert _difference(first, decode_rgb(other)[0]) > 1, "the card shows the prompt"
    again, _ = render({**base, "prompt": "A lighthouse at night"})
    assert all(np.array_equal(a, b) for a, b in zip(decode(path), decode(again), strict=True))


def test_progress_rises_monotonically_to_one(picture, provider):
    from kb_helpers import wait

    request = VideoRequest(
        prompt="p", duration=3, fps=30, size="640*360", reference_image=picture((640, 360))
    )
    task = provider.submit(provider.prepare(request))
    state, seen = wait(provider, task)
    assert state.status is TaskStatus.SUCCEEDED
    assert seen == sorted(seen), "progress never goes back"
    assert seen[-1] == 1.0
    assert all(0.0 <= p <= 1.0 for p in seen)
    assert any(0.0 < p < 1.0 for p in seen), "progress is reported while rendering"


def test_pictures_with_transparency_and_palettes(tmp_path, render):
    """RGBA (composited over black), palette and greyscale pictures all render."""
    from PIL import Image

    rgba = Image.new("RGBA", (64, 48), (255, 0, 0, 0))
    rgba.paste((0, 255, 0, 255), (0, 0, 32, 48))
    rgba.save(tmp_path / "rgba.png")
    Image.new("P", (64, 48), 3).save(tmp_path / "palette.gif")
    Image.new("L", (64, 48), 200).save(tmp_path / "grey.jpg")
    for name in ("rgba.png", "palette.gif", "grey.jpg"):
        path, _ = render(
            {
                "prompt": "p",
                "duration": 1,
                "fps": 2,
                "size": "64*48",
                "motion_strength": 0,
                "reference_image": tmp_path / name,
            }
        )
        assert probe(path)["frames"] == 2
    frame = decode_rgb(path)[0]
    assert frame.mean() > 150  # the grey picture, not black


def test_rgba_transparency_becomes_black(tmp_path, render):
    from PIL import Image

    rgba = Image.new("RGBA", (64, 48), (255, 255, 255, 0))
    rgba.save(tmp_path / "clear.png")
    path, _ = render(
        {
            "prompt": "p",
            "duration": 1,
            "fps": 2,
            "size": "64*48",
            "motion_strength": 0,
            "reference_image": tmp_path / "clear.png",
        }
    )
    assert decode_rgb(path)[0].max() < 24
