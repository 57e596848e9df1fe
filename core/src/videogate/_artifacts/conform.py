"""Conform: re-time and re-scale a video to exactly the requested fps, size and duration.

Rules (each change is reported as a :class:`ResultWarning`):

- **fps**: the output has exactly the requested rate. Output frame *i* shows the source frame
  on screen at time ``i / fps``: frames are dropped or repeated, playback speed never changes.
- **size**: scaled to cover the target and center-cropped (``fit = "crop"``), or scaled to
  fit inside it and centered on black bars (``fit = "pad"``). H.264 in yuv420p needs even
  dimensions: an odd requested dimension is delivered one pixel smaller, with a warning.
- **duration**: exactly ``round(duration * fps)`` frames (a duration that is not a whole
  number of frames is rounded to the nearest frame, with a warning). A longer source is
  trimmed at the end. A shorter source is never slowed down: its last frame is held (a
  freeze) for the missing time, and a warning says how long.
- **audio**: kept (re-encoded to AAC) and cut at the requested duration; it may end before
  the video when the source was shorter.
- **encoding**: H.264, yuv420p, MP4 with the index at the front (``movflags=+faststart``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, Final

import attrs

from videogate._artifacts import demux
from videogate._artifacts.probe import VideoProbe
from videogate._contract.errors import MalformedResponse, StorageError
from videogate._contract.result import ResultWarning
from videogate._contract.size import Size

__all__ = ["ConformTarget", "conform_video", "needs_conform"]

_FPS_TOLERANCE: Final = 1e-3
_CRF: Final = "20"
_PRESET: Final = "veryfast"
_AUDIO_RATE: Final = 48000


@attrs.frozen
class ConformTarget:
    """What the delivered file must be: ``duration`` seconds at ``fps``, ``size`` pixels,
    fitted by ``crop`` (center-crop) or ``pad`` (letterbox)."""

    duration: float
    fps: float
    size: Size
    fit: str = attrs.field(default="crop", validator=attrs.validators.in_(("crop", "pad")))

    @property
    def frames(self) -> int:
        """The number of frames of the conformed file."""
        return max(1, round(self.duration * self.fps))

    @property
    def rate(self) -> Fraction:
        """The frame rate as an exact fraction (``29.97`` -> ``2997/100``)."""
        return Fraction(self.fps).limit_denominator(1001)


def needs_conform(probe: VideoProbe, target: ConformTarget) -> bool:
    """Whether ``probe`` differs from ``target`` in fps, size, frame count or encoding."""
    return not (
        abs(probe.fps - target.fps) <= _FPS_TOLERANCE
        and probe.size == _even(target.size)
        and probe.frames == target.frames
        and probe.codec == "h264"
        and probe.container == "mp4"
        and probe.pix_fmt in (None, "yuv420p")
    )


def _even(size: Size) -> Size:
    return Size(max(2, size.width - size.width % 2), max(2, size.height - size.height % 2))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _scale_filters(source: tuple[int, int], size: Size, fit: str) -> list[tuple[str, str]]:
    width, height = size.width, size.height
    if source == (width, height):
        return []
    if fit == "pad":
        return [
            ("scale", f"{width}:{height}:force_original_aspect_ratio=decrease:flags=bicubic"),
            ("pad", f"{width}:{height}:(ow-iw)/2:(oh-ih)/2:black"),
        ]
    return [
        ("scale", f"{width}:{height}:force_original_aspect_ratio=increase:flags=bicubic"),
        ("crop", f"{width}:{height}"),
    ]


class _Scaler:
    """A libavfilter graph: scale + crop/pad + yuv420p, built for the first frame's size."""

    def __init__(self, frame: Any, size: Size, fit: str) -> None:
        import av.filter

        self.graph = av.filter.Graph()
        nodes = [
            self.graph.add_buffer(
                width=frame.width,
                height=frame.height,
                format=frame.format.name,
                time_base=Fraction(1, 1000),
            )
        ]
        for name, args in _scale_filters((frame.width, frame.height), size, fit):
            nodes.append(self.graph.add(name, args))
        nodes.append(self.graph.add("setsar", "1"))
        nodes.append(self.graph.add("format", "yuv420p"))
        nodes.append(self.graph.add("buffersink"))
        self.graph.link_nodes(*nodes).configure()

    def __call__(self, frame: Any) -> Any:
        frame.pts = None
        self.graph.vpush(frame)
        return self.graph.vpull()


