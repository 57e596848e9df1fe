"""Entry point of the ``kenburns`` plugin: registers the provider without importing PyAV,
Pillow or numpy (they are imported when the first render starts)."""

from __future__ import annotations

from collections.abc import Callable

import videogate
from videogate import ProviderSpec
from videogate_kenburns._capabilities import KENBURNS_CAPABILITIES, MODEL, NAMESPACE

__all__ = ["register_providers"]


@videogate.hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register ``kenburns``: an offline pan-and-zoom over the reference image."""
    register(
        ProviderSpec(
            name="kenburns",
            factory="videogate_kenburns._provider:KenBurnsProvider",
            capabilities=KENBURNS_CAPABILITIES,
            model=MODEL,
            namespace=NAMESPACE,
            description=(
                "offline pan-and-zoom over the reference image (a title card without one), "
                "rendered locally with PyAV; no key, no cost"
            ),
            needs_key=False,
        )
    )
