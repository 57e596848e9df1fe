"""Keeping secrets (API keys) out of every message, repr, log record and file we write.

Providers wrap credentials in :class:`Secret` (its ``str`` and ``repr`` are masked) and the
value is registered process-wide, so :func:`redact` can scrub it from any text that crosses
videogate's boundary: error messages, log records (through
:class:`videogate.RedactingFilter`), journal rows and cache metadata.
"""

from __future__ import annotations

import threading
from typing import Final

__all__ = ["Secret", "redact", "register_secret"]

MASK: Final = "***"
_MIN_SECRET_LEN: Final = 6

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Remember ``value`` so that :func:`redact` masks it from now on.

    Values shorter than six characters are ignored: masking them would mangle ordinary text.
    """
    if len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    if not text or not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class Secret:
    """A credential whose ``str()`` and ``repr()`` never show it; ``reveal()`` does.

    Creating one registers the value with :func:`register_secret`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        """The secret value, for the one place that must send it (an HTTP header)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def has_secrets() -> bool:
    """Whether any secret has been registered (so redaction has work to do)."""
    return bool(_secrets)
