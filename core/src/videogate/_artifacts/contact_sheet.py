"""Contact sheets: one PNG showing frames sampled evenly across a video, with timestamps."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from videogate._artifacts import demux
from videogate._artifacts.probe import VideoProbe, probe_video
from videogate._contract.errors import InvalidRequest, MalformedResponse, StorageError

__all__ = ["contact_sheet", "default_sheet_path", "sample_times"]

_MARGIN = 8
_BACKGROUND = (24, 24, 24)
_TEXT = (235, 235, 235)


def default_sheet_path(video_path: str | os.PathLike[str]) -> Path:
    """``clip.mp4`` -> ``clip.contact.png`` in the same folder."""
    path = Path(video_path)
    return path.with_name(f"{path.stem}.contact.png")


def sample_times(probe: VideoProbe, frames: int) -> list[float]:
    """``frames`` timestamps spread evenly from the first frame to the last one."""
    last = max(0.0, probe.duration - (1.0 / probe.fps if probe.fps > 0 else 0.0))
    if frames == 1:
        return [last / 2]
    return [last * i / (frames - 1) for i in range(frames)]


def _label(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes):02d}:{rest:05.2f}"


def _grab(path: str, times: list[float]) -> list[Any]:
    """The frame on screen at each time (decoding forward from the nearest keyframe)."""
    import av

    images: list[Any] = []
    with av.open(path, metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base
        if time_base is None:
            raise MalformedResponse(f"{path} has no time base; it cannot be seeked")
        start = float(stream.start_time * time_base) if stream.start_time is not None else 0.0
        for at in times:
            target = start + at
            container.seek(int(target / time_base), stream=stream, backward=True)
            chosen: Any = None
            for frame in demux.frames(container, stream):
                if chosen is not None and frame.time is not None and frame.time > target + 1e-6:
                    break
                chosen = frame
            if chosen is None:
                raise MalformedResponse(f"no frame could be decoded near {at:.2f} s in {path}")
            images.append(chosen.to_image())
    return images


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def contact_sheet(
    video_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str] | None = None,
    *,
    frames: int = 12,
    columns: int = 4,
    width: int = 320,
) -> Path:
    """Write a PNG of ``frames`` frames of the video, ``columns`` per row, each ``width``
    pixels wide and labelled with its timestamp, under a title line (name, duration, fps,
    size, codec).

    :param out_path: where to write; default ``<stem>.contact.png`` beside the video.
    :returns: the PNG's path.
    :raises InvalidRequest: bad arguments, a missing file, or a file that is not a video.
    :raises StorageError: the PNG cannot be written.
    """
    import av
    from PIL import Image, ImageDraw

    if frames < 1 or columns < 1 or width < 16:
        raise InvalidRequest("contact sheet: frames and columns must be >= 1, width >= 16")
    source = Path(video_path)
    if not source.is_file():
        raise InvalidRequest(f"contact sheet: no such file: {source}")
    try:
        probe = probe_video(source)
        images = _grab(str(source), sample_times(probe, frames))
    except (MalformedResponse, StorageError) as exc:
        raise InvalidRequest(f"contact sheet: {exc.message}") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise InvalidRequest(
            f"contact sheet: {source.name} cannot be decoded ({type(exc).__name__}: {exc})"
        ) from None
    columns = min(columns, len(images))
    rows = math.ceil(len(images) / columns)
    thumb_h = max(1, round(width * probe.height / probe.width))
    label_font, title_font = _font(max(10, width // 18)), _font(14)
    label_h = max(14, width // 14)
    title_h = 28
    sheet = Image.new(
        "RGB",
        (
            _MARGIN + columns * (width + _MARGIN),
            title_h + _MARGIN + rows * (thumb_h + label_h + _MARGIN),
        ),
        _BACKGROUND,
    )
    draw = ImageDraw.Draw(sheet)
    title = (
        f"{source.name}   {probe.duration:.2f} s   {probe.fps:g} fps   "
        f"{probe.width}x{probe.height}   {probe.codec}   {probe.frames} frames"
    )
    draw.text((_MARGIN, _MARGIN), title, fill=_TEXT, font=title_font)
    for index, (image, at) in enumerate(zip(images, sample_times(probe, frames), strict=True)):
        row, col = divmod(index, columns)
        x = _MARGIN + col * (width + _MARGIN)
        y = title_h + _MARGIN + row * (thumb_h + label_h + _MARGIN)
        sheet.paste(image.resize((width, thumb_h), Image.Resampling.BICUBIC), (x, y))
        draw.text((x, y + thumb_h + 2), _label(at), fill=_TEXT, font=label_font)
    target = Path(out_path) if out_path is not None else default_sheet_path(source)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(target, format="PNG")
    except OSError as exc:
        raise StorageError(f"cannot write the contact sheet {target}: {exc}") from None
    return target
