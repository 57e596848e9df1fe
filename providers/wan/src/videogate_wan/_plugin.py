"""Entry point of the ``wan`` plugin: registers the provider without importing the SDK."""

from __future__ import annotations

from collections.abc import Callable

import videogate
from videogate import ProviderSpec
from videogate_wan._capabilities import MODEL, NAMESPACE, WAN_CAPABILITIES

__all__ = ["register_providers"]


@videogate.hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register ``wan``: Alibaba Cloud Model Studio ``wan2.6-i2v-flash`` through DashScope."""
    register(
        ProviderSpec(
            name="wan",
            factory="videogate_wan._provider:WanProvider",
            capabilities=WAN_CAPABILITIES,
            model=MODEL,
            namespace=NAMESPACE,
            description="Alibaba Cloud Model Studio wan2.6-i2v-flash image-to-video (DashScope)",
            needs_key=True,
        )
    )
