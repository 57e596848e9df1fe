"""Staying inside a service's per-account limits by queueing locally, in FIFO order.

Each provider gets a :class:`ProviderLimits`: a slot pool for concurrently running tasks and
two pacers, one for submits and one for status queries. A job takes a slot before it submits
and gives it back when its task is seen to end (the service counts a task until it ends), so
jobs beyond the cap wait here instead of being throttled there.

:class:`Limits` is the interface; :class:`LocalLimits` keeps the counters in this process. A
fleet of workers sharing one account would implement it on a shared server (Redis, say).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from typing import Protocol

from videogate._contract.capabilities import ServiceLimits
from videogate._logging import get_logger

__all__ = ["Limits", "LocalLimits", "Pacer", "ProviderLimits", "Slots"]

#: Fraction of a declared rate actually used: calls leave on time here but reach the service
#: with some jitter, which must not push a burst over its limit.
RATE_MARGIN = 0.9
#: Waits for a turn longer than this are logged (``-v``); shorter ones at debug (``-vv``).
NOTABLE_WAIT = 0.5

logger = get_logger("videogate.engine")


class Slots:
    """A counting semaphore that serves waiters strictly in arrival order."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        """How many acquirers are queued (a cancelled one leaves the queue as it ends)."""
        return len(self._waiters)

    async def acquire(self) -> None:
        """Wait for a free slot (FIFO); cancellation leaves the queue consistent."""
        if self.capacity is None or (not self._waiters and self.in_use < self.capacity):
            self.in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        logger.info(
            "all %s running-task slots in use; waiting locally (%d ahead)",
            self.capacity,
            len(self._waiters),
        )
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed to us just as we were cancelled: pass it on.
                self.release()
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self) -> None:
        """Give a slot back, handing it to the oldest waiter if any."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_use -= 1


class Pacer:
    """Spaces calls at least ``1/rate`` seconds apart, in the order they ask (no burst).

    Each caller reserves the next free instant and sleeps until it, so a thousand waiting
    jobs cost a thousand timers in the event loop and no thread.
    """

    def __init__(self, rate: float | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0 if not rate else 1.0 / (rate * RATE_MARGIN)
        self._clock = clock
        self._next = 0.0

    def reserve(self) -> float:
        """Reserve the next instant; returns seconds to wait until it."""
        now = self._clock()
        at = max(now, self._next)
        self._next = at + self.interval
        return at - now

    def push_back(self, seconds: float) -> None:
        """Nothing may leave before ``seconds`` from now (a service's Retry-After)."""
        self._next = max(self._next, self._clock() + seconds)

    async def wait(self) -> None:
        """Wait for this caller's turn."""
        delay = self.reserve()
        if delay > 0:
            level = logging.INFO if delay >= NOTABLE_WAIT else logging.DEBUG
            logger.log(level, "pacing: waiting %.2f s for the service's rate limit", delay)
            await asyncio.sleep(delay)


class ProviderLimits:
    """The slots and pacers of one provider (one account)."""

    def __init__(
        self, limits: ServiceLimits, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self.slots = Slots(limits.max_concurrent_tasks)
        self.submits = Pacer(limits.submits_per_second, clock=clock)
        self.queries = Pacer(limits.queries_per_second, clock=clock)


class Limits(Protocol):
    """Where the engine takes slots and turns, per provider name."""

    async def acquire_slot(self, provider: str) -> None:
        """Wait for a running-task slot."""

    def release_slot(self, provider: str) -> None:
        """Give a running-task slot back."""

    async def submit_turn(self, provider: str) -> None:
        """Wait until a submit may be sent."""

    async def query_turn(self, provider: str) -> None:
        """Wait until a status query (or cancel) may be sent."""

    def back_off(self, provider: str, seconds: float) -> None:
        """The service asked for a pause (Retry-After): hold every call to it."""

    def waiting(self, provider: str) -> int:
        """How many jobs here wait for a running-task slot of ``provider``."""

    def declared(self, provider: str) -> ServiceLimits:
        """The limits these slots and pacers enforce for ``provider``."""


class LocalLimits:
    """In-process :class:`Limits`: one :class:`ProviderLimits` per provider name.

    :param limits_for: the declared limits of a provider name (its capabilities).
    """

    def __init__(
        self,
        limits_for: Callable[[str], ServiceLimits],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits_for = limits_for
        self._clock = clock
        self._by_name: dict[str, ProviderLimits] = {}

    def of(self, provider: str) -> ProviderLimits:
        """The limits of ``provider``, created on first use."""
        found = self._by_name.get(provider)
        if found is None:
            found = ProviderLimits(self._limits_for(provider), clock=self._clock)
            self._by_name[provider] = found
        return found

    async def acquire_slot(self, provider: str) -> None:
        await self.of(provider).slots.acquire()

    def waiting(self, provider: str) -> int:
        return self.of(provider).slots.waiting

    def declared(self, provider: str) -> ServiceLimits:
        return self.of(provider).limits

    def release_slot(self, provider: str) -> None:
        self.of(provider).slots.release()

    async def submit_turn(self, provider: str) -> None:
        await self.of(provider).submits.wait()

    async def query_turn(self, provider: str) -> None:
        await self.of(provider).queries.wait()

    def back_off(self, provider: str, seconds: float) -> None:
        logger.info("%s asked for a pause: no calls to it for %.2f s", provider, seconds)
        limits = self.of(provider)
        limits.queries.push_back(seconds)
        limits.submits.push_back(seconds)
