"""When to ask a provider again: sleep until few tasks are over, then step.

:class:`LatencyModel` holds, per request class, the recent task times (seconds from submit
to the end) and turns them, or a provider's :class:`~videogate.LatencyPrior` when nothing was
learned yet, into a :class:`Window`: ``low`` (the tasks over before it cost a small share
of the delay budget), ``typical`` and ``high``. :class:`PollPolicy` turns a window into poll
times: the first poll at ``low``, then one every ``step`` seconds, where ``step`` is twice
the mean detection delay allowed (``budget``) times ``margin``, trimmed for short tasks;
inside a prior (nothing learned yet) the step grows with the task's age up to twice the
budget, like the SDK's own wait; well beyond ``high`` the steps grow slowly. Two polls of one
task are never closer than the step, and a service's Retry-After only pushes polls later.

While jobs wait for one of the account's running-task slots, a finished task that is not yet
seen holds a slot the queue could use: :meth:`PollPolicy.contended` then narrows the budget to
a share (``slot_idle``) of the typical task time, never below what the account's query rate
allows for all its running tasks.

With no window at all (no history, no prior) the first poll follows the submit at once and
the steps double every third poll up to the largest step, like the DashScope SDK's own wait.
"""

from __future__ import annotations

import collections
import math
import statistics
from collections.abc import Iterable, Sequence

import attrs

from videogate._contract.capabilities import LatencyPrior

__all__ = ["LatencyModel", "PollPolicy", "Window", "first_poll", "learned_time", "window_of"]

#: Share of an account's query rate that contended polling may plan to use (the rest is left
#: for scheduling jitter, retries and other callers).
CONTENDED_QUERY_SHARE = 0.8

#: A task already over at its first poll ended at an unknown time before it: it is learned
#: as this share of that poll's time, so that a first poll coming too late moves earlier
#: (learned just before the poll, it would stay where it is).
EARLY_END = 0.9


@attrs.frozen
class Window:
    """Expected task times of a class, in seconds from submit: ``low`` <= ``typical`` <=
    ``high``; ``samples`` is how many observed tasks it comes from (0: a prior)."""

    low: float
    typical: float
    high: float
    samples: int = 0


