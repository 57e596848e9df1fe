"""Entry point of the ``wan`` plugin: registers the provider without importing the SDK."""

from __future__ import annotations

from collections.abc import Callable

import videogate
from videogate import ProviderSpec
from videogate_wan._capabilities import MODEL, NAMESPACE, WAN_CAPABILITIES
from videogate_wan._pricing import pricing_for

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
            key_status="videogate_wan._key_status:key_status",
            pricing=pricing_for("beijing"),
        )
    )


@videogate.hookimpl(optionalhook=True)
def contract_service_double(provider_name: str) -> Callable[[], object] | None:
    """The DashScope emulator as the contract suite's service double (videogate-contracts)."""
    if provider_name != "wan":
        return None
    from videogate_wan._contract_double import make_double

    return make_double
