"""Hook specifications added by videogate-contracts to videogate's plugin manager.

A provider plugin implements them in its light ``_plugin`` module, marked
``@videogate.hookimpl(optionalhook=True)`` so that the plugin stays valid where
videogate-contracts is not installed. Import the double lazily inside the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from videogate import hookspec

if TYPE_CHECKING:
    from videogate_contracts._double import ServiceDouble

__all__ = ["contract_service_double"]


@hookspec(firstresult=True)
def contract_service_double(provider_name: str) -> Callable[[], ServiceDouble] | None:
    """Offer a service double for the contract suite.

    Called by the contract suite (``pytest --videogate-provider NAME`` and
    ``videogate contract-test NAME``) once per run, with the provider name under test.
    Stops at the first non-``None`` result.

    :param provider_name: the provider (entry-point) name being tested.
    :returns: a zero-argument factory returning a
        :class:`~videogate_contracts.ServiceDouble`, or ``None`` when this plugin has no
        double for that provider.
    """
