"""Whether a process of this machine has gone: how a claim or a temporary file left by a
crashed process is recognised at once, without waiting for its lease or its age limit."""

from __future__ import annotations

import os

__all__ = ["process_gone"]


def process_gone(pid: int) -> bool:
    """Whether ``pid`` (of this machine) no longer runs: no such process, or a zombie that
    only waits to be reaped. This process is never gone; a process we may not signal is
    taken as running."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and only waits to be reaped (Linux; else ``False``)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[-1].split()
    except OSError:
        return False
    return bool(fields) and fields[0] == "Z"
