"""Fetching a provider's result: streamed, retried, size-capped, checked to be a video.

``http(s)://`` links are downloaded with httpx in chunks to a local file (memory does not
grow with the video). A GET is safe to repeat, so network failures, 5xx and 429 answers are
retried with jittered exponential backoff (honouring ``Retry-After``); each attempt starts
over. The answer must look like a video twice: its ``Content-Type`` must not be a page or a
document (HTML, JSON, XML, text), and its first bytes must carry a video container's magic
number; otherwise it is a :class:`MalformedResponse` and nothing is kept.

``file://`` URLs (local renders) are checked the same way and used in place, or copied to
``dest`` in the same pass that hashes them when the caller asks (``copy_local``).

Each chunk is handled as the network delivers it (no re-chunking into larger buffers): hashed,
counted and written once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlparse

import attrs

from videogate._contract.errors import (
    MalformedResponse,
    ProviderUnavailable,
    StorageError,
    TaskExpired,
    VideogateError,
)

if TYPE_CHECKING:
    import httpx

    from videogate._plugins.config import RetryConfig

__all__ = ["Downloaded", "describe_url", "download", "looks_like_video"]

CHUNK_SIZE: Final = 1 << 20
_HEAD_BYTES: Final = 16
_NOT_VIDEO_TYPES: Final = ("text/", "application/json", "application/xml", "application/xhtml")
_EXPIRED_STATUSES: Final = frozenset({403, 404, 410})
_MAX_RETRY_AFTER: Final = 60.0
_ISO_BMFF_BOXES: Final = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp"}
)


_OTHER_MAGIC: Final = (
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM (EBML)
    b"\x00\x00\x01\xba",  # MPEG program stream
    b"FLV",
    b"OggS",
)


@attrs.frozen
class Downloaded:
    """A result file on local disk.

    :ivar path: where it is.
    :ivar size_bytes: its size.
    :ivar sha256: hex sha256 of its content.
    :ivar content_type: the media type the server announced, if any.
    :ivar copied: whether ``path`` is a download (``False``: the provider's own local file).
    """

    path: str
    size_bytes: int
    sha256: str
    content_type: str | None
    copied: bool


def looks_like_video(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a video container (MP4/MOV, Matroska/
    WebM, AVI, MPEG-PS, FLV, Ogg)."""
    if len(head) >= 8 and head[4:8] in _ISO_BMFF_BOXES:
        return True
    if head.startswith(b"RIFF"):
        return head[8:12] == b"AVI "
    return head.startswith(_OTHER_MAGIC)


def describe_url(url: str) -> str:
    """``url`` without its query and fragment (signed links carry tokens there)."""
    parsed = urlparse(url)
    return parsed._replace(query="", fragment="", params="").geturl()


def _what_it_is(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith((b"{", b"[")):
        return "a JSON document"
    if text.startswith(b"<"):
        return "an XML document"
    if not head:
        return "an empty file"
    return "not a known video container"


def _check_head(head: bytes, where: str) -> None:
    if not looks_like_video(head):
        raise MalformedResponse(
            f"the result at {where} is not a video ({_what_it_is(head)}); nothing was stored"
        )


def _too_big(where: str, limit: int) -> StorageError:
    return StorageError(
        f"the result at {where} is larger than storage.max_download_bytes ({limit} bytes)"
    )


def _local(url: str, max_bytes: int, dest: Path | None) -> Downloaded:
    path = Path(unquote(urlparse(url).path))
    where = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise MalformedResponse(f"the result {where} is not a regular file")
        if size > max_bytes:
            raise _too_big(where, max_bytes)
        digest = hashlib.sha256()
        with path.open("rb") as fh, contextlib.ExitStack() as stack:
            out = None if dest is None else stack.enter_context(dest.open("wb"))
            head = fh.read(_HEAD_BYTES)
            _check_head(head, where)
            digest.update(head)
            if out is not None:
                out.write(head)
            while chunk := fh.read(CHUNK_SIZE):
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
    except FileNotFoundError:
        raise MalformedResponse(
            f"the provider's result file {where} does not exist", retryable=False
        ) from None
    except OSError as exc:
        raise StorageError(f"cannot read the result file {where}: {exc.strerror or exc}") from None
    if dest is not None:
        return Downloaded(str(dest), size, digest.hexdigest(), None, copied=True)
    return Downloaded(str(path), size, digest.hexdigest(), None, copied=False)


class _Retry(Exception):
    """A failed attempt that may succeed if repeated."""

    def __init__(self, error: VideogateError, delay: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.delay = delay


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER) if value else None
    except ValueError:
        return None


def _attempt(
    client: httpx.Client, url: str, dest: Path, max_bytes: int
) -> tuple[int, str, str | None]:
    import httpx

    where = describe_url(url)
    try:
        with client.stream("GET", url) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise _Retry(
                    ProviderUnavailable(
                        f"downloading {where} failed with HTTP {status}", http_status=status
                    ),
                    _retry_after(response),
                )
            if status in _EXPIRED_STATUSES:
                raise TaskExpired(
                    f"the result link {where} no longer works (HTTP {status}); provider "
                    "links expire, so the task's output may be lost",
                    http_status=status,
                )
            if status >= 400:
                raise ProviderUnavailable(
                    f"downloading {where} was refused with HTTP {status}",
                    http_status=status,
                    retryable=False,
                )
            content_type = response.headers.get("content-type")
            media = (content_type or "").split(";")[0].strip().lower()
            if media.startswith(_NOT_VIDEO_TYPES) or "html" in media:
                raise MalformedResponse(
                    f"the result at {where} is not a video (served as {media}); nothing was stored",
                    http_status=status,
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise _too_big(where, max_bytes)
            digest = hashlib.sha256()
            size = 0
            head = b""
            with dest.open("wb") as fh:
                for chunk in response.iter_bytes():
                    if len(head) < _HEAD_BYTES:
                        head += chunk[: _HEAD_BYTES - len(head)]
                        if len(head) >= _HEAD_BYTES:
                            _check_head(head, where)
                    size += len(chunk)
                    if size > max_bytes:
                        raise _too_big(where, max_bytes)
                    digest.update(chunk)
                    fh.write(chunk)
            if len(head) < _HEAD_BYTES:
                _check_head(head, where)
            return size, digest.hexdigest(), media or None
    except httpx.TransportError as exc:
        raise _Retry(
            ProviderUnavailable(f"downloading {where} failed: {type(exc).__name__}: {exc}")
        ) from None
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            f"downloading {where} failed: {type(exc).__name__}: {exc}", retryable=False
        ) from None
    except OSError as exc:
        raise StorageError(
            f"cannot write the download of {where} to {dest}: {exc.strerror or exc}"
        ) from None


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    max_bytes: int,
    retry: RetryConfig | None = None,
    client: httpx.Client | None = None,
    timeout: float = 60.0,
    copy_local: bool = False,
) -> Downloaded:
    """Fetch ``url`` (``http(s)://`` to ``dest``; ``file://`` used in place, or copied to
    ``dest`` with ``copy_local``).

    :param max_bytes: refuse results larger than this (``storage.max_download_bytes``).
    :param retry: attempts and backoff for retryable failures (default :class:`RetryConfig`).
    :param client: an httpx client to use (tests, connection reuse); one is made otherwise.
    :param timeout: seconds allowed between two network events (connect, each read).
    :param copy_local: copy a ``file://`` result to ``dest`` while hashing it.
    :raises MalformedResponse: the answer is not a video (HTML, JSON, unknown bytes).
    :raises TaskExpired: the link answers 403/404/410 (provider links expire).
    :raises ProviderUnavailable: network failures or 5xx/429 after the retries; other 4xx.
    :raises StorageError: larger than ``max_bytes``, or the local file cannot be written.
    """
    scheme = urlparse(url).scheme.lower()
    if scheme == "file":
        target = Path(dest) if copy_local else None
        try:
            return _local(url, max_bytes, target)
        except BaseException:
            if target is not None:
                target.unlink(missing_ok=True)
            raise
    if scheme not in ("http", "https"):
        raise MalformedResponse(
            f"unsupported result URL scheme {scheme or 'none'!r} (expected http, https or file)",
            retryable=False,
        )
    import httpx
    import tenacity

    from videogate._plugins.config import RetryConfig

    retry = retry or RetryConfig()
    dest_path = Path(dest)
    own_client = client is None
    if client is None:
        client = httpx.Client(follow_redirects=True, timeout=httpx.Timeout(timeout))
    backoff = tenacity.wait_exponential_jitter(
        multiplier=retry.initial_backoff, max=retry.max_backoff, jitter=retry.initial_backoff
    )

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retry) and exc.delay is not None:
            return exc.delay
        return float(backoff(state))

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, retry.attempts)),
        wait=wait,
        retry=tenacity.retry_if_exception_type(_Retry),
        reraise=True,
    )
    try:
        size, sha, content_type = retrying(_attempt, client, url, dest_path, max_bytes)
    except _Retry as exc:
        dest_path.unlink(missing_ok=True)
        raise exc.error from None
    except BaseException:
        dest_path.unlink(missing_ok=True)
        raise
    finally:
        if own_client:
            client.close()
    return Downloaded(str(dest_path), size, sha, content_type, copied=True)
