"""Fail before paying: what can be checked before a paid submit is checked before it.

The storage URL's protocol must be installed and the destination writable (for object
stores, credentials must be found), and the job's record must encode; the journal itself is
opened by the claim that precedes every submit. Leftovers of interrupted stores (``.part``
files of dead processes, or older than a day) are removed on the way.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from videogate._artifacts.preflight import check_writable
from videogate._contract.errors import InvalidRequest
from videogate._state.journal import JobRecord

__all__ = ["check_record", "check_storage"]

logger = logging.getLogger("videogate.engine")


def check_record(record: JobRecord) -> None:
    """The journal row of a job encodes as JSON text.

    :raises InvalidRequest: a value that cannot be written (not valid Unicode).
    """
    try:
        json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeError) as exc:
        raise InvalidRequest(
            f"the request cannot be recorded: {type(exc).__name__}: {exc}", field="request"
        ) from None


def check_storage(resources: Any, namespace: str) -> None:
    """The storage of ``namespace`` opens and accepts writes (see
    :func:`videogate._artifacts.preflight.check_writable`).

    :raises ConfigError: the protocol is not installed, or an object store has no
        credentials.
    :raises StorageError: the destination is not writable.
    """
    storage = resources.storage(namespace)
    check_writable(storage)
