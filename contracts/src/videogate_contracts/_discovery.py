"""Finding an installed provider and its service double through videogate's plugins."""

from __future__ import annotations

from typing import Any

from videogate import Provider, UnknownProvider, load_registry
from videogate_contracts import hookspecs
from videogate_contracts._double import ServiceDouble

__all__ = ["NO_DOUBLE_REASON", "double_for", "provider_from_registry", "registry"]

NO_DOUBLE_REASON = (
    "provider {name!r} offers no service double (its plugin implements no "
    "contract_service_double hook), so only the tests needing no service ran"
)


def registry() -> Any:
    """videogate's registry, with the contract hook specifications added."""
    reg = load_registry()
    reg.manager.add_hookspecs(hookspecs)
    return reg


def double_for(name: str) -> ServiceDouble | None:
    """The service double the provider's plugin offers, or ``None``.

    :raises UnknownProvider: no installed provider has that name.
    """
    reg = registry()
    reg.get(name)
    factory = reg.manager.hook.contract_service_double(provider_name=name)
    if factory is None:
        return None
    double = factory()
    if not isinstance(double, ServiceDouble):
        raise TypeError(
            f"the contract_service_double hook for {name!r} returned {type(double).__name__}, "
            "which does not implement videogate_contracts.ServiceDouble"
        )
    return double


def provider_from_registry(name: str) -> Provider:
    """A provider built from its registered factory with no options."""
    spec = registry().get(name)
    try:
        provider = spec.load_factory()()
    except Exception as exc:
        raise UnknownProvider(
            f"provider {name!r} cannot be created without options: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(provider, Provider):
        raise TypeError(f"{name!r}: the factory returned {type(provider).__name__}, not a Provider")
    return provider
