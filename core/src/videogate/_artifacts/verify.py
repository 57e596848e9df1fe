"""Checking that a stored video is still the one recorded, before it is served again."""

from __future__ import annotations

import hashlib
import os

from videogate._artifacts.storage import CHUNK_SIZE, Storage

__all__ = ["intact"]


def intact(storage: Storage, key: str, sha256: str | None) -> bool:
    """Whether the object ``key`` still has the recorded content.

    In a local folder the file is read and its sha256 compared (a few milliseconds per
    hundred megabytes); an empty file is never intact. Other storages are only checked for
    existence by the caller: reading a whole object back from a bucket would cost more than
    the lookup saves.
    """
    path = storage.local_path(key)
    if path is None or not sha256:
        return True
    digest = hashlib.sha256()
    try:
        if os.path.getsize(path) == 0:
            return False
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK_SIZE):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256
