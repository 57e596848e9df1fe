"""Blocking network access while code that must do no I/O runs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["NetworkAttempt", "no_network"]


class NetworkAttempt(AssertionError):
    """Raised in place of a connection made while the network is blocked."""


@contextmanager
def no_network(what: str) -> Iterator[list[str]]:
    """Within the block any socket connect raises :class:`NetworkAttempt`; the yielded list
    records each attempt (so an attempt swallowed by the code under test is still seen)."""
    attempts: list[str] = []
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection)
    saved_getaddrinfo = socket.getaddrinfo

    def refuse(*args: Any, **kwargs: Any) -> Any:
        target = next((a for a in args if isinstance(a, tuple | str)), "?")
        attempts.append(repr(target))
        raise NetworkAttempt(f"{what} opened a network connection to {target!r}")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection = saved  # type: ignore[method-assign]
        socket.getaddrinfo = saved_getaddrinfo
