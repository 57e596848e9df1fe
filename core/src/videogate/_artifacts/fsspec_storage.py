"""The fsspec implementation of :class:`~videogate._artifacts.storage.Storage`.

Writes are streamed in fixed-size chunks (memory does not grow with the video) and atomic: an
object is either absent or complete under its final key, never half-written.

- local folders: the data goes to a hidden temporary file in the destination folder, which is
  renamed over the final name once complete (``os.replace`` is atomic on one filesystem);
  plain OS calls do all of it, so a local store never imports fsspec (``fs`` is made on
  first use);
- S3 (``s3://``): a multipart upload that is completed only once every part is sent (S3
  shows nothing under the key before that), and aborted on failure;
- any other protocol: the data goes to a hidden temporary key beside the final one, which is
  moved to the final key once complete, and removed on failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlparse

from videogate._artifacts.leftovers import part_name
from videogate._artifacts.storage import (
    CHUNK_SIZE,
    StoredObject,
    check_key,
    format_template,
    is_local,
)
from videogate._contract.errors import ConfigError, StorageError, VideogateError

__all__ = ["FsspecStorage"]

UPLOAD_BLOCK_SIZE = 8 << 20
"""Buffer of remote writers (one S3 multipart part; S3's minimum part is 5 MiB)."""
READ_BLOCK_SIZE = 4 << 20
"""Read-ahead of remote readers (fsspec's default, 50 MiB, is too much per open object)."""

_NATIVE_COMMIT_PROTOCOLS = frozenset({"s3", "s3a"})
_LOCAL_PROTOCOLS = ("file", "local")
"""The protocols of fsspec's local filesystem."""


class _Hashing:
    """Counts and hashes the chunks passing through it."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.size = 0

    def feed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if not chunk:
                continue
            self.sha.update(chunk)
            self.size += len(chunk)
            yield chunk


def _read_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            yield chunk


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class FsspecStorage:
    """A :class:`Storage` on any fsspec filesystem.

    :param url: a local path, ``file://`` URL or any fsspec URL (``s3://bucket/prefix``,
        ``memory://name``).
    :param public_url: template of user-facing URLs, with ``{key}`` (the object key) and
        ``{url}`` (the object's storage URL), e.g. ``https://cdn.example/videos/{key}``.
    :param options: fsspec storage options (``endpoint_url``, ``key``, ``secret``...).
    :raises ConfigError: unknown protocol, or its package is not installed.
    """

    def __init__(
        self,
        url: str,
        *,
        public_url: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        options = dict(options or {})
        self._public_url = public_url
        if public_url is not None:
            format_template(public_url, {"key": "", "url": ""}, setting="storage.public_url")
        self._fs: Any = None
        if is_local(url):
            path = _local_path_of(url)
            self.root = str(path)
            self.base_url = path.as_uri()
            self._local = True
            self._protocols = set(_LOCAL_PROTOCOLS)
            return
        from fsspec.core import url_to_fs
        from fsspec.implementations.local import LocalFileSystem

        try:
            self._fs, root = url_to_fs(url, **options)
        except ImportError as exc:
            raise ConfigError(
                f"storage.url: the {urlparse(url).scheme}:// protocol needs a package "
                f"that is not installed ({exc})",
                field="storage.url",
            ) from None
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"storage.url: cannot open {url!r}: {exc}", field="storage.url"
            ) from None
        self.root = str(root).rstrip("/")
        self.base_url = self.fs.unstrip_protocol(self.root)
        self._local = isinstance(self.fs, LocalFileSystem)
        protocols = self.fs.protocol
        self._protocols = {protocols} if isinstance(protocols, str) else set(protocols)

    def __repr__(self) -> str:
        return f"FsspecStorage({self.base_url!r})"

    @property
    def fs(self) -> Any:
        """The fsspec filesystem (for a local folder, made on first use: nothing here needs
        it, so fsspec is not imported for local stores)."""
        if self._fs is None:
            from fsspec.implementations.local import LocalFileSystem

            self._fs = LocalFileSystem(auto_mkdir=True)
        return self._fs

    # -- paths and URLs --------------------------------------------------------------------

    def _path(self, key: str) -> str:
        check_key(key)
        return f"{self.root}/{key}" if self.root else key

    def _object_url(self, key: str) -> str:
        if self._local:
            return Path(self._path(key)).as_uri()
        return str(self.fs.unstrip_protocol(self._path(key)))

    def url_for(self, key: str) -> str:
        """The ``public_url`` template applied to ``key``, else the object's storage URL."""
        url = self._object_url(key)
        if self._public_url is None:
            return url
        return format_template(
            self._public_url, {"key": quote(key), "url": url}, setting="storage.public_url"
        )

    def local_path(self, key: str) -> str | None:
        """The file path of ``key`` for local folders, else ``None``."""
        return self._path(key) if self._local else None

    # -- writing ---------------------------------------------------------------------------

    def put_file(self, local_path: str, key: str) -> StoredObject:
        """Copy the local file to ``key`` in chunks, atomically."""
        try:
            source = _read_chunks(local_path)
            return self.put_stream(source, key)
        except FileNotFoundError:
            raise StorageError(f"cannot store {local_path}: file not found") from None

    def put_stream(self, chunks: Iterable[bytes], key: str) -> StoredObject:
        """Write the chunks to ``key``; if the iterable (or the storage) fails, nothing
        appears under ``key`` and the error propagates (storage failures as
        :class:`StorageError`)."""
        path = self._path(key)
        hashing = _Hashing()
        data = hashing.feed(chunks)
        try:
            if self._local:
                self._write_local(path, data)
            elif self._protocols & _NATIVE_COMMIT_PROTOCOLS:
                self._write_deferred_commit(path, data)
            else:
                self._write_then_move(path, data)
        except VideogateError:
            raise
        except OSError as exc:
            raise StorageError(
                f"cannot store {key} in {self.base_url}: {_describe(exc)}", retryable=True
            ) from None
        return StoredObject(
            key=key,
            url=self.url_for(key),
            size_bytes=hashing.size,
            sha256=hashing.sha.hexdigest(),
        )

    def _write_local(self, path: str, data: Iterator[bytes]) -> None:
        final = Path(path)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(part_name(final.name))
        try:
            with open(temp, "wb") as fh:
                for chunk in data:
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def _write_deferred_commit(self, path: str, data: Iterator[bytes]) -> None:
        handle = self.fs.open(path, "wb", autocommit=False, block_size=UPLOAD_BLOCK_SIZE)
        try:
            for chunk in data:
                handle.write(chunk)
            handle.close()
            handle.commit()
        except BaseException:
            _quietly(handle.discard)
            handle.closed = True
            raise

    def _write_then_move(self, path: str, data: Iterator[bytes]) -> None:
        parent, _, name = path.rpartition("/")
        temp = f"{parent}/{part_name(name)}" if parent else part_name(name)
        try:
            with self.fs.open(temp, "wb", block_size=UPLOAD_BLOCK_SIZE) as handle:
                for chunk in data:
                    handle.write(chunk)
            self.fs.mv(temp, path)
        except BaseException:
            _quietly(lambda: self.fs.rm(temp))
            raise

    # -- reading and removing --------------------------------------------------------------

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a complete object (temporary objects never count)."""
        path = self._path(key)
        if self._local:
            return os.path.isfile(path)
        try:
            self.fs.invalidate_cache(path)
            return bool(self.fs.isfile(path))
        except OSError as exc:
            raise StorageError(
                f"cannot check {key} in {self.base_url}: {_describe(exc)}", retryable=True
            ) from None

    def open(self, key: str) -> IO[bytes]:
        """A binary reader of ``key``; :class:`StorageError` when it is absent."""
        path = self._path(key)
        try:
            if self._local:
                return open(path, "rb")
            handle: IO[bytes] = self.fs.open(path, "rb", block_size=READ_BLOCK_SIZE)
            return handle
        except FileNotFoundError:
            raise StorageError(f"no object {key} in {self.base_url}") from None
        except OSError as exc:
            raise StorageError(
                f"cannot read {key} from {self.base_url}: {_describe(exc)}", retryable=True
            ) from None

    def delete(self, key: str) -> None:
        """Remove ``key`` if it exists."""
        path = self._path(key)
        try:
            if self._local:
                os.remove(path)
            else:
                self.fs.rm(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(
                f"cannot delete {key} from {self.base_url}: {_describe(exc)}", retryable=True
            ) from None
        finally:
            if not self._local:
                _quietly(lambda: self.fs.invalidate_cache(path))


def _quietly(action: Callable[[], object]) -> None:
    """Run a cleanup step after an earlier error; that error is the one to report."""
    with contextlib.suppress(Exception):
        action()


def _local_path_of(url: str) -> Path:
    parsed = urlparse(url)
    raw = unquote(parsed.path) if parsed.scheme.lower() in ("file", "local") else url
    return Path(raw).expanduser().resolve()
