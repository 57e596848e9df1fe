"""videogate-contracts: the contract suite every videogate provider must pass.

``from videogate_contracts import ProviderContract`` and subclass it in a test module; or run
it on any installed provider with ``pytest --videogate-provider NAME`` /
``videogate contract-test NAME``. See docs/contract-tests.md.
"""

from __future__ import annotations

import pytest

# Assertion rewriting for the suite modules, so failures show full messages. Must run before
# they are imported.
pytest.register_assert_rewrite(
    "videogate_contracts.suite",
    "videogate_contracts._cache_key_checks",
    "videogate_contracts._context",
    "videogate_contracts._faults",
    "videogate_contracts._machine",
    "videogate_contracts._normalization_checks",
    "videogate_contracts._prepare_checks",
    "videogate_contracts._profiles",
    "videogate_contracts._secret_checks",
    "videogate_contracts._service_checks",
    "videogate_contracts.reference",
)

from videogate_contracts._double import (  # noqa: E402
    POLL_FAULTS,
    STATUS_STEPS,
    SUBMIT_FAULTS,
    TRANSIENT_FAULTS,
    Expectation,
    Fault,
    ServiceDouble,
    expectation,
)
from videogate_contracts._netguard import NetworkAttempt, no_network  # noqa: E402
from videogate_contracts.suite import ProviderContract  # noqa: E402

__all__ = [
    "POLL_FAULTS",
    "STATUS_STEPS",
    "SUBMIT_FAULTS",
    "TRANSIENT_FAULTS",
    "Expectation",
    "Fault",
    "NetworkAttempt",
    "ProviderContract",
    "ServiceDouble",
    "expectation",
    "no_network",
]
