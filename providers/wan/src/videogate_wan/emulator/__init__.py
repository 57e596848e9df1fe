"""A loopback DashScope emulator for ``wan2.6-i2v-flash``: the real ``dashscope`` SDK runs
against it unmodified, so pipelines and tests run with no key and no cost.

::

    from videogate_wan.emulator import Emulator

    with Emulator(pending_seconds=0.5, running_seconds=1) as emu:
        os.environ["DASHSCOPE_HTTP_BASE_URL"] = emu.base_url
        emu.inject("throttle", endpoint="submit", seconds=2)   # next submit gets a 429
        ...
        emu.stats()["submissions"]

From a shell: ``videogate-wan-emulator`` prints its base URL, then serves until stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videogate_wan.emulator._faults import Fault

if TYPE_CHECKING:
    from videogate_wan.emulator._harness import running_emulator
    from videogate_wan.emulator._server import Emulator

__all__ = ["Emulator", "Fault", "running_emulator"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from videogate_wan.emulator._server import Emulator

        return Emulator
    if name == "running_emulator":
        from videogate_wan.emulator._harness import running_emulator

        return running_emulator
    raise AttributeError(f"module 'videogate_wan.emulator' has no attribute {name!r}")
