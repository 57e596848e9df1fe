"""Checking a storage before anything is paid for: it opens, it has credentials, it accepts
a write; and cleaning what interrupted stores left in it."""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any

from videogate._artifacts.leftovers import clean_local_parts, clean_staging
from videogate._artifacts.storage import Storage
from videogate._contract.errors import ConfigError, StorageError, VideogateError

__all__ = ["check_writable"]


def check_writable(storage: Storage) -> None:
    """Check that ``storage`` takes writes: a local folder is created and a probe file written
    and removed in it (stale ``.part`` files and staging folders are removed too); an
    object store must have credentials (S3: the options, the environment or the AWS
    config), then a probe object is written and removed.

    :raises ConfigError: an object store without credentials.
    :raises StorageError: the destination refuses writes.
    """
    from videogate._artifacts.fsspec_storage import FsspecStorage

    clean_staging()
    if isinstance(storage, FsspecStorage):
        _check_fsspec(storage)
        return
    key = f"videogate-check/probe-{uuid.uuid4().hex}.tmp"
    try:
        storage.put_stream(iter([b""]), key)
    except VideogateError:
        raise
    except Exception as exc:
        raise StorageError(
            f"storage {storage.base_url} refuses writes: {type(exc).__name__}: {exc}"
        ) from None
    with contextlib.suppress(Exception):
        storage.delete(key)


def _check_fsspec(storage: Any) -> None:
    root = storage.root
    if storage.local_path("x") is not None:
        _check_folder(root, storage.base_url)
        return
    fs = storage.fs
    protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
    if protocols & {"s3", "s3a"}:
        _check_s3_credentials(fs, storage.base_url)
    probe = f"{root}/.videogate-check-{uuid.uuid4().hex}" if root else ".videogate-check"
    try:
        fs.pipe_file(probe, b"")
        with contextlib.suppress(Exception):
            fs.rm_file(probe)
    except Exception as exc:
        if "credential" in type(exc).__name__.lower():
            raise ConfigError(
                f"storage.url: no credentials for {storage.base_url} ({type(exc).__name__})",
                field="storage.url",
            ) from None
        raise StorageError(
            f"storage {storage.base_url} is not writable: {type(exc).__name__}: {exc}"
        ) from None


def _check_folder(root: str, url: str) -> None:
    """A local store: the folder is made, a probe file written and removed in it, and what
    interrupted stores left there is cleaned (plain OS calls: no fsspec)."""
    probe = os.path.join(root, f".videogate-check-{uuid.uuid4().hex}")
    try:
        os.makedirs(root, exist_ok=True)
        with open(probe, "wb"):
            pass
        with contextlib.suppress(OSError):
            os.remove(probe)
    except OSError as exc:
        raise StorageError(f"storage {url} is not writable: {type(exc).__name__}: {exc}") from None
    clean_local_parts(root)


def _check_s3_credentials(fs: Any, url: str) -> None:
    """S3 needs credentials unless anonymous: given as options, or found by botocore."""
    if getattr(fs, "anon", False) or getattr(fs, "key", None):
        return
    try:
        import botocore.session  # type: ignore[import-untyped]

        found = botocore.session.Session().get_credentials()
    except Exception as exc:
        raise ConfigError(
            f"storage.url: cannot look up credentials for {url}: {type(exc).__name__}: {exc}",
            field="storage.url",
        ) from None
    if found is None:
        raise ConfigError(
            f"storage.url: no credentials found for {url}: set storage options key/secret, "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile (or anon = true)",
            field="storage.url",
        )
