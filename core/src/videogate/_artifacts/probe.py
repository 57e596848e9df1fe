"""What a video file really is: container, codec, duration, fps, size, frames, audio (PyAV).

``VideoResult.duration``, ``fps`` and ``size`` come from here, so a result reports the stored
file, not what the provider claimed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from fractions import Fraction
from typing import Any

import attrs

from videogate._artifacts import demux
from videogate._contract.errors import MalformedResponse, StorageError
from videogate._contract.size import Size

__all__ = ["VideoProbe", "probe_video", "warm_up"]

_IMAGE_FORMATS = frozenset({"image2", "gif", "webp", "apng", "ico", "tiff"})


@attrs.frozen(kw_only=True)
class VideoProbe:
    """Measured properties of a video file.

    :ivar container: ``mp4``, ``mov``, ``matroska``...
    :ivar codec: the video codec (``h264``, ``hevc``, ``vp9``...).
    :ivar duration: seconds of video.
    :ivar fps: frames per second (average).
    :ivar width: frame width in pixels.
    :ivar height: frame height in pixels.
    :ivar frames: number of video frames.
    :ivar has_audio: whether the file has an audio stream.
    :ivar pix_fmt: the decoded pixel format (``yuv420p``), when known.
    """

    container: str
    codec: str
    duration: float
    fps: float
    width: int
    height: int
    frames: int
    has_audio: bool
    pix_fmt: str | None = None

    @property
    def size(self) -> Size:
        """The frame size."""
        return Size(self.width, self.height)


def _container_name(container: Any, path: str) -> str:
    names = str(container.format.name).split(",")
    if "mp4" in names:
        with open(path, "rb") as fh:
            head = fh.read(12)
        return "mov" if head[4:8] == b"ftyp" and head[8:12] == b"qt  " else "mp4"
    return names[0]


def _count_packets(container: Any, stream: Any) -> int:
    container.seek(0)
    return sum(1 for packet in demux.packets(container, stream) if packet.size)


def _duration(container: Any, stream: Any, frames: int, fps: float) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        import av

        return float(Fraction(container.duration, av.time_base))
    return frames / fps if fps > 0 else 0.0


_warming: threading.Thread | None = None


def warm_up() -> None:
    """Import PyAV in a background thread, once per process: a first import takes a few
    hundred milliseconds with the interpreter lock held, better spent while a task runs
    than when its video arrives (and other tasks' polls are due)."""
    global _warming
    if _warming is None and "av" not in sys.modules:
        _warming = threading.Thread(target=_import_av, name="videogate-warm-av", daemon=True)
        _warming.start()


def _import_av() -> None:
    with contextlib.suppress(Exception):  # probing reports it
        import av  # noqa: F401


def probe_video(path: str | os.PathLike[str]) -> VideoProbe:
    """Open ``path`` with PyAV, decode its first frame and measure it.

    :raises StorageError: the file does not exist or cannot be read.
    :raises MalformedResponse: the file is not a decodable video (an HTML page, a truncated
        download, an image, audio only); the message says which.
    """
    import av

    path = os.fspath(path)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise StorageError(f"cannot probe {path}: no such file")
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.video:
                raise MalformedResponse(f"{name} is not a video: it has no video stream")
            format_name = str(container.format.name)
            if format_name.endswith("_pipe") or format_name in _IMAGE_FORMATS:
                raise MalformedResponse(f"{name} is an image ({format_name}), not a video")
            stream = container.streams.video[0]
            first = next(demux.frames(container, stream), None)
            if first is None:
                raise MalformedResponse(
                    f"{name} is not a decodable video: no frame could be decoded"
                )
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate else 0.0
            frames = int(stream.frames or 0) or _count_packets(container, stream)
            duration = _duration(container, stream, frames, fps)
            if fps <= 0 and duration > 0:
                fps = frames / duration
            return VideoProbe(
                container=_container_name(container, path),
                codec=str(stream.codec_context.name),
                duration=round(duration, 6),
                fps=round(fps, 6),
                width=int(first.width),
                height=int(first.height),
                frames=frames,
                has_audio=bool(container.streams.audio),
                pix_fmt=str(first.format.name) if first.format is not None else None,
            )
    except MalformedResponse:
        raise
    except PermissionError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise MalformedResponse(
            f"{name} is not a decodable video ({type(exc).__name__}: {exc})"
        ) from None
