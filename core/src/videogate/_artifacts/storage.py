"""Where finished videos live: the :class:`Storage` interface, and the keys objects are stored
under.

A storage is addressed by a URL (a local folder, ``file://``, ``s3://bucket/prefix``,
``memory://name``, or any protocol whose fsspec package is installed, see
:mod:`videogate._artifacts.fsspec_storage`; or a backend a plugin registers, see
:mod:`videogate._artifacts.backends`) and holds objects under *keys*: relative,
``/``-separated names that videogate derives from job ids and content hashes, never from
prompt text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import IO, Protocol, runtime_checkable
from urllib.parse import urlparse

import attrs

from videogate._contract.errors import ConfigError, StorageError

__all__ = [
    "CHUNK_SIZE",
    "Storage",
    "StoredObject",
    "check_key",
    "format_template",
    "is_local",
    "safe_key_part",
]

CHUNK_SIZE = 1 << 20
"""Bytes read or written at a time when streaming."""

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=+-]*$")
_TEMPLATE_FIELD = re.compile(r"\{([^{}]*)\}")


@attrs.frozen
class StoredObject:
    """An object written to a storage.

    :ivar key: its key in the storage.
    :ivar url: the user-facing URL (after the ``public_url`` template).
    :ivar size_bytes: its size.
    :ivar sha256: hex sha256 of its content, computed while it was written.
    """

    key: str
    url: str
    size_bytes: int
    sha256: str


@runtime_checkable
class Storage(Protocol):
    """A place that keeps finished videos. Implementations must make ``put_*`` atomic.

    Every method raises :class:`StorageError` (never an OS or SDK exception) on failure.
    """

    base_url: str
    """The storage's own URL (``file:///abs/path``, ``s3://bucket/prefix``...)."""

    def put_file(self, local_path: str, key: str) -> StoredObject:
        """Copy a local file to ``key``, atomically, in chunks."""
        ...

    def put_stream(self, chunks: Iterable[bytes], key: str) -> StoredObject:
        """Write the byte chunks to ``key``, atomically; nothing is stored if the iterable
        raises."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a complete object is stored under ``key``."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """A binary reader of the object; :class:`StorageError` if it does not exist."""
        ...

    def url_for(self, key: str) -> str:
        """The user-facing URL of ``key`` (the ``public_url`` template, if configured)."""
        ...

    def local_path(self, key: str) -> str | None:
        """The filesystem path of ``key`` when the storage is a local folder, else ``None``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing an absent object is not an error."""
        ...


def check_key(key: str) -> str:
    """``key`` if it is a safe relative object key, else :class:`StorageError`.

    Keys are ``/``-separated parts of letters, digits and ``._=+-`` that do not start with a
    dot: no absolute paths, no ``..``, no hidden names (those are used for temporary objects).
    """
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or not all(_KEY_PART.match(part) for part in parts):
        raise StorageError(
            f"invalid storage key {key!r}: use /-separated names of letters, digits and ._=+-"
        )
    return key


def safe_key_part(text: str) -> str:
    """``text`` made usable as one key part (unsafe characters become ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._=+-]", "_", text).lstrip("._") or "_"
    return cleaned[:128]


def format_template(template: str, values: Mapping[str, str], *, setting: str) -> str:
    """Fill ``{name}`` fields of a configuration template; unknown fields are a
    :class:`ConfigError` naming ``setting``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join("{" + k + "}" for k in values)
            raise ConfigError(
                f"{setting}: unknown placeholder {{{name}}} (known: {known})", field=setting
            )
        return values[name]

    return _TEMPLATE_FIELD.sub(replace, template)


def is_local(url: str) -> bool:
    """Whether ``url`` names a local folder (a path, ``file://`` or ``local://``)."""
    scheme = urlparse(url).scheme.lower()
    return scheme in ("", "file", "local") or (len(scheme) == 1 and os.name == "nt")