class _AudioTrack:
    """Re-encodes the source's first audio stream to AAC, cut at the target duration."""

    def __init__(self, output: Any, duration: float) -> None:
        import av

        self.stream = output.add_stream("aac", rate=_AUDIO_RATE)
        self.stream.layout = "stereo"
        self.resampler = av.AudioResampler(
            format="fltp", layout="stereo", rate=_AUDIO_RATE, frame_size=1024
        )
        self.limit = int(duration * _AUDIO_RATE)
        self.written = 0
        self.output = output
        self.video_done = False

    @property
    def full(self) -> bool:
        """Whether the audio has reached the target duration."""
        return self.written + 1024 > self.limit

    def add(self, frame: Any) -> None:
        frame.pts = None
        for chunk in self.resampler.resample(frame):
            self._encode(chunk)

    def _encode(self, chunk: Any) -> None:
        if self.written + chunk.samples > self.limit:
            return
        chunk.pts = self.written
        self.written += chunk.samples
        for packet in self.stream.encode(chunk):
            self.output.mux(packet)

    def finish(self) -> None:
        for chunk in self.resampler.resample(None):
            self._encode(chunk)
        for packet in self.stream.encode(None):
            self.output.mux(packet)


def _frame_time(frame: Any, index: int, source_fps: float) -> float:
    if frame.pts is not None and frame.time_base is not None:
        return float(frame.pts * frame.time_base)
    return index / source_fps if source_fps > 0 else 0.0


def _sample(
    frames: Iterator[Any], target: ConformTarget, source_fps: float
) -> Iterator[tuple[Any, bool]]:
    """Yield ``(source_frame, held)`` for each output frame: the source frame on screen at
    ``i / fps``; ``held`` marks frames past the end of the source (a freeze)."""
    count = target.frames
    rate = target.rate
    emitted = 0
    current: Any = None
    start: float | None = None
    current_end = 0.0
    for index, frame in enumerate(frames):
        at = _frame_time(frame, index, source_fps)
        start = at if start is None else start
        at -= start
        while current is not None and emitted < count and float(emitted / rate) < at - 1e-6:
            yield current, False
            emitted += 1
        if emitted >= count:
            return
        current = frame
        current_end = at + (1.0 / source_fps if source_fps > 0 else 0.0)
    while current is not None and emitted < count:
        yield current, float(emitted / rate) >= current_end - 1e-6
        emitted += 1