@attrs.frozen(kw_only=True)
class PollPolicy:
    """Poll pacing constants, in seconds (scale them together with :meth:`scaled`).

    :ivar budget: the mean detection delay allowed (time from a task's end to the poll that
        sees it); the step inside a window is ``2 * budget * margin``; inside a prior it grows
        from there with the task's age (``relative`` of it) up to ``2 * budget``.
    :ivar margin: the share of the budget the step may use (the query's own time, scheduling
        jitter and the tasks that end before the first poll use the rest).
    :ivar relative: a step is at most this fraction of the typical task time (short tasks);
        inside a prior, at least this fraction of the task's age.
    :ivar min_interval: never poll one task more often than this.
    :ivar max_interval: the largest step of an overrunning task (never below the step).
    :ivar high_quantile: the quantile beyond which a task is overrunning.
    :ivar min_samples: learned times needed before quantiles are trusted; fewer give a
        window of +/-30 % around them.
    :ivar time_scale: real seconds per service second (below 1 only against an emulator
        running faster than real time); providers' priors are multiplied by it.
    :ivar slot_idle: while jobs wait for a running-task slot, the mean detection delay is at
        most this share of the typical task time (0: no change under contention).
    """

    budget: float = 2.5
    margin: float = 0.75
    relative: float = 0.15
    min_interval: float = 0.05
    max_interval: float = 30.0
    high_quantile: float = 0.95
    min_samples: int = 5
    time_scale: float = 1.0
    slot_idle: float = 0.02

    def scaled(self, factor: float) -> PollPolicy:
        """The same policy on a clock running ``1/factor`` times faster (simulations)."""
        return attrs.evolve(
            self,
            budget=self.budget * factor,
            min_interval=self.min_interval * factor,
            max_interval=self.max_interval * factor,
            time_scale=self.time_scale * factor,
        )

    @property
    def max_step(self) -> float:
        """The step inside a window for tasks long enough to use the whole budget."""
        return max(self.min_interval, 2.0 * self.budget * self.margin)

    def contended(
        self, window: Window | None, slots: int | None, query_rate: float | None
    ) -> PollPolicy:
        """The policy while jobs wait for one of ``slots`` running-task slots of an account
        allowing ``query_rate`` status queries per second.

        The budget shrinks to ``slot_idle`` of the window's typical time, but not below the
        step at which polling every running task stays within
        :data:`CONTENDED_QUERY_SHARE` of the query rate (nor below ``min_interval``).
        """
        if window is None or self.slot_idle <= 0:
            return self
        step = max(self.min_interval, 2.0 * self.slot_idle * window.typical * self.margin)
        if slots and query_rate:
            step = max(step, slots / (query_rate * CONTENDED_QUERY_SHARE))
        budget = step / (2.0 * self.margin)
        if budget >= self.budget:
            return self
        return attrs.evolve(self, budget=budget)

    def step(self, window: Window | None) -> float:
        """Seconds between two polls of a task inside ``window``."""
        if window is None:
            return self.min_interval
        return max(self.min_interval, min(self.max_step, self.relative * window.typical))

    def interval(self, window: Window | None, elapsed: float, polls: int) -> float:
        """Seconds from the last poll to the next one (never below :meth:`step`), for a task
        submitted ``elapsed`` seconds ago and polled ``polls`` times."""
        step = self.step(window)
        if window is None:
            # Like the SDK: 1, 1, 1, 2, 2, 2, 4, ... (budget 2.5 s), up to the largest step.
            base = 0.4 * self.budget * 2.0 ** min(30, max(0, polls - 1) // 3)
            return max(self.min_interval, min(self.max_step, base))
        if window.samples == 0:
            # A prior only roughly places the end, so polls spread over a wide window: like
            # the SDK's own wait, the step grows with the task's age, up to the whole budget
            # (the SDK's pace once its steps reach 5 s). One learned time already narrows it.
            step = max(step, min(2.0 * self.budget, self.relative * elapsed))
        patience = window.high + (window.high - window.low)  # the tail seen so far, again
        if elapsed <= patience:
            return step
        overrun = (elapsed - patience) / (4.0 * step)
        growth: float = 1.2 ** min(overrun, 64.0)  # 1.2**64 exceeds any max_interval / step
        return max(step, min(self.max_interval, step * growth))

    def next_delay(
        self,
        window: Window | None,
        *,
        elapsed: float,
        polls: int,
        since_last: float | None,
        retry_after: float | None = None,
    ) -> float:
        """Seconds from now until the next poll of a task submitted ``elapsed`` seconds ago,
        polled ``polls`` times, the last ``since_last`` seconds ago (``None``: never)."""
        first = 0.0 if window is None else window.low
        delay = max(0.0, first - elapsed)
        if since_last is not None:
            delay = max(delay, self.interval(window, elapsed, polls) - since_last)
        return max(delay, retry_after or 0.0)

    def eta(self, window: Window | None, elapsed: float) -> float | None:
        """Expected seconds until the task ends, when there is a window."""
        if window is None:
            return None
        if elapsed < window.typical:
            return window.typical - elapsed
        if elapsed < window.high:
            return (window.high - elapsed) / 2.0
        return self.step(window)

    def progress(self, window: Window | None, elapsed: float) -> float | None:
        """A 0..0.95 progress guess from the expected end, when there is a window."""
        eta = self.eta(window, elapsed)
        if eta is None or elapsed + eta <= 0:
            return None
        return min(0.95, elapsed / (elapsed + eta))


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def learned_time(quiet: float | None, seen: float) -> float:
    """How long a task took, from the elapsed seconds of its last poll that saw it running
    (``quiet``; ``None``: none did) and of the poll that saw it end (``seen``): the midpoint
    between them, else :data:`EARLY_END` of ``seen``."""
    if quiet is None:
        return EARLY_END * max(0.0, seen)
    return max(0.0, (quiet + seen) / 2.0)


def first_poll(ordered: Sequence[float], allowed: float) -> float:
    """The latest first poll at which tasks timed like ``ordered`` (sorted) that are already
    over wait ``allowed`` seconds on average: the largest ``t`` with
    ``mean(max(0, t - s)) <= allowed``."""
    room = allowed * len(ordered)  # the allowed sum of waits
    for below, start in enumerate(ordered, start=1):
        end = ordered[below] if below < len(ordered) else math.inf
        if room <= below * (end - start):  # the sum grows by `below` per second here
            return start + room / below
        room -= below * (end - start)
    raise AssertionError("unreachable")  # pragma: no cover


def window_of(
    samples: Sequence[float], prior: LatencyPrior | None, policy: PollPolicy
) -> Window | None:
    """The window of a class from its learned ``samples``, else from ``prior`` (both in
    service seconds; the window is on the policy's clock).

    ``low``, the first poll, is where the tasks already over would wait for it
    ``(1 - margin) * budget`` seconds on average, by the learned times (:func:`first_poll`),
    less the gap the unseen tail may leave below the smallest of them: a wide lower tail
    moves it earlier, a narrow one later, whatever its quantile. Learned times are midpoints
    between the last quiet poll and the terminal one, uncertain by half a step: ``high`` is
    raised by that much (a task still running past ``high`` gets growing steps).
    """
    if not samples:
        if prior is None:
            return None
        scale = policy.time_scale
        return Window(prior.low * scale, prior.typical * scale, prior.high * scale, 0)
    ordered = sorted(s * policy.time_scale for s in samples)
    typical = statistics.median(ordered)
    if len(ordered) < policy.min_samples:
        low, high = 0.7 * ordered[0], 1.3 * ordered[-1]
    else:
        half = policy.step(Window(typical, typical, typical, len(ordered))) / 2.0
        # n samples leave about 1/(n+1) of the tasks below the smallest, a gap of about
        # range/(n+1): the first poll comes that much earlier than the samples alone say.
        gap = (ordered[-1] - ordered[0]) / (len(ordered) + 1)
        low = first_poll(ordered, policy.budget * (1.0 - policy.margin)) - gap
        high_q = _quantile(ordered, policy.high_quantile)
        # A few dozen samples understate the tail: extend it by half the spread between the
        # tail quantile and its quartile.
        high = high_q + (high_q - _quantile(ordered, 0.75)) / 2.0 + half
    low = max(0.0, min(low, typical))
    return Window(low, typical, max(high, typical), len(ordered))


class LatencyModel:
    """Recent task times by class key, and the providers' priors, in this process.

    A class is loaded once (:meth:`load`, from the state layer's latency store) and then
    kept up to date by :meth:`observe`; memory is bounded by ``keep`` samples per class.
    """

    def __init__(self, keep: int = 64) -> None:
        self.keep = keep
        self._samples: dict[str, collections.deque[float]] = {}
        self._priors: dict[str, LatencyPrior] = {}

    def known(self, key: str) -> bool:
        """Whether ``key`` was loaded or observed in this process."""
        return key in self._samples

    def load(self, key: str, samples: Iterable[float]) -> None:
        """Samples from the store, newest first (kept only if ``key`` is not known yet)."""
        if key not in self._samples:
            newest_first = [float(s) for s in samples if s >= 0][: self.keep]
            self._samples[key] = collections.deque(reversed(newest_first), maxlen=self.keep)

    def set_prior(self, provider: str, prior: LatencyPrior | None) -> None:
        """The prior of a provider (its declared task times)."""
        if prior is None:
            self._priors.pop(provider, None)
        else:
            self._priors[provider] = prior

    def prior(self, provider: str) -> LatencyPrior | None:
        """The prior set for ``provider``, if any."""
        return self._priors.get(provider)

    def samples(self, key: str) -> list[float]:
        """The learned times of ``key``, oldest first."""
        return list(self._samples.get(key, ()))

    def observe(self, key: str, seconds: float) -> None:
        """Learn from one finished task of class ``key`` that took ``seconds``."""
        if seconds < 0:
            return
        self._samples.setdefault(key, collections.deque(maxlen=self.keep)).append(seconds)

    def window(self, key: str, provider: str, policy: PollPolicy) -> Window | None:
        """The window of ``key`` (learned), else of ``provider``'s prior, else ``None``."""
        return window_of(self.samples(key), self._priors.get(provider), policy)
