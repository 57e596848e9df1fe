"""Rendering a spec to an H.264 MP4: canvas, camera, frames, encoder.

The source is scaled once (Lanczos) to a canvas on which the closest view of the move maps
about one source pixel to one output pixel; each frame is then one filtered resize of a
float window of that canvas, so the move is sub-pixel smooth. Frames are converted to
yuv420p (BT.709, limited range, bit-exact conversion) and encoded with libx264 at a fixed
preset, quality and thread count, so the same spec gives the same frames (and bytes). The
file is written under a temporary name and renamed when complete: a cancelled or failed
render leaves nothing behind.
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from videogate_kenburns._camera import Box, CameraPath
from videogate_kenburns._capabilities import MODEL, NAMESPACE
from videogate_kenburns._card import title_card
from videogate_kenburns._spec import RenderSpec

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

__all__ = ["PRESET", "Frames", "RenderCancelled", "encode", "make_canvas", "render"]

T = TypeVar("T")
U = TypeVar("U")

PRESET: Final = "veryfast"
CRF: Final = 20
#: Fixed, so the bitstream does not depend on the machine's core count.
ENCODER_THREADS: Final = 1
#: x264's macroblock-tree rate control was seen to make the bitstream vary from run to run
#: for the same frames (it depends on memory it does not initialize); without it, the same
#: frames always give the same bytes.
X264_PARAMS: Final = "mbtree=0"
#: Seconds between keyframes, so players and contact sheets can seek.
KEYFRAME_SECONDS: Final = 2
#: The canvas is never made larger than this many pixels (a panorama at 4K could be huge).
MAX_CANVAS_PIXELS: Final = 40_000_000
#: Frames made ahead of the encoder.
LOOKAHEAD: Final = 3


class RenderCancelled(Exception):
    """The render was asked to stop; its partial file is gone."""


def _canvas_scale(width: float, height: float, spec: RenderSpec, zoom: float) -> float:
    """How much to scale a ``width`` x ``height`` source so that, at the closest zoom, one
    canvas pixel maps to one output pixel."""
    aspect = spec.width / spec.height
    base_w = height * aspect if width / height > aspect else width
    scale = spec.width * zoom / base_w
    return min(scale, math.sqrt(MAX_CANVAS_PIXELS / (width * height)))


def make_canvas(spec: RenderSpec, source: Image.Image | None, zoom: float) -> Image.Image:
    """The picture the camera moves over: the scaled source (``crop``), the scaled source
    centered on black at the output aspect (``pad``), or the title card."""
    from PIL import Image

    target = (max(round(spec.width * zoom), 2), max(round(spec.height * zoom), 2))
    if source is None:
        return title_card(spec.prompt, spec.seed, target)
    if spec.fit == "pad":
        fit = min(target[0] / source.width, target[1] / source.height)
        inner = (max(round(source.width * fit), 1), max(round(source.height * fit), 1))
        picture = source.resize(inner, Image.Resampling.LANCZOS, reducing_gap=3.0)
        canvas = Image.new("RGB", target, (0, 0, 0))
        canvas.paste(picture, ((target[0] - inner[0]) // 2, (target[1] - inner[1]) // 2))
        return canvas
    scale = _canvas_scale(source.width, source.height, spec, zoom)
    size = (max(round(source.width * scale), 2), max(round(source.height * scale), 2))
    if size == source.size:
        return source
    return source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


class Frames:
    """The frames of one render: the camera's windows over the canvas, each resized to the
    output size on demand (so frames can be made on another thread)."""

    def __init__(self, spec: RenderSpec, source: Image.Image | None) -> None:
        self.spec = spec
        self.camera = CameraPath.from_seed(spec.seed, spec.motion)
        self.canvas = make_canvas(spec, source, self.camera.max_zoom)
        self._last: tuple[Box, Image.Image] | None = None

    def boxes(self) -> Iterator[Box]:
        """The window of each frame on the canvas."""
        aspect = self.spec.width / self.spec.height
        return self.camera.boxes(self.spec.frames, self.canvas.size, aspect)

    def image(self, box: Box) -> Image.Image:
        """The frame showing ``box``: an RGB image of the output size."""
        from PIL import Image

        if self._last is not None and self._last[0] == box:
            return self._last[1]
        size = (self.spec.width, self.spec.height)
        image = self.canvas.resize(size, Image.Resampling.BILINEAR, box=box)
        self._last = (box, image)
        return image

    def __iter__(self) -> Iterator[Image.Image]:
        return (self.image(box) for box in self.boxes())


def _ahead(items: Iterator[T], convert: Callable[[T, int], U], depth: int) -> Iterator[U]:
    """``convert(item, index)`` for each item, computed up to ``depth`` items ahead on a
    helper thread (Pillow and swscale release the GIL, so this overlaps with encoding)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kenburns-frames") as pool:
        pending: deque[Future[U]] = deque()
        try:
            for index, item in enumerate(items):
                pending.append(pool.submit(convert, item, index))
                if len(pending) > depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _metadata(spec: RenderSpec) -> dict[str, str]:
    """Container tags: the prompt as title, and the render parameters (including the
    negative prompt, which a pan-and-zoom cannot act on but records) as a JSON comment."""
    details: dict[str, Any] = {
        "provider": NAMESPACE,
        "model": MODEL,
        "seed": spec.seed,
        "motion_strength": spec.motion,
        "fit": spec.fit,
        "negative_prompt": spec.negative_prompt,
        "reference_image_sha256": spec.image.sha256 if spec.image else None,
    }
    return {"title": spec.prompt, "comment": json.dumps(details, ensure_ascii=False)}


