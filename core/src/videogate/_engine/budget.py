"""Cost before paying: a run's estimate from the provider's pricing, and the budget check that
refuses a run (before anything is sent) when the estimate would exceed a cap."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from videogate._contract.errors import BudgetExceeded
from videogate._contract.pricing import CostEstimate, Pricing
from videogate._contract.provider import Provider
from videogate._contract.request import VideoRequest
from videogate._engine.resources import Resources
from videogate._state.journal import JobState

if TYPE_CHECKING:
    from videogate._engine.services import RunServices

__all__ = ["DAY", "check_budget", "estimate_for", "pricing_of"]

#: The window of the daily caps, in seconds (rolling).
DAY = 24 * 3600.0


def pricing_of(resources: Resources, name: str, provider: Provider) -> Pricing | None:
    """The pricing of the configured provider ``name``: the instance's, else its spec's."""
    if provider.pricing is not None:
        return provider.pricing
    entry = resources.config.provider_entry(name)
    spec = resources.registry.providers.get(entry.plugin)
    return None if spec is None else spec.pricing


def estimate_for(
    resources: Resources, name: str, plugin: str, provider: Provider, request: VideoRequest
) -> CostEstimate:
    """What running ``request`` (as it will be sent) on ``provider`` would cost."""
    pricing = pricing_of(resources, name, provider)
    if pricing is None:
        return CostEstimate.unknown(name, provider.model, request.duration)
    return pricing.estimate(request, namespace=plugin, provider=name, model=provider.model)


def _refuse(message: str, estimate: CostEstimate, limit: float | None) -> BudgetExceeded:
    return BudgetExceeded(
        f"{message}; nothing was sent (estimate: {estimate.basis})",
        provider=estimate.provider,
        field="budget",
        estimate=estimate.to_dict(),
        limit=limit,
    )


async def _spent(runner: RunServices, currency: str | None, provider: str | None) -> float:
    """Estimated spend of the last 24 hours in ``currency``: journaled jobs whose task was
    (or may have been) created, plus this engine's runs not journaled yet."""
    journal = runner.resources.journal
    spend = getattr(journal, "spend", None)
    total = 0.0
    if spend is not None:
        rows = await runner.in_db(spend, time.time() - DAY, provider=provider)
        total += sum(r["amount"] for r in rows if r["currency"] == currency)
    for run in runner.runs.values():
        record = run.record
        if run.done or record.state is not JobState.PENDING or not record.estimate:
            continue
        if provider is not None and record.provider != provider:
            continue
        if record.estimate.get("currency") == currency:
            total += float(record.estimate.get("amount") or 0.0)
    return total


async def check_budget(runner: RunServices, estimate: CostEstimate, max_cost: float | None) -> None:
    """Refuse ``estimate`` when it would exceed ``max_cost`` (else ``[budget] per_run``), the
    daily cap, or the provider's daily cap.

    :raises BudgetExceeded: over a cap, priced in another currency than the budget's, or of
        unknown price while a budget applies.
    """
    budget = runner.config.budget
    per_run = max_cost if max_cost is not None else budget.per_run
    per_provider = budget.per_provider_day.get(estimate.provider)
    if per_run is None and budget.per_day is None and per_provider is None:
        return
    if estimate.amount is None:
        raise _refuse(
            f"the cost of a job on {estimate.provider!r} is unknown and a budget applies",
            estimate,
            per_run,
        )
    if estimate.amount == 0:
        return
    if budget.currency is not None and estimate.currency != budget.currency:
        raise _refuse(
            f"{estimate.provider!r} charges in {estimate.currency}, the budget is in "
            f"{budget.currency}",
            estimate,
            per_run,
        )
    currency = estimate.currency
    amount = estimate.amount
    if per_run is not None and amount > per_run + 1e-9:
        raise _refuse(
            f"estimated cost {amount:g} {currency} exceeds the per-run budget of "
            f"{per_run:g} {currency}",
            estimate,
            per_run,
        )
    for cap, provider, label in (
        (budget.per_day, None, "daily budget"),
        (per_provider, estimate.provider, f"daily budget of {estimate.provider!r}"),
    ):
        if cap is None:
            continue
        spent = await _spent(runner, currency, provider)
        if spent + amount > cap + 1e-9:
            raise _refuse(
                f"estimated cost {amount:g} {currency} on top of {spent:g} {currency} spent in "
                f"the last 24 hours exceeds the {label} of {cap:g} {currency}",
                estimate,
                cap,
            )
