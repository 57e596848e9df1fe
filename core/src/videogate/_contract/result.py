"""The normalized result of ``video.generate``: :class:`VideoResult`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlparse

import attrs

from videogate._contract.size import Size

__all__ = ["ResultWarning", "VideoResult"]


@attrs.frozen(kw_only=True)
class ResultWarning:
    """One adjustment made on the way: a value mapped, dropped, truncated or conformed.

    :ivar field: the request field concerned (``fps``), or ``None`` for the whole job.
    :ivar message: what happened, as a sentence.
    :ivar requested: the requested value, as text, when one applies.
    :ivar actual: the value used or delivered, as text, when one applies.
    """

    field: str | None
    message: str
    requested: str | None = None
    actual: str | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@attrs.frozen(kw_only=True)
class VideoResult:
    """A finished video, described by what the stored file really is.

    ``video_url`` is a durable URL in the configured storage, never the provider's expiring
    link (that is ``source_url``, valid until ``source_expires_at``). ``duration``, ``fps``
    and ``size`` are probed from the stored file; ``seed`` is the seed actually used.
    ``job_id`` names the journaled job that produced the video (``videogate jobs``); a cached
    result keeps the id of the job that first produced it. :attr:`local_path` is the file
    when the storage is local; :meth:`open` reads the bytes from any storage.
    """

    video_url: str
    duration: float
    fps: float
    seed: int | None
    size: Size
    provider: str
    model: str
    task_id: str | None = None
    source_url: str | None = None
    source_expires_at: datetime | None = None
    sha256: str | None = None
    cached: bool = False
    timings: dict[str, float] = attrs.field(factory=dict, hash=False)
    """Seconds per phase (``queued``, ``running``, ``downloading``, ``storing``, ``total``)."""
    warnings: tuple[ResultWarning, ...] = attrs.field(default=(), converter=tuple)
    job_id: str | None = None

    @property
    def local_path(self) -> Path | None:
        """The stored video as a local file (``file://`` storage), else ``None``."""
        parsed = urlparse(self.video_url)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path))
        if not parsed.scheme and self.video_url:
            return Path(self.video_url)
        return None

    def open(self) -> IO[bytes]:
        """The stored video's bytes as a binary file object (any fsspec URL; close it)."""
        path = self.local_path
        if path is not None:
            return path.open("rb")
        import fsspec

        stream: IO[bytes] = fsspec.open(self.video_url, "rb").open()
        return stream

    def read_bytes(self) -> bytes:
        """The whole stored video (mind the size: prefer :meth:`open` for streaming)."""
        with self.open() as stream:
            return stream.read()