def _to_video_frame(image: Image.Image, index: int) -> Any:
    import av
    import numpy as np
    from av.video.reformatter import ColorRange, Colorspace, Interpolation

    rgb: np.ndarray[Any, Any] = np.asarray(image)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
        format="yuv420p",
        dst_colorspace=Colorspace.ITU709,
        dst_color_range=ColorRange.MPEG,
        interpolation=Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.BITEXACT,
        threads=1,
    )
    frame.pts = index
    return frame


def _converter(frames: Frames) -> Callable[[Box, int], Any]:
    def convert(box: Box, index: int) -> Any:
        return _to_video_frame(frames.image(box), index)

    return convert


def encode(
    frames: Frames,
    output: Path,
    *,
    on_frame: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Encode ``frames`` to ``output`` atomically.

    :raises RenderCancelled: ``cancelled()`` turned true; no file is left.
    """
    import av
    from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

    spec = frames.spec
    partial = output.with_name(output.name + ".part")
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with av.open(
            str(partial), "w", format="mp4", options={"movflags": "+faststart"}
        ) as container:
            container.metadata.update(_metadata(spec))
            stream = container.add_stream("libx264", rate=Fraction(spec.fps))
            stream.width, stream.height = spec.width, spec.height
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, spec.fps)
            context = stream.codec_context
            context.thread_count = ENCODER_THREADS
            context.gop_size = spec.fps * KEYFRAME_SECONDS
            context.colorspace = Colorspace.ITU709
            context.color_range = ColorRange.MPEG
            context.color_primaries = ColorPrimaries.BT709
            context.color_trc = ColorTrc.BT709
            context.options = {"preset": PRESET, "crf": str(CRF), "x264-params": X264_PARAMS}
            made = _ahead(frames.boxes(), _converter(frames), depth=LOOKAHEAD)
            for index, frame in enumerate(made):
                if cancelled is not None and cancelled():
                    raise RenderCancelled
                for packet in stream.encode(frame):
                    container.mux(packet)
                if on_frame is not None:
                    on_frame(index + 1)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def render(
    spec: RenderSpec,
    source: Image.Image | None,
    output: Path,
    *,
    on_frame: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Render ``spec`` from the decoded ``source`` (``None``: the title card) to ``output``."""
    encode(Frames(spec, source), output, on_frame=on_frame, cancelled=cancelled)
