"""Logging that never shows a secret: :class:`RedactingFilter` on the ``videogate`` logger."""

from __future__ import annotations

import logging

from videogate._contract.secrets import has_secrets, redact

__all__ = ["RedactingFilter", "get_logger"]


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in messages and arguments.

    videogate installs it on its own ``videogate`` logger; add it to other handlers too if
    they may see provider SDK logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if has_secrets():
            record.msg = redact(record.getMessage())
            record.args = None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str = "videogate") -> logging.Logger:
    """A logger under ``videogate`` whose records are redacted."""
    root = logging.getLogger("videogate")
    if _FILTER not in root.filters:
        root.addFilter(_FILTER)
    logger = logging.getLogger(name)
    if logger is not root and _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
