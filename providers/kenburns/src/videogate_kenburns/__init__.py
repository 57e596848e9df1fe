"""videogate-kenburns: an offline image-to-video provider for videogate.

It animates the reference image with an eased, sub-pixel pan and zoom (a title card made from
the prompt when there is no image) and encodes H.264 MP4 locally with PyAV: no key, no
network, no cost, and the same request always gives the same frames. It is videogate's
default provider and the reference a provider author can copy.

The plugin registers through the ``videogate`` entry point (``videogate_kenburns._plugin``);
the names below are imported on first use so discovery stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videogate_kenburns._capabilities import KENBURNS_CAPABILITIES, MODEL, NAMESPACE
    from videogate_kenburns._provider import KenBurnsProvider
    from videogate_kenburns._spec import RenderSpec

__all__ = ["KENBURNS_CAPABILITIES", "MODEL", "NAMESPACE", "KenBurnsProvider", "RenderSpec"]

_LAZY = {
    "KENBURNS_CAPABILITIES": "videogate_kenburns._capabilities",
    "MODEL": "videogate_kenburns._capabilities",
    "NAMESPACE": "videogate_kenburns._capabilities",
    "KenBurnsProvider": "videogate_kenburns._provider",
    "RenderSpec": "videogate_kenburns._spec",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'videogate_kenburns' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
