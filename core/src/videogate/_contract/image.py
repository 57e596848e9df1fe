"""Reference images: an http(s) URL, a local path, a ``data:`` URI or raw bytes.

Every :class:`ImageRef` carries a sha256 used by cache keys: of the file's content for paths
(hashed in chunks, never read whole), of the bytes for bytes and ``data:`` URIs, and of the
URL text for URLs (the content behind a URL is not fetched before the provider is called).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import re
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import unquote, urlparse

import attrs

from videogate._contract.errors import InvalidRequest

__all__ = ["ImageRef"]

ImageKind = Literal["url", "path", "bytes"]

_CHUNK = 1 << 20
_URL_SCHEMES = ("http", "https", "oss")
_DATA_URI = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w-]+=[^;,]*)*)(?P<b64>;base64)?,"
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"BM", "image/bmp"),
    (b"GIF8", "image/gif"),
)


def sniff_media_type(head: bytes) -> str | None:
    """The image media type guessed from the first bytes of a file, or ``None``."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_kind(instance: ImageRef, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("url", "path", "bytes"):
        raise InvalidRequest(
            "reference_image: kind must be url, path or bytes", field="reference_image"
        )


def _check_sha(instance: ImageRef, attribute: attrs.Attribute[str], value: str) -> None:
    if not (isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value)):
        raise InvalidRequest(
            "reference_image: sha256 must be 64 lowercase hex digits", field="reference_image"
        )


@attrs.frozen
class ImageRef:
    """A reference image. Build one with :meth:`parse` (or the ``from_*`` constructors)."""

    kind: ImageKind = attrs.field(validator=_check_kind)
    location: str | None = attrs.field(default=None)
    """The URL (``url``) or absolute file path (``path``); ``None`` for ``bytes``."""
    data: bytes | None = attrs.field(default=None, repr=False)
    """The image bytes (``bytes`` kind only)."""
    sha256: str = attrs.field(default="", validator=_check_sha)
    media_type: str | None = None

    @classmethod
    def parse(cls, value: Any) -> ImageRef:
        """An :class:`ImageRef` from a URL, a ``data:`` URI, a path (str or PathLike) or bytes.

        :raises InvalidRequest: empty bytes, a bad ``data:`` URI, an unsupported URL scheme, or
            a local file that does not exist (the message names the path).
        """
        if isinstance(value, ImageRef):
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return cls.from_bytes(bytes(value))
        if isinstance(value, os.PathLike):
            return cls.from_path(value)
        if not isinstance(value, str):
            raise InvalidRequest(
                "reference_image: expected a URL, a path, a data: URI or bytes, "
                f"got {type(value).__name__}",
                field="reference_image",
            )
        text = value.strip()
        if not text:
            raise InvalidRequest("reference_image: must not be empty", field="reference_image")
        if text.startswith("data:"):
            return cls.from_data_uri(text)
        scheme = urlparse(text).scheme.lower()
        if scheme == "file":
            return cls.from_path(unquote(urlparse(text).path))
        if scheme in _URL_SCHEMES:
            return cls.from_url(text)
        if len(scheme) > 1 and "://" in text:
            raise InvalidRequest(
                f"reference_image: unsupported URL scheme {scheme!r} "
                "(use http(s), a local path, a data: URI or bytes)",
                field="reference_image",
            )
        return cls.from_path(text)

    @classmethod
    def from_url(cls, url: str) -> ImageRef:
        """A reference to a remote image; its hash is that of the URL text."""
        parsed = urlparse(url)
        if parsed.scheme.lower() not in _URL_SCHEMES or not parsed.netloc:
            raise InvalidRequest(
                f"reference_image: not a usable URL: {url!r}", field="reference_image"
            )
        return cls(kind="url", location=url, sha256=hashlib.sha256(url.encode()).hexdigest())

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> ImageRef:
        """A reference to a local file, resolved to an absolute path and hashed in chunks."""
        resolved = Path(path).expanduser()
        try:
            resolved = resolved.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            raise InvalidRequest(
                f"reference_image: file not found: {os.fspath(path)}", field="reference_image"
            ) from None
        if not resolved.is_file():
            raise InvalidRequest(
                f"reference_image: not a regular file: {resolved}", field="reference_image"
            )
        try:
            sha = _sha256_file(resolved)
            with resolved.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise InvalidRequest(
                f"reference_image: cannot read {resolved}: {exc.strerror or exc}",
                field="reference_image",
            ) from None
        return cls(
            kind="path", location=str(resolved), sha256=sha, media_type=sniff_media_type(head)
        )

    @classmethod
    def from_bytes(cls, data: bytes, media_type: str | None = None) -> ImageRef:
        """A reference to in-memory image bytes."""
        if not data:
            raise InvalidRequest("reference_image: image bytes are empty", field="reference_image")
        return cls(
            kind="bytes",
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            media_type=media_type or sniff_media_type(data[:16]) or "application/octet-stream",
        )

    @classmethod
    def from_data_uri(cls, uri: str) -> ImageRef:
        """A reference from a ``data:[mime];base64,...`` URI (decoded to bytes)."""
        match = _DATA_URI.match(uri)
        if not match or not match.group("b64"):
            raise InvalidRequest(
                "reference_image: a data: URI must be data:<mime>;base64,<data>",
                field="reference_image",
            )
        try:
            data = base64.b64decode(uri[match.end() :], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest(
                "reference_image: the data: URI is not valid base64", field="reference_image"
            ) from None
        return cls.from_bytes(data, media_type=match.group("mime"))

    def open(self) -> IO[bytes]:
        """A binary stream of the image content (``path`` and ``bytes`` kinds).

        :raises InvalidRequest: for ``url`` references (their content is remote), or when the
            file can no longer be read.
        """
        if self.kind == "bytes":
            assert self.data is not None
            return io.BytesIO(self.data)
        if self.kind == "path":
            assert self.location is not None
            try:
                return open(self.location, "rb")
            except OSError as exc:
                raise InvalidRequest(
                    f"reference_image: cannot read {self.location}: {exc.strerror or exc}",
                    field="reference_image",
                ) from None
        raise InvalidRequest(
            "reference_image: a URL reference has no local content", field="reference_image"
        )

    def to_data_uri(self) -> str:
        """The content as a ``data:`` URI (``path`` and ``bytes`` kinds)."""
        with self.open() as fh:
            data = fh.read()
        mime = self.media_type or sniff_media_type(data[:16]) or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def to_json(self) -> str:
        """Canonical JSON text: the URL, the absolute path, or a ``data:`` URI for bytes."""
        if self.kind == "bytes":
            return self.to_data_uri()
        assert self.location is not None
        return self.location

    def describe(self) -> str:
        """A short human description that never includes the bytes."""
        if self.kind == "bytes":
            size = len(self.data or b"")
            return f"<{size} bytes {self.media_type or 'image'} sha256={self.sha256[:12]}>"
        return str(self.location)
