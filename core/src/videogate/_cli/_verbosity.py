"""Where the CLI's log lines go: stderr, secrets masked, at the level ``-v``/``-vv``/``-q`` or
``$VIDEOGATE_LOG`` ask for."""

from __future__ import annotations

import logging
import os
import sys
import time

__all__ = ["LOG_ENV", "configure_logging", "level_for"]

LOG_ENV = "VIDEOGATE_LOG"
_NAMES = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "2": logging.DEBUG,
    "1": logging.INFO,
    "0": logging.WARNING,
}


def level_for(verbose: int, quiet: bool, env: str | None) -> int:
    """The log level: ``-v`` info, ``-vv`` debug, else ``$VIDEOGATE_LOG``, else warning
    (error with ``-q``)."""
    if verbose >= 2:
        return logging.DEBUG
    if verbose == 1:
        return logging.INFO
    if env and env.strip().lower() in _NAMES:
        return _NAMES[env.strip().lower()]
    return logging.ERROR if quiet else logging.WARNING


class _Elapsed(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("videogate: [%(elapsed)7.2fs] %(levelname)s %(message)s")
        self._start = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        record.elapsed = time.monotonic() - self._start
        return super().format(record)


def configure_logging(verbose: int = 0, quiet: bool = False) -> int:
    """Send the ``videogate`` loggers to stderr at the chosen level; returns the level."""
    from videogate._logging import RedactingFilter

    level = level_for(verbose, quiet, os.environ.get(LOG_ENV))
    logger = logging.getLogger("videogate")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Elapsed())
    handler.addFilter(RedactingFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return level
