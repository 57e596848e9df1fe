"""When to ask a provider again: poll sparsely early, densely around the expected finish.

:class:`LatencyModel` learns, per provider/model/duration, an exponentially weighted mean of
how long tasks take and of how far single tasks stray from it. :class:`PollPolicy` turns that
into the next interval: a few sparse checks before the expected window (to notice early
failures), steps of at most ``dense_max`` inside it, then slowly growing steps for tasks that
overrun. Without any history it falls back to a doubling schedule like the DashScope SDK's.
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs

__all__ = ["Estimate", "LatencyModel", "PollPolicy"]


@attrs.frozen
class Estimate:
    """Expected task time in seconds, and the typical deviation from it."""

    mean: float
    deviation: float
    samples: int = 0


@attrs.frozen(kw_only=True)
class PollPolicy:
    """Poll pacing constants, in seconds (scale them together with :meth:`scaled`).

    :ivar min_interval: never poll one task more often than this.
    :ivar max_interval: never leave one task unpolled longer than this.
    :ivar dense_max: largest step near the expected finish: bounds the detection delay.
    :ivar window: half-width of the dense window, in deviations.
    :ivar min_spread: smallest deviation assumed, relative to the mean.
    :ivar sparse_checks: checks before the window, at 1/2**k of its start.
    :ivar dense_steps: polls across the whole window, at most.
    """

    min_interval: float = 0.5
    max_interval: float = 30.0
    dense_max: float = 3.0
    window: float = 2.5
    min_spread: float = 0.05
    sparse_checks: int = 2
    dense_steps: int = 8

    def scaled(self, factor: float) -> PollPolicy:
        """The same policy on a clock running ``1/factor`` times faster (simulations)."""
        return attrs.evolve(
            self,
            min_interval=self.min_interval * factor,
            max_interval=self.max_interval * factor,
            dense_max=self.dense_max * factor,
        )

    def fallback(self, elapsed: float, polls: int) -> float:
        """The interval with no estimate: doubling every third poll, growing with age."""
        step = self.min_interval * 2.0 ** (polls // 3)
        cap = min(self.max_interval, max(self.dense_max, 0.1 * elapsed))
        return max(self.min_interval, min(step, cap))

    def next_interval(self, elapsed: float, polls: int, estimate: Estimate | None) -> float:
        """Seconds from now to the next poll of a task submitted ``elapsed`` seconds ago;
        always within ``min_interval..max_interval``."""
        interval = self._unbounded_interval(elapsed, polls, estimate)
        return max(self.min_interval, min(self.max_interval, interval))

    def _unbounded_interval(self, elapsed: float, polls: int, estimate: Estimate | None) -> float:
        if estimate is None or estimate.mean <= 0:
            return self.fallback(elapsed, polls)
        mean = estimate.mean
        spread = max(estimate.deviation, self.min_spread * mean)
        start = max(0.0, mean - self.window * spread)
        end = mean + self.window * spread
        step = min(max((end - start) / self.dense_steps, self.min_interval), self.dense_max)
        if elapsed < start - self.min_interval:
            checks = [start / 2.0**k for k in range(self.sparse_checks, -1, -1)]
            target = next(t for t in checks if t > elapsed + self.min_interval / 2)
            return max(self.min_interval, target - elapsed)
        if elapsed <= end:
            return step
        # Overrunning: back off gently, so a stuck task is not hammered.
        overrun = (elapsed - end) / max(step, 1e-9)
        growth: float = 1.2 ** min(overrun / 4, 64.0)  # 1.2**64 > any max_interval / step
        return max(self.min_interval, min(self.max_interval, step * growth))

    def eta(self, elapsed: float, estimate: Estimate | None) -> float | None:
        """Estimated seconds until the task ends, when there is an estimate."""
        if estimate is None:
            return None
        return max(0.0, estimate.mean - elapsed)


class LatencyModel:
    """Exponentially weighted task times, by key (provider, model, duration)."""

    def __init__(self, alpha: float = 0.3) -> None:
        self.alpha = alpha
        self._estimates: dict[Hashable, Estimate] = {}
        self._priors: dict[Hashable, Estimate] = {}

    def set_prior(self, key: Hashable, typical: float) -> None:
        """A starting guess (a provider's declared typical latency) used until data comes."""
        self._priors[key] = Estimate(typical, typical / 2, 0)

    def estimate(self, key: Hashable, prior_key: Hashable | None = None) -> Estimate | None:
        """What is known for ``key`` (else the prior under ``prior_key``), or ``None``."""
        found = self._estimates.get(key)
        if found is None and prior_key is not None:
            found = self._priors.get(prior_key)
        return found

    def observe(self, key: Hashable, seconds: float) -> None:
        """Learn from one finished task that took ``seconds``."""
        if seconds <= 0:
            return
        old = self._estimates.get(key)
        if old is None:
            self._estimates[key] = Estimate(seconds, 0.0, 1)
            return
        error = seconds - old.mean
        mean = old.mean + self.alpha * error
        deviation = (1 - self.alpha) * old.deviation + self.alpha * abs(error)
        self._estimates[key] = Estimate(mean, deviation, old.samples + 1)
