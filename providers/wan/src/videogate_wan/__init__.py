"""videogate-wan: the ``wan`` provider (Alibaba Cloud Model Studio ``wan2.6-i2v-flash`` through
the official DashScope SDK) and a loopback DashScope emulator (:mod:`videogate_wan.emulator`).

Importing this package is light; the SDK is imported when the provider first talks to
DashScope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videogate_wan._capabilities import MODEL, NAMESPACE, WAN_CAPABILITIES

if TYPE_CHECKING:
    from videogate_wan._provider import WanProvider

__all__ = ["MODEL", "NAMESPACE", "WAN_CAPABILITIES", "WanProvider"]


def __getattr__(name: str) -> Any:
    if name == "WanProvider":
        from videogate_wan._provider import WanProvider

        return WanProvider
    raise AttributeError(f"module 'videogate_wan' has no attribute {name!r}")