def conform_video(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    target: ConformTarget,
    probe: VideoProbe,
) -> tuple[ResultWarning, ...]:
    """Write ``source`` conformed to ``target`` into ``dest`` (see the module rules).

    :param probe: the probe of ``source``.
    :returns: one warning per change made.
    :raises MalformedResponse: the source cannot be decoded.
    :raises StorageError: ``dest`` cannot be written.
    """
    import av

    size = _even(target.size)
    warnings = _describe_changes(probe, target, size)
    held = 0
    try:
        with (
            av.open(os.fspath(source), metadata_errors="ignore") as src,
            av.open(os.fspath(dest), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            video_in = src.streams.video[0]
            audio_in = src.streams.audio[0] if src.streams.audio else None
            video_out = out.add_stream(
                "libx264", rate=target.rate, options={"crf": _CRF, "preset": _PRESET}
            )
            video_out.width, video_out.height = size.width, size.height
            video_out.pix_fmt = "yuv420p"
            audio = _AudioTrack(out, target.frames / float(target.rate)) if audio_in else None
            frames = _demux(src, video_in, audio_in, audio)
            scaler: _Scaler | None = None
            last_source: Any = None
            last_scaled: Any = None
            for index, (frame, is_held) in enumerate(_sample(frames, target, probe.fps)):
                if frame is not last_source:
                    scaler = scaler or _Scaler(frame, size, target.fit)
                    last_source, last_scaled = frame, scaler(frame)
                held += is_held
                last_scaled.pts = index
                last_scaled.time_base = 1 / target.rate
                for packet in video_out.encode(last_scaled):
                    out.mux(packet)
            if last_source is None:
                raise MalformedResponse(f"{os.fspath(source)} has no decodable video frame")
            for packet in video_out.encode(None):
                out.mux(packet)
            if audio is not None:
                audio.video_done = True
                for _ in frames:  # the rest of the audio up to the target duration
                    pass
                audio.finish()
    except MalformedResponse:
        raise
    except av.FFmpegError as exc:
        raise MalformedResponse(
            f"conforming {os.path.basename(os.fspath(source))} failed: {exc}"
        ) from None
    except OSError as exc:
        raise StorageError(f"cannot write the conformed video {dest}: {exc}") from None
    if held:
        seconds = held / float(target.rate)
        warnings.append(
            ResultWarning(
                field="duration",
                message=(
                    f"the source is {probe.duration:.3f} s long; its last frame is held for "
                    f"{seconds:.3f} s to reach the requested {_fmt(target.duration)} s "
                    "(content is never slowed down)"
                ),
                requested=_fmt(target.duration),
                actual=f"{target.frames / float(target.rate):.6g}",
            )
        )
    return tuple(warnings)


def _demux(src: Any, video_in: Any, audio_in: Any, audio: _AudioTrack | None) -> Iterator[Any]:
    """Decoded video frames in order; audio frames go to ``audio`` on the way."""
    streams = [video_in] if audio_in is None else [video_in, audio_in]
    for packet in demux.packets(src, *streams):
        if audio is not None and audio.video_done and audio.full:
            return
        if packet.stream is video_in:
            if audio is None or not audio.video_done:
                yield from packet.decode()
        elif audio is not None:
            for frame in packet.decode():
                audio.add(frame)


def _describe_changes(probe: VideoProbe, target: ConformTarget, size: Size) -> list[ResultWarning]:
    warnings = []
    if abs(probe.fps - target.fps) > _FPS_TOLERANCE:
        warnings.append(
            ResultWarning(
                field="fps",
                message=(
                    f"conformed from {_fmt(probe.fps)} fps to {_fmt(target.fps)} fps by "
                    "dropping or repeating frames (playback speed unchanged)"
                ),
                requested=_fmt(target.fps),
                actual=_fmt(target.fps),
            )
        )
    if probe.size != size:
        how = (
            "scaled to cover it and center-cropped"
            if target.fit == "crop"
            else "scaled to fit inside it and padded with black bars"
        )
        warnings.append(
            ResultWarning(
                field="size",
                message=f"conformed from {probe.size} to {size}: {how}",
                requested=str(target.size),
                actual=str(size),
            )
        )
    if size != target.size:
        warnings.append(
            ResultWarning(
                field="size",
                message=(
                    f"H.264 (yuv420p) needs even dimensions: {target.size} is delivered as {size}"
                ),
                requested=str(target.size),
                actual=str(size),
            )
        )
    wanted = target.frames / float(target.rate)
    if abs(wanted - target.duration) > 1e-6:
        warnings.append(
            ResultWarning(
                field="duration",
                message=(
                    f"{_fmt(target.duration)} s is not a whole number of frames at "
                    f"{_fmt(target.fps)} fps: {target.frames} frames last {wanted:.6g} s"
                ),
                requested=_fmt(target.duration),
                actual=f"{wanted:.6g}",
            )
        )
    if probe.duration > wanted + 0.5 / target.fps:
        warnings.append(
            ResultWarning(
                field="duration",
                message=f"trimmed from {probe.duration:.3f} s to {wanted:.6g} s",
                requested=_fmt(target.duration),
                actual=f"{wanted:.6g}",
            )
        )
    if probe.codec != "h264" or probe.container != "mp4":
        warnings.append(
            ResultWarning(
                field=None,
                message=(f"re-encoded from {probe.codec} in {probe.container} to H.264 in MP4"),
            )
        )
    return warnings
