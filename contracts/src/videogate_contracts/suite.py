"""``ProviderContract``: the contract every videogate provider must pass.

Subclass it in a test module (the name must start with ``Test`` to be collected)::

    class TestMyContract(ProviderContract):
        provider_name = "myprovider"      # found through its entry point and hooks

or override :meth:`ProviderContract.make_double` to hand the suite a service double directly.
Every test's docstring says what it checks and how to fix a failure. Overriding a test
without ``@pytest.mark.xfail(reason=...)`` fails ``test_no_overrides_DO_NOT_OVERRIDE``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from videogate import Provider
from videogate_contracts._cache_key_checks import CacheKeyChecks
from videogate_contracts._cancel_checks import CancelChecks
from videogate_contracts._context import ContractContext
from videogate_contracts._double import ServiceDouble
from videogate_contracts._guard import weakened_tests
from videogate_contracts._listing_checks import ListingChecks
from videogate_contracts._normalization_checks import NormalizationChecks
from videogate_contracts._prepare_checks import PrepareChecks
from videogate_contracts._requests import simple_request
from videogate_contracts._roundtrip_checks import RoundTripChecks
from videogate_contracts._secret_checks import SecretChecks
from videogate_contracts._service_checks import ServiceChecks

__all__ = ["ProviderContract"]


# Listed last-first: pytest runs inherited tests in reverse MRO order, so the capability
# checks run first and the engine and the guard last.
class ProviderContract(
    SecretChecks,
    CacheKeyChecks,
    CancelChecks,
    RoundTripChecks,
    ServiceChecks,
    NormalizationChecks,
    PrepareChecks,
    ListingChecks,
):
    """Base class of a provider's contract tests (not collected itself: no ``Test`` prefix).

    Supply the provider in one of two ways:

    - set :attr:`provider_name` to the provider's entry-point name: the provider is created
      from its registered factory, and its service double comes from the
      ``contract_service_double`` hook of its plugin;
    - or override :meth:`make_double` to return a
      :class:`~videogate_contracts.ServiceDouble` (its ``make_provider()`` builds the
      provider).
    """

    #: Entry-point name of the provider under test (the default :meth:`make_double` uses it).
    provider_name: ClassVar[str | None] = None
    #: Example values of provider options (``{"audio": [True, False]}``), added to (and
    #: replacing, per option) those the capabilities declare in ``option_values``; options
    #: with fewer than two distinct values are not checked by the mapping properties.
    option_values: ClassVar[Mapping[str, Sequence[Any]]] = {}
    #: Polls within which a cancelled task must report ``CANCELLED`` (asynchronous cancel).
    cancel_polls: ClassVar[int] = 5
    #: Seconds ``poll`` and ``cancel`` may take against an idle double.
    call_budget: ClassVar[float] = 1.0
    #: Seconds one task may take on the double before the suite gives up.
    task_deadline: ClassVar[float] = 120.0

    # -- what a subclass supplies -------------------------------------------------------------

    def make_double(self) -> ServiceDouble | None:
        """The service double of the provider under test, or ``None`` when it has none.

        The default looks :attr:`provider_name` up through videogate's plugins; override it
        to build a double directly.
        """
        if self.provider_name is None:
            raise NotImplementedError(
                "ProviderContract subclasses must set provider_name or override make_double()"
            )
        from videogate_contracts._discovery import double_for

        return double_for(self.provider_name)

    def make_provider_without_double(self) -> Provider:
        """The provider when there is no double (only tests needing no service run)."""
        if self.provider_name is None:
            raise NotImplementedError(
                "make_double() returned None: set provider_name or override "
                "make_provider_without_double()"
            )
        from videogate_contracts._discovery import provider_from_registry

        return provider_from_registry(self.provider_name)

    # -- fixtures -----------------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def contract(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractContext]:
        """The provider, its double and helpers, shared by the tests of one class."""
        self = cls()
        workdir = tmp_path_factory.mktemp("contract")
        double = self.make_double()
        reason = ""
        if double is None:
            from videogate_contracts._discovery import NO_DOUBLE_REASON

            reason = NO_DOUBLE_REASON.format(name=self.provider_name or type(self).__name__)
            provider = self.make_provider_without_double()
        else:
            double.reset()
            provider = double.make_provider()
        ctx = ContractContext(
            provider,
            double,
            Path(workdir),
            no_double_reason=reason,
            option_values={
                **{k: list(v) for k, v in provider.capabilities.option_values},
                **{k: list(v) for k, v in self.option_values.items()},
            },
            task_deadline=self.task_deadline,
        )
        try:
            yield ctx
        finally:
            try:
                provider.close()
            finally:
                if double is not None:
                    double.close()

    @pytest.fixture
    def fresh(self, contract: ContractContext) -> ContractContext:
        """The context with the double reset (no scripts, faults or counts)."""
        if contract.double is not None:
            contract.double.reset()
        return contract

    # -- the engine ----------------------------------------------------------------------------

    def test_engine_state_machine(self, fresh: ContractContext) -> None:
        """The engine, driving this provider against its double through arbitrary sequences
        of statuses and transient faults, always terminates, never submits twice for one
        job, and ends in the state the sequence implies (see docs/contract-tests.md).

        Fix: usually a mis-mapped status or error in ``poll``, or a ``retryable`` flag.
        """
        from videogate_contracts._machine import run_engine_machine

        run_engine_machine(fresh, simple_request)

    # -- the guard ----------------------------------------------------------------------------

    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """Contract tests are neither deleted nor overridden without
        ``@pytest.mark.xfail(reason=...)`` explaining why the provider cannot pass them."""
        problems = weakened_tests(type(self), ProviderContract)
        assert not problems, (
            "contract tests must not be weakened: "
            + "; ".join(problems)
            + ". Note: reason is required to explain why the contract test is expected to fail."
        )
