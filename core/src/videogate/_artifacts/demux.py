"""Reading a container's packets and frames with PyAV without leaking C memory.

PyAV's ``container.demux()`` frees its read buffer only when its generator runs to the end
or is closed explicitly; one dropped unfinished (``next(container.decode(stream))``, a
``break``) leaks that buffer, about 150 bytes of C memory each time. Every early stop here
closes it: a probe per job would otherwise grow a long-running engine without bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["frames", "packets"]


def packets(container: Any, *streams: Any) -> Iterator[Any]:
    """``container.demux(*streams)``, closed however the caller stops reading."""
    demuxing = container.demux(*streams)
    try:
        yield from demuxing
    finally:
        demuxing.close()


def frames(container: Any, stream: Any) -> Iterator[Any]:
    """The decoded frames of ``stream`` (``container.decode(stream)``), closed the same way."""
    for packet in packets(container, stream):
        yield from packet.decode()
