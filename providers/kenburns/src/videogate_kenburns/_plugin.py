"""Entry point of the ``kenburns`` plugin: registers the provider without importing PyAV,
Pillow or numpy (they are imported when the first render starts)."""

from __future__ import annotations

from collections.abc import Callable

import videogate
from videogate import Pricing, ProviderSpec
from videogate_kenburns._capabilities import KENBURNS_CAPABILITIES, MODEL, NAMESPACE

__all__ = ["contract_service_double", "register_providers"]


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
            pricing=Pricing.free(
                source="renders locally; no service is called", as_of="2026-11-29"
            ),
        )
    )


@videogate.hookimpl(optionalhook=True)
def contract_service_double(provider_name: str) -> Callable[[], object] | None:
    """kenburns itself, rendering for real, as the contract suite's service double
    (videogate-contracts)."""
    if provider_name != "kenburns":
        return None
    from videogate_kenburns._contract_double import make_double

    return make_double
