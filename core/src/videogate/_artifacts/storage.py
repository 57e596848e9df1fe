"""Where finished videos live: the :class:`Storage` interface and its fsspec implementation.

A storage is addressed by a URL (a local folder, ``file://``, ``s3://bucket/prefix``,
``memory://name``, or any protocol whose fsspec package is installed) and holds objects under
*keys*: relative, ``/``-separated names that videogate derives from job ids and content hashes,
never from prompt text.

Writes are streamed in fixed-size chunks (memory does not grow with the video) and atomic: an
object is either absent or complete under its final key, never half-written.

- local folders: the data goes to a hidden temporary file in the destination folder, which is
  renamed over the final name once complete (``os.replace`` is atomic on one filesystem);
- S3 (``s3://``): a multipart upload that is completed only once every part is sent (S3
  shows nothing under the key before that), and aborted on failure;
- any other protocol: the data goes to a hidden temporary key beside the final one, which is
  moved to the final key once complete, and removed on failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import quote, unquote, urlparse

import attrs

from videogate._contract.errors import ConfigError, StorageError, VideogateError

if TYPE_CHECKING:
    import pluggy

    from videogate._plugins.config import Config

__all__ = ["FsspecStorage", "Storage", "StoredObject", "open_storage"]

CHUNK_SIZE = 1 << 20
"""Bytes read or written at a time when streaming."""
UPLOAD_BLOCK_SIZE = 8 << 20
"""Buffer of remote writers (one S3 multipart part; S3's minimum part is 5 MiB)."""
READ_BLOCK_SIZE = 4 << 20
"""Read-ahead of remote readers (fsspec's default, 50 MiB, is too much per open object)."""

_KEY_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=+-]*$")
_NATIVE_COMMIT_PROTOCOLS = frozenset({"s3", "s3a"})
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
        from fsspec.core import url_to_fs
        from fsspec.implementations.local import LocalFileSystem

        options = dict(options or {})
        self._public_url = public_url
        if public_url is not None:
            format_template(public_url, {"key": "", "url": ""}, setting="storage.public_url")
        if _is_local(url):
            path = _local_path_of(url)
            self.fs: Any = LocalFileSystem(auto_mkdir=True)
            self.root = str(path)
            self.base_url = path.as_uri()
            self._local = True
        else:
            try:
                self.fs, root = url_to_fs(url, **options)
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
        temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
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
        temp = f"{parent}/.{name}.{uuid.uuid4().hex}.part" if parent else f".{name}.part"
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
            self.fs.rm(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(
                f"cannot delete {key} from {self.base_url}: {_describe(exc)}", retryable=True
            ) from None
        finally:
            _quietly(lambda: self.fs.invalidate_cache(path))


def _quietly(action: Callable[[], object]) -> None:
    """Run a cleanup step after an earlier error; that error is the one to report."""
    with contextlib.suppress(Exception):
        action()


def _is_local(url: str) -> bool:
    scheme = urlparse(url).scheme.lower()
    return scheme in ("", "file", "local") or (len(scheme) == 1 and os.name == "nt")


def _local_path_of(url: str) -> Path:
    parsed = urlparse(url)
    raw = unquote(parsed.path) if parsed.scheme.lower() in ("file", "local") else url
    return Path(raw).expanduser().resolve()


StorageFactory = Callable[..., Storage]


def _fsspec_knows(scheme: str) -> bool:
    from fsspec.registry import known_implementations, registry

    return scheme in registry or scheme in known_implementations


def storage_factories(manager: pluggy.PluginManager | None) -> dict[str, StorageFactory]:
    """Storage backends registered through the ``register_storage`` hook, by URL scheme."""
    if manager is None:
        return {}
    found: dict[str, StorageFactory] = {}

    def register(scheme: str, factory: StorageFactory) -> None:
        found[scheme.lower()] = factory

    manager.hook.register_storage(register=register)
    return found


def open_storage(
    config: Config, namespace: str, *, manager: pluggy.PluginManager | None = None
) -> Storage:
    """The storage for a provider's ``namespace``.

    The URL is ``[storage] url`` (where ``{namespace}`` is replaced), by default the local
    folder ``<output_dir>/<namespace>/videos``. A scheme registered through the
    ``register_storage`` hook of ``manager``'s plugins wins over fsspec's.

    :raises ConfigError: unknown protocol, missing package, bad template.
    """
    settings = config.storage
    namespace = safe_key_part(namespace)
    values = {"namespace": namespace}
    if settings.url:
        url = format_template(settings.url, values, setting="storage.url")
    else:
        url = str(config.output_path / namespace / "videos")
    public_url = settings.public_url
    if public_url is not None:
        public_url = format_template(
            public_url, {**values, "key": "{key}", "url": "{url}"}, setting="storage.public_url"
        )
    scheme = "" if _is_local(url) else urlparse(url).scheme.lower()
    if scheme and manager is None and not _fsspec_knows(scheme):
        from videogate._plugins.registry import load_registry

        manager = load_registry().manager
    factory = storage_factories(manager).get(scheme) if scheme else None
    if factory is not None:
        storage = factory(url, public_url=public_url, **settings.options)
        if not isinstance(storage, Storage):
            raise ConfigError(
                f"storage.url: the backend registered for {scheme}:// returned "
                f"{type(storage).__name__}, which does not implement Storage",
                field="storage.url",
            )
        return storage
    return FsspecStorage(url, public_url=public_url, options=settings.options)
