"""From a provider's output to a verified file in the user's storage: :func:`finalize`.

Download (or read the local render) in one pass that hashes it, check it is a video, probe it,
conform it if asked, and store it atomically (a rename when the store is a local folder, see
:mod:`videogate._artifacts.landing`) under ``<job id>/<first 16 hex of its sha256>.<ext>``:
the key depends on the job and the content only, never on prompt text, so finishing a job
twice (a resumed job) writes the same key and never a second copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import attrs

from videogate._artifacts.conform import ConformTarget, conform_video, needs_conform
from videogate._artifacts.download import download
from videogate._artifacts.landing import landing
from videogate._artifacts.leftovers import staging_prefix
from videogate._artifacts.probe import VideoProbe, probe_video
from videogate._artifacts.storage import Storage, safe_key_part
from videogate._contract.errors import StorageError, VideogateError
from videogate._contract.events import JobPhase
from videogate._contract.result import ResultWarning

if TYPE_CHECKING:
    import httpx

    from videogate._contract.provider import TaskOutput
    from videogate._plugins.config import RetryConfig, StorageConfig

__all__ = ["Artifact", "ConformTarget", "finalize", "object_key"]

_EXTENSIONS = {"mp4": ".mp4", "mov": ".mov", "matroska": ".mkv", "avi": ".avi", "flv": ".flv"}


@attrs.frozen(kw_only=True)
class Artifact:
    """A stored, probed video.

    :ivar key: its key in the storage.
    :ivar url: its user-facing URL (``VideoResult.video_url``).
    :ivar sha256: hex sha256 of the stored file.
    :ivar size_bytes: its size.
    :ivar probe: what the stored file is (duration, fps, size...).
    :ivar warnings: what conform changed (empty without conform).
    :ivar original_key: the provider's original file, when conform replaced it and
        ``storage.keep_original`` is on.
    :ivar timings: seconds spent ``downloading``, ``probing``, ``conforming``, ``storing``.
    :ivar original_url: the user-facing URL of ``original_key``.
    """

    key: str
    url: str
    sha256: str
    size_bytes: int
    probe: VideoProbe
    warnings: tuple[ResultWarning, ...] = ()
    original_key: str | None = None
    timings: dict[str, float] = attrs.field(factory=dict, hash=False)
    original_url: str | None = None


def object_key(job_id: str, sha256: str, container: str, *, original: bool = False) -> str:
    """The storage key of a job's video: ``<job>/<sha256[:16]>[.original].<ext>``."""
    ext = _EXTENSIONS.get(container, f".{safe_key_part(container)}")
    suffix = ".original" if original else ""
    return f"{safe_key_part(job_id)}/{sha256[:16]}{suffix}{ext}"


def _sha256_file(path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        timings[name] = round(timings.get(name, 0.0) + time.monotonic() - start, 6)


def finalize(
    output: TaskOutput,
    *,
    storage: Storage,
    job_id: str,
    config: StorageConfig,
    conform: ConformTarget | None = None,
    on_phase: Callable[[JobPhase], None] | None = None,
    retry: RetryConfig | None = None,
    client: httpx.Client | None = None,
    staging_dir: str | None = None,
) -> Artifact:
    """Turn a provider's output into a stored, probed (and, if asked, conformed) video.

    Synchronous and thread-safe: the engine runs it in a worker thread, many at a time.

    :param output: the succeeded task's output (``http(s)://`` or ``file://`` URL).
    :param storage: where to store the video.
    :param job_id: videogate's job id (first part of the key).
    :param config: ``[storage]`` settings (size cap, keep_original).
    :param conform: re-time/re-scale to this target (conform mode); ``None`` keeps the file.
    :param on_phase: told ``DOWNLOADING`` then ``STORING``.
    :param retry: download retry policy (default :class:`RetryConfig`).
    :param client: an httpx client for the download.
    :param staging_dir: folder for temporary files when the store is not a local folder, and
        for conformed files (default: the system's).
    :raises MalformedResponse: the output is not a decodable video (HTML page, JSON...).
    :raises TaskExpired: the provider's link no longer works.
    :raises ProviderUnavailable: the download failed after its retries.
    :raises StorageError: the file is too large or could not be stored.
    """
    timings: dict[str, float] = {}
    warnings: list[ResultWarning] = []
    try:
        with landing(storage, job_id, staging_dir) as land:
            if on_phase is not None:
                on_phase(JobPhase.DOWNLOADING)
            with _timed(timings, "downloading"):
                got = download(
                    output.url,
                    land.path,
                    max_bytes=config.max_download_bytes,
                    retry=retry,
                    client=client,
                    copy_local=land.in_store,
                )
            if on_phase is not None:
                on_phase(JobPhase.STORING)
            with _timed(timings, "probing"):
                source_probe = probe_video(got.path)
            path, probe, sha, size = got.path, source_probe, got.sha256, got.size_bytes
            original_key: str | None = None
            with contextlib.ExitStack() as stack:
                if conform is not None and needs_conform(source_probe, conform):
                    staging = stack.enter_context(
                        tempfile.TemporaryDirectory(prefix=staging_prefix(), dir=staging_dir)
                    )
                    conformed = os.path.join(staging, "conformed.mp4")
                    with _timed(timings, "conforming"):
                        warnings.extend(conform_video(got.path, conformed, conform, source_probe))
                        probe = probe_video(conformed)
                        sha, size = _sha256_file(conformed)
                    path = conformed
                    if config.keep_original:
                        original_key = object_key(
                            job_id, got.sha256, source_probe.container, original=True
                        )
                    else:
                        warnings.append(
                            ResultWarning(
                                field=None,
                                message="the provider's original file was not kept "
                                "(storage.keep_original = false)",
                            )
                        )
                key = object_key(job_id, sha, probe.container)
                with _timed(timings, "storing"):
                    if original_key is not None:
                        land.store(storage, got.path, original_key, got.sha256, got.size_bytes)
                    land.store(storage, path, key, sha, size)
    except VideogateError:
        raise
    except OSError as exc:
        raise StorageError(
            f"finishing job {job_id} failed: {type(exc).__name__}: {exc}", retryable=True
        ) from None
    return Artifact(
        key=key,
        url=storage.url_for(key),
        sha256=sha,
        size_bytes=size,
        probe=probe,
        warnings=tuple(warnings),
        original_key=original_key,
        timings=timings,
        original_url=None if original_key is None else storage.url_for(original_key),
    )
