"""Where a result's bytes land before they have a key: :func:`landing`.

An object's key depends on its content (its sha256 and container), which is only known once
every byte has arrived. When the storage is a local folder, the bytes land in a hidden
``.part`` file inside the job's folder of the store (named for its writer, so that
:mod:`~videogate._artifacts.leftovers` can clean it up after a crash), and storing them is a
rename (a move on one filesystem, atomic, no second pass over the bytes). Otherwise they land
in a temporary folder (``staging_dir`` or the system's) and are then uploaded with
``put_file``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from videogate._artifacts.leftovers import clean_local_parts, part_name, staging_prefix
from videogate._artifacts.storage import Storage, safe_key_part
from videogate._contract.errors import StorageError

__all__ = ["Landing", "landing"]


@attrs.frozen
class Landing:
    """A file path for one result's bytes.

    :ivar path: where to write them (nothing is there yet).
    :ivar in_store: whether ``path`` is inside the (local) store, so storing is a rename.
    """

    path: str
    in_store: bool

    def store(self, storage: Storage, source: str, key: str, sha256: str, size: int) -> None:
        """Put ``source`` (this landing's file or a staged one) under ``key``, unless an object
        is already there (a job finished twice). A file inside the store is made durable and
        renamed into place; any other file is uploaded and checked."""
        if storage.exists(key):
            return
        final = storage.local_path(key)
        if self.in_store and final is not None and source == self.path:
            _move(source, final)
            return
        stored = storage.put_file(source, key)
        if stored.sha256 != sha256 or stored.size_bytes != size:
            storage.delete(key)
            raise StorageError(
                f"{source} changed while it was being stored as {key}", retryable=True
            )


def _move(source: str, final: str) -> None:
    fd = os.open(source, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    os.replace(source, final)


@contextmanager
def landing(storage: Storage, job_id: str, staging_dir: str | None = None) -> Iterator[Landing]:
    """A :class:`Landing` for one job's result; whatever is left at its path is removed on
    exit (after a successful store nothing is: the file was renamed)."""
    folder_of_key = storage.local_path(f"{safe_key_part(job_id)}/landing")
    if folder_of_key is None:
        with tempfile.TemporaryDirectory(prefix=staging_prefix(), dir=staging_dir) as staging:
            yield Landing(os.path.join(staging, "source"), in_store=False)
        return
    # Plain strings, not pathlib: Python 3.11's pathlib interns every path part (job ids).
    folder = os.path.dirname(folder_of_key)
    os.makedirs(folder, exist_ok=True)
    # A resumed job lands where its crashed predecessor did: clear what that one left.
    clean_local_parts(folder)
    path = os.path.join(folder, part_name("download"))
    try:
        yield Landing(path, in_store=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # only succeeds when nothing was stored in it
