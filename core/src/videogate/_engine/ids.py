"""Job ids: short, unique and sortable by creation time.

Ten characters of millisecond timestamp and six random ones, in lowercase Crockford base32
(``01jq3z7k2m-x4f9ab`` without the dash): ids made later sort later, two processes never
collide in practice, and an id says nothing about the request.
"""

from __future__ import annotations

import secrets
import time

__all__ = ["new_job_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_job_id(now: float | None = None) -> str:
    """A fresh job id; ``now`` (epoch seconds) is the creation time, default the clock."""
    millis = int((time.time() if now is None else now) * 1000)
    return _encode(millis, 10) + _encode(secrets.randbits(30), 6)
