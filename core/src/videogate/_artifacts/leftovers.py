"""Leftovers of interrupted stores: ``.part`` files and staging folders, and their cleanup.

Temporary names carry their writer (``pid@host``), so a later run on the same machine can
remove those of dead processes at once; anything older than :data:`MAX_AGE` is removed
whoever wrote it (a writer on another machine, or one whose name does not say).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path

from videogate._processes import process_gone

__all__ = [
    "MAX_AGE",
    "clean_local_parts",
    "clean_staging",
    "part_name",
    "staging_prefix",
    "writer_tag",
]

#: Seconds after which any leftover is removed, whoever wrote it.
MAX_AGE = 24 * 3600.0

_TAG = re.compile(r"(\d+)@([A-Za-z0-9_-]+)")
_PART = re.compile(r"^\..+\.part$")
_STAGING = re.compile(r"^videogate-(\d+)@([A-Za-z0-9_-]+)-")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"


def writer_tag() -> str:
    """``pid@host`` of this process."""
    return f"{os.getpid()}@{_host()}"


def part_name(name: str) -> str:
    """The temporary name an object ``name`` is written under before it is moved in place."""
    return f".{name}.{uuid.uuid4().hex[:12]}.{writer_tag()}.part"


def staging_prefix() -> str:
    """The prefix of this process's staging folders."""
    return f"videogate-{writer_tag()}-"


def _dead_writer(pid_text: str, host: str) -> bool:
    return host == _host() and process_gone(int(pid_text))


def _stale(name: str, path: Path, pattern: re.Pattern[str], now: float, max_age: float) -> bool:
    match = pattern.search(name)
    if match is not None and _dead_writer(match.group(1), match.group(2)):
        return True
    try:
        return now - path.lstat().st_mtime > max_age
    except OSError:
        return False


def clean_local_parts(root: str | os.PathLike[str], *, max_age: float = MAX_AGE) -> int:
    """Remove stale ``.part`` files under the folder ``root``; returns how many."""
    removed = 0
    now = time.time()
    base = Path(root)
    if not base.is_dir():
        return 0
    for folder, _, files in os.walk(base):
        for name in files:
            if not _PART.match(name):
                continue
            path = Path(folder) / name
            if _stale(name, path, _TAG, now, max_age):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
    return removed


def clean_staging(folder: str | None = None, *, max_age: float = MAX_AGE) -> int:
    """Remove stale staging folders of videogate in ``folder`` (default: the system's
    temporary folder); returns how many."""
    base = Path(folder or tempfile.gettempdir())
    removed = 0
    now = time.time()
    try:
        entries = list(base.iterdir())
    except OSError:
        return 0
    for path in entries:
        name = path.name
        if not _STAGING.match(name) or not path.is_dir():
            continue
        if _stale(name, path, _STAGING, now, max_age):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
